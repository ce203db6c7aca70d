// libFuzzer target over collateral parsing: the signed-JSON splitter, TCB info and QE identity
// parsers, ISO 8601 dates, and the collateral file recogniser (DER/PEM certificates and CRLs).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attest/collateral.h"
#include "attest/intel_qe_identity.h"
#include "attest/intel_signed_json.h"
#include "attest/intel_tcb_info.h"

using namespace trustmq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto split = attest::split_signed_json(text, "tcbInfo"); split.ok()) {
    if (split->signature.size() != 64) std::abort();
    if (split->signed_text.data() < text.data() ||
        split->signed_text.data() + split->signed_text.size() > text.data() + text.size()) {
      std::abort();
    }
  }
  if (auto info = attest::parse_tcb_info(text); info.ok()) {
    attest::PckCertificateInfo pck;
    std::array<std::uint8_t, 16> tee{};
    (void)attest::evaluate_tcb(*info, pck, info->id == "TDX" ? &tee : nullptr);
  }
  if (auto qe = attest::parse_qe_identity(text); qe.ok()) {
    (void)attest::evaluate_qe_identity(*qe, attest::SgxReportBody{});
  }
  (void)attest::parse_iso8601_utc(text);
  attest::Collateral collateral;
  (void)collateral.add_bytes("fuzz", attest::ByteSpan(data, size));
  return 0;
}

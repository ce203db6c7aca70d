// libFuzzer target over collateral parsing: the signed-JSON splitter, TCB info and QE identity
// parsers, ISO 8601 dates, the collateral file recogniser (DER/PEM certificates and CRLs), and
// the X.509 extension readers applied to each certificate it recognises: the SGX extensions of
// a PCK certificate and the AMD extensions of a VCEK/VLEK (both user-supplied files).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attest/amd_key_certificate.h"
#include "attest/collateral.h"
#include "attest/intel_pck_certificate.h"
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
    for (const auto& level : qe->levels) (void)attest::qe_tcb_level(*qe, level.isv_svn);
  }
  (void)attest::parse_iso8601_utc(text);
  attest::Collateral collateral;
  (void)collateral.add_bytes("fuzz", attest::ByteSpan(data, size));
  for (const auto& c : collateral.certificates) {
    (void)attest::read_pck_certificate(c.cert.get());
    (void)attest::read_amd_key_certificate(c.cert.get());
  }
  return 0;
}

// libFuzzer target over the Intel DCAP quote parser (SGX v3, TDX v4/v5), the report-body
// readers and the verifier's PEM chain and PCK extension parsing on attacker bytes. Nothing
// may verify unless it chains to the Intel root and carries valid signatures.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "attest/intel_quote.h"
#include "attest/intel_quote_verifier.h"
#include "attest/well_known_roots.h"

using namespace trustmq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attest::ByteSpan input(data, size);
  auto quote = attest::parse_intel_quote(input);
  if (quote.ok()) {
    if (quote->signed_bytes.size() > size || quote->qe_report.size() != 384) std::abort();
    if (quote->is_tdx()) {
      (void)attest::parse_td_report_body(quote->body);
    } else {
      (void)attest::parse_sgx_report_body(quote->body);
    }
  }
  static const auto collateral = std::make_shared<const attest::Collateral>();
  static const attest::IntelQuoteVerifier sgx(attest::EvidenceType::kSgxDcap, collateral);
  static const attest::IntelQuoteVerifier tdx(attest::EvidenceType::kTdx, collateral);
  const auto& roots = attest::well_known_roots(attest::EvidenceType::kTdx);
  (void)sgx.verify(input, roots, 1688169600);
  (void)tdx.verify(input, roots, 1688169600);
  return 0;
}

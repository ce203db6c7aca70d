// libFuzzer target over the SEV-SNP report parser and the verifier's steps before any
// signature (VCEK selection, product/ARK lookup) on attacker bytes. Nothing may verify: the
// collateral is empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "attest/sev_snp_report.h"
#include "attest/sev_snp_verifier.h"
#include "attest/well_known_roots.h"

using namespace trustmq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attest::ByteSpan input(data, size);
  auto report = attest::parse_sev_snp_report(input);
  if (report.ok()) {
    if (report->signed_bytes.size() != attest::kSevSnpSignedSize) std::abort();
    if (report->version < 2 || report->version > 5) std::abort();
  }
  static const attest::SevSnpVerifier verifier(std::make_shared<const attest::Collateral>());
  attest::VerificationLog log;
  auto claims = verifier.verify_logged(
      input, attest::well_known_roots(attest::EvidenceType::kSevSnp), 1735689600, &log);
  if (claims.ok()) std::abort();  // no VCEK: must never verify
  if (log.empty() || log.back().passed) std::abort();
  return 0;
}

// libFuzzer target over the tpm2-quote evidence parser and the verifier's steps (AK certificate
// parse, TPMT_SIGNATURE and TPMS_ATTEST unmarshalling) on attacker bytes. The verifier reaches
// TPMS_ATTEST only after a valid signature and AK chain, so the decoded attest and signature
// fields are also unmarshalled directly. Nothing may verify:
// there is no trust anchor, and a signature by a key the fuzzer does not hold cannot pass.
#include <tss2/tss2_mu.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "attest/tpm_evidence.h"
#include "attest/tpm_quote_verifier.h"

using namespace trustmq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attest::ByteSpan input(data, size);
  auto evidence = attest::decode_tpm_evidence(input);
  if (evidence.ok()) {
    // What decodes re-encodes to the same bytes (the format has one encoding).
    if (attest::encode_tpm_evidence(*evidence) != attest::Bytes(input.begin(), input.end())) {
      std::abort();
    }
    TPMS_ATTEST attest{};
    std::size_t offset = 0;
    (void)Tss2_MU_TPMS_ATTEST_Unmarshal(evidence->attest.data(), evidence->attest.size(), &offset,
                                        &attest);
    TPMT_SIGNATURE signature{};
    offset = 0;
    (void)Tss2_MU_TPMT_SIGNATURE_Unmarshal(evidence->signature.data(), evidence->signature.size(),
                                           &offset, &signature);
  }
  static const attest::TpmQuoteVerifier verifier;
  attest::VerificationLog log;
  auto claims = verifier.verify_logged(input, attest::TrustAnchors{}, 1735689600, &log);
  if (claims.ok()) std::abort();
  if (log.empty() || log.back().passed) std::abort();
  return 0;
}

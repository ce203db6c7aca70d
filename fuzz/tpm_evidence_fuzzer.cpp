// libFuzzer target over the tpm2-quote evidence parser and the verifier's steps (AK certificate
// parse, TPMT_SIGNATURE and TPMS_ATTEST unmarshalling) on attacker bytes. Nothing may verify:
// there is no trust anchor, and a signature by a key the fuzzer does not hold cannot pass.
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
  }
  static const attest::TpmQuoteVerifier verifier;
  attest::VerificationLog log;
  auto claims = verifier.verify_logged(input, attest::TrustAnchors{}, 1735689600, &log);
  if (claims.ok()) std::abort();
  if (log.empty() || log.back().passed) std::abort();
  return 0;
}

// libFuzzer target over the attestation extension parsers: AttestationRequest (ClientHello),
// AttestationEvidence (EncryptedExtensions), the sim evidence body and certificate, and the
// policy JSON reader. A successful decode must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attest/json_value.h"
#include "attest/sim_evidence.h"
#include "attest/sim_verifier.h"
#include "tls/attestation_wire.h"

using namespace trustmq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attest::ByteSpan input(data, size);

  if (auto request = tls::decode_request(input); request.ok()) {
    if (tls::encode_request(*request) != attest::Bytes(input.begin(), input.end())) std::abort();
  }
  if (auto evidence = tls::decode_evidence(input); evidence.ok()) {
    if (evidence->evidence.size() > tls::kMaxEvidenceSize) std::abort();
    if (tls::encode_evidence(*evidence) != attest::Bytes(input.begin(), input.end())) std::abort();
  }
  if (auto sim = attest::decode_sim_evidence(input); sim.ok()) {
    attest::Bytes again =
        attest::encode_sim_evidence(sim->body, sim->signature, sim->platform_cert_der);
    if (again != attest::Bytes(input.begin(), input.end())) std::abort();
    // Signature and DER certificate parsing on attacker bytes (no anchors: must not verify).
    attest::SimVerifier verifier;
    if (verifier.verify(input, {}, 1700000000).ok()) std::abort();
  }
  (void)attest::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

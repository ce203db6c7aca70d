#include "tls/post_handshake_attestation.h"

#include <openssl/rand.h>

#include <algorithm>

#include "tls/attestation_wire.h"
#include "tls/post_handshake_binding.h"

namespace trustmq::tls {

Result<PostHandshakeEvidence, PostHandshakeFailure> produce_post_handshake_evidence(
    SSL* ssl, const AttestationServer& server, attest::ByteSpan request) {
  using R = Result<PostHandshakeEvidence, PostHandshakeFailure>;
  auto decoded = decode_request(request);
  if (!decoded) {
    return R::failure({PostHandshakeRefusal::kMalformedRequest,
                       "malformed attestation request: " + decoded.error().message});
  }
  const attest::Attester* attester = server.attester_for(decoded->accepted_types);
  if (attester == nullptr) {
    return R::failure(
        {PostHandshakeRefusal::kNoAcceptedType, "no attester of a type the client accepts"});
  }
  auto binding = post_handshake_binding(ssl, decoded->nonce, /*server_side=*/true);
  if (!binding) return R::failure({PostHandshakeRefusal::kNoExporter, binding.error()});
  auto evidence = attester->attest(*binding);
  if (!evidence) {
    return R::failure(
        {PostHandshakeRefusal::kAttesterFailed, "attester failed: " + evidence.error()});
  }
  if (evidence->size() > kMaxEvidenceSize) {
    return R::failure({PostHandshakeRefusal::kAttesterFailed,
                       "evidence of " + std::to_string(evidence->size()) +
                           " bytes exceeds the maximum of " + std::to_string(kMaxEvidenceSize)});
  }
  PostHandshakeEvidence out;
  out.type = static_cast<std::uint16_t>(attester->type());
  out.answer = encode_evidence({out.type, std::move(*evidence)});
  return R::success(std::move(out));
}

Result<PostHandshakeRequest> make_post_handshake_request(const AttestationClient& client) {
  PostHandshakeRequest r;
  r.nonce.resize(kClientNonceSize);
  if (RAND_bytes(r.nonce.data(), static_cast<int>(r.nonce.size())) != 1) {
    return Result<PostHandshakeRequest>::failure("no randomness for the nonce");
  }
  r.request = encode_request({r.nonce, client.offered_types()});
  return Result<PostHandshakeRequest>::success(std::move(r));
}

AttestationOutcome verify_post_handshake_evidence(SSL* ssl, const AttestationClient& client,
                                                  attest::ByteSpan nonce, attest::ByteSpan answer) {
  AttestationOutcome outcome;
  auto evidence = decode_evidence(answer);
  if (!evidence) {
    outcome.error = AttestationError::kMalformedEvidence;
    outcome.message = "malformed attestation answer: " + evidence.error().message;
    return outcome;
  }
  const auto offered = client.offered_types();
  if (std::find(offered.begin(), offered.end(), evidence->type) == offered.end()) {
    outcome.error = AttestationError::kEvidenceTypeNotAllowed;
    outcome.message = "broker answered with evidence type " +
                      std::string(attest::evidence_type_name(evidence->type)) +
                      ", which this client did not ask for";
    return outcome;
  }
  auto binding = post_handshake_binding(ssl, nonce, /*server_side=*/false);
  if (!binding) {
    outcome.error = AttestationError::kTlsVersionRefused;
    outcome.message = binding.error();
    return outcome;
  }
  return client.check_evidence(evidence->type, evidence->evidence, *binding);
}

}  // namespace trustmq::tls

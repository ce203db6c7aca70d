#include "client/client_attestation.h"

#include <string>
#include <utility>

#include "client/tls_client_transport.h"
#include "mqtt/attestation_method.h"
#include "tls/attestation_wire.h"
#include "tls/client_evidence.h"

namespace trustmq::client {
namespace {

ClientResult<void> failure(std::string message) {
  return ClientResult<void>::failure(make_error(ClientErrorKind::kAttestation, std::move(message)));
}

SSL* ssl_of(ClientTransport& transport) {
  auto* tls = dynamic_cast<TlsClientTransport*>(&transport);
  return tls == nullptr ? nullptr : tls->ssl();
}

}  // namespace

ClientAttestation::ClientAttestation(std::shared_ptr<const attest::Attester> attester)
    : attester_(std::move(attester)) {}

ClientResult<void> ClientAttestation::prepare_connect(ClientTransport& transport,
                                                      ConnectOptions& options) {
  SSL* ssl = ssl_of(transport);
  if (ssl == nullptr) return failure("client attestation needs a TLS 1.3 connection");
  mqtt::Bytes broker_request;
  if (options.authentication_method == mqtt::kAttestAuthenticationMethod &&
      options.authentication_data) {
    broker_request = *options.authentication_data;
  }
  if (broker_request.size() > 255) return failure("the broker request is too long to combine");
  auto evidence = tls::produce_client_evidence(ssl, *attester_, {});
  if (!evidence) return failure("client evidence at connect: " + evidence.error());
  mqtt::Bytes data;
  data.reserve(2 + broker_request.size() + evidence->size());
  data.push_back(mqtt::kClientEvidenceMarker);
  data.push_back(static_cast<std::uint8_t>(broker_request.size()));
  data.insert(data.end(), broker_request.begin(), broker_request.end());
  data.insert(data.end(), evidence->begin(), evidence->end());
  options.version = mqtt::ProtocolVersion::kV5;
  options.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  options.authentication_data = std::move(data);
  last_presented_ = Deadline::Clock::now();
  return ClientResult<void>::success();
}

ClientResult<void> ClientAttestation::reattest(MqttClient& client) {
  SSL* ssl = ssl_of(client.transport());
  if (ssl == nullptr) return failure("client attestation needs a TLS 1.3 connection");
  const mqtt::Bytes start{mqtt::kClientReattestationMarker};
  auto challenge = client.authentication_step(mqtt::ReasonCode::kReAuthenticate, start);
  if (!challenge) return ClientResult<void>::failure(challenge.error());
  if (challenge->reason != mqtt::ReasonCode::kContinueAuthentication ||
      !challenge->properties.authentication_data) {
    return failure("client re-attestation: the broker sent no challenge");
  }
  auto request = tls::decode_request(*challenge->properties.authentication_data);
  if (!request)
    return failure("client re-attestation: malformed challenge: " + request.error().message);
  bool accepted = false;
  for (std::uint16_t type : request->accepted_types) {
    accepted = accepted || type == static_cast<std::uint16_t>(attester_->type());
  }
  if (!accepted) {
    return failure(
        "client re-attestation: the broker does not accept evidence of type " +
        std::string(attest::evidence_type_name(static_cast<std::uint16_t>(attester_->type()))));
  }
  auto evidence = tls::produce_client_evidence(ssl, *attester_, request->nonce);
  if (!evidence) return failure("client re-attestation: " + evidence.error());
  auto done = client.authentication_step(mqtt::ReasonCode::kContinueAuthentication, *evidence);
  if (!done) return ClientResult<void>::failure(done.error());
  if (done->reason != mqtt::ReasonCode::kSuccess) {
    return failure("client re-attestation: the broker asked for a further step");
  }
  last_presented_ = Deadline::Clock::now();
  return ClientResult<void>::success();
}

Deadline ClientAttestation::next_due() const {
  if (interval_.count() <= 0) return Deadline(Deadline::Clock::time_point::max());
  return Deadline(last_presented_ + interval_);
}

ClientResult<void> ClientAttestation::reattest_if_due(MqttClient& client) {
  if (interval_.count() <= 0 || !next_due().expired()) return ClientResult<void>::success();
  return reattest(client);
}

}  // namespace trustmq::client

#include "client/broker_attestation.h"

#include <string>
#include <utility>

#include "client/tls_client_transport.h"
#include "mqtt/attestation_method.h"
#include "tls/post_handshake_attestation.h"

namespace trustmq::client {

namespace {

template <typename T>
ClientResult<T> attestation_failure(tls::AttestationError error, std::string message) {
  ClientError e = make_error(ClientErrorKind::kAttestation, std::move(message));
  e.attestation_error = std::string(tls::attestation_error_name(error));
  return ClientResult<T>::failure(std::move(e));
}

}  // namespace

// A broker that does not know the method refuses it with 0x8C: say so plainly.
ClientError BrokerAttestation::explain(ClientError e, const char* where) {
  if ((e.kind == ClientErrorKind::kConnectionRefused || e.kind == ClientErrorKind::kDisconnected) &&
      e.reason == mqtt::ReasonCode::kBadAuthenticationMethod) {
    e.message = std::string(where) + ": the broker does not offer post-handshake attestation (" +
                std::string(mqtt::kAttestAuthenticationMethod) +
                "): bad authentication method (0x8C). It has no attestation on this listener, "
                "the connection is not TLS 1.3, or it is not trustmq (" +
                e.message + ")";
  }
  return e;
}

BrokerAttestation::BrokerAttestation(attest::Policy policy)
    : verifier_(std::make_unique<tls::AttestationClient>(std::move(policy))) {}

BrokerAttestation::BrokerAttestation(std::unique_ptr<tls::AttestationClient> verifier)
    : verifier_(std::move(verifier)) {}

BrokerAttestation::~BrokerAttestation() = default;

ClientResult<void> BrokerAttestation::prepare_connect(ConnectOptions& options) {
  if (verifier_->offered_types().empty()) {
    return attestation_failure<void>(tls::AttestationError::kNoVerifier,
                                     "the policy allows no evidence type this build can verify");
  }
  auto request = tls::make_post_handshake_request(*verifier_);
  if (!request) return attestation_failure<void>(tls::AttestationError::kInternal, request.error());
  connect_nonce_ = std::move(request->nonce);
  options.version = mqtt::ProtocolVersion::kV5;
  options.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  options.authentication_data = std::move(request->request);
  return ClientResult<void>::success();
}

ClientResult<tls::AttestationOutcome> BrokerAttestation::verify(
    MqttClient& client, mqtt::ByteView nonce, const std::optional<mqtt::Bytes>& answer,
    const char* where) {
  using R = ClientResult<tls::AttestationOutcome>;
  auto* tls_transport = dynamic_cast<TlsClientTransport*>(&client.transport());
  if (tls_transport == nullptr || tls_transport->ssl() == nullptr) {
    return attestation_failure<tls::AttestationOutcome>(
        tls::AttestationError::kTlsVersionRefused,
        std::string(where) + ": post-handshake attestation needs a TLS 1.3 connection");
  }
  if (!answer || answer->empty()) {
    return attestation_failure<tls::AttestationOutcome>(
        tls::AttestationError::kMissingEvidence,
        std::string(where) + ": the broker sent no evidence");
  }
  tls::AttestationOutcome outcome =
      tls::verify_post_handshake_evidence(tls_transport->ssl(), *verifier_, nonce, *answer);
  if (!outcome.ok()) {
    return attestation_failure<tls::AttestationOutcome>(
        outcome.error, std::string(where) + ": " + outcome.message);
  }
  last_verified_ = Deadline::Clock::now();
  if (on_verified_) on_verified_(outcome);
  return R::success(std::move(outcome));
}

ClientResult<tls::AttestationOutcome> BrokerAttestation::verify_connack(MqttClient& client) {
  if (connect_nonce_.empty()) {
    return attestation_failure<tls::AttestationOutcome>(
        tls::AttestationError::kNotVerified,
        "attestation at connect: prepare_connect was not used");
  }
  const mqtt::ConnackPacket& connack = client.connack();
  if (connack.properties.authentication_method != mqtt::kAttestAuthenticationMethod) {
    return attestation_failure<tls::AttestationOutcome>(
        tls::AttestationError::kMissingEvidence,
        "attestation at connect: the CONNACK does not answer with " +
            std::string(mqtt::kAttestAuthenticationMethod));
  }
  mqtt::Bytes nonce = std::exchange(connect_nonce_, {});  // each nonce answers once
  return verify(client, nonce, connack.properties.authentication_data, "attestation at connect");
}

ClientResult<tls::AttestationOutcome> BrokerAttestation::reattest(MqttClient& client) {
  using R = ClientResult<tls::AttestationOutcome>;
  auto request = tls::make_post_handshake_request(*verifier_);
  if (!request) {
    return attestation_failure<tls::AttestationOutcome>(tls::AttestationError::kInternal,
                                                        request.error());
  }
  auto auth = client.reauthenticate(request->request);
  if (!auth) return R::failure(explain(auth.error(), "re-attestation"));
  return verify(client, request->nonce, auth->properties.authentication_data, "re-attestation");
}

Deadline BrokerAttestation::next_due() const {
  if (interval_.count() <= 0) return Deadline(Deadline::Clock::time_point::max());
  return Deadline(last_verified_ + interval_);
}

ClientResult<void> BrokerAttestation::reattest_if_due(MqttClient& client) {
  if (interval_.count() <= 0 || !next_due().expired()) return ClientResult<void>::success();
  auto outcome = reattest(client);
  if (!outcome) return ClientResult<void>::failure(outcome.error());
  return ClientResult<void>::success();
}

}  // namespace trustmq::client

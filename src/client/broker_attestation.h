// Post-handshake attestation of the broker over MQTT 5 enhanced authentication, method
// trustmq-attest-v1 (docs/attestation.md, "Post-handshake attestation"): evidence at CONNECT
// (in CONNACK) and again whenever the client asks (AUTH 0x19 → AUTH 0x00), each answering a
// fresh nonce and bound to the TLS exporter of this very connection, computed on the client's
// own SSL. Needs TLS 1.3 (TlsClientTransport) and MQTT 5.
//
//   BrokerAttestation attestation(std::move(policy));
//   attestation.prepare_connect(options);                  // CONNECT carries a request
//   auto c = MqttClient::connect(std::move(tls), options);
//   auto first = attestation.verify_connack(**c);          // evidence from the CONNACK
//   ...
//   auto again = attestation.reattest(**c);                // fresh evidence, any time
//
// Every failure is a ClientError: kAttestation (attestation_error names the check, e.g.
// "binding-mismatch") when evidence was refused; kConnectionRefused / kDisconnected with reason
// 0x8C when the broker does not support the method (plain brokers, listeners without
// attestation, connections without TLS).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "attest/policy.h"
#include "client/client_error.h"
#include "client/connect_options.h"
#include "client/mqtt_client.h"
#include "tls/attestation_client.h"

namespace trustmq::client {

class BrokerAttestation {
 public:
  // Called with every verified outcome (at connect and each re-attestation).
  using OnVerified = std::function<void(const tls::AttestationOutcome& outcome)>;

  explicit BrokerAttestation(attest::Policy policy);
  // Verifies with `verifier` (its policy and verifiers, e.g. a test's own verifier).
  explicit BrokerAttestation(std::unique_ptr<tls::AttestationClient> verifier);
  ~BrokerAttestation();

  // Sets the CONNECT's Authentication Method and Data (a fresh request) and MQTT 5.
  ClientResult<void> prepare_connect(ConnectOptions& options);
  // Checks the evidence in the CONNACK against the request of prepare_connect. A refusal
  // of the method itself comes from MqttClient::connect; explain() words it for people.
  ClientResult<tls::AttestationOutcome> verify_connack(MqttClient& client);
  // Asks for fresh evidence (AUTH 0x19) and verifies it against a new nonce.
  ClientResult<tls::AttestationOutcome> reattest(MqttClient& client);

  // Periodic re-attestation: reattest_if_due() re-verifies once `interval` has passed since the
  // last verification; next_due() is when that is.
  void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }
  void on_verified(OnVerified callback) { on_verified_ = std::move(callback); }
  Deadline next_due() const;
  ClientResult<void> reattest_if_due(MqttClient& client);

  const tls::AttestationClient& verifier() const { return *verifier_; }

  // Rewords a refusal with 0x8C (bad authentication method) as "the broker does not offer
  // post-handshake attestation"; other errors are returned unchanged.
  static ClientError explain(ClientError error, const char* where);

 private:
  // Verifies `answer` for `nonce` on the client's TLS session.
  ClientResult<tls::AttestationOutcome> verify(MqttClient& client, mqtt::ByteView nonce,
                                               const std::optional<mqtt::Bytes>& answer,
                                               const char* where);

  std::unique_ptr<tls::AttestationClient> verifier_;
  mqtt::Bytes connect_nonce_;
  std::chrono::milliseconds interval_{0};
  Deadline::Clock::time_point last_verified_{};
  OnVerified on_verified_;
};

}  // namespace trustmq::client

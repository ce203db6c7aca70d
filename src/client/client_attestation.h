// An attested client (docs/attestation.md, "Attested clients"): the client presents its own
// evidence under MQTT 5 method trustmq-attest-v1, bound to the TLS exporter of this connection,
// and the broker verifies it against its listener's client_attestation_policy. At CONNECT the
// exporter of the fresh handshake is the freshness; a re-attestation answers the broker's
// challenge nonce (AUTH 0x19 → AUTH 0x18 challenge → AUTH 0x18 evidence → AUTH 0x00).
//
//   ClientAttestation presenter(attester);
//   broker_attestation.prepare_connect(options);        // optional: also verify the broker
//   presenter.prepare_connect(*tls_transport, options); // after the TLS handshake
//   auto c = MqttClient::connect(std::move(tls_transport), options);
//   ...
//   presenter.reattest(**c);                             // fresh evidence, any time
//
// A refusal is the broker's: CONNACK 0x87 (kConnectionRefused) at connect, DISCONNECT 0x87
// (kDisconnected) on re-attestation — a failed re-authentication ends the connection.
#pragma once

#include <chrono>
#include <memory>

#include "attest/attester.h"
#include "client/client_error.h"
#include "client/client_transport.h"
#include "client/connect_options.h"
#include "client/deadline.h"
#include "client/mqtt_client.h"

namespace trustmq::client {

class ClientAttestation {
 public:
  explicit ClientAttestation(std::shared_ptr<const attest::Attester> attester);

  // Needs the TLS 1.3 transport whose handshake is done. Sets MQTT 5, the method, and the
  // CONNECT data 0x00 || broker_request<0..255> || evidence, where broker_request is what
  // `options` already carried (BrokerAttestation::prepare_connect), or nothing.
  ClientResult<void> prepare_connect(ClientTransport& transport, ConnectOptions& options);
  // Asks the broker for a challenge and answers it with fresh evidence.
  ClientResult<void> reattest(MqttClient& client);

  // Periodic re-attestation, as BrokerAttestation's.
  void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }
  Deadline next_due() const;
  ClientResult<void> reattest_if_due(MqttClient& client);

 private:
  std::shared_ptr<const attest::Attester> attester_;
  std::chrono::milliseconds interval_{0};
  Deadline::Clock::time_point last_presented_{};
};

}  // namespace trustmq::client

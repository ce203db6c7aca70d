// A blocking MQTT 3.1.1 / 5.0 client over any ClientTransport (TCP, TLS, attested TLS).
//
// Every call returns by its deadline (ConnectOptions::timeout for each acknowledgement). While a
// call waits it keeps the session alive: it answers the broker's QoS 1/2 deliveries (PUBACK,
// PUBREC, PUBCOMP), queues the messages for receive(), and sends PINGREQ when the keep-alive
// interval passes without other traffic.
//
//   auto c = MqttClient::connect(std::move(transport), options);
//   if (!c) { ... c.error().message ... }
//   (*c)->subscribe({{.filter = "a/#", .max_qos = mqtt::QoS::kExactlyOnce}});
//   (*c)->publish("a/b", payload, mqtt::QoS::kExactlyOnce, false);
//   auto m = (*c)->receive(Deadline::after(5s));   // optional<ReceivedMessage>
//   (*c)->disconnect();
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_error.h"
#include "client/client_transport.h"
#include "client/connect_options.h"
#include "client/deadline.h"
#include "client/received_message.h"
#include "mqtt/packet.h"

namespace trustmq::client {

class MqttClient {
 public:
  // Receives one line per packet sent or received (mosquitto -d style), without newline.
  using DebugLog = std::function<void(std::string_view line)>;

  // Sends CONNECT and waits for CONNACK. A refusal is kConnectionRefused with the reason code.
  static ClientResult<std::unique_ptr<MqttClient>> connect(
      std::unique_ptr<ClientTransport> transport, const ConnectOptions& options,
      DebugLog debug = {});
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  mqtt::ProtocolVersion version() const { return options_.version; }
  const mqtt::ConnackPacket& connack() const { return connack_; }
  // The identifier in use (the broker's Assigned Client Identifier if it chose one).
  const std::string& client_id() const { return client_id_; }
  // Keep-alive in force (the broker's Server Keep Alive overrides ours in MQTT 5).
  std::uint16_t keep_alive_seconds() const { return keep_alive_seconds_; }
  const ClientTransport& transport() const { return *transport_; }
  ClientTransport& transport() { return *transport_; }

  // Publishes and completes the QoS flow: returns once written (QoS 0), on PUBACK (QoS 1) or
  // on PUBCOMP (QoS 2). A failure reason in PUBACK/PUBREC is kRejected.
  ClientResult<void> publish(std::string_view topic, mqtt::ByteView payload, mqtt::QoS qos,
                             bool retain, const mqtt::Properties& properties = {});

  // Returns the SUBACK's reason codes (granted QoS or failure), one per request.
  ClientResult<std::vector<mqtt::ReasonCode>> subscribe(
      const std::vector<mqtt::SubscriptionRequest>& requests,
      const mqtt::Properties& properties = {});
  // Returns the UNSUBACK's reason codes (empty in 3.1.1).
  ClientResult<std::vector<mqtt::ReasonCode>> unsubscribe(const std::vector<std::string>& filters);

  // The next message, waiting until `deadline`; nullopt if none arrived by then.
  ClientResult<std::optional<ReceivedMessage>> receive(Deadline deadline);

  // With ConnectOptions::manual_acknowledgement: acknowledges a QoS 1/2 message receive()
  // returned, by its QoS and packet id (PUBACK, or PUBREC for QoS 2, whose PUBREL is then
  // answered by itself). A message never acknowledged stays with the broker, which sends it
  // again (DUP) on the next connection of a durable session. QoS 0, an unknown or an already
  // acknowledged packet id: nothing is sent.
  ClientResult<void> acknowledge(mqtt::QoS qos, std::uint16_t packet_id);

  // Keeps the connection serviced (acks, pings, queued messages) until `deadline`.
  ClientResult<void> idle_until(Deadline deadline);

  // MQTT 5 re-authentication (§4.12.1): sends AUTH 0x19 with `data` under the method given in
  // CONNECT and waits for the broker's AUTH. Returns the AUTH with reason 0x00; a DISCONNECT
  // instead is kDisconnected with its reason; AUTH 0x18 (a further step) is kProtocol here
  // (broker attestation needs none; a multi-step exchange uses authentication_step). An AUTH
  // the client did not ask for ends the connection (kProtocol).
  ClientResult<mqtt::AuthPacket> reauthenticate(mqtt::ByteView data);

  // One step of a multi-step MQTT 5 authentication exchange (§4.12): sends AUTH `reason`
  // (0x19 to start a re-authentication, 0x18 to continue it) with `data` under the CONNECT's
  // method and returns the broker's AUTH, 0x00 (done) or 0x18 (the broker's next step). A
  // DISCONNECT instead is kDisconnected with its reason. Attested clients use it
  // (client_attestation.h).
  ClientResult<mqtt::AuthPacket> authentication_step(mqtt::ReasonCode reason, mqtt::ByteView data);

  // PINGREQ, and waits for PINGRESP.
  ClientResult<void> ping();

  // Completes pending incoming QoS 2 flows (bounded by the timeout), sends DISCONNECT (best
  // effort) and closes the transport. Idempotent.
  void disconnect(mqtt::ReasonCode reason = mqtt::ReasonCode::kSuccess);

 private:
  MqttClient(std::unique_ptr<ClientTransport> transport, const ConnectOptions& options,
             DebugLog debug);

  ClientResult<void> send(const mqtt::Packet& packet);
  // Handles the next packet (reading if none is buffered) or fails with kTimeout once
  // `deadline` passed. Sends PINGREQ when due and fails if PINGRESP is overdue.
  ClientResult<void> pump(Deadline deadline);
  ClientResult<void> handle(mqtt::Packet packet);
  // Waits for the response packet of `type` (CONNACK, PUBACK, …) with `packet_id`.
  ClientResult<mqtt::Packet> wait_for(mqtt::PacketType type, std::uint16_t packet_id,
                                      Deadline deadline);
  std::uint16_t next_packet_id();
  Deadline operation_deadline() const { return Deadline::after(options_.timeout); }
  void log(const std::string& line) const;

  std::unique_ptr<ClientTransport> transport_;
  ConnectOptions options_;
  DebugLog debug_;
  std::string client_id_;
  std::uint16_t keep_alive_seconds_ = 0;
  mqtt::ConnackPacket connack_;

  mqtt::Bytes rx_;
  std::deque<mqtt::Packet> responses_;  // acknowledgements not yet claimed by wait_for()
  std::deque<ReceivedMessage> inbox_;
  std::set<std::uint16_t> awaiting_pubrel_;  // incoming QoS 2 ids delivered, PUBREL pending
  // Manual acknowledgement: incoming QoS 1/2 ids delivered but not yet acknowledged.
  std::set<std::uint16_t> unacknowledged_;
  std::set<std::uint16_t> ids_in_use_;
  std::uint16_t last_packet_id_ = 0;
  Deadline::Clock::time_point last_sent_;
  std::optional<Deadline::Clock::time_point> ping_sent_at_;
  bool connected_ = false;
  bool auth_pending_ = false;  // AUTH 0x19 sent, the broker's AUTH not yet received
};

}  // namespace trustmq::client

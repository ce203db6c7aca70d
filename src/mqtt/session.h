// The state MQTT keeps per client identifier (spec §4.1): subscriptions (held by the
// SubscriptionStore, listed here by filter), outbound QoS 1/2 messages in flight and queued,
// inbound QoS 2 packet identifiers awaiting PUBREL, a pending will, and expiry.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/client_claims.h"
#include "mqtt/message.h"
#include "mqtt/outbound_message.h"
#include "mqtt/packet.h"
#include "mqtt/queued_messages.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

inline constexpr std::uint32_t kSessionNeverExpires = std::numeric_limits<std::uint32_t>::max();

enum class InflightState : std::uint8_t {
  kAwaitingPuback,   // QoS 1 PUBLISH sent
  kAwaitingPubrec,   // QoS 2 PUBLISH sent
  kAwaitingPubcomp,  // PUBREL sent
};

struct InflightMessage {
  std::uint16_t packet_id = 0;
  InflightState state = InflightState::kAwaitingPuback;
  OutboundMessage outbound;  // message released once PUBREC arrives
};

// Members are ordered so that small ones share words (one Session per client identifier:
// padding counts against the memory per idle connection, docs/broker.md).
struct Session {
  std::string client_id;
  std::string username;  // of the connection that last owned it (ACL decisions)
  // The attestation claims its connected client proved (trustmq-attest-v1, client evidence);
  // empty without evidence, cleared when that connection ends or a re-attestation fails.
  ClientClaims claims;
  ConnectionId connection = 0;        // valid when connected
  std::uint32_t expiry_interval = 0;  // seconds after disconnect; kSessionNeverExpires
  bool anonymous = true;              // that connection gave no user name (and had no TLS identity)
  bool connected = false;
  bool dropping = false;  // queue full: messages are being dropped
  bool stored = false;    // has a persistence record (broker_persistence.cpp)
  std::uint16_t last_packet_id = 0;
  std::optional<TimeMs> expires_at;  // set while disconnected

  std::vector<std::string> subscriptions;  // filters as subscribed (with $share prefix)

  std::vector<InflightMessage> inflight;    // outbound QoS 1/2 awaiting acknowledgement
  QueuedMessages queued;                    // waiting for the window or the reconnect
  std::vector<std::uint16_t> inbound_qos2;  // PUBREC sent, awaiting PUBREL

  // A will triggered by an abnormal disconnect, published at `will_at` (will delay).
  std::unique_ptr<Will> pending_will;  // not inline: a Will is large and rarely pending
  TimeMs will_at = 0;

  // Fan-out scratch: lets one PUBLISH find this session's delivery slot without a map.
  std::uint64_t match_generation = 0;
  std::size_t match_slot = 0;

  // Next free outbound packet identifier (skips 0 and identifiers in flight).
  std::uint16_t allocate_packet_id();
  InflightMessage* find_inflight(std::uint16_t packet_id);
  void erase_inflight(std::uint16_t packet_id);
  bool has_inbound_qos2(std::uint16_t packet_id) const;
  void erase_inbound_qos2(std::uint16_t packet_id);
};

}  // namespace trustmq::mqtt

// The records the core emits for persistence (docs/persistence.md) and is given back at
// start: one record puts or deletes one key. The host stores them (sealed) without reading
// their values; it needs only the operation and the key, and gives the records back in key
// order, so that a session comes before its messages.
//
// Keys: a kind byte, then
//   session   client id
//   retained  topic name
//   message   u16 length + client id, u64 (big-endian) message number in that session
// Values: a version byte (kRecordVersion), then the fields of StoredSession, the retained
// PublishPacket and its expiry, or StoredMessage, in the order below.
//
// Times (expires_at, will_at) are deadlines on the broker's clock, which the host keeps
// running across restarts (docs/persistence.md, "Time across a restart"); 0 means none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/packet.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

// 2: deadlines of sessions, pending wills and messages. Version 1 is refused like any other
// foreign record (a new core has a new measurement, so its store is refused anyway).
inline constexpr std::uint8_t kRecordVersion = 2;

enum class RecordOp : std::uint8_t { kPut = 1, kDelete = 2 };
enum class RecordKind : std::uint8_t { kSession = 1, kRetained = 2, kMessage = 3 };

// A record as it crosses the host ABI: op, u16 key length, key, value (to the end).
struct RecordView {
  RecordOp op = RecordOp::kPut;
  ByteView key;
  ByteView value;  // empty for kDelete
};
void encode_record(RecordOp op, ByteView key, ByteView value, Bytes& out);
std::optional<RecordView> decode_record(ByteView bytes);

Bytes session_key(std::string_view client_id);
Bytes retained_key(std::string_view topic);
Bytes message_key(std::string_view client_id, std::uint64_t number);
std::optional<RecordKind> record_kind(ByteView key);
// For logs and errors: "session 'c1'", "retained 'a/b'", "message 7 of 'c1'".
std::string describe_key(ByteView key);

struct StoredSubscription {
  std::string filter;  // as subscribed, with any $share/group/ prefix
  QoS qos = QoS::kAtMostOnce;
  bool no_local = false;
  bool retain_as_published = false;
  std::uint32_t subscription_id = 0;
  bool operator==(const StoredSubscription&) const = default;
};

struct StoredSession {
  std::string client_id;
  std::string username;
  bool anonymous = true;
  std::uint32_t expiry_interval = 0;
  std::uint16_t last_packet_id = 0;
  std::vector<StoredSubscription> subscriptions;
  std::vector<std::uint16_t> inbound_qos2;  // PUBREC sent, awaiting PUBREL
  TimeMs expires_at = 0;             // while disconnected; 0 when connected (or it never expires)
  std::optional<Will> pending_will;  // a delayed will not yet published
  TimeMs will_at = 0;                // when it is due (with pending_will only)
  bool operator==(const StoredSession&) const = default;
};

// Where a stored outbound message is in its flow.
enum class StoredMessageState : std::uint8_t {
  kQueued = 0,
  kAwaitingPuback = 1,
  kAwaitingPubrec = 2,
  kAwaitingPubcomp = 3,  // released: no message is stored any more
};

struct StoredMessage {
  std::string client_id;
  std::uint64_t number = 0;
  QoS qos = QoS::kAtLeastOnce;
  bool retain = false;
  std::vector<std::uint32_t> subscription_ids;
  StoredMessageState state = StoredMessageState::kQueued;
  std::uint16_t packet_id = 0;
  std::optional<PublishPacket> publish;  // none once released (kAwaitingPubcomp)
  TimeMs expires_at = 0;                 // of the message (message expiry interval)
  bool operator==(const StoredMessage&) const = default;
};

void encode_session(const StoredSession& session, Bytes& out);
bool decode_session(ByteView value, StoredSession& out);
// A retained message and its expiry deadline (0 = none).
void encode_stored_publish(const PublishPacket& publish, TimeMs expires_at, Bytes& out);
bool decode_stored_publish(ByteView value, PublishPacket& out, TimeMs& expires_at);
// Encodes `message` with `publish` as its message (message.publish is not read), so the core
// can store a message without copying it first.
void encode_message(const StoredMessage& message, const PublishPacket* publish, Bytes& out);
void encode_message(const StoredMessage& message, Bytes& out);
bool decode_message(ByteView value, StoredMessage& out);

}  // namespace trustmq::mqtt

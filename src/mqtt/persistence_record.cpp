#include "mqtt/persistence_record.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/property_codec.h"

namespace trustmq::mqtt {
namespace {

void write_u64(ByteWriter& w, std::uint64_t value) {
  w.u32(static_cast<std::uint32_t>(value >> 32));
  w.u32(static_cast<std::uint32_t>(value));
}

bool read_u64(ByteReader& r, std::uint64_t& value) {
  std::uint32_t high = 0;
  std::uint32_t low = 0;
  if (!r.read_u32(high) || !r.read_u32(low)) return false;
  value = (static_cast<std::uint64_t>(high) << 32) | low;
  return true;
}

bool read_string(ByteReader& r, std::string& out) {
  ByteView bytes;
  if (!r.read_length_prefixed(bytes)) return false;
  out.assign(as_string_view(bytes));
  return true;
}

bool read_qos(ByteReader& r, QoS& out) {
  std::uint8_t value = 0;
  if (!r.read_u8(value) || value > 2) return false;
  out = static_cast<QoS>(value);
  return true;
}

bool read_flag(ByteReader& r, bool& out) {
  std::uint8_t value = 0;
  if (!r.read_u8(value) || value > 1) return false;
  out = value == 1;
  return true;
}

bool read_version(ByteReader& r) {
  std::uint8_t version = 0;
  return r.read_u8(version) && version == kRecordVersion;
}

// A PUBLISH or a will, both stored as: topic, QoS, retain, properties (of `context`), payload.
template <typename Message>
void write_message(ByteWriter& w, const Message& m) {
  write_string(w, m.topic);
  w.u8(static_cast<std::uint8_t>(m.qos));
  w.u8(m.retain ? 1 : 0);
  write_properties(m.properties, w);
  w.u32(static_cast<std::uint32_t>(m.payload.size()));
  w.raw(m.payload.data(), m.payload.size());
}

template <typename Message>
bool read_message(ByteReader& r, PropertyContext context, Message& m) {
  std::uint32_t payload_size = 0;
  ByteView payload;
  DecodeError error;
  m = Message{};
  if (!read_string(r, m.topic) || m.topic.empty() || !read_qos(r, m.qos) ||
      !read_flag(r, m.retain) || !decode_properties(r, context, m.properties, error) ||
      !r.read_u32(payload_size) || !r.read_bytes(payload_size, payload)) {
    return false;
  }
  m.payload.assign(payload.begin(), payload.end());
  return true;
}

Bytes key_with_kind(RecordKind kind, std::string_view text) {
  Bytes key;
  key.reserve(1 + text.size());
  key.push_back(static_cast<std::uint8_t>(kind));
  key.insert(key.end(), text.begin(), text.end());
  return key;
}

}  // namespace

void encode_record(RecordOp op, ByteView key, ByteView value, Bytes& out) {
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(op));
  w.length_prefixed(key.data(), key.size());
  if (op == RecordOp::kPut) w.raw(value.data(), value.size());
}

std::optional<RecordView> decode_record(ByteView bytes) {
  ByteReader r(bytes);
  std::uint8_t op = 0;
  RecordView record;
  if (!r.read_u8(op) || !r.read_length_prefixed(record.key) || record.key.empty()) {
    return std::nullopt;
  }
  if (op == static_cast<std::uint8_t>(RecordOp::kPut)) {
    record.op = RecordOp::kPut;
    record.value = r.read_rest();
    if (record.value.empty()) return std::nullopt;
  } else if (op == static_cast<std::uint8_t>(RecordOp::kDelete)) {
    record.op = RecordOp::kDelete;
    if (!r.empty()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!record_kind(record.key)) return std::nullopt;
  return record;
}

Bytes session_key(std::string_view client_id) {
  return key_with_kind(RecordKind::kSession, client_id);
}

Bytes retained_key(std::string_view topic) { return key_with_kind(RecordKind::kRetained, topic); }

Bytes message_key(std::string_view client_id, std::uint64_t number) {
  Bytes key;
  key.reserve(1 + 2 + client_id.size() + 8);  // kind, string, number: one allocation
  ByteWriter w(key);
  w.u8(static_cast<std::uint8_t>(RecordKind::kMessage));
  write_string(w, client_id);
  write_u64(w, number);
  return key;
}

std::optional<RecordKind> record_kind(ByteView key) {
  if (key.empty()) return std::nullopt;
  switch (key[0]) {
    case static_cast<std::uint8_t>(RecordKind::kSession):
      return RecordKind::kSession;
    case static_cast<std::uint8_t>(RecordKind::kRetained):
      return RecordKind::kRetained;
    case static_cast<std::uint8_t>(RecordKind::kMessage):
      return RecordKind::kMessage;
    default:
      return std::nullopt;
  }
}

std::string describe_key(ByteView key) {
  const std::optional<RecordKind> kind = record_kind(key);
  if (!kind) return "unknown record";
  const std::string_view rest = as_string_view(key.subspan(1));
  switch (*kind) {
    case RecordKind::kSession:
      return "session '" + std::string(rest) + "'";
    case RecordKind::kRetained:
      return "retained '" + std::string(rest) + "'";
    case RecordKind::kMessage: {
      ByteReader r(key.subspan(1));
      std::string client_id;
      std::uint64_t number = 0;
      if (!read_string(r, client_id) || !read_u64(r, number)) return "malformed message key";
      return "message " + std::to_string(number) + " of '" + client_id + "'";
    }
  }
  return "unknown record";
}

void encode_session(const StoredSession& s, Bytes& out) {
  ByteWriter w(out);
  w.u8(kRecordVersion);
  write_string(w, s.client_id);
  write_string(w, s.username);
  w.u8(s.anonymous ? 1 : 0);
  w.u32(s.expiry_interval);
  w.u16(s.last_packet_id);
  w.u32(static_cast<std::uint32_t>(s.subscriptions.size()));
  for (const StoredSubscription& sub : s.subscriptions) {
    write_string(w, sub.filter);
    w.u8(static_cast<std::uint8_t>(sub.qos));
    w.u8(static_cast<std::uint8_t>((sub.no_local ? 1 : 0) | (sub.retain_as_published ? 2 : 0)));
    w.u32(sub.subscription_id);
  }
  w.u32(static_cast<std::uint32_t>(s.inbound_qos2.size()));
  for (const std::uint16_t id : s.inbound_qos2) w.u16(id);
  write_u64(w, s.expires_at);
  w.u8(s.pending_will ? 1 : 0);
  if (s.pending_will) {
    write_message(w, *s.pending_will);
    write_u64(w, s.will_at);
  }
}

bool decode_session(ByteView value, StoredSession& s) {
  ByteReader r(value);
  s = StoredSession{};
  std::uint32_t count = 0;
  if (!read_version(r) || !read_string(r, s.client_id) || !read_string(r, s.username) ||
      !read_flag(r, s.anonymous) || !r.read_u32(s.expiry_interval) ||
      !r.read_u16(s.last_packet_id) || !r.read_u32(count)) {
    return false;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    StoredSubscription sub;
    std::uint8_t flags = 0;
    if (!read_string(r, sub.filter) || sub.filter.empty() || !read_qos(r, sub.qos) ||
        !r.read_u8(flags) || flags > 3 || !r.read_u32(sub.subscription_id)) {
      return false;
    }
    sub.no_local = (flags & 1) != 0;
    sub.retain_as_published = (flags & 2) != 0;
    s.subscriptions.push_back(std::move(sub));
  }
  if (!r.read_u32(count)) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t id = 0;
    if (!r.read_u16(id) || id == 0) return false;
    s.inbound_qos2.push_back(id);
  }
  bool has_will = false;
  if (!read_u64(r, s.expires_at) || !read_flag(r, has_will)) return false;
  if (has_will) {
    s.pending_will.emplace();
    if (!read_message(r, PropertyContext::kWill, *s.pending_will) || !read_u64(r, s.will_at))
      return false;
  }
  return r.empty();
}

void encode_stored_publish(const PublishPacket& publish, TimeMs expires_at, Bytes& out) {
  ByteWriter w(out);
  w.u8(kRecordVersion);
  write_message(w, publish);
  write_u64(w, expires_at);
}

bool decode_stored_publish(ByteView value, PublishPacket& out, TimeMs& expires_at) {
  ByteReader r(value);
  return read_version(r) && read_message(r, PropertyContext::kPublish, out) &&
         read_u64(r, expires_at) && r.empty();
}

void encode_message(const StoredMessage& m, const PublishPacket* publish, Bytes& out) {
  ByteWriter w(out);
  w.u8(kRecordVersion);
  write_string(w, m.client_id);
  write_u64(w, m.number);
  w.u8(static_cast<std::uint8_t>(m.qos));
  w.u8(m.retain ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(m.subscription_ids.size()));
  for (const std::uint32_t id : m.subscription_ids) w.u32(id);
  w.u8(static_cast<std::uint8_t>(m.state));
  w.u16(m.packet_id);
  w.u8(publish != nullptr ? 1 : 0);
  if (publish != nullptr) write_message(w, *publish);
  write_u64(w, m.expires_at);
}

void encode_message(const StoredMessage& m, Bytes& out) {
  encode_message(m, m.publish ? &*m.publish : nullptr, out);
}

bool decode_message(ByteView value, StoredMessage& m) {
  ByteReader r(value);
  m = StoredMessage{};
  std::uint32_t count = 0;
  if (!read_version(r) || !read_string(r, m.client_id) || !read_u64(r, m.number) ||
      !read_qos(r, m.qos) || m.qos == QoS::kAtMostOnce || !read_flag(r, m.retain) ||
      !r.read_u32(count) || count > r.remaining() / 4) {
    return false;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t id = 0;
    if (!r.read_u32(id)) return false;
    m.subscription_ids.push_back(id);
  }
  std::uint8_t state = 0;
  bool has_publish = false;
  if (!r.read_u8(state) || state > 3 || !r.read_u16(m.packet_id) || !read_flag(r, has_publish)) {
    return false;
  }
  m.state = static_cast<StoredMessageState>(state);
  // Queued: no packet id yet. In flight: one. Released: no message any more; else one.
  const bool queued = m.state == StoredMessageState::kQueued;
  if (queued != (m.packet_id == 0)) return false;
  if ((m.state == StoredMessageState::kAwaitingPubcomp) == has_publish) return false;
  if (m.qos == QoS::kAtLeastOnce && (m.state == StoredMessageState::kAwaitingPubrec ||
                                     m.state == StoredMessageState::kAwaitingPubcomp)) {
    return false;
  }
  if (m.qos == QoS::kExactlyOnce && m.state == StoredMessageState::kAwaitingPuback) return false;
  if (has_publish) {
    m.publish.emplace();
    if (!read_message(r, PropertyContext::kPublish, *m.publish)) return false;
  }
  return read_u64(r, m.expires_at) && r.empty();
}

}  // namespace trustmq::mqtt

// Sending: control packets, and the bytes of each PUBLISH — as received, from the shared
// encoding per (version, QoS, retain) of the message, or encoded for one recipient.
#include "mqtt/broker_state.h"
#include "mqtt/byte_writer.h"

namespace trustmq::mqtt {
namespace {

SendKind publish_send_kind(const OutboundMessage& outbound) {
  return outbound.qos == QoS::kAtMostOnce ? SendKind::kDroppable : SendKind::kControl;
}

}  // namespace

void Broker::State::send_bytes(Connection& c, ByteView bytes, SendKind kind) {
  ++stats_.messages_sent;
  stats_.bytes_sent += bytes.size();
  host_.send(c.id, bytes, kind);
}

// Encodes and sends a control packet. Returns false (and sends nothing) if it exceeds the
// client's Maximum Packet Size.
bool Broker::State::send_packet(Connection& c, const Packet& packet) {
  scratch_.clear();
  encode_packet(packet, c.version, scratch_);
  if (scratch_.size() > c.maximum_packet_size) {
    log(LogLevel::kDebug,
        "Dropped a packet larger than the maximum packet size of " + client_name(c));
    return false;
  }
  send_bytes(c, scratch_, SendKind::kControl);
  return true;
}

void Broker::State::send_ack(Connection& c, PacketType type, std::uint16_t packet_id,
                             ReasonCode reason) {
  AckPacket ack;
  ack.type = type;
  ack.packet_id = packet_id;
  ack.reason = is_v5(c.version) ? reason : ReasonCode::kSuccess;
  send_packet(c, ack);
}

// Sends one PUBLISH; false if it was not sent (expired, or above the client's maximum
// packet size: dropped as the spec requires). `inbound` is set while the message is routed
// right after it was received (its bytes may then be forwarded as they came).
bool Broker::State::send_publish(Connection& c, const OutboundMessage& outbound,
                                 std::uint16_t packet_id, bool dup, InboundPublish* inbound,
                                 TimeMs now) {
  Message& message = *outbound.message;
  if (message.expired(now)) return false;
  const bool v5 = is_v5(c.version);
  const OutboundTopicAliases::Choice alias = c.outbound_aliases.choose(message.publish().topic);
  const bool per_recipient =
      v5 && (!outbound.subscription_ids.empty() || message.expires_at || alias.alias != 0);
  ByteView bytes;
  if (!per_recipient && outbound.qos == QoS::kAtMostOnce && !dup && inbound != nullptr &&
      inbound->message == &message && inbound->v5 == v5 && inbound->retain == outbound.retain) {
    bytes = inbound->bytes;  // as received: no encoding to make or keep
  } else if (!per_recipient) {
    complete_payload(message, inbound);
    EncodedPublish& e = shared_encoding(message, c.version, outbound.qos, outbound.retain);
    if (outbound.qos != QoS::kAtMostOnce || dup)
      return send_patched(c, e, outbound, packet_id, dup);
    bytes = e.bytes;
  } else {
    complete_payload(message, inbound);
    PublishOverrides overrides;
    overrides.qos = outbound.qos;
    overrides.retain = outbound.retain;
    overrides.dup = dup;
    overrides.packet_id = packet_id;
    overrides.subscription_identifiers = outbound.subscription_ids;
    overrides.topic_alias = alias.alias;
    overrides.omit_topic = alias.known;
    if (message.expires_at) {
      overrides.message_expiry_interval =
          static_cast<std::uint32_t>((*message.expires_at - now + 999) / 1000);
    }
    scratch_.clear();
    encode_publish(message.publish(), c.version, overrides, scratch_);
    bytes = scratch_;
  }
  if (!fits(c, bytes)) return false;
  // A PUBLISH that gives an alias its topic may not be dropped under back-pressure: the
  // packets after it that carry only the alias depend on it.
  const bool sets_alias = alias.alias != 0 && !alias.known;
  send_bytes(c, bytes, sets_alias ? SendKind::kControl : publish_send_kind(outbound));
  c.outbound_aliases.commit(alias, message.publish().topic);
  return true;
}

// Sends the shared encoding with this send's packet identifier and DUP flag. They are patched
// into its bytes for this one send and taken out again, which saves a copy per recipient:
// the host copies what it is given before send returns (BrokerHost::send).
bool Broker::State::send_patched(Connection& c, EncodedPublish& e, const OutboundMessage& outbound,
                                 std::uint16_t packet_id, bool dup) {
  if (!fits(c, e.bytes)) return false;
  const std::uint8_t first = e.bytes[0];
  const bool has_packet_id = outbound.qos != QoS::kAtMostOnce;
  if (has_packet_id) {
    e.bytes[e.packet_id_offset] = static_cast<std::uint8_t>(packet_id >> 8);
    e.bytes[e.packet_id_offset + 1] = static_cast<std::uint8_t>(packet_id & 0xFF);
  }
  if (dup) e.bytes[0] = static_cast<std::uint8_t>(first | 0x08);
  send_bytes(c, e.bytes, publish_send_kind(outbound));
  e.bytes[0] = first;
  if (has_packet_id) {
    e.bytes[e.packet_id_offset] = 0;
    e.bytes[e.packet_id_offset + 1] = 0;
  }
  return true;
}

// Whether the PUBLISH received as `wire` is byte for byte what encode_packet makes of `p` as
// a QoS 0 PUBLISH for the sender's protocol family (3.1/3.1.1 alike, or 5) without DUP and
// with its retain flag: minimal remaining length, the topic as received (no topic alias), in
// v5 no properties at all.
bool Broker::State::received_packet_is_encoding(const Connection& c, ByteView wire,
                                                const PublishPacket& p, std::size_t payload_size) {
  if (p.qos != QoS::kAtMostOnce || wire.empty()) return false;
  const bool v5 = is_v5(c.version);
  if (v5 && p.properties != Properties{}) return false;
  const std::size_t remaining = 2 + p.topic.size() + (v5 ? 1 : 0) + payload_size;
  if (remaining > kMaxPacketSize) return false;
  const std::size_t header = 1 + variable_byte_integer_size(static_cast<std::uint32_t>(remaining));
  if (wire.size() != header + remaining) return false;
  if (wire[0] != (p.retain ? 0x31 : 0x30)) return false;
  if (((static_cast<std::size_t>(wire[header]) << 8) | wire[header + 1]) != p.topic.size()) {
    return false;
  }
  return !v5 || wire[header + 2 + p.topic.size()] == 0;
}

// The message's encoding for (version, QoS, retain), made on first use and kept with it,
// with packet identifier 0 and no DUP.
EncodedPublish& Broker::State::shared_encoding(Message& message, ProtocolVersion version, QoS qos,
                                               bool retain) {
  for (EncodedPublish& e : message.encodings) {
    if (e.version == version && e.qos == qos && e.retain == retain) return e;
  }
  const PublishPacket& publish = message.publish();
  EncodedPublish e;
  e.version = version;
  e.qos = qos;
  e.retain = retain;
  PublishOverrides overrides;
  overrides.qos = qos;
  overrides.retain = retain;
  overrides.subscription_identifiers = publish.properties.subscription_identifiers;
  encode_publish(publish, version, overrides, e.bytes);
  std::uint32_t remaining = 0;
  std::size_t length = 0;
  decode_variable_byte_integer(ByteView(e.bytes).subspan(1), remaining, length);
  e.packet_id_offset = 1 + length + 2 + publish.topic.size();
  message.encodings.push_back(std::move(e));
  return message.encodings.back();
}

// Copies the payload of the message being routed into it, if it was left in the received
// bytes so far.
void Broker::State::complete_payload(Message& message, InboundPublish* inbound) {
  if (inbound == nullptr || inbound->message != &message || inbound->pending_payload.empty()) {
    return;
  }
  message.publish().payload.assign(inbound->pending_payload.begin(),
                                   inbound->pending_payload.end());
  inbound->pending_payload = {};
}

// Whether a PUBLISH of these bytes may go to the client (its Maximum Packet Size).
bool Broker::State::fits(const Connection& c, ByteView bytes) {
  if (bytes.size() <= c.maximum_packet_size) return true;
  log(LogLevel::kDebug,
      "Dropped PUBLISH to " + c.client_id + ": larger than its maximum packet size");
  return false;
}

}  // namespace trustmq::mqtt

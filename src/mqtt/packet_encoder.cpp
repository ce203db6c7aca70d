// MQTT 3.1 / 3.1.1 / 5.0 packet encoder: each packet's body written once, for ByteCounter
// (sizing) and ByteWriter (output); PUBLISH also with per-recipient overrides (encode_publish).
#include <string_view>
#include <type_traits>

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec.h"
#include "mqtt/limits.h"
#include "mqtt/property_codec.h"

namespace trustmq::mqtt {
namespace {

constexpr std::uint32_t kMaxVariableByteInteger = kMaxPacketSize;

std::uint8_t v311_suback_code(ReasonCode reason) {
  const auto code = static_cast<std::uint8_t>(reason);
  return code <= 2 ? code : static_cast<std::uint8_t>(ReasonCode::kUnspecifiedError);
}

template <typename Sink>
void write_body(const ConnectPacket& c, ProtocolVersion, Sink& s) {
  const bool v5 = is_v5(c.version);
  write_string(s, c.version == ProtocolVersion::kV31 ? std::string_view("MQIsdp")
                                                     : std::string_view("MQTT"));
  s.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(c.version) | (c.bridge ? 0x80 : 0)));
  std::uint8_t flags = 0;
  if (c.clean_start) flags |= 0x02;
  if (c.will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>((static_cast<std::uint8_t>(c.will->qos) & 0x03) << 3);
    if (c.will->retain) flags |= 0x20;
  }
  if (c.password) flags |= 0x40;
  if (c.username) flags |= 0x80;
  s.u8(flags);
  s.u16(c.keep_alive_seconds);
  if (v5) write_properties(c.properties, s);
  write_string(s, c.client_id);
  if (c.will) {
    if (v5) write_properties(c.will->properties, s);
    write_string(s, c.will->topic);
    write_binary(s, c.will->payload);
  }
  if (c.username) write_string(s, *c.username);
  if (c.password) write_binary(s, *c.password);
}

template <typename Sink>
void write_body(const ConnackPacket& c, ProtocolVersion version, Sink& s) {
  // MQTT 3.1 has no session-present flag: the byte is reserved and must be 0.
  const bool has_session_present_flag = version != ProtocolVersion::kV31;
  s.u8(c.session_present && has_session_present_flag ? 1 : 0);
  if (is_v5(version)) {
    s.u8(static_cast<std::uint8_t>(c.reason));
    write_properties(c.properties, s);
  } else {
    s.u8(static_cast<std::uint8_t>(to_connack_return_code_311(c.reason)));
  }
}

template <typename Sink>
void write_body(const PublishPacket& p, ProtocolVersion version, Sink& s) {
  write_string(s, p.topic);
  if (p.qos != QoS::kAtMostOnce) s.u16(p.packet_id);
  if (is_v5(version)) write_properties(p.properties, s);
  s.raw(p.payload.data(), p.payload.size());
}

// v5 packets whose reason code and properties may be left out when they are 0 and empty.
template <typename Sink>
void write_optional_reason(ReasonCode reason, const Properties& properties, Sink& s) {
  const bool has_properties = properties != Properties{};
  if (reason == ReasonCode::kSuccess && !has_properties) return;
  s.u8(static_cast<std::uint8_t>(reason));
  if (has_properties) write_properties(properties, s);
}

template <typename Sink>
void write_body(const AckPacket& a, ProtocolVersion version, Sink& s) {
  s.u16(a.packet_id);
  if (is_v5(version)) write_optional_reason(a.reason, a.properties, s);
}

template <typename Sink>
void write_body(const SubscribePacket& p, ProtocolVersion version, Sink& s) {
  s.u16(p.packet_id);
  const bool v5 = is_v5(version);
  if (v5) write_properties(p.properties, s);
  for (const SubscriptionRequest& request : p.subscriptions) {
    write_string(s, request.filter);
    std::uint8_t options = static_cast<std::uint8_t>(request.max_qos) & 0x03;
    if (v5) {
      if (request.no_local) options |= 0x04;
      if (request.retain_as_published) options |= 0x08;
      options |= static_cast<std::uint8_t>(
          (static_cast<std::uint8_t>(request.retain_handling) & 0x03) << 4);
    }
    s.u8(options);
  }
}

template <typename Sink>
void write_body(const SubackPacket& p, ProtocolVersion version, Sink& s) {
  s.u16(p.packet_id);
  const bool v5 = is_v5(version);
  if (v5) write_properties(p.properties, s);
  for (ReasonCode reason : p.reasons) {
    s.u8(v5 ? static_cast<std::uint8_t>(reason) : v311_suback_code(reason));
  }
}

template <typename Sink>
void write_body(const UnsubscribePacket& p, ProtocolVersion version, Sink& s) {
  s.u16(p.packet_id);
  if (is_v5(version)) write_properties(p.properties, s);
  for (const std::string& filter : p.filters) write_string(s, filter);
}

template <typename Sink>
void write_body(const UnsubackPacket& p, ProtocolVersion version, Sink& s) {
  s.u16(p.packet_id);
  if (!is_v5(version)) return;
  write_properties(p.properties, s);
  for (ReasonCode reason : p.reasons) s.u8(static_cast<std::uint8_t>(reason));
}

template <typename Sink>
void write_body(const PingreqPacket&, ProtocolVersion, Sink&) {}

template <typename Sink>
void write_body(const PingrespPacket&, ProtocolVersion, Sink&) {}

template <typename Sink>
void write_body(const DisconnectPacket& d, ProtocolVersion version, Sink& s) {
  if (is_v5(version)) write_optional_reason(d.reason, d.properties, s);
}

template <typename Sink>
void write_body(const AuthPacket& a, ProtocolVersion, Sink& s) {
  write_optional_reason(a.reason, a.properties, s);
}

// PUBLISH fixed header (spec §3.3.1): type 3, DUP, QoS, RETAIN.
std::uint8_t publish_first_byte(QoS qos, bool retain, bool dup) {
  std::uint8_t b = 0x30;
  if (dup) b |= 0x08;
  b |= static_cast<std::uint8_t>((static_cast<std::uint8_t>(qos) & 0x03) << 1);
  if (retain) b |= 0x01;
  return b;
}

std::uint8_t first_byte(const Packet& packet) {
  struct FirstByte {
    std::uint8_t operator()(const ConnectPacket&) const { return 0x10; }
    std::uint8_t operator()(const ConnackPacket&) const { return 0x20; }
    std::uint8_t operator()(const PublishPacket& p) const {
      return publish_first_byte(p.qos, p.retain, p.dup);
    }
    std::uint8_t operator()(const AckPacket& a) const {
      const auto type = static_cast<std::uint8_t>(a.type);
      return static_cast<std::uint8_t>(type << 4) | (a.type == PacketType::kPubrel ? 0x02 : 0x00);
    }
    std::uint8_t operator()(const SubscribePacket&) const { return 0x82; }
    std::uint8_t operator()(const SubackPacket&) const { return 0x90; }
    std::uint8_t operator()(const UnsubscribePacket&) const { return 0xA2; }
    std::uint8_t operator()(const UnsubackPacket&) const { return 0xB0; }
    std::uint8_t operator()(const PingreqPacket&) const { return 0xC0; }
    std::uint8_t operator()(const PingrespPacket&) const { return 0xD0; }
    std::uint8_t operator()(const DisconnectPacket&) const { return 0xE0; }
    std::uint8_t operator()(const AuthPacket&) const { return 0xF0; }
  };
  return std::visit(FirstByte{}, packet);
}

}  // namespace

void encode_packet(const Packet& packet, ProtocolVersion version, Bytes& out) {
  ByteCounter counter;
  std::visit([&](const auto& p) { write_body(p, version, counter); }, packet);
  std::size_t body_size = counter.size();
  if (body_size > kMaxVariableByteInteger) body_size = kMaxVariableByteInteger;
  const auto remaining_length = static_cast<std::uint32_t>(body_size);

  out.reserve(out.size() + 1 + variable_byte_integer_size(remaining_length) + counter.size());
  ByteWriter writer(out);
  writer.u8(first_byte(packet));
  writer.variable_byte_integer(remaining_length);
  std::visit([&](const auto& p) { write_body(p, version, writer); }, packet);
}

void encode_publish(const PublishPacket& packet, ProtocolVersion version,
                    const PublishOverrides& overrides, Bytes& out) {
  const bool v5 = is_v5(version);
  const std::optional<std::uint32_t>& expiry = overrides.message_expiry_interval
                                                   ? overrides.message_expiry_interval
                                                   : packet.properties.message_expiry_interval;
  const std::optional<std::uint16_t> topic_alias =
      overrides.topic_alias != 0 ? std::optional<std::uint16_t>(overrides.topic_alias)
                                 : packet.properties.topic_alias;
  const bool omit_topic = v5 && overrides.omit_topic && topic_alias;
  auto write = [&](auto& sink) {
    write_string(sink, omit_topic ? std::string_view() : std::string_view(packet.topic));
    if (overrides.qos != QoS::kAtMostOnce) sink.u16(overrides.packet_id);
    if (v5) {
      write_properties(packet.properties, expiry, overrides.subscription_identifiers, topic_alias,
                       sink);
    }
    sink.raw(packet.payload.data(), packet.payload.size());
  };
  ByteCounter counter;
  write(counter);
  std::size_t body_size = counter.size();
  if (body_size > kMaxVariableByteInteger) body_size = kMaxVariableByteInteger;
  const auto remaining_length = static_cast<std::uint32_t>(body_size);

  out.reserve(out.size() + 1 + variable_byte_integer_size(remaining_length) + counter.size());
  ByteWriter writer(out);
  writer.u8(publish_first_byte(overrides.qos, overrides.retain, overrides.dup));
  writer.variable_byte_integer(remaining_length);
  write(writer);
}

}  // namespace trustmq::mqtt

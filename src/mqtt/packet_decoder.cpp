// MQTT 3.1 / 3.1.1 / 5.0 packet decoder. Decoding validates everything the spec makes a
// Malformed Packet or Protocol Error at the packet level; the broker checks the rest (topic
// filter validity per subscription, topic alias ranges, session state).
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec.h"
#include "mqtt/limits.h"
#include "mqtt/property_codec.h"

namespace trustmq::mqtt {
namespace {

std::string_view packet_type_name(std::uint8_t type) {
  static constexpr std::string_view kNames[16] = {
      "RESERVED", "CONNECT",  "CONNACK",    "PUBLISH", "PUBACK",      "PUBREC",
      "PUBREL",   "PUBCOMP",  "SUBSCRIBE",  "SUBACK",  "UNSUBSCRIBE", "UNSUBACK",
      "PINGREQ",  "PINGRESP", "DISCONNECT", "AUTH"};
  return kNames[type & 0x0F];
}

// Printable rendering of untrusted text for error details: ASCII kept, the rest as '?'.
std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const char c = text[i];
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

// Decodes the variable header and payload of one packet whose fixed header is already known.
class BodyDecoder {
 public:
  BodyDecoder(ByteView body, std::uint8_t flags, ProtocolVersion version, DecodeError& error,
              ByteView* publish_payload = nullptr)
      : r_(body),
        flags_(flags),
        version_(version),
        error_(error),
        publish_payload_(publish_payload) {}

  // Whether a CONNECT got as far as its protocol level (then `out` holds name and version).
  bool connect_level_read() const { return connect_level_read_; }

  bool decode(PacketType type, Packet& out) {
    switch (type) {
      case PacketType::kConnect:
        return connect(out);
      case PacketType::kConnack:
        return connack(out);
      case PacketType::kPublish:
        return publish(out);
      case PacketType::kPuback:
      case PacketType::kPubrec:
      case PacketType::kPubrel:
      case PacketType::kPubcomp:
        return ack(type, out);
      case PacketType::kSubscribe:
        return subscribe(out);
      case PacketType::kSuback:
        return suback(out);
      case PacketType::kUnsubscribe:
        return unsubscribe(out);
      case PacketType::kUnsuback:
        return unsuback(out);
      case PacketType::kPingreq:
        out.emplace<PingreqPacket>();
        return expect_end("the packet");
      case PacketType::kPingresp:
        out.emplace<PingrespPacket>();
        return expect_end("the packet");
      case PacketType::kDisconnect:
        return disconnect(out);
      case PacketType::kAuth:
        return auth(out);
    }
    return malformed("reserved packet type");
  }

 private:
  bool malformed(std::string text) {
    return error_.fail(ReasonCode::kMalformedPacket, std::move(text));
  }
  bool protocol_error(std::string text) {
    return error_.fail(ReasonCode::kProtocolError, std::move(text));
  }

  bool read_u8(std::uint8_t& value, std::string_view what) {
    if (!r_.read_u8(value)) return malformed(std::string(what) + " is missing");
    return true;
  }

  bool read_u16(std::uint16_t& value, std::string_view what) {
    if (!r_.read_u16(value)) return malformed(std::string(what) + " is missing");
    return true;
  }

  bool read_packet_id(std::uint16_t& id) {
    if (!read_u16(id, "packet identifier")) return false;
    if (id == 0) return protocol_error("packet identifier is 0");
    return true;
  }

  bool read_string(std::string& value, std::string_view what) {
    ByteView bytes;
    if (!r_.read_length_prefixed(bytes)) return malformed(std::string(what) + " is truncated");
    std::string_view text = as_string_view(bytes);
    if (!is_valid_mqtt_utf8(text)) {
      return malformed(std::string(what) + " is not a valid UTF-8 string");
    }
    value.assign(text);
    return true;
  }

  bool read_binary(Bytes& value, std::string_view what) {
    ByteView bytes;
    if (!r_.read_length_prefixed(bytes)) return malformed(std::string(what) + " is truncated");
    value.assign(bytes.begin(), bytes.end());
    return true;
  }

  bool read_properties(PropertyContext context, Properties& properties) {
    return decode_properties(r_, context, properties, error_);
  }

  bool expect_end(std::string_view what) {
    if (r_.empty()) return true;
    return malformed(std::to_string(r_.remaining()) + " unexpected bytes at the end of " +
                     std::string(what));
  }

  bool connect(Packet& out) {
    ConnectPacket& c = out.emplace<ConnectPacket>();
    ByteView name_bytes;
    if (!r_.read_length_prefixed(name_bytes)) return malformed("protocol name is truncated");
    std::uint8_t level = 0;
    if (!read_u8(level, "protocol level")) return false;
    const std::string_view name = as_string_view(name_bytes);
    c.protocol_name.assign(name);
    // mosquitto's bridges set the level's high bit (try_private) on 3.1 and 3.1.1; MQTT 5
    // bridges use No Local instead, so 0x85 stays unknown.
    const std::uint8_t bare_level = level & 0x7F;
    c.bridge = (level & 0x80) != 0 && (bare_level == 3 || bare_level == 4);
    if (c.bridge) level = bare_level;
    c.version = static_cast<ProtocolVersion>(level);
    connect_level_read_ = true;
    const bool known =
        (name == "MQTT" && (level == 4 || level == 5)) || (name == "MQIsdp" && level == 3);
    if (!known) {
      return error_.fail(
          ReasonCode::kUnsupportedProtocolVersion,
          "unsupported protocol \"" + printable(name) + "\" level " + std::to_string(level));
    }
    const ProtocolVersion version = c.version;

    std::uint8_t flags = 0;
    if (!read_u8(flags, "connect flags")) return false;
    if ((flags & 0x01) != 0) return malformed("reserved connect flag (bit 0) is set");
    c.clean_start = (flags & 0x02) != 0;
    const bool has_will = (flags & 0x04) != 0;
    const std::uint8_t will_qos = (flags >> 3) & 0x03;
    const bool will_retain = (flags & 0x20) != 0;
    const bool has_password = (flags & 0x40) != 0;
    const bool has_username = (flags & 0x80) != 0;
    if (!has_will && will_qos != 0) return malformed("will QoS is set without the will flag");
    if (!has_will && will_retain) return malformed("will retain is set without the will flag");
    if (will_qos == 3) return malformed("will QoS is 3");
    if (!is_v5(version) && has_password && !has_username) {
      return malformed("password flag is set without the user name flag");
    }
    if (!read_u16(c.keep_alive_seconds, "keep alive")) return false;
    if (is_v5(version) && !read_properties(PropertyContext::kConnect, c.properties)) {
      return false;
    }

    if (!read_string(c.client_id, "client identifier")) return false;
    if (has_will) {
      Will& will = c.will.emplace();
      will.qos = static_cast<QoS>(will_qos);
      will.retain = will_retain;
      if (is_v5(version) && !read_properties(PropertyContext::kWill, will.properties)) {
        return false;
      }
      if (!read_string(will.topic, "will topic")) return false;
      if (will.topic.empty()) return malformed("will topic is empty");
      if (will.topic.find_first_of("+#") != std::string::npos) {
        return malformed("will topic \"" + printable(will.topic) + "\" contains a wildcard");
      }
      if (!read_binary(will.payload, "will payload")) return false;
    }
    if (has_username && !read_string(c.username.emplace(), "user name")) return false;
    if (has_password && !read_binary(c.password.emplace(), "password")) return false;
    return expect_end("the payload");
  }

  bool connack(Packet& out) {
    ConnackPacket& c = out.emplace<ConnackPacket>();
    std::uint8_t ack_flags = 0;
    std::uint8_t code = 0;
    if (!read_u8(ack_flags, "acknowledge flags") || !read_u8(code, "reason code")) return false;
    if ((ack_flags & 0xFE) != 0) return malformed("reserved acknowledge flag bits are set");
    // MQTT 3.1 has no session-present flag (the byte is reserved): never read one there, as
    // the encoder never writes one.
    c.session_present = version_ != ProtocolVersion::kV31 && (ack_flags & 0x01) != 0;
    if (is_v5(version_)) {
      if (!is_allowed_reason(PacketType::kConnack, code)) {
        return malformed("reason code " + hex_code(code) + " is not valid");
      }
      c.reason = static_cast<ReasonCode>(code);
      if (c.session_present && code != 0) {
        return protocol_error("session present is set with a non-zero reason code");
      }
      if (!read_properties(PropertyContext::kConnack, c.properties)) return false;
    } else {
      if (code > 5) return malformed("return code " + std::to_string(code) + " is not valid");
      c.reason = from_connack_return_code_311(code);
    }
    return expect_end("the variable header");
  }

  bool publish(Packet& out) {
    PublishPacket& p = out.emplace<PublishPacket>();
    p.dup = (flags_ & 0x08) != 0;
    p.retain = (flags_ & 0x01) != 0;
    const std::uint8_t qos = (flags_ >> 1) & 0x03;
    if (qos == 3) return malformed("QoS is 3");
    p.qos = static_cast<QoS>(qos);
    if (is_v5(version_) && p.dup && qos == 0) return malformed("DUP is set on a QoS 0 message");
    if (!read_string(p.topic, "topic name")) return false;
    if (p.topic.find_first_of("+#") != std::string::npos) {
      return malformed("topic name \"" + printable(p.topic) + "\" contains a wildcard");
    }
    if (qos > 0 && !read_packet_id(p.packet_id)) return false;
    if (is_v5(version_)) {
      if (!read_properties(PropertyContext::kPublish, p.properties)) return false;
      if (p.topic.empty() && !p.properties.topic_alias) {
        return protocol_error("topic name is empty and there is no topic alias");
      }
    } else if (p.topic.empty()) {
      return malformed("topic name is empty");
    }
    ByteView payload = r_.read_rest();
    if (publish_payload_ != nullptr) {
      *publish_payload_ = payload;
    } else {
      p.payload.assign(payload.begin(), payload.end());
    }
    return true;
  }

  bool ack(PacketType type, Packet& out) {
    AckPacket& a = out.emplace<AckPacket>();
    a.type = type;
    if (!read_packet_id(a.packet_id)) return false;
    if (is_v5(version_) && !r_.empty()) {
      std::uint8_t code = 0;
      r_.read_u8(code);
      if (!is_allowed_reason(type, code)) {
        return malformed("reason code " + hex_code(code) + " is not valid");
      }
      a.reason = static_cast<ReasonCode>(code);
      if (!r_.empty()) {
        const PropertyContext context = type == PacketType::kPuback   ? PropertyContext::kPuback
                                        : type == PacketType::kPubrec ? PropertyContext::kPubrec
                                        : type == PacketType::kPubrel ? PropertyContext::kPubrel
                                                                      : PropertyContext::kPubcomp;
        if (!read_properties(context, a.properties)) return false;
      }
    }
    return expect_end("the variable header");
  }

  bool subscribe(Packet& out) {
    SubscribePacket& s = out.emplace<SubscribePacket>();
    if (!read_packet_id(s.packet_id)) return false;
    if (is_v5(version_) && !read_properties(PropertyContext::kSubscribe, s.properties)) {
      return false;
    }
    while (!r_.empty()) {
      SubscriptionRequest& request = s.subscriptions.emplace_back();
      if (!read_string(request.filter, "topic filter")) return false;
      std::uint8_t options = 0;
      if (!r_.read_u8(options)) {
        return malformed("subscription options are missing for \"" + printable(request.filter) +
                         "\"");
      }
      const std::uint8_t qos = options & 0x03;
      if (is_v5(version_)) {
        if ((options & 0xC0) != 0) return malformed("reserved subscription option bits are set");
        if (qos == 3) return protocol_error("maximum QoS is 3");
        const std::uint8_t retain_handling = (options >> 4) & 0x03;
        if (retain_handling == 3) return protocol_error("retain handling is 3");
        request.no_local = (options & 0x04) != 0;
        request.retain_as_published = (options & 0x08) != 0;
        request.retain_handling = static_cast<RetainHandling>(retain_handling);
        if (request.no_local && request.filter.starts_with("$share/")) {
          return protocol_error("no local is set on shared subscription \"" +
                                printable(request.filter) + "\"");
        }
      } else {
        if ((options & 0xFC) != 0) return malformed("reserved subscription option bits are set");
        if (qos == 3) return malformed("requested QoS is 3");
      }
      request.max_qos = static_cast<QoS>(qos);
    }
    if (s.subscriptions.empty()) return protocol_error("no topic filter");
    return true;
  }

  bool suback(Packet& out) {
    SubackPacket& s = out.emplace<SubackPacket>();
    if (!read_packet_id(s.packet_id)) return false;
    if (is_v5(version_) && !read_properties(PropertyContext::kSuback, s.properties)) {
      return false;
    }
    while (!r_.empty()) {
      std::uint8_t code = 0;
      r_.read_u8(code);
      const bool valid =
          is_v5(version_)
              ? is_allowed_reason(PacketType::kSuback, code)
              : (code <= 2 || code == static_cast<std::uint8_t>(ReasonCode::kUnspecifiedError));
      if (!valid) return malformed("reason code " + hex_code(code) + " is not valid");
      s.reasons.push_back(static_cast<ReasonCode>(code));
    }
    if (s.reasons.empty()) return protocol_error("no reason code");
    return true;
  }

  bool unsubscribe(Packet& out) {
    UnsubscribePacket& u = out.emplace<UnsubscribePacket>();
    if (!read_packet_id(u.packet_id)) return false;
    if (is_v5(version_) && !read_properties(PropertyContext::kUnsubscribe, u.properties)) {
      return false;
    }
    while (!r_.empty()) {
      if (!read_string(u.filters.emplace_back(), "topic filter")) return false;
    }
    if (u.filters.empty()) return protocol_error("no topic filter");
    return true;
  }

  bool unsuback(Packet& out) {
    UnsubackPacket& u = out.emplace<UnsubackPacket>();
    if (!read_packet_id(u.packet_id)) return false;
    if (!is_v5(version_)) return expect_end("the variable header");
    if (!read_properties(PropertyContext::kUnsuback, u.properties)) return false;
    while (!r_.empty()) {
      std::uint8_t code = 0;
      r_.read_u8(code);
      if (!is_allowed_reason(PacketType::kUnsuback, code)) {
        return malformed("reason code " + hex_code(code) + " is not valid");
      }
      u.reasons.push_back(static_cast<ReasonCode>(code));
    }
    if (u.reasons.empty()) return protocol_error("no reason code");
    return true;
  }

  // DISCONNECT and AUTH: reason code and properties may be omitted (spec §3.14.2.1, §3.15.2.1).
  template <typename T>
  bool reason_and_properties(PacketType type, PropertyContext context, T& packet) {
    if (r_.empty()) return true;
    std::uint8_t code = 0;
    r_.read_u8(code);
    if (!is_allowed_reason(type, code)) {
      return malformed("reason code " + hex_code(code) + " is not valid");
    }
    packet.reason = static_cast<ReasonCode>(code);
    if (!r_.empty() && !read_properties(context, packet.properties)) return false;
    return expect_end("the variable header");
  }

  bool disconnect(Packet& out) {
    DisconnectPacket& d = out.emplace<DisconnectPacket>();
    if (!is_v5(version_)) return expect_end("the packet");
    return reason_and_properties(PacketType::kDisconnect, PropertyContext::kDisconnect, d);
  }

  bool auth(Packet& out) {
    AuthPacket& a = out.emplace<AuthPacket>();
    return reason_and_properties(PacketType::kAuth, PropertyContext::kAuth, a);
  }

  ByteReader r_;
  bool connect_level_read_ = false;
  std::uint8_t flags_;
  ProtocolVersion version_;
  DecodeError& error_;
  ByteView* publish_payload_;  // set: a PUBLISH payload is viewed there, not copied
};

// Fixed header flags every packet type but PUBLISH must carry (spec §2.1.3).
std::uint8_t required_flags(std::uint8_t type) {
  switch (static_cast<PacketType>(type)) {
    case PacketType::kPubrel:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
      return 0x02;
    default:
      return 0x00;
  }
}

// What is wrong with a packet's first byte (type and flags), if anything (spec §2.1.2, §2.1.3).
std::optional<std::string> first_byte_error(std::uint8_t type, std::uint8_t flags,
                                            ProtocolVersion version) {
  if (type == 0) return "packet type 0 is reserved";
  if (type == static_cast<std::uint8_t>(PacketType::kAuth) && !is_v5(version)) {
    return "packet type 15 (AUTH) does not exist before MQTT 5";
  }
  if (type != static_cast<std::uint8_t>(PacketType::kPublish) && flags != required_flags(type)) {
    return std::string(packet_type_name(type)) + ": fixed header flags " + hex_code(flags) +
           " must be " + hex_code(required_flags(type));
  }
  return std::nullopt;
}

DecodeResult decode_packet_at_front(ByteView input, ProtocolVersion version,
                                    std::uint32_t max_packet_size, ByteView* publish_payload) {
  DecodeResult result;
  if (input.empty()) return result;  // kNeedMoreData

  const std::uint8_t type = input[0] >> 4;
  const std::uint8_t flags = input[0] & 0x0F;
  const std::string_view name = packet_type_name(type);
  auto fail = [&result](ReasonCode code, std::string detail) {
    result.packet.emplace<PingreqPacket>();  // a placeholder: see codec.h
    result.status = DecodeStatus::kError;
    result.error = code;
    result.error_detail = std::move(detail);
  };

  if (std::optional<std::string> wrong = first_byte_error(type, flags, version)) {
    fail(ReasonCode::kMalformedPacket, std::move(*wrong));
    return result;
  }

  std::uint32_t remaining_length = 0;
  std::size_t length_size = 0;
  switch (decode_variable_byte_integer(input.subspan(1), remaining_length, length_size)) {
    case VarIntStatus::kOk:
      break;
    case VarIntStatus::kNeedMoreData:
      return result;
    case VarIntStatus::kMalformed:
      fail(ReasonCode::kMalformedPacket,
           std::string(name) + ": remaining length is longer than 4 bytes");
      return result;
  }
  const std::size_t total = 1 + length_size + static_cast<std::size_t>(remaining_length);
  if (total > max_packet_size) {
    fail(ReasonCode::kPacketTooLarge, std::string(name) + ": packet of " + std::to_string(total) +
                                          " bytes exceeds the maximum of " +
                                          std::to_string(max_packet_size));
    return result;
  }
  if (input.size() < total) return result;  // kNeedMoreData

  DecodeError error;
  BodyDecoder decoder(input.subspan(1 + length_size, remaining_length), flags, version, error,
                      publish_payload);
  if (!decoder.decode(static_cast<PacketType>(type), result.packet)) {
    // A CONNECT keeps the version and protocol name it announced (for the CONNACK answer).
    std::optional<ConnectPacket> announced;
    if (decoder.connect_level_read()) {
      ConnectPacket& connect = std::get<ConnectPacket>(result.packet);
      announced.emplace();
      announced->version = connect.version;
      announced->protocol_name = std::move(connect.protocol_name);
    }
    fail(error.code, std::string(name) + ": " + error.detail);
    if (announced) result.packet = std::move(*announced);
    return result;
  }
  result.status = DecodeStatus::kOk;
  result.consumed = total;
  return result;
}

}  // namespace

DecodeResult decode_packet(ByteView input, ProtocolVersion version, std::uint32_t max_packet_size) {
  return decode_packet_at_front(input, version, max_packet_size, nullptr);
}

DecodeResult decode_packet_viewing_payload(ByteView input, ProtocolVersion version,
                                           std::uint32_t max_packet_size,
                                           ByteView& publish_payload) {
  publish_payload = {};
  DecodeResult result = decode_packet_at_front(input, version, max_packet_size, &publish_payload);
  if (result.status != DecodeStatus::kOk) publish_payload = {};
  return result;
}

}  // namespace trustmq::mqtt

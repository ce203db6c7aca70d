#include "mqtt/property_codec.h"

#include <array>

#include "mqtt/codec.h"

namespace trustmq::mqtt {
namespace {

enum class PropertyType : std::uint8_t {
  kByte,
  kTwoByteInteger,
  kFourByteInteger,
  kVariableByteInteger,
  kString,
  kBinary,
  kStringPair,
};

constexpr std::uint16_t bit(PropertyContext context) {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(context));
}

constexpr std::uint16_t kAcks = bit(PropertyContext::kPuback) | bit(PropertyContext::kPubrec) |
                                bit(PropertyContext::kPubrel) | bit(PropertyContext::kPubcomp);
constexpr std::uint16_t kMessage = bit(PropertyContext::kPublish) | bit(PropertyContext::kWill);
constexpr std::uint16_t kEverywhere = 0x3FFF;

struct PropertyInfo {
  std::uint8_t id = 0;
  std::string_view name;
  PropertyType type = PropertyType::kByte;
  std::uint16_t contexts = 0;  // bit(PropertyContext) set for each packet that may carry it
};

// MQTT 5.0 spec §2.2.2.2, table 2-4.
constexpr std::array<PropertyInfo, 27> kProperties = {{
    {0x01, "Payload Format Indicator", PropertyType::kByte, kMessage},
    {0x02, "Message Expiry Interval", PropertyType::kFourByteInteger, kMessage},
    {0x03, "Content Type", PropertyType::kString, kMessage},
    {0x08, "Response Topic", PropertyType::kString, kMessage},
    {0x09, "Correlation Data", PropertyType::kBinary, kMessage},
    {0x0B, "Subscription Identifier", PropertyType::kVariableByteInteger,
     bit(PropertyContext::kPublish) | bit(PropertyContext::kSubscribe)},
    {0x11, "Session Expiry Interval", PropertyType::kFourByteInteger,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack) |
         bit(PropertyContext::kDisconnect)},
    {0x12, "Assigned Client Identifier", PropertyType::kString, bit(PropertyContext::kConnack)},
    {0x13, "Server Keep Alive", PropertyType::kTwoByteInteger, bit(PropertyContext::kConnack)},
    {0x15, "Authentication Method", PropertyType::kString,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack) | bit(PropertyContext::kAuth)},
    {0x16, "Authentication Data", PropertyType::kBinary,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack) | bit(PropertyContext::kAuth)},
    {0x17, "Request Problem Information", PropertyType::kByte, bit(PropertyContext::kConnect)},
    {0x18, "Will Delay Interval", PropertyType::kFourByteInteger, bit(PropertyContext::kWill)},
    {0x19, "Request Response Information", PropertyType::kByte, bit(PropertyContext::kConnect)},
    {0x1A, "Response Information", PropertyType::kString, bit(PropertyContext::kConnack)},
    {0x1C, "Server Reference", PropertyType::kString,
     bit(PropertyContext::kConnack) | bit(PropertyContext::kDisconnect)},
    {0x1F, "Reason String", PropertyType::kString,
     bit(PropertyContext::kConnack) | kAcks | bit(PropertyContext::kSuback) |
         bit(PropertyContext::kUnsuback) | bit(PropertyContext::kDisconnect) |
         bit(PropertyContext::kAuth)},
    {0x21, "Receive Maximum", PropertyType::kTwoByteInteger,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack)},
    {0x22, "Topic Alias Maximum", PropertyType::kTwoByteInteger,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack)},
    {0x23, "Topic Alias", PropertyType::kTwoByteInteger, bit(PropertyContext::kPublish)},
    {0x24, "Maximum QoS", PropertyType::kByte, bit(PropertyContext::kConnack)},
    {0x25, "Retain Available", PropertyType::kByte, bit(PropertyContext::kConnack)},
    {0x26, "User Property", PropertyType::kStringPair, kEverywhere},
    {0x27, "Maximum Packet Size", PropertyType::kFourByteInteger,
     bit(PropertyContext::kConnect) | bit(PropertyContext::kConnack)},
    {0x28, "Wildcard Subscription Available", PropertyType::kByte, bit(PropertyContext::kConnack)},
    {0x29, "Subscription Identifier Available", PropertyType::kByte,
     bit(PropertyContext::kConnack)},
    {0x2A, "Shared Subscription Available", PropertyType::kByte, bit(PropertyContext::kConnack)},
}};

const PropertyInfo* find_property(std::uint32_t id) {
  for (const PropertyInfo& info : kProperties) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

std::string_view context_name(PropertyContext context) {
  switch (context) {
    case PropertyContext::kConnect:
      return "CONNECT";
    case PropertyContext::kConnack:
      return "CONNACK";
    case PropertyContext::kPublish:
      return "PUBLISH";
    case PropertyContext::kWill:
      return "will properties";
    case PropertyContext::kPuback:
      return "PUBACK";
    case PropertyContext::kPubrec:
      return "PUBREC";
    case PropertyContext::kPubrel:
      return "PUBREL";
    case PropertyContext::kPubcomp:
      return "PUBCOMP";
    case PropertyContext::kSubscribe:
      return "SUBSCRIBE";
    case PropertyContext::kSuback:
      return "SUBACK";
    case PropertyContext::kUnsubscribe:
      return "UNSUBSCRIBE";
    case PropertyContext::kUnsuback:
      return "UNSUBACK";
    case PropertyContext::kDisconnect:
      return "DISCONNECT";
    case PropertyContext::kAuth:
      return "AUTH";
  }
  return "packet";
}

// Decodes one property block; `prefix` is "property" or "will property" for messages.
class PropertyBlockDecoder {
 public:
  PropertyBlockDecoder(ByteReader& reader, PropertyContext context, Properties& out,
                       DecodeError& error)
      : reader_(reader),
        context_(context),
        out_(out),
        error_(error),
        prefix_(context == PropertyContext::kWill ? "will property " : "property ") {}

  bool run() {
    std::uint32_t length = 0;
    if (!reader_.read_variable_byte_integer(length)) {
      return error_.fail(ReasonCode::kMalformedPacket,
                         prefix_ + "length is not a valid variable byte integer");
    }
    ByteView block;
    if (!reader_.read_bytes(length, block)) {
      return error_.fail(ReasonCode::kMalformedPacket,
                         prefix_ + "length " + std::to_string(length) + " exceeds the " +
                             std::to_string(reader_.remaining()) + " bytes left");
    }
    ByteReader block_reader(block);
    while (!block_reader.empty()) {
      if (!decode_one(block_reader)) return false;
    }
    return true;
  }

 private:
  std::string describe() const {
    return prefix_ + hex_code(info_->id) + " (" + std::string(info_->name) + ")";
  }

  bool malformed(std::string_view what) {
    return error_.fail(ReasonCode::kMalformedPacket, describe() + " " + std::string(what));
  }

  bool protocol_error(std::string_view what) {
    return error_.fail(ReasonCode::kProtocolError, describe() + " " + std::string(what));
  }

  bool truncated() { return malformed("is truncated"); }

  template <typename T>
  bool once(std::optional<T>& slot, T value) {
    if (slot.has_value()) return protocol_error("appears twice");
    slot = std::move(value);
    return true;
  }

  bool boolean_once(std::optional<std::uint8_t>& slot, std::uint8_t value) {
    if (slot.has_value()) return protocol_error("appears twice");
    if (value > 1) return protocol_error("has value " + std::to_string(value) + ", not 0 or 1");
    slot = value;
    return true;
  }

  bool nonzero_once(std::optional<std::uint16_t>& slot, std::uint16_t value) {
    if (slot.has_value()) return protocol_error("appears twice");
    if (value == 0) return protocol_error("is 0");
    slot = value;
    return true;
  }

  bool read_string(ByteReader& r, std::string& value) {
    ByteView bytes;
    if (!r.read_length_prefixed(bytes)) return truncated();
    std::string_view text = as_string_view(bytes);
    if (!is_valid_mqtt_utf8(text)) return malformed("is not a valid UTF-8 string");
    value.assign(text);
    return true;
  }

  bool decode_one(ByteReader& r) {
    std::uint32_t id = 0;
    if (!r.read_variable_byte_integer(id)) {
      return error_.fail(ReasonCode::kMalformedPacket,
                         prefix_ + "identifier is not a valid variable byte integer");
    }
    info_ = find_property(id);
    if (info_ == nullptr) {
      return error_.fail(ReasonCode::kMalformedPacket,
                         prefix_ + hex_code(id) + " is not a defined property");
    }
    if ((info_->contexts & bit(context_)) == 0) {
      return malformed("is not allowed in " + std::string(context_name(context_)));
    }

    std::uint8_t byte = 0;
    std::uint16_t two = 0;
    std::uint32_t four = 0;
    std::string text;
    ByteView data;
    switch (info_->type) {
      case PropertyType::kByte:
        if (!r.read_u8(byte)) return truncated();
        break;
      case PropertyType::kTwoByteInteger:
        if (!r.read_u16(two)) return truncated();
        break;
      case PropertyType::kFourByteInteger:
        if (!r.read_u32(four)) return truncated();
        break;
      case PropertyType::kVariableByteInteger:
        if (!r.read_variable_byte_integer(four)) {
          return malformed("is not a valid variable byte integer");
        }
        break;
      case PropertyType::kString:
        if (!read_string(r, text)) return false;
        break;
      case PropertyType::kBinary:
        if (!r.read_length_prefixed(data)) return truncated();
        break;
      case PropertyType::kStringPair: {
        std::string name;
        if (!read_string(r, name) || !read_string(r, text)) return false;
        out_.user_properties.emplace_back(std::move(name), std::move(text));
        return true;
      }
    }

    switch (static_cast<PropertyId>(id)) {
      case PropertyId::kPayloadFormatIndicator:
        return once(out_.payload_format_indicator, byte);
      case PropertyId::kMessageExpiryInterval:
        return once(out_.message_expiry_interval, four);
      case PropertyId::kContentType:
        return once(out_.content_type, std::move(text));
      case PropertyId::kResponseTopic:
        if (text.find_first_of("+#") != std::string::npos) {
          return protocol_error("contains a wildcard character");
        }
        if (text.empty()) return protocol_error("is empty");
        return once(out_.response_topic, std::move(text));
      case PropertyId::kCorrelationData:
        return once(out_.correlation_data, Bytes(data.begin(), data.end()));
      case PropertyId::kSubscriptionIdentifier:
        if (four == 0) return protocol_error("is 0");
        if (context_ != PropertyContext::kPublish && !out_.subscription_identifiers.empty()) {
          return protocol_error("appears twice");
        }
        out_.subscription_identifiers.push_back(four);
        return true;
      case PropertyId::kSessionExpiryInterval:
        return once(out_.session_expiry_interval, four);
      case PropertyId::kAssignedClientIdentifier:
        return once(out_.assigned_client_identifier, std::move(text));
      case PropertyId::kServerKeepAlive:
        return once(out_.server_keep_alive, two);
      case PropertyId::kAuthenticationMethod:
        return once(out_.authentication_method, std::move(text));
      case PropertyId::kAuthenticationData:
        return once(out_.authentication_data, Bytes(data.begin(), data.end()));
      case PropertyId::kRequestProblemInformation:
        return boolean_once(out_.request_problem_information, byte);
      case PropertyId::kWillDelayInterval:
        return once(out_.will_delay_interval, four);
      case PropertyId::kRequestResponseInformation:
        return boolean_once(out_.request_response_information, byte);
      case PropertyId::kResponseInformation:
        return once(out_.response_information, std::move(text));
      case PropertyId::kServerReference:
        return once(out_.server_reference, std::move(text));
      case PropertyId::kReasonString:
        return once(out_.reason_string, std::move(text));
      case PropertyId::kReceiveMaximum:
        return nonzero_once(out_.receive_maximum, two);
      case PropertyId::kTopicAliasMaximum:
        return once(out_.topic_alias_maximum, two);
      case PropertyId::kTopicAlias:
        return once(out_.topic_alias, two);
      case PropertyId::kMaximumQoS:
        return boolean_once(out_.maximum_qos, byte);
      case PropertyId::kRetainAvailable:
        return boolean_once(out_.retain_available, byte);
      case PropertyId::kUserProperty:
        return true;  // handled above
      case PropertyId::kMaximumPacketSize:
        if (out_.maximum_packet_size.has_value()) return protocol_error("appears twice");
        if (four == 0) return protocol_error("is 0");
        out_.maximum_packet_size = four;
        return true;
      case PropertyId::kWildcardSubscriptionAvailable:
        return boolean_once(out_.wildcard_subscription_available, byte);
      case PropertyId::kSubscriptionIdentifierAvailable:
        return boolean_once(out_.subscription_identifier_available, byte);
      case PropertyId::kSharedSubscriptionAvailable:
        return boolean_once(out_.shared_subscription_available, byte);
    }
    return malformed("is not handled");
  }

  ByteReader& reader_;
  PropertyContext context_;
  Properties& out_;
  DecodeError& error_;
  std::string prefix_;
  const PropertyInfo* info_ = nullptr;
};

}  // namespace

std::string_view property_name(std::uint32_t id) {
  const PropertyInfo* info = find_property(id);
  return info == nullptr ? std::string_view("unknown") : info->name;
}

std::string hex_code(std::uint32_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  if (digits.size() % 2 == 1) digits.insert(digits.begin(), '0');
  return "0x" + digits;
}

bool decode_properties(ByteReader& reader, PropertyContext context, Properties& out,
                       DecodeError& error) {
  return PropertyBlockDecoder(reader, context, out, error).run();
}

}  // namespace trustmq::mqtt

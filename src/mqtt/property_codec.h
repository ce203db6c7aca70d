// Decoding and encoding of the MQTT 5.0 property block (spec §2.2.2): a variable byte integer
// length followed by (identifier, value) pairs. Decoding enforces which properties each packet
// may carry, the "at most once" rule and the value ranges the spec defines.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace trustmq::mqtt {

// Where a property block sits; the spec allows a different set of properties in each.
enum class PropertyContext : std::uint8_t {
  kConnect,
  kConnack,
  kPublish,
  kWill,
  kPuback,
  kPubrec,
  kPubrel,
  kPubcomp,
  kSubscribe,
  kSuback,
  kUnsubscribe,
  kUnsuback,
  kDisconnect,
  kAuth,
};

// Why a packet could not be decoded.
struct DecodeError {
  ReasonCode code = ReasonCode::kSuccess;
  std::string detail;

  // Records the error; returns false so a decoder can `return error.fail(...)`.
  bool fail(ReasonCode reason, std::string text) {
    code = reason;
    detail = std::move(text);
    return false;
  }
};

// "Session Expiry Interval" for 0x11; "unknown" for identifiers the spec does not define.
std::string_view property_name(std::uint32_t id);

// "0x11": two upper-case hex digits (more when the value needs them).
std::string hex_code(std::uint32_t value);

// Reads a property length and the properties it covers into `out` (which must be empty).
bool decode_properties(ByteReader& reader, PropertyContext context, Properties& out,
                       DecodeError& error);

// Writes the properties that are set, without the length prefix, in identifier order.
// Writes the properties of `p`, with the message expiry interval, the subscription
// identifiers and the topic alias given apart: a PUBLISH sent to one recipient carries its
// own (encode_publish).
template <typename Sink>
void write_property_list(const Properties& p,
                         const std::optional<std::uint32_t>& message_expiry_interval,
                         std::span<const std::uint32_t> subscription_identifiers,
                         const std::optional<std::uint16_t>& topic_alias, Sink& sink) {
  auto byte_property = [&sink](PropertyId id, const std::optional<std::uint8_t>& v) {
    if (v) {
      sink.u8(static_cast<std::uint8_t>(id));
      sink.u8(*v);
    }
  };
  auto two_byte_property = [&sink](PropertyId id, const std::optional<std::uint16_t>& v) {
    if (v) {
      sink.u8(static_cast<std::uint8_t>(id));
      sink.u16(*v);
    }
  };
  auto four_byte_property = [&sink](PropertyId id, const std::optional<std::uint32_t>& v) {
    if (v) {
      sink.u8(static_cast<std::uint8_t>(id));
      sink.u32(*v);
    }
  };
  auto string_property = [&sink](PropertyId id, const std::optional<std::string>& v) {
    if (v) {
      sink.u8(static_cast<std::uint8_t>(id));
      write_string(sink, *v);
    }
  };
  auto binary_property = [&sink](PropertyId id, const std::optional<Bytes>& v) {
    if (v) {
      sink.u8(static_cast<std::uint8_t>(id));
      write_binary(sink, *v);
    }
  };
  byte_property(PropertyId::kPayloadFormatIndicator, p.payload_format_indicator);
  four_byte_property(PropertyId::kMessageExpiryInterval, message_expiry_interval);
  string_property(PropertyId::kContentType, p.content_type);
  string_property(PropertyId::kResponseTopic, p.response_topic);
  binary_property(PropertyId::kCorrelationData, p.correlation_data);
  for (std::uint32_t id : subscription_identifiers) {
    sink.u8(static_cast<std::uint8_t>(PropertyId::kSubscriptionIdentifier));
    sink.variable_byte_integer(id);
  }
  four_byte_property(PropertyId::kSessionExpiryInterval, p.session_expiry_interval);
  string_property(PropertyId::kAssignedClientIdentifier, p.assigned_client_identifier);
  two_byte_property(PropertyId::kServerKeepAlive, p.server_keep_alive);
  string_property(PropertyId::kAuthenticationMethod, p.authentication_method);
  binary_property(PropertyId::kAuthenticationData, p.authentication_data);
  byte_property(PropertyId::kRequestProblemInformation, p.request_problem_information);
  four_byte_property(PropertyId::kWillDelayInterval, p.will_delay_interval);
  byte_property(PropertyId::kRequestResponseInformation, p.request_response_information);
  string_property(PropertyId::kResponseInformation, p.response_information);
  string_property(PropertyId::kServerReference, p.server_reference);
  string_property(PropertyId::kReasonString, p.reason_string);
  two_byte_property(PropertyId::kReceiveMaximum, p.receive_maximum);
  two_byte_property(PropertyId::kTopicAliasMaximum, p.topic_alias_maximum);
  two_byte_property(PropertyId::kTopicAlias, topic_alias);
  byte_property(PropertyId::kMaximumQoS, p.maximum_qos);
  byte_property(PropertyId::kRetainAvailable, p.retain_available);
  for (const UserProperty& up : p.user_properties) {
    sink.u8(static_cast<std::uint8_t>(PropertyId::kUserProperty));
    write_string(sink, up.first);
    write_string(sink, up.second);
  }
  four_byte_property(PropertyId::kMaximumPacketSize, p.maximum_packet_size);
  byte_property(PropertyId::kWildcardSubscriptionAvailable, p.wildcard_subscription_available);
  byte_property(PropertyId::kSubscriptionIdentifierAvailable, p.subscription_identifier_available);
  byte_property(PropertyId::kSharedSubscriptionAvailable, p.shared_subscription_available);
}

template <typename Sink>
void write_property_list(const Properties& p, Sink& sink) {
  write_property_list(p, p.message_expiry_interval, p.subscription_identifiers, p.topic_alias,
                      sink);
}

// Writes the property length followed by the properties.
template <typename Sink>
void write_properties(const Properties& properties,
                      const std::optional<std::uint32_t>& message_expiry_interval,
                      std::span<const std::uint32_t> subscription_identifiers,
                      const std::optional<std::uint16_t>& topic_alias, Sink& sink) {
  ByteCounter counter;
  write_property_list(properties, message_expiry_interval, subscription_identifiers, topic_alias,
                      counter);
  sink.variable_byte_integer(static_cast<std::uint32_t>(counter.size()));
  write_property_list(properties, message_expiry_interval, subscription_identifiers, topic_alias,
                      sink);
}

template <typename Sink>
void write_properties(const Properties& properties, Sink& sink) {
  write_properties(properties, properties.message_expiry_interval,
                   properties.subscription_identifiers, properties.topic_alias, sink);
}

}  // namespace trustmq::mqtt

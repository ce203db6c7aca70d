// Encoding and decoding of MQTT control packets for 3.1, 3.1.1 and 5.0 (spec §2–3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/limits.h"
#include "mqtt/packet.h"
#include "mqtt/reason_code.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

enum class DecodeStatus : std::uint8_t { kOk, kNeedMoreData, kError };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kNeedMoreData;
  Packet packet;
  std::size_t consumed = 0;                 // bytes of input the packet occupied (kOk only)
  ReasonCode error = ReasonCode::kSuccess;  // kMalformedPacket, kProtocolError, kPacketTooLarge…
  std::string error_detail;                 // e.g. "property 0x01 appears twice"
};

// Frames and decodes the packet at the front of `input`. `version` is the connection's
// protocol version (a CONNECT is decoded whatever it is). Packets larger than
// `max_packet_size` are rejected with kPacketTooLarge as soon as the header tells.
// On kError, `packet` holds a ConnectPacket only if the bad packet is a CONNECT whose protocol
// name and level could be read (it then carries just that `version` and `protocol_name`, so
// the broker can answer with a CONNACK in the client's dialect); otherwise a PingreqPacket
// placeholder that means nothing.
DecodeResult decode_packet(ByteView input, ProtocolVersion version,
                           std::uint32_t max_packet_size = kMaxPacketSize);

// As decode_packet, except that a PUBLISH's payload is not copied: the packet's `payload` is
// left empty and `publish_payload` views the payload inside `input` (empty for other packets
// and on errors) — for a caller that copies it only if it must keep it.
DecodeResult decode_packet_viewing_payload(ByteView input, ProtocolVersion version,
                                           std::uint32_t max_packet_size,
                                           ByteView& publish_payload);

// Appends the encoded packet to `out`.
void encode_packet(const Packet& packet, ProtocolVersion version, Bytes& out);

// What one recipient's PUBLISH differs in from the message as the broker stores it (spec
// §3.3): fixed header flags, packet identifier and, in v5, the subscription identifiers and
// the remaining message expiry.
struct PublishOverrides {
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;                              // written only for QoS > 0
  std::span<const std::uint32_t> subscription_identifiers;  // instead of the packet's
  std::optional<std::uint32_t> message_expiry_interval;     // instead of the packet's, if set
  // v5 Topic Alias instead of the packet's, if not 0 (outbound_topic_aliases.h); with
  // omit_topic the topic name is sent empty (the client knows the alias already).
  std::uint16_t topic_alias = 0;
  bool omit_topic = false;
};

// Appends the PUBLISH `packet` as sent with `overrides`; the packet's own flags, packet
// identifier and subscription identifiers are not used.
void encode_publish(const PublishPacket& packet, ProtocolVersion version,
                    const PublishOverrides& overrides, Bytes& out);

// Variable byte integer (spec §1.5.5): at most 4 bytes, values up to 268 435 455.
void encode_variable_byte_integer(std::uint32_t value, Bytes& out);
enum class VarIntStatus : std::uint8_t { kOk, kNeedMoreData, kMalformed };
VarIntStatus decode_variable_byte_integer(ByteView input, std::uint32_t& value,
                                          std::size_t& length);

// UTF-8 encoded string rules (spec §1.5.4): well-formed, no surrogates, no U+0000.
bool is_valid_mqtt_utf8(std::string_view text);

}  // namespace trustmq::mqtt

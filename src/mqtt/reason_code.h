// MQTT 5.0 reason codes (spec §2.4) and the v3.1.1 CONNACK return codes.
#pragma once

#include <cstdint>
#include <string_view>

#include "mqtt/types.h"

namespace trustmq::mqtt {

enum class ReasonCode : std::uint8_t {
  kSuccess = 0x00,  // also Normal disconnection, Granted QoS 0
  kGrantedQoS1 = 0x01,
  kGrantedQoS2 = 0x02,
  kDisconnectWithWillMessage = 0x04,
  kNoMatchingSubscribers = 0x10,
  kNoSubscriptionExisted = 0x11,
  kContinueAuthentication = 0x18,
  kReAuthenticate = 0x19,
  kUnspecifiedError = 0x80,
  kMalformedPacket = 0x81,
  kProtocolError = 0x82,
  kImplementationSpecificError = 0x83,
  kUnsupportedProtocolVersion = 0x84,
  kClientIdentifierNotValid = 0x85,
  kBadUserNameOrPassword = 0x86,
  kNotAuthorized = 0x87,
  kServerUnavailable = 0x88,
  kServerBusy = 0x89,
  kBanned = 0x8A,
  kServerShuttingDown = 0x8B,
  kBadAuthenticationMethod = 0x8C,
  kKeepAliveTimeout = 0x8D,
  kSessionTakenOver = 0x8E,
  kTopicFilterInvalid = 0x8F,
  kTopicNameInvalid = 0x90,
  kPacketIdentifierInUse = 0x91,
  kPacketIdentifierNotFound = 0x92,
  kReceiveMaximumExceeded = 0x93,
  kTopicAliasInvalid = 0x94,
  kPacketTooLarge = 0x95,
  kMessageRateTooHigh = 0x96,
  kQuotaExceeded = 0x97,
  kAdministrativeAction = 0x98,
  kPayloadFormatInvalid = 0x99,
  kRetainNotSupported = 0x9A,
  kQoSNotSupported = 0x9B,
  kUseAnotherServer = 0x9C,
  kServerMoved = 0x9D,
  kSharedSubscriptionsNotSupported = 0x9E,
  kConnectionRateExceeded = 0x9F,
  kMaximumConnectTime = 0xA0,
  kSubscriptionIdentifiersNotSupported = 0xA1,
  kWildcardSubscriptionsNotSupported = 0xA2,
};

// Codes of 0x80 and above report a failure (spec §2.4).
constexpr bool is_failure(ReasonCode code) {
  return static_cast<std::uint8_t>(code) >=
         static_cast<std::uint8_t>(ReasonCode::kUnspecifiedError);
}

// Human-readable name, e.g. "Malformed Packet"; used in logs.
std::string_view reason_code_name(ReasonCode code);

// v3.1.1 CONNACK return codes (spec 3.1.1 §3.2.2.3).
enum class ConnackReturnCode311 : std::uint8_t {
  kAccepted = 0,
  kUnacceptableProtocolVersion = 1,
  kIdentifierRejected = 2,
  kServerUnavailable = 3,
  kBadUserNameOrPassword = 4,
  kNotAuthorized = 5,
};

// Maps a v5 CONNACK reason code to the nearest v3.1.1 return code.
ConnackReturnCode311 to_connack_return_code_311(ReasonCode code);

// Maps a v3.1.1 CONNACK return code to the v5 reason code it means (unknown codes: Not
// authorized).
ReasonCode from_connack_return_code_311(std::uint8_t code);

// Whether a v5 packet of `type` may carry reason code `code` (spec §2.4 and each packet's
// reason code table).
bool is_allowed_reason(PacketType type, std::uint8_t code);

}  // namespace trustmq::mqtt

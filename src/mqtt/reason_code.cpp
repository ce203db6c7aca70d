#include "mqtt/reason_code.h"

#include <initializer_list>

namespace trustmq::mqtt {

std::string_view reason_code_name(ReasonCode code) {
  switch (code) {
    case ReasonCode::kSuccess:
      return "Success";
    case ReasonCode::kGrantedQoS1:
      return "Granted QoS 1";
    case ReasonCode::kGrantedQoS2:
      return "Granted QoS 2";
    case ReasonCode::kDisconnectWithWillMessage:
      return "Disconnect with Will Message";
    case ReasonCode::kNoMatchingSubscribers:
      return "No matching subscribers";
    case ReasonCode::kNoSubscriptionExisted:
      return "No subscription existed";
    case ReasonCode::kContinueAuthentication:
      return "Continue authentication";
    case ReasonCode::kReAuthenticate:
      return "Re-authenticate";
    case ReasonCode::kUnspecifiedError:
      return "Unspecified error";
    case ReasonCode::kMalformedPacket:
      return "Malformed Packet";
    case ReasonCode::kProtocolError:
      return "Protocol Error";
    case ReasonCode::kImplementationSpecificError:
      return "Implementation specific error";
    case ReasonCode::kUnsupportedProtocolVersion:
      return "Unsupported Protocol Version";
    case ReasonCode::kClientIdentifierNotValid:
      return "Client Identifier not valid";
    case ReasonCode::kBadUserNameOrPassword:
      return "Bad User Name or Password";
    case ReasonCode::kNotAuthorized:
      return "Not authorized";
    case ReasonCode::kServerUnavailable:
      return "Server unavailable";
    case ReasonCode::kServerBusy:
      return "Server busy";
    case ReasonCode::kBanned:
      return "Banned";
    case ReasonCode::kServerShuttingDown:
      return "Server shutting down";
    case ReasonCode::kBadAuthenticationMethod:
      return "Bad authentication method";
    case ReasonCode::kKeepAliveTimeout:
      return "Keep Alive timeout";
    case ReasonCode::kSessionTakenOver:
      return "Session taken over";
    case ReasonCode::kTopicFilterInvalid:
      return "Topic Filter invalid";
    case ReasonCode::kTopicNameInvalid:
      return "Topic Name invalid";
    case ReasonCode::kPacketIdentifierInUse:
      return "Packet Identifier in use";
    case ReasonCode::kPacketIdentifierNotFound:
      return "Packet Identifier not found";
    case ReasonCode::kReceiveMaximumExceeded:
      return "Receive Maximum exceeded";
    case ReasonCode::kTopicAliasInvalid:
      return "Topic Alias invalid";
    case ReasonCode::kPacketTooLarge:
      return "Packet too large";
    case ReasonCode::kMessageRateTooHigh:
      return "Message rate too high";
    case ReasonCode::kQuotaExceeded:
      return "Quota exceeded";
    case ReasonCode::kAdministrativeAction:
      return "Administrative action";
    case ReasonCode::kPayloadFormatInvalid:
      return "Payload format invalid";
    case ReasonCode::kRetainNotSupported:
      return "Retain not supported";
    case ReasonCode::kQoSNotSupported:
      return "QoS not supported";
    case ReasonCode::kUseAnotherServer:
      return "Use another server";
    case ReasonCode::kServerMoved:
      return "Server moved";
    case ReasonCode::kSharedSubscriptionsNotSupported:
      return "Shared Subscriptions not supported";
    case ReasonCode::kConnectionRateExceeded:
      return "Connection rate exceeded";
    case ReasonCode::kMaximumConnectTime:
      return "Maximum connect time";
    case ReasonCode::kSubscriptionIdentifiersNotSupported:
      return "Subscription Identifiers not supported";
    case ReasonCode::kWildcardSubscriptionsNotSupported:
      return "Wildcard Subscriptions not supported";
  }
  return "Unknown reason code";
}

ConnackReturnCode311 to_connack_return_code_311(ReasonCode code) {
  switch (code) {
    case ReasonCode::kSuccess:
      return ConnackReturnCode311::kAccepted;
    case ReasonCode::kUnsupportedProtocolVersion:
      return ConnackReturnCode311::kUnacceptableProtocolVersion;
    case ReasonCode::kClientIdentifierNotValid:
      return ConnackReturnCode311::kIdentifierRejected;
    case ReasonCode::kBadUserNameOrPassword:
    case ReasonCode::kBadAuthenticationMethod:
      return ConnackReturnCode311::kBadUserNameOrPassword;
    case ReasonCode::kNotAuthorized:
    case ReasonCode::kBanned:
      return ConnackReturnCode311::kNotAuthorized;
    default:
      // Server unavailable, busy, moved, rate exceeded and every other failure: 3.1.1 has no
      // finer code, and "server unavailable" tells the client to try again later.
      return ConnackReturnCode311::kServerUnavailable;
  }
}

// Reason codes each v5 packet may carry (spec §2.4 and each packet's reason code table).
bool is_allowed_reason(PacketType type, std::uint8_t code) {
  using R = ReasonCode;
  auto in = [code](std::initializer_list<ReasonCode> codes) {
    for (ReasonCode c : codes) {
      if (static_cast<std::uint8_t>(c) == code) return true;
    }
    return false;
  };
  switch (type) {
    case PacketType::kConnack:
      return in({R::kSuccess,
                 R::kUnspecifiedError,
                 R::kMalformedPacket,
                 R::kProtocolError,
                 R::kImplementationSpecificError,
                 R::kUnsupportedProtocolVersion,
                 R::kClientIdentifierNotValid,
                 R::kBadUserNameOrPassword,
                 R::kNotAuthorized,
                 R::kServerUnavailable,
                 R::kServerBusy,
                 R::kBanned,
                 R::kBadAuthenticationMethod,
                 R::kTopicNameInvalid,
                 R::kPacketTooLarge,
                 R::kQuotaExceeded,
                 R::kPayloadFormatInvalid,
                 R::kRetainNotSupported,
                 R::kQoSNotSupported,
                 R::kUseAnotherServer,
                 R::kServerMoved,
                 R::kConnectionRateExceeded});
    case PacketType::kPuback:
    case PacketType::kPubrec:
      return in({R::kSuccess, R::kNoMatchingSubscribers, R::kUnspecifiedError,
                 R::kImplementationSpecificError, R::kNotAuthorized, R::kTopicNameInvalid,
                 R::kPacketIdentifierInUse, R::kQuotaExceeded, R::kPayloadFormatInvalid});
    case PacketType::kPubrel:
    case PacketType::kPubcomp:
      return in({R::kSuccess, R::kPacketIdentifierNotFound});
    case PacketType::kSuback:
      return in({R::kSuccess, R::kGrantedQoS1, R::kGrantedQoS2, R::kUnspecifiedError,
                 R::kImplementationSpecificError, R::kNotAuthorized, R::kTopicFilterInvalid,
                 R::kPacketIdentifierInUse, R::kQuotaExceeded, R::kSharedSubscriptionsNotSupported,
                 R::kSubscriptionIdentifiersNotSupported, R::kWildcardSubscriptionsNotSupported});
    case PacketType::kUnsuback:
      return in({R::kSuccess, R::kNoSubscriptionExisted, R::kUnspecifiedError,
                 R::kImplementationSpecificError, R::kNotAuthorized, R::kTopicFilterInvalid,
                 R::kPacketIdentifierInUse});
    case PacketType::kDisconnect:
      return in({R::kSuccess,
                 R::kDisconnectWithWillMessage,
                 R::kUnspecifiedError,
                 R::kMalformedPacket,
                 R::kProtocolError,
                 R::kImplementationSpecificError,
                 R::kNotAuthorized,
                 R::kServerBusy,
                 R::kServerShuttingDown,
                 R::kKeepAliveTimeout,
                 R::kSessionTakenOver,
                 R::kTopicFilterInvalid,
                 R::kTopicNameInvalid,
                 R::kReceiveMaximumExceeded,
                 R::kTopicAliasInvalid,
                 R::kPacketTooLarge,
                 R::kMessageRateTooHigh,
                 R::kQuotaExceeded,
                 R::kAdministrativeAction,
                 R::kPayloadFormatInvalid,
                 R::kRetainNotSupported,
                 R::kQoSNotSupported,
                 R::kUseAnotherServer,
                 R::kServerMoved,
                 R::kSharedSubscriptionsNotSupported,
                 R::kConnectionRateExceeded,
                 R::kMaximumConnectTime,
                 R::kSubscriptionIdentifiersNotSupported,
                 R::kWildcardSubscriptionsNotSupported});
    case PacketType::kAuth:
      return in({R::kSuccess, R::kContinueAuthentication, R::kReAuthenticate});
    default:
      return false;
  }
}

// Maps a v3.1.1 CONNACK return code (spec 3.1.1 §3.2.2.3) to the v5 reason code it means.
ReasonCode from_connack_return_code_311(std::uint8_t code) {
  switch (code) {
    case 0:
      return ReasonCode::kSuccess;
    case 1:
      return ReasonCode::kUnsupportedProtocolVersion;
    case 2:
      return ReasonCode::kClientIdentifierNotValid;
    case 3:
      return ReasonCode::kServerUnavailable;
    case 4:
      return ReasonCode::kBadUserNameOrPassword;
    default:
      return ReasonCode::kNotAuthorized;
  }
}

}  // namespace trustmq::mqtt

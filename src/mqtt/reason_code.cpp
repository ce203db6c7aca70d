#include "mqtt/reason_code.h"

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

}  // namespace trustmq::mqtt

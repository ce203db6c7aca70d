// Attestation over MQTT 5 enhanced authentication, method trustmq-attest-v1
// (docs/attestation.md, "Post-handshake attestation"). At CONNECT the request in Authentication
// Data is answered in CONNACK; afterwards AUTH 0x19 (re-authenticate) is answered with AUTH
// 0x00 (MQTT 5 §4.12.1). The core never reads the request or the evidence: the host produces
// the evidence, bound to the connection's TLS session, which only it knows.
#include <string>

#include "mqtt/broker_state.h"

namespace trustmq::mqtt {
namespace {

// Takes one answer from the connection's evidence budget, after regaining what the time since
// the last refill earned (kEvidenceBurst at most). False when the budget is spent.
bool take_evidence_budget(Connection& c, TimeMs now) {
  if (now > c.evidence_budget_since) {
    const TimeMs earned = (now - c.evidence_budget_since) / kEvidenceRefillInterval;
    if (c.evidence_budget + earned >= kEvidenceBurst) {
      c.evidence_budget = kEvidenceBurst;
      c.evidence_budget_since = now;
    } else {
      c.evidence_budget += static_cast<std::uint32_t>(earned);
      c.evidence_budget_since += earned * kEvidenceRefillInterval;
    }
  }
  if (c.evidence_budget == 0) return false;
  --c.evidence_budget;
  return true;
}

}  // namespace

// Asks the host for evidence answering `request`. A failure is counted; evidence larger than an
// answer may carry (kMaxEvidenceAnswerSize) is a failure too, logged with its size.
EvidenceStatus Broker::State::produce_checked_evidence(Connection& c, ByteView request,
                                                       bool client_authenticated, Bytes& evidence) {
  EvidenceStatus status = host_.produce_evidence(c.id, request, client_authenticated, evidence);
  if (status == EvidenceStatus::kProduced && evidence.size() > kMaxEvidenceAnswerSize) {
    log(LogLevel::kWarning, "attestation: evidence of " + std::to_string(evidence.size()) +
                                " bytes is larger than an answer may carry (" +
                                std::to_string(kMaxEvidenceAnswerSize) + ")");
    status = EvidenceStatus::kFailed;
  }
  if (status != EvidenceStatus::kProduced) attestation_counters_.count_failure(status);
  return status;
}

// Returns false after refusing the CONNECT; `evidence` is set when the method was asked for,
// `client_claims` when the client presented its own evidence and it was accepted.
bool Broker::State::attest_at_connect(Connection& c, const ConnectPacket& p, TimeMs now,
                                      bool client_authenticated, std::optional<Bytes>& evidence,
                                      std::optional<ClientClaims>& client_claims) {
  if (!is_v5(p.version) || !p.properties.authentication_method) return true;
  // identify_client has refused every other method.
  static const Bytes kNoRequest;
  const Bytes& data =
      p.properties.authentication_data ? *p.properties.authentication_data : kNoRequest;
  ByteView request(data);
  if (!data.empty() && data[0] == kClientEvidenceMarker) {
    // 0x00 || opaque broker_request<0..255> || AttestationEvidence (attestation_method.h).
    if (data.size() < 2 || data.size() < 2u + data[1] + 1u) {
      count_client_refusal(ClientEvidenceStatus::kMalformed, "");
      reject_connect(c, ReasonCode::kProtocolError,
                     "attestation at connect: malformed client evidence envelope");
      return false;
    }
    request = ByteView(data).subspan(2, data[1]);
    ClientClaims claims;
    if (!verify_client_at_connect(c, ByteView(data).subspan(2u + data[1]), claims)) return false;
    client_claims = std::move(claims);
    c.attest_method = true;
    c.evidence_budget -= 1;
    c.evidence_budget_since = now;
    if (request.empty()) {
      evidence = Bytes{};  // CONNACK names the method, carries no broker evidence
      return true;
    }
  }
  Bytes produced;
  const EvidenceStatus status =
      produce_checked_evidence(c, request, client_authenticated, produced);
  if (status != EvidenceStatus::kProduced) {
    reject_connect(c, reason_for(status),
                   "attestation at connect: " + std::string(evidence_status_name(status)));
    return false;
  }
  ++attestation_counters_.at_connect;
  c.attest_method = true;
  if (c.evidence_budget > 0) c.evidence_budget -= 1;
  c.evidence_budget_since = now;
  evidence = std::move(produced);
  return true;
}

HandlerResult Broker::State::handle_auth(Connection& c, const AuthPacket& p, TimeMs now) {
  // MQTT-4.12.0-7: no AUTH from a client that named no method in CONNECT.
  if (!c.attest_method) {
    return Violation{ReasonCode::kProtocolError, "AUTH without an authentication method"};
  }
  if (p.properties.authentication_method != kAttestAuthenticationMethod) {
    return Violation{ReasonCode::kProtocolError, "re-authentication changed the method"};
  }
  // An attested client answers the broker's challenge with AUTH 0x18 (the only continuation
  // this method has); anything else while the answer is due is out of place.
  if (c.awaiting_client_evidence) {
    if (p.reason != ReasonCode::kContinueAuthentication) {
      return Violation{ReasonCode::kProtocolError,
                       "AUTH other than continue while client evidence is due"};
    }
    return finish_client_reattestation(c, p);
  }
  // MQTT-4.12.1-1/-2: a client starts re-authentication with 0x19 and the same method; 0x18
  // without a challenge outstanding (a replayed answer, say) or 0x00 is out of place.
  if (p.reason != ReasonCode::kReAuthenticate) {
    return Violation{ReasonCode::kProtocolError, "AUTH other than re-authenticate"};
  }
  const bool client_reattestation =
      p.properties.authentication_data && p.properties.authentication_data->size() == 1 &&
      (*p.properties.authentication_data)[0] == kClientReattestationMarker;
  if (!take_evidence_budget(c, now)) {
    attestation_counters_.count_rate_limited();
    return Violation{ReasonCode::kMessageRateTooHigh,
                     "re-attestation asked more than " + std::to_string(kEvidenceBurst) +
                         " times in a row, and more often than once per " +
                         std::to_string(kEvidenceRefillInterval) + " ms"};
  }
  if (client_reattestation) return start_client_reattestation(c, now);
  static const Bytes kNoRequest;
  const Bytes& request =
      p.properties.authentication_data ? *p.properties.authentication_data : kNoRequest;
  Bytes evidence;
  // The client was admitted; whether it proved an identity does not change here.
  const EvidenceStatus status = produce_checked_evidence(c, request, true, evidence);
  if (status != EvidenceStatus::kProduced) {
    // MQTT-4.12.1: a failed re-authentication ends with DISCONNECT and the reason. 0x8C is no
    // DISCONNECT reason code (MQTT 5 §3.14.2.1): "unsupported" is 0x80 there.
    const ReasonCode reason =
        status == EvidenceStatus::kUnsupported ? ReasonCode::kUnspecifiedError : reason_for(status);
    return Violation{reason, "re-attestation: " + std::string(evidence_status_name(status))};
  }
  ++attestation_counters_.reattestations;
  AuthPacket answer;
  answer.reason = ReasonCode::kSuccess;
  answer.properties.authentication_method = std::string(kAttestAuthenticationMethod);
  answer.properties.authentication_data = std::move(evidence);
  send_packet(c, answer);
  return std::nullopt;
}

}  // namespace trustmq::mqtt

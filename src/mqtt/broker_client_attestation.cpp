// Attested clients over method trustmq-attest-v1 (docs/attestation.md, "Attested clients"):
// the client's evidence at CONNECT, and re-attestation by challenge (AUTH 0x19 → AUTH 0x18
// with the broker's nonce → AUTH 0x18 with evidence → AUTH 0x00, or DISCONNECT). The host
// verifies (BrokerHost::attest_client); the core keeps the claims on the session, where the
// ACL's claim blocks read them, and withdraws them the moment a re-attestation fails.
#include <algorithm>
#include <string>
#include <vector>

#include "mqtt/broker_state.h"

namespace trustmq::mqtt {
namespace {

std::string_view as_text(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The reason of a refusal: the host words it "reason-name: details"; the name must be a short
// [a-z-] word (anything else counts as "other", so a host cannot create topics at will).
std::string refusal_name(std::string_view detail) {
  const std::size_t colon = detail.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 32) return "other";
  for (char ch : detail.substr(0, colon)) {
    if (!((ch >= 'a' && ch <= 'z') || ch == '-')) return "other";
  }
  return std::string(detail.substr(0, colon));
}

ReasonCode connack_reason(ClientEvidenceStatus status) {
  switch (status) {
    case ClientEvidenceStatus::kUnsupported:
      return ReasonCode::kBadAuthenticationMethod;
    case ClientEvidenceStatus::kMalformed:
      return ReasonCode::kProtocolError;
    case ClientEvidenceStatus::kRefused:
      return ReasonCode::kNotAuthorized;
    case ClientEvidenceStatus::kAccepted:
    case ClientEvidenceStatus::kChallenge:
      break;
  }
  return ReasonCode::kUnspecifiedError;
}

// DISCONNECT has no 0x8C (MQTT 5 §3.14.2.1): "unsupported" is 0x80 there.
ReasonCode disconnect_reason(ClientEvidenceStatus status) {
  return status == ClientEvidenceStatus::kUnsupported ? ReasonCode::kUnspecifiedError
                                                      : connack_reason(status);
}

}  // namespace

void Broker::State::count_client_refusal(ClientEvidenceStatus status, std::string_view detail) {
  switch (status) {
    case ClientEvidenceStatus::kUnsupported:
      attestation_counters_.count_client_refusal("unsupported");
      return;
    case ClientEvidenceStatus::kMalformed:
      attestation_counters_.count_client_refusal("malformed");
      return;
    case ClientEvidenceStatus::kRefused:
      attestation_counters_.count_client_refusal(refusal_name(detail));
      return;
    case ClientEvidenceStatus::kAccepted:
    case ClientEvidenceStatus::kChallenge:
      attestation_counters_.count_client_refusal("failed");
      return;
  }
}

// Asks the host to verify client evidence at `step`. kAccepted: `claims` holds what it proved.
// Otherwise the refusal is counted and returned (kChallenge standing for claims that do not
// decode), with the host's reason in `detail`.
ClientEvidenceStatus Broker::State::verify_client_evidence(Connection& c, ClientEvidenceStep step,
                                                           ByteView evidence, ClientClaims& claims,
                                                           std::string& detail) {
  Bytes output;
  const ClientEvidenceStatus status = host_.attest_client(c.id, step, evidence, output);
  if (output.size() > kMaxClientAttestationOutput) output.resize(kMaxClientAttestationOutput);
  if (status == ClientEvidenceStatus::kAccepted && decode_client_claims(output, claims)) {
    return status;
  }
  const ClientEvidenceStatus failed =
      status == ClientEvidenceStatus::kAccepted ? ClientEvidenceStatus::kChallenge : status;
  detail = status == ClientEvidenceStatus::kAccepted ? "the host's claims do not decode"
                                                     : std::string(as_text(output));
  count_client_refusal(failed, detail);
  return failed;
}

bool Broker::State::verify_client_at_connect(Connection& c, ByteView client_evidence,
                                             ClientClaims& claims) {
  std::string detail;
  const ClientEvidenceStatus status =
      verify_client_evidence(c, ClientEvidenceStep::kAtConnect, client_evidence, claims, detail);
  if (status == ClientEvidenceStatus::kAccepted) {
    ++attestation_counters_.clients_accepted;
    return true;
  }
  reject_connect(c, connack_reason(status),
                 "client attestation " + std::string(client_evidence_status_name(status)) +
                     (detail.empty() ? std::string() : ": " + detail));
  return false;
}

HandlerResult Broker::State::start_client_reattestation(Connection& c, TimeMs now) {
  Bytes challenge;
  const ClientEvidenceStatus status =
      host_.attest_client(c.id, ClientEvidenceStep::kChallenge, {}, challenge);
  if (status != ClientEvidenceStatus::kChallenge || challenge.empty() ||
      challenge.size() > kMaxClientAttestationOutput) {
    const ClientEvidenceStatus failed =
        status == ClientEvidenceStatus::kChallenge ? ClientEvidenceStatus::kAccepted : status;
    count_client_refusal(failed, as_text(challenge));
    if (c.session != nullptr) c.session->claims.clear();
    return Violation{disconnect_reason(failed),
                     "client re-attestation: no challenge (" +
                         std::string(client_evidence_status_name(status)) + ")"};
  }
  AuthPacket answer;
  answer.reason = ReasonCode::kContinueAuthentication;
  answer.properties.authentication_method = std::string(kAttestAuthenticationMethod);
  answer.properties.authentication_data = std::move(challenge);
  c.awaiting_client_evidence = true;
  c.client_evidence_deadline =
      now + TimeMs{std::max<std::uint32_t>(config_.client_reattestation_timeout_seconds, 1)} * 1000;
  send_packet(c, answer);
  return std::nullopt;
}

HandlerResult Broker::State::finish_client_reattestation(Connection& c, const AuthPacket& p) {
  c.awaiting_client_evidence = false;
  static const Bytes kNone;
  const Bytes& evidence =
      p.properties.authentication_data ? *p.properties.authentication_data : kNone;
  ClientClaims claims;
  std::string detail;
  const ClientEvidenceStatus status =
      verify_client_evidence(c, ClientEvidenceStep::kAnswer, evidence, claims, detail);
  if (status == ClientEvidenceStatus::kAccepted) {
    ++attestation_counters_.client_reattestations;
    log(LogLevel::kInfo,
        "Client " + c.client_id + " re-attested: " + describe_client_claims(claims));
    if (c.session != nullptr) c.session->claims = std::move(claims);
    AuthPacket answer;
    answer.reason = ReasonCode::kSuccess;
    answer.properties.authentication_method = std::string(kAttestAuthenticationMethod);
    send_packet(c, answer);
    return std::nullopt;
  }
  // The claims go before anything else can use them; MQTT 5 §4.12.1: a failed
  // re-authentication ends the connection.
  if (c.session != nullptr) c.session->claims.clear();
  log(LogLevel::kNotice,
      "Client " + c.client_id + " failed re-attestation, its claims are withdrawn: " + detail);
  return Violation{
      disconnect_reason(status),
      "client re-attestation " + std::string(client_evidence_status_name(status)) + ": " + detail};
}

// A challenge nobody answers must not leave the claims in place: past the deadline (found by
// check_connection_deadlines) the claims go first, then the connection (0x87 Not authorized:
// the client no longer proves what its claims say), counted as the refusal "answer-timeout".
void Broker::State::withdraw_unanswered_claims(Connection& c, TimeMs now) {
  c.awaiting_client_evidence = false;
  if (c.session != nullptr) c.session->claims.clear();
  attestation_counters_.count_client_refusal("answer-timeout");
  violation(c, ReasonCode::kNotAuthorized,
            "client re-attestation not answered within " +
                std::to_string(config_.client_reattestation_timeout_seconds) +
                " s, its claims are withdrawn",
            now);
}

}  // namespace trustmq::mqtt

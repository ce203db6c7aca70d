// What the core counts of attestation, published under $SYS/broker/attestation/ next to what
// the broker serves (its evidence types and module measurement): counts and public values
// only, never evidence, nonces or keys (docs/attestation.md, "$SYS counters").
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/attestation_method.h"
#include "mqtt/sys_topics.h"

namespace trustmq::mqtt {

struct AttestationCounters {
  std::uint64_t handshakes_attested = 0;  // connections whose TLS handshake carried evidence
  std::uint64_t at_connect = 0;           // evidence sent in CONNACK (trustmq-attest-v1)
  std::uint64_t reattestations = 0;       // evidence sent in AUTH 0x00
  std::uint64_t rate_limited = 0;         // AUTH 0x19 sooner than kMinReattestationInterval: closed
  std::array<std::uint64_t, kMaxEvidenceStatus + 1> failures{};  // by EvidenceStatus

  // Attested clients (their own evidence, docs/attestation.md "Attested clients").
  std::uint64_t clients_accepted = 0;       // client evidence accepted at CONNECT
  std::uint64_t client_reattestations = 0;  // client re-attestations accepted
  // Refusals by reason ("unsupported", "malformed", the verifier's error name such as
  // "binding-mismatch"); at most kMaxClientRefusalReasons names, then "other".
  std::map<std::string, std::uint64_t, std::less<>> client_refusals;
  static constexpr std::size_t kMaxClientRefusalReasons = 32;

  bool any() const;
  void count_client_refusal(std::string_view reason);
  void count_failure(EvidenceStatus status) { ++failures[static_cast<std::size_t>(status)]; }
  void count_rate_limited() { ++rate_limited; }
};

// What the broker serves as evidence (BrokerConfig::served_evidence_types, module_measurement).
struct ServedEvidence {
  const std::vector<std::string>& types;  // empty: no listener serves evidence
  std::string_view module_measurement;    // lower-case hex; empty: unknown
};

// Appends the $SYS/broker/attestation/... topics when a listener serves evidence or anything
// was counted (a broker that has nothing to do with attestation publishes none of them).
void append_attestation_sys_topics(const AttestationCounters& counters,
                                   const ServedEvidence& served, std::vector<SysTopic>& topics);

}  // namespace trustmq::mqtt

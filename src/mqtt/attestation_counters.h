// What the core counts of attestation, published under $SYS/broker/attestation/ (counts only,
// never evidence, nonces or measurements; docs/attestation.md, "$SYS counters").
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

// Appends the $SYS/broker/attestation/... topics once anything was counted (a broker that
// never saw attestation publishes none of them).
void append_attestation_sys_topics(const AttestationCounters& counters,
                                   std::vector<SysTopic>& topics);

}  // namespace trustmq::mqtt

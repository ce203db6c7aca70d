#include "mqtt/attestation_counters.h"

#include <string>

namespace trustmq::mqtt {

void AttestationCounters::count_client_refusal(std::string_view reason) {
  auto it = client_refusals.find(reason);
  if (it == client_refusals.end()) {
    if (client_refusals.size() >= kMaxClientRefusalReasons) reason = "other";
    it = client_refusals.try_emplace(std::string(reason), 0).first;
  }
  ++it->second;
}

bool AttestationCounters::any() const {
  if (handshakes_attested != 0 || at_connect != 0 || reattestations != 0 || rate_limited != 0 ||
      clients_accepted != 0 || client_reattestations != 0 || !client_refusals.empty()) {
    return true;
  }
  for (std::uint64_t f : failures) {
    if (f != 0) return true;
  }
  return false;
}

void append_attestation_sys_topics(const AttestationCounters& counters,
                                   const ServedEvidence& served, std::vector<SysTopic>& topics) {
  if (served.types.empty() && !counters.any()) return;
  const std::string base = "$SYS/broker/attestation/";
  std::string types;
  for (const std::string& type : served.types) {
    if (!types.empty()) types += ',';
    types += type;
  }
  topics.push_back({base + "evidence/types", types.empty() ? std::string("none") : types});
  topics.push_back({base + "evidence/module-measurement", std::string(served.module_measurement)});
  topics.push_back({base + "handshakes/attested", decimal(counters.handshakes_attested)});
  topics.push_back({base + "connect/attested", decimal(counters.at_connect)});
  topics.push_back({base + "reattestations", decimal(counters.reattestations)});
  topics.push_back({base + "failures/rate-limited", decimal(counters.rate_limited)});
  for (std::uint8_t s = 1; s <= kMaxEvidenceStatus; ++s) {
    const auto status = static_cast<EvidenceStatus>(s);
    std::string name(evidence_status_name(status));
    for (char& ch : name) {
      if (ch == ' ') ch = '-';
    }
    topics.push_back({base + "failures/" + name, decimal(counters.failures[s])});
  }
  topics.push_back({base + "clients/accepted", decimal(counters.clients_accepted)});
  topics.push_back({base + "clients/reattested", decimal(counters.client_reattestations)});
  for (const auto& [reason, count] : counters.client_refusals) {
    topics.push_back({base + "clients/refused/" + reason, decimal(count)});
  }
}

}  // namespace trustmq::mqtt

#include "mqtt/attestation_counters.h"

#include <string>

namespace trustmq::mqtt {

bool AttestationCounters::any() const {
  if (handshakes_attested != 0 || at_connect != 0 || reattestations != 0 || rate_limited != 0) {
    return true;
  }
  for (std::uint64_t f : failures) {
    if (f != 0) return true;
  }
  return false;
}

void append_attestation_sys_topics(const AttestationCounters& counters,
                                   std::vector<SysTopic>& topics) {
  if (!counters.any()) return;
  const std::string base = "$SYS/broker/attestation/";
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
}

}  // namespace trustmq::mqtt

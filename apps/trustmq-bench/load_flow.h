// One bounded load against one broker: P publishers and S subscribers on a single epoll loop
// (one thread, so the tool needs one core), publishing timestamped payloads at a fixed rate or
// as fast as a window of undelivered messages allows, for a warm-up and then a measured
// interval, then draining. Counts what was published, expected and delivered, the drops, the
// end-to-end latency of every message delivered in the measured interval, and the broker's CPU
// time over that interval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_socket.h"
#include "broker_process.h"

namespace trustmq::bench {

enum class Pattern : std::uint8_t {
  kOneTopic,  // every publisher → one topic, every subscriber subscribes to it
  kPairs,     // publisher i → subscriber i (P == S)
  kShared,    // every publisher → one topic; subscribers share one `$share/bench/…` group
};

struct FlowSpec {
  Security security = Security::kPlain;
  int qos = 0;
  std::size_t payload = 100;  // bytes, at least 20 (timestamp, publisher, sequence)
  int publishers = 1;
  int subscribers = 1;
  Pattern pattern = Pattern::kOneTopic;
  double rate_per_publisher = 0;  // msg/s; 0: as fast as the window allows
  // Unthrottled: undelivered bytes allowed per subscriber (kept under the broker's queues, so
  // a broker that does not drop never has to). 0: no window — flood, as fast as the
  // publishers' sockets take it (drops then show what the broker discards).
  std::size_t window_bytes_per_subscriber = 512 * 1024;
  double warmup_seconds = 1;
  double seconds = 5;
  double drain_seconds = 3;  // after the measured interval, wait this long at most
  bool keep_latencies = true;
  // Subscribers connect with clean session false (a durable session): a broker with
  // persistence stores every QoS 1/2 message routed to them (case persistence).
  bool persistent_subscribers = false;
};

struct FlowResult {
  double elapsed = 0;           // measured seconds
  std::uint64_t published = 0;  // in the measured interval
  std::uint64_t delivered = 0;  // in the measured interval
  std::uint64_t published_total = 0;
  std::uint64_t expected_total = 0;  // deliveries owed for everything published
  std::uint64_t delivered_total = 0;
  std::uint64_t dropped = 0;  // expected_total − delivered_total after the drain
  double broker_cpu_seconds = 0;
  std::vector<double> latencies_us;  // messages sent and delivered in the measured interval
  std::string error;                 // non-empty: the run failed (connection lost, …)

  double rate() const { return elapsed > 0 ? static_cast<double>(delivered) / elapsed : 0; }
  double cpu_us_per_message() const {
    return delivered > 0 ? 1e6 * broker_cpu_seconds / static_cast<double>(delivered) : 0;
  }
};

FlowResult run_flow(BrokerProcess& broker, const ClientTlsContext* tls, const FlowSpec& spec);

}  // namespace trustmq::bench

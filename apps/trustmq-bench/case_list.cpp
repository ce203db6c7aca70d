// Every case of trustmq-bench, in the order they run. Add a case: write case_NAME.cpp with one
// `void run_NAME_case(BenchContext&)`, declare it and list it here.
#include "bench_context.h"

namespace trustmq::bench {

void run_throughput_case(BenchContext& context);
void run_connection_latency_case(BenchContext& context);
void run_latency_case(BenchContext& context);
void run_subscriber_scaling_case(BenchContext& context);
void run_publisher_scaling_case(BenchContext& context);
void run_connections_case(BenchContext& context);
void run_persistence_case(BenchContext& context);
void run_recovery_case(BenchContext& context);

const std::vector<BenchCase>& all_cases() {
  static const std::vector<BenchCase> cases = {
      {"connections",
       "case 1: connection latency (TCP + TLS + CONNECT/CONNACK; ECDHE, PSK, ± attestation)",
       run_connection_latency_case},
      {"throughput",
       "case 5: peak delivered throughput (QoS 0/1/2, plain/TLS, 1→1, fan-out, fan-in)",
       run_throughput_case},
      {"latency", "case 2: message latency vs rate (1→1 over TLS, 16 KiB)", run_latency_case},
      {"subscribers", "case 3: subscriber scaling, one shared subscription (25 msg/s, TLS)",
       run_subscriber_scaling_case},
      {"publishers", "case 4: publisher scaling (25 subscribers, 5 msg/s per publisher, TLS)",
       run_publisher_scaling_case},
      {"idle", "case 6: connect rate and broker memory per idle connection (plain, TLS)",
       run_connections_case},
      {"persistence",
       "persistent QoS 1 throughput 1→1 (persistence off / sync / interval; mosquitto off / on)",
       run_persistence_case},
      {"recovery", "restart with N stored QoS 1 messages (200 000 in the full profile)",
       run_recovery_case},
  };
  return cases;
}

}  // namespace trustmq::bench

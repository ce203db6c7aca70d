// Every case of trustmq-bench, in the order they run. Add a case: write case_NAME.cpp with one
// `void run_NAME_case(BenchContext&)`, declare it and list it here.
#include "bench_context.h"

namespace trustmq::bench {

void run_throughput_case(BenchContext& context);
void run_latency_case(BenchContext& context);

const std::vector<BenchCase>& all_cases() {
  static const std::vector<BenchCase> cases = {
      {"throughput",
       "case 5: peak delivered throughput (QoS 0/1/2, plain/TLS, 1→1, fan-out, fan-in)",
       run_throughput_case},
      {"latency", "case 2: message latency vs rate (1→1 over TLS, 16 KiB)", run_latency_case},
  };
  return cases;
}

}  // namespace trustmq::bench

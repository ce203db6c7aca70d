// A series of loads that differ in one number (subscribers, publishers) run against every
// target, interleaved by round: CSV rows, a summary table (delivered rate, drops, latency,
// broker CPU per message, ratio to mosquitto-nodelay) and plots of p50 latency and CPU per
// message against that number. Cases 3 and 4 are such series.
#pragma once

#include <string>
#include <vector>

#include "bench_context.h"
#include "load_flow.h"

namespace trustmq::bench {

struct ScalingSeries {
  std::string id;       // file names: <id>.csv, <id>_p50.png, <id>_cpu.png
  std::string title;    // summary heading
  std::string x_name;   // "subscribers", "publishers"
  std::vector<int> xs;  // the values of x
  // The load for one value of x.
  FlowSpec (*spec_for)(int x, const BenchContext& context);
  double seconds = 3;
  int rounds = 1;
};

void run_scaling_series(BenchContext& context, const ScalingSeries& series);

}  // namespace trustmq::bench

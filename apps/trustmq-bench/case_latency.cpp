// Case 2 (the paper's figure): end-to-end latency vs publish rate, 1 publisher → 1 subscriber
// over TLS 1.3 (TLS_AES_128_GCM_SHA256), QoS 0, 16 KiB payloads (--payload). The send time
// (CLOCK_MONOTONIC) travels in the payload; publisher and subscriber live in the same process.
// Rates 1, 10, 50, 100, 200, 1000 msg/s, then unthrottled (window-limited). trustmq targets
// also run with attested TLS, for the paper's trusted/native ratio (wasm-aot + attested TLS vs
// native + TLS).
#include <map>
#include <tuple>

#include "bench_context.h"
#include "csv_file.h"
#include "load_flow.h"
#include "stats.h"

namespace trustmq::bench {

void run_latency_case(BenchContext& context) {
  const Profile profile = context.options.profile;
  std::vector<double> rates = {1, 10, 50, 100, 200, 1000, 0};
  if (profile == Profile::kQuick) rates = {10, 100, 1000, 0};
  if (profile == Profile::kSmoke) rates = {100, 0};
  const int rounds = context.rounds(1, 1, 2);
  const double seconds = context.seconds(0.5, 1.5, 2);
  // Full profile: enough messages at the slow rates for a median (10 at 1 msg/s, 50 at 10).
  const auto seconds_at = [&](double rate) {
    if (profile != Profile::kFull || context.options.seconds > 0) return seconds;
    return rate == 1 ? 10.0 : rate == 10 ? 5.0 : seconds;
  };
  const std::size_t payload = context.options.payload;

  CsvFile csv(
      context.options.results_dir + "/latency.csv",
      {"round", "target", "security", "payload", "rate", "seconds", "published", "delivered",
       "msgs_per_s", "dropped", "p50_us", "p90_us", "p99_us", "broker_cpu_us_per_msg", "error"});
  using Key = std::tuple<std::string, std::string, double>;  // target, security, rate
  std::map<Key, std::vector<std::tuple<double, double, double, double>>> results;
  std::vector<std::pair<Target, Security>> runs;
  for (const Target& t : context.options.targets) {
    runs.emplace_back(t, Security::kTls);
    if (!t.mosquitto && !context.files.trustmq_cli.empty()) {
      runs.emplace_back(t, Security::kTlsAttested);
    }
  }
  for (int round = 1; round <= rounds; ++round) {
    for (const double rate : rates) {
      for (const auto& [target, security] : runs) {
        if (target.engine == "wasm-interp" && rate == 0 && profile != Profile::kSmoke) continue;
        auto broker = start_broker(context, target);
        if (!broker) continue;
        FlowSpec spec;
        spec.security = security;
        spec.payload = payload;
        spec.rate_per_publisher = rate;
        spec.warmup_seconds = rate > 0 && rate < 10 ? 1.0 : 0.5;
        spec.seconds = seconds_at(rate);
        FlowResult r;
        try {
          r = run_flow(*broker, context.tls_for(security, *broker), spec);
        } catch (const std::exception& e) {
          r.error = e.what();
        }
        broker->stop();
        const double p50 = percentile(r.latencies_us, 0.5);
        const double p90 = percentile(r.latencies_us, 0.9);
        const double p99 = percentile(r.latencies_us, 0.99);
        const std::string rate_name = rate > 0 ? fixed(rate, 0) : "max";
        csv.row({std::to_string(round), target.name, security_name(security),
                 std::to_string(payload), rate_name, fixed(r.elapsed, 2),
                 std::to_string(r.published), std::to_string(r.delivered), fixed(r.rate(), 1),
                 std::to_string(r.dropped), fixed(p50, 1), fixed(p90, 1), fixed(p99, 1),
                 fixed(r.cpu_us_per_message(), 2), r.error.empty() ? "" : "\"" + r.error + "\""});
        context.progress("  [latency " + std::to_string(round) + "/" + std::to_string(rounds) +
                         "] " + rate_name + " msg/s " + target.name + " " +
                         security_name(security) + ": delivered " + fixed(r.rate(), 0) +
                         " msg/s, p50 " + fixed(p50, 0) + " µs, p99 " + fixed(p99, 0) +
                         " µs, dropped " + std::to_string(r.dropped) +
                         (r.error.empty() ? "" : ", ERROR: " + r.error));
        if (!r.error.empty() || r.delivered == 0) ++context.failed_runs;
        if (r.error.empty()) {
          results[{target.name, security_name(security), rate}].emplace_back(p50, p90, p99,
                                                                             r.rate());
        }
      }
    }
  }
  auto med = [&](const Key& k, int which) -> double {
    const auto it = results.find(k);
    if (it == results.end()) return -1;
    std::vector<double> v;
    for (const auto& t : it->second) {
      v.push_back(which == 0   ? std::get<0>(t)
                  : which == 1 ? std::get<1>(t)
                  : which == 2 ? std::get<2>(t)
                               : std::get<3>(t));
    }
    return median(v);
  };
  auto& s = context.summary;
  s.push_back("### Message latency vs rate (case 2): 1→1, TLS 1.3, QoS 0, " +
              std::to_string(payload) + " B, median of " + std::to_string(rounds) + " round(s), " +
              fixed(seconds, 1) + " s each" +
              (seconds_at(1) != seconds ? " (10 s at 1 msg/s, 5 s at 10 msg/s)" : ""));
  s.push_back("");
  s.push_back(
      "| rate (msg/s) | target | security | delivered msg/s | p50 µs | p90 µs | p99 µs | "
      "p50 × native+tls |");
  s.push_back("|---|---|---|---|---|---|---|---|");
  for (const double rate : rates) {
    const double native = med({"native", "tls", rate}, 0);
    for (const auto& [target, security] : runs) {
      const Key k{target.name, security_name(security), rate};
      if (med(k, 0) < 0) continue;
      s.push_back("| " + (rate > 0 ? fixed(rate, 0) : std::string("max")) + " | " + target.name +
                  " | " + security_name(security) + " | " + fixed(med(k, 3), 0) + " | " +
                  fixed(med(k, 0), 0) + " | " + fixed(med(k, 1), 0) + " | " + fixed(med(k, 2), 0) +
                  " | " + (native > 0 ? fixed(med(k, 0) / native, 2) : "-") + " |");
    }
  }
  s.push_back("");
  for (const int which : {0, 2}) {
    Plot plot;
    plot.name = which == 0 ? "latency_p50" : "latency_p99";
    plot.title = std::string(which == 0 ? "Median" : "99th percentile") +
                 " end-to-end latency, 1→1, TLS 1.3, QoS 0, " + std::to_string(payload) + " B";
    plot.xlabel = "publish rate (msg/s)";
    plot.ylabel = "latency (µs, log scale)";
    plot.log_y = true;
    for (const double rate : rates) plot.categories.push_back(rate > 0 ? fixed(rate, 0) : "max");
    for (const auto& [target, security] : runs) {
      PlotSeries series{target.name + " " + security_name(security), {}};
      for (const double rate : rates) {
        series.y.push_back(med({target.name, security_name(security), rate}, which));
      }
      plot.series.push_back(std::move(series));
    }
    context.plots.push_back(std::move(plot));
  }
  s.push_back(
      "The paper's trusted/native ratio, ours: p50 of wasm-aot + tls+attest over p50 of "
      "native + tls, per rate (column \"p50 × native+tls\", row wasm-aot tls+attest).");
  s.push_back("");
  for (const Target& t : context.options.targets) {
    if (t.engine == "wasm-interp" && profile != Profile::kSmoke) {
      context.missing.push_back("latency: wasm-interp unthrottled (does not finish in time)");
    }
  }
}

}  // namespace trustmq::bench

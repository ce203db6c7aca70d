#include "scaling_series.h"

#include <map>
#include <tuple>

#include "csv_file.h"
#include "stats.h"

namespace trustmq::bench {

void run_scaling_series(BenchContext& context, const ScalingSeries& series) {
  CsvFile csv(context.options.results_dir + "/" + series.id + ".csv",
              {"round", "target", series.x_name, "security", "payload", "rate_per_publisher",
               "seconds", "published", "delivered", "msgs_per_s", "dropped", "p50_us", "p90_us",
               "p99_us", "broker_cpu_us_per_msg", "error"});
  // (target, x) -> per round (p50, p99, rate, cpu µs/msg, dropped)
  std::map<std::pair<std::string, int>,
           std::vector<std::tuple<double, double, double, double, double>>>
      results;
  for (int round = 1; round <= series.rounds; ++round) {
    for (const int x : series.xs) {
      for (const Target& target : context.options.targets) {
        if (target.engine == "wasm-interp" && context.options.profile != Profile::kSmoke) continue;
        auto broker = start_broker(context, target);
        if (!broker) continue;
        FlowSpec spec = series.spec_for(x, context);
        spec.seconds = series.seconds;
        FlowResult r;
        try {
          r = run_flow(*broker, context.tls_for(spec.security, *broker), spec);
        } catch (const std::exception& e) {
          r.error = e.what();
        }
        broker->stop();
        const double p50 = percentile(r.latencies_us, 0.5);
        const double p90 = percentile(r.latencies_us, 0.9);
        const double p99 = percentile(r.latencies_us, 0.99);
        csv.row({std::to_string(round), target.name, std::to_string(x),
                 security_name(spec.security), std::to_string(spec.payload),
                 fixed(spec.rate_per_publisher, 1), fixed(r.elapsed, 2),
                 std::to_string(r.published), std::to_string(r.delivered), fixed(r.rate(), 1),
                 std::to_string(r.dropped), fixed(p50, 1), fixed(p90, 1), fixed(p99, 1),
                 fixed(r.cpu_us_per_message(), 2), r.error.empty() ? "" : "\"" + r.error + "\""});
        context.progress(
            "  [" + series.id + " " + std::to_string(round) + "/" + std::to_string(series.rounds) +
            "] " + std::to_string(x) + " " + series.x_name + " " + target.name + ": delivered " +
            fixed(r.rate(), 0) + " msg/s, p50 " + fixed(p50, 0) + " µs, p99 " + fixed(p99, 0) +
            " µs, " + fixed(r.cpu_us_per_message(), 1) + " µs/msg, dropped " +
            std::to_string(r.dropped) + (r.error.empty() ? "" : ", ERROR: " + r.error));
        if (!r.error.empty() || r.delivered == 0) ++context.failed_runs;
        if (r.error.empty()) {
          results[{target.name, x}].emplace_back(p50, p99, r.rate(), r.cpu_us_per_message(),
                                                 static_cast<double>(r.dropped));
        }
      }
    }
  }
  auto med = [&](const std::string& target, int x, int which) -> double {
    const auto it = results.find({target, x});
    if (it == results.end()) return -1;
    std::vector<double> v;
    for (const auto& t : it->second) {
      v.push_back(which == 0   ? std::get<0>(t)
                  : which == 1 ? std::get<1>(t)
                  : which == 2 ? std::get<2>(t)
                  : which == 3 ? std::get<3>(t)
                               : std::get<4>(t));
    }
    return median(v);
  };
  auto& s = context.summary;
  s.push_back("### " + series.title + ", median of " + std::to_string(series.rounds) +
              " round(s), " + fixed(series.seconds, 1) + " s each");
  s.push_back("");
  s.push_back("| " + series.x_name +
              " | target | delivered msg/s | dropped | p50 µs | p99 µs | broker µs/msg | µs/msg × "
              "mosquitto-nodelay |");
  s.push_back("|---|---|---|---|---|---|---|---|");
  for (const int x : series.xs) {
    const double mosq = med("mosquitto-nodelay", x, 3);
    for (const Target& target : context.options.targets) {
      if (med(target.name, x, 2) < 0) continue;
      s.push_back("| " + std::to_string(x) + " | " + target.name + " | " +
                  fixed(med(target.name, x, 2), 0) + " | " + fixed(med(target.name, x, 4), 0) +
                  " | " + fixed(med(target.name, x, 0), 0) + " | " +
                  fixed(med(target.name, x, 1), 0) + " | " + fixed(med(target.name, x, 3), 2) +
                  " | " + (mosq > 0 ? fixed(med(target.name, x, 3) / mosq, 2) : "-") + " |");
    }
  }
  s.push_back("");
  for (const int which : {0, 3}) {
    Plot plot;
    plot.name = series.id + (which == 0 ? "_p50" : "_cpu");
    plot.title = series.title + (which == 0 ? ": median latency" : ": broker CPU per message");
    plot.xlabel = series.x_name;
    plot.ylabel =
        which == 0 ? "p50 latency (µs, log scale)" : "broker CPU µs per delivered message";
    plot.log_y = which == 0;
    for (const int x : series.xs) plot.categories.push_back(std::to_string(x));
    for (const Target& target : context.options.targets) {
      PlotSeries line{target.name, {}};
      for (const int x : series.xs) line.y.push_back(med(target.name, x, which));
      plot.series.push_back(std::move(line));
    }
    context.plots.push_back(std::move(plot));
  }
}

}  // namespace trustmq::bench

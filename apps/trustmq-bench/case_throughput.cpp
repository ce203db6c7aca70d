// Case 5: peak delivered throughput — QoS 0/1/2, 100 B and 16 KiB, plain and TLS, 1→1,
// fan-out 1→20, fan-in 20→1, and (full profile) 1 000 publisher/subscriber pairs. Unthrottled
// publishers limited by a window of undelivered messages; delivered messages counted at the
// subscribers, drops reported; broker CPU per delivered message from /proc/PID/stat.
#include <algorithm>
#include <map>
#include <tuple>

#include "bench_context.h"
#include "csv_file.h"
#include "load_flow.h"
#include "stats.h"

namespace trustmq::bench {
namespace {

struct Shape {
  const char* name;
  int publishers;
  int subscribers;
  Pattern pattern;
  bool flood = false;  // no window: publishers write as fast as their sockets take it
};

// The quick profile keeps 1→1 in full and samples the rest (QoS 0 over TLS).
bool in_quick_profile(const Shape& shape, std::size_t payload, int qos, Security security) {
  if (std::string(shape.name) == "1to1") return true;
  if (qos != 0 || security != Security::kTls) return false;
  return shape.flood || payload == 16384;
}

}  // namespace

void run_throughput_case(BenchContext& context) {
  const Profile profile = context.options.profile;
  const std::vector<Shape> all_shapes = {{"1to1", 1, 1, Pattern::kOneTopic},
                                         {"1to1flood", 1, 1, Pattern::kOneTopic, true},
                                         {"fanout1to20", 1, 20, Pattern::kOneTopic},
                                         {"fanin20to1", 20, 1, Pattern::kOneTopic},
                                         {"pairs1000", 1000, 1000, Pattern::kPairs}};
  std::vector<Shape> shapes(all_shapes.begin(), all_shapes.begin() + 1);
  if (profile != Profile::kSmoke) shapes.assign(all_shapes.begin(), all_shapes.begin() + 4);
  if (profile == Profile::kFull) shapes.push_back(all_shapes.back());
  std::vector<int> qoses = {0, 1, 2};
  std::vector<std::size_t> payloads = {100, 16384};
  std::vector<Security> securities = {Security::kPlain, Security::kTls};
  if (profile == Profile::kSmoke) {
    qoses = {0, 2};
    payloads = {16384};
  }
  const BenchOptions& o = context.options;
  if (!o.qos.empty()) qoses = o.qos;
  if (!o.payloads.empty()) payloads = o.payloads;
  if (!o.security.empty()) {
    securities.clear();
    for (const auto& name : o.security) {
      for (const Security candidate : {Security::kPlain, Security::kTls, Security::kPsk}) {
        if (name == security_name(candidate)) securities.push_back(candidate);
      }
    }
  }
  if (!o.shapes.empty()) {
    shapes = all_shapes;
    std::erase_if(shapes, [&](const Shape& shape) {
      return std::find(o.shapes.begin(), o.shapes.end(), shape.name) == o.shapes.end();
    });
  }
  // The full profile: every row on every target, 2 interleaved rounds of the quick profile's
  // length (about 25 minutes; docs/benchmarks.md gives the budget of each case).
  const int rounds = context.rounds(1, 1, 2);
  const double seconds = context.seconds(0.5, 1.5, 1.5);
  const double warmup = profile == Profile::kSmoke ? 0.2 : 0.5;
  const bool filtered =
      !o.qos.empty() || !o.payloads.empty() || !o.security.empty() || !o.shapes.empty();

  CsvFile csv(context.options.results_dir + "/throughput.csv",
              {"round", "target", "security", "qos", "payload", "shape", "publishers",
               "subscribers", "seconds", "published", "delivered", "msgs_per_s", "mib_per_s",
               "dropped", "broker_cpu_us_per_msg", "broker_busy_pct", "error"});
  // (shape, security, qos, payload, target) -> per-round (rate, µs/msg, dropped)
  using Key = std::tuple<std::string, std::string, int, std::size_t, std::string>;
  std::map<Key, std::vector<std::tuple<double, double, double>>> results;

  for (int round = 1; round <= rounds; ++round) {
    for (const Shape& shape : shapes) {
      for (const std::size_t payload : payloads) {
        for (const int qos : qoses) {
          for (const Security security : securities) {
            // Smoke: QoS 0 plain, QoS 2 TLS — both transports, both extremes of QoS.
            if (profile == Profile::kSmoke && (qos == 0) != (security == Security::kPlain)) {
              continue;
            }
            if (shape.flood && qos != 0) continue;  // QoS 1/2 publishers wait for acks anyway
            // 2 000 connections per run (12 s plain, up to 130 s with stock mosquitto's TLS):
            // the full profile measures the pairs at 100 B, QoS 0 and 1, in its first round.
            if (shape.pattern == Pattern::kPairs && !filtered &&
                (payload != 100 || qos == 2 || round > 1)) {
              continue;
            }
            if (profile == Profile::kQuick && !filtered &&
                !in_quick_profile(shape, payload, qos, security)) {
              continue;
            }
            for (const Target& target : context.options.targets) {
              if (target.engine == "wasm-interp" &&
                  (shape.publishers * shape.subscribers > 20 || profile == Profile::kQuick)) {
                continue;  // listed as missing below
              }
              auto broker = start_broker(context, target);
              if (!broker) continue;
              FlowSpec spec;
              spec.security = security;
              spec.qos = qos;
              spec.payload = payload;
              spec.publishers = shape.publishers;
              spec.subscribers = shape.subscribers;
              spec.pattern = shape.pattern;
              spec.warmup_seconds = warmup;
              spec.seconds = seconds;
              spec.keep_latencies = false;
              if (shape.flood) spec.window_bytes_per_subscriber = 0;
              if (o.window_kib >= 0) {
                spec.window_bytes_per_subscriber = static_cast<std::size_t>(o.window_kib) * 1024;
              }
              FlowResult r;
              try {
                r = run_flow(*broker, context.tls_for(security, *broker), spec);
              } catch (const std::exception& e) {
                r.error = e.what();
              }
              broker->stop();
              const double mib = r.rate() * static_cast<double>(payload) / (1024.0 * 1024.0);
              const double busy = r.elapsed > 0 ? 100 * r.broker_cpu_seconds / r.elapsed : 0;
              csv.row({std::to_string(round), target.name, security_name(security),
                       std::to_string(qos), std::to_string(payload), shape.name,
                       std::to_string(shape.publishers), std::to_string(shape.subscribers),
                       fixed(r.elapsed, 2), std::to_string(r.published),
                       std::to_string(r.delivered), fixed(r.rate(), 0), fixed(mib, 1),
                       std::to_string(r.dropped), fixed(r.cpu_us_per_message(), 2), fixed(busy, 0),
                       r.error.empty() ? "" : "\"" + r.error + "\""});
              context.progress(
                  "  [throughput " + std::to_string(round) + "/" + std::to_string(rounds) + "] " +
                  shape.name + " " + security_name(security) + " qos" + std::to_string(qos) + " " +
                  std::to_string(payload) + " B " + target.name + ": " + fixed(r.rate(), 0) +
                  " msg/s, " + fixed(r.cpu_us_per_message(), 2) + " µs/msg, busy " +
                  fixed(busy, 0) + " %, dropped " + std::to_string(r.dropped) +
                  (r.error.empty() ? "" : ", ERROR: " + r.error));
              if (!r.error.empty() || r.delivered == 0) ++context.failed_runs;
              if (r.error.empty()) {
                results[{shape.name, security_name(security), qos, payload, target.name}]
                    .emplace_back(r.rate(), r.cpu_us_per_message(), static_cast<double>(r.dropped));
              }
            }
          }
        }
      }
    }
  }

  // Summary: medians per configuration, ratios to mosquitto (nodelay) and native.
  auto med = [&](const Key& k, int which) -> double {
    const auto it = results.find(k);
    if (it == results.end()) return -1;
    std::vector<double> v;
    for (const auto& t : it->second) {
      v.push_back(which == 0 ? std::get<0>(t) : which == 1 ? std::get<1>(t) : std::get<2>(t));
    }
    return median(v);
  };
  auto& s = context.summary;
  s.push_back("### Peak delivered throughput (case 5), median of " + std::to_string(rounds) +
              " round(s), " + fixed(seconds, 1) + " s each");
  s.push_back("");
  s.push_back(
      "| shape | security | QoS | payload | target | msgs/s | broker µs/msg | dropped | msgs/s × "
      "mosquitto-nodelay | µs/msg × mosquitto-nodelay | msgs/s × native |");
  s.push_back("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const Shape& shape : shapes) {
    for (const std::size_t payload : payloads) {
      for (const int qos : qoses) {
        for (const Security security : securities) {
          for (const Target& target : context.options.targets) {
            const Key k{shape.name, security_name(security), qos, payload, target.name};
            const double rate = med(k, 0);
            if (rate < 0) continue;
            const double mosq =
                med({shape.name, security_name(security), qos, payload, "mosquitto-nodelay"}, 0);
            const double native =
                med({shape.name, security_name(security), qos, payload, "native"}, 0);
            const double mosq_us =
                med({shape.name, security_name(security), qos, payload, "mosquitto-nodelay"}, 1);
            s.push_back("| " + std::string(shape.name) + " | " + security_name(security) + " | " +
                        std::to_string(qos) + " | " + std::to_string(payload) + " | " +
                        target.name + " | " + fixed(rate, 0) + " | " + fixed(med(k, 1), 2) + " | " +
                        fixed(med(k, 2), 0) + " | " + (mosq > 0 ? fixed(rate / mosq, 2) : "-") +
                        " | " + (mosq_us > 0 ? fixed(med(k, 1) / mosq_us, 2) : "-") + " | " +
                        (native > 0 ? fixed(rate / native, 2) : "-") + " |");
          }
        }
      }
    }
  }
  s.push_back("");
  for (const Security security : securities) {
    for (const std::size_t payload : payloads) {
      Plot plot;
      plot.name =
          "throughput_" + std::string(security_name(security)) + "_" + std::to_string(payload);
      plot.title = "Peak delivered throughput, " + std::string(security_name(security)) + ", " +
                   std::to_string(payload) + " B payload (median of " + std::to_string(rounds) +
                   " rounds)";
      plot.xlabel = "shape, QoS";
      plot.ylabel = "delivered messages/s (all subscribers)";
      for (const Shape& shape : shapes) {
        for (const int qos : qoses) {
          plot.categories.push_back(std::string(shape.name) + " qos" + std::to_string(qos));
        }
      }
      for (const Target& target : context.options.targets) {
        PlotSeries series{target.name, {}};
        for (const Shape& shape : shapes) {
          for (const int qos : qoses) {
            series.y.push_back(
                med({shape.name, security_name(security), qos, payload, target.name}, 0));
          }
        }
        plot.series.push_back(std::move(series));
      }
      context.plots.push_back(std::move(plot));
    }
  }
  if (profile == Profile::kFull && !filtered) {
    context.missing.push_back(
        "throughput: pairs1000 only at 100 B, QoS 0 and 1, one round (each run sets up 2 000 "
        "connections; `--shapes pairs1000` runs every row)");
  }
  for (const Target& target : context.options.targets) {
    if (target.engine == "wasm-interp") {
      context.missing.push_back(
          "throughput: wasm-interp runs only the smoke profile and shapes with ≤ 20 "
          "connections in the full profile (too slow to finish in time otherwise)");
    }
  }
}

}  // namespace trustmq::bench

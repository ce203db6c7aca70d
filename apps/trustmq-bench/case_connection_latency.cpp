// Case 1: connection latency — TCP connect + TLS 1.3 handshake + MQTT CONNECT/CONNACK, measured
// by the client with a monotonic clock, one connection after the other on loopback; plain,
// ECDHE (certificate), PSK, and for trustmq both with attestation (sim evidence requested and
// verified against a policy: sim gives NO hardware protection). The modes alternate connection
// by connection, so that machine load hits them alike; rounds interleave the targets.
#include <chrono>
#include <map>

#include "bench_context.h"
#include "csv_file.h"
#include "mqtt_stream.h"
#include "stats.h"

namespace trustmq::bench {

void run_connection_latency_case(BenchContext& context) {
  const Profile profile = context.options.profile;
  const int per_round = profile == Profile::kSmoke ? 5 : profile == Profile::kQuick ? 100 : 100;
  const int rounds = context.rounds(1, 1, 3);
  const int warmup = profile == Profile::kSmoke ? 1 : 10;
  const std::vector<Security> all = {Security::kPlain, Security::kTls, Security::kTlsAttested,
                                     Security::kPsk, Security::kPskAttested};
  CsvFile csv(context.options.results_dir + "/connection_latency.csv",
              {"round", "target", "security", "index", "microseconds"});
  std::map<std::pair<std::string, std::string>, std::vector<double>> samples;
  int counter = 0;
  for (int round = 1; round <= rounds; ++round) {
    for (const Target& target : context.options.targets) {
      auto broker = start_broker(context, target);
      if (!broker) continue;
      std::vector<Security> modes;
      for (const Security s : all) {
        if (broker->port(s)) modes.push_back(s);
      }
      std::string error;
      for (int i = -warmup; i < per_round && error.empty(); ++i) {
        for (const Security security : modes) {
          try {
            const ClientTlsContext* tls = context.tls_for(security, *broker);
            const auto start = std::chrono::steady_clock::now();
            MqttStream stream(*broker->port(security), tls, 10000);
            stream.setup("c" + std::to_string(++counter), {}, 0, 10000);
            const double us =
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                    .count();
            if (i < 0) continue;  // warm-up
            samples[{target.name, security_name(security)}].push_back(us);
            csv.row({std::to_string(round), target.name, security_name(security), std::to_string(i),
                     fixed(us, 1)});
          } catch (const std::exception& e) {
            error = std::string(security_name(security)) + ": " + e.what();
            break;
          }
        }
      }
      broker->stop();
      if (!error.empty()) ++context.failed_runs;
      auto median_of = [&](Security s) {
        auto it = samples.find({target.name, security_name(s)});
        return it == samples.end() ? 0.0 : median(it->second);
      };
      std::string line = "  [connections " + std::to_string(round) + "/" + std::to_string(rounds) +
                         "] " + target.name + ": median";
      for (const Security s : modes) {
        line += std::string(" ") + security_name(s) + " " + fixed(median_of(s), 0) + " µs";
      }
      context.progress(line + (error.empty() ? "" : ", ERROR: " + error));
    }
  }
  auto& s = context.summary;
  s.push_back("### Connection latency (case 1): TCP + TLS 1.3 + CONNECT/CONNACK, " +
              std::to_string(per_round * rounds) +
              " connections per mode and target, modes "
              "alternating (sim attestation: NO hardware protection)");
  s.push_back("");
  s.push_back("| target | mode | median µs | p90 µs | p99 µs | median × mosquitto-nodelay |");
  s.push_back("|---|---|---|---|---|---|");
  Plot plot;
  plot.name = "connection_latency";
  plot.title = "Connection latency (TCP + TLS 1.3 + CONNECT/CONNACK), median";
  plot.xlabel = "mode";
  plot.ylabel = "µs";
  for (const Security m : all) plot.categories.push_back(security_name(m));
  for (const Target& target : context.options.targets) {
    PlotSeries series{target.name, {}};
    for (const Security m : all) {
      auto it = samples.find({target.name, security_name(m)});
      if (it == samples.end() || it->second.empty()) {
        series.y.push_back(-1);
        continue;
      }
      std::vector<double> v = it->second;
      const double med = percentile(v, 0.5);
      series.y.push_back(med);
      auto ref = samples.find({"mosquitto-nodelay", security_name(m)});
      const double base = ref == samples.end() ? 0 : median(ref->second);
      s.push_back("| " + target.name + " | " + security_name(m) + " | " + fixed(med, 0) + " | " +
                  fixed(percentile(v, 0.9), 0) + " | " + fixed(percentile(v, 0.99), 0) + " | " +
                  (base > 0 ? fixed(med / base, 2) : "-") + " |");
    }
    plot.series.push_back(std::move(series));
  }
  s.push_back("");
  context.plots.push_back(std::move(plot));
}

}  // namespace trustmq::bench

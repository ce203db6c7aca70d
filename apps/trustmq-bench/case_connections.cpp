// Case 6: connections — connect rate (TCP [+ TLS 1.3] + CONNECT/CONNACK, one after the other,
// connections kept open) and the broker's resident memory per idle connection (VmRSS with N
// idle connections minus VmRSS before, ÷ N), plain and TLS, at 1 000 and (full profile)
// 10 000 connections. The tool raises its descriptor limit to the hard limit; brokers inherit it.
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "bench_context.h"
#include "csv_file.h"
#include "mqtt_stream.h"

namespace trustmq::bench {

void run_connections_case(BenchContext& context) {
  const Profile profile = context.options.profile;
  const std::vector<int> counts = profile == Profile::kSmoke   ? std::vector<int>{50}
                                  : profile == Profile::kQuick ? std::vector<int>{1000}
                                                               : std::vector<int>{1000, 10000};
  const int rounds = context.rounds(1, 1, 2);
  CsvFile csv(context.options.results_dir + "/connections.csv",
              {"round", "target", "security", "connections", "seconds", "connects_per_s",
               "rss_before_kib", "rss_after_kib", "kib_per_connection", "error"});
  auto& s = context.summary;
  s.push_back("### Connections (case 6): connect rate and broker memory per idle connection");
  s.push_back("");
  s.push_back(
      "| round | target | security | connections | connects/s | broker KiB per idle "
      "connection |");
  s.push_back("|---|---|---|---|---|---|");
  int counter = 0;
  for (int round = 1; round <= rounds; ++round) {
    for (const int count : counts) {
      for (const Security security : {Security::kPlain, Security::kTls}) {
        for (const Target& target : context.options.targets) {
          // Stock mosquitto's TLS handshake waits on Nagle's algorithm (≈ 48 ms each, case 1):
          // 10 000 one after the other took 8–9 minutes per round. mosquitto-nodelay measures
          // the same memory per connection.
          if (target.mosquitto && !target.nodelay && is_tls(security) && count > 1000) continue;
          auto broker = start_broker(context, target);
          if (!broker) continue;
          const ClientTlsContext* tls = context.tls_for(security, *broker);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          const long rss_before = broker->rss_kib();
          std::vector<std::unique_ptr<MqttStream>> open;
          open.reserve(static_cast<std::size_t>(count));
          std::string error;
          const auto start = std::chrono::steady_clock::now();
          for (int i = 0; i < count; ++i) {
            try {
              auto stream = std::make_unique<MqttStream>(*broker->port(security), tls, 10000, 1024);
              stream->setup("i" + std::to_string(++counter), {}, 0, 10000);
              open.push_back(std::move(stream));
            } catch (const std::exception& e) {
              error = "after " + std::to_string(i) + " connections: " + e.what();
              break;
            }
          }
          const double seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          const long rss_after = broker->rss_kib();
          const int made = static_cast<int>(open.size());
          open.clear();
          broker->stop();
          const double rate = seconds > 0 ? made / seconds : 0;
          const double per = made > 0 ? static_cast<double>(rss_after - rss_before) / made : 0;
          csv.row({std::to_string(round), target.name, security_name(security),
                   std::to_string(made), fixed(seconds, 2), fixed(rate, 0),
                   std::to_string(rss_before), std::to_string(rss_after), fixed(per, 2),
                   error.empty() ? "" : "\"" + error + "\""});
          s.push_back("| " + std::to_string(round) + " | " + target.name + " | " +
                      security_name(security) + " | " + std::to_string(made) + " | " +
                      fixed(rate, 0) + " | " + fixed(per, 2) + " |");
          context.progress("  [connections-idle " + std::to_string(round) + "/" +
                           std::to_string(rounds) + "] " + std::to_string(made) + " " +
                           security_name(security) + " " + target.name + ": " + fixed(rate, 0) +
                           " connects/s, " + fixed(per, 2) + " KiB per idle connection" +
                           (error.empty() ? "" : ", ERROR: " + error));
          if (!error.empty() || made == 0) ++context.failed_runs;
        }
      }
    }
  }
  s.push_back("");
  for (const Target& target : context.options.targets) {
    if (target.mosquitto && !target.nodelay &&
        std::find(counts.begin(), counts.end(), 10000) != counts.end()) {
      context.missing.push_back(
          "connections: stock mosquitto over TLS only at 1 000 connections (its handshakes wait "
          "on Nagle's algorithm, ≈ 48 ms each; mosquitto-nodelay gives the 10 000 figure)");
    }
  }
}

}  // namespace trustmq::bench

// Case persistence (issue 11, "Speed"): QoS 1 throughput 1→1 and 20→1 (not in the smoke
// profile), 100 B, plain, to a subscriber with a durable session (clean session false), so that a
// broker with persistence stores every message. Targets: each trustmq engine with persistence off,
// `persistence_durability sync` and `interval` (autosave_interval default, 1800 s: nothing is
// written during the run but the records are staged), and mosquitto with `persistence false` and
// `persistence true` (its default autosave_interval: mosquitto's only mode, an interval). Same
// method as case 5 (load_flow.cpp): counted at the subscriber, drops, broker CPU per message,
// interleaved rounds. Summary: each rate × the same target's own rate without persistence, and ×
// mosquitto's rate with persistence on. 20→1 shows what one fsync per wakeup gives when more than
// one publisher's window shares it (`sync` is bound by fsync latency ÷ messages per commit).
#include <map>
#include <tuple>

#include "bench_context.h"
#include "csv_file.h"
#include "load_flow.h"
#include "stats.h"

namespace trustmq::bench {
namespace {

struct Variant {
  Target target;  // with persistence set, named e.g. "native-sync"
  std::string base;
  PersistenceMode mode;
};

std::vector<Variant> persistence_variants(const BenchContext& context) {
  std::vector<Variant> variants;
  for (const Target& target : context.options.targets) {
    if (target.engine == "wasm-interp" && context.options.profile == Profile::kQuick) continue;
    std::vector<PersistenceMode> modes = {PersistenceMode::kOff, PersistenceMode::kSync,
                                          PersistenceMode::kInterval};
    if (target.mosquitto) modes = {PersistenceMode::kOff, PersistenceMode::kInterval};
    for (const PersistenceMode mode : modes) {
      Variant v{target, target.name, mode};
      v.target.persistence = mode;
      v.target.name = target.name + "-" + persistence_mode_name(mode);
      variants.push_back(std::move(v));
    }
  }
  return variants;
}

}  // namespace

void run_persistence_case(BenchContext& context) {
  const int rounds = context.rounds(1, 1, 2);
  const double seconds = context.seconds(1.0, 1.5, 2);
  const double warmup = context.options.profile == Profile::kFull ? 1.0 : 0.5;
  BrokerFiles files = context.files;
  files.trustmq_cli.clear();  // plain only: no attested listeners, no probe start per variant
  const std::vector<Variant> variants = persistence_variants(context);
  const std::vector<int> publisher_counts =
      context.options.profile == Profile::kSmoke ? std::vector<int>{1} : std::vector<int>{1, 20};

  CsvFile csv(
      context.options.results_dir + "/persistence.csv",
      {"round", "target", "persistence", "publishers", "qos", "payload", "seconds", "published",
       "delivered", "msgs_per_s", "dropped", "broker_cpu_us_per_msg", "broker_busy_pct", "error"});
  // (target, mode, publishers) -> per-round (rate, µs/msg, dropped)
  using Key = std::tuple<std::string, PersistenceMode, int>;
  std::map<Key, std::vector<std::tuple<double, double, double>>> results;
  for (int round = 1; round <= rounds; ++round) {
    for (const int publishers : publisher_counts) {
      for (const Variant& v : variants) {
        auto broker = start_broker(context, v.target, files);
        if (!broker) continue;
        FlowSpec spec;
        spec.security = Security::kPlain;
        spec.qos = 1;
        spec.payload = 100;
        spec.warmup_seconds = warmup;
        spec.seconds = seconds;
        spec.keep_latencies = false;
        spec.persistent_subscribers = true;
        spec.publishers = publishers;
        FlowResult r;
        try {
          r = run_flow(*broker, nullptr, spec);
        } catch (const std::exception& e) {
          r.error = e.what();
        }
        if (!broker->alive() && r.error.empty()) r.error = "the broker exited";
        broker->stop();
        const double busy = r.elapsed > 0 ? 100 * r.broker_cpu_seconds / r.elapsed : 0;
        const char* mode = persistence_mode_name(v.mode);
        csv.row({std::to_string(round), v.base, mode, std::to_string(publishers), "1", "100",
                 fixed(r.elapsed, 2), std::to_string(r.published), std::to_string(r.delivered),
                 fixed(r.rate(), 0), std::to_string(r.dropped), fixed(r.cpu_us_per_message(), 2),
                 fixed(busy, 0), r.error.empty() ? "" : "\"" + r.error + "\""});
        context.progress("  [persistence " + std::to_string(round) + "/" + std::to_string(rounds) +
                         "] " + std::to_string(publishers) + "→1 qos1 100 B " + v.target.name +
                         ": " + fixed(r.rate(), 0) + " msg/s, " + fixed(r.cpu_us_per_message(), 2) +
                         " µs/msg, busy " + fixed(busy, 0) + " %, dropped " +
                         std::to_string(r.dropped) +
                         (r.error.empty() ? "" : ", ERROR: " + r.error));
        if (!r.error.empty() || r.delivered == 0) ++context.failed_runs;
        if (r.error.empty()) {
          results[{v.base, v.mode, publishers}].emplace_back(r.rate(), r.cpu_us_per_message(),
                                                             static_cast<double>(r.dropped));
        }
      }
    }
  }

  auto med = [&](const std::string& base, PersistenceMode mode, int publishers,
                 int which) -> double {
    const auto it = results.find({base, mode, publishers});
    if (it == results.end()) return -1;
    std::vector<double> v;
    for (const auto& t : it->second) {
      v.push_back(which == 0 ? std::get<0>(t) : which == 1 ? std::get<1>(t) : std::get<2>(t));
    }
    return median(v);
  };
  // The mosquitto reference with persistence on: mosquitto-nodelay if measured, else mosquitto.
  std::string mosquitto = "mosquitto-nodelay";
  if (med(mosquitto, PersistenceMode::kInterval, 1, 0) < 0) mosquitto = "mosquitto";

  auto& s = context.summary;
  s.push_back(
      "### Persistent QoS 1 throughput (1→1 and 20→1, 100 B, plain, durable subscriber "
      "session), "
      "median of " +
      std::to_string(rounds) + " round(s), " + fixed(seconds, 1) + " s each");
  s.push_back("");
  s.push_back(
      "| publishers | target | persistence | msgs/s | broker µs/msg | dropped | × own "
      "persistence off "
      "| × " +
      mosquitto + " persistence true |");
  s.push_back("|---|---|---|---|---|---|---|---|");
  for (const int publishers : publisher_counts) {
    const double mosquitto_rate = med(mosquitto, PersistenceMode::kInterval, publishers, 0);
    for (const Variant& v : variants) {
      const double rate = med(v.base, v.mode, publishers, 0);
      if (rate < 0) continue;
      const double off = med(v.base, PersistenceMode::kOff, publishers, 0);
      s.push_back("| " + std::to_string(publishers) + " | " + v.base + " | " +
                  (v.target.mosquitto && v.mode != PersistenceMode::kOff
                       ? std::string("true (autosave_interval 1800)")
                       : std::string(persistence_mode_name(v.mode))) +
                  " | " + fixed(rate, 0) + " | " + fixed(med(v.base, v.mode, publishers, 1), 2) +
                  " | " + fixed(med(v.base, v.mode, publishers, 2), 0) + " | " +
                  (off > 0 ? fixed(rate / off, 2) : "-") + " | " +
                  (mosquitto_rate > 0 ? fixed(rate / mosquitto_rate, 2) : "-") + " |");
    }
  }
  s.push_back("");
  s.push_back(
      "Goal (issue 11): trustmq `sync` ≥ 0.5 × its own rate without persistence, and above "
      "mosquitto's rate with persistence on.");
  s.push_back("");
}

}  // namespace trustmq::bench

// trustmq-bench: bounded loads on loopback against trustmq-broker (each engine) and Debian's
// mosquitto, started by the tool with equal settings; CSV per case, a summary table, plots.
//
// usage: trustmq-bench [--profile smoke|quick|full] [--cases ID,…] [--targets NAME,…]
//                      [--results DIR] [--rounds N] [--seconds S] [--payload BYTES]
//                      [--broker PATH] [--cli PATH] [--mosquitto PATH] [--no-pin]
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "bench_context.h"
#include "plot_writer.h"
#include "tls/tls_context.h"

namespace {

namespace bench = trustmq::bench;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: trustmq-bench [--profile smoke|quick|full] [--cases ID,...] [--targets NAME,...]\n"
    "                     [--results DIR] [--rounds N] [--seconds S] [--payload BYTES]\n"
    "                     [--broker PATH] [--cli PATH] [--mosquitto PATH] [--no-pin]\n"
    "                     [--debug-logs] [--qos 0,1,2] [--payloads B,...] [--security plain,tls] "
    "[--shapes S,...]\n"
    "                     [--window-kib N (0: flood)] [--recovery-messages N]\n"
    "targets: native wasm-aot wasm-interp mosquitto mosquitto-nodelay native-backpressure\n";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void pin_self(int core) {
  if (core < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  bench::BenchContext context;
  bench::BenchOptions& o = context.options;
  const fs::path self = fs::canonical("/proc/self/exe").parent_path();
  context.files.trustmq_broker = (self / "../trustmq-broker/trustmq-broker").lexically_normal();
  context.files.trustmq_cli = (self / "../trustmq/trustmq").lexically_normal();
  std::string targets = "native,wasm-aot,mosquitto-nodelay";  // quick; full adds the rest
  bool pin = true;
  bool keep_work = false;  // --debug-logs: the scratch directory (broker logs) stays
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "trustmq-bench: missing value for %s\n%s", argv[i], kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--profile") {
      const std::string p = value();
      if (p == "smoke") {
        o.profile = bench::Profile::kSmoke;
      } else if (p == "quick") {
        o.profile = bench::Profile::kQuick;
      } else if (p == "full") {
        o.profile = bench::Profile::kFull;
        targets = "native,wasm-aot,wasm-interp,mosquitto,mosquitto-nodelay";
      } else {
        std::fprintf(stderr, "trustmq-bench: unknown profile %s\n%s", p.c_str(), kUsage);
        return 2;
      }
    } else if (arg == "--cases") {
      o.cases = split(value());
    } else if (arg == "--targets") {
      targets = value();
    } else if (arg == "--results") {
      o.results_dir = value();
    } else if (arg == "--rounds") {
      o.rounds = std::atoi(value().c_str());
    } else if (arg == "--seconds") {
      o.seconds = std::atof(value().c_str());
    } else if (arg == "--payload") {
      o.payload = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--qos") {
      for (const auto& q : split(value())) o.qos.push_back(std::atoi(q.c_str()));
    } else if (arg == "--payloads") {
      for (const auto& b : split(value()))
        o.payloads.push_back(std::strtoul(b.c_str(), nullptr, 10));
    } else if (arg == "--security") {
      o.security = split(value());
    } else if (arg == "--shapes") {
      o.shapes = split(value());
    } else if (arg == "--window-kib") {
      o.window_kib = std::atol(value().c_str());
    } else if (arg == "--recovery-messages") {
      o.recovery_messages = std::atol(value().c_str());
    } else if (arg == "--broker") {
      context.files.trustmq_broker = value();
    } else if (arg == "--cli") {
      context.files.trustmq_cli = value();
    } else if (arg == "--mosquitto") {
      context.files.mosquitto = value();
    } else if (arg == "--debug-logs") {
      context.files.debug_logs = true;
      keep_work = true;
    } else if (arg == "--no-pin") {
      pin = false;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("%s", kUsage);
      for (const auto& c : bench::all_cases()) std::printf("case %-11s %s\n", c.id, c.title);
      return 0;
    } else {
      std::fprintf(stderr, "trustmq-bench: unknown argument %s\n%s", argv[i], kUsage);
      return 2;
    }
  }
  for (const auto& name : split(targets)) {
    const auto t = bench::parse_target(name);
    if (!t) {
      std::fprintf(stderr, "trustmq-bench: unknown target %s\n%s", name.c_str(), kUsage);
      return 2;
    }
    o.targets.push_back(*t);
  }
  if (pin && ::sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
    context.files.broker_core = 0;
    o.tool_core = 1;
  } else {
    context.files.broker_core = -1;
    o.tool_core = -1;
  }
  pin_self(o.tool_core);
  // Many connections (case 6): as many descriptors as the hard limit allows.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }

  fs::create_directories(o.results_dir);
  char work_template[] = "/tmp/trustmq-bench.XXXXXX";
  if (::mkdtemp(work_template) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  context.work_dir = work_template;
  const auto certificate = trustmq::tls::ensure_self_signed_certificate(context.work_dir + "/tls");
  if (!certificate) {
    std::fprintf(stderr, "trustmq-bench: %s\n", certificate.error().c_str());
    return 1;
  }
  context.files.certfile = certificate.value().certfile;
  context.files.keyfile = certificate.value().keyfile;
  context.files.psk_identity = "bench";
  context.files.psk_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  context.files.psk_file = context.work_dir + "/psk";
  std::ofstream(context.files.psk_file)
      << context.files.psk_identity << ":" << context.files.psk_hex << "\n";

  const std::string load_before = load_average();
  const std::time_t started = std::time(nullptr);
  context.progress("trustmq-bench: results in " + o.results_dir + ", scratch in " +
                   context.work_dir + "; load average before: " + load_before);
  int failures = 0;
  for (const auto& c : bench::all_cases()) {
    if (!o.cases.empty() && std::find(o.cases.begin(), o.cases.end(), c.id) == o.cases.end()) {
      continue;
    }
    context.progress("== " + std::string(c.title));
    try {
      c.run(context);
    } catch (const std::exception& e) {
      context.progress(std::string("  case failed: ") + e.what());
      context.missing.push_back(std::string(c.id) + ": failed: " + e.what());
      ++failures;
    }
  }
  const std::string load_after = load_average();
  bench::write_plots(o.results_dir, context);

  std::ostringstream summary;
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&started));
  summary << "## trustmq-bench summary (" << when << ")\n\n";
  summary << "Machine: " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cores; broker on core "
          << context.files.broker_core << ", tool on core " << o.tool_core
          << " (-1: not pinned). Load average (1/5/15 min) before: " << load_before
          << ", after: " << load_after << ". The run took "
          << (std::time(nullptr) - started + 30) / 60 << " min.\n\n";
  for (const auto& line : context.summary) summary << line << "\n";
  if (!context.missing.empty()) {
    summary << "### Not measured in this run\n\n";
    for (const auto& m : context.missing) summary << "- " << m << "\n";
  }
  std::ofstream(o.results_dir + "/summary.md") << summary.str();
  std::printf("%s", summary.str().c_str());
  std::error_code ignored;
  if (!keep_work) fs::remove_all(context.work_dir, ignored);
  if (context.failed_runs > 0) {
    std::fprintf(stderr, "trustmq-bench: %d run(s) failed or delivered nothing (see above)\n",
                 context.failed_runs);
  }
  return failures == 0 && context.failed_runs == 0 ? 0 : 1;
}

// What every case gets: the profile it runs in, the targets, the broker files, where results
// go, and progress output. A case is one function in its own file (case_*.cpp), listed in
// case_list.cpp; it starts and stops its brokers, writes its CSV, and adds summary lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_socket.h"
#include "broker_process.h"
#include "plot_writer.h"

namespace trustmq::bench {

enum class Profile : std::uint8_t { kSmoke, kQuick, kFull };

struct BenchOptions {
  Profile profile = Profile::kQuick;
  std::vector<Target> targets;
  std::string results_dir = "bench-results";
  int rounds = 0;                  // 0: the profile's default
  double seconds = 0;              // measured seconds per run; 0: the profile's default
  std::size_t payload = 16384;     // case 2 payload
  int tool_core = 1;               // -1: no pinning
  std::vector<std::string> cases;  // empty: all implemented
  // Narrow a case down (empty: the profile's list): --qos 0,1 --payloads 16384
  // --security plain,tls --shapes 1to1,fanout1to20.
  std::vector<int> qos;
  std::vector<std::size_t> payloads;
  std::vector<std::string> security;
  std::vector<std::string> shapes;
  long window_kib = -1;        // case 5: undelivered KiB per subscriber; 0: flood; -1: default
  long recovery_messages = 0;  // case recovery: stored messages; 0: the profile's default
};

struct BenchContext {
  BenchOptions options;
  BrokerFiles files;
  std::string work_dir;              // scratch (configs, logs, TLS files)
  std::vector<std::string> summary;  // lines printed at the end (markdown)
  std::vector<std::string> missing;  // what a case did not measure, and why
  std::vector<Plot> plots;
  int failed_runs = 0;  // runs that failed or delivered nothing (the exit status says so)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  // The client TLS context for a security mode against `broker` (cached per broker policy).
  const ClientTlsContext* tls_for(Security security, const BrokerProcess& broker);

  int rounds(int smoke, int quick, int full) const;
  double seconds(double smoke, double quick, double full) const;
  void progress(const std::string& line) const;  // one line on stderr, after the elapsed time

 private:
  std::vector<std::pair<std::string, std::unique_ptr<ClientTlsContext>>> tls_cache_;
};

struct BenchCase {
  const char* id;     // "throughput", "latency", …
  const char* title;  // one line
  void (*run)(BenchContext& context);
};

const std::vector<BenchCase>& all_cases();

// Starts `target`, reporting a failure as a progress line and returning null.
std::unique_ptr<BrokerProcess> start_broker(BenchContext& context, const Target& target);
// The same with other broker files (e.g. without the CLI: no attested listeners, no probe).
std::unique_ptr<BrokerProcess> start_broker(BenchContext& context, const Target& target,
                                            const BrokerFiles& files);

}  // namespace trustmq::bench

// A broker under test, started by the tool with equal settings for every target: plain, TLS
// (certificate), PSK listeners on 127.0.0.1 at free ports, and for trustmq attested TLS and
// attested PSK listeners (`attestation sim`); persistence and logging off; the same
// max_queued_messages. Pinned to one core; stopped by its PID (SIGTERM, then SIGKILL).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench_socket.h"

namespace trustmq::bench {

enum class PersistenceMode : std::uint8_t { kOff, kSync, kInterval };
const char* persistence_mode_name(PersistenceMode mode);  // "off", "sync", "interval"

struct Target {
  std::string name;  // "native", "wasm-aot", "wasm-interp", "mosquitto", "mosquitto-nodelay"
  bool mosquitto = false;
  bool nodelay = false;  // mosquitto: set_tcp_nodelay true
  std::string engine;    // trustmq engine
  std::string broker;    // trustmq-broker binary of this target; empty: BrokerFiles's
  // trustmq: lines added to its configuration ("native-backpressure": max_publisher_pause_ms).
  std::string extra_config;
  // Persistence (cases persistence and recovery): off for every other case. trustmq: `sync` or
  // `interval` is its persistence_durability; mosquitto: any mode is `persistence true` with
  // its default autosave_interval (mosquitto's only mode, an interval).
  PersistenceMode persistence = PersistenceMode::kOff;
  // Where the store lives; empty: a fresh directory per start, removed at stop().
  std::string persistence_location;
};

// Parses one target name; nullopt when unknown. Besides the names above, LABEL=ENGINE:PATH is a
// trustmq target running another trustmq-broker binary (before/after comparisons in one run).
std::optional<Target> parse_target(const std::string& name);

struct BrokerFiles {
  std::string trustmq_broker;  // path of trustmq-broker
  std::string trustmq_cli;     // path of trustmq (attestation policy), empty: no attested modes
  std::string mosquitto = "/usr/sbin/mosquitto";
  std::string certfile;
  std::string keyfile;
  std::string psk_file;
  std::string psk_identity;
  std::string psk_hex;
  int max_queued_messages = 1000;
  int max_inflight_messages = -1;  // -1: each broker's default (20 on both)
  int broker_core = 0;             // -1: no pinning
  bool debug_logs = false;         // brokers log everything (debugging the tool; not for numbers)
  double start_timeout_seconds = 20;  // until every listener accepts (recovery: much longer)
};

class BrokerProcess {
 public:
  // Starts the broker in `work_dir` and waits until every listener accepts connections.
  BrokerProcess(const Target& target, const BrokerFiles& files, const std::string& work_dir);
  ~BrokerProcess();  // stop()
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  const Target& target() const { return target_; }
  pid_t pid() const { return pid_; }
  // The listener for a security mode; nullopt when this broker has none (mosquitto: attested).
  std::optional<std::uint16_t> port(Security security) const;
  // Attestation policy for the attested modes (trustmq only; empty otherwise).
  const std::string& policy_file() const { return policy_file_; }
  // CPU time of the broker (all threads, user + system), seconds.
  double cpu_seconds() const;
  // Resident set size, KiB.
  long rss_kib() const;
  bool alive();  // reaps the process if it exited
  // SIGTERM, then waits up to grace_seconds (then stop()). True if it exited with status 0.
  bool stop_gracefully(double grace_seconds);
  void stop();  // also removes the store of a fresh persistence directory

 private:
  void remove_fresh_store();
  Target target_;
  std::string work_dir_;
  std::map<Security, std::uint16_t> ports_;
  std::string policy_file_;
  std::string fresh_store_;  // persistence directory created for this start, removed at stop()
  pid_t pid_ = -1;
  bool exited_ = false;
};

// A free TCP port on 127.0.0.1 (bound and released; the broker binds it right after).
std::uint16_t free_port();

}  // namespace trustmq::bench

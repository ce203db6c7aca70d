#include "broker_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "attestation_policy.h"
#include "runtime/engine.h"

namespace trustmq::bench {
namespace {

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

const char* persistence_mode_name(PersistenceMode mode) {
  switch (mode) {
    case PersistenceMode::kOff:
      return "off";
    case PersistenceMode::kSync:
      return "sync";
    case PersistenceMode::kInterval:
      return "interval";
  }
  return "?";
}

std::optional<Target> parse_target(const std::string& name) {
  if (const auto eq = name.find('='); eq != std::string::npos) {
    const auto colon = name.find(':', eq);
    if (colon == std::string::npos) return std::nullopt;
    auto t = parse_target(name.substr(eq + 1, colon - eq - 1));
    if (!t || t->mosquitto) return std::nullopt;
    t->name = name.substr(0, eq);
    t->broker = name.substr(colon + 1);
    return t;
  }
  Target t;
  t.name = name;
  if (name == "mosquitto" || name == "mosquitto-nodelay") {
    t.mosquitto = true;
    t.nodelay = name == "mosquitto-nodelay";
    return t;
  }
  if (name == runtime::kNativeEngine || name == runtime::kWasmAotEngine ||
      name == runtime::kWasmInterpEngine) {
    t.engine = name;
    return t;
  }
  if (name == "native-backpressure") {
    t.engine = std::string(runtime::kNativeEngine);
    t.extra_config = "max_publisher_pause_ms 1000\n";
    return t;
  }
  return std::nullopt;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
  }
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

BrokerProcess::BrokerProcess(const Target& target, const BrokerFiles& files,
                             const std::string& work_dir)
    : target_(target), work_dir_(work_dir) {
  std::vector<Security> modes = {Security::kPlain, Security::kTls, Security::kPsk};
  const std::string state_dir = work_dir + "/state-" + target.name;
  if (!target.mosquitto && !files.trustmq_cli.empty()) {
    BrokerFiles probe = files;
    if (!target.broker.empty()) probe.trustmq_broker = target.broker;
    policy_file_ = make_attestation_policy(target, probe, work_dir, state_dir);
    modes.push_back(Security::kTlsAttested);
    modes.push_back(Security::kPskAttested);
  }
  for (const Security s : modes) ports_[s] = free_port();

  std::string store = target.persistence_location;
  if (target.persistence != PersistenceMode::kOff && store.empty()) {
    static int starts = 0;
    store = work_dir + "/store-" + target.name + "-" + std::to_string(++starts);
    fresh_store_ = store;
  }
  if (!store.empty()) std::filesystem::create_directories(store);

  const std::string conf_path = work_dir + "/" + target.name + ".conf";
  std::ofstream conf(conf_path);
  conf << "# written by trustmq-bench\n";
  conf << "allow_anonymous true\n";
  conf << "max_queued_messages " << files.max_queued_messages << "\n";
  if (files.max_inflight_messages >= 0) {
    conf << "max_inflight_messages " << files.max_inflight_messages << "\n";
  }
  if (target.mosquitto) {
    // Logging off; `user root`: started as root, mosquitto would otherwise switch to the user
    // mosquitto, which cannot read the bench's private TLS key (ignored when not root).
    conf << (files.debug_logs ? "log_dest stderr\nlog_type all\n" : "log_dest none\n");
    conf << "user root\nper_listener_settings false\n";
    if (target.persistence == PersistenceMode::kOff) {
      conf << "persistence false\n";
    } else {  // autosave_interval left at its default (1800 s)
      conf << "persistence true\npersistence_location " << store << "/\n";
    }
    if (target.nodelay) conf << "set_tcp_nodelay true\n";
  } else {
    // Logging off (trustmq has no `log_dest none`: errors only, to the log file).
    conf << "log_dest stderr\n" << (files.debug_logs ? "log_type all\n" : "log_type error\n");
    conf << "sys_interval 0\nstate_dir " << state_dir << "\n" << target.extra_config;
    if (target.persistence != PersistenceMode::kOff) {
      conf << "persistence true\npersistence_location " << store << "\npersistence_durability "
           << persistence_mode_name(target.persistence) << "\n";
    }
  }
  const std::string tls13 = "tls_version tlsv1.3\nciphers_tls1.3 TLS_AES_128_GCM_SHA256\n";
  for (const auto& [security, port] : ports_) {
    conf << "listener " << port << " 127.0.0.1\n";
    switch (security) {
      case Security::kPlain:
        break;
      case Security::kTls:
      case Security::kTlsAttested:
        conf << "certfile " << files.certfile << "\nkeyfile " << files.keyfile << "\n" << tls13;
        break;
      case Security::kPsk:
      case Security::kPskAttested:
        conf << "psk_file " << files.psk_file << "\n" << tls13;
        if (target.mosquitto) conf << "psk_hint bench\n";
        break;
    }
    if (is_attested(security)) conf << "attestation sim\n";
  }
  conf.close();

  const std::string log = work_dir + "/" + target.name + ".log";
  std::vector<std::string> argv;
  if (target.mosquitto) {
    argv = {files.mosquitto, "-c", conf_path};
  } else {
    argv = {target.broker.empty() ? files.trustmq_broker : target.broker, "-c", conf_path,
            "--engine", target.engine};
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    if (files.broker_core >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(files.broker_core, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(files.start_timeout_seconds));
  for (const auto& [security, port] : ports_) {
    while (!accepts(port)) {
      if (!alive() || std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("broker " + target.name + " did not start (see " + log + "):\n" +
                                 read_file(log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

BrokerProcess::~BrokerProcess() { stop(); }

std::optional<std::uint16_t> BrokerProcess::port(Security security) const {
  const auto it = ports_.find(security);
  if (it == ports_.end()) return std::nullopt;
  return it->second;
}

double BrokerProcess::cpu_seconds() const {
  // Nanosecond run time of every thread (/proc/PID/task/*/schedstat, first field: time on a
  // CPU, user and system), so that low message rates are not rounded to 10 ms clock ticks.
  double total = 0;
  bool found = false;
  std::error_code error;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", error)) {
    std::ifstream in(task.path() / "schedstat");
    unsigned long long ns = 0;
    if (in >> ns) {
      total += static_cast<double>(ns) / 1e9;
      found = true;
    }
  }
  if (found) return total;
  // Fallback: utime + stime in clock ticks.
  const std::string stat = read_file("/proc/" + std::to_string(pid_) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long BrokerProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

bool BrokerProcess::alive() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  exited_ = true;
  return false;
}

bool BrokerProcess::stop_gracefully(double grace_seconds) {
  if (pid_ <= 0 || exited_) return false;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(grace_seconds));
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  exited_ = true;
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void BrokerProcess::stop() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGTERM);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      int status = 0;
      gone = ::waitpid(pid_, &status, WNOHANG) != 0;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_ = -1;
  remove_fresh_store();
}

void BrokerProcess::remove_fresh_store() {
  if (fresh_store_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(fresh_store_, ignored);
  fresh_store_.clear();
}

}  // namespace trustmq::bench

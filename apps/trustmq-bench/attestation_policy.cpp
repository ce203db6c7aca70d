#include "attestation_policy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace trustmq::bench {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
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
  return pid;
}

}  // namespace

std::string make_attestation_policy(const Target& target, const BrokerFiles& files,
                                    const std::string& work_dir, const std::string& state_dir) {
  const std::string policy = work_dir + "/policy-" + target.name + ".json";
  if (std::ifstream(policy).good()) return policy;  // probed once per run and target
  const std::string conf = work_dir + "/probe-" + target.name + ".conf";
  const std::string log = work_dir + "/probe-" + target.name + ".log";
  {
    std::ofstream out(conf);
    out << "listener 0 127.0.0.1\nattestation sim\ncertfile " << files.certfile << "\nkeyfile "
        << files.keyfile << "\nallow_anonymous true\nsys_interval 0\nstate_dir " << state_dir
        << "\nlog_dest stderr\nlog_type notice\n";
  }
  const pid_t pid = spawn({files.trustmq_broker, "-c", conf, "--engine", target.engine}, log);
  const std::regex measured("module measurement \\(sha-256\\) ([0-9a-f]{64})");
  std::smatch m;
  std::string text;
  bool found = false;
  for (int i = 0; i < 400 && !found; ++i) {
    text = read_file(log);
    found = std::regex_search(text, m, measured) && text.find("listening on") != std::string::npos;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  if (!found) throw std::runtime_error("probe start of " + target.name + " failed:\n" + text);
  const std::string measurement = m[1];
  const pid_t cli =
      spawn({files.trustmq_cli, "policy", "init", "--module-measurement", measurement, "--anchor",
             state_dir + "/sim/sim-root-ca.pem", "--allow-sim", "-o", policy},
            work_dir + "/policy-" + target.name + ".log");
  int status = 0;
  ::waitpid(cli, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("trustmq policy init failed: " +
                             read_file(work_dir + "/policy-" + target.name + ".log"));
  }
  return policy;
}

}  // namespace trustmq::bench

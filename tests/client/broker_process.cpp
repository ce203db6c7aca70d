#include "broker_process.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace trustmq::client::testing {

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string trustmq_broker_path() { return TRUSTMQ_BROKER_PATH; }

std::unique_ptr<BrokerProcess> BrokerProcess::start(BrokerKind kind,
                                                    const test_support::TempDirectory& dir,
                                                    const std::string& listener_config) {
  const std::uint16_t port = free_port();
  std::string conf = "listener " + std::to_string(port) + " 127.0.0.1\n" + listener_config;
  if (!conf.empty() && conf.back() != '\n') conf += '\n';
  if (listener_config.find("allow_anonymous") == std::string::npos) {
    conf += "allow_anonymous true\n";
  }
  if (kind == BrokerKind::kMosquitto && ::geteuid() == 0) {
    conf += "user root\n";  // else mosquitto drops to user "mosquitto" and cannot read our files
  }
  const std::string conf_path = dir.write("broker-" + std::to_string(port) + ".conf", conf);
  const std::string binary = kind == BrokerKind::kTrustmq ? trustmq_broker_path() : kMosquittoPath;
  auto child = ChildProcess::exec({binary, "-c", conf_path}, dir.path());
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!accepts_connections(port)) {
    if (!child.running() || std::chrono::steady_clock::now() >= end) {
      ADD_FAILURE() << binary << " did not start on port " << port << ":\n"
                    << child.out() << child.err() << "\nconfig:\n"
                    << conf;
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::unique_ptr<BrokerProcess>(new BrokerProcess(std::move(child), port));
}

BrokerProcess::~BrokerProcess() { child_.stop(); }

}  // namespace trustmq::client::testing

// A broker for integration tests: trustmq-broker or Debian's mosquitto, started as a child
// process on a free 127.0.0.1 port with a generated mosquitto.conf, stopped by its PID.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "child_process.h"
#include "support/temp_directory.h"

namespace trustmq::client::testing {

enum class BrokerKind { kTrustmq, kMosquitto };

inline std::string kind_name(BrokerKind k) {
  return k == BrokerKind::kTrustmq ? "trustmq" : "mosquitto";
}

class BrokerProcess {
 public:
  // `listener_config`: lines that follow "listener PORT 127.0.0.1" (TLS, PSK, auth …);
  // "allow_anonymous true" is added unless they mention allow_anonymous. Fails the current
  // test (ADD_FAILURE) and returns nullptr if the broker does not accept connections in 5 s.
  static std::unique_ptr<BrokerProcess> start(BrokerKind kind,
                                              const test_support::TempDirectory& dir,
                                              const std::string& listener_config = "");
  ~BrokerProcess();

  std::uint16_t port() const { return port_; }
  std::string log() const { return child_.out() + child_.err(); }

 private:
  BrokerProcess(ChildProcess child, std::uint16_t port) : child_(std::move(child)), port_(port) {}
  ChildProcess child_;
  std::uint16_t port_;
};

// A TCP port on 127.0.0.1 that nobody listens on right now.
std::uint16_t free_port();

// Whether something listens on 127.0.0.1:`port` (one TCP connect, closed at once).
bool accepts_connections(std::uint16_t port);

// Paths of the brokers and clients used by the tests.
std::string trustmq_broker_path();
inline constexpr const char* kMosquittoPath = "/usr/sbin/mosquitto";
inline constexpr const char* kMosquittoPubPath = "/usr/bin/mosquitto_pub";
inline constexpr const char* kMosquittoSubPath = "/usr/bin/mosquitto_sub";

}  // namespace trustmq::client::testing

// A broker run in-process for tests: the shell's event loop with the native engine in a
// thread, on the listeners of a config text (ports 0: ephemeral), its log kept for asserts.
// Shared by the attestation and persistence tests of tests/shell.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "attest/attester.h"
#include "attest/measurement.h"
#include "shell/acl_file.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/server.h"

namespace trustmq::shell {

inline attest::Sha256Digest digest_of(std::uint8_t fill) {
  attest::Sha256Digest d;
  d.fill(fill);
  return d;
}

// Gives the evidence of `good` until switched, then that of `bad`.
class SwitchableAttester final : public attest::Attester {
 public:
  SwitchableAttester(std::shared_ptr<const attest::Attester> good,
                     std::shared_ptr<const attest::Attester> bad)
      : good_(std::move(good)), bad_(std::move(bad)) {}
  attest::EvidenceType type() const override { return good_->type(); }
  Result<attest::Bytes> attest(const attest::ReportData& report_data) const override {
    return (switched_ ? bad_ : good_)->attest(report_data);
  }
  void switch_to_bad() { switched_ = true; }

 private:
  std::shared_ptr<const attest::Attester> good_, bad_;
  std::atomic<bool> switched_{false};
};

class InProcessBroker {
 public:
  // `sim_attester`, if given, replaces the listeners' sim attester (Server::set_sim_attester);
  // `before_commit`, if given, runs before each commit of persistence_durability sync
  // (Server::set_before_commit).
  explicit InProcessBroker(const std::string& config_text,
                           std::shared_ptr<const attest::Attester> sim_attester = nullptr,
                           std::function<void()> before_commit = nullptr)
      : logger_(kAllLogTypes, [this](std::string_view line) {
          std::lock_guard lock(mutex_);
          lines_.emplace_back(line);
          changed_.notify_all();
        }) {
    parse_config_text(config_text, "test.conf", config_);
    resolve_server_defaults(config_);
    // As trustmq-broker's main does.
    if (!config_.acl_file.empty()) config_.broker.acl = load_acl_file(config_.acl_file);
    server_ = std::make_unique<Server>(config_, logger_, nullptr);
    server_->start_engine([this](mqtt::BrokerHost& host, mqtt::TimeMs now) {
      return make_engine("native", "", config_.broker, host, now);
    });
    if (sim_attester) server_->set_sim_attester(std::move(sim_attester));
    if (before_commit) server_->set_before_commit(std::move(before_commit));
    server_->bind_listeners();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~InProcessBroker() {
    server_->request_stop();
    thread_.join();
  }
  InProcessBroker(const InProcessBroker&) = delete;
  InProcessBroker& operator=(const InProcessBroker&) = delete;

  std::uint16_t port(std::size_t i) const { return server_->listener_sockets().at(i).port; }
  std::string module_measurement() const { return server_->engine().module_measurement(); }

  // Whether a log line containing `needle` appears within `timeout_ms`.
  bool wait_for_log(std::string_view needle, int timeout_ms = 5000) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
      for (const auto& l : lines_) {
        if (l.find(needle) != std::string::npos) return true;
      }
      return false;
    });
  }
  bool logged(std::string_view needle) {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string log_text() {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

 private:
  ServerConfig config_;
  Logger logger_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

}  // namespace trustmq::shell

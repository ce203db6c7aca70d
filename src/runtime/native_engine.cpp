#include "runtime/native_engine.h"

#include <vector>

#include "runtime/core_build_measurement.h"

namespace trustmq::runtime {
namespace {

// The core publishes what it runs as (BrokerConfig::module_measurement): here, the build.
mqtt::BrokerConfig with_measurement(mqtt::BrokerConfig config) {
  config.module_measurement = core_build_measurement();
  return config;
}

class NativeEngine final : public Engine {
 public:
  NativeEngine(const mqtt::BrokerConfig& config, mqtt::BrokerHost& host, TimeMs now)
      : broker_(with_measurement(config), host, now) {}

  std::string_view name() const override { return kNativeEngine; }
  std::string module_measurement() const override { return core_build_measurement(); }

  void open(ConnectionId conn, const mqtt::PeerInfo& peer, TimeMs now) override {
    broker_.on_open(conn, peer, now);
  }
  std::span<std::uint8_t> input_buffer(std::size_t max_bytes) override {
    if (input_.size() < max_bytes) input_.resize(max_bytes);
    return {input_.data(), max_bytes};
  }
  void commit_input(ConnectionId conn, std::size_t length, TimeMs now) override {
    broker_.on_data(conn, mqtt::ByteView(input_.data(), length), now);
  }
  void close(ConnectionId conn, TimeMs now) override { broker_.on_close(conn, now); }
  TimeMs tick(TimeMs now) override { return broker_.on_tick(now); }
  void reload_security(const std::optional<mqtt::AclRules>& acl, TimeMs now) override {
    broker_.reload_security(acl, now);
  }
  bool restore(mqtt::ByteView record, TimeMs now) override { return broker_.restore(record, now); }

 private:
  mqtt::Broker broker_;
  std::vector<std::uint8_t> input_;
};

}  // namespace

std::unique_ptr<Engine> make_native_engine(const mqtt::BrokerConfig& config, mqtt::BrokerHost& host,
                                           TimeMs now) {
  return std::make_unique<NativeEngine>(config, host, now);
}

}  // namespace trustmq::runtime

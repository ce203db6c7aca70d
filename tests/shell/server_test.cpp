// Socket-level tests: the event loop runs in-process on an ephemeral 127.0.0.1 port with the
// native engine (the real MQTT core), and raw TCP clients talk MQTT 3.1.1 to it.
#include "shell/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "raw_mqtt_client.h"
#include "runtime/engine_factory.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/password_file.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

using testing::RawMqttClient;
using testing::RawPacket;

constexpr std::uint8_t kConnack = 2;
constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kSuback = 9;
constexpr std::uint8_t kPingresp = 13;

// A Server with its loop on a background thread, capturing its log lines.
class RunningServer {
 public:
  explicit RunningServer(std::string_view config_text, const PasswordFile* passwords = nullptr,
                         Server::EngineFactory engine_factory = {})
      : logger_(kAllLogTypes, [this](std::string_view line) { add_line(line); }) {
    parse_config_text(config_text, "test.conf", config_);
    resolve_server_defaults(config_);
    server_ = std::make_unique<Server>(config_, logger_, passwords);
    if (!engine_factory) {
      engine_factory = [this](mqtt::BrokerHost& host, mqtt::TimeMs now) {
        return make_engine("native", "", config_.broker, host, now);
      };
    }
    server_->start_engine(engine_factory);
    server_->bind_listeners();
    port_ = server_->listener_sockets().at(0).port;
    thread_ = std::thread([this] { status_ = server_->run(); });
  }
  ~RunningServer() { stop(); }

  // Waits for the loop to end by itself (e.g. after an engine trap).
  int join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }

  int stop() {
    if (thread_.joinable()) {
      server_->request_stop();
      thread_.join();
    }
    return status_;
  }

  std::uint16_t port() const { return port_; }

  bool wait_for_log(std::string_view needle, int timeout_ms = 5000) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [&] { return contains_locked(needle); });
  }
  bool log_contains(std::string_view needle) {
    std::lock_guard lock(mutex_);
    return contains_locked(needle);
  }
  std::string log_text() {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

 private:
  void add_line(std::string_view line) {
    {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    }
    changed_.notify_all();
  }
  bool contains_locked(std::string_view needle) const {
    for (const auto& l : lines_) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  ServerConfig config_;
  Logger logger_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  int status_ = -1;
};

// CONNECTs and returns the CONNACK return code (-1 if none came).
int connect_client(RawMqttClient& client, std::string_view id,
                   std::optional<std::string> username = {},
                   std::optional<std::string> password = {}) {
  if (!client.connected() || !client.send(testing::connect_packet(id, username, password))) {
    return -1;
  }
  const auto p = client.read_packet();
  if (!p || p->type() != kConnack || p->body.size() != 2) return -1;
  return p->body[1];
}

void subscribe(RawMqttClient& client, std::string_view filter, std::uint8_t qos) {
  ASSERT_TRUE(client.send(testing::subscribe_packet(1, filter, qos)));
  const auto p = client.read_packet();
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->type(), kSuback);
  ASSERT_EQ(p->body.back(), qos);
}

// Sends PINGREQ and reads (skipping anything else) until PINGRESP; false if none came.
bool answers_ping(RawMqttClient& client, int timeout_ms) {
  if (!client.send({0xc0, 0x00})) return false;
  while (auto p = client.read_packet(timeout_ms)) {
    if (p->type() == kPingresp) return true;
  }
  return false;
}

constexpr std::string_view kAnonymousConfig = "listener 0 127.0.0.1\nallow_anonymous true\n";

TEST(ServerTest, ConnectGetsConnackAndStopIsClean) {
  RunningServer server(kAnonymousConfig);
  EXPECT_TRUE(server.log_contains("listening on 127.0.0.1:" + std::to_string(server.port())));
  RawMqttClient client(server.port());
  EXPECT_EQ(connect_client(client, "smoke"), 0);
  EXPECT_TRUE(server.wait_for_log("New connection from 127.0.0.1:"));
  EXPECT_EQ(server.stop(), 0);
  EXPECT_TRUE(client.wait_closed());
}

TEST(ServerTest, PublishReachesSubscriber) {
  RunningServer server(kAnonymousConfig);
  RawMqttClient sub(server.port());
  ASSERT_EQ(connect_client(sub, "sub"), 0);
  subscribe(sub, "a/#", 0);
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub"), 0);
  ASSERT_TRUE(pub.send(testing::publish_packet("a/b", "hello")));
  const auto p = sub.read_packet();
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->type(), kPublish);
  const std::string body(p->body.begin(), p->body.end());
  EXPECT_NE(body.find("a/b"), std::string::npos);
  EXPECT_TRUE(body.ends_with("hello"));
}

TEST(ServerTest, ClientClosingIsLoggedAndForgotten) {
  RunningServer server(kAnonymousConfig);
  {
    RawMqttClient client(server.port());
    ASSERT_EQ(connect_client(client, "leaver"), 0);
  }
  EXPECT_TRUE(server.wait_for_log("closed by the client")) << server.log_text();
}

TEST(ServerTest, GarbageInputClosesTheConnectionButNotTheBroker) {
  RunningServer server(kAnonymousConfig);
  RawMqttClient bad(server.port());
  ASSERT_TRUE(bad.connected());
  ASSERT_TRUE(bad.send({0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02}));
  EXPECT_TRUE(bad.wait_closed());
  EXPECT_TRUE(server.wait_for_log("closed by the broker")) << server.log_text();
  RawMqttClient good(server.port());
  EXPECT_EQ(connect_client(good, "after-garbage"), 0);
}

TEST(ServerTest, AuthenticatesAgainstAMosquittoPasswdFile) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("passwd");
  const std::string command =
      "/usr/bin/mosquitto_passwd -c -b " + path + " alice wonderland >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const PasswordFile passwords = PasswordFile::load(path);
  RunningServer server("listener 0 127.0.0.1\npassword_file " + path + "\n", &passwords);

  RawMqttClient good(server.port());
  EXPECT_EQ(connect_client(good, "c1", "alice", "wonderland"), 0);

  RawMqttClient wrong(server.port());
  const int refused = connect_client(wrong, "c2", "alice", "looking-glass");
  EXPECT_TRUE(refused == 4 || refused == 5) << refused;  // bad credentials / not authorised
  EXPECT_TRUE(wrong.wait_closed());

  RawMqttClient anonymous(server.port());  // a listener is configured: anonymous is refused
  const int anonymous_code = connect_client(anonymous, "c3");
  EXPECT_TRUE(anonymous_code == 4 || anonymous_code == 5) << anonymous_code;
}

TEST(ServerTest, RefusedClientGetsItsConnackDespitePipelinedInput) {
  // The core closes right after queueing the refusing CONNACK, with unread client bytes still
  // pending: the shell must flush the CONNACK before closing, and stop feeding the rest of the
  // input to the engine.
  RunningServer server("listener 0 127.0.0.1\nallow_anonymous false\n");
  for (int attempt = 0; attempt < 20; ++attempt) {
    RawMqttClient client(server.port());
    std::vector<std::uint8_t> bytes = testing::connect_packet("refused");
    // More than one read chunk (64 KiB), so input is still unread when the broker closes.
    for (int i = 0; i < 200; ++i) {
      const auto publish = testing::publish_packet("t", std::string(1000, 'z'));
      bytes.insert(bytes.end(), publish.begin(), publish.end());
    }
    client.send(bytes);  // may fail part-way if the broker reset the connection
    const auto p = client.read_packet();
    ASSERT_TRUE(p.has_value()) << "attempt " << attempt;
    ASSERT_EQ(p->type(), kConnack);
    EXPECT_NE(p->body.back(), 0);
    EXPECT_TRUE(client.wait_closed());
  }
}

TEST(ServerTest, SlowQos0SubscriberLosesMessagesButStaysConnectedAndOthersFlow) {
  RunningServer server("listener 0 127.0.0.1\nallow_anonymous true\nmax_queued_bytes 262144\n");
  constexpr int kMessages = 800;
  const std::string payload_base(16 * 1024 - 8, 'x');

  RawMqttClient slow(server.port(), 4096);
  ASSERT_EQ(connect_client(slow, "slow"), 0);
  subscribe(slow, "flood", 0);
  RawMqttClient fast(server.port());
  ASSERT_EQ(connect_client(fast, "fast"), 0);
  subscribe(fast, "flood", 0);

  // The publisher waits for the fast subscriber to get each message before sending the next:
  // the fast one never has a backlog, so every message must reach it while the slow one's
  // queue is full.
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub"), 0);
  int fast_received = 0;
  for (int i = 0; i < kMessages; ++i) {
    const std::string payload = payload_base + "#" + std::to_string(i);
    ASSERT_TRUE(pub.send(testing::publish_packet("flood", payload)));
    const auto p = fast.read_packet(5000);
    ASSERT_TRUE(p.has_value()) << "fast subscriber stalled at message " << i;
    ASSERT_EQ(p->type(), kPublish);
    ASSERT_TRUE(std::string(p->body.begin(), p->body.end()).ends_with(payload));
    ++fast_received;
  }
  EXPECT_EQ(fast_received, kMessages);
  EXPECT_TRUE(server.wait_for_log("QoS 0 message(s)")) << server.log_text();
  EXPECT_FALSE(server.log_contains("Disconnecting"));

  // The slow subscriber is still connected: it drains its backlog and gets its PINGRESP.
  ASSERT_TRUE(slow.send({0xc0, 0x00}));
  int slow_received = 0;
  bool pong = false;
  while (auto p = slow.read_packet(10000)) {
    if (p->type() == kPublish) ++slow_received;
    if (p->type() == kPingresp) {
      pong = true;
      break;
    }
  }
  EXPECT_TRUE(pong);
  EXPECT_LT(slow_received, kMessages);
}

// Backpressure: a flood into a subscriber that reads late is not dropped; the broker stops
// reading the publisher (whose socket then blocks) until the subscriber's queue drains.
TEST(ServerTest, FloodIntoALateReaderPausesThePublisherAndLosesNothing) {
  RunningServer server(
      "listener 0 127.0.0.1\nallow_anonymous true\nmax_queued_bytes 262144\n"
      "max_publisher_pause_ms 30000\n");
  constexpr int kMessages = 1000;  // 16 MB: far more than the queue and the socket buffers
  RawMqttClient late(server.port(), 4096);
  ASSERT_EQ(connect_client(late, "late"), 0);
  subscribe(late, "flood", 0);
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub"), 0);
  std::atomic<int> sent{0};
  std::thread publisher([&] {
    const std::string payload(16 * 1024, 'p');
    for (int i = 0; i < kMessages; ++i) {
      if (!pub.send(testing::publish_packet("flood", payload + "#" + std::to_string(i)))) return;
      sent.fetch_add(1);
    }
  });
  // The publisher's writes block once the broker stops reading it.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LT(sent.load(), kMessages);
  int received = 0;
  while (received < kMessages) {
    const auto p = late.read_packet(10000);
    if (!p) break;
    ASSERT_EQ(p->type(), kPublish);
    const std::string body(p->body.begin(), p->body.end());
    ASSERT_TRUE(body.ends_with("#" + std::to_string(received))) << "message " << received;
    ++received;
  }
  publisher.join();
  EXPECT_EQ(received, kMessages);
  EXPECT_FALSE(server.log_contains("QoS 0 message(s)")) << server.log_text();
}

// The pause is bounded: a subscriber that never reads stalls its publisher for at most
// max_publisher_pause_ms; then it loses QoS 0 messages as before and the publisher flows.
TEST(ServerTest, SubscriberThatNeverReadsStallsThePublisherOnlyForTheMaximumPause) {
  RunningServer server(
      "listener 0 127.0.0.1\nallow_anonymous true\nmax_queued_bytes 262144\n"
      "max_publisher_pause_ms 300\n");
  RawMqttClient stuck(server.port(), 4096);
  ASSERT_EQ(connect_client(stuck, "stuck"), 0);
  subscribe(stuck, "flood", 0);
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub"), 0);
  const std::string payload(16 * 1024, 's');
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(pub.send(testing::publish_packet("flood", payload)));
  EXPECT_TRUE(answers_ping(pub, 10000));
  EXPECT_TRUE(server.wait_for_log("has not drained its outbound queue in 300 ms"))
      << server.log_text();
  EXPECT_TRUE(server.wait_for_log("QoS 0 message(s)")) << server.log_text();
}

// max_publisher_pause_ms 0: no backpressure, the late reader loses QoS 0 messages at once.
TEST(ServerTest, WithoutBackpressureALateReaderLosesQos0Messages) {
  RunningServer server(
      "listener 0 127.0.0.1\nallow_anonymous true\nmax_queued_bytes 262144\n"
      "max_publisher_pause_ms 0\n");
  RawMqttClient late(server.port(), 4096);
  ASSERT_EQ(connect_client(late, "late"), 0);
  subscribe(late, "flood", 0);
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub"), 0);
  const std::string payload(16 * 1024, 'n');
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(pub.send(testing::publish_packet("flood", payload)));
  EXPECT_TRUE(server.wait_for_log("QoS 0 message(s)")) << server.log_text();
  EXPECT_FALSE(server.log_contains("has not drained"));
}

TEST(ServerTest, SlowQos1SubscriberIsDisconnectedWhenControlDataOverflows) {
  RunningServer server(
      "listener 0 127.0.0.1\nallow_anonymous true\nmax_queued_bytes 65536\n"
      "max_inflight_messages 0\nmax_queued_messages 0\n");
  RawMqttClient slow(server.port(), 4096);
  ASSERT_EQ(connect_client(slow, "slow1"), 0);
  subscribe(slow, "q1", 1);
  RawMqttClient pub(server.port());
  ASSERT_EQ(connect_client(pub, "pub1"), 0);
  const std::string payload(16 * 1024, 'y');
  for (int i = 0; i < 800 && !server.log_contains("Disconnecting"); ++i) {
    ASSERT_TRUE(
        pub.send(testing::publish_packet("q1", payload, 1, static_cast<std::uint16_t>(i + 1))));
  }
  EXPECT_TRUE(server.wait_for_log("Disconnecting 127.0.0.1:")) << server.log_text();
  EXPECT_TRUE(server.wait_for_log("outbound queue overflow"));
  EXPECT_TRUE(slow.wait_closed(10000));
  // The publisher is unaffected.
  EXPECT_TRUE(answers_ping(pub, 5000));
}

TEST(ServerTest, MaxConnectionsRefusesExtraClients) {
  RunningServer server("listener 0 127.0.0.1\nallow_anonymous true\nmax_connections 1\n");
  RawMqttClient first(server.port());
  ASSERT_EQ(connect_client(first, "one"), 0);
  RawMqttClient second(server.port());
  EXPECT_TRUE(second.wait_closed());
  EXPECT_TRUE(server.wait_for_log("max_connections (1) reached"));
}

// A test double standing in for a Wasm engine whose module traps on the first input.
class TrappingEngine final : public runtime::Engine {
 public:
  std::string_view name() const override { return "trapping"; }
  std::string module_measurement() const override { return "00"; }
  void open(mqtt::ConnectionId, const mqtt::PeerInfo&, mqtt::TimeMs) override {}
  std::span<std::uint8_t> input_buffer(std::size_t max_bytes) override {
    buffer_.resize(max_bytes);
    return buffer_;
  }
  void commit_input(mqtt::ConnectionId, std::size_t, mqtt::TimeMs) override {
    throw runtime::EngineTrap("out-of-bounds", "memory access at 0xfffffff0");
  }
  void close(mqtt::ConnectionId, mqtt::TimeMs) override {}
  mqtt::TimeMs tick(mqtt::TimeMs now) override { return now + 1000; }
  void reload_security(const std::optional<mqtt::AclRules>&, mqtt::TimeMs) override {}
  bool restore(mqtt::ByteView, mqtt::TimeMs) override { return false; }

 private:
  std::vector<std::uint8_t> buffer_;
};

TEST(ServerTest, EngineTrapStopsTheLoopWithExitStatus1) {
  RunningServer server(kAnonymousConfig, nullptr, [](mqtt::BrokerHost&, mqtt::TimeMs) {
    return std::make_unique<TrappingEngine>();
  });
  RawMqttClient client(server.port());
  ASSERT_TRUE(client.send(testing::connect_packet("victim")));
  EXPECT_EQ(server.join(), 1);
  EXPECT_TRUE(server.log_contains(
      "engine trapping trapped: out-of-bounds: memory access at 0xfffffff0; stopping the broker"))
      << server.log_text();
  EXPECT_TRUE(client.wait_closed());
}

TEST(ServerTest, UnbuiltEngineIsAClearError) {
  EXPECT_TRUE(is_engine_built("native"));
  EXPECT_EQ(is_engine_built("wasm-aot"), runtime::wasm_engines_built());
  EXPECT_EQ(is_engine_built("wasm-interp"), runtime::wasm_engines_built());
  ServerConfig config;
  Logger logger(0, [](std::string_view) {});
  Server server(config, logger, nullptr);
  try {
    server.start_engine([&](mqtt::BrokerHost& host, mqtt::TimeMs now) {
      return make_engine("wasm-interp", "/nonexistent/core.wasm", config.broker, host, now);
    });
    FAIL() << "no error";
  } catch (const EngineUnavailable& e) {
    ASSERT_FALSE(runtime::wasm_engines_built());
    EXPECT_EQ(std::string(e.what()), "engine wasm-interp is not built in this binary");
  } catch (const std::runtime_error& e) {
    // With the wasm engines built, the missing module is the error, naming the path.
    ASSERT_TRUE(runtime::wasm_engines_built());
    EXPECT_NE(std::string(e.what()).find("/nonexistent/core.wasm"), std::string::npos) << e.what();
  }
}

TEST(ServerTest, TlsOptionsWithoutTlsSupportStopStartup) {
  ServerConfig config;
  parse_config_text("listener 0 127.0.0.1\ncertfile /c.pem\n", "tls.conf", config);
  resolve_server_defaults(config);
  Logger logger(0, [](std::string_view) {});
  Server server(config, logger, nullptr);
  try {
    server.bind_listeners();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tls.conf:1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trustmq::shell

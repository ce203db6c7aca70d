// Both wasm engines against the hand-written abi_probe module (trap kinds, bounds checks,
// memory cap) and all three engines against the real core (same bytes in, same bytes out).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/persistence_record.h"
#include "mqtt_test_packets.h"
#include "runtime/engine_factory.h"
#include "runtime/module_measurement.h"
#include "runtime/wasm_aot_engine.h"
#include "runtime/wasm_interp_engine.h"
#include "tests/mqtt/fake_broker_host.h"

extern "C" const WasmAotModule trustmq_aot_module_abi_probe;

namespace trustmq::runtime {
namespace {

// The one user the fake host accepts, as the CONNECT packets of these tests log in.
const std::map<std::string, std::string> kEngineUsers = {{"alice", "secret"}};

namespace packets = test_packets;

std::unique_ptr<Engine> make_probe_engine(const std::string& engine, mqtt::BrokerHost& host,
                                          WasmLimits limits = {}) {
  if (engine == "wasm-aot") {
    return make_wasm_aot_engine(trustmq_aot_module_abi_probe, {}, host, 0, limits);
  }
  return make_wasm_interp_engine(TRUSTMQ_TEST_ABI_PROBE_WASM, {}, host, 0, limits);
}

void feed(Engine& engine, mqtt::ConnectionId conn, const mqtt::Bytes& bytes, TimeMs now = 1) {
  auto buffer = engine.input_buffer(bytes.size());
  ASSERT_GE(buffer.size(), bytes.size());
  std::memcpy(buffer.data(), bytes.data(), bytes.size());
  engine.commit_input(conn, bytes.size(), now);
}

class WasmProbeTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs probe command `command` and returns the trap it ends in.
  EngineTrap run_until_trap(std::uint8_t command) {
    auto engine = make_probe_engine(GetParam(), host);
    try {
      feed(*engine, 1, {command, 0, 0, 0});
    } catch (const EngineTrap& trap) {
      // The instance is unusable now: every further call stops with "stopped".
      EXPECT_THROW(engine->tick(5), EngineTrap);
      try {
        engine->input_buffer(10);
      } catch (const EngineTrap& again) {
        EXPECT_EQ(again.kind(), "stopped");
      }
      return trap;
    }
    ADD_FAILURE() << "command " << int(command) << " did not trap";
    return EngineTrap("none", "");
  }

  mqtt::testing::FakeBrokerHost host{kEngineUsers};
};

TEST_P(WasmProbeTest, EchoesThroughSendAndTicks) {
  auto engine = make_probe_engine(GetParam(), host);
  EXPECT_EQ(engine->name(), GetParam());
  feed(*engine, 42, {8, 'h', 'i'});
  ASSERT_EQ(host.sent.size(), 1u);
  EXPECT_EQ(host.sent[0].conn, 42u);
  EXPECT_EQ(host.sent[0].bytes, (mqtt::Bytes{8, 'h', 'i'}));
  EXPECT_EQ(engine->tick(500), 1500u);
}

TEST_P(WasmProbeTest, LogsTheModuleMeasurementBeforeRunning) {
  auto engine = make_probe_engine(GetParam(), host);
  const std::string expected = measure_module(read_module_file(TRUSTMQ_TEST_ABI_PROBE_WASM));
  EXPECT_EQ(engine->module_measurement(), expected);
  ASSERT_FALSE(host.logs.empty());
  EXPECT_NE(host.logs[0].second.find("module sha256 " + expected), std::string::npos);
}

TEST_P(WasmProbeTest, UnreachableTraps) {
  EXPECT_EQ(run_until_trap(1).kind(), "unreachable");
  EXPECT_TRUE(host.logged("wasm trap (unreachable)"));
}

TEST_P(WasmProbeTest, OutOfBoundsLoadTraps) {
  EXPECT_EQ(run_until_trap(2).kind(), "out-of-bounds");
}

TEST_P(WasmProbeTest, UnboundedRecursionTrapsAsStackExhaustion) {
  EXPECT_EQ(run_until_trap(3).kind(), "stack-exhaustion");
}

TEST_P(WasmProbeTest, MemoryCapEndsInMemoryLimit) {
  const EngineTrap trap = run_until_trap(4);
  EXPECT_EQ(trap.kind(), "memory-limit");
  EXPECT_NE(std::string(trap.what()).find("module memory limit reached"), std::string::npos);
}

TEST_P(WasmProbeTest, SendPastTheEndOfMemoryIsRejected) {
  EXPECT_EQ(run_until_trap(5).kind(), "abi-violation");
  EXPECT_TRUE(host.sent.empty());
  EXPECT_TRUE(host.logged("send: bytes out of bounds"));
}

TEST_P(WasmProbeTest, SendWrappingAroundIsRejected) {
  const EngineTrap trap = run_until_trap(6);
  EXPECT_EQ(trap.kind(), "abi-violation");
  EXPECT_NE(std::string(trap.what()).find("ptr=4294967040"), std::string::npos);
  EXPECT_TRUE(host.sent.empty());
}

TEST_P(WasmProbeTest, LogWithUnknownLevelIsRejected) {
  EXPECT_EQ(run_until_trap(7).kind(), "abi-violation");
}

TEST_P(WasmProbeTest, SendWithUnknownKindIsRejected) {
  EXPECT_EQ(run_until_trap(9).kind(), "abi-violation");
  EXPECT_TRUE(host.sent.empty());
}

TEST_P(WasmProbeTest, InputBufferOfZeroIsAnAbiViolation) {
  auto engine = make_probe_engine(GetParam(), host);
  try {
    engine->input_buffer(40000);  // the probe answers 0 above 32 KiB
    FAIL() << "expected a trap";
  } catch (const EngineTrap& trap) {
    EXPECT_EQ(trap.kind(), "abi-violation");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, WasmProbeTest, ::testing::Values("wasm-aot", "wasm-interp"),
                         [](const auto& info) {
                           return info.param == "wasm-aot" ? "Aot" : "Interp";
                         });

// ---- the real core -----------------------------------------------------------------------

mqtt::BrokerConfig core_config() {
  mqtt::BrokerConfig config;
  config.allow_anonymous = false;
  config.check_passwords = true;
  config.sys_interval_seconds = 0;
  return config;
}

// Drives a short session and returns every send, in order, as "conn:hex".
std::vector<std::string> run_session(Engine& engine, mqtt::testing::FakeBrokerHost& host) {
  mqtt::PeerInfo peer;
  peer.address = "127.0.0.1:40000";
  peer.listener_port = 1883;
  engine.open(1, peer, 10);
  feed(engine, 1, packets::connect("sub", "alice", "secret"), 11);
  feed(engine, 1, packets::subscribe(1, "sensors/+/temp"), 12);
  peer.address = "127.0.0.1:40001";
  engine.open(2, peer, 13);
  // Several packets in one batch, the last one split across two batches.
  mqtt::Bytes batch = packets::connect("pub", "alice", "secret");
  const mqtt::Bytes p1 = packets::publish("sensors/a/temp", "21.5");
  const mqtt::Bytes p2 = packets::publish("sensors/b/temp", std::string(3000, 'z'));
  batch.insert(batch.end(), p1.begin(), p1.end());
  batch.insert(batch.end(), p2.begin(), p2.begin() + 100);
  feed(engine, 2, batch, 14);
  feed(engine, 2, mqtt::Bytes(p2.begin() + 100, p2.end()), 15);
  feed(engine, 2, packets::publish("other/topic", "x"), 16);
  engine.open(3, peer, 17);
  feed(engine, 3, packets::connect("mallory", "alice", "wrong"), 18);
  engine.close(2, 19);
  engine.tick(20);
  std::vector<std::string> out;
  for (const auto& s : host.sent) {
    std::string hex = std::to_string(s.conn) + ":";
    for (std::uint8_t b : s.bytes) {
      static constexpr char kHex[] = "0123456789abcdef";
      hex += kHex[b >> 4];
      hex += kHex[b & 15];
    }
    out.push_back(hex);
  }
  return out;
}

class CoreEngineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CoreEngineTest, BehavesExactlyLikeTheNativeCore) {
  mqtt::testing::FakeBrokerHost native_host{kEngineUsers};
  auto native = make_engine("native", "", core_config(), native_host, 0);
  const auto expected = run_session(*native, native_host);
  ASSERT_GE(expected.size(), 4u);
  EXPECT_EQ(expected[0], "1:20020000");    // CONNACK accepted
  EXPECT_EQ(expected[1], "1:9003000100");  // SUBACK QoS 0

  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  auto engine = make_engine(GetParam(), "", core_config(), host, 0);
  EXPECT_EQ(engine->name(), GetParam());
  EXPECT_EQ(run_session(*engine, host), expected);
  EXPECT_EQ(host.closed, native_host.closed);
  EXPECT_EQ(host.auth_calls, native_host.auth_calls);
}

// A persistent session with a queued QoS 1 message: the records the engine emits through
// `persist`, and what a fresh engine makes of them through `restore`.
std::vector<mqtt::Bytes> persist_session(Engine& engine, mqtt::testing::FakeBrokerHost& host) {
  mqtt::PeerInfo peer;
  peer.address = "127.0.0.1:40000";
  engine.open(1, peer, 10);
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV311;
  connect.client_id = "sub";
  connect.clean_start = false;
  connect.username = "alice";
  connect.password = mqtt::Bytes{'s', 'e', 'c', 'r', 'e', 't'};
  mqtt::Bytes bytes;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV311, bytes);
  mqtt::SubscribePacket subscribe;
  subscribe.packet_id = 1;
  mqtt::SubscriptionRequest request;
  request.filter = "t";
  request.max_qos = mqtt::QoS::kAtLeastOnce;
  subscribe.subscriptions.push_back(request);
  mqtt::encode_packet(subscribe, mqtt::ProtocolVersion::kV311, bytes);
  feed(engine, 1, bytes, 11);
  engine.close(1, 12);
  engine.open(2, peer, 13);
  feed(engine, 2, packets::connect("pub", "alice", "secret"), 14);
  mqtt::PublishPacket publish;
  publish.topic = "t";
  publish.qos = mqtt::QoS::kAtLeastOnce;
  publish.packet_id = 5;
  publish.payload = mqtt::Bytes{'q', '1'};
  bytes.clear();
  mqtt::encode_packet(publish, mqtt::ProtocolVersion::kV311, bytes);
  feed(engine, 2, bytes, 15);
  return host.persisted;
}

TEST_P(CoreEngineTest, PersistsAndRestoresLikeTheNativeCore) {
  mqtt::BrokerConfig config = core_config();
  config.persistence = true;
  mqtt::testing::FakeBrokerHost native_host{kEngineUsers};
  auto native = make_engine("native", "", config, native_host, 0);
  const std::vector<mqtt::Bytes> expected = persist_session(*native, native_host);
  ASSERT_GE(expected.size(), 3u);  // session, subscription, message

  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  auto engine = make_engine(GetParam(), "", config, host, 0);
  EXPECT_EQ(persist_session(*engine, host), expected);

  mqtt::testing::FakeBrokerHost restored_host{kEngineUsers};
  auto restored = make_engine(GetParam(), "", config, restored_host, 0);
  // What a host keeps: the last put of each key, in key order.
  std::map<mqtt::Bytes, mqtt::Bytes> store;
  for (const mqtt::Bytes& record : expected) {
    const auto view = mqtt::decode_record(record);
    ASSERT_TRUE(view.has_value());
    const mqtt::Bytes key(view->key.begin(), view->key.end());
    if (view->op == mqtt::RecordOp::kPut) {
      store[key] = record;
    } else {
      store.erase(key);
    }
  }
  ASSERT_EQ(store.size(), 2u);  // the session and its queued message
  for (const auto& [key, record] : store) EXPECT_TRUE(restored->restore(record, 1));
  EXPECT_FALSE(restored->restore(mqtt::Bytes{1, 0, 1, 9, 9}, 1));  // unknown kind: refused
  mqtt::PeerInfo peer;
  peer.address = "127.0.0.1:40002";
  restored->open(1, peer, 20);
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV311;
  connect.client_id = "sub";
  connect.clean_start = false;
  connect.username = "alice";
  connect.password = mqtt::Bytes{'s', 'e', 'c', 'r', 'e', 't'};
  mqtt::Bytes bytes;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV311, bytes);
  feed(*restored, 1, bytes, 21);
  auto got = restored_host.take(1, mqtt::ProtocolVersion::kV311);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::get<mqtt::ConnackPacket>(got[0]).session_present);
  const auto& message = std::get<mqtt::PublishPacket>(got[1]);
  EXPECT_EQ(message.payload, (mqtt::Bytes{'q', '1'}));
  EXPECT_EQ(message.qos, mqtt::QoS::kAtLeastOnce);
}

TEST_P(CoreEngineTest, MeasurementIsThatOfTheBuiltModule) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  auto engine = make_engine(GetParam(), "", core_config(), host, 0);
  const std::string expected = measure_module(read_module_file(default_module_path()));
  EXPECT_EQ(engine->module_measurement(), expected);
  EXPECT_TRUE(host.logged(GetParam() + " engine: module sha256 " + expected));
}

TEST_P(CoreEngineTest, RuntimeMemoryCapStopsTheBrokerWithMemoryLimit) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  mqtt::BrokerConfig config = core_config();
  auto engine = make_engine(GetParam(), "", config, host, 0, WasmLimits{1});
  engine->open(1, mqtt::PeerInfo{}, 1);
  feed(*engine, 1, packets::connect("hoarder", "alice", "secret"));
  const std::string payload(16384, 'r');
  try {
    for (int i = 0; i < 200; ++i) {
      feed(*engine, 1, packets::publish("retained/" + std::to_string(i), payload, true));
    }
    FAIL() << "3 MiB of retained messages fit into a 1 MiB memory";
  } catch (const EngineTrap& trap) {
    EXPECT_EQ(trap.kind(), "memory-limit");
    EXPECT_TRUE(host.logged("module memory limit reached"));
  }
}

// Clients sending large packets slowly cannot fill the module's memory: the engine lowers the
// core's memory_limit to half of it, so the packets that would not fit are refused at their
// fixed header (DISCONNECT 0x97 to that client only) and the module never traps.
TEST_P(CoreEngineTest, ClientInputCannotFillTheModuleMemory) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  mqtt::BrokerConfig config = core_config();
  config.allow_anonymous = true;
  config.check_passwords = false;
  auto engine = make_engine(GetParam(), "", config, host, 0, WasmLimits{16});
  EXPECT_TRUE(host.logged("buffered client input limited to 8 MiB"));
  const mqtt::Bytes big = packets::publish("big/t", std::string(1'500'000, 'b'));
  constexpr int kClients = 10;  // 10 × 1.5 MiB would not fit in 16 MiB
  for (int i = 1; i <= kClients; ++i) {
    engine->open(static_cast<mqtt::ConnectionId>(i), mqtt::PeerInfo{}, 1);
    feed(*engine, static_cast<mqtt::ConnectionId>(i), packets::connect("c" + std::to_string(i)));
  }
  // Every client sends all of its packet but the last byte, 64 KiB at a time.
  for (std::size_t offset = 0; offset + 1 < big.size(); offset += 65536) {
    const std::size_t end = std::min(offset + 65536, big.size() - 1);
    for (int i = 1; i <= kClients; ++i) {
      ASSERT_NO_THROW(feed(*engine, static_cast<mqtt::ConnectionId>(i),
                           mqtt::Bytes(big.begin() + static_cast<std::ptrdiff_t>(offset),
                                       big.begin() + static_cast<std::ptrdiff_t>(end))));
    }
  }
  // 8 MiB hold five 1.5 MiB packets; the others were refused when their header came.
  EXPECT_EQ(host.closed.size(), kClients - 5u);
  EXPECT_TRUE(host.logged("would pass memory_limit"));
  // The admitted clients' packets complete, and the broker goes on serving.
  for (int i = 1; i <= 5; ++i) {
    EXPECT_NO_THROW(feed(*engine, static_cast<mqtt::ConnectionId>(i), mqtt::Bytes{big.back()}));
  }
  EXPECT_NO_THROW(engine->tick(100));
}

TEST_P(CoreEngineTest, ConfigurationWithAclRulesCrossesTheBoundary) {
  // A full configuration with ACL rules crosses the boundary intact: the ACL denies "secret/#".
  mqtt::BrokerConfig config = core_config();
  config.acl = mqtt::AclRules{};
  config.acl->users = {{"alice", {{mqtt::AclAccess::kReadWrite, "open/#", false}}}};
  mqtt::testing::FakeBrokerHost native_host{kEngineUsers};
  auto native = make_engine("native", "", config, native_host, 0);
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  auto engine = make_engine(GetParam(), "", config, host, 0);
  for (Engine* e : {native.get(), engine.get()}) {
    e->open(1, mqtt::PeerInfo{}, 1);
    feed(*e, 1, packets::connect("c", "alice", "secret"));
    feed(*e, 1, packets::subscribe(7, "secret/#"));
    feed(*e, 1, packets::subscribe(8, "open/#"));
  }
  ASSERT_EQ(host.sent.size(), 3u);
  EXPECT_EQ(host.sent[1].bytes, (mqtt::Bytes{0x90, 0x03, 0x00, 0x07, 0x80}));  // refused
  EXPECT_EQ(host.sent[2].bytes, (mqtt::Bytes{0x90, 0x03, 0x00, 0x08, 0x00}));  // granted
  for (std::size_t i = 0; i < host.sent.size(); ++i) {
    EXPECT_EQ(host.sent[i].bytes, native_host.sent[i].bytes);
  }
}

// reload_security crosses the boundary: the new ACL is applied in the module (the
// subscription it no longer grants stops delivering) and clients are checked again against
// the host's passwords, exactly as the native core does.
TEST_P(CoreEngineTest, ReloadSecurityCrossesTheBoundary) {
  mqtt::BrokerConfig config = core_config();
  config.acl = mqtt::AclRules{};
  config.acl->users = {{"alice", {{mqtt::AclAccess::kReadWrite, "open/#", false}}},
                       {"bob", {{mqtt::AclAccess::kReadWrite, "#", false}}}};
  const std::map<std::string, std::string> users = {{"alice", "secret"}, {"bob", "pw"}};
  mqtt::AclRules narrowed;
  narrowed.users = {{"alice", {{mqtt::AclAccess::kWrite, "open/#", false}}},
                    {"bob", {{mqtt::AclAccess::kReadWrite, "#", false}}}};
  mqtt::testing::FakeBrokerHost native_host{users};
  auto native = make_engine("native", "", config, native_host, 0);
  mqtt::testing::FakeBrokerHost host{users};
  auto engine = make_engine(GetParam(), "", config, host, 0);
  for (auto [e, h] : {std::pair{native.get(), &native_host}, std::pair{engine.get(), &host}}) {
    e->open(1, mqtt::PeerInfo{}, 1);
    feed(*e, 1, packets::connect("sub", "alice", "secret"));
    feed(*e, 1, packets::subscribe(7, "open/#"));
    e->open(2, mqtt::PeerInfo{}, 1);
    feed(*e, 2, packets::connect("bob", "bob", "pw"));
    feed(*e, 1, packets::publish("open/1", "before"));
    e->reload_security(narrowed, 2);
    h->passwords.erase("bob");
    feed(*e, 1, packets::publish("open/2", "after"));  // alice may still write, not read
    e->reload_security(narrowed, 3);                   // bob's password is gone
  }
  EXPECT_TRUE(host.logged("Removed subscription open/# of sub"));
  EXPECT_EQ(host.closed, std::vector<mqtt::ConnectionId>{2});
  ASSERT_EQ(host.sent.size(), native_host.sent.size());
  for (std::size_t i = 0; i < host.sent.size(); ++i) {
    EXPECT_EQ(host.sent[i].bytes, native_host.sent[i].bytes) << i;
  }
  int publishes_to_sub = 0;
  for (const auto& s : host.sent) publishes_to_sub += s.conn == 1 && (s.bytes[0] >> 4) == 3;
  EXPECT_EQ(publishes_to_sub, 1);  // open/1 only
  EXPECT_EQ(host.auth_calls, native_host.auth_calls);
}

TEST(WasmProbeReloadTest, AModuleWithoutTheExportSaysSo) {
  for (const std::string name : {"wasm-aot", "wasm-interp"}) {
    mqtt::testing::FakeBrokerHost host{kEngineUsers};
    auto engine = make_probe_engine(name, host);
    try {
      engine->reload_security(std::nullopt, 1);
      ADD_FAILURE() << name << ": no error";
    } catch (const EngineTrap&) {
      ADD_FAILURE() << name << ": a trap, not a refusal";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("no export reload_security"), std::string::npos);
    }
    EXPECT_NO_THROW(engine->tick(5));  // still running
  }
}

// Attested clients: the client's evidence goes out through the attest_client import, the
// host's claims, challenge and refusals come back in, and every engine answers as the native
// core (CONNACK, AUTH 0x18 challenge, AUTH 0x00, then DISCONNECT 0x87 after a refusal).
TEST_P(CoreEngineTest, ClientEvidenceCrossesTheBoundaryBothWays) {
  mqtt::BrokerConfig config = core_config();
  config.allow_anonymous = true;
  config.check_passwords = false;
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV5;
  connect.client_id = "attested-client";
  connect.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  connect.properties.authentication_data = mqtt::Bytes{mqtt::kClientEvidenceMarker, 0, 7, 8, 9};
  auto auth = [](mqtt::ReasonCode reason, mqtt::Bytes data) {
    mqtt::AuthPacket a;
    a.reason = reason;
    a.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
    a.properties.authentication_data = std::move(data);
    return a;
  };
  mqtt::Bytes bytes;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV5, bytes);
  for (const auto& a :
       {auth(mqtt::ReasonCode::kReAuthenticate, {mqtt::kClientReattestationMarker}),
        auth(mqtt::ReasonCode::kContinueAuthentication, {7, 8}),
        auth(mqtt::ReasonCode::kReAuthenticate, {mqtt::kClientReattestationMarker})}) {
    mqtt::encode_packet(a, mqtt::ProtocolVersion::kV5, bytes);
  }
  mqtt::Bytes last;
  mqtt::encode_packet(auth(mqtt::ReasonCode::kContinueAuthentication, {6}),
                      mqtt::ProtocolVersion::kV5, last);
  auto run = [&](const std::string& name) {
    auto host = std::make_unique<mqtt::testing::FakeBrokerHost>(kUsers);
    host->client_answers[0] = {mqtt::ClientEvidenceStatus::kAccepted, "type=sim\n"};
    host->client_answers[1] = {mqtt::ClientEvidenceStatus::kChallenge, "NONCE"};
    host->client_answers[2] = {mqtt::ClientEvidenceStatus::kAccepted, "type=sim\n"};
    auto engine = make_engine(name, "", config, *host, 0);
    engine->open(1, mqtt::PeerInfo{}, 1);
    // The first answer is accepted; make the second one fail once the first has gone through.
    feed(*engine, 1, bytes);
    host->client_answers[2] = {mqtt::ClientEvidenceStatus::kRefused, "binding-mismatch: x"};
    feed(*engine, 1, last);
    return host;
  };
  auto native = run("native");
  auto wasm = run(GetParam());
  ASSERT_EQ(wasm->client_calls.size(), 5u);
  EXPECT_EQ(wasm->client_calls[0].input, (mqtt::Bytes{7, 8, 9}));
  EXPECT_EQ(wasm->client_calls[4].step, mqtt::ClientEvidenceStep::kAnswer);
  EXPECT_EQ(wasm->client_calls[4].input, (mqtt::Bytes{6}));
  ASSERT_EQ(wasm->sent.size(), native->sent.size());
  for (std::size_t i = 0; i < wasm->sent.size(); ++i) {
    EXPECT_EQ(wasm->sent[i].bytes, native->sent[i].bytes) << i;
  }
  auto packets = wasm->take(1, mqtt::ProtocolVersion::kV5);
  ASSERT_EQ(packets.size(), 5u);
  EXPECT_EQ(std::get<mqtt::AuthPacket>(packets[1]).reason,
            mqtt::ReasonCode::kContinueAuthentication);
  EXPECT_EQ(std::get<mqtt::AuthPacket>(packets[2]).reason, mqtt::ReasonCode::kSuccess);
  EXPECT_EQ(std::get<mqtt::DisconnectPacket>(packets[4]).reason, mqtt::ReasonCode::kNotAuthorized);
}

// The deadline of an unanswered client challenge (BrokerConfig::client_reattestation_timeout_
// seconds) reaches every engine through the config codec and fires on the engine's tick.
TEST_P(CoreEngineTest, UnansweredClientChallengeTimesOutOnEveryEngine) {
  mqtt::BrokerConfig config = core_config();
  config.allow_anonymous = true;
  config.check_passwords = false;
  config.client_reattestation_timeout_seconds = 3;
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV5;
  connect.client_id = "silent-client";
  connect.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  connect.properties.authentication_data = mqtt::Bytes{mqtt::kClientEvidenceMarker, 0, 7};
  mqtt::AuthPacket ask;
  ask.reason = mqtt::ReasonCode::kReAuthenticate;
  ask.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  ask.properties.authentication_data = mqtt::Bytes{mqtt::kClientReattestationMarker};
  mqtt::Bytes bytes;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV5, bytes);
  mqtt::encode_packet(ask, mqtt::ProtocolVersion::kV5, bytes);
  auto run = [&](const std::string& name) {
    auto host = std::make_unique<mqtt::testing::FakeBrokerHost>(kUsers);
    host->client_answers[0] = {mqtt::ClientEvidenceStatus::kAccepted, "type=sim\n"};
    host->client_answers[1] = {mqtt::ClientEvidenceStatus::kChallenge, "NONCE"};
    auto engine = make_engine(name, "", config, *host, 0);
    engine->open(1, mqtt::PeerInfo{}, 1);
    feed(*engine, 1, bytes, 1);
    engine->tick(3'000);  // 1 ms before the deadline
    EXPECT_TRUE(host->closed.empty()) << name;
    engine->tick(3'001);
    return host;
  };
  auto native = run("native");
  auto wasm = run(GetParam());
  EXPECT_EQ(wasm->closed, std::vector<mqtt::ConnectionId>{1});
  ASSERT_EQ(wasm->sent.size(), native->sent.size());
  for (std::size_t i = 0; i < wasm->sent.size(); ++i) {
    EXPECT_EQ(wasm->sent[i].bytes, native->sent[i].bytes) << i;
  }
  auto packets = wasm->take(1, mqtt::ProtocolVersion::kV5);
  ASSERT_EQ(packets.size(), 3u);  // CONNACK, the challenge, DISCONNECT
  EXPECT_EQ(std::get<mqtt::DisconnectPacket>(packets[2]).reason, mqtt::ReasonCode::kNotAuthorized);
  EXPECT_TRUE(wasm->logged("client re-attestation not answered within 3 s"));
}

// Post-handshake attestation (method trustmq-attest-v1) crosses the boundary both ways: the
// request goes out through the produce_evidence import, the host's evidence comes back into
// the module and out in CONNACK and AUTH, exactly as with the native core.
TEST_P(CoreEngineTest, AttestationRequestsCrossTheBoundaryBothWays) {
  mqtt::BrokerConfig config = core_config();
  config.allow_anonymous = true;
  config.check_passwords = false;
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV5;
  connect.client_id = "attesting";
  connect.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  connect.properties.authentication_data = mqtt::Bytes{1, 2, 3};
  mqtt::AuthPacket reauth;
  reauth.reason = mqtt::ReasonCode::kReAuthenticate;
  reauth.properties.authentication_method = std::string(mqtt::kAttestAuthenticationMethod);
  reauth.properties.authentication_data = mqtt::Bytes{4, 5};
  mqtt::Bytes connect_bytes, auth_bytes;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV5, connect_bytes);
  mqtt::encode_packet(reauth, mqtt::ProtocolVersion::kV5, auth_bytes);

  auto run = [&](const std::string& name, std::size_t evidence_size) {
    auto host = std::make_unique<mqtt::testing::FakeBrokerHost>(kEngineUsers);
    host->evidence_status = mqtt::EvidenceStatus::kProduced;
    host->evidence_answer.assign(evidence_size, 0xEE);
    auto engine = make_engine(name, "", config, *host, 0);
    engine->open(1, mqtt::PeerInfo{}, 1);
    feed(*engine, 1, connect_bytes);
    feed(*engine, 1, auth_bytes);
    return host;
  };
  auto native = run("native", 3);
  auto wasm = run(GetParam(), 3);
  ASSERT_EQ(wasm->evidence_calls.size(), 2u);
  EXPECT_EQ(wasm->evidence_calls[0].request, (mqtt::Bytes{1, 2, 3}));
  EXPECT_EQ(wasm->evidence_calls[1].request, (mqtt::Bytes{4, 5}));
  ASSERT_EQ(wasm->sent.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(wasm->sent[i].bytes, native->sent[i].bytes);
  auto packets = wasm->take(1, mqtt::ProtocolVersion::kV5);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(std::get<mqtt::ConnackPacket>(packets[0]).properties.authentication_data,
            (mqtt::Bytes{0xEE, 0xEE, 0xEE, 1, 2, 3}));
  EXPECT_EQ(std::get<mqtt::AuthPacket>(packets[1]).properties.authentication_data,
            (mqtt::Bytes{0xEE, 0xEE, 0xEE, 4, 5}));

  // Evidence larger than the core takes is refused the same way by every engine (0x80).
  auto native_big = run("native", mqtt::kMaxEvidenceAnswerSize + 1);
  auto wasm_big = run(GetParam(), mqtt::kMaxEvidenceAnswerSize + 1);
  ASSERT_FALSE(wasm_big->sent.empty());
  EXPECT_EQ(wasm_big->sent[0].bytes, native_big->sent[0].bytes);
  auto refused = wasm_big->take(1, mqtt::ProtocolVersion::kV5);
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(std::get<mqtt::ConnackPacket>(refused[0]).reason, mqtt::ReasonCode::kUnspecifiedError);
}

TEST(EngineFactoryTest, UnknownEngineIsRejected) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  EXPECT_THROW(make_engine("wasm-jit", "", {}, host, 0), std::invalid_argument);
}

TEST(EngineFactoryTest, AotRefusesAModuleOtherThanTheTranslatedOne) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  EXPECT_THROW(make_engine("wasm-aot", TRUSTMQ_TEST_ABI_PROBE_WASM, {}, host, 0),
               std::invalid_argument);
  EXPECT_NO_THROW(make_engine("wasm-aot", default_module_path(), core_config(), host, 0));
}

TEST(EngineFactoryTest, InterpLoadsTheModuleGivenByPath) {
  mqtt::testing::FakeBrokerHost host{kEngineUsers};
  auto engine = make_engine("wasm-interp", TRUSTMQ_TEST_ABI_PROBE_WASM, {}, host, 0);
  EXPECT_EQ(engine->module_measurement(),
            measure_module(read_module_file(TRUSTMQ_TEST_ABI_PROBE_WASM)));
  EXPECT_THROW(make_engine("wasm-interp", "/nonexistent.wasm", {}, host, 0), std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(Engines, CoreEngineTest, ::testing::Values("wasm-aot", "wasm-interp"),
                         [](const auto& info) {
                           return info.param == "wasm-aot" ? "Aot" : "Interp";
                         });

}  // namespace
}  // namespace trustmq::runtime

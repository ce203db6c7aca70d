// CONNECT/CONNACK, authentication, keep-alive, takeover, PING and DISCONNECT.
#include <gtest/gtest.h>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

// The bytes of the one packet the broker sent to `c` since the last look.
Bytes only_raw_send(BrokerHarness& h, const TestClient& c) {
  auto raw = h.host.take_raw(c.conn());
  EXPECT_EQ(raw.size(), 1u);
  return raw.size() == 1 ? raw[0].bytes : Bytes{};
}

ConnackPacket only_connack(const std::vector<Packet>& packets) {
  EXPECT_EQ(packets.size(), 1u);
  if (packets.empty() || !std::holds_alternative<ConnackPacket>(packets[0])) {
    ADD_FAILURE() << "expected a CONNACK";
    return {};
  }
  return std::get<ConnackPacket>(packets[0]);
}

TEST(BrokerConnect, V5ConnackAdvertisesLimits) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_inflight_messages = 7;
  config.topic_alias_maximum = 5;
  config.max_packet_size = 4096;
  BrokerHarness h(config);
  ConnackPacket connack = h.open(kV5).connect("alpha");
  EXPECT_FALSE(connack.session_present);
  EXPECT_EQ(connack.properties.receive_maximum, 7);
  EXPECT_EQ(connack.properties.topic_alias_maximum, 5);
  EXPECT_EQ(connack.properties.maximum_packet_size, 4096u);
  EXPECT_EQ(connack.properties.retain_available, 1);
  EXPECT_EQ(connack.properties.wildcard_subscription_available, 1);
  EXPECT_EQ(connack.properties.subscription_identifier_available, 1);
  EXPECT_EQ(connack.properties.shared_subscription_available, 1);
  EXPECT_FALSE(connack.properties.assigned_client_identifier.has_value());
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
}

TEST(BrokerConnect, V311ConnackAndLog) {
  BrokerHarness h;
  h.open(kV311).connect("beta");
  EXPECT_TRUE(h.host.logged("New client connected from 10.0.0.1:1001 as beta (p4, c1, k0)."));
}

TEST(BrokerConnect, V31IsAccepted) {
  BrokerHarness h;
  h.open(ProtocolVersion::kV31).connect("old-client");
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
}

TEST(BrokerConnect, FirstPacketMustBeConnect) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  c.send(PingreqPacket{});
  EXPECT_TRUE(c.receive().empty());
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, SecondConnectIsProtocolErrorV5) {
  BrokerHarness h;
  TestClient& c = h.connected("dup", kV5);
  ConnectPacket again;
  again.client_id = "dup";
  c.send(again);
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kProtocolError);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.logged("dup"));
}

TEST(BrokerConnect, SecondConnectClosesV311WithoutDisconnect) {
  BrokerHarness h;
  TestClient& c = h.connected("dup", kV311);
  ConnectPacket again;
  again.version = kV311;
  again.client_id = "dup";
  c.send(again);
  EXPECT_TRUE(c.receive().empty());
  EXPECT_TRUE(c.closed());
}

Bytes connect_with_level(std::uint8_t level) {
  // CONNECT "MQTT" level N, clean, keep alive 0, client id "x".
  return Bytes{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', level, 0x02, 0, 0, 0, 1, 'x'};
}

TEST(BrokerConnect, UnsupportedVersionV3Answer) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  c.send_raw(connect_with_level(2));
  EXPECT_EQ(only_raw_send(h, c), (Bytes{0x20, 0x02, 0x00, 0x01}));
  EXPECT_TRUE(c.closed());
}

// mosquitto's bridges set 0x80 in the level (try_private): 0x84 with "MQTT" (3.1.1) is
// accepted as a bridge (broker_bridge_protocol_test.cpp); a bit on any level that is not a
// known one gets 3.1.1's "unacceptable protocol version", on which mosquitto retries without it.
TEST(BrokerConnect, BridgeBitOn311IsAcceptedOtherwiseTheV3Answer) {
  {
    BrokerHarness h;
    TestClient& c = h.open(kV311);
    c.send_raw(connect_with_level(0x84));
    EXPECT_EQ(only_raw_send(h, c), (Bytes{0x20, 0x02, 0x00, 0x00}));
    EXPECT_FALSE(c.closed());
  }
  for (const std::uint8_t level : {0x83, 0x85}) {  // 0x83 is 3.1, whose name is "MQIsdp"
    BrokerHarness h;
    TestClient& c = h.open(kV311);
    c.send_raw(connect_with_level(level));
    EXPECT_EQ(only_raw_send(h, c), (Bytes{0x20, 0x02, 0x00, 0x01})) << int{level};
    EXPECT_TRUE(c.closed());
  }
}

TEST(BrokerConnect, UnsupportedVersionV5Answer) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  c.send_raw(connect_with_level(6));
  auto packets = c.receive();
  EXPECT_EQ(only_connack(packets).reason, ReasonCode::kUnsupportedProtocolVersion);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, EmptyClientIdAssignedInV5) {
  BrokerHarness h;
  ConnackPacket connack = h.open(kV5).connect("");
  ASSERT_TRUE(connack.properties.assigned_client_identifier.has_value());
  EXPECT_FALSE(connack.properties.assigned_client_identifier->empty());
  // A second one gets a different identifier.
  ConnackPacket other = h.open(kV5).connect("");
  EXPECT_NE(other.properties.assigned_client_identifier,
            connack.properties.assigned_client_identifier);
}

TEST(BrokerConnect, EmptyClientIdV311CleanSessionAccepted) {
  BrokerHarness h;
  ConnackPacket connack = h.open(kV311).connect("", /*clean_start=*/true);
  EXPECT_EQ(connack.reason, ReasonCode::kSuccess);
}

TEST(BrokerConnect, EmptyClientIdV311PersistentRejected) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  ConnectPacket p;
  p.clean_start = false;
  auto raw_before = c.try_connect(p);
  EXPECT_EQ(only_connack(raw_before).reason, ReasonCode::kClientIdentifierNotValid);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, EmptyClientIdV311PersistentRejectedOnTheWire) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  ConnectPacket p;
  p.version = kV311;
  p.clean_start = false;
  c.send(p);
  EXPECT_EQ(only_raw_send(h, c), (Bytes{0x20, 0x02, 0x00, 0x02}));  // identifier rejected
}

TEST(BrokerConnect, AnonymousRefusedUnlessAllowed) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  BrokerHarness h(config);
  TestClient& v5 = h.open(kV5);
  ConnectPacket p;
  p.client_id = "anon";
  EXPECT_EQ(only_connack(v5.try_connect(p)).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(v5.closed());
  TestClient& v3 = h.open(kV311);
  v3.send([] {
    ConnectPacket q;
    q.version = kV311;
    q.client_id = "anon3";
    return q;
  }());
  EXPECT_EQ(only_raw_send(h, v3), (Bytes{0x20, 0x02, 0x00, 0x05}));
  EXPECT_EQ(h.broker().stats().clients_connected, 0u);
}

// allow_anonymous false without a password file: a user name proves nothing, so nobody
// gets in (mosquitto 2.0: not authorised), whatever user name and password are sent.
TEST(BrokerConnect, UserNameWithoutPasswordFileIsRefused) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = false;
  BrokerHarness h(config);
  ConnectPacket p;
  p.client_id = "mallory";
  p.username = "mallory";
  p.password = to_bytes("whatever");
  TestClient& v5 = h.open(kV5);
  EXPECT_EQ(only_connack(v5.try_connect(p)).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(v5.closed());
  TestClient& v3 = h.open(kV311);
  p.version = kV311;
  v3.send(p);
  EXPECT_EQ(only_raw_send(h, v3), (Bytes{0x20, 0x02, 0x00, 0x05}));  // not authorised
  EXPECT_TRUE(v3.closed());
  EXPECT_EQ(h.broker().stats().clients_connected, 0u);
  EXPECT_EQ(h.host.auth_calls.size(), 0u);
  EXPECT_TRUE(h.host.logged("user name given but no password_file to check it"));
}

TEST(BrokerConnect, UserNameWithoutPasswordFileIsAcceptedWhenAnonymousAllowed) {
  BrokerHarness h;  // allow_anonymous true, no password file: as mosquitto
  ConnectPacket p;
  p.client_id = "named";
  p.username = "anyone";
  h.open(kV5).connect(p);
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
}

TEST(BrokerConnect, TlsIdentityNeedsNoPasswordFile) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = false;
  BrokerHarness h(config);
  PeerInfo peer;
  peer.tls_identity = "device-9";
  peer.use_identity_as_username = true;
  h.open(kV311, peer).connect("d9");
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
}

// message_size_limit applies to a will: it would be published later as a PUBLISH.
TEST(BrokerConnect, WillLargerThanMessageSizeLimitIsRefused) {
  BrokerConfig config = BrokerHarness::default_config();
  config.message_size_limit = 100;
  BrokerHarness h(config);
  ConnectPacket p;
  p.client_id = "w";
  p.will.emplace();
  p.will->topic = "will/t";
  p.will->payload.assign(101, 0x41);
  TestClient& v5 = h.open(kV5);
  EXPECT_EQ(only_connack(v5.try_connect(p)).reason, ReasonCode::kPacketTooLarge);
  EXPECT_TRUE(v5.closed());
  TestClient& v3 = h.open(kV311);
  p.version = kV311;
  v3.send(p);
  EXPECT_EQ(only_raw_send(h, v3), (Bytes{0x20, 0x02, 0x00, 0x05}));  // as mosquitto
  EXPECT_TRUE(v3.closed());

  p.will->payload.assign(100, 0x41);  // at the limit: accepted
  h.open(kV5).connect(p);
}

// MQTT 3.1 has no session-present flag: the first CONNACK byte is reserved, always 0.
TEST(BrokerConnect, V31ConnackNeverSetsSessionPresent) {
  BrokerHarness h;
  constexpr auto kV31 = ProtocolVersion::kV31;
  ConnectPacket p;
  p.client_id = "old";
  p.clean_start = false;
  TestClient& first = h.open(kV31);
  first.connect(p);
  first.close();
  TestClient& again = h.open(kV31);
  p.version = kV31;
  p.protocol_name = "MQIsdp";
  again.send(p);
  EXPECT_EQ(only_raw_send(h, again), (Bytes{0x20, 0x02, 0x00, 0x00}));
  // The session was resumed all the same; 3.1.1 reports it.
  again.close();
  TestClient& v311 = h.open(kV311);
  EXPECT_TRUE(v311.connect(p).session_present);
}

TEST(BrokerConnect, PasswordCheckedByHost) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = true;
  BrokerHarness h(config);
  h.host.passwords["alice"] = "secret";
  ConnectPacket good;
  good.client_id = "a1";
  good.username = "alice";
  good.password = to_bytes("secret");
  h.open(kV5).connect(good);
  ConnectPacket bad = good;
  bad.client_id = "a2";
  bad.password = to_bytes("wrong");
  TestClient& c = h.open(kV5);
  EXPECT_EQ(only_connack(c.try_connect(bad)).reason, ReasonCode::kBadUserNameOrPassword);
  EXPECT_TRUE(c.closed());
  TestClient& c3 = h.open(kV311);
  bad.client_id = "a3";
  c3.try_connect(bad);  // decoded as a v3 CONNACK: reason maps back from code 4
  EXPECT_TRUE(c3.closed());
  EXPECT_EQ(h.host.auth_calls.size(), 3u);
}

TEST(BrokerConnect, TlsIdentityReplacesUsername) {
  BrokerConfig config = BrokerHarness::default_config();
  config.allow_anonymous = false;
  config.check_passwords = true;
  AclRules acl;
  acl.users.push_back({"device-7", {{AclAccess::kReadWrite, "dev/7/#", false}}});
  config.acl = acl;
  BrokerHarness h(config);
  PeerInfo peer;
  peer.tls_identity = "device-7";
  peer.use_identity_as_username = true;
  TestClient& c = h.open(kV5, peer);
  c.connect("d7");  // no username, no password: the identity is the username
  EXPECT_EQ(h.host.auth_calls.size(), 0u);
  SubackPacket allowed = c.subscribe("dev/7/x", QoS::kAtLeastOnce);
  EXPECT_EQ(allowed.reasons[0], ReasonCode::kGrantedQoS1);
  SubackPacket denied = c.subscribe("dev/8/x", QoS::kAtLeastOnce);
  EXPECT_EQ(denied.reasons[0], ReasonCode::kNotAuthorized);

  PeerInfo no_identity;
  no_identity.use_identity_as_username = true;
  TestClient& other = h.open(kV5, no_identity);
  ConnectPacket p;
  p.client_id = "x";
  EXPECT_EQ(only_connack(other.try_connect(p)).reason, ReasonCode::kNotAuthorized);
}

TEST(BrokerConnect, KeepAliveTimeoutV5SendsDisconnect) {
  BrokerHarness h;
  TestClient& c = h.open(kV5);
  ConnectPacket p;
  p.client_id = "ka";
  p.keep_alive_seconds = 10;
  c.connect(p);
  TimeMs deadline = h.advance(14'000);
  EXPECT_FALSE(c.closed());
  EXPECT_LE(deadline, h.now + 1'000);
  c.send(PingreqPacket{});
  auto pong = c.receive();
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<PingrespPacket>(pong[0]));
  h.advance(14'000);  // 14 s since the PINGREQ: still within 15 s
  EXPECT_FALSE(c.closed());
  h.advance(1'000);
  EXPECT_TRUE(c.closed());
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kKeepAliveTimeout);
  EXPECT_TRUE(h.host.logged("ka has exceeded timeout"));
}

TEST(BrokerConnect, KeepAliveTimeoutV311JustCloses) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  ConnectPacket p;
  p.client_id = "ka3";
  p.keep_alive_seconds = 2;
  c.connect(p);
  h.advance(2'999);
  EXPECT_FALSE(c.closed());
  h.advance(1);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(c.receive().empty());
}

TEST(BrokerConnect, ServerKeepAliveWhenClientAsksTooMuch) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_keepalive_seconds = 60;
  BrokerHarness h(config);
  TestClient& c = h.open(kV5);
  ConnectPacket p;
  p.client_id = "slow";
  p.keep_alive_seconds = 600;
  ConnackPacket connack = c.connect(p);
  EXPECT_EQ(connack.properties.server_keep_alive, 60);
  h.advance(90'000);
  EXPECT_TRUE(c.closed());
}

TEST(BrokerConnect, ConnectionWithoutConnectTimesOut) {
  BrokerHarness h;
  TestClient& idle = h.open(kV311);
  TestClient& slow = h.open(kV311);
  slow.send_raw(Bytes{0x10});  // first byte of a CONNECT, then nothing
  h.advance(29'000);
  EXPECT_FALSE(idle.closed());
  h.advance(1'000);
  EXPECT_TRUE(idle.closed());
  EXPECT_TRUE(slow.closed());
  EXPECT_TRUE(h.host.logged("No CONNECT from"));
}

TEST(BrokerConnect, PingAndDisconnect) {
  BrokerHarness h;
  TestClient& c = h.connected("p", kV311);
  c.send(PingreqPacket{});
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<PingrespPacket>(packets[0]));
  c.send(DisconnectPacket{});
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(h.broker().stats().clients_connected, 0u);
  c.close();
  EXPECT_EQ(h.broker().stats().clients_connected, 0u);
}

TEST(BrokerConnect, SessionTakeoverV5) {
  BrokerHarness h;
  TestClient& first = h.connected("same", kV5);
  TestClient& second = h.open(kV5);
  second.connect("same");
  auto packets = first.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kSessionTakenOver);
  EXPECT_TRUE(first.closed());
  EXPECT_FALSE(second.closed());
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
  first.close();  // the old socket goes away later: must not disturb the new owner
  EXPECT_EQ(h.broker().stats().clients_connected, 1u);
  second.subscribe("t");
  h.connected("pub", kV5).publish("t", "hello");
  EXPECT_EQ(second.receive_publishes().size(), 1u);
}

TEST(BrokerConnect, SessionTakeoverV311ClosesOld) {
  BrokerHarness h;
  TestClient& first = h.connected("same", kV311);
  h.open(kV311).connect("same");
  EXPECT_TRUE(first.receive().empty());
  EXPECT_TRUE(first.closed());
}

TEST(BrokerConnect, PartialAndBatchedInput) {
  BrokerHarness h;
  TestClient& c = h.open(kV311);
  ConnectPacket connect;
  connect.version = kV311;
  connect.client_id = "bytes";
  Bytes all;
  encode_packet(connect, kV311, all);
  encode_packet(PingreqPacket{}, kV311, all);
  encode_packet(PingreqPacket{}, kV311, all);
  for (std::uint8_t b : all) c.send_raw(Bytes{b});  // one byte at a time
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<ConnackPacket>(packets[0]));
  EXPECT_TRUE(std::holds_alternative<PingrespPacket>(packets[2]));
  // And all at once.
  TestClient& d = h.open(kV311);
  connect.client_id = "batch";
  all.clear();
  encode_packet(connect, kV311, all);
  encode_packet(PingreqPacket{}, kV311, all);
  d.send_raw(all);
  EXPECT_EQ(d.receive().size(), 2u);
}

TEST(BrokerConnect, MalformedPacketV5GetsDisconnectAndOthersUnaffected) {
  BrokerHarness h;
  TestClient& bad = h.connected("bad", kV5);
  TestClient& good = h.connected("good", kV5);
  good.subscribe("t");
  bad.send_raw(Bytes{0x30, 0x02, 0x00, 0x05});  // PUBLISH whose topic length overruns
  auto packets = bad.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kMalformedPacket);
  EXPECT_TRUE(bad.closed());
  EXPECT_TRUE(h.host.logged("Client bad disconnected: "));
  h.connected("pub", kV5).publish("t", "still fine");
  EXPECT_EQ(good.receive_publishes().size(), 1u);
  EXPECT_FALSE(good.closed());
}

TEST(BrokerConnect, MalformedPacketV311JustCloses) {
  BrokerHarness h;
  TestClient& bad = h.connected("bad", kV311);
  bad.send_raw(Bytes{0x30, 0x02, 0x00, 0x05});
  EXPECT_TRUE(bad.receive().empty());
  EXPECT_TRUE(bad.closed());
}

TEST(BrokerConnect, InboundPacketTooLarge) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_packet_size = 64;
  BrokerHarness h(config);
  TestClient& c = h.connected("big", kV5);
  c.publish("t", std::string(100, 'x'));
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kPacketTooLarge);
  EXPECT_TRUE(c.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

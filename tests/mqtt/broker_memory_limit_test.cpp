// What one client can make the broker buffer: a packet claimed before CONNECT is capped by
// max_connect_packet_size (refused at its fixed header, before anything is buffered), and
// incomplete packets of all connections share memory_limit, one client at most a quarter.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

// A fixed header of `type` claiming `remaining` bytes, and nothing of the body.
Bytes fixed_header(std::uint8_t type, std::uint32_t remaining) {
  Bytes out{type};
  do {
    std::uint8_t digit = remaining % 128;
    remaining /= 128;
    if (remaining != 0) digit |= 0x80;
    out.push_back(digit);
  } while (remaining != 0);
  return out;
}

// The first `count` bytes of a QoS 0 PUBLISH whose payload is `payload_size` bytes.
Bytes partial_publish(std::size_t payload_size, std::size_t count) {
  PublishPacket p;
  p.topic = "big/t";
  p.payload.assign(payload_size, 0x5A);
  Bytes whole;
  encode_packet(p, kV5, whole);
  return Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(count));
}

BrokerConfig limited(std::uint64_t memory_limit) {
  BrokerConfig config = BrokerHarness::default_config();
  config.memory_limit = memory_limit;
  return config;
}

TEST(BrokerMemoryLimit, HugeClaimBeforeConnectClosesAtTheFixedHeader) {
  BrokerHarness h;
  TestClient& good = h.connected("good", kV311);
  good.subscribe("t");
  TestClient& attacker = h.open(kV311);
  attacker.send_raw(fixed_header(0x10, 250u * 1024 * 1024));  // CONNECT of 250 MiB
  EXPECT_TRUE(attacker.closed());
  EXPECT_TRUE(attacker.receive().empty());  // no CONNACK
  EXPECT_TRUE(
      h.host.logged("exceeds the maximum of " + std::to_string(kDefaultMaxConnectPacketSize)));
  h.connected("pub", kV311).publish("t", "still served");
  EXPECT_EQ(good.receive_publishes().size(), 1u);
}

TEST(BrokerMemoryLimit, ConnectUpToTheCapIsAccepted) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_connect_packet_size = 70'000;
  BrokerHarness h(config);
  ConnectPacket p;
  p.client_id = "willing";
  p.will.emplace();
  p.will->topic = "w";
  p.will->payload.assign(65'000, 0x42);
  TestClient& c = h.open(kV311);
  c.connect(p);  // a real CONNECT with a large will, sent in one piece
  EXPECT_FALSE(c.closed());

  config.max_connect_packet_size = 60'000;
  BrokerHarness strict(config);
  TestClient& refused = strict.open(kV311);
  EXPECT_TRUE(refused.try_connect(p).empty());
  EXPECT_TRUE(refused.closed());
}

TEST(BrokerMemoryLimit, TheCapDoesNotApplyAfterConnect) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_connect_packet_size = 1024;
  BrokerHarness h(config);
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("t");
  TestClient& pub = h.connected("pub", kV5);
  pub.publish("t", std::string(100'000, 'x'));
  ASSERT_EQ(sub.receive_publishes().size(), 1u);
  EXPECT_FALSE(pub.closed());
}

TEST(BrokerMemoryLimit, SlowPartialConnectsShareABoundedBuffer) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_connect_packet_size = 100'000;
  config.memory_limit = 1'000'000;  // pre-CONNECT share: 250 000 bytes
  BrokerHarness h(config);
  TestClient& good = h.connected("good", kV5);
  good.subscribe("t");
  std::vector<TestClient*> slow;
  for (int i = 0; i < 3; ++i) {
    TestClient& c = h.open(kV311);
    c.send_raw(fixed_header(0x10, 80'000));  // 3 × 80 003 bytes fit in 250 000
    slow.push_back(&c);
  }
  for (TestClient* c : slow) EXPECT_FALSE(c->closed());
  TestClient& fourth = h.open(kV311);
  fourth.send_raw(fixed_header(0x10, 80'000));
  EXPECT_TRUE(fourth.closed());
  EXPECT_TRUE(h.host.logged("the buffer limit for clients that have not completed CONNECT"));
  for (TestClient* c : slow) EXPECT_FALSE(c->closed());

  // The connected client is unaffected, and a slow client leaving frees its share.
  h.connected("pub", kV5).publish("t", "served");
  EXPECT_EQ(good.receive_publishes().size(), 1u);
  slow[0]->close();
  TestClient& next = h.open(kV311);
  next.send_raw(fixed_header(0x10, 80'000));
  EXPECT_FALSE(next.closed());
}

TEST(BrokerMemoryLimit, OneClientGetsAtMostAQuarter) {
  BrokerHarness h(limited(400'000));
  TestClient& c = h.connected("greedy", kV5);
  c.send_raw(partial_publish(150'000, 1000));  // declares > 100 000 bytes
  auto packets = c.receive();
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<DisconnectPacket>(packets[0]).reason, ReasonCode::kQuotaExceeded);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(h.host.logged("one client's share"));
}

TEST(BrokerMemoryLimit, IncompletePacketsOfAllClientsShareTheLimit) {
  BrokerHarness h(limited(400'000));
  TestClient& sub = h.connected("sub", kV5);
  sub.subscribe("big/#");
  std::vector<TestClient*> senders;
  for (int i = 0; i < 4; ++i) {
    TestClient& c = h.connected("s" + std::to_string(i), kV5);
    c.send_raw(partial_publish(90'000, 10));  // 4 × ~90 000 fit in 400 000
    senders.push_back(&c);
  }
  for (TestClient* c : senders) EXPECT_FALSE(c->closed());
  TestClient& fifth = h.connected("s4", kV5);
  fifth.send_raw(partial_publish(90'000, 10));
  EXPECT_TRUE(fifth.closed());
  EXPECT_TRUE(h.host.logged("would pass memory_limit"));

  // Completing a packet gives its reservation back: the next one fits again.
  const Bytes rest = [] {
    PublishPacket p;
    p.topic = "big/t";
    p.payload.assign(90'000, 0x5A);
    Bytes whole;
    encode_packet(p, kV5, whole);
    return Bytes(whole.begin() + 10, whole.end());
  }();
  senders[0]->send_raw(rest);
  EXPECT_EQ(sub.receive_publishes().size(), 1u);
  TestClient& sixth = h.connected("s5", kV5);
  sixth.send_raw(partial_publish(90'000, 10));
  EXPECT_FALSE(sixth.closed());
  for (TestClient* c : senders) EXPECT_FALSE(c->closed());
}

TEST(BrokerMemoryLimit, WithoutALimitOnlyPreConnectBuffersAreBounded) {
  BrokerHarness h;  // memory_limit 0: no overall limit, as mosquitto's default
  std::size_t open = 0;
  std::size_t refused = 0;
  const std::uint32_t claim = kDefaultMaxConnectPacketSize - 10;
  for (std::uint64_t reserved = 0; reserved <= kDefaultPreConnectBufferLimit + claim;
       reserved += claim) {
    TestClient& c = h.open(kV311);
    c.send_raw(fixed_header(0x10, claim));
    (c.closed() ? refused : open) += 1;
  }
  EXPECT_EQ(open, kDefaultPreConnectBufferLimit / (claim + 4));
  EXPECT_GE(refused, 1u);
  TestClient& pub = h.connected("pub", kV5);
  pub.send_raw(partial_publish(10'000'000, 100));  // after CONNECT: max_packet_size only
  EXPECT_FALSE(pub.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

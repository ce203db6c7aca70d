// How the broker frames received bytes: packets whole in a batch are decoded from it, an
// incomplete one is carried over and completed from the following batches, wherever the
// batches cut the stream.
#include <cstddef>
#include <string>
#include <vector>

#include "broker_test_harness.h"

namespace trustmq::mqtt::testing {
namespace {

PublishPacket publish_of(std::string topic, std::size_t payload_size, std::uint8_t fill) {
  PublishPacket p;
  p.topic = std::move(topic);
  p.payload.assign(payload_size, fill);
  return p;
}

// Payload sizes whose remaining length needs 1, 2 and 3 bytes, plus an empty one.
std::vector<PublishPacket> sample_publishes() {
  return {publish_of("in/a", 3, 0x11), publish_of("in/b", 200, 0x22), publish_of("in/c", 0, 0x00),
          publish_of("in/d", 20000, 0x33), publish_of("in/e", 1, 0x44)};
}

Bytes encode_all(const std::vector<PublishPacket>& publishes) {
  Bytes out;
  for (const PublishPacket& p : publishes) encode_packet(p, kV311, out);
  return out;
}

void expect_same(const std::vector<PublishPacket>& got, const std::vector<PublishPacket>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].topic, want[i].topic) << i;
    EXPECT_EQ(got[i].payload, want[i].payload) << i;
  }
}

// Interesting cut points: every offset around packet boundaries and fixed headers.
std::vector<std::size_t> cut_points(const std::vector<PublishPacket>& publishes) {
  std::vector<std::size_t> cuts;
  std::size_t start = 0;
  for (const PublishPacket& p : publishes) {
    Bytes one;
    encode_packet(p, kV311, one);
    for (std::size_t k = 0; k < 8 && k <= one.size(); ++k) cuts.push_back(start + k);
    cuts.push_back(start + one.size() / 2);
    for (std::size_t k = 1; k < 4 && k <= one.size(); ++k) cuts.push_back(start + one.size() - k);
    start += one.size();
  }
  return cuts;
}

TEST(BrokerInput, StreamCutAnywhereInTwoBatches) {
  const auto publishes = sample_publishes();
  const Bytes all = encode_all(publishes);
  for (std::size_t cut : cut_points(publishes)) {
    if (cut > all.size()) continue;
    BrokerHarness h;
    TestClient& sub = h.connected("sub", kV311);
    sub.subscribe("in/#");
    TestClient& pub = h.connected("pub", kV311);
    pub.send_raw(Bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(cut)));
    pub.send_raw(Bytes(all.begin() + static_cast<std::ptrdiff_t>(cut), all.end()));
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_same(sub.receive_publishes(), publishes);
    EXPECT_FALSE(pub.closed());
  }
}

TEST(BrokerInput, StreamInSmallAndUnevenBatches) {
  const auto publishes = sample_publishes();
  const Bytes all = encode_all(publishes);
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 100u, 4096u, 16383u}) {
    BrokerHarness h;
    TestClient& sub = h.connected("sub", kV311);
    sub.subscribe("in/#");
    TestClient& pub = h.connected("pub", kV311);
    for (std::size_t at = 0; at < all.size(); at += chunk) {
      const std::size_t end = std::min(all.size(), at + chunk);
      pub.send_raw(Bytes(all.begin() + static_cast<std::ptrdiff_t>(at),
                         all.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    expect_same(sub.receive_publishes(), publishes);
  }
}

TEST(BrokerInput, MalformedLengthSplitAcrossBatchesCloses) {
  BrokerHarness h;
  TestClient& sub = h.connected("sub", kV311);
  sub.subscribe("in/#");
  TestClient& pub = h.connected("pub", kV311);
  Bytes good;
  encode_packet(publish_of("in/a", 3, 0x11), kV311, good);
  Bytes first = good;
  first.insert(first.end(), {0x30, 0xFF, 0xFF});
  pub.send_raw(first);
  EXPECT_FALSE(pub.closed());
  pub.send_raw(Bytes{0xFF, 0xFF, 0x01, 0x00});  // a fifth length byte
  EXPECT_TRUE(pub.closed());
  expect_same(sub.receive_publishes(), {publish_of("in/a", 3, 0x11)});
}

TEST(BrokerInput, TooLargePacketAnnouncedInCarriedHeaderCloses) {
  BrokerConfig config = BrokerHarness::default_config();
  config.max_packet_size = 1000;
  BrokerHarness h(config);
  TestClient& pub = h.connected("pub", kV311);
  Bytes big;
  encode_packet(publish_of("in/a", 5000, 0x11), kV311, big);
  pub.send_raw(Bytes{big[0]});
  EXPECT_FALSE(pub.closed());
  pub.send_raw(Bytes(big.begin() + 1, big.begin() + 100));
  EXPECT_TRUE(pub.closed());
}

}  // namespace
}  // namespace trustmq::mqtt::testing

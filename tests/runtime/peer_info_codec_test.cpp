#include "runtime/peer_info_codec.h"

#include <gtest/gtest.h>

namespace trustmq::runtime {
namespace {

mqtt::PeerInfo sample_peer() {
  mqtt::PeerInfo peer;
  peer.address = "[::1]:50123";
  peer.listener_port = 8883;
  peer.tls_identity = "client-7";
  peer.use_identity_as_username = true;
  peer.attested = true;
  peer.bridge = true;
  return peer;
}

TEST(PeerInfoCodecTest, RoundTrips) {
  const mqtt::PeerInfo peer = sample_peer();
  mqtt::PeerInfo decoded;
  ASSERT_TRUE(decode_peer_info(encode_peer_info(peer), decoded));
  EXPECT_EQ(decoded.address, peer.address);
  EXPECT_EQ(decoded.listener_port, 8883);
  EXPECT_EQ(decoded.tls_identity, "client-7");
  EXPECT_TRUE(decoded.use_identity_as_username);
  EXPECT_TRUE(decoded.attested);
  EXPECT_TRUE(decoded.bridge);

  mqtt::PeerInfo plain;
  plain.address = "127.0.0.1:1";
  ASSERT_TRUE(decode_peer_info(encode_peer_info(plain), decoded));
  EXPECT_EQ(decoded.address, "127.0.0.1:1");
  EXPECT_EQ(decoded.tls_identity, "");
  EXPECT_FALSE(decoded.use_identity_as_username);
  EXPECT_FALSE(decoded.attested);
  EXPECT_FALSE(decoded.bridge);
}

TEST(PeerInfoCodecTest, RejectsEveryTruncation) {
  const mqtt::Bytes encoded = encode_peer_info(sample_peer());
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    mqtt::PeerInfo decoded;
    EXPECT_FALSE(decode_peer_info(mqtt::ByteView(encoded.data(), n), decoded)) << n;
  }
}

TEST(PeerInfoCodecTest, RejectsTrailingBytesAndUnknownFlags) {
  mqtt::Bytes encoded = encode_peer_info(sample_peer());
  mqtt::PeerInfo decoded;
  encoded.push_back(0);
  EXPECT_FALSE(decode_peer_info(encoded, decoded));
  encoded.pop_back();
  encoded.back() |= 0x80;
  EXPECT_FALSE(decode_peer_info(encoded, decoded));
}

TEST(PeerInfoCodecTest, RejectsLengthPastTheEnd) {
  mqtt::Bytes encoded = encode_peer_info(sample_peer());
  encoded[0] = 0xff;  // address length 0x...ff: more than what follows
  encoded[3] = 0xff;
  mqtt::PeerInfo decoded;
  EXPECT_FALSE(decode_peer_info(encoded, decoded));
}

}  // namespace
}  // namespace trustmq::runtime

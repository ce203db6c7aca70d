#include "runtime/peer_info_codec.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trustmq::runtime {
namespace {

constexpr std::uint8_t kUseIdentityAsUsername = 1;
constexpr std::uint8_t kAttested = 2;
constexpr std::uint8_t kBridge = 4;

void put_u32(mqtt::Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_string(mqtt::Bytes& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

bool take_string(mqtt::ByteView bytes, std::size_t& pos, std::string& s) {
  if (bytes.size() - pos < 4) return false;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(bytes[pos + i]) << (8 * i);
  pos += 4;
  if (bytes.size() - pos < length) return false;
  s.assign(reinterpret_cast<const char*>(bytes.data() + pos), length);
  pos += length;
  return true;
}

}  // namespace

mqtt::Bytes encode_peer_info(const mqtt::PeerInfo& peer) {
  mqtt::Bytes out;
  put_string(out, peer.address);
  out.push_back(static_cast<std::uint8_t>(peer.listener_port));
  out.push_back(static_cast<std::uint8_t>(peer.listener_port >> 8));
  put_string(out, peer.tls_identity);
  out.push_back(
      static_cast<std::uint8_t>((peer.use_identity_as_username ? kUseIdentityAsUsername : 0) |
                                (peer.attested ? kAttested : 0) | (peer.bridge ? kBridge : 0)));
  return out;
}

bool decode_peer_info(mqtt::ByteView bytes, mqtt::PeerInfo& peer) {
  std::size_t pos = 0;
  if (!take_string(bytes, pos, peer.address)) return false;
  if (bytes.size() - pos < 2) return false;
  peer.listener_port = static_cast<std::uint16_t>(bytes[pos] | (bytes[pos + 1] << 8));
  pos += 2;
  if (!take_string(bytes, pos, peer.tls_identity)) return false;
  if (bytes.size() - pos != 1) return false;
  const std::uint8_t flags = bytes[pos];
  if ((flags & ~(kUseIdentityAsUsername | kAttested | kBridge)) != 0) return false;
  peer.use_identity_as_username = (flags & kUseIdentityAsUsername) != 0;
  peer.attested = (flags & kAttested) != 0;
  peer.bridge = (flags & kBridge) != 0;
  return true;
}

}  // namespace trustmq::runtime

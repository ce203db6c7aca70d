// Decodes arbitrary bytes as an MQTT packet under every protocol version; whatever decodes is
// re-encoded, decoded again and must come back equal, and its encoding must be stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "mqtt/codec.h"
#include "mqtt/topic.h"

namespace {

using trustmq::mqtt::Bytes;
using trustmq::mqtt::ByteView;
using trustmq::mqtt::DecodeResult;
using trustmq::mqtt::DecodeStatus;
using trustmq::mqtt::ProtocolVersion;

void check(bool condition) {
  if (!condition) std::abort();
}

void round_trip(ByteView input, ProtocolVersion version) {
  const DecodeResult first = trustmq::mqtt::decode_packet(input, version);
  if (first.status != DecodeStatus::kOk) {
    check(first.consumed == 0);
    check(first.status == DecodeStatus::kNeedMoreData || !first.error_detail.empty());
    return;
  }
  check(first.consumed > 0 && first.consumed <= input.size());

  Bytes encoded;
  trustmq::mqtt::encode_packet(first.packet, version, encoded);
  const DecodeResult second = trustmq::mqtt::decode_packet(encoded, version);
  check(second.status == DecodeStatus::kOk);
  check(second.consumed == encoded.size());
  check(second.packet == first.packet);

  Bytes reencoded;
  trustmq::mqtt::encode_packet(second.packet, version, reencoded);
  check(reencoded == encoded);
  // The encoder writes minimal lengths, so it never produces more than it was given.
  check(encoded.size() <= first.consumed);

  // A packet-size limit one byte below the packet must be reported as too large.
  const DecodeResult limited = trustmq::mqtt::decode_packet(
      encoded, version, static_cast<std::uint32_t>(encoded.size() - 1));
  check(limited.status == DecodeStatus::kError);
  check(limited.error == trustmq::mqtt::ReasonCode::kPacketTooLarge);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  for (ProtocolVersion version :
       {ProtocolVersion::kV31, ProtocolVersion::kV311, ProtocolVersion::kV5}) {
    round_trip(input, version);
  }

  // The same bytes as topic text: the predicates must agree with each other.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (trustmq::mqtt::is_valid_topic_name(text)) {
    check(trustmq::mqtt::is_valid_topic_filter(text) || text.starts_with("$share/"));
    check(trustmq::mqtt::topic_matches(text, text));
  }
  if (const auto shared = trustmq::mqtt::parse_shared_filter(text)) {
    check(!shared->group.empty() && !shared->filter.empty());
  }
  return 0;
}

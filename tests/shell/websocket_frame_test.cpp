#include "shell/websocket_frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trustmq::shell {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Event = WebSocketFrameDecoder::Event;

constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};
constexpr std::uint64_t kLimit = 1 << 20;

// A client frame: FIN/opcode byte, masked payload with the length in its shortest form.
Bytes client_frame(std::uint8_t first_byte, const Bytes& payload) {
  Bytes f{first_byte};
  const std::uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.push_back(0x80 | 126);
    f.push_back(static_cast<std::uint8_t>(n >> 8));
    f.push_back(static_cast<std::uint8_t>(n));
  } else {
    f.push_back(0x80 | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  f.insert(f.end(), kMask, kMask + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(payload[i] ^ kMask[i % 4]);
  return f;
}

Bytes binary(const Bytes& payload, bool fin = true) {
  return client_frame(static_cast<std::uint8_t>((fin ? 0x80 : 0) | 0x2), payload);
}
Bytes continuation(const Bytes& payload, bool fin) {
  return client_frame(static_cast<std::uint8_t>((fin ? 0x80 : 0) | 0x0), payload);
}
Bytes ping(const Bytes& payload) { return client_frame(0x89, payload); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// Feeds `wire` in pieces of `step` bytes; collects application bytes and control frames.
struct Decoded {
  Bytes data;
  std::vector<WebSocketControlFrame> controls;
  bool failed = false;
  WebSocketCloseCode code = WebSocketCloseCode::kNormal;
  std::string error;
};

Decoded decode_all(const Bytes& wire, std::size_t step = 1 << 20, std::size_t out_size = 4096) {
  WebSocketFrameDecoder decoder(kLimit);
  Decoded d;
  std::size_t pos = 0;
  Bytes out(out_size);
  while (pos < wire.size()) {
    const std::size_t end = std::min(wire.size(), pos + step);
    std::span<const std::uint8_t> in(wire.data() + pos, end - pos);
    while (!in.empty()) {
      const auto r = decoder.decode(in, out);
      d.data.insert(d.data.end(), out.begin(),
                    out.begin() + static_cast<std::ptrdiff_t>(r.produced));
      in = in.subspan(r.consumed);
      if (r.event == Event::kControl) d.controls.push_back(decoder.control());
      if (r.event == Event::kError) {
        d.failed = true;
        d.code = decoder.error_code();
        d.error = decoder.error();
        return d;
      }
    }
    pos = end;
  }
  return d;
}

TEST(WebSocketFrameDecoderTest, MaskedBinaryFrameIsUnmasked) {
  const Bytes mqtt = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c};
  const Decoded d = decode_all(binary(mqtt));
  EXPECT_FALSE(d.failed) << d.error;
  EXPECT_EQ(d.data, mqtt);
}

TEST(WebSocketFrameDecoderTest, ByteByByteAndSmallOutputGiveTheSameBytes) {
  Bytes big(70000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  const Bytes wire = concat({binary({1, 2, 3}), binary(big), binary(Bytes(300, 9))});
  Bytes expected = {1, 2, 3};
  expected.insert(expected.end(), big.begin(), big.end());
  expected.insert(expected.end(), 300, 9);
  EXPECT_EQ(decode_all(wire, 1).data, expected);
  EXPECT_EQ(decode_all(wire, 1 << 20, 7).data, expected);
}

TEST(WebSocketFrameDecoderTest, FragmentsWithAPingBetweenThemFormOneStream) {
  const Bytes wire = concat({binary({1, 2}, false), ping({'h', 'i'}), continuation({3}, false),
                             continuation({}, false), continuation({4, 5}, true)});
  const Decoded d = decode_all(wire);
  EXPECT_FALSE(d.failed) << d.error;
  EXPECT_EQ(d.data, (Bytes{1, 2, 3, 4, 5}));
  ASSERT_EQ(d.controls.size(), 1u);
  EXPECT_EQ(d.controls[0].opcode, WebSocketOpcode::kPing);
  EXPECT_EQ(Bytes(d.controls[0].bytes().begin(), d.controls[0].bytes().end()), (Bytes{'h', 'i'}));
}

TEST(WebSocketFrameDecoderTest, CloseFrameIsReported) {
  const Decoded d = decode_all(client_frame(0x88, {0x03, 0xe8}));
  ASSERT_EQ(d.controls.size(), 1u);
  EXPECT_EQ(d.controls[0].opcode, WebSocketOpcode::kClose);
  EXPECT_EQ(d.controls[0].length, 2u);
}

struct HostileCase {
  const char* name;
  Bytes wire;
  WebSocketCloseCode code;
  const char* error;
};

TEST(WebSocketFrameDecoderTest, HostileFramesFailWithoutAllocating) {
  Bytes huge = {0x82, 0x80 | 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4};
  Bytes msb = {0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  Bytes not_shortest16 = {0x82, 0x80 | 126, 0x00, 0x05, 1, 2, 3, 4};
  Bytes not_shortest64 = {0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 1, 2, 3, 4};
  const HostileCase cases[] = {
      {"unmasked",
       {0x82, 0x01, 0x00},
       WebSocketCloseCode::kProtocolError,
       "unmasked frame (a client must mask every frame)"},
      {"reserved bits", client_frame(0xC2, {1}), WebSocketCloseCode::kProtocolError,
       "reserved bits set (no extension was negotiated)"},
      {"unknown opcode", client_frame(0x83, {1}), WebSocketCloseCode::kProtocolError,
       "unknown opcode 3"},
      {"text", client_frame(0x81, {'a'}), WebSocketCloseCode::kUnsupportedData,
       "text frame (MQTT travels in binary frames)"},
      {"continuation first", continuation({1}, true), WebSocketCloseCode::kProtocolError,
       "continuation frame without a message to continue"},
      {"binary inside fragments", concat({binary({1}, false), binary({2})}),
       WebSocketCloseCode::kProtocolError, "new message before the fragmented one ended"},
      {"fragmented ping", client_frame(0x09, {}), WebSocketCloseCode::kProtocolError,
       "fragmented control frame"},
      {"long ping", ping(Bytes(126, 0)), WebSocketCloseCode::kProtocolError,
       "control frame longer than 125 bytes"},
      {"close with one byte", client_frame(0x88, {3}), WebSocketCloseCode::kProtocolError,
       "close frame with a 1-byte payload"},
      {"huge length", huge, WebSocketCloseCode::kMessageTooBig,
       "frame of 9223372036854775807 bytes over the limit of 1048576"},
      {"64-bit msb", msb, WebSocketCloseCode::kProtocolError,
       "64-bit length with its most significant bit set"},
      {"16-bit not shortest", not_shortest16, WebSocketCloseCode::kProtocolError,
       "length not in its shortest form"},
      {"64-bit not shortest", not_shortest64, WebSocketCloseCode::kProtocolError,
       "length not in its shortest form"},
      {"over the limit", binary(Bytes(kLimit + 1, 0)), WebSocketCloseCode::kMessageTooBig,
       "frame of 1048577 bytes over the limit of 1048576"},
  };
  for (const auto& c : cases) {
    const Decoded d = decode_all(c.wire, 1);
    EXPECT_TRUE(d.failed) << c.name;
    EXPECT_EQ(d.code, c.code) << c.name;
    EXPECT_EQ(d.error, c.error) << c.name;
  }
}

TEST(WebSocketFrameDecoderTest, StaysFailedAfterAnError) {
  WebSocketFrameDecoder decoder(kLimit);
  Bytes out(16);
  const Bytes unmasked = {0x82, 0x01, 0x00};
  EXPECT_EQ(decoder.decode(unmasked, out).event, Event::kError);
  const Bytes good = binary({1});
  const auto r = decoder.decode(good, out);
  EXPECT_EQ(r.event, Event::kError);
  EXPECT_EQ(r.produced, 0u);
}

TEST(WebSocketFrameHeaderTest, ServerHeadersUseTheShortestLength) {
  std::array<std::uint8_t, 10> h{};
  EXPECT_EQ(encode_websocket_frame_header(WebSocketOpcode::kBinary, 125, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(encode_websocket_frame_header(WebSocketOpcode::kBinary, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0);
  EXPECT_EQ(h[3], 126);
  EXPECT_EQ(encode_websocket_frame_header(WebSocketOpcode::kPong, 65536, h), 10u);
  EXPECT_EQ(h[0], 0x8A);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 1);
  EXPECT_EQ(h[9], 0);
}

}  // namespace
}  // namespace trustmq::shell

// Feeds arbitrary bytes to the WebSocket upgrade parser and, split at points the input chooses,
// to the frame decoder with small output buffers. Checks the decoder's accounting: it never
// reads or writes past what it was given, never produces more payload than it consumed, and
// stays failed after an error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "shell/websocket_frame.h"
#include "shell/websocket_handshake.h"

namespace {

using trustmq::shell::WebSocketFrameDecoder;

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto answer = trustmq::shell::answer_websocket_handshake(text, 512);
  check(answer.request_bytes <= size);

  // First byte: chunk size of the input; second: size of the output buffer.
  const std::size_t chunk = std::size_t{data[0]} % 64 + 1;
  const std::size_t out_size = std::size_t{data[1]} % 32 + 1;
  const std::span<const std::uint8_t> wire(data + 2, size - 2);
  WebSocketFrameDecoder decoder(1000);
  std::vector<std::uint8_t> out(out_size);
  std::size_t pos = 0;
  std::size_t consumed_total = 0;
  std::size_t produced_total = 0;
  bool failed = false;
  while (pos < wire.size()) {
    auto in = wire.subspan(pos, std::min(chunk, wire.size() - pos));
    pos += in.size();
    while (!in.empty()) {
      const auto r = decoder.decode(in, out);
      check(r.consumed <= in.size());
      check(r.produced <= out.size());
      if (failed) check(r.event == WebSocketFrameDecoder::Event::kError && r.produced == 0);
      consumed_total += r.consumed;
      produced_total += r.produced;
      check(produced_total <= consumed_total);
      in = in.subspan(r.consumed);
      if (r.event == WebSocketFrameDecoder::Event::kError) {
        failed = true;
        break;
      }
      if (r.event == WebSocketFrameDecoder::Event::kControl) {
        check(decoder.control().length <= trustmq::shell::kMaxControlPayload);
      }
    }
    if (failed) break;
  }
  return 0;
}

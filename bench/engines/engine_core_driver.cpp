// In-process engine driver: the broker core alone, without sockets or the shell, for
// repeatable comparisons of the engines and for profiling (perf, callgrind).
//
// One subscriber and one publisher connect (MQTT 3.1.1); the publisher's QoS 0 PUBLISH
// packets to the subscribed topic are fed through the Engine API the way the shell does it:
// copied into engine->input_buffer(64 KiB) chunk by chunk (a 64 KiB chunk cuts packets
// anywhere) and committed. The host appends every sent packet to an output buffer that is
// emptied after each chunk (the shell's outbound queue and write). It checks that exactly one
// PUBLISH of the expected size comes out per message published.
//
// usage: engine_core_driver [--engine native|wasm-aot|wasm-interp] [--payload BYTES]
//                           [--messages N] [--rounds R]
// prints per round: "<engine>\t<payload>\t<messages>\t<seconds>\t<msgs/s>\t<MiB/s>"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/broker_config.h"
#include "mqtt/codec.h"
#include "mqtt/packet.h"
#include "runtime/engine.h"
#include "runtime/engine_factory.h"

namespace {

namespace mqtt = trustmq::mqtt;
namespace runtime = trustmq::runtime;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunkBytes = 64 * 1024;  // the shell's read size
constexpr mqtt::ConnectionId kSubscriber = 1;
constexpr mqtt::ConnectionId kPublisher = 2;

class CountingHost final : public mqtt::BrokerHost {
 public:
  void send(mqtt::ConnectionId conn, mqtt::ByteView bytes, mqtt::SendKind) override {
    if (conn == kSubscriber && !bytes.empty() && (bytes[0] >> 4) == 3) {
      ++publishes;
      publish_bytes += bytes.size();
    }
    output.insert(output.end(), bytes.begin(), bytes.end());
  }
  void close(mqtt::ConnectionId conn) override {
    std::fprintf(stderr, "engine_core_driver: the broker closed connection %u\n",
                 static_cast<unsigned>(conn));
    std::exit(1);
  }
  void log(mqtt::LogLevel level, std::string_view text) override {
    if (level >= mqtt::LogLevel::kWarning) {
      std::fprintf(stderr, "broker: %.*s\n", static_cast<int>(text.size()), text.data());
    }
  }
  bool authenticate(std::string_view, mqtt::ByteView) override { return true; }

  std::vector<std::uint8_t> output;
  std::uint64_t publishes = 0;
  std::uint64_t publish_bytes = 0;
};

void feed(runtime::Engine& engine, mqtt::ConnectionId conn, const std::uint8_t* data,
          std::size_t size, mqtt::TimeMs now) {
  while (size > 0) {
    const std::size_t n = std::min(size, kReadChunkBytes);
    auto buffer = engine.input_buffer(kReadChunkBytes);
    std::memcpy(buffer.data(), data, n);
    engine.commit_input(conn, n, now);
    data += n;
    size -= n;
  }
}

void feed_packet(runtime::Engine& engine, mqtt::ConnectionId conn, const mqtt::Packet& packet) {
  mqtt::Bytes bytes;
  mqtt::encode_packet(packet, mqtt::ProtocolVersion::kV311, bytes);
  feed(engine, conn, bytes.data(), bytes.size(), 0);
}

mqtt::ConnectPacket connect_packet(const char* client_id) {
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV311;
  connect.protocol_name = "MQTT";
  connect.client_id = client_id;
  return connect;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: engine_core_driver [--engine NAME] [--payload BYTES] [--messages N] "
               "[--rounds R]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine_name = "native";
  std::size_t payload = 16384;
  std::uint64_t messages = 200000;
  int rounds = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (arg == "--engine") {
      engine_name = value;
    } else if (arg == "--payload") {
      payload = std::strtoull(value, nullptr, 10);
    } else if (arg == "--messages") {
      messages = std::strtoull(value, nullptr, 10);
    } else if (arg == "--rounds") {
      rounds = std::atoi(value);
    } else {
      usage();
    }
  }

  try {
    CountingHost host;
    mqtt::BrokerConfig config;
    config.sys_interval_seconds = 0;
    config.allow_anonymous = true;
    auto engine = runtime::make_engine(engine_name, "", config, host, 0);

    mqtt::PeerInfo peer;
    peer.address = "127.0.0.1:1";
    engine->open(kSubscriber, peer, 0);
    feed_packet(*engine, kSubscriber, connect_packet("sub"));
    mqtt::SubscribePacket subscribe;
    subscribe.packet_id = 1;
    subscribe.subscriptions.push_back({.filter = "bench/topic"});
    feed_packet(*engine, kSubscriber, subscribe);
    engine->open(kPublisher, peer, 0);
    feed_packet(*engine, kPublisher, connect_packet("pub"));
    host.output.clear();

    // A stream of whole packets, long enough that 64 KiB chunks cut them at varying offsets.
    mqtt::PublishPacket publish;
    publish.topic = "bench/topic";
    publish.payload.assign(payload, 0x5a);
    mqtt::Bytes one;
    mqtt::encode_packet(publish, mqtt::ProtocolVersion::kV311, one);
    const std::size_t per_stream = std::max<std::size_t>(1, (4 << 20) / one.size());
    mqtt::Bytes stream;
    stream.reserve(per_stream * one.size());
    for (std::size_t i = 0; i < per_stream; ++i)
      stream.insert(stream.end(), one.begin(), one.end());

    for (int round = 0; round < rounds; ++round) {
      const std::uint64_t before = host.publishes;
      const std::uint64_t bytes_before = host.publish_bytes;
      std::uint64_t sent = 0;
      const auto start = Clock::now();
      while (sent < messages) {
        const std::size_t count =
            static_cast<std::size_t>(std::min<std::uint64_t>(per_stream, messages - sent));
        const std::uint8_t* data = stream.data();
        std::size_t size = count * one.size();
        while (size > 0) {
          const std::size_t n = std::min(size, kReadChunkBytes);
          feed(*engine, kPublisher, data, n, 1);
          host.output.clear();
          data += n;
          size -= n;
        }
        sent += count;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const std::uint64_t delivered = host.publishes - before;
      if (delivered != messages || host.publish_bytes - bytes_before != messages * one.size()) {
        std::fprintf(stderr, "engine_core_driver: %llu of %llu messages delivered\n",
                     static_cast<unsigned long long>(delivered),
                     static_cast<unsigned long long>(messages));
        return 1;
      }
      std::printf("%s\t%zu\t%llu\t%.3f\t%.0f\t%.1f\n", engine_name.c_str(), payload,
                  static_cast<unsigned long long>(messages), seconds,
                  static_cast<double>(messages) / seconds,
                  static_cast<double>(messages * payload) / seconds / (1024.0 * 1024.0));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_core_driver: %s\n", e.what());
    return 1;
  }
  return 0;
}

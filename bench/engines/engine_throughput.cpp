// Peak QoS 0 throughput of one broker: 1 publisher → 1 subscriber on loopback, delivered
// messages per second at the subscriber. Packets are built with the core's codec
// (mqtt::encode_packet); received bytes are framed with its variable-byte-integer decoder.
//
// The publisher keeps at most WINDOW messages in flight (published − delivered), so the
// broker's outbound queue never overflows and drops nothing: what is measured is how fast the
// broker moves messages, not how much it can discard. It writes several PUBLISH packets per
// write() (batches of up to 64 KiB), the way a busy client does.
//
// usage: engine_throughput --port P [--host 127.0.0.1] [--payload BYTES] [--seconds S]
//                          [--window N] [--label TEXT]
// prints one line: "<label>\t<payload>\t<seconds>\t<delivered>\t<msgs/s>\t<MiB/s>"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mqtt/codec.h"
#include "mqtt/packet.h"

namespace {

namespace mqtt = trustmq::mqtt;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t payload = 100;
  double seconds = 10;
  std::size_t window = 0;  // 0: chosen from the payload size
  std::string label = "broker";
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "engine_throughput: %s%s%s\n", what.c_str(), errno ? ": " : "",
               errno ? std::strerror(errno) : "");
  std::exit(1);
}

int connect_to(const Options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) fail("bad host " + o.host);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Reads MQTT packets from a socket and hands each (first byte, body) to a callback.
class PacketReader {
 public:
  explicit PacketReader(int fd) : fd_(fd), buffer_(1 << 20) {}

  // Returns false on EOF/error. Calls on_packet for every whole packet read.
  template <typename OnPacket>
  bool read_some(OnPacket&& on_packet) {
    if (end_ == buffer_.size()) {
      if (start_ == 0) buffer_.resize(buffer_.size() * 2);
      compact();
    }
    const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    end_ += static_cast<std::size_t>(n);
    while (true) {
      if (end_ - start_ < 2) break;
      std::uint32_t length = 0;
      std::size_t length_size = 0;
      const auto status = mqtt::decode_variable_byte_integer(
          mqtt::ByteView(buffer_.data() + start_ + 1, end_ - start_ - 1), length, length_size);
      if (status == mqtt::VarIntStatus::kMalformed) fail("malformed packet from the broker");
      if (status == mqtt::VarIntStatus::kNeedMoreData) break;
      const std::size_t total = 1 + length_size + length;
      if (end_ - start_ < total) {
        if (total > buffer_.size()) buffer_.resize(total * 2);
        break;
      }
      on_packet(buffer_[start_], mqtt::ByteView(buffer_.data() + start_ + 1 + length_size, length));
      start_ += total;
    }
    if (start_ == end_) start_ = end_ = 0;
    return true;
  }

 private:
  void compact() {
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  int fd_;
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

mqtt::Bytes encode(const mqtt::Packet& packet) {
  mqtt::Bytes out;
  mqtt::encode_packet(packet, mqtt::ProtocolVersion::kV311, out);
  return out;
}

// CONNECT, then waits for CONNACK (and SUBACK if subscribing).
void handshake(int fd, PacketReader& reader, const std::string& client_id, const char* filter) {
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV311;
  connect.client_id = client_id;
  connect.keep_alive_seconds = 0;
  mqtt::Bytes bytes = encode(connect);
  if (filter != nullptr) {
    mqtt::SubscribePacket subscribe;
    subscribe.packet_id = 1;
    subscribe.subscriptions.push_back({.filter = filter});
    const mqtt::Bytes sub = encode(subscribe);
    bytes.insert(bytes.end(), sub.begin(), sub.end());
  }
  write_all(fd, bytes.data(), bytes.size());
  bool connack = false;
  bool suback = filter == nullptr;
  while (!connack || !suback) {
    const bool ok = reader.read_some([&](std::uint8_t first, mqtt::ByteView body) {
      if ((first >> 4) == 2) {
        if (body.size() < 2 || body[1] != 0) fail("connection refused by the broker");
        connack = true;
      } else if ((first >> 4) == 9) {
        if (body.size() < 3 || body[2] >= 0x80) fail("subscription refused by the broker");
        suback = true;
      }
    });
    if (!ok) fail("broker closed the connection during the handshake");
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail("missing value for " + std::string(arg));
      return argv[++i];
    };
    if (arg == "--port") {
      o.port = std::atoi(value().c_str());
    } else if (arg == "--host") {
      o.host = value();
    } else if (arg == "--payload") {
      o.payload = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--seconds") {
      o.seconds = std::atof(value().c_str());
    } else if (arg == "--window") {
      o.window = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--label") {
      o.label = value();
    } else {
      errno = 0;
      fail("unknown argument " + std::string(arg) +
           " (usage: --port P [--host H] [--payload BYTES] [--seconds S] [--window N] "
           "[--label L])");
    }
  }
  if (o.port <= 0) fail("--port is required");
  if (o.window == 0) o.window = std::max<std::size_t>(8, (512 * 1024) / (o.payload + 16));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // Client ids and topic unique to this run: a slow broker may still be delivering the
  // previous run's backlog, which must neither take over these sessions nor be counted.
  const std::string run = std::to_string(::getpid()) + "-" + std::to_string(o.payload);
  const std::string topic = "bench/throughput/" + run;
  const int sub_fd = connect_to(o);
  PacketReader sub_reader(sub_fd);
  handshake(sub_fd, sub_reader, "bench-sub-" + run, topic.c_str());
  const int pub_fd = connect_to(o);
  PacketReader pub_reader(pub_fd);
  handshake(pub_fd, pub_reader, "bench-pub-" + run, nullptr);

  mqtt::PublishPacket publish;
  publish.topic = topic;
  publish.payload.assign(o.payload, 'p');
  const mqtt::Bytes one = encode(publish);
  const std::size_t per_batch = std::max<std::size_t>(1, (64 * 1024) / one.size());
  mqtt::Bytes batch;
  for (std::size_t i = 0; i < per_batch; ++i) batch.insert(batch.end(), one.begin(), one.end());

  std::atomic<std::uint64_t> delivered{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> delivered_at_start{0};

  // A delivered QoS 0 PUBLISH body: topic length, topic, payload.
  const std::size_t expected_body = 2 + publish.topic.size() + o.payload;
  std::atomic<std::uint64_t> wrong{0};
  std::thread subscriber([&] {
    std::uint64_t count = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const bool ok = sub_reader.read_some([&](std::uint8_t first, mqtt::ByteView body) {
        if ((first >> 4) != 3) return;
        if (body.size() == expected_body) {
          ++count;
        } else {
          wrong.fetch_add(1, std::memory_order_relaxed);
        }
      });
      delivered.store(count, std::memory_order_release);
      if (!ok) break;
    }
  });

  // Warm-up 1 s, then the measured interval.
  const auto start = Clock::now();
  const auto warm_until = start + std::chrono::seconds(1);
  const auto end = warm_until + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(o.seconds));
  std::uint64_t published = 0;
  Clock::time_point measured_start{};
  while (true) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_until) {
      measuring = true;
      measured_start = now;
      delivered_at_start = delivered.load(std::memory_order_acquire);
    }
    if (now >= end) break;
    const std::uint64_t in_flight = published - delivered.load(std::memory_order_acquire);
    if (in_flight + per_batch > o.window) {
      std::this_thread::yield();
      continue;
    }
    write_all(pub_fd, batch.data(), batch.size());
    published += per_batch;
  }
  const std::uint64_t total = delivered.load(std::memory_order_acquire) - delivered_at_start;
  const double elapsed = std::chrono::duration<double>(Clock::now() - measured_start).count();
  stop = true;
  ::shutdown(sub_fd, SHUT_RDWR);
  subscriber.join();
  ::close(pub_fd);
  ::close(sub_fd);
  if (wrong.load() != 0) {
    errno = 0;
    fail(std::to_string(wrong.load()) + " delivered messages had the wrong size");
  }
  const double rate = static_cast<double>(total) / elapsed;
  std::printf("%s\t%zu\t%.1f\t%llu\t%.0f\t%.1f\n", o.label.c_str(), o.payload, elapsed,
              static_cast<unsigned long long>(total), rate,
              rate * static_cast<double>(o.payload) / (1024.0 * 1024.0));
  return 0;
}

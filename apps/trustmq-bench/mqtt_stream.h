// An MQTT 3.1.1 client connection of the load tool on a BenchSocket: an outbound byte buffer,
// inbound framing into (first byte, body) packets, and the blocking set-up (CONNECT, SUBSCRIBE).
// Packets are encoded by hand (PUBLISH, acknowledgements) or with the core's codec (set-up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_socket.h"

namespace trustmq::bench {

struct InboundPacket {
  std::uint8_t first = 0;  // fixed-header byte: type << 4 | flags
  std::span<const std::uint8_t> body;
  int type() const { return first >> 4; }
};

// A received PUBLISH (v3.1.1 layout).
struct PublishView {
  int qos = 0;
  std::uint16_t packet_id = 0;
  std::span<const std::uint8_t> topic;
  std::span<const std::uint8_t> payload;
};
bool parse_publish(const InboundPacket& packet, PublishView& out);

// Appends a v3.1.1 PUBLISH (retain off, DUP off).
void append_publish(std::vector<std::uint8_t>& out, std::string_view topic, int qos,
                    std::uint16_t packet_id, std::span<const std::uint8_t> payload);
// Appends PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7).
void append_ack(std::vector<std::uint8_t>& out, int type, std::uint16_t packet_id);

class MqttStream {
 public:
  // `input_bytes`: initial receive buffer (it grows for larger packets).
  MqttStream(std::uint16_t port, const ClientTlsContext* tls, int timeout_ms,
             std::size_t input_bytes = 256 * 1024);

  // CONNECT (keep-alive 0; clean session unless `persistent_session`: then the broker keeps
  // the session and its QoS 1/2 messages after a disconnect) then SUBSCRIBE each filter at
  // `qos`; waits for the acknowledgements (throws if refused or after timeout_ms). Packets
  // other than CONNACK/SUBACK that arrive meanwhile (a resumed session's backlog) go to
  // `on_other` if given, else are dropped.
  void setup(const std::string& client_id, const std::vector<std::string>& filters, int qos,
             int timeout_ms, bool persistent_session = false,
             const std::function<void(const InboundPacket&)>& on_other = {});

  int fd() const { return socket_.fd(); }
  std::vector<std::uint8_t>& out() { return out_; }
  std::size_t pending_out() const { return out_.size() - out_head_; }
  // Writes what it can. False when the connection is gone.
  bool flush();
  // Reads what is there and calls on_packet per whole packet. False when the connection is gone.
  bool pump(const std::function<void(const InboundPacket&)>& on_packet);
  bool wants_write() const { return pending_out() > 0 || socket_.wants_write(); }
  bool closed() const { return closed_; }

 private:
  BenchSocket socket_;
  std::vector<std::uint8_t> out_;
  std::size_t out_head_ = 0;
  std::vector<std::uint8_t> in_;
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  bool closed_ = false;
};

}  // namespace trustmq::bench

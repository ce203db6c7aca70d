#include "mqtt_stream.h"

#include <poll.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "mqtt/codec.h"
#include "mqtt/packet.h"

namespace trustmq::bench {
namespace {

void append_remaining_length(std::vector<std::uint8_t>& out, std::size_t length) {
  do {
    std::uint8_t byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    out.push_back(byte);
  } while (length > 0);
}

}  // namespace

bool parse_publish(const InboundPacket& packet, PublishView& out) {
  if (packet.type() != 3 || packet.body.size() < 2) return false;
  out.qos = (packet.first >> 1) & 3;
  const std::size_t topic_length = (std::size_t{packet.body[0]} << 8) | packet.body[1];
  std::size_t at = 2 + topic_length;
  if (packet.body.size() < at) return false;
  out.topic = packet.body.subspan(2, topic_length);
  out.packet_id = 0;
  if (out.qos > 0) {
    if (packet.body.size() < at + 2) return false;
    out.packet_id = static_cast<std::uint16_t>((packet.body[at] << 8) | packet.body[at + 1]);
    at += 2;
  }
  out.payload = packet.body.subspan(at);
  return true;
}

void append_publish(std::vector<std::uint8_t>& out, std::string_view topic, int qos,
                    std::uint16_t packet_id, std::span<const std::uint8_t> payload) {
  out.push_back(static_cast<std::uint8_t>(0x30 | (qos << 1)));
  append_remaining_length(out, 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size());
  out.push_back(static_cast<std::uint8_t>(topic.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(topic.size() & 0xff));
  out.insert(out.end(), topic.begin(), topic.end());
  if (qos > 0) {
    out.push_back(static_cast<std::uint8_t>(packet_id >> 8));
    out.push_back(static_cast<std::uint8_t>(packet_id & 0xff));
  }
  out.insert(out.end(), payload.begin(), payload.end());
}

void append_ack(std::vector<std::uint8_t>& out, int type, std::uint16_t packet_id) {
  out.push_back(static_cast<std::uint8_t>((type << 4) | (type == 6 ? 0x02 : 0)));
  out.push_back(2);
  out.push_back(static_cast<std::uint8_t>(packet_id >> 8));
  out.push_back(static_cast<std::uint8_t>(packet_id & 0xff));
}

MqttStream::MqttStream(std::uint16_t port, const ClientTlsContext* tls, int timeout_ms,
                       std::size_t input_bytes)
    : socket_(port, tls, timeout_ms), in_(input_bytes) {}

void MqttStream::setup(const std::string& client_id, const std::vector<std::string>& filters,
                       int qos, int timeout_ms, bool persistent_session,
                       const std::function<void(const InboundPacket&)>& on_other) {
  mqtt::ConnectPacket connect;
  connect.version = mqtt::ProtocolVersion::kV311;
  connect.client_id = client_id;
  connect.clean_start = !persistent_session;
  connect.keep_alive_seconds = 0;
  mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV311, out_);
  if (!filters.empty()) {
    mqtt::SubscribePacket subscribe;
    subscribe.packet_id = 1;
    for (const auto& f : filters) {
      subscribe.subscriptions.push_back({.filter = f, .max_qos = static_cast<mqtt::QoS>(qos)});
    }
    mqtt::encode_packet(subscribe, mqtt::ProtocolVersion::kV311, out_);
  }
  bool connack = false;
  bool suback = filters.empty();
  std::string error;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!connack || !suback) {
    if (!flush()) throw std::runtime_error("connection closed during the MQTT set-up");
    const bool ok = pump([&](const InboundPacket& p) {
      if (p.type() == 2) {
        if (p.body.size() < 2 || p.body[1] != 0) error = "CONNECT refused";
        connack = true;
      } else if (p.type() == 9) {
        for (std::size_t i = 2; i < p.body.size(); ++i) {
          if (p.body[i] >= 0x80) error = "SUBSCRIBE refused";
        }
        suback = true;
      } else if (on_other) {
        on_other(p);
      }
    });
    if (!error.empty()) throw std::runtime_error(error + " (client " + client_id + ")");
    if (!ok) throw std::runtime_error("connection closed during the MQTT set-up");
    if (connack && suback) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) throw std::runtime_error("MQTT set-up timed out (client " + client_id + ")");
    pollfd p{fd(), static_cast<short>(POLLIN | (wants_write() ? POLLOUT : 0)), 0};
    ::poll(&p, 1, static_cast<int>(std::min<long>(left, 100)));
  }
}

bool MqttStream::flush() {
  while (pending_out() > 0) {
    std::size_t n = 0;
    const auto status =
        socket_.write(std::span<const std::uint8_t>(out_.data() + out_head_, pending_out()), n);
    if (status == SocketStatus::kClosed) {
      closed_ = true;
      return false;
    }
    if (status == SocketStatus::kWouldBlock) break;
    out_head_ += n;
  }
  if (out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  } else if (out_head_ > (1u << 20) && out_head_ > out_.size() / 2) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
    out_head_ = 0;
  }
  return true;
}

bool MqttStream::pump(const std::function<void(const InboundPacket&)>& on_packet) {
  for (int reads = 0; reads < 64; ++reads) {
    if (in_end_ == in_.size()) {
      if (in_start_ > 0) {
        std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
        in_end_ -= in_start_;
        in_start_ = 0;
      } else {
        in_.resize(in_.size() * 2);
      }
    }
    std::size_t n = 0;
    const auto status =
        socket_.read(std::span<std::uint8_t>(in_.data() + in_end_, in_.size() - in_end_), n);
    if (status == SocketStatus::kClosed) {
      closed_ = true;
      return false;
    }
    if (status == SocketStatus::kWouldBlock) break;
    in_end_ += n;
    while (in_end_ - in_start_ >= 2) {
      std::uint32_t length = 0;
      std::size_t length_size = 0;
      const auto st = mqtt::decode_variable_byte_integer(
          mqtt::ByteView(in_.data() + in_start_ + 1, in_end_ - in_start_ - 1), length, length_size);
      if (st == mqtt::VarIntStatus::kMalformed) {
        closed_ = true;
        return false;
      }
      if (st == mqtt::VarIntStatus::kNeedMoreData) break;
      const std::size_t total = 1 + length_size + length;
      if (in_end_ - in_start_ < total) {
        if (total > in_.size()) in_.resize(total * 2);
        break;
      }
      on_packet(InboundPacket{
          in_[in_start_],
          std::span<const std::uint8_t>(in_.data() + in_start_ + 1 + length_size, length)});
      in_start_ += total;
    }
    if (in_start_ == in_end_) in_start_ = in_end_ = 0;
    if (!socket_.has_pending_input() && n == 0) break;
  }
  return true;
}

}  // namespace trustmq::bench

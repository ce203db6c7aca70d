// Received bytes into packets: framing across reads, and the memory an incomplete packet may
// hold (docs/architecture.md, Limits against hostile clients: memory_limit).
#include <algorithm>
#include <string>

#include "mqtt/broker_state.h"
#include "mqtt/sys_topics.h"

namespace trustmq::mqtt {

// Packets whole in `bytes` are decoded straight from it; only an incomplete packet at its
// end is copied into the connection's input buffer, and completed from the next batch.
void Broker::State::on_data(ConnectionId id, ByteView bytes, TimeMs now) {
  Reentry guard(*this);
  last_now_ = now;
  Connection* c = find_connection(id);
  stats_.bytes_received += bytes.size();
  if (c == nullptr || c->closing) return;
  if (!c->input.empty()) {
    bytes = bytes.subspan(complete_carried_packet(*c, bytes));
    // Decoded from a local buffer: handlers may clear the connection's input.
    Bytes carried;
    carried.swap(c->input);
    const std::size_t used = decode_packets(*c, carried, now);
    if (c->closing) return;
    if (used < carried.size()) {
      // Still incomplete (then `bytes` is used up): keep it, with its capacity.
      carried.erase(carried.begin(), carried.begin() + static_cast<std::ptrdiff_t>(used));
      carried.insert(carried.end(), bytes.begin(), bytes.end());
      if (!reserve_input(*c, carried, now)) return;
      carried.reserve(input_capacity_for(*c));
      c->input.swap(carried);
      return;
    }
    carried.clear();
    c->input.swap(carried);  // empty, with its capacity
    release_input(*c);
  }
  const std::size_t used = decode_packets(*c, bytes, now);
  if (c->closing) return;
  const ByteView tail = bytes.subspan(used);
  if (tail.empty()) {
    c->input.clear();
    release_input(*c);
    return;
  }
  if (!reserve_input(*c, tail, now)) return;
  c->input.reserve(input_capacity_for(*c));  // one allocation for most packets
  c->input.assign(tail.begin(), tail.end());
}

// Before an incomplete packet is buffered, reserves the size its fixed header declares
// (what is there while the header itself is incomplete) against memory_limit; returns false
// after closing the connection if that would pass the limit. The codec has already refused
// a declared size over max_packet_size (max_connect_packet_size before CONNECT).
bool Broker::State::reserve_input(Connection& c, ByteView incomplete, TimeMs now) {
  std::uint32_t remaining = 0;
  std::size_t length_size = 0;
  std::uint64_t declared = incomplete.size();
  if (decode_variable_byte_integer(incomplete.subspan(1), remaining, length_size) ==
      VarIntStatus::kOk) {
    declared = 1 + length_size + static_cast<std::uint64_t>(remaining);
  }
  if (declared <= c.reserved_input) return true;
  const std::uint64_t more = declared - c.reserved_input;
  const bool pre_connect = !c.connect_received;
  const std::uint64_t limit = config_.memory_limit;
  const std::uint64_t pre_connect_limit =
      limit == 0 ? kDefaultPreConnectBufferLimit : limit / kMemoryLimitShare;
  const char* passed = nullptr;
  if (limit != 0 && declared > limit / kMemoryLimitShare) {
    passed = "a quarter of memory_limit (one client's share)";
  } else if (limit != 0 && reserved_input_total_ + more > limit) {
    passed = "memory_limit";
  } else if (pre_connect && reserved_pre_connect_ + more > pre_connect_limit) {
    passed = "the buffer limit for clients that have not completed CONNECT";
  }
  if (passed != nullptr) {
    const std::string why =
        "an incomplete packet of " + decimal(declared) + " bytes would pass " + passed;
    if (pre_connect) {
      log(LogLevel::kNotice, "Closing connection from " + c.peer.address + ": " + why);
      close_connection(c);
    } else {
      violation(c, ReasonCode::kQuotaExceeded, why, now);
    }
    return false;
  }
  c.reserved_input = declared;
  reserved_input_total_ += more;
  if (pre_connect) reserved_pre_connect_ += more;
  c.reserved_pre_connect = pre_connect;
  return true;
}

// How much buffer to allocate up front for the connection's incomplete packet: all of it,
// up to kMaxInputPreallocation (a claim is not memory to hand out before the bytes come;
// larger packets grow with what arrives, within their reservation).
std::size_t Broker::State::input_capacity_for(const Connection& c) {
  return static_cast<std::size_t>(
      std::min<std::uint64_t>(c.reserved_input, kMaxInputPreallocation));
}

// The connection holds no incomplete packet any more (its input is empty): gives back its
// reservation, and the buffer itself if a large packet made it large.
void Broker::State::release_input(Connection& c) {
  reserved_input_total_ -= c.reserved_input;
  if (c.reserved_pre_connect) reserved_pre_connect_ -= c.reserved_input;
  c.reserved_input = 0;
  c.reserved_pre_connect = false;
  if (c.input.empty() && c.input.capacity() > kKeptInputCapacity) Bytes().swap(c.input);
}

// Appends to the connection's incomplete packet as much of `bytes` as that packet still
// lacks (byte by byte while its length is unknown); returns how many bytes it took. A
// malformed or too large header takes nothing more: decoding then reports it.
std::size_t Broker::State::complete_carried_packet(Connection& c, ByteView bytes) {
  std::size_t used = 0;
  while (used < bytes.size()) {
    std::uint32_t remaining = 0;
    std::size_t length_size = 0;
    const VarIntStatus status =
        decode_variable_byte_integer(ByteView(c.input).subspan(1), remaining, length_size);
    if (status == VarIntStatus::kNeedMoreData) {
      c.input.push_back(bytes[used++]);
      continue;
    }
    if (status == VarIntStatus::kMalformed) break;
    const std::size_t total = 1 + length_size + static_cast<std::size_t>(remaining);
    if (total <= c.input.size()) break;
    const std::size_t take = std::min(total - c.input.size(), bytes.size() - used);
    c.input.insert(c.input.end(), bytes.begin() + static_cast<std::ptrdiff_t>(used),
                   bytes.begin() + static_cast<std::ptrdiff_t>(used + take));
    used += take;
    break;
  }
  return used;
}

// Decodes and handles the whole packets at the front of `view` until one is incomplete, an
// error closes the connection, or a handler did; returns the bytes consumed.
std::size_t Broker::State::decode_packets(Connection& c, ByteView view, TimeMs now) {
  std::size_t offset = 0;
  while (offset < view.size() && !c.closing) {
    const std::uint32_t max_size =
        c.connect_received ? config_.max_packet_size
                           : std::min(config_.max_packet_size, config_.max_connect_packet_size);
    ByteView payload;
    DecodeResult result = decode_packet_viewing_payload(
        view.subspan(offset), c.connect_received ? c.version : ProtocolVersion::kV5, max_size,
        payload);
    if (result.status == DecodeStatus::kNeedMoreData) break;
    if (result.status == DecodeStatus::kError) {
      handle_decode_error(c, result, now);
      break;
    }
    const ByteView bytes = view.subspan(offset, result.consumed);
    offset += result.consumed;
    ++stats_.messages_received;
    c.last_received = now;
    handle_packet(c, bytes, payload, result.packet, now);
  }
  return offset;
}

void Broker::State::handle_decode_error(Connection& c, DecodeResult& result, TimeMs now) {
  if (c.connect_received) {
    violation(c, result.error, result.error_detail, now);
    return;
  }
  if (const auto* connect = std::get_if<ConnectPacket>(&result.packet)) {
    // A CONNECT whose level could be read is answered in its dialect.
    const std::uint8_t level = protocol_level(connect->version);
    if (result.error == ReasonCode::kUnsupportedProtocolVersion) {
      ConnackPacket connack;
      connack.reason = ReasonCode::kUnsupportedProtocolVersion;
      // Another level with the bridge bit (0x83 and 0x84, a mosquitto bridge's try_private,
      // are accepted) gets 3.1.1's answer, return code 0x01, on which mosquitto retries
      // without the bit; other levels above 4 get MQTT 5's (§3.1.2.2).
      const bool bridge_bit = (level & 0x80) != 0;
      c.version = level >= 5 && !bridge_bit ? ProtocolVersion::kV5 : ProtocolVersion::kV311;
      send_packet(c, connack);
    } else if (level == 5) {
      ConnackPacket connack;
      connack.reason = result.error;
      c.version = ProtocolVersion::kV5;
      send_packet(c, connack);
    }
  }
  log(LogLevel::kNotice, "Bad CONNECT from " + c.peer.address + ": " +
                             std::string(reason_code_name(result.error)) + " (" +
                             result.error_detail + ")");
  close_connection(c);
}

}  // namespace trustmq::mqtt

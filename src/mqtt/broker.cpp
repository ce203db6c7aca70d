// The broker state machine: connections, sessions, routing and the QoS flows.
//
// Choices worth knowing (mosquitto 2.0 is the reference where the spec leaves room):
//  - Inbound QoS 2 uses "method A": the message is delivered when the PUBLISH arrives; its
//    packet id is held until PUBREL, and a PUBLISH repeating that id before PUBREL is dropped
//    (answered with PUBREC again).
//  - A PUBLISH whose payload exceeds message_size_limit is dropped and the connection stays
//    open, as mosquitto does. mosquitto answers QoS 1/2 with reason 0x95, which the spec does
//    not allow in PUBACK/PUBREC (strict clients reject it); we answer 0x97 Quota Exceeded, the
//    closest allowed code (v5; a plain ack in v3). A whole packet above max_packet_size is a
//    different case: DISCONNECT 0x95 and close.
//  - A PUBLISH the ACL does not allow is dropped with PUBACK/PUBREC 0x87 Not Authorized in v5
//    and a plain (success) ack in v3, as mosquitto. Clients cannot publish to "$SYS" topics:
//    dropped the same way.
//  - Offline sessions queue QoS 1/2 messages only; when the queue is full new messages are
//    dropped (with a log line), like mosquitto's max_queued_messages.
//  - Overlapping subscriptions of one client yield one delivery with the highest granted QoS
//    and all matching subscription identifiers; every shared-subscription group that matches
//    yields one more delivery, to one member chosen round robin (connected members first).
//  - A session taken over by a new connection gets DISCONNECT 0x8E (v5); its will is handled
//    as for any abnormal disconnect (published after the will delay unless the new connection
//    resumes the session in time).
#include "mqtt/broker.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mqtt/byte_writer.h"
#include "mqtt/codec.h"
#include "mqtt/message.h"
#include "mqtt/packet.h"
#include "mqtt/reason_code.h"
#include "mqtt/retained_store.h"
#include "mqtt/session.h"
#include "mqtt/subscription_store.h"
#include "mqtt/sys_topics.h"
#include "mqtt/topic.h"
#include "mqtt/topic_alias_map.h"

namespace trustmq::mqtt {
namespace {

constexpr std::uint32_t kMaxPacketSize = 268435455;
constexpr TimeMs kMaxTickInterval = 1000;  // on_tick is wanted at least once a second
// A connection keeps an input buffer this large between packets; a larger one, left by a
// large packet, is freed once the packet is complete.
constexpr std::size_t kKeptInputCapacity = 64 * 1024;
// At most this much buffer is allocated up front for an incomplete packet (input_capacity_for).
constexpr std::uint64_t kMaxInputPreallocation = 4 * 1024 * 1024;
// A connection that has not completed CONNECT within this time is closed (a client that opens
// sockets and sends nothing must not hold them forever).
constexpr TimeMs kConnectTimeout = 30'000;

bool is_v5(ProtocolVersion version) { return version == ProtocolVersion::kV5; }

QoS min_qos(QoS a, QoS b) { return a < b ? a : b; }

std::uint8_t level_of(ProtocolVersion version) { return static_cast<std::uint8_t>(version); }

std::string hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

}  // namespace

struct Connection {
  ConnectionId id = 0;
  PeerInfo peer;
  Bytes input;  // an incomplete packet carried over to the next on_data
  // Bytes reserved for `input` against memory_limit: the size its fixed header declares.
  std::uint64_t reserved_input = 0;
  bool reserved_pre_connect = false;  // reserved before CONNECT had completed
  bool connect_received = false;
  bool closing = false;  // host.close() was called; further input is ignored
  ProtocolVersion version = ProtocolVersion::kV311;
  std::string client_id;
  std::string username;
  Session* session = nullptr;
  std::optional<Will> will;
  TimeMs keep_alive_ms = 0;  // 1.5 × keep alive; 0 = none
  TimeMs last_received = 0;
  std::uint16_t receive_maximum = 65535;               // the client's
  std::uint32_t maximum_packet_size = kMaxPacketSize;  // the client's
  bool connect_session_expiry_zero = true;
  TopicAliasMap aliases;
};

class Broker::State {
 public:
  State(BrokerConfig config, BrokerHost& host, TimeMs now)
      : config_(std::move(config)), host_(host), start_(now) {
    next_sys_ = config_.sys_interval_seconds == 0 ? 0 : now;
  }

  ~State() = default;

  void on_open(ConnectionId id, const PeerInfo& peer, TimeMs now) {
    Reentry guard(*this);
    last_now_ = now;
    auto connection = std::make_unique<Connection>();
    connection->id = id;
    connection->peer = peer;
    connection->last_received = now;
    connections_[id] = std::move(connection);
  }

  // Packets whole in `bytes` are decoded straight from it; only an incomplete packet at its
  // end is copied into the connection's input buffer, and completed from the next batch.
  void on_data(ConnectionId id, ByteView bytes, TimeMs now) {
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
  bool reserve_input(Connection& c, ByteView incomplete, TimeMs now) {
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
  static std::size_t input_capacity_for(const Connection& c) {
    return static_cast<std::size_t>(
        std::min<std::uint64_t>(c.reserved_input, kMaxInputPreallocation));
  }

  // The connection holds no incomplete packet any more (its input is empty): gives back its
  // reservation, and the buffer itself if a large packet made it large.
  void release_input(Connection& c) {
    reserved_input_total_ -= c.reserved_input;
    if (c.reserved_pre_connect) reserved_pre_connect_ -= c.reserved_input;
    c.reserved_input = 0;
    c.reserved_pre_connect = false;
    if (c.input.empty() && c.input.capacity() > kKeptInputCapacity) Bytes().swap(c.input);
  }

  // Appends to the connection's incomplete packet as much of `bytes` as that packet still
  // lacks (byte by byte while its length is unknown); returns how many bytes it took. A
  // malformed or too large header takes nothing more: decoding then reports it.
  std::size_t complete_carried_packet(Connection& c, ByteView bytes) {
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
  std::size_t decode_packets(Connection& c, ByteView view, TimeMs now) {
    std::size_t offset = 0;
    while (offset < view.size() && !c.closing) {
      const std::uint32_t max_size =
          c.connect_received ? config_.max_packet_size
                             : std::min(config_.max_packet_size, config_.max_connect_packet_size);
      DecodeResult result = decode_packet_viewing_payload(
          view.subspan(offset), c.connect_received ? c.version : ProtocolVersion::kV5, max_size,
          current_payload_);
      if (result.status == DecodeStatus::kNeedMoreData) break;
      if (result.status == DecodeStatus::kError) {
        handle_decode_error(c, result, now);
        break;
      }
      current_packet_ = view.subspan(offset, result.consumed);
      offset += result.consumed;
      ++stats_.messages_received;
      c.last_received = now;
      handle_packet(c, std::move(result.packet), now);
      current_packet_ = {};
      current_payload_ = {};
    }
    return offset;
  }

  void on_close(ConnectionId id, TimeMs now) {
    if (depth_ > 0) {
      deferred_closes_.push_back(id);
      return;
    }
    Reentry guard(*this);
    close_now(id, now);
  }

  TimeMs on_tick(TimeMs now) {
    Reentry guard(*this);
    last_now_ = now;
    check_keep_alives(now);
    run_session_timers(now);
    if (config_.sys_interval_seconds != 0 && now >= next_sys_) {
      publish_sys(now);
      next_sys_ = now + static_cast<TimeMs>(config_.sys_interval_seconds) * 1000;
    }
    return next_deadline(now);
  }

  BrokerStats stats() const {
    BrokerStats s = stats_;
    s.retained_messages = retained_.size();
    s.subscriptions = subscriptions_.subscription_count();
    return s;
  }

 private:
  // Defers on_close calls made from inside a host callback until the outermost entry returns,
  // so no Connection disappears while a handler still uses it.
  struct Reentry {
    explicit Reentry(State& s) : state(s) { ++state.depth_; }
    ~Reentry() {
      if (--state.depth_ == 0 && !state.deferred_closes_.empty()) {
        ++state.depth_;
        while (!state.deferred_closes_.empty()) {
          ConnectionId id = state.deferred_closes_.back();
          state.deferred_closes_.pop_back();
          state.close_now(id, state.last_now_);
        }
        --state.depth_;
      }
    }
    State& state;
  };

  struct Delivery {
    Session* session;
    QoS qos;
    bool retain_as_published;
  };

  // ---- connection helpers -------------------------------------------------------------

  Connection* find_connection(ConnectionId id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
  }

  void log(LogLevel level, const std::string& text) { host_.log(level, text); }

  std::string client_name(const Connection& c) const {
    return c.client_id.empty() ? std::string("<unknown>") : c.client_id;
  }

  void send_bytes(Connection& c, ByteView bytes, SendKind kind) {
    ++stats_.messages_sent;
    stats_.bytes_sent += bytes.size();
    host_.send(c.id, bytes, kind);
  }

  // Encodes and sends a control packet. Returns false (and sends nothing) if it exceeds the
  // client's Maximum Packet Size.
  bool send_packet(Connection& c, const Packet& packet) {
    scratch_.clear();
    encode_packet(packet, c.version, scratch_);
    if (scratch_.size() > c.maximum_packet_size) {
      log(LogLevel::kDebug,
          "Dropped a packet larger than the maximum packet size of " + client_name(c));
      return false;
    }
    send_bytes(c, scratch_, SendKind::kControl);
    return true;
  }

  void send_ack(Connection& c, PacketType type, std::uint16_t packet_id, ReasonCode reason) {
    AckPacket ack;
    ack.type = type;
    ack.packet_id = packet_id;
    ack.reason = is_v5(c.version) ? reason : ReasonCode::kSuccess;
    send_packet(c, ack);
  }

  void close_connection(Connection& c) {
    if (c.closing) return;
    c.closing = true;
    c.input.clear();
    release_input(c);
    host_.close(c.id);
  }

  void close_now(ConnectionId id, TimeMs now) {
    last_now_ = now;
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    release_input(c);
    if (c.session != nullptr) {
      log(LogLevel::kNotice, "Client " + client_name(c) + " closed its connection.");
      detach(c, now, /*abnormal=*/true);
    }
    connections_.erase(it);
  }

  // Ends the connection because of a protocol violation: v5 DISCONNECT with `reason`, will
  // published, connection closed.
  void violation(Connection& c, ReasonCode reason, const std::string& detail, TimeMs now) {
    log(LogLevel::kNotice, "Client " + client_name(c) +
                               " disconnected: " + std::string(reason_code_name(reason)) +
                               (detail.empty() ? "" : " (" + detail + ")"));
    if (c.session != nullptr && is_v5(c.version)) {
      DisconnectPacket disconnect;
      disconnect.reason = reason;
      send_packet(c, disconnect);
    }
    detach(c, now, /*abnormal=*/true);
    close_connection(c);
  }

  // The connection no longer owns its session. An abnormal end triggers the will.
  void detach(Connection& c, TimeMs now, bool abnormal) {
    last_now_ = now;
    Session* s = c.session;
    if (s == nullptr) return;
    c.session = nullptr;
    s->connected = false;
    if (stats_.clients_connected > 0) --stats_.clients_connected;
    if (abnormal && c.will) {
      std::uint32_t delay = c.will->properties.will_delay_interval.value_or(0);
      s->pending_will = std::move(*c.will);
      s->will_at = now + static_cast<TimeMs>(delay) * 1000;
    }
    c.will.reset();
    if (s->pending_will && s->will_at <= now) publish_will(*s, now);
    if (s->expiry_interval == 0) {
      end_session(s, now);
    } else if (s->expiry_interval == kSessionNeverExpires) {
      s->expires_at.reset();
    } else {
      s->expires_at = now + static_cast<TimeMs>(s->expiry_interval) * 1000;
    }
  }

  // ---- sessions ------------------------------------------------------------------------

  void publish_will(Session& s, TimeMs now) {
    if (!s.pending_will) return;
    Will will = std::move(*s.pending_will);
    s.pending_will.reset();
    if (will.topic.rfind("$SYS", 0) == 0) return;
    if (config_.acl &&
        !acl_allows(*config_.acl, s.username, s.client_id, will.topic, AclAccess::kWrite)) {
      log(LogLevel::kNotice, "Denied will of " + s.client_id + " on " + will.topic);
      return;
    }
    auto message = std::make_shared<Message>();
    PublishPacket publish;
    publish.topic = std::move(will.topic);
    publish.payload = std::move(will.payload);
    publish.qos = will.qos;
    publish.retain = will.retain;
    publish.properties = std::move(will.properties);
    publish.properties.will_delay_interval.reset();
    if (publish.properties.message_expiry_interval) {
      message->expires_at =
          now + static_cast<TimeMs>(*publish.properties.message_expiry_interval) * 1000;
    }
    message->packet = std::move(publish);
    route(message, nullptr, now);
  }

  void end_session(Session* s, TimeMs now) {
    if (s->pending_will) publish_will(*s, now);
    for (const std::string& filter : s->subscriptions) subscriptions_.unsubscribe(filter, s);
    s->subscriptions.clear();
    std::string id = s->client_id;
    sessions_.erase(id);
  }

  void run_session_timers(TimeMs now) {
    std::vector<Session*> wills;
    std::vector<Session*> expired;
    for (auto& [id, session] : sessions_) {
      Session* s = session.get();
      if (s->connected) continue;
      if (s->pending_will && s->will_at <= now) wills.push_back(s);
      if (s->expires_at && *s->expires_at <= now) expired.push_back(s);
    }
    for (Session* s : wills) publish_will(*s, now);
    for (Session* s : expired) {
      log(LogLevel::kNotice, "Expiring session of client " + s->client_id);
      end_session(s, now);
    }
  }

  void check_keep_alives(TimeMs now) {
    std::vector<Connection*> timed_out;
    for (auto& [id, connection] : connections_) {
      Connection& c = *connection;
      if (c.closing) continue;
      if (!c.connect_received) {
        if (now - c.last_received >= kConnectTimeout) {
          log(LogLevel::kNotice, "No CONNECT from " + c.peer.address + ", closing.");
          close_connection(c);
        }
        continue;
      }
      if (c.keep_alive_ms == 0) continue;
      if (now - c.last_received >= c.keep_alive_ms) timed_out.push_back(&c);
    }
    for (Connection* c : timed_out) {
      log(LogLevel::kNotice, "Client " + client_name(*c) + " has exceeded timeout, disconnecting.");
      if (c->session != nullptr && is_v5(c->version)) {
        DisconnectPacket disconnect;
        disconnect.reason = ReasonCode::kKeepAliveTimeout;
        send_packet(*c, disconnect);
      }
      detach(*c, now, /*abnormal=*/true);
      close_connection(*c);
    }
  }

  TimeMs next_deadline(TimeMs now) {
    TimeMs next = now + kMaxTickInterval;
    for (auto& [id, connection] : connections_) {
      const Connection& c = *connection;
      if (c.connect_received && !c.closing && c.keep_alive_ms != 0) {
        next = std::min(next, std::max(now, c.last_received + c.keep_alive_ms));
      }
    }
    for (auto& [id, session] : sessions_) {
      const Session& s = *session;
      if (s.connected) continue;
      if (s.pending_will) next = std::min(next, std::max(now, s.will_at));
      if (s.expires_at) next = std::min(next, std::max(now, *s.expires_at));
    }
    if (config_.sys_interval_seconds != 0) next = std::min(next, std::max(now, next_sys_));
    return next;
  }

  // ---- inbound packets -----------------------------------------------------------------

  void handle_decode_error(Connection& c, DecodeResult& result, TimeMs now) {
    if (!c.connect_received) {
      if (const auto* connect = std::get_if<ConnectPacket>(&result.packet)) {
        std::uint8_t level = level_of(connect->version);
        if (result.error == ReasonCode::kUnsupportedProtocolVersion) {
          ConnackPacket connack;
          connack.reason = ReasonCode::kUnsupportedProtocolVersion;
          ProtocolVersion answer = level >= 5 ? ProtocolVersion::kV5 : ProtocolVersion::kV311;
          c.version = answer;
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
      return;
    }
    violation(c, result.error, result.error_detail, now);
  }

  void handle_packet(Connection& c, Packet&& packet, TimeMs now) {
    if (!c.connect_received) {
      if (auto* connect = std::get_if<ConnectPacket>(&packet)) {
        handle_connect(c, *connect, now);
      } else {
        log(LogLevel::kNotice,
            "First packet from " + c.peer.address + " is not CONNECT; closing the connection.");
        close_connection(c);
      }
      return;
    }
    switch (packet.index()) {
      case 2:  // PublishPacket
        handle_publish(c, std::move(packet), now);
        break;
      case 3:
        handle_ack(c, std::get<AckPacket>(packet), now);
        break;
      case 4:
        handle_subscribe(c, std::get<SubscribePacket>(packet), now);
        break;
      case 6:
        handle_unsubscribe(c, std::get<UnsubscribePacket>(packet));
        break;
      case 8:
        send_packet(c, PingrespPacket{});
        break;
      case 10:
        handle_disconnect(c, std::get<DisconnectPacket>(packet), now);
        break;
      case 0:
        violation(c, ReasonCode::kProtocolError, "second CONNECT", now);
        break;
      default:
        violation(c, ReasonCode::kProtocolError, "unexpected packet type", now);
        break;
    }
  }

  void reject_connect(Connection& c, ReasonCode reason, const std::string& why) {
    log(LogLevel::kNotice,
        "Refused connection from " + c.peer.address + " as " + client_name(c) + ": " + why);
    ConnackPacket connack;
    connack.reason = reason;
    send_packet(c, connack);
    close_connection(c);
  }

  void handle_connect(Connection& c, ConnectPacket& p, TimeMs now) {
    c.connect_received = true;
    c.version = p.version;
    const bool v5 = is_v5(p.version);
    c.client_id = p.client_id;
    if (v5 && p.properties.authentication_method) {
      reject_connect(c, ReasonCode::kBadAuthenticationMethod, "enhanced authentication");
      return;
    }
    bool assigned = false;
    if (c.client_id.empty()) {
      if (p.version == ProtocolVersion::kV31 || (!v5 && !p.clean_start)) {
        reject_connect(c, ReasonCode::kClientIdentifierNotValid,
                       "empty client id without clean session");
        return;
      }
      c.client_id = "auto-" + hex(++assigned_ids_ * 0x9E3779B97F4A7C15ull ^ start_);
      assigned = v5;
    }

    bool has_username = p.username.has_value();
    c.username = p.username.value_or("");
    if (c.peer.use_identity_as_username) {
      if (c.peer.tls_identity.empty()) {
        reject_connect(c, ReasonCode::kNotAuthorized, "no TLS identity");
        return;
      }
      c.username = c.peer.tls_identity;
      has_username = true;
    }
    // A client is authenticated by its TLS identity (use_identity_as_username) or by a user
    // name and password checked against the password file. Without a password file no user
    // name can be verified: when anonymous clients are not allowed, a user name alone proves
    // nothing and the client is refused (mosquitto 2.0: "not authorised").
    const bool identity_from_tls = c.peer.use_identity_as_username;
    if (!identity_from_tls && !config_.allow_anonymous) {
      if (!has_username) {
        reject_connect(c, ReasonCode::kNotAuthorized, "anonymous clients not allowed");
        return;
      }
      if (!config_.check_passwords) {
        reject_connect(c, ReasonCode::kNotAuthorized,
                       "user name given but no password_file to check it");
        return;
      }
    }
    if (has_username && config_.check_passwords && !identity_from_tls) {
      static const Bytes kEmpty;
      const Bytes& password = p.password ? *p.password : kEmpty;
      if (!host_.authenticate(c.username, password)) {
        reject_connect(c, ReasonCode::kBadUserNameOrPassword, "bad username or password");
        return;
      }
    }
    if (p.will && config_.message_size_limit != 0 &&
        p.will->payload.size() > config_.message_size_limit) {
      // The will would be published later: message_size_limit applies to it as to any
      // PUBLISH, or a client could get a larger message through as its will. 3.1.1 has no
      // "too large" return code; mosquitto answers 5 (not authorised), as we do.
      reject_connect(c, v5 ? ReasonCode::kPacketTooLarge : ReasonCode::kNotAuthorized,
                     "will payload larger than message_size_limit");
      return;
    }

    std::uint16_t keep_alive = p.keep_alive_seconds;
    std::optional<std::uint16_t> server_keep_alive;
    if (keep_alive > config_.max_keepalive_seconds) {
      if (!v5) {
        // mosquitto refuses a v3 client asking for more than max_keepalive.
        reject_connect(c, ReasonCode::kClientIdentifierNotValid, "keep alive too large");
        return;
      }
      keep_alive = config_.max_keepalive_seconds;
      server_keep_alive = keep_alive;
    }
    c.keep_alive_ms = static_cast<TimeMs>(keep_alive) * 1500;

    // Session takeover.
    auto found = sessions_.find(c.client_id);
    Session* session = found == sessions_.end() ? nullptr : found->second.get();
    if (session != nullptr && session->connected) {
      if (Connection* old = find_connection(session->connection); old != nullptr) {
        log(LogLevel::kNotice,
            "Client " + c.client_id + " already connected, closing old connection.");
        if (is_v5(old->version)) {
          DisconnectPacket disconnect;
          disconnect.reason = ReasonCode::kSessionTakenOver;
          send_packet(*old, disconnect);
        }
        detach(*old, now, /*abnormal=*/true);
        close_connection(*old);
      }
      found = sessions_.find(c.client_id);
      session = found == sessions_.end() ? nullptr : found->second.get();
    }
    if (session != nullptr &&
        (p.clean_start || (session->expires_at && *session->expires_at <= now))) {
      end_session(session, now);
      session = nullptr;
    }
    if (session != nullptr && !session_belongs_to(*session, c.username, has_username)) {
      // Another user's session is never handed over (mosquitto CVE-2021-34434): its
      // subscriptions and queued messages were authorised for that user, not this one.
      log(LogLevel::kNotice, "Client " + c.client_id +
                                 " connected as a different user than its session's owner; "
                                 "starting a fresh session.");
      end_session(session, now);
      session = nullptr;
    }
    const bool session_present = session != nullptr;
    if (session == nullptr) {
      auto created = std::make_unique<Session>();
      created->client_id = c.client_id;
      session = created.get();
      sessions_[c.client_id] = std::move(created);
    }
    session->pending_will.reset();  // a resumed session cancels a delayed will
    session->connected = true;
    session->connection = c.id;
    session->expires_at.reset();
    session->username = c.username;
    session->anonymous = !has_username;
    if (v5) {
      session->expiry_interval = p.properties.session_expiry_interval.value_or(0);
    } else {
      session->expiry_interval =
          p.clean_start
              ? 0
              : config_.persistent_client_expiration_seconds.value_or(kSessionNeverExpires);
    }
    c.connect_session_expiry_zero = session->expiry_interval == 0;
    c.session = session;
    c.will = std::move(p.will);
    c.receive_maximum = p.properties.receive_maximum.value_or(65535);
    if (c.receive_maximum == 0) c.receive_maximum = 65535;
    c.maximum_packet_size = p.properties.maximum_packet_size.value_or(kMaxPacketSize);
    if (c.maximum_packet_size == 0) c.maximum_packet_size = kMaxPacketSize;
    c.aliases = TopicAliasMap(v5 ? config_.topic_alias_maximum : 0);
    ++stats_.clients_connected;

    ConnackPacket connack;
    connack.session_present = session_present;
    if (v5) {
      Properties& props = connack.properties;
      props.receive_maximum =
          static_cast<std::uint16_t>(std::min<std::uint32_t>(inbound_receive_maximum(), 65535));
      if (config_.topic_alias_maximum != 0) props.topic_alias_maximum = config_.topic_alias_maximum;
      if (config_.max_packet_size < kMaxPacketSize) {
        props.maximum_packet_size = config_.max_packet_size;
      }
      if (assigned) props.assigned_client_identifier = c.client_id;
      props.retain_available = 1;
      props.wildcard_subscription_available = 1;
      props.subscription_identifier_available = 1;
      props.shared_subscription_available = 1;
      props.server_keep_alive = server_keep_alive;
    }
    send_packet(c, connack);
    log(LogLevel::kNotice, "New client connected from " + c.peer.address + " as " + c.client_id +
                               " (p" + decimal(level_of(c.version)) + ", c" +
                               (p.clean_start ? "1" : "0") + ", k" + decimal(keep_alive) +
                               (has_username ? ", u'" + c.username + "'" : std::string()) + ").");
    if (session_present) resume(*session, c, now);
  }

  // Whether a connection authenticated as `username` (none: anonymous) may resume `session`.
  static bool session_belongs_to(const Session& session, const std::string& username,
                                 bool has_username) {
    return session.anonymous == !has_username && session.username == username;
  }

  std::uint32_t inbound_receive_maximum() const {
    return config_.max_inflight_messages == 0 ? 65535 : config_.max_inflight_messages;
  }

  void handle_publish(Connection& c, Packet&& packet, TimeMs now) {
    PublishPacket& p = std::get<PublishPacket>(packet);
    Session& s = *c.session;
    if (is_v5(c.version) && p.properties.topic_alias) {
      std::uint16_t alias = *p.properties.topic_alias;
      if (!c.aliases.valid(alias)) {
        violation(c, ReasonCode::kTopicAliasInvalid, "topic alias " + decimal(alias), now);
        return;
      }
      if (p.topic.empty()) {
        const std::string* topic = c.aliases.find(alias);
        if (topic == nullptr) {
          violation(c, ReasonCode::kProtocolError, "unknown topic alias " + decimal(alias), now);
          return;
        }
        p.topic = *topic;
      } else {
        c.aliases.set(alias, p.topic);
      }
      p.properties.topic_alias.reset();
    }
    if (!is_valid_topic_name(p.topic)) {
      violation(c, is_v5(c.version) ? ReasonCode::kTopicNameInvalid : ReasonCode::kProtocolError,
                "invalid topic name", now);
      return;
    }
    if (!p.properties.subscription_identifiers.empty()) {
      violation(c, ReasonCode::kProtocolError, "PUBLISH with a subscription identifier", now);
      return;
    }
    const std::uint16_t packet_id = p.packet_id;
    const QoS qos = p.qos;
    if (qos == QoS::kExactlyOnce) {
      if (s.has_inbound_qos2(packet_id)) {  // duplicate before PUBREL: already delivered
        send_ack(c, PacketType::kPubrec, packet_id, ReasonCode::kSuccess);
        return;
      }
      if (s.inbound_qos2.size() >= inbound_receive_maximum()) {
        violation(c, ReasonCode::kReceiveMaximumExceeded, "", now);
        return;
      }
    }

    ReasonCode reason = ReasonCode::kSuccess;
    const ByteView payload = current_payload_;  // not yet copied into `p`
    if (config_.message_size_limit != 0 && payload.size() > config_.message_size_limit) {
      log(LogLevel::kNotice, "Dropped too large PUBLISH from " + c.client_id + " on '" + p.topic +
                                 "' (" + decimal(payload.size()) + " bytes)");
      reason = ReasonCode::kQuotaExceeded;
    } else if (p.topic.rfind("$SYS", 0) == 0) {
      log(LogLevel::kNotice, "Dropped PUBLISH to " + p.topic + " from " + c.client_id);
      reason = ReasonCode::kNotAuthorized;
    } else if (config_.acl &&
               !acl_allows(*config_.acl, c.username, c.client_id, p.topic, AclAccess::kWrite)) {
      log(LogLevel::kNotice, "Denied PUBLISH from " + c.client_id + " on '" + p.topic + "'");
      reason = ReasonCode::kNotAuthorized;
    } else {
      auto message = std::make_shared<Message>();
      p.dup = false;
      p.packet_id = 0;
      if (p.properties.message_expiry_interval) {
        message->expires_at =
            now + static_cast<TimeMs>(*p.properties.message_expiry_interval) * 1000;
      }
      const ReceivedEncoding saved = received_;
      const bool as_received = received_packet_is_encoding(c, p, payload.size());
      // A QoS 0 message that is not retained lives only while it is routed: its payload is
      // copied only if a recipient needs it encoded differently from the received packet.
      const bool copy_payload = !as_received || qos != QoS::kAtMostOnce || p.retain;
      if (copy_payload) p.payload.assign(payload.begin(), payload.end());
      received_ = {};
      if (as_received) {
        received_ = {message.get(), current_packet_, is_v5(c.version), p.retain,
                     copy_payload ? ByteView() : payload};
      }
      message->packet = std::move(packet);
      std::size_t delivered = route(message, &s, now);
      if (message.use_count() > 1) complete_payload(*message);  // kept somewhere after all
      received_ = saved;
      if (delivered == 0) reason = ReasonCode::kNoMatchingSubscribers;
    }
    if (c.closing) return;
    if (qos == QoS::kAtLeastOnce) {
      send_ack(c, PacketType::kPuback, packet_id, reason);
    } else if (qos == QoS::kExactlyOnce) {
      if (static_cast<std::uint8_t>(reason) < 0x80) s.inbound_qos2.push_back(packet_id);
      send_ack(c, PacketType::kPubrec, packet_id, reason);
    }
  }

  void handle_ack(Connection& c, const AckPacket& ack, TimeMs now) {
    Session& s = *c.session;
    switch (ack.type) {
      case PacketType::kPuback: {
        InflightMessage* entry = s.find_inflight(ack.packet_id);
        if (entry == nullptr) break;  // unknown id: ignored, as mosquitto does
        if (entry->state != InflightState::kAwaitingPuback) {
          violation(c, ReasonCode::kProtocolError, "PUBACK for a QoS 2 message", now);
          break;
        }
        s.erase_inflight(ack.packet_id);
        pump(s, c, now);
        break;
      }
      case PacketType::kPubrec: {
        InflightMessage* entry = s.find_inflight(ack.packet_id);
        if (entry == nullptr) {
          send_ack(c, PacketType::kPubrel, ack.packet_id, ReasonCode::kPacketIdentifierNotFound);
          break;
        }
        if (entry->state == InflightState::kAwaitingPuback) {
          violation(c, ReasonCode::kProtocolError, "PUBREC for a QoS 1 message", now);
          break;
        }
        if (static_cast<std::uint8_t>(ack.reason) >= 0x80) {
          s.erase_inflight(ack.packet_id);
          pump(s, c, now);
          break;
        }
        entry->state = InflightState::kAwaitingPubcomp;
        entry->outbound.message.reset();
        send_ack(c, PacketType::kPubrel, ack.packet_id, ReasonCode::kSuccess);
        break;
      }
      case PacketType::kPubrel: {
        ReasonCode reason = ReasonCode::kSuccess;
        if (s.has_inbound_qos2(ack.packet_id)) {
          s.erase_inbound_qos2(ack.packet_id);
        } else {
          reason = ReasonCode::kPacketIdentifierNotFound;
        }
        send_ack(c, PacketType::kPubcomp, ack.packet_id, reason);
        break;
      }
      case PacketType::kPubcomp: {
        InflightMessage* entry = s.find_inflight(ack.packet_id);
        if (entry == nullptr) break;  // unknown id: ignored, as mosquitto does
        if (entry->state != InflightState::kAwaitingPubcomp) {
          violation(c, ReasonCode::kProtocolError,
                    entry->state == InflightState::kAwaitingPuback ? "PUBCOMP for a QoS 1 message"
                                                                   : "PUBCOMP before PUBREC",
                    now);
          break;
        }
        s.erase_inflight(ack.packet_id);
        pump(s, c, now);
        break;
      }
      default:
        violation(c, ReasonCode::kProtocolError, "unexpected acknowledgement", now);
        break;
    }
  }

  void handle_subscribe(Connection& c, const SubscribePacket& p, TimeMs now) {
    Session& s = *c.session;
    const bool v5 = is_v5(c.version);
    SubackPacket suback;
    suback.packet_id = p.packet_id;
    const std::uint32_t subscription_id = p.properties.subscription_identifiers.empty()
                                              ? 0
                                              : p.properties.subscription_identifiers[0];
    struct RetainedRequest {
      std::string filter;
      QoS qos;
    };
    std::vector<RetainedRequest> retained_requests;
    for (const SubscriptionRequest& request : p.subscriptions) {
      if (!is_valid_topic_filter(request.filter)) {
        log(LogLevel::kNotice, "Invalid subscription filter from " + c.client_id);
        suback.reasons.push_back(v5 ? ReasonCode::kTopicFilterInvalid
                                    : ReasonCode::kUnspecifiedError);
        continue;
      }
      auto shared = parse_shared_filter(request.filter);
      if (shared && request.no_local) {
        violation(c, ReasonCode::kProtocolError, "no local on a shared subscription", now);
        return;
      }
      std::string_view acl_filter = shared ? shared->filter : std::string_view(request.filter);
      if (config_.acl &&
          !acl_allows_subscription(*config_.acl, c.username, c.client_id, acl_filter)) {
        log(LogLevel::kNotice, "Denied subscription of " + c.client_id + " to " + request.filter);
        suback.reasons.push_back(v5 ? ReasonCode::kNotAuthorized : ReasonCode::kUnspecifiedError);
        continue;
      }
      if (config_.max_subscriptions_per_client != 0 &&
          s.subscriptions.size() >= config_.max_subscriptions_per_client &&
          std::find(s.subscriptions.begin(), s.subscriptions.end(), request.filter) ==
              s.subscriptions.end()) {
        log(LogLevel::kWarning, "Client " + c.client_id +
                                    " reached max_subscriptions_per_client (" +
                                    std::to_string(config_.max_subscriptions_per_client) +
                                    "): refused subscription to " + request.filter);
        suback.reasons.push_back(v5 ? ReasonCode::kQuotaExceeded : ReasonCode::kUnspecifiedError);
        continue;
      }
      const QoS granted = min_qos(request.max_qos, QoS::kExactlyOnce);
      Subscriber subscriber;
      subscriber.session = &s;
      subscriber.qos = granted;
      subscriber.no_local = request.no_local;
      subscriber.retain_as_published = request.retain_as_published;
      subscriber.subscription_id = subscription_id;
      const bool existed = subscriptions_.subscribe(request.filter, subscriber);
      if (!existed) s.subscriptions.push_back(request.filter);
      suback.reasons.push_back(static_cast<ReasonCode>(granted));
      const bool send_retained =
          !shared &&
          (request.retain_handling == RetainHandling::kSendAtSubscribe ||
           (request.retain_handling == RetainHandling::kSendAtSubscribeIfNew && !existed));
      if (send_retained) retained_requests.push_back({request.filter, granted});
    }
    send_packet(c, suback);
    for (const RetainedRequest& request : retained_requests) {
      retained_.for_each_match(request.filter, now, [&](const MessageRef& message) {
        const PublishPacket& publish = message->publish();
        if (config_.acl &&
            !acl_allows(*config_.acl, s.username, s.client_id, publish.topic, AclAccess::kRead)) {
          return;
        }
        OutboundMessage outbound;
        outbound.message = message;
        outbound.qos = min_qos(publish.qos, request.qos);
        outbound.retain = true;
        if (subscription_id != 0) outbound.subscription_ids.push_back(subscription_id);
        deliver(s, std::move(outbound), now);
      });
    }
  }

  void handle_unsubscribe(Connection& c, const UnsubscribePacket& p) {
    Session& s = *c.session;
    UnsubackPacket unsuback;
    unsuback.packet_id = p.packet_id;
    for (const std::string& filter : p.filters) {
      const bool existed = subscriptions_.unsubscribe(filter, &s);
      if (existed) {
        auto it = std::find(s.subscriptions.begin(), s.subscriptions.end(), filter);
        if (it != s.subscriptions.end()) s.subscriptions.erase(it);
      }
      unsuback.reasons.push_back(existed ? ReasonCode::kSuccess
                                         : ReasonCode::kNoSubscriptionExisted);
    }
    if (!is_v5(c.version)) unsuback.reasons.clear();
    send_packet(c, unsuback);
  }

  void handle_disconnect(Connection& c, const DisconnectPacket& p, TimeMs now) {
    Session& s = *c.session;
    if (p.properties.session_expiry_interval) {
      if (c.connect_session_expiry_zero && *p.properties.session_expiry_interval != 0) {
        violation(c, ReasonCode::kProtocolError, "session expiry set on DISCONNECT", now);
        return;
      }
      s.expiry_interval = *p.properties.session_expiry_interval;
    }
    log(LogLevel::kNotice, "Client " + c.client_id + " disconnected.");
    detach(c, now, /*abnormal=*/p.reason != ReasonCode::kSuccess);
    close_connection(c);
  }

  // ---- outbound ------------------------------------------------------------------------

  std::size_t window(const Connection& c) const {
    std::size_t limit = config_.max_inflight_messages == 0 ? 65535 : config_.max_inflight_messages;
    limit = std::min<std::size_t>(limit, c.receive_maximum);
    return std::min<std::size_t>(limit, 65534);
  }

  // Routes a message to every matching subscription; returns the number of deliveries.
  std::size_t route(const MessageRef& message, const Session* origin, TimeMs now) {
    const PublishPacket& publish = message->publish();
    if (publish.retain) retained_.store(message);
    ++generation_;
    deliveries_.clear();
    delivery_ids_.clear();
    subscriptions_.for_each_match(publish.topic, [&](FilterEntry& entry) {
      if (entry.shared) {
        const std::size_t n = entry.subscribers.size();
        if (n == 0) return;
        std::size_t chosen = entry.next_member % n;
        for (std::size_t k = 0; k < n; ++k) {
          std::size_t index = (entry.next_member + k) % n;
          if (entry.subscribers[index].session->connected) {
            chosen = index;
            break;
          }
        }
        entry.next_member = chosen + 1;
        const Subscriber& sub = entry.subscribers[chosen];
        if (sub.subscription_id != 0)
          delivery_ids_.push_back({deliveries_.size(), sub.subscription_id});
        deliveries_.push_back({sub.session, sub.qos, sub.retain_as_published});
        return;
      }
      for (const Subscriber& sub : entry.subscribers) {
        if (sub.no_local && sub.session == origin) continue;
        Session* s = sub.session;
        std::size_t slot;
        if (s->match_generation == generation_) {
          slot = s->match_slot;
          Delivery& d = deliveries_[slot];
          d.qos = std::max(d.qos, sub.qos);
          d.retain_as_published = d.retain_as_published || sub.retain_as_published;
        } else {
          s->match_generation = generation_;
          s->match_slot = slot = deliveries_.size();
          deliveries_.push_back({s, sub.qos, sub.retain_as_published});
        }
        if (sub.subscription_id != 0) delivery_ids_.push_back({slot, sub.subscription_id});
      }
    });
    // Deliveries may re-enter route() (never, today) — copy out what we need first.
    const std::size_t count = deliveries_.size();
    std::vector<Delivery> deliveries;
    std::vector<std::pair<std::size_t, std::uint32_t>> ids;
    deliveries.swap(deliveries_);
    ids.swap(delivery_ids_);
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Delivery& d = deliveries[i];
      Session& s = *d.session;
      if (config_.acl &&
          !acl_allows(*config_.acl, s.username, s.client_id, publish.topic, AclAccess::kRead)) {
        continue;
      }
      OutboundMessage outbound;
      outbound.message = message;
      outbound.qos = min_qos(publish.qos, d.qos);
      outbound.retain = d.retain_as_published && publish.retain;
      for (const auto& [slot, id] : ids) {
        if (slot == i) outbound.subscription_ids.push_back(id);
      }
      deliver(s, std::move(outbound), now);
      ++delivered;
    }
    deliveries.clear();
    ids.clear();
    deliveries_.swap(deliveries);  // keep the capacity for the next message
    delivery_ids_.swap(ids);
    return delivered;
  }

  void deliver(Session& s, OutboundMessage&& outbound, TimeMs now) {
    Connection* c = s.connected ? find_connection(s.connection) : nullptr;
    if (c != nullptr && c->closing) c = nullptr;
    if (c != nullptr) {
      if (outbound.qos == QoS::kAtMostOnce) {
        send_publish(*c, outbound, 0, false, now);
        return;
      }
      if (s.queued.empty() && s.inflight.size() < window(*c)) {
        start_inflight(s, *c, std::move(outbound), now);
        return;
      }
    } else if (outbound.qos == QoS::kAtMostOnce) {
      return;  // QoS 0 is not queued for offline clients
    }
    if (config_.max_queued_messages != 0 && s.queued.size() >= config_.max_queued_messages) {
      if (!s.dropping) {
        log(LogLevel::kNotice,
            "Outgoing messages are being dropped for client " + s.client_id + ".");
      }
      s.dropping = true;
      return;
    }
    s.dropping = false;
    s.queued.push_back(std::move(outbound));
  }

  void start_inflight(Session& s, Connection& c, OutboundMessage&& outbound, TimeMs now) {
    if (outbound.message->expired(now)) return;
    const std::uint16_t packet_id = s.allocate_packet_id();
    if (!send_publish(c, outbound, packet_id, false, now)) return;
    InflightMessage entry;
    entry.packet_id = packet_id;
    entry.state = outbound.qos == QoS::kAtLeastOnce ? InflightState::kAwaitingPuback
                                                    : InflightState::kAwaitingPubrec;
    entry.outbound = std::move(outbound);
    s.inflight.push_back(std::move(entry));
  }

  // Moves queued messages into the in-flight window.
  void pump(Session& s, Connection& c, TimeMs now) {
    while (!s.queued.empty() && s.inflight.size() < window(c) && !c.closing) {
      OutboundMessage outbound = std::move(s.queued.front());
      s.queued.pop_front();
      if (outbound.qos == QoS::kAtMostOnce) {
        send_publish(c, outbound, 0, false, now);
      } else {
        start_inflight(s, c, std::move(outbound), now);
      }
    }
  }

  // On session resume: retransmit what is in flight (PUBLISH with DUP, or PUBREL), then
  // send from the queue.
  void resume(Session& s, Connection& c, TimeMs now) {
    recheck_acl_on_resume(s);
    for (std::size_t i = 0; i < s.inflight.size();) {
      InflightMessage& entry = s.inflight[i];
      if (entry.state == InflightState::kAwaitingPubcomp) {
        send_ack(c, PacketType::kPubrel, entry.packet_id, ReasonCode::kSuccess);
        ++i;
        continue;
      }
      if (!send_publish(c, entry.outbound, entry.packet_id, true, now)) {
        s.inflight.erase(s.inflight.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      ++i;
    }
    pump(s, c, now);
  }

  // A resumed session keeps only what the ACL allows its user now: stored subscriptions the
  // ACL no longer grants are removed, and queued or in-flight messages it may no longer read
  // are dropped (a QoS 2 message already released, awaiting PUBCOMP, carries no payload).
  void recheck_acl_on_resume(Session& s) {
    if (!config_.acl) return;
    const AclRules& acl = *config_.acl;
    std::vector<std::string> kept;
    for (const std::string& filter : s.subscriptions) {
      const auto shared = parse_shared_filter(filter);
      const std::string_view acl_filter = shared ? shared->filter : std::string_view(filter);
      if (acl_allows_subscription(acl, s.username, s.client_id, acl_filter)) {
        kept.push_back(filter);
      } else {
        subscriptions_.unsubscribe(filter, &s);
        log(LogLevel::kNotice, "Removed subscription " + filter + " of " + s.client_id +
                                   ": no longer allowed by the ACL.");
      }
    }
    s.subscriptions.swap(kept);
    auto may_read = [&](const OutboundMessage& m) {
      return acl_allows(acl, s.username, s.client_id, m.message->publish().topic, AclAccess::kRead);
    };
    std::erase_if(s.queued, [&](const OutboundMessage& m) { return !may_read(m); });
    std::erase_if(s.inflight, [&](const InflightMessage& entry) {
      return entry.outbound.message != nullptr && !may_read(entry.outbound);
    });
  }

  // Whether the PUBLISH just received (current_packet_) is byte for byte what encode_packet
  // makes of `p` as a QoS 0 PUBLISH for the sender's protocol family (3.1/3.1.1 alike, or 5)
  // without DUP and with its retain flag: minimal remaining length, the topic as received (no
  // topic alias), in v5 no properties at all.
  bool received_packet_is_encoding(const Connection& c, const PublishPacket& p,
                                   std::size_t payload_size) const {
    const ByteView wire = current_packet_;
    if (p.qos != QoS::kAtMostOnce || wire.empty()) return false;
    const bool v5 = is_v5(c.version);
    if (v5 && p.properties != Properties{}) return false;
    const std::size_t remaining = 2 + p.topic.size() + (v5 ? 1 : 0) + payload_size;
    if (remaining > kMaxPacketSize) return false;
    const std::size_t header =
        1 + variable_byte_integer_size(static_cast<std::uint32_t>(remaining));
    if (wire.size() != header + remaining) return false;
    if (wire[0] != (p.retain ? 0x31 : 0x30)) return false;
    if (((static_cast<std::size_t>(wire[header]) << 8) | wire[header + 1]) != p.topic.size()) {
      return false;
    }
    return !v5 || wire[header + 2 + p.topic.size()] == 0;
  }

  EncodedPublish& shared_encoding(Message& message, ProtocolVersion version, QoS qos, bool retain) {
    for (EncodedPublish& e : message.encodings) {
      if (e.version == version && e.qos == qos && e.retain == retain) return e;
    }
    PublishPacket& publish = message.publish();
    const QoS saved_qos = publish.qos;
    const bool saved_retain = publish.retain;
    publish.qos = qos;
    publish.retain = retain;
    publish.packet_id = 0;
    publish.dup = false;
    EncodedPublish e;
    e.version = version;
    e.qos = qos;
    e.retain = retain;
    encode_packet(message.packet, version, e.bytes);
    publish.qos = saved_qos;
    publish.retain = saved_retain;
    std::uint32_t remaining = 0;
    std::size_t length = 0;
    decode_variable_byte_integer(ByteView(e.bytes).subspan(1), remaining, length);
    e.packet_id_offset = 1 + length + 2 + publish.topic.size();
    message.encodings.push_back(std::move(e));
    return message.encodings.back();
  }

  // Sends one PUBLISH; false if it was not sent (expired, or above the client's maximum
  // packet size: dropped as the spec requires).
  bool send_publish(Connection& c, const OutboundMessage& outbound, std::uint16_t packet_id,
                    bool dup, TimeMs now) {
    Message& message = *outbound.message;
    if (message.expired(now)) return false;
    const bool per_recipient =
        is_v5(c.version) && (!outbound.subscription_ids.empty() || message.expires_at);
    ByteView bytes;
    if (!per_recipient && outbound.qos == QoS::kAtMostOnce && !dup &&
        received_.message == &message && received_.v5 == is_v5(c.version) &&
        received_.retain == outbound.retain) {
      bytes = received_.bytes;  // as received: no encoding to make or keep
    } else if (!per_recipient) {
      complete_payload(message);
      EncodedPublish& e = shared_encoding(message, c.version, outbound.qos, outbound.retain);
      if (outbound.qos == QoS::kAtMostOnce && !dup) {
        bytes = e.bytes;
      } else {
        // The packet identifier and DUP flag are patched into the shared encoding for this one
        // send and taken out again (the host copies what it is given before returning).
        if (!fits(c, e.bytes)) return false;
        const std::uint8_t first = e.bytes[0];
        if (outbound.qos != QoS::kAtMostOnce) {
          e.bytes[e.packet_id_offset] = static_cast<std::uint8_t>(packet_id >> 8);
          e.bytes[e.packet_id_offset + 1] = static_cast<std::uint8_t>(packet_id & 0xFF);
        }
        if (dup) e.bytes[0] = static_cast<std::uint8_t>(first | 0x08);
        send_bytes(c, e.bytes, publish_send_kind(outbound));
        e.bytes[0] = first;
        if (outbound.qos != QoS::kAtMostOnce) {
          e.bytes[e.packet_id_offset] = 0;
          e.bytes[e.packet_id_offset + 1] = 0;
        }
        return true;
      }
    } else {
      complete_payload(message);
      PublishPacket& publish = message.publish();
      const QoS saved_qos = publish.qos;
      const bool saved_retain = publish.retain;
      const auto saved_expiry = publish.properties.message_expiry_interval;
      publish.qos = outbound.qos;
      publish.retain = outbound.retain;
      publish.packet_id = packet_id;
      publish.dup = dup;
      publish.properties.subscription_identifiers = outbound.subscription_ids;
      if (message.expires_at) {
        publish.properties.message_expiry_interval =
            static_cast<std::uint32_t>((*message.expires_at - now + 999) / 1000);
      }
      scratch_.clear();
      encode_packet(message.packet, c.version, scratch_);
      publish.qos = saved_qos;
      publish.retain = saved_retain;
      publish.packet_id = 0;
      publish.dup = false;
      publish.properties.subscription_identifiers.clear();
      publish.properties.message_expiry_interval = saved_expiry;
      bytes = scratch_;
    }
    if (!fits(c, bytes)) return false;
    send_bytes(c, bytes, publish_send_kind(outbound));
    return true;
  }

  // Copies the payload of the message being routed into it, if it was left in the received
  // bytes so far.
  void complete_payload(Message& message) {
    if (received_.message != &message || received_.pending_payload.empty()) return;
    message.publish().payload.assign(received_.pending_payload.begin(),
                                     received_.pending_payload.end());
    received_.pending_payload = {};
  }

  // Whether a PUBLISH of these bytes may go to the client (its Maximum Packet Size).
  bool fits(const Connection& c, ByteView bytes) {
    if (bytes.size() <= c.maximum_packet_size) return true;
    log(LogLevel::kDebug,
        "Dropped PUBLISH to " + c.client_id + ": larger than its maximum packet size");
    return false;
  }

  static SendKind publish_send_kind(const OutboundMessage& outbound) {
    return outbound.qos == QoS::kAtMostOnce ? SendKind::kDroppable : SendKind::kControl;
  }

  // ---- $SYS ----------------------------------------------------------------------------

  void publish_sys(TimeMs now) {
    const std::uint64_t uptime = (now - start_) / 1000;
    std::vector<SysTopic> topics = sys_topics(config_.version, uptime, stats());
    if (last_sys_values_.size() != topics.size()) last_sys_values_.assign(topics.size(), {});
    for (std::size_t i = 0; i < topics.size(); ++i) {
      SysTopic& topic = topics[i];
      if (topic.value == last_sys_values_[i] && retained_.find(topic.topic) != nullptr) continue;
      last_sys_values_[i] = topic.value;
      auto message = std::make_shared<Message>();
      PublishPacket publish;
      publish.topic = std::move(topic.topic);
      publish.payload.assign(topic.value.begin(), topic.value.end());
      publish.retain = true;
      message->packet = std::move(publish);
      route(message, nullptr, now);
    }
  }

  BrokerConfig config_;
  BrokerHost& host_;
  TimeMs start_;
  TimeMs next_sys_ = 0;
  TimeMs last_now_ = 0;
  int depth_ = 0;
  std::vector<ConnectionId> deferred_closes_;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;
  SubscriptionStore subscriptions_;
  RetainedStore retained_;
  BrokerStats stats_;
  Bytes scratch_;
  // The bytes of the packet being handled, while on_data handles it, and the payload of a
  // PUBLISH among them (decoded without a copy).
  ByteView current_packet_;
  ByteView current_payload_;
  // While a QoS 0 PUBLISH is routed: its bytes as received, when they are its encoding for
  // QoS 0 recipients of the sender's protocol family with that retain flag.
  struct ReceivedEncoding {
    const Message* message = nullptr;
    ByteView bytes;
    bool v5 = false;
    bool retain = false;
    // Not empty while the message's payload is still only here (see handle_publish).
    ByteView pending_payload;
  };
  ReceivedEncoding received_;
  std::uint64_t generation_ = 0;
  std::uint64_t reserved_input_total_ = 0;  // Connection::reserved_input, summed
  std::uint64_t reserved_pre_connect_ = 0;  // the part reserved before CONNECT completed
  std::uint64_t assigned_ids_ = 0;
  std::vector<Delivery> deliveries_;
  std::vector<std::pair<std::size_t, std::uint32_t>> delivery_ids_;
  std::vector<std::string> last_sys_values_;
};

Broker::Broker(BrokerConfig config, BrokerHost& host, TimeMs now)
    : state_(std::make_unique<State>(std::move(config), host, now)) {}

Broker::~Broker() = default;

void Broker::on_open(ConnectionId conn, const PeerInfo& peer, TimeMs now) {
  state_->on_open(conn, peer, now);
}

void Broker::on_data(ConnectionId conn, ByteView bytes, TimeMs now) {
  state_->on_data(conn, bytes, now);
}

void Broker::on_close(ConnectionId conn, TimeMs now) { state_->on_close(conn, now); }

TimeMs Broker::on_tick(TimeMs now) { return state_->on_tick(now); }

BrokerStats Broker::stats() const { return state_->stats(); }

}  // namespace trustmq::mqtt

// The Broker API over Broker::State (broker_state.h, where each concern's file is listed):
// entry from the host, deferred closes, and what every concern uses to close a connection.
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

#include <utility>

#include "mqtt/acl.h"
#include "mqtt/broker_state.h"

namespace trustmq::mqtt {

Broker::State::State(BrokerConfig config, BrokerHost& host, TimeMs now)
    : config_(std::move(config)), host_(host), start_(now) {
  next_sys_ = config_.sys_interval_seconds == 0 ? 0 : now;
}

Broker::State::Reentry::Reentry(State& s) : state(s) { ++state.depth_; }

Broker::State::Reentry::~Reentry() {
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

void Broker::State::on_open(ConnectionId id, const PeerInfo& peer, TimeMs now) {
  Reentry guard(*this);
  last_now_ = now;
  auto connection = std::make_unique<Connection>();
  connection->id = id;
  connection->peer = peer;
  connection->last_received = now;
  connections_[id] = std::move(connection);
  if (peer.attested) ++attestation_counters_.handshakes_attested;
}

void Broker::State::on_close(ConnectionId id, TimeMs now) {
  if (depth_ > 0) {
    deferred_closes_.push_back(id);
    return;
  }
  Reentry guard(*this);
  close_now(id, now);
}

TimeMs Broker::State::on_tick(TimeMs now) {
  Reentry guard(*this);
  last_now_ = now;
  check_connection_deadlines(now);
  run_session_timers(now);
  if (config_.sys_interval_seconds != 0 && now >= next_sys_) {
    publish_sys(now);
    next_sys_ = now + static_cast<TimeMs>(config_.sys_interval_seconds) * 1000;
  }
  return next_deadline(now);
}

BrokerStats Broker::State::stats() const {
  BrokerStats s = stats_;
  s.retained_messages = retained_.size();
  s.subscriptions = subscriptions_.subscription_count();
  return s;
}

std::string Broker::State::client_name(const Connection& c) {
  return c.client_id.empty() ? std::string("<unknown>") : c.client_id;
}

void Broker::State::close_connection(Connection& c) {
  if (c.closing) return;
  c.closing = true;
  c.input.clear();
  release_input(c);
  host_.close(c.id);
}

void Broker::State::close_now(ConnectionId id, TimeMs now) {
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

bool Broker::State::acl_permits_subscription(const std::string& username,
                                             const std::string& client_id,
                                             const ClientClaims& claims,
                                             std::string_view filter) const {
  return !config_.acl || acl_allows_subscription(*config_.acl, username, client_id, claims, filter);
}

std::uint32_t Broker::State::inbound_receive_maximum() const {
  return zero_means_max_receive(config_.max_inflight_messages);
}

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

void Broker::reload_security(std::optional<AclRules> acl, TimeMs now) {
  state_->reload_security(std::move(acl), now);
}

bool Broker::restore(ByteView record, TimeMs now) { return state_->restore(record, now); }

BrokerStats Broker::stats() const { return state_->stats(); }

}  // namespace trustmq::mqtt

// Persistence in the core (docs/persistence.md): the records a change of durable state emits
// through BrokerHost::persist, and restore(), which rebuilds that state from the records a
// host stored, before any connection. A session is durable when persistence is on and its
// expiry interval is not 0; only durable sessions and their QoS 1/2 messages are stored.
#include <algorithm>
#include <string>

#include "mqtt/broker_state.h"
#include "mqtt/topic.h"

namespace trustmq::mqtt {
namespace {

StoredMessageState stored_state(InflightState state) {
  switch (state) {
    case InflightState::kAwaitingPuback:
      return StoredMessageState::kAwaitingPuback;
    case InflightState::kAwaitingPubrec:
      return StoredMessageState::kAwaitingPubrec;
    case InflightState::kAwaitingPubcomp:
      return StoredMessageState::kAwaitingPubcomp;
  }
  return StoredMessageState::kQueued;
}

InflightState inflight_state(StoredMessageState state) {
  switch (state) {
    case StoredMessageState::kAwaitingPubrec:
      return InflightState::kAwaitingPubrec;
    case StoredMessageState::kAwaitingPubcomp:
      return InflightState::kAwaitingPubcomp;
    default:
      return InflightState::kAwaitingPuback;
  }
}

// A message as stored, with its expiry deadline on the broker's clock (0 = none): the host
// keeps that clock running across a restart, so time spent stopped counts.
MessageRef restored_message(PublishPacket&& publish, TimeMs expires_at) {
  auto message = std::make_shared<Message>();
  if (expires_at != 0) message->expires_at = expires_at;
  message->packet = std::move(publish);
  return message;
}

}  // namespace

void Broker::State::emit_record(RecordOp op, ByteView key, ByteView value) {
  record_.clear();
  encode_record(op, key, value, record_);
  host_.persist(record_);
}

void Broker::State::persist_session(Session& s) {
  if (!config_.persistence) return;
  if (!durable(s)) {
    if (s.stored) persist_session_end(s);
    return;
  }
  StoredSession stored;
  stored.client_id = s.client_id;
  stored.username = s.username;
  stored.anonymous = s.anonymous;
  stored.expiry_interval = s.expiry_interval;
  stored.last_packet_id = s.last_packet_id;
  for (const std::string& filter : s.subscriptions) {
    const Subscriber* sub = subscriptions_.find(filter, &s);
    if (sub == nullptr) continue;
    stored.subscriptions.push_back(
        {filter, sub->qos, sub->no_local, sub->retain_as_published, sub->subscription_id});
  }
  stored.inbound_qos2 = s.inbound_qos2;
  if (!s.connected && s.expires_at) stored.expires_at = *s.expires_at;
  if (s.pending_will) {
    stored.pending_will = *s.pending_will;
    stored.will_at = s.will_at;
  }
  record_value_.clear();
  encode_session(stored, record_value_);
  emit_record(RecordOp::kPut, session_key(s.client_id), record_value_);
  s.stored = true;
}

// The session's record and those of its messages go; its messages stay in memory (a session
// whose expiry became 0 may still be connected) but are no longer stored.
void Broker::State::persist_session_end(Session& s) {
  if (!s.stored) return;
  s.queued.for_each([&](OutboundMessage& outbound) { unpersist_message(s, outbound); });
  for (InflightMessage& entry : s.inflight) unpersist_message(s, entry.outbound);
  emit_record(RecordOp::kDelete, session_key(s.client_id), {});
  s.stored = false;
}

void Broker::State::persist_retained(const Message& message) {
  if (!config_.persistence) return;
  const PublishPacket& publish = message.publish();
  if (publish.payload.empty()) {
    emit_record(RecordOp::kDelete, retained_key(publish.topic), {});
    return;
  }
  record_value_.clear();
  encode_stored_publish(publish, message.expires_at.value_or(0), record_value_);
  emit_record(RecordOp::kPut, retained_key(publish.topic), record_value_);
}

void Broker::State::persist_message(const Session& s, OutboundMessage& outbound,
                                    InflightState state, std::uint16_t packet_id, bool queued) {
  if (!s.stored || outbound.qos == QoS::kAtMostOnce) return;
  if (outbound.stored_number == 0) outbound.stored_number = next_stored_number_++;
  StoredMessage stored;
  stored.client_id = s.client_id;
  stored.number = outbound.stored_number;
  stored.qos = outbound.qos;
  stored.retain = outbound.retain;
  stored.subscription_ids = outbound.subscription_ids;
  stored.state = queued ? StoredMessageState::kQueued : stored_state(state);
  stored.packet_id = queued ? 0 : packet_id;
  if (outbound.message) stored.expires_at = outbound.message->expires_at.value_or(0);
  const PublishPacket* publish =
      state == InflightState::kAwaitingPubcomp && !queued ? nullptr : &outbound.message->publish();
  record_value_.clear();
  encode_message(stored, publish, record_value_);
  emit_record(RecordOp::kPut, message_key(s.client_id, stored.number), record_value_);
}

void Broker::State::unpersist_message(const Session& s, OutboundMessage& outbound) {
  if (outbound.stored_number == 0) return;
  emit_record(RecordOp::kDelete, message_key(s.client_id, outbound.stored_number), {});
  outbound.stored_number = 0;
}

bool Broker::State::restore(ByteView bytes, TimeMs now) {
  Reentry guard(*this);
  // `now` is the time the records are as of, which may be before the broker's start.
  last_now_ = std::max(last_now_, now);
  if (!connections_.empty()) {
    log(LogLevel::kError, "persistence: a record was given back after the first connection");
    return false;
  }
  const std::optional<RecordView> record = decode_record(bytes);
  if (!record || record->op != RecordOp::kPut) {
    log(LogLevel::kError, "persistence: malformed record ignored");
    return false;
  }
  bool ok = false;
  switch (*record_kind(record->key)) {
    case RecordKind::kSession:
      ok = restore_session(record->value, now);
      break;
    case RecordKind::kRetained:
      ok = restore_retained(record->value);
      break;
    case RecordKind::kMessage:
      ok = restore_message(record->value);
      break;
  }
  if (!ok) {
    log(LogLevel::kError, "persistence: record " + describe_key(record->key) +
                              " is malformed or does not fit the state restored so far; ignored");
  }
  return ok;
}

bool Broker::State::restore_session(ByteView value, TimeMs now) {
  StoredSession stored;
  if (!decode_session(value, stored) || stored.expiry_interval == 0 ||
      sessions_.count(stored.client_id) != 0) {
    return false;
  }
  auto session = std::make_unique<Session>();
  Session& s = *session;
  s.client_id = stored.client_id;
  s.username = stored.username;
  s.anonymous = stored.anonymous;
  s.expiry_interval = stored.expiry_interval;
  if (stored.expires_at != 0) {
    s.expires_at = stored.expires_at;  // disconnected before the broker stopped
  } else if (s.expiry_interval != kSessionNeverExpires) {
    // Connected when the broker stopped: the connection ended then, and `now` is that time
    // (the time the host's records are as of, docs/persistence.md).
    s.expires_at = now + static_cast<TimeMs>(s.expiry_interval) * 1000;
  }
  if (stored.pending_will) {
    s.pending_will = std::make_unique<Will>(std::move(*stored.pending_will));
    s.will_at = stored.will_at;
  }
  s.last_packet_id = stored.last_packet_id;
  s.inbound_qos2 = stored.inbound_qos2;
  s.stored = true;
  for (const StoredSubscription& sub : stored.subscriptions) {
    if (!is_valid_topic_filter(sub.filter)) return false;
  }
  for (const StoredSubscription& sub : stored.subscriptions) {
    Subscriber subscriber;
    subscriber.session = &s;
    subscriber.qos = sub.qos;
    subscriber.no_local = sub.no_local;
    subscriber.retain_as_published = sub.retain_as_published;
    subscriber.subscription_id = sub.subscription_id;
    if (!subscriptions_.subscribe(sub.filter, subscriber)) s.subscriptions.push_back(sub.filter);
  }
  sessions_[s.client_id] = std::move(session);
  return true;
}

bool Broker::State::restore_retained(ByteView value) {
  PublishPacket publish;
  TimeMs expires_at = 0;
  if (!decode_stored_publish(value, publish, expires_at) || publish.payload.empty() ||
      !is_valid_topic_name(publish.topic)) {
    return false;
  }
  retained_.store(restored_message(std::move(publish), expires_at));
  return true;
}

bool Broker::State::restore_message(ByteView value) {
  StoredMessage stored;
  if (!decode_message(value, stored)) return false;
  if (stored.publish && !is_valid_topic_name(stored.publish->topic)) return false;
  auto found = sessions_.find(stored.client_id);
  if (found == sessions_.end()) return false;
  Session& s = *found->second;
  OutboundMessage outbound;
  if (stored.publish) {
    outbound.message = restored_message(std::move(*stored.publish), stored.expires_at);
  }
  outbound.qos = stored.qos;
  outbound.retain = stored.retain;
  outbound.subscription_ids = std::move(stored.subscription_ids);
  outbound.stored_number = stored.number;
  next_stored_number_ = std::max(next_stored_number_, stored.number + 1);
  if (stored.state == StoredMessageState::kQueued) {
    s.queued.push_back(std::move(outbound));
    return true;
  }
  if (s.find_inflight(stored.packet_id) != nullptr) return false;
  InflightMessage entry;
  entry.packet_id = stored.packet_id;
  entry.state = inflight_state(stored.state);
  entry.outbound = std::move(outbound);
  s.inflight.push_back(std::move(entry));
  return true;
}

}  // namespace trustmq::mqtt

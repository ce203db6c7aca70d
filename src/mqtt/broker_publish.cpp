// An inbound PUBLISH: checks, the message it becomes, routing to the matching subscriptions
// and delivery to each session (at once, into the in-flight window, or queued).
#include <algorithm>
#include <string>

#include "mqtt/acl.h"
#include "mqtt/broker_state.h"
#include "mqtt/sys_topics.h"
#include "mqtt/topic.h"

namespace trustmq::mqtt {
// `bytes` is the packet as received, `payload` its payload inside them (not in `p` yet).
HandlerResult Broker::State::handle_publish(Connection& c, ByteView bytes, ByteView payload,
                                            PublishPacket& p, TimeMs now) {
  Session& s = *c.session;
  if (HandlerResult failed = resolve_topic_alias(c, p)) return failed;
  if (!is_valid_topic_name(p.topic)) {
    return Violation{is_v5(c.version) ? ReasonCode::kTopicNameInvalid : ReasonCode::kProtocolError,
                     "invalid topic name"};
  }
  if (!p.properties.subscription_identifiers.empty()) {
    return Violation{ReasonCode::kProtocolError, "PUBLISH with a subscription identifier"};
  }
  const std::uint16_t packet_id = p.packet_id;
  const QoS qos = p.qos;
  if (qos == QoS::kExactlyOnce) {
    if (s.has_inbound_qos2(packet_id)) {  // duplicate before PUBREL: already delivered
      send_ack(c, PacketType::kPubrec, packet_id, ReasonCode::kSuccess);
      return std::nullopt;
    }
    // MQTT 5: the Receive Maximum we announced in CONNACK (spec §3.3.4). MQTT 3.1.1 has none,
    // but the same bound applies: without it a session could hold 65535 ids, each PUBLISH
    // scanning and (when persistent) re-storing them all. Ending the connection loses nothing
    // (the client re-sends with DUP); mosquitto instead PUBRECs and drops the message.
    if (s.inbound_qos2.size() >= inbound_receive_maximum()) {
      return Violation{ReasonCode::kReceiveMaximumExceeded, ""};
    }
  }
  const ReasonCode reason = accept_publish(c, bytes, payload, p, now);
  if (c.closing) return std::nullopt;
  if (qos == QoS::kAtLeastOnce) {
    send_ack(c, PacketType::kPuback, packet_id, reason);
  } else if (qos == QoS::kExactlyOnce) {
    if (!is_failure(reason)) {
      s.inbound_qos2.push_back(packet_id);
      if (s.stored) persist_session(s);
    }
    send_ack(c, PacketType::kPubrec, packet_id, reason);
  }
  return std::nullopt;
}

// v5: a topic alias names the topic (empty topic) or is set to it (spec §3.3.2.3.4).
HandlerResult Broker::State::resolve_topic_alias(Connection& c, PublishPacket& p) {
  if (!is_v5(c.version) || !p.properties.topic_alias) return std::nullopt;
  const std::uint16_t alias = *p.properties.topic_alias;
  if (!c.aliases.valid(alias)) {
    return Violation{ReasonCode::kTopicAliasInvalid, "topic alias " + decimal(alias)};
  }
  if (p.topic.empty()) {
    const std::string* topic = c.aliases.find(alias);
    if (topic == nullptr) {
      return Violation{ReasonCode::kProtocolError, "unknown topic alias " + decimal(alias)};
    }
    p.topic = *topic;
  } else {
    c.aliases.set(alias, p.topic);
  }
  p.properties.topic_alias.reset();
  return std::nullopt;
}

// Drops what may not be published (too large, $SYS, the ACL), or makes the message and
// routes it; returns the reason for the PUBACK or PUBREC.
ReasonCode Broker::State::accept_publish(Connection& c, ByteView bytes, ByteView payload,
                                         PublishPacket& p, TimeMs now) {
  if (config_.message_size_limit != 0 && payload.size() > config_.message_size_limit) {
    log(LogLevel::kNotice, "Dropped too large PUBLISH from " + c.client_id + " on '" + p.topic +
                               "' (" + decimal(payload.size()) + " bytes)");
    return ReasonCode::kQuotaExceeded;
  }
  if (is_sys_topic(p.topic) && !(c.peer.bridge && is_bridge_state_topic(p.topic))) {
    log(LogLevel::kNotice, "Dropped PUBLISH to " + p.topic + " from " + c.client_id);
    return ReasonCode::kNotAuthorized;
  }
  if (!acl_permits(c.username, c.client_id, claims_of(c), p.topic, AclAccess::kWrite)) {
    log(LogLevel::kNotice, "Denied PUBLISH from " + c.client_id + " on '" + p.topic + "'");
    return ReasonCode::kNotAuthorized;
  }
  auto message = std::make_shared<Message>();
  p.dup = false;
  p.packet_id = 0;
  if (p.properties.message_expiry_interval) {
    message->expires_at = now + static_cast<TimeMs>(*p.properties.message_expiry_interval) * 1000;
  }
  const bool as_received = received_packet_is_encoding(c, bytes, p, payload.size());
  // A QoS 0 message that is not retained lives only while it is routed: its payload is
  // copied only if a recipient needs it encoded differently from the received packet.
  const bool copy_payload = !as_received || p.qos != QoS::kAtMostOnce || p.retain;
  if (copy_payload) p.payload.assign(payload.begin(), payload.end());
  InboundPublish inbound;
  if (as_received) {
    inbound = {message.get(), bytes, is_v5(c.version), p.retain,
               copy_payload ? ByteView() : payload};
  }
  message->packet = std::move(p);
  const std::size_t delivered = route(message, c.session, &inbound, now);
  if (message.use_count() > 1) complete_payload(*message, &inbound);  // kept somewhere after all
  return delivered == 0 ? ReasonCode::kNoMatchingSubscribers : ReasonCode::kSuccess;
}

// Routes a message to every matching subscription; returns the number of deliveries.
// `inbound` describes the message when it was just received (else nullptr).
std::size_t Broker::State::route(const MessageRef& message, const Session* origin,
                                 InboundPublish* inbound, TimeMs now) {
  const PublishPacket& publish = message->publish();
  if (publish.retain) {
    retained_.store(message);
    persist_retained(*message);
  }
  match_subscribers(publish.topic, origin);
  const bool with_ids = !delivery_ids_.empty();
  if (with_ids) gather_subscription_ids();
  std::size_t delivered = 0;
  for (std::size_t i = 0; i < deliveries_.size(); ++i) {
    const Delivery& d = deliveries_[i];
    Session& s = *d.session;
    if (!acl_permits(s.username, s.client_id, s.claims, publish.topic, AclAccess::kRead)) continue;
    OutboundMessage outbound;
    outbound.message = message;
    outbound.qos = min_qos(publish.qos, d.qos);
    outbound.retain = d.retain_as_published && publish.retain;
    if (with_ids) {
      const std::size_t begin = i == 0 ? 0 : id_ends_[i - 1];
      outbound.subscription_ids.assign(
          grouped_ids_.begin() + static_cast<std::ptrdiff_t>(begin),
          grouped_ids_.begin() + static_cast<std::ptrdiff_t>(id_ends_[i]));
    }
    deliver(s, std::move(outbound), inbound, now);
    ++delivered;
  }
  return delivered;
}

// Fills deliveries_ (one per session, merging its overlapping subscriptions, plus one per
// matching shared-subscription group) and delivery_ids_ for `topic`.
void Broker::State::match_subscribers(const std::string& topic, const Session* origin) {
  ++generation_;
  deliveries_.clear();
  delivery_ids_.clear();
  subscriptions_.for_each_match(topic, [&](FilterEntry& entry) {
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
      if (sub.subscription_id != 0) {
        delivery_ids_.push_back({deliveries_.size(), sub.subscription_id});
      }
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
}

// Groups delivery_ids_ by delivery in one counting pass, keeping the order they matched in:
// linear in deliveries and identifiers.
void Broker::State::gather_subscription_ids() {
  id_ends_.assign(deliveries_.size(), 0);
  for (const auto& [slot, id] : delivery_ids_) ++id_ends_[slot];
  std::size_t end = 0;
  for (std::size_t& count : id_ends_) {
    end += count;
    count = end - count;  // the start of this delivery's identifiers, for now
  }
  grouped_ids_.resize(delivery_ids_.size());
  for (const auto& [slot, id] : delivery_ids_) grouped_ids_[id_ends_[slot]++] = id;
  // Each entry now points one past its delivery's last identifier: its end.
}

void Broker::State::deliver(Session& s, OutboundMessage&& outbound, InboundPublish* inbound,
                            TimeMs now) {
  Connection* c = s.connected ? find_connection(s.connection) : nullptr;
  if (c != nullptr && c->closing) c = nullptr;
  if (c != nullptr) {
    if (outbound.qos == QoS::kAtMostOnce) {
      send_publish(*c, outbound, 0, /*dup=*/false, inbound, now);
      return;
    }
    if (s.queued.empty() && s.inflight.size() < window(*c)) {
      start_inflight(s, *c, std::move(outbound), inbound, now);
      return;
    }
  } else if (outbound.qos == QoS::kAtMostOnce) {
    return;  // QoS 0 is not queued for offline clients
  }
  if (config_.max_queued_messages != 0 && s.queued.size() >= config_.max_queued_messages) {
    if (!s.dropping) {
      log(LogLevel::kNotice, "Outgoing messages are being dropped for client " + s.client_id + ".");
    }
    s.dropping = true;
    return;
  }
  s.dropping = false;
  s.queued.push_back(std::move(outbound));
  persist_message(s, s.queued.back(), InflightState::kAwaitingPuback, 0, /*queued=*/true);
}

}  // namespace trustmq::mqtt

// Session lifecycle: a connection lets go of its session (detach), wills, session expiry,
// keep-alive and the connect timeout, the next timer deadline, and resuming a session.
#include <algorithm>
#include <string>
#include <vector>

#include "mqtt/acl.h"
#include "mqtt/broker_state.h"
#include "mqtt/topic.h"

namespace trustmq::mqtt {

// The connection no longer owns its session. An abnormal end triggers the will.
void Broker::State::detach(Connection& c, TimeMs now, bool abnormal) {
  last_now_ = now;
  Session* s = c.session;
  if (s == nullptr) return;
  c.session = nullptr;
  s->connected = false;
  if (stats_.clients_connected > 0) --stats_.clients_connected;
  if (abnormal && c.will) {
    std::uint32_t delay = c.will->properties.will_delay_interval.value_or(0);
    s->pending_will = std::move(c.will);
    s->will_at = now + static_cast<TimeMs>(delay) * 1000;
  }
  c.will.reset();
  if (s->pending_will && s->will_at <= now) publish_will(*s, now);
  // Claims are the proof of the connection that just ended: an offline session has none (a
  // delayed will and messages queued meanwhile are checked without them).
  s->claims.clear();
  if (s->expiry_interval == 0) {
    end_session(s, now);
    return;
  }
  if (s->expiry_interval == kSessionNeverExpires) {
    s->expires_at.reset();
  } else {
    s->expires_at = now + static_cast<TimeMs>(s->expiry_interval) * 1000;
  }
  // Its deadline and any delayed will survive a restart (docs/persistence.md).
  persist_session(*s);
}

void Broker::State::publish_will(Session& s, TimeMs now) {
  if (!s.pending_will) return;
  Will will = std::move(*s.pending_will);
  s.pending_will.reset();
  if (is_sys_topic(will.topic)) return;
  if (!acl_permits(s.username, s.client_id, s.claims, will.topic, AclAccess::kWrite)) {
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
  route(message, nullptr, nullptr, now);
}

void Broker::State::end_session(Session* s, TimeMs now) {
  if (s->pending_will) publish_will(*s, now);
  persist_session_end(*s);
  for (const std::string& filter : s->subscriptions) subscriptions_.unsubscribe(filter, s);
  s->subscriptions.clear();
  std::string id = s->client_id;
  sessions_.erase(id);
}

void Broker::State::run_session_timers(TimeMs now) {
  std::vector<Session*> wills;
  std::vector<Session*> expired;
  for (auto& [id, session] : sessions_) {
    Session* s = session.get();
    if (s->connected) continue;
    if (s->pending_will && s->will_at <= now) wills.push_back(s);
    if (s->expires_at && *s->expires_at <= now) expired.push_back(s);
  }
  for (Session* s : wills) {
    publish_will(*s, now);
    persist_session(*s);  // the will is out: a restart must not publish it again
  }
  for (Session* s : expired) {
    log(LogLevel::kNotice, "Expiring session of client " + s->client_id);
    end_session(s, now);
  }
}

// One pass over the connections per tick: no CONNECT in time, keep alive exceeded, and a
// re-attestation answer past its deadline (withdraw_unanswered_claims,
// broker_client_attestation.cpp).
void Broker::State::check_connection_deadlines(TimeMs now) {
  std::vector<Connection*> timed_out;
  std::vector<Connection*> evidence_late;
  for (auto& [id, connection] : connections_) {
    Connection& c = *connection;
    if (c.closing) continue;
    if (c.awaiting_client_evidence && now >= c.client_evidence_deadline) {
      evidence_late.push_back(&c);
    }
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
    end_connection(*c, ReasonCode::kKeepAliveTimeout, now);
  }
  for (Connection* c : evidence_late) {
    if (!c->closing) withdraw_unanswered_claims(*c, now);
  }
}

TimeMs Broker::State::next_deadline(TimeMs now) {
  TimeMs next = now + kMaxTickInterval;
  for (auto& [id, connection] : connections_) {
    const Connection& c = *connection;
    if (c.connect_received && !c.closing && c.keep_alive_ms != 0) {
      next = std::min(next, std::max(now, c.last_received + c.keep_alive_ms));
    }
    if (!c.closing && c.awaiting_client_evidence) {
      next = std::min(next, std::max(now, c.client_evidence_deadline));
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

// On session resume: retransmit what is in flight (PUBLISH with DUP, or PUBREL), then
// send from the queue.
void Broker::State::resume(Session& s, Connection& c, TimeMs now) {
  recheck_acl_on_resume(s);
  for (std::size_t i = 0; i < s.inflight.size();) {
    InflightMessage& entry = s.inflight[i];
    if (entry.state == InflightState::kAwaitingPubcomp) {
      send_ack(c, PacketType::kPubrel, entry.packet_id, ReasonCode::kSuccess);
      ++i;
      continue;
    }
    if (!send_publish(c, entry.outbound, entry.packet_id, /*dup=*/true, nullptr, now)) {
      unpersist_message(s, entry.outbound);
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
void Broker::State::recheck_acl_on_resume(Session& s) {
  if (!config_.acl) return;
  std::vector<std::string> kept;
  for (const std::string& filter : s.subscriptions) {
    const auto shared = parse_shared_filter(filter);
    const std::string_view acl_filter = shared ? shared->filter : std::string_view(filter);
    if (acl_permits_subscription(s.username, s.client_id, s.claims, acl_filter)) {
      kept.push_back(filter);
    } else {
      subscriptions_.unsubscribe(filter, &s);
      log(LogLevel::kNotice, "Removed subscription " + filter + " of " + s.client_id +
                                 ": no longer allowed by the ACL.");
    }
  }
  s.subscriptions.swap(kept);
  auto may_read = [&](const OutboundMessage& m) {
    return acl_permits(s.username, s.client_id, s.claims, m.message->publish().topic,
                       AclAccess::kRead);
  };
  s.queued.erase_if([&](OutboundMessage& m) {
    if (may_read(m)) return false;
    unpersist_message(s, m);
    return true;
  });
  std::erase_if(s.inflight, [&](InflightMessage& entry) {
    if (entry.outbound.message == nullptr || may_read(entry.outbound)) return false;
    unpersist_message(s, entry.outbound);
    return true;
  });
}

}  // namespace trustmq::mqtt

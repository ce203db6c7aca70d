// SUBSCRIBE (checks per filter, the subscription store, retained messages on subscribe) and
// UNSUBSCRIBE.
#include <algorithm>
#include <string>
#include <vector>

#include "mqtt/acl.h"
#include "mqtt/broker_state.h"
#include "mqtt/topic.h"

namespace trustmq::mqtt {

HandlerResult Broker::State::handle_subscribe(Connection& c, const SubscribePacket& p, TimeMs now) {
  Session& s = *c.session;
  const bool v5 = is_v5(c.version);
  SubackPacket suback;
  suback.packet_id = p.packet_id;
  const std::uint32_t subscription_id =
      p.properties.subscription_identifiers.empty() ? 0 : p.properties.subscription_identifiers[0];
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
      return Violation{ReasonCode::kProtocolError, "no local on a shared subscription"};
    }
    const std::string_view acl_filter = shared ? shared->filter : std::string_view(request.filter);
    if (const std::optional<ReasonCode> refused =
            subscription_refusal(c, s, request.filter, acl_filter)) {
      suback.reasons.push_back(v5 ? *refused : ReasonCode::kUnspecifiedError);
      continue;
    }
    const QoS granted = min_qos(request.max_qos, QoS::kExactlyOnce);
    Subscriber subscriber;
    subscriber.session = &s;
    subscriber.qos = granted;
    const bool bridge_options = c.bridge_protocol && !shared;
    subscriber.no_local = request.no_local || bridge_options;
    subscriber.retain_as_published = request.retain_as_published || bridge_options;
    subscriber.subscription_id = subscription_id;
    const bool existed = subscriptions_.subscribe(request.filter, subscriber);
    if (!existed) s.subscriptions.push_back(request.filter);
    suback.reasons.push_back(static_cast<ReasonCode>(granted));  // Granted QoS 0, 1 or 2
    const bool send_retained =
        !shared && (request.retain_handling == RetainHandling::kSendAtSubscribe ||
                    (request.retain_handling == RetainHandling::kSendAtSubscribeIfNew && !existed));
    if (send_retained) retained_requests.push_back({request.filter, granted});
  }
  persist_session(s);
  send_packet(c, suback);
  for (const RetainedRequest& request : retained_requests) {
    send_retained(s, request.filter, request.qos, subscription_id, now);
  }
  return std::nullopt;
}

// Why the ACL or max_subscriptions_per_client refuses a valid filter (the v5 SUBACK code;
// 3.1.1 has one failure code), if it does.
std::optional<ReasonCode> Broker::State::subscription_refusal(const Connection& c, const Session& s,
                                                              const std::string& filter,
                                                              std::string_view acl_filter) {
  if (!acl_permits_subscription(c.username, c.client_id, s.claims, acl_filter)) {
    log(LogLevel::kNotice, "Denied subscription of " + c.client_id + " to " + filter);
    return ReasonCode::kNotAuthorized;
  }
  if (config_.max_subscriptions_per_client != 0 &&
      s.subscriptions.size() >= config_.max_subscriptions_per_client &&
      std::find(s.subscriptions.begin(), s.subscriptions.end(), filter) == s.subscriptions.end()) {
    log(LogLevel::kWarning, "Client " + c.client_id + " reached max_subscriptions_per_client (" +
                                std::to_string(config_.max_subscriptions_per_client) +
                                "): refused subscription to " + filter);
    return ReasonCode::kQuotaExceeded;
  }
  return std::nullopt;
}

// The retained messages matching a new subscription, each as the ACL lets the session read.
void Broker::State::send_retained(Session& s, const std::string& filter, QoS qos,
                                  std::uint32_t subscription_id, TimeMs now) {
  retained_.for_each_match(filter, now, [&](const MessageRef& message) {
    const PublishPacket& publish = message->publish();
    if (!acl_permits(s.username, s.client_id, s.claims, publish.topic, AclAccess::kRead)) return;
    OutboundMessage outbound;
    outbound.message = message;
    outbound.qos = min_qos(publish.qos, qos);
    outbound.retain = true;
    if (subscription_id != 0) outbound.subscription_ids.push_back(subscription_id);
    deliver(s, std::move(outbound), nullptr, now);
  });
}

void Broker::State::handle_unsubscribe(Connection& c, const UnsubscribePacket& p) {
  Session& s = *c.session;
  UnsubackPacket unsuback;
  unsuback.packet_id = p.packet_id;
  for (const std::string& filter : p.filters) {
    const bool existed = subscriptions_.unsubscribe(filter, &s);
    if (existed) {
      auto it = std::find(s.subscriptions.begin(), s.subscriptions.end(), filter);
      if (it != s.subscriptions.end()) s.subscriptions.erase(it);
    }
    unsuback.reasons.push_back(existed ? ReasonCode::kSuccess : ReasonCode::kNoSubscriptionExisted);
  }
  persist_session(s);
  if (!is_v5(c.version)) unsuback.reasons.clear();
  send_packet(c, unsuback);
}

}  // namespace trustmq::mqtt

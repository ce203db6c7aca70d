#include "shell/bridge.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "client/endpoint.h"
#include "client/socket_fd.h"
#include "client/tcp_client_transport.h"
#include "client/tcp_connection.h"
#include "mqtt/topic.h"

namespace trustmq::shell {
namespace {

using client::Deadline;
using client::MqttClient;
using client::ReceivedMessage;

constexpr std::uint32_t kSessionNeverExpires = 0xFFFFFFFF;

mqtt::Bytes bytes_of(std::string_view s) { return mqtt::Bytes(s.begin(), s.end()); }

// The properties a forwarded message keeps: what its publisher set, not what belonged to the
// hop it arrived on (topic alias, subscription identifiers).
mqtt::Properties forwarded_properties(mqtt::Properties p) {
  p.topic_alias.reset();
  p.subscription_identifiers.clear();
  return p;
}

std::string address_of(const BridgeConfig& c) {
  const bool v6 = c.host.find(':') != std::string::npos;
  return (v6 ? "[" + c.host + "]" : c.host) + ":" + std::to_string(c.port);
}

}  // namespace

Bridge::Bridge(BridgeConfig config, int local_fd, Logger& logger)
    : config_(std::move(config)), local_fd_(local_fd), logger_(logger) {}

Bridge::~Bridge() {
  stop();
  if (local_fd_ >= 0) ::close(local_fd_);
}

void Bridge::start() {
  thread_ = std::thread([this] { run(); });
}

void Bridge::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Bridge::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void Bridge::log(LogType type, const std::string& text) {
  logger_.log(type, "bridge " + config_.name + ": " + text);
}

bool Bridge::connect_local() {
  client::TcpConnection connection{client::SocketFd(std::exchange(local_fd_, -1)),
                                   "bridge " + config_.name};
  auto transport = std::make_unique<client::TcpClientTransport>(std::move(connection));
  client::ConnectOptions options;
  options.version = mqtt::ProtocolVersion::kV5;
  options.client_id = config_.local_clientid;
  // A durable session keeps what the bridge has not forwarded yet with the local broker (and
  // in its store with persistence) across a restart; see docs/bridges.md.
  const bool durable = !config_.local_session_is_clean();
  options.clean_start = !durable;
  if (durable) options.session_expiry_interval = kSessionNeverExpires;
  options.manual_acknowledgement = true;  // acknowledged once the remote has it
  options.keep_alive_seconds = config_.keepalive_seconds;
  options.username = config_.local_username;
  options.timeout = kOperationTimeout;
  auto local = MqttClient::connect(std::move(transport), options);
  if (!local) {
    log(LogType::kError, "the local broker refused the bridge: " + local.error().message);
    return false;
  }
  local_ = std::move(local.value());
  if (local_->connack().session_present) {
    log(LogType::kNotice, "resuming its durable local session '" + config_.local_clientid +
                              "' (messages not yet forwarded come again)");
  }
  std::vector<mqtt::SubscriptionRequest> requests;
  for (const BridgeTopic& topic : config_.topics) {
    if (!topic.forwards_out()) continue;
    // No Local: what the bridge itself publishes locally (from the remote) does not come back
    // to it, so `both` cannot loop; Retain As Published: the retain flag crosses as set.
    // A durable session that already has the subscription does not get the retained
    // messages again at each start.
    requests.push_back({.filter = topic.local_filter(),
                        .max_qos = topic.qos,
                        .no_local = true,
                        .retain_as_published = true,
                        .retain_handling = durable ? mqtt::RetainHandling::kSendAtSubscribeIfNew
                                                   : mqtt::RetainHandling::kSendAtSubscribe});
  }
  if (requests.empty()) return true;
  auto granted = local_->subscribe(requests);
  if (!granted) {
    log(LogType::kError, "local subscribe failed: " + granted.error().message);
    return false;
  }
  for (std::size_t i = 0; i < granted.value().size() && i < requests.size(); ++i) {
    if (static_cast<std::uint8_t>(granted.value()[i]) >= 0x80) {
      log(LogType::kWarning, "the local broker refused the subscription to '" + requests[i].filter +
                                 "' (check the ACL for the bridge's user)");
    }
  }
  return true;
}

client::ClientResult<std::unique_ptr<MqttClient>> Bridge::open_remote(bool bridge_bit,
                                                                      std::string& description) {
  using R = client::ClientResult<std::unique_ptr<MqttClient>>;
  client::Endpoint endpoint;
  endpoint.host = config_.host;
  endpoint.port = config_.port;
  if (config_.uses_tls()) {
    client::TlsOptions tls;
    tls.cafile = config_.cafile;
    tls.certfile = config_.certfile;
    tls.keyfile = config_.keyfile;
    tls.tls_version = config_.tls_version;
    tls.psk_hex = config_.psk_hex;
    tls.psk_identity = config_.psk_identity;
    tls.attestation_policy = config_.attestation_policy;
    endpoint.tls = std::move(tls);
  }
  auto transport = client::open_transport(endpoint, Deadline::after(kOperationTimeout));
  if (!transport) {
    log(LogType::kWarning,
        "cannot connect to " + address_of(config_) + ": " + transport.error().message +
            (config_.attestation_policy.empty()
                 ? ""
                 : " (attestation policy " + config_.attestation_policy + "; nothing forwarded)"));
    return R::failure(transport.error());
  }
  description = transport.value()->description();
  client::ConnectOptions options;
  options.version = config_.version;
  options.client_id = config_.remote_clientid;
  options.clean_start = config_.cleansession;
  if (config_.version == mqtt::ProtocolVersion::kV5 && !config_.cleansession) {
    options.session_expiry_interval = kSessionNeverExpires;
  }
  options.keep_alive_seconds = config_.keepalive_seconds;
  options.username = config_.remote_username;
  if (config_.remote_password) options.password = bytes_of(*config_.remote_password);
  options.timeout = kOperationTimeout;
  options.bridge_protocol_bit = bridge_bit;
  auto remote = MqttClient::connect(std::move(transport.value()), options);
  if (!remote) {
    log(LogType::kWarning, "connecting to " + address_of(config_) +
                               " failed: " + remote.error().message +
                               (bridge_bit ? " (with the bridge bit)" : ""));
  }
  return remote;
}

std::unique_ptr<MqttClient> Bridge::connect_remote() {
  // try_private (MQTT 3.1.1 only; MQTT 5 has No Local): the bridge bit first, and without it
  // if the remote refuses it, as mosquitto does.
  bool bridge_bit = config_.version == mqtt::ProtocolVersion::kV311 && config_.try_private;
  std::string description;
  auto remote = open_remote(bridge_bit, description);
  if (!remote && bridge_bit && remote.error().kind == client::ClientErrorKind::kConnectionRefused &&
      remote.error().reason == mqtt::ReasonCode::kUnsupportedProtocolVersion) {
    for (const BridgeTopic& topic : config_.topics) {
      if (topic.direction != BridgeDirection::kBoth) continue;
      log(LogType::kError,
          "the remote refused the bridge bit (try_private), and without it an MQTT 3.1.1 "
          "remote sends the bridge's own messages back: 'topic " +
              topic.pattern +
              " both' would loop, so nothing is forwarded (use bridge_protocol_version mqttv50)");
      return nullptr;
    }
    log(LogType::kNotice,
        "the remote refused the bridge bit (try_private); connecting without it, as mosquitto "
        "does");
    bridge_bit = false;
    remote = open_remote(false, description);
  }
  if (!remote) return nullptr;
  std::vector<mqtt::SubscriptionRequest> requests;
  const bool v5 = config_.version == mqtt::ProtocolVersion::kV5;
  for (const BridgeTopic& topic : config_.topics) {
    if (!topic.forwards_in()) continue;
    requests.push_back({.filter = topic.remote_filter(),
                        .max_qos = topic.qos,
                        .no_local = v5,
                        .retain_as_published = v5});
  }
  if (!requests.empty()) {
    auto granted = remote.value()->subscribe(requests);
    if (!granted) {
      log(LogType::kWarning, "remote subscribe failed: " + granted.error().message);
      return nullptr;
    }
    for (std::size_t i = 0; i < granted.value().size() && i < requests.size(); ++i) {
      if (static_cast<std::uint8_t>(granted.value()[i]) >= 0x80) {
        log(LogType::kWarning,
            "the remote broker refused the subscription to '" + requests[i].filter + "'");
      }
    }
  }
  log(LogType::kNotice, "connected to " + address_of(config_) + " (" + description + ")" +
                            (bridge_bit ? " as a bridge (try_private)" : "") +
                            (config_.attestation_policy.empty()
                                 ? ""
                                 : ", remote attested against " + config_.attestation_policy));
  return std::move(remote.value());
}

void Bridge::hold_outgoing(ReceivedMessage message, bool remote_up) {
  for (const BridgeTopic& topic : config_.topics) {
    std::optional<std::string> remote_topic = topic.to_remote(message.topic);
    if (!remote_topic) continue;
    // Like a client that is offline: QoS 0 is not kept for a remote that is down.
    if (!remote_up && message.qos == mqtt::QoS::kAtMostOnce) return;
    if (held_.size() >= kMaxHeldMessages) {
      acknowledge_local(held_.front().local_qos, held_.front().local_packet_id);
      held_.pop_front();
      if (dropped_++ == 0) {
        log(LogType::kWarning, "more than " + std::to_string(kMaxHeldMessages) +
                                   " messages held for the remote: dropping the oldest");
      }
    }
    held_.push_back({std::move(*remote_topic), std::move(message.payload), message.qos,
                     message.retain, forwarded_properties(std::move(message.properties)),
                     message.qos, message.packet_id});
    return;
  }
  // No topic line forwards it (a subscription a durable local session kept from an older
  // configuration): acknowledged, not forwarded.
  acknowledge_local(message.qos, message.packet_id);
}

void Bridge::acknowledge_local(mqtt::QoS qos, std::uint16_t packet_id) {
  auto acked = local_->acknowledge(qos, packet_id);
  if (!acked) {
    // The next read of the local side sees the failure and ends the bridge.
    log(LogType::kError, "cannot acknowledge to the local broker: " + acked.error().message);
  }
}

bool Bridge::send_held(MqttClient& remote) {
  while (!held_.empty() && !stopping_) {
    const HeldMessage& m = held_.front();
    auto sent = remote.publish(m.topic, m.payload, m.qos, m.retain, m.properties);
    if (!sent) {
      if (sent.error().kind != client::ClientErrorKind::kRejected) {
        log(LogType::kWarning, "lost the remote while sending: " + sent.error().message);
        return false;
      }
      log(LogType::kWarning, "the remote refused '" + m.topic + "': " + sent.error().message);
    }
    acknowledge_local(m.local_qos, m.local_packet_id);
    held_.pop_front();
  }
  return true;
}

bool Bridge::forward_incoming(ReceivedMessage message) {
  for (const BridgeTopic& topic : config_.topics) {
    std::optional<std::string> local_topic = topic.to_local(message.topic);
    if (!local_topic) continue;
    auto sent = local_->publish(*local_topic, message.payload, message.qos, message.retain,
                                forwarded_properties(std::move(message.properties)));
    if (!sent && sent.error().kind != client::ClientErrorKind::kRejected) {
      log(LogType::kError, "lost the local broker: " + sent.error().message);
      return false;
    }
    if (!sent) {
      log(LogType::kWarning,
          "the local broker refused '" + *local_topic +
              "' (check the ACL for the bridge's user): " + sent.error().message);
    }
    return true;
  }
  return true;  // a message no topic line maps (a retained copy of an older subscription)
}

bool Bridge::publish_state(bool connected) {
  if (!config_.notifications) return true;
  const std::string value = connected ? "1" : "0";
  auto sent =
      local_->publish(config_.notification_topic, bytes_of(value), mqtt::QoS::kAtLeastOnce, true);
  if (!sent && sent.error().kind != client::ClientErrorKind::kRejected) {
    log(LogType::kError, "lost the local broker: " + sent.error().message);
    return false;
  }
  if (!sent) {
    log(LogType::kWarning, "the local broker refused the notification on " +
                               config_.notification_topic + ": " + sent.error().message);
  }
  return true;
}

void Bridge::run() {
  if (!connect_local()) return;
  if (!publish_state(false)) return;
  std::unique_ptr<MqttClient> remote;
  auto delay = std::chrono::seconds(config_.restart_seconds);
  auto next_attempt = Deadline::Clock::now();
  const auto remote_lost = [&](const std::string& why) {
    log(LogType::kWarning, "connection to " + address_of(config_) + " lost: " + why +
                               "; reconnecting in " + std::to_string(delay.count()) + " s");
    remote.reset();  // the transport is closed without DISCONNECT: the remote sends its will
    next_attempt = Deadline::Clock::now() + delay;
    delay = std::min(delay * 2, std::chrono::seconds(config_.restart_max_seconds));
    return publish_state(false);
  };
  bool local_ok = true;
  while (!stopping_ && local_ok) {
    if (!remote && Deadline::Clock::now() >= next_attempt) {
      remote = connect_remote();
      if (remote) {
        delay = std::chrono::seconds(config_.restart_seconds);
        dropped_ = 0;
        if (!publish_state(true)) break;
      } else {
        log(LogType::kNotice, "next attempt in " + std::to_string(delay.count()) + " s");
        next_attempt = Deadline::Clock::now() + delay;
        delay = std::min(delay * 2, std::chrono::seconds(config_.restart_max_seconds));
      }
    }
    // Take what each side has without waiting (up to kBatch messages), so traffic one way
    // is not paced by waits on the other; when both are quiet, wait briefly on each in turn.
    // The local side is always read, so the local broker never waits for a remote that is
    // down.
    bool busy = false;
    const auto local_wait = remote ? kNoWait : kRemoteDownWait;
    for (std::size_t i = 0; i < kBatch && local_ok; ++i) {
      auto from_local = local_->receive(Deadline::after(i == 0 ? local_wait : kNoWait));
      if (!from_local) {
        // At shutdown the event loop closes every connection before the bridges are stopped.
        log(LogType::kNotice, "the local broker closed the bridge's connection (" +
                                  from_local.error().message + "); the bridge stops");
        local_ok = false;
        break;
      }
      if (!from_local.value()) break;
      hold_outgoing(std::move(*from_local.value()), remote != nullptr);
      busy = true;
    }
    if (!local_ok || !remote) continue;
    if (!send_held(*remote)) {
      local_ok = remote_lost("sending failed");
      continue;
    }
    for (std::size_t i = 0; i < kBatch && local_ok && remote; ++i) {
      auto from_remote = remote->receive(Deadline::after(i == 0 && !busy ? kIdleWait : kNoWait));
      if (!from_remote) {
        local_ok = remote_lost(from_remote.error().message);
        break;
      }
      if (!from_remote.value()) break;
      local_ok = forward_incoming(std::move(*from_remote.value()));
    }
  }
  if (remote) remote->disconnect();
  if (local_ok) publish_state(false);
  if (!held_.empty() && config_.local_session_is_clean()) {
    log(LogType::kWarning,
        std::to_string(held_.size()) +
            " message(s) held for the remote are lost (the bridge's local session is clean: "
            "local_cleansession true)");
  } else if (!held_.empty()) {
    log(LogType::kNotice, std::to_string(held_.size()) +
                              " message(s) not yet forwarded stay in the bridge's durable local "
                              "session (kept across a restart with persistence true)");
  }
  local_->disconnect();
}

}  // namespace trustmq::shell

#include "client/mqtt_client.h"

#include <type_traits>
#include <utility>

#include "client/packet_description.h"
#include "mqtt/codec.h"
#include "mqtt/topic.h"

namespace trustmq::client {

namespace {

using mqtt::PacketType;

const char* type_name(PacketType t) {
  switch (t) {
    case PacketType::kConnack:
      return "CONNACK";
    case PacketType::kPuback:
      return "PUBACK";
    case PacketType::kPubrec:
      return "PUBREC";
    case PacketType::kPubcomp:
      return "PUBCOMP";
    case PacketType::kSuback:
      return "SUBACK";
    case PacketType::kUnsuback:
      return "UNSUBACK";
    case PacketType::kPingresp:
      return "PINGRESP";
    case PacketType::kAuth:
      return "AUTH";
    default:
      return "packet";
  }
}

// Type and packet id of a response packet; {kConnect, 0} for anything that is not a response.
std::pair<PacketType, std::uint16_t> response_key(const mqtt::Packet& p) {
  if (std::holds_alternative<mqtt::ConnackPacket>(p)) return {PacketType::kConnack, 0};
  if (std::holds_alternative<mqtt::AuthPacket>(p)) return {PacketType::kAuth, 0};
  if (const auto* a = std::get_if<mqtt::AckPacket>(&p)) return {a->type, a->packet_id};
  if (const auto* s = std::get_if<mqtt::SubackPacket>(&p))
    return {PacketType::kSuback, s->packet_id};
  if (const auto* u = std::get_if<mqtt::UnsubackPacket>(&p)) {
    return {PacketType::kUnsuback, u->packet_id};
  }
  return {PacketType::kConnect, 0};
}

std::string reason_text(mqtt::ReasonCode r) {
  return std::string(mqtt::reason_code_name(r)) + " (" + std::to_string(static_cast<int>(r)) + ")";
}

template <typename T>
ClientResult<T> fail(ClientErrorKind kind, std::string message,
                     mqtt::ReasonCode reason = mqtt::ReasonCode::kSuccess) {
  ClientError e = make_error(kind, std::move(message));
  e.reason = reason;
  return ClientResult<T>::failure(std::move(e));
}

// Sets the high bit of the protocol level of an encoded CONNECT (mosquitto's bridge flag):
// fixed header byte, Remaining Length (1-4 bytes), protocol name (2-byte length + name), level.
void set_bridge_protocol_bit(mqtt::Bytes& connect) {
  std::size_t i = 1;
  while (i < connect.size() && (connect[i] & 0x80) != 0) ++i;
  i += 1;  // past the last Remaining Length byte
  if (i + 2 > connect.size()) return;
  const std::size_t name_length = (std::size_t{connect[i]} << 8) | connect[i + 1];
  const std::size_t level = i + 2 + name_length;
  if (level < connect.size()) connect[level] |= 0x80;
}

}  // namespace

MqttClient::MqttClient(std::unique_ptr<ClientTransport> transport, const ConnectOptions& options,
                       DebugLog debug)
    : transport_(std::move(transport)),
      options_(options),
      debug_(std::move(debug)),
      client_id_(options.client_id),
      keep_alive_seconds_(options.keep_alive_seconds),
      last_sent_(Deadline::Clock::now()) {}

MqttClient::~MqttClient() {
  if (transport_) transport_->close();
}

void MqttClient::log(const std::string& line) const {
  if (debug_) debug_("Client " + client_id_ + " " + line);
}

ClientResult<std::unique_ptr<MqttClient>> MqttClient::connect(
    std::unique_ptr<ClientTransport> transport, const ConnectOptions& options, DebugLog debug) {
  using R = ClientResult<std::unique_ptr<MqttClient>>;
  const bool v5 = options.version == mqtt::ProtocolVersion::kV5;
  if (!v5 && options.client_id.empty() && !options.clean_start) {
    return fail<std::unique_ptr<MqttClient>>(
        ClientErrorKind::kInvalidArgument,
        "MQTT 3.1.1 needs a client id when the session is not clean");
  }
  if (options.will && !mqtt::is_valid_topic_name(options.will->topic)) {
    return fail<std::unique_ptr<MqttClient>>(ClientErrorKind::kInvalidArgument,
                                             "invalid will topic '" + options.will->topic + "'");
  }
  std::unique_ptr<MqttClient> c(new MqttClient(std::move(transport), options, std::move(debug)));

  mqtt::ConnectPacket connect;
  connect.version = options.version;
  connect.protocol_name = options.version == mqtt::ProtocolVersion::kV31 ? "MQIsdp" : "MQTT";
  connect.clean_start = options.clean_start;
  connect.keep_alive_seconds = options.keep_alive_seconds;
  connect.client_id = options.client_id;
  connect.will = options.will;
  connect.username = options.username;
  connect.password = options.password;
  if (v5 && options.session_expiry_interval && *options.session_expiry_interval != 0) {
    connect.properties.session_expiry_interval = options.session_expiry_interval;
  }
  if (options.authentication_method) {
    if (!v5) {
      return fail<std::unique_ptr<MqttClient>>(ClientErrorKind::kInvalidArgument,
                                               "enhanced authentication needs MQTT 5");
    }
    connect.properties.authentication_method = options.authentication_method;
    connect.properties.authentication_data = options.authentication_data;
  }
  auto sent = c->send(connect);
  if (!sent) return R::failure(sent.error());
  auto answer = c->wait_for(PacketType::kConnack, 0, c->operation_deadline());
  if (!answer) return R::failure(answer.error());
  c->connack_ = std::get<mqtt::ConnackPacket>(std::move(answer.value()));
  if (c->connack_.reason != mqtt::ReasonCode::kSuccess) {
    c->transport_->close();
    return fail<std::unique_ptr<MqttClient>>(
        ClientErrorKind::kConnectionRefused,
        "connection refused: " + reason_text(c->connack_.reason), c->connack_.reason);
  }
  if (c->connack_.properties.assigned_client_identifier) {
    c->client_id_ = *c->connack_.properties.assigned_client_identifier;
  }
  if (c->connack_.properties.server_keep_alive) {
    c->keep_alive_seconds_ = *c->connack_.properties.server_keep_alive;
  }
  c->connected_ = true;
  return R::success(std::move(c));
}

ClientResult<void> MqttClient::send(const mqtt::Packet& packet) {
  mqtt::Bytes out;
  mqtt::encode_packet(packet, options_.version, out);
  if (options_.bridge_protocol_bit && std::holds_alternative<mqtt::ConnectPacket>(packet)) {
    set_bridge_protocol_bit(out);
  }
  log("sending " + describe_packet(packet) +
      (options_.bridge_protocol_bit && std::holds_alternative<mqtt::ConnectPacket>(packet)
           ? " (bridge bit)"
           : ""));
  auto w = transport_->write_all(out, operation_deadline());
  if (w) last_sent_ = Deadline::Clock::now();
  return w;
}

std::uint16_t MqttClient::next_packet_id() {
  do {
    last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ + 1);
  } while (last_packet_id_ == 0 || ids_in_use_.count(last_packet_id_) != 0);
  return last_packet_id_;
}

ClientResult<void> MqttClient::handle(mqtt::Packet packet) {
  log("received " + describe_packet(packet));
  if (auto* p = std::get_if<mqtt::PublishPacket>(&packet)) {
    ReceivedMessage m{std::move(p->topic),      std::move(p->payload), p->qos, p->retain, p->dup,
                      std::move(p->properties), p->packet_id};
    const bool manual = options_.manual_acknowledgement;
    switch (p->qos) {
      case mqtt::QoS::kAtMostOnce:
        inbox_.push_back(std::move(m));
        return ClientResult<void>::success();
      case mqtt::QoS::kAtLeastOnce:
        if (manual) {
          // A copy the application holds unacknowledged is not delivered twice.
          if (unacknowledged_.insert(p->packet_id).second) inbox_.push_back(std::move(m));
          return ClientResult<void>::success();
        }
        inbox_.push_back(std::move(m));
        return send(mqtt::AckPacket{PacketType::kPuback, p->packet_id, {}, {}});
      case mqtt::QoS::kExactlyOnce:
        // Delivered once, at PUBLISH; a re-sent PUBLISH before PUBREL is not delivered again.
        if (awaiting_pubrel_.insert(p->packet_id).second) {
          inbox_.push_back(std::move(m));
          if (manual) {
            unacknowledged_.insert(p->packet_id);
            return ClientResult<void>::success();
          }
        } else if (unacknowledged_.count(p->packet_id) != 0) {
          return ClientResult<void>::success();  // the application has not acknowledged it yet
        }
        return send(mqtt::AckPacket{PacketType::kPubrec, p->packet_id, {}, {}});
    }
  }
  if (auto* a = std::get_if<mqtt::AckPacket>(&packet); a && a->type == PacketType::kPubrel) {
    awaiting_pubrel_.erase(a->packet_id);
    return send(mqtt::AckPacket{PacketType::kPubcomp, a->packet_id, {}, {}});
  }
  if (std::holds_alternative<mqtt::PingrespPacket>(packet)) {
    ping_sent_at_.reset();
    return ClientResult<void>::success();
  }
  if (auto* d = std::get_if<mqtt::DisconnectPacket>(&packet)) {
    connected_ = false;
    transport_->close();
    std::string why = "the broker disconnected: " + reason_text(d->reason);
    if (d->properties.reason_string) why += " (" + *d->properties.reason_string + ")";
    return fail<void>(ClientErrorKind::kDisconnected, why, d->reason);
  }
  if (std::holds_alternative<mqtt::AuthPacket>(packet)) {
    if (!auth_pending_) {  // a broker answers AUTH only to the client's own AUTH
      connected_ = false;
      transport_->close();
      return fail<void>(
          ClientErrorKind::kProtocol,
          "unexpected AUTH from the broker (none was asked for): " + describe_packet(packet));
    }
    auth_pending_ = false;
  }
  if (response_key(packet).first == PacketType::kConnect) {
    connected_ = false;
    transport_->close();
    return fail<void>(ClientErrorKind::kProtocol,
                      "unexpected packet from the broker: " + describe_packet(packet));
  }
  responses_.push_back(std::move(packet));
  return ClientResult<void>::success();
}

ClientResult<void> MqttClient::pump(Deadline deadline) {
  for (;;) {
    // Handle one buffered packet at a time, so that callers see each response before a later
    // packet (a DISCONNECT right after CONNACK, say) can end the session.
    auto r = mqtt::decode_packet(rx_, options_.version);
    if (r.status == mqtt::DecodeStatus::kError) {
      connected_ = false;
      transport_->close();
      return fail<void>(ClientErrorKind::kProtocol,
                        "malformed packet from the broker: " + reason_text(r.error) +
                            (r.error_detail.empty() ? "" : ": " + r.error_detail),
                        r.error);
    }
    if (r.status == mqtt::DecodeStatus::kOk) {
      rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      return handle(std::move(r.packet));
    }

    // Keep-alive: PINGREQ after keep_alive seconds without sending; the PINGRESP must come
    // within another keep-alive interval.
    Deadline wait = deadline;
    if (connected_ && keep_alive_seconds_ > 0) {
      const auto interval = std::chrono::seconds(keep_alive_seconds_);
      const auto now = Deadline::Clock::now();
      if (ping_sent_at_) {
        if (now >= *ping_sent_at_ + interval) {
          connected_ = false;
          transport_->close();
          return fail<void>(ClientErrorKind::kTimeout,
                            "no PINGRESP within the keep-alive interval");
        }
        wait = wait.earlier(Deadline(*ping_sent_at_ + interval));
      } else if (now >= last_sent_ + interval) {
        auto s = send(mqtt::PingreqPacket{});
        if (!s) return s;
        ping_sent_at_ = Deadline::Clock::now();
        continue;
      } else {
        wait = wait.earlier(Deadline(last_sent_ + interval));
      }
    }
    auto n = transport_->read_some(rx_, wait);
    if (!n) {
      if (n.error().kind == ClientErrorKind::kTimeout) {
        if (deadline.expired()) return ClientResult<void>::failure(n.error());
        continue;  // a keep-alive instant, not the caller's deadline
      }
      connected_ = false;
      return ClientResult<void>::failure(n.error());
    }
  }
}

ClientResult<mqtt::Packet> MqttClient::wait_for(PacketType type, std::uint16_t packet_id,
                                                Deadline deadline) {
  for (;;) {
    for (auto it = responses_.begin(); it != responses_.end(); ++it) {
      if (response_key(*it) == std::make_pair(type, packet_id)) {
        mqtt::Packet p = std::move(*it);
        responses_.erase(it);
        return ClientResult<mqtt::Packet>::success(std::move(p));
      }
    }
    auto r = pump(deadline);
    if (!r) {
      ClientError e = r.error();
      if (e.kind == ClientErrorKind::kTimeout && deadline.expired()) {
        e.message = std::string("timed out waiting for ") + type_name(type) +
                    (packet_id ? " (Mid: " + std::to_string(packet_id) + ")" : "");
      }
      return ClientResult<mqtt::Packet>::failure(std::move(e));
    }
  }
}

ClientResult<void> MqttClient::publish(std::string_view topic, mqtt::ByteView payload,
                                       mqtt::QoS qos, bool retain,
                                       const mqtt::Properties& properties) {
  if (!mqtt::is_valid_topic_name(topic)) {
    return fail<void>(ClientErrorKind::kInvalidArgument,
                      "invalid publish topic '" + std::string(topic) + "'");
  }
  mqtt::PublishPacket p;
  p.qos = qos;
  p.retain = retain;
  p.topic = std::string(topic);
  p.payload.assign(payload.begin(), payload.end());
  if (options_.version == mqtt::ProtocolVersion::kV5) p.properties = properties;
  if (qos == mqtt::QoS::kAtMostOnce) return send(p);

  p.packet_id = next_packet_id();
  ids_in_use_.insert(p.packet_id);
  struct Release {
    std::set<std::uint16_t>& ids;
    std::uint16_t id;
    ~Release() { ids.erase(id); }
  } release{ids_in_use_, p.packet_id};

  auto s = send(p);
  if (!s) return s;
  const auto deadline = operation_deadline();
  if (qos == mqtt::QoS::kAtLeastOnce) {
    auto ack = wait_for(PacketType::kPuback, p.packet_id, deadline);
    if (!ack) return ClientResult<void>::failure(ack.error());
    const auto reason = std::get<mqtt::AckPacket>(ack.value()).reason;
    if (is_failure(reason)) {
      return fail<void>(ClientErrorKind::kRejected, "PUBACK: " + reason_text(reason), reason);
    }
    return ClientResult<void>::success();
  }
  auto rec = wait_for(PacketType::kPubrec, p.packet_id, deadline);
  if (!rec) return ClientResult<void>::failure(rec.error());
  const auto rec_reason = std::get<mqtt::AckPacket>(rec.value()).reason;
  if (is_failure(rec_reason)) {
    return fail<void>(ClientErrorKind::kRejected, "PUBREC: " + reason_text(rec_reason), rec_reason);
  }
  s = send(mqtt::AckPacket{PacketType::kPubrel, p.packet_id, {}, {}});
  if (!s) return s;
  auto comp = wait_for(PacketType::kPubcomp, p.packet_id, operation_deadline());
  if (!comp) return ClientResult<void>::failure(comp.error());
  const auto comp_reason = std::get<mqtt::AckPacket>(comp.value()).reason;
  if (is_failure(comp_reason)) {
    return fail<void>(ClientErrorKind::kRejected, "PUBCOMP: " + reason_text(comp_reason),
                      comp_reason);
  }
  return ClientResult<void>::success();
}

ClientResult<mqtt::AuthPacket> MqttClient::reauthenticate(mqtt::ByteView data) {
  auto auth = authentication_step(mqtt::ReasonCode::kReAuthenticate, data);
  if (!auth || auth->reason == mqtt::ReasonCode::kSuccess) return auth;
  return fail<mqtt::AuthPacket>(ClientErrorKind::kProtocol,
                                "re-authentication: the broker answered AUTH " +
                                    reason_text(auth->reason) + ", which " +
                                    *options_.authentication_method + " never needs",
                                auth->reason);
}

ClientResult<mqtt::AuthPacket> MqttClient::authentication_step(mqtt::ReasonCode reason,
                                                               mqtt::ByteView data) {
  using R = ClientResult<mqtt::AuthPacket>;
  if (options_.version != mqtt::ProtocolVersion::kV5 || !options_.authentication_method) {
    return fail<mqtt::AuthPacket>(ClientErrorKind::kInvalidArgument,
                                  "an authentication exchange needs MQTT 5 and an "
                                  "authentication method in CONNECT");
  }
  if (reason != mqtt::ReasonCode::kReAuthenticate &&
      reason != mqtt::ReasonCode::kContinueAuthentication) {
    return fail<mqtt::AuthPacket>(ClientErrorKind::kInvalidArgument,
                                  "a client sends AUTH 0x19 or 0x18 only");
  }
  mqtt::AuthPacket request;
  request.reason = reason;
  request.properties.authentication_method = options_.authentication_method;
  request.properties.authentication_data = mqtt::Bytes(data.begin(), data.end());
  auth_pending_ = true;
  auto sent = send(request);
  if (!sent) return R::failure(sent.error());
  auto answer = wait_for(PacketType::kAuth, 0, operation_deadline());
  if (!answer) return R::failure(answer.error());
  auto auth = std::get<mqtt::AuthPacket>(std::move(answer.value()));
  if (auth.reason != mqtt::ReasonCode::kSuccess &&
      auth.reason != mqtt::ReasonCode::kContinueAuthentication) {
    return fail<mqtt::AuthPacket>(
        ClientErrorKind::kProtocol,
        "authentication: the broker answered AUTH " + reason_text(auth.reason), auth.reason);
  }
  if (auth.properties.authentication_method != options_.authentication_method) {
    return fail<mqtt::AuthPacket>(ClientErrorKind::kProtocol,
                                  "authentication: the broker's AUTH names another method");
  }
  return R::success(std::move(auth));
}

ClientResult<std::vector<mqtt::ReasonCode>> MqttClient::subscribe(
    const std::vector<mqtt::SubscriptionRequest>& requests, const mqtt::Properties& properties) {
  using R = ClientResult<std::vector<mqtt::ReasonCode>>;
  if (requests.empty()) {
    return fail<std::vector<mqtt::ReasonCode>>(ClientErrorKind::kInvalidArgument,
                                               "SUBSCRIBE needs at least one topic filter");
  }
  for (const auto& r : requests) {
    if (!mqtt::is_valid_topic_filter(r.filter)) {
      return fail<std::vector<mqtt::ReasonCode>>(ClientErrorKind::kInvalidArgument,
                                                 "invalid subscription topic '" + r.filter + "'");
    }
  }
  mqtt::SubscribePacket s;
  s.packet_id = next_packet_id();
  s.subscriptions = requests;
  if (options_.version == mqtt::ProtocolVersion::kV5) s.properties = properties;
  auto sent = send(s);
  if (!sent) return R::failure(sent.error());
  auto ack = wait_for(PacketType::kSuback, s.packet_id, operation_deadline());
  if (!ack) return R::failure(ack.error());
  auto reasons = std::get<mqtt::SubackPacket>(std::move(ack.value())).reasons;
  if (reasons.size() != requests.size()) {
    return fail<std::vector<mqtt::ReasonCode>>(
        ClientErrorKind::kProtocol, "SUBACK carries " + std::to_string(reasons.size()) +
                                        " reason codes for " + std::to_string(requests.size()) +
                                        " subscriptions");
  }
  return R::success(std::move(reasons));
}

ClientResult<std::vector<mqtt::ReasonCode>> MqttClient::unsubscribe(
    const std::vector<std::string>& filters) {
  using R = ClientResult<std::vector<mqtt::ReasonCode>>;
  for (const auto& f : filters) {
    if (!mqtt::is_valid_topic_filter(f)) {
      return fail<std::vector<mqtt::ReasonCode>>(ClientErrorKind::kInvalidArgument,
                                                 "invalid topic filter '" + f + "'");
    }
  }
  mqtt::UnsubscribePacket u;
  u.packet_id = next_packet_id();
  u.filters = filters;
  auto sent = send(u);
  if (!sent) return R::failure(sent.error());
  auto ack = wait_for(PacketType::kUnsuback, u.packet_id, operation_deadline());
  if (!ack) return R::failure(ack.error());
  return R::success(std::get<mqtt::UnsubackPacket>(std::move(ack.value())).reasons);
}

ClientResult<std::optional<ReceivedMessage>> MqttClient::receive(Deadline deadline) {
  using R = ClientResult<std::optional<ReceivedMessage>>;
  for (;;) {
    if (!inbox_.empty()) {
      ReceivedMessage m = std::move(inbox_.front());
      inbox_.pop_front();
      return R::success(std::move(m));
    }
    auto r = pump(deadline);
    if (!r) {
      if (r.error().kind == ClientErrorKind::kTimeout && deadline.expired() && connected_) {
        return R::success(std::nullopt);
      }
      return R::failure(r.error());
    }
  }
}

ClientResult<void> MqttClient::acknowledge(mqtt::QoS qos, std::uint16_t packet_id) {
  if (qos == mqtt::QoS::kAtMostOnce || unacknowledged_.erase(packet_id) == 0) {
    return ClientResult<void>::success();
  }
  const PacketType type =
      qos == mqtt::QoS::kAtLeastOnce ? PacketType::kPuback : PacketType::kPubrec;
  return send(mqtt::AckPacket{type, packet_id, {}, {}});
}

ClientResult<void> MqttClient::idle_until(Deadline deadline) {
  for (;;) {
    auto r = pump(deadline);
    if (!r) {
      if (r.error().kind == ClientErrorKind::kTimeout && deadline.expired() && connected_) {
        return ClientResult<void>::success();
      }
      return r;
    }
  }
}

ClientResult<void> MqttClient::ping() {
  auto s = send(mqtt::PingreqPacket{});
  if (!s) return s;
  ping_sent_at_ = Deadline::Clock::now();
  const auto deadline = operation_deadline();
  while (ping_sent_at_) {
    auto r = pump(deadline);
    if (!r) {
      ClientError e = r.error();
      if (e.kind == ClientErrorKind::kTimeout) e.message = "timed out waiting for PINGRESP";
      return ClientResult<void>::failure(std::move(e));
    }
  }
  return ClientResult<void>::success();
}

void MqttClient::disconnect(mqtt::ReasonCode reason) {
  // Complete incoming QoS 2 flows first (PUBREL -> PUBCOMP), so that the broker does not keep
  // them pending in the session.
  // QoS 2 messages the application never acknowledged get no PUBREL: they stay with the
  // broker.
  const auto pubrel_pending = [this] {
    for (std::uint16_t id : awaiting_pubrel_) {
      if (unacknowledged_.count(id) == 0) return true;
    }
    return false;
  };
  const auto deadline = operation_deadline();
  while (connected_ && pubrel_pending()) {
    if (!pump(deadline)) break;
  }
  if (connected_) {
    mqtt::DisconnectPacket d;
    d.reason = reason;
    (void)send(d);
    connected_ = false;
  }
  transport_->close();
}

}  // namespace trustmq::client

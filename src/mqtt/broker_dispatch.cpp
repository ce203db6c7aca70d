// One handler per packet type, chosen by type (std::visit over an overload set), and one tail
// for every protocol violation a handler reports: log, v5 DISCONNECT, detach, close.
#include <string>
#include <variant>

#include "mqtt/broker_state.h"

namespace trustmq::mqtt {
namespace {

// The overload set std::visit dispatches on: one lambda per packet type.
template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace

void Broker::State::handle_packet(Connection& c, ByteView bytes, ByteView payload, Packet& packet,
                                  TimeMs now) {
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
  if (HandlerResult failed = dispatch(c, bytes, payload, packet, now)) {
    violation(c, failed->reason, failed->detail, now);
  }
}

HandlerResult Broker::State::dispatch(Connection& c, ByteView bytes, ByteView payload,
                                      Packet& packet, TimeMs now) {
  return std::visit(Overloaded{
                        [&](PublishPacket& p) { return handle_publish(c, bytes, payload, p, now); },
                        [&](const AckPacket& ack) { return handle_ack(c, ack, now); },
                        [&](const SubscribePacket& p) { return handle_subscribe(c, p, now); },
                        [&](const UnsubscribePacket& p) -> HandlerResult {
                          handle_unsubscribe(c, p);
                          return std::nullopt;
                        },
                        [&](const PingreqPacket&) -> HandlerResult {
                          send_packet(c, PingrespPacket{});
                          return std::nullopt;
                        },
                        [&](const DisconnectPacket& p) { return handle_disconnect(c, p, now); },
                        [&](const AuthPacket& p) { return handle_auth(c, p, now); },
                        [&](const ConnectPacket&) -> HandlerResult {
                          return Violation{ReasonCode::kProtocolError, "second CONNECT"};
                        },
                        // CONNACK, SUBACK, UNSUBACK, PINGRESP go from server to client only.
                        [&](const auto&) -> HandlerResult {
                          return Violation{ReasonCode::kProtocolError, "unexpected packet type"};
                        },
                    },
                    packet);
}

void Broker::State::end_connection(Connection& c, ReasonCode reason, TimeMs now) {
  if (c.session != nullptr && is_v5(c.version)) {
    DisconnectPacket disconnect;
    disconnect.reason = reason;
    send_packet(c, disconnect);
  }
  detach(c, now, /*abnormal=*/true);
  close_connection(c);
}

void Broker::State::violation(Connection& c, ReasonCode reason, const std::string& detail,
                              TimeMs now) {
  log(LogLevel::kNotice, "Client " + client_name(c) +
                             " disconnected: " + std::string(reason_code_name(reason)) +
                             (detail.empty() ? "" : " (" + detail + ")"));
  end_connection(c, reason, now);
}

}  // namespace trustmq::mqtt

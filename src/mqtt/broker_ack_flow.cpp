// Acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP) and outbound flow control: the in-flight
// window (our max_inflight_messages and the client's Receive Maximum) and the session queue.
#include <algorithm>

#include "mqtt/broker_state.h"

namespace trustmq::mqtt {

HandlerResult Broker::State::handle_ack(Connection& c, const AckPacket& ack, TimeMs now) {
  Session& s = *c.session;
  switch (ack.type) {
    case PacketType::kPuback:
    case PacketType::kPubcomp:
      return complete_outbound(c, ack, now);
    case PacketType::kPubrec: {
      InflightMessage* entry = s.find_inflight(ack.packet_id);
      if (entry == nullptr) {
        send_ack(c, PacketType::kPubrel, ack.packet_id, ReasonCode::kPacketIdentifierNotFound);
        return std::nullopt;
      }
      if (entry->state == InflightState::kAwaitingPuback) {
        return Violation{ReasonCode::kProtocolError, "PUBREC for a QoS 1 message"};
      }
      if (is_failure(ack.reason)) {  // the receiver refused the message: the flow ends here
        unpersist_message(s, entry->outbound);
        s.erase_inflight(ack.packet_id);
        pump(s, c, now);
        return std::nullopt;
      }
      entry->state = InflightState::kAwaitingPubcomp;
      persist_message(s, entry->outbound, entry->state, entry->packet_id, /*queued=*/false);
      entry->outbound.message.reset();
      send_ack(c, PacketType::kPubrel, ack.packet_id, ReasonCode::kSuccess);
      return std::nullopt;
    }
    case PacketType::kPubrel: {
      ReasonCode reason = ReasonCode::kSuccess;
      if (s.has_inbound_qos2(ack.packet_id)) {
        s.erase_inbound_qos2(ack.packet_id);
        if (s.stored) persist_session(s);
      } else {
        reason = ReasonCode::kPacketIdentifierNotFound;
      }
      send_ack(c, PacketType::kPubcomp, ack.packet_id, reason);
      return std::nullopt;
    }
    default:
      return Violation{ReasonCode::kProtocolError, "unexpected acknowledgement"};
  }
}

// PUBACK ends a QoS 1 delivery, PUBCOMP a QoS 2 one: its slot in the window is free again.
HandlerResult Broker::State::complete_outbound(Connection& c, const AckPacket& ack, TimeMs now) {
  Session& s = *c.session;
  InflightMessage* entry = s.find_inflight(ack.packet_id);
  if (entry == nullptr) return std::nullopt;  // unknown id: ignored, as mosquitto does
  const bool puback = ack.type == PacketType::kPuback;
  const InflightState expected =
      puback ? InflightState::kAwaitingPuback : InflightState::kAwaitingPubcomp;
  if (entry->state != expected) {
    const char* detail = puback ? "PUBACK for a QoS 2 message"
                         : entry->state == InflightState::kAwaitingPuback
                             ? "PUBCOMP for a QoS 1 message"
                             : "PUBCOMP before PUBREC";
    return Violation{ReasonCode::kProtocolError, detail};
  }
  unpersist_message(s, entry->outbound);
  s.erase_inflight(ack.packet_id);
  pump(s, c, now);
  return std::nullopt;
}

// How many QoS 1/2 messages may be in flight to the client: ours (max_inflight_messages) and
// the client's Receive Maximum, and at most 65534 (so a packet identifier is always free).
std::size_t Broker::State::window(const Connection& c) const {
  std::size_t limit = inbound_receive_maximum();
  limit = std::min<std::size_t>(limit, c.receive_maximum);
  return std::min<std::size_t>(limit, kMaxReceiveMaximum - 1);
}

void Broker::State::start_inflight(Session& s, Connection& c, OutboundMessage&& outbound,
                                   InboundPublish* inbound, TimeMs now) {
  if (outbound.message->expired(now)) {
    unpersist_message(s, outbound);
    return;
  }
  const std::uint16_t packet_id = s.allocate_packet_id();
  if (!send_publish(c, outbound, packet_id, /*dup=*/false, inbound, now)) {
    unpersist_message(s, outbound);
    return;
  }
  InflightMessage entry;
  entry.packet_id = packet_id;
  entry.state = outbound.qos == QoS::kAtLeastOnce ? InflightState::kAwaitingPuback
                                                  : InflightState::kAwaitingPubrec;
  entry.outbound = std::move(outbound);
  s.inflight.push_back(std::move(entry));
  InflightMessage& sent = s.inflight.back();
  persist_message(s, sent.outbound, sent.state, sent.packet_id, /*queued=*/false);
}

// Moves queued messages into the in-flight window.
void Broker::State::pump(Session& s, Connection& c, TimeMs now) {
  while (!s.queued.empty() && s.inflight.size() < window(c) && !c.closing) {
    OutboundMessage outbound = std::move(s.queued.front());
    s.queued.pop_front();
    if (outbound.qos == QoS::kAtMostOnce) {
      send_publish(c, outbound, 0, /*dup=*/false, nullptr, now);
    } else {
      start_inflight(s, c, std::move(outbound), nullptr, now);
    }
  }
}

}  // namespace trustmq::mqtt

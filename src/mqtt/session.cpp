#include "mqtt/session.h"

#include <algorithm>

namespace trustmq::mqtt {

std::uint16_t Session::allocate_packet_id() {
  while (true) {
    ++last_packet_id;
    if (last_packet_id == 0) last_packet_id = 1;
    if (find_inflight(last_packet_id) == nullptr) return last_packet_id;
  }
}

InflightMessage* Session::find_inflight(std::uint16_t packet_id) {
  for (auto& entry : inflight) {
    if (entry.packet_id == packet_id) return &entry;
  }
  return nullptr;
}

void Session::erase_inflight(std::uint16_t packet_id) {
  auto it = std::find_if(inflight.begin(), inflight.end(),
                         [&](const InflightMessage& m) { return m.packet_id == packet_id; });
  if (it != inflight.end()) inflight.erase(it);
}

bool Session::has_inbound_qos2(std::uint16_t packet_id) const {
  return std::find(inbound_qos2.begin(), inbound_qos2.end(), packet_id) != inbound_qos2.end();
}

void Session::erase_inbound_qos2(std::uint16_t packet_id) {
  auto it = std::find(inbound_qos2.begin(), inbound_qos2.end(), packet_id);
  if (it != inbound_qos2.end()) inbound_qos2.erase(it);
}

}  // namespace trustmq::mqtt

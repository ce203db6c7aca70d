// One-line, human-readable summaries of packets, in the style of mosquitto's -d output
// ("PUBLISH (d0, q1, r0, m1, 'a/b', ... (5 bytes))"), for the client's debug log.
#pragma once

#include <string>

#include "mqtt/packet.h"

namespace trustmq::client {

std::string describe_packet(const mqtt::Packet& packet);

}  // namespace trustmq::client

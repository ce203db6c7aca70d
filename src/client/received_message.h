// An application message delivered to the client by the broker.
#pragma once

#include <cstdint>
#include <string>

#include "mqtt/properties.h"
#include "mqtt/types.h"

namespace trustmq::client {

struct ReceivedMessage {
  std::string topic;
  mqtt::Bytes payload;
  mqtt::QoS qos = mqtt::QoS::kAtMostOnce;
  bool retain = false;  // set: a retained ("stale") message sent because of a subscription
  bool dup = false;
  mqtt::Properties properties;  // MQTT 5
  // QoS 1/2: the broker's packet id, which MqttClient::acknowledge() takes when the client
  // acknowledges by hand (ConnectOptions::manual_acknowledgement); 0 for QoS 0.
  std::uint16_t packet_id = 0;
};

}  // namespace trustmq::client

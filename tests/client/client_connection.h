// Connecting a library client to a test broker in one line.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/endpoint.h"
#include "client/mqtt_client.h"

namespace trustmq::client::testing {

inline ClientResult<std::unique_ptr<MqttClient>> try_connect(const Endpoint& endpoint,
                                                             ConnectOptions options,
                                                             MqttClient::DebugLog debug = {}) {
  auto t = open_transport(endpoint, Deadline::after(options.timeout));
  if (!t) return ClientResult<std::unique_ptr<MqttClient>>::failure(t.error());
  return MqttClient::connect(std::move(t.value()), options, std::move(debug));
}

inline Endpoint local_endpoint(std::uint16_t port) {
  Endpoint e;
  e.host = "127.0.0.1";
  e.port = port;
  return e;
}

inline ConnectOptions options_for(mqtt::ProtocolVersion version, std::string client_id) {
  ConnectOptions o;
  o.version = version;
  o.client_id = std::move(client_id);
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

inline mqtt::Bytes bytes(std::string_view s) { return mqtt::Bytes(s.begin(), s.end()); }

// A round trip through the broker on one connection: subscribes to `filter`, publishes `payload`
// to `topic` with `qos` and receives it back within 5 s.
inline ::testing::AssertionResult receives_own_message(MqttClient& c, const std::string& filter,
                                                       const std::string& topic,
                                                       std::string_view payload, mqtt::QoS qos) {
  auto granted = c.subscribe({{filter, qos, false, false, {}}});
  if (!granted) return ::testing::AssertionFailure() << "subscribe: " << granted.error().message;
  auto published = c.publish(topic, bytes(payload), qos, false);
  if (!published) return ::testing::AssertionFailure() << "publish: " << published.error().message;
  auto m = c.receive(Deadline::after(std::chrono::seconds(5)));
  if (!m) return ::testing::AssertionFailure() << "receive: " << m.error().message;
  if (!m.value()) return ::testing::AssertionFailure() << "nothing received within 5 s";
  if (m.value()->payload != bytes(payload)) {
    return ::testing::AssertionFailure()
           << "received '" << std::string(m.value()->payload.begin(), m.value()->payload.end())
           << "' on " << m.value()->topic;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace trustmq::client::testing

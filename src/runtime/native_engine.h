// The native engine: the MQTT core linked directly into the broker.
#pragma once

#include <memory>

#include "runtime/engine.h"

namespace trustmq::runtime {

std::unique_ptr<Engine> make_native_engine(const mqtt::BrokerConfig& config, mqtt::BrokerHost& host,
                                           TimeMs now);

}  // namespace trustmq::runtime

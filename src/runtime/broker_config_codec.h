// Serialisation of mqtt::BrokerConfig (with its ACL rules) into a flat byte string, so the Wasm
// engines can pass the configuration into the module's init export. Standard library only;
// decoding validates every length and enum and rejects trailing bytes.
#pragma once

#include "mqtt/broker_config.h"
#include "mqtt/types.h"

namespace trustmq::runtime {

// Format version written first (after the "TMQC" magic); bumped when the layout changes.
inline constexpr std::uint8_t kBrokerConfigCodecVersion = 6;

mqtt::Bytes encode_broker_config(const mqtt::BrokerConfig& config);

// Returns false (leaving `config` unspecified) if `bytes` is not a complete, valid encoding.
bool decode_broker_config(mqtt::ByteView bytes, mqtt::BrokerConfig& config);

}  // namespace trustmq::runtime

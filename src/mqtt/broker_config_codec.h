// Serialisation of BrokerConfig (with its ACL rules) into a flat byte string, so the Wasm
// engines can pass the configuration into the module's init export. Standard library only;
// decoding validates every length and enum and rejects trailing bytes.
#pragma once

#include "mqtt/broker_config.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

// Format version written first (after the "TMQC" magic); bumped when the layout changes.
inline constexpr std::uint8_t kBrokerConfigCodecVersion = 3;

Bytes encode_broker_config(const BrokerConfig& config);

// Returns false (leaving `config` unspecified) if `bytes` is not a complete, valid encoding.
bool decode_broker_config(ByteView bytes, BrokerConfig& config);

}  // namespace trustmq::mqtt

// Serialisation of mqtt::PeerInfo for the Wasm on_open export: the host encodes it into the
// module's input buffer, the guest decodes it. Standard library only (compiled into both).
#pragma once

#include "mqtt/broker.h"
#include "mqtt/types.h"

namespace trustmq::runtime {

mqtt::Bytes encode_peer_info(const mqtt::PeerInfo& peer);

// Returns false if `bytes` is not exactly one valid encoding.
bool decode_peer_info(mqtt::ByteView bytes, mqtt::PeerInfo& peer);

}  // namespace trustmq::runtime

// One packet encoded into a fresh buffer; shared by the codec tests.
#pragma once

#include "mqtt/codec.h"

namespace trustmq::mqtt {

inline Bytes encode_to_bytes(const Packet& packet, ProtocolVersion version) {
  Bytes out;
  encode_packet(packet, version, out);
  return out;
}

}  // namespace trustmq::mqtt

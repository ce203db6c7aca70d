// An application message as the broker holds it: one shared, immutable copy per PUBLISH
// received, referenced by every queue, in-flight slot and the retained store that needs it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mqtt/packet.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

// Encoded bytes of the message for one (protocol version, QoS, retain flag) combination, with
// packet identifier 0; `packet_id_offset` says where to patch the identifier for QoS > 0.
struct EncodedPublish {
  ProtocolVersion version = ProtocolVersion::kV311;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  std::size_t packet_id_offset = 0;
  Bytes bytes;
};

struct Message {
  // Topic, payload, QoS and retain as received, and the v5 properties that travel with the
  // message (topic alias and subscription identifiers removed). A PublishPacket, not a Packet:
  // the variant is as large as its largest alternative (CONNECT), which doubled the memory of
  // every stored message (1 224 → 584 bytes; a restart with 1 M queued messages allocates
  // one Message each).
  PublishPacket packet;
  std::optional<TimeMs> expires_at;  // from the message expiry interval
  // Encodings shared by all recipients that need no per-recipient properties.
  std::vector<EncodedPublish> encodings;

  PublishPacket& publish() { return packet; }
  const PublishPacket& publish() const { return packet; }
  bool expired(TimeMs now) const { return expires_at && now >= *expires_at; }
};

using MessageRef = std::shared_ptr<Message>;

}  // namespace trustmq::mqtt

// Which outbound MQTT packets may reach a client before the records staged with them are
// committed (persistence_durability sync; docs/persistence.md, "What may go before the
// commit").
//
// Only acknowledgements promise durability. A PUBLISH at QoS 0 or 1 promises nothing: if the
// broker crashes before the commit that holds its records, the publisher has no PUBACK and
// sends again, and the subscriber gets a duplicate, which QoS 1 allows. Everything else waits:
// PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, CONNACK say that something is stored; a QoS 2
// PUBLISH sent before its in-flight record is durable would be sent again after a crash under
// a new packet id (a second delivery); a PUBREL sent before its record is durable would be
// followed after a crash by the PUBLISH again, which the client, having completed that packet
// id, takes as a new message. The rest (PINGRESP, DISCONNECT, AUTH) promise nothing but are
// rare: they wait too, which keeps the rule to one line.
#pragma once

#include <cstdint>
#include <span>

namespace trustmq::shell {

// True if every packet in `packets` (whole MQTT packets, as BrokerHost::send gets them) is a
// PUBLISH at QoS 0 or 1. False for anything else, including bytes that do not parse as whole
// packets (fail closed: they wait for the commit).
bool may_precede_commit(std::span<const std::uint8_t> packets);

}  // namespace trustmq::shell

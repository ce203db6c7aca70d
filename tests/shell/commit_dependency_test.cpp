// Which outbound packets may go before the commit of their records (durability sync): only a
// PUBLISH at QoS 0 or 1; acknowledgements, QoS 2 PUBLISH, PUBREL and anything unparsable wait.
#include "shell/commit_dependency.h"

#include <gtest/gtest.h>

#include <vector>

#include "raw_mqtt_client.h"

namespace trustmq::shell::commit_dependency_test {

using PacketBytes = std::vector<std::uint8_t>;

// A PUBLISH of topic "t" with `payload_size` payload bytes at `qos` (packet id 1 if qos > 0).
PacketBytes publish_of(unsigned qos, std::size_t payload_size = 3) {
  PacketBytes body{0, 1, 't'};
  if (qos > 0) body.insert(body.end(), {0, 1});
  body.insert(body.end(), payload_size, std::uint8_t{'x'});
  return testing::frame(static_cast<std::uint8_t>(0x30 | (qos << 1)), body);
}

PacketBytes ack_of(std::uint8_t header) { return {header, 2, 0, 1}; }

TEST(CommitDependency, PublishAtQos0Or1MayGoBeforeTheCommit) {
  EXPECT_TRUE(may_precede_commit(publish_of(0)));
  EXPECT_TRUE(may_precede_commit(publish_of(1)));
  PacketBytes retained_dup = publish_of(1);
  retained_dup[0] |= 0x09;  // DUP and RETAIN do not change it
  EXPECT_TRUE(may_precede_commit(retained_dup));
  // Remaining length on two and three bytes.
  EXPECT_TRUE(may_precede_commit(publish_of(1, 300)));
  EXPECT_TRUE(may_precede_commit(publish_of(1, 20000)));
}

TEST(CommitDependency, AcknowledgementsAndQos2WaitForTheCommit) {
  EXPECT_FALSE(may_precede_commit(publish_of(2)));
  EXPECT_FALSE(may_precede_commit(ack_of(0x40)));                   // PUBACK
  EXPECT_FALSE(may_precede_commit(ack_of(0x50)));                   // PUBREC
  EXPECT_FALSE(may_precede_commit(ack_of(0x62)));                   // PUBREL
  EXPECT_FALSE(may_precede_commit(ack_of(0x70)));                   // PUBCOMP
  EXPECT_FALSE(may_precede_commit(PacketBytes{0x20, 2, 1, 0}));     // CONNACK
  EXPECT_FALSE(may_precede_commit(PacketBytes{0x90, 3, 0, 1, 1}));  // SUBACK
  EXPECT_FALSE(may_precede_commit(ack_of(0xb0)));                   // UNSUBACK
  EXPECT_FALSE(may_precede_commit(PacketBytes{0xd0, 0}));           // PINGRESP
  PacketBytes qos3 = publish_of(1);
  qos3[0] |= 0x06;  // malformed QoS 3
  EXPECT_FALSE(may_precede_commit(qos3));
}

TEST(CommitDependency, EveryPacketOfOneSendCounts) {
  PacketBytes two = publish_of(1);
  const PacketBytes second = publish_of(0);
  two.insert(two.end(), second.begin(), second.end());
  EXPECT_TRUE(may_precede_commit(two));
  const PacketBytes puback = ack_of(0x40);
  two.insert(two.end(), puback.begin(), puback.end());
  EXPECT_FALSE(may_precede_commit(two));
}

TEST(CommitDependency, BytesThatAreNotWholePacketsWait) {
  EXPECT_FALSE(may_precede_commit(PacketBytes{}));
  PacketBytes cut = publish_of(1);
  cut.pop_back();
  EXPECT_FALSE(may_precede_commit(cut));
  EXPECT_FALSE(may_precede_commit(PacketBytes{0x32}));                             // no length
  EXPECT_FALSE(may_precede_commit(PacketBytes{0x32, 0xff, 0xff, 0xff, 0xff, 1}));  // 5 bytes
}

}  // namespace trustmq::shell::commit_dependency_test

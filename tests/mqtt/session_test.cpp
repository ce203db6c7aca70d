#include "mqtt/session.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

TEST(Session, PacketIdsSkipZeroAndInflight) {
  Session s;
  s.last_packet_id = 65534;
  EXPECT_EQ(s.allocate_packet_id(), 65535);
  InflightMessage m;
  m.packet_id = 1;
  s.inflight.push_back(m);
  EXPECT_EQ(s.allocate_packet_id(), 2);  // wraps past 0 and the in-flight 1
  EXPECT_NE(s.find_inflight(1), nullptr);
  s.erase_inflight(1);
  EXPECT_EQ(s.find_inflight(1), nullptr);
}

TEST(Session, InboundQoS2Ids) {
  Session s;
  s.inbound_qos2 = {4, 9};
  EXPECT_TRUE(s.has_inbound_qos2(9));
  s.erase_inbound_qos2(9);
  EXPECT_FALSE(s.has_inbound_qos2(9));
  EXPECT_TRUE(s.has_inbound_qos2(4));
}

}  // namespace
}  // namespace trustmq::mqtt

#include "mqtt/sys_topics.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

TEST(SysTopics, MosquittoNamesAndFormats) {
  BrokerStats stats;
  stats.clients_connected = 3;
  stats.messages_received = 12345678901ull;
  stats.bytes_sent = 0;
  auto topics = sys_topics("trustmq 1.2", 42, stats);
  auto value = [&](std::string_view topic) -> std::string {
    for (const auto& t : topics) {
      if (t.topic == topic) return t.value;
    }
    return "<missing>";
  };
  EXPECT_EQ(value("$SYS/broker/version"), "trustmq 1.2");
  EXPECT_EQ(value("$SYS/broker/uptime"), "42 seconds");
  EXPECT_EQ(value("$SYS/broker/clients/connected"), "3");
  EXPECT_EQ(value("$SYS/broker/messages/received"), "12345678901");
  EXPECT_EQ(value("$SYS/broker/bytes/sent"), "0");
  EXPECT_NE(value("$SYS/broker/messages/sent"), "<missing>");
  EXPECT_NE(value("$SYS/broker/bytes/received"), "<missing>");
}

}  // namespace
}  // namespace trustmq::mqtt

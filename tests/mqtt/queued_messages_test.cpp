#include "mqtt/queued_messages.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace trustmq::mqtt {
namespace {

OutboundMessage queued_with_number(std::uint64_t number) {
  OutboundMessage m;
  m.qos = QoS::kAtLeastOnce;
  m.stored_number = number;
  return m;
}

TEST(QueuedMessagesTest, EmptyQueueAnswersWithoutItsDeque) {
  QueuedMessages queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0u);
  int visited = 0;
  queue.for_each([&](OutboundMessage&) { ++visited; });
  EXPECT_EQ(visited, 0);
  EXPECT_EQ(queue.erase_if([](OutboundMessage&) { return true; }), 0u);
}

TEST(QueuedMessagesTest, KeepsOrderThroughPushPopAndErase) {
  QueuedMessages queue;
  for (std::uint64_t n = 1; n <= 5; ++n) queue.push_back(queued_with_number(n));
  EXPECT_EQ(queue.size(), 5u);
  EXPECT_EQ(queue.front().stored_number, 1u);
  EXPECT_EQ(queue.back().stored_number, 5u);
  queue.pop_front();
  EXPECT_EQ(queue.erase_if([](OutboundMessage& m) { return m.stored_number % 2 == 0; }), 2u);
  std::vector<std::uint64_t> left;
  queue.for_each([&](OutboundMessage& m) { left.push_back(m.stored_number); });
  EXPECT_EQ(left, (std::vector<std::uint64_t>{3, 5}));
  queue.pop_front();
  queue.pop_front();
  EXPECT_TRUE(queue.empty());
  queue.push_back(queued_with_number(6));  // usable again once drained
  EXPECT_EQ(queue.front().stored_number, 6u);
}

}  // namespace
}  // namespace trustmq::mqtt

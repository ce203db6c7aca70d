#include "shell/outbound_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace trustmq::shell {
namespace {

using mqtt::SendKind;
using Result = OutboundQueue::PushResult;

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t value) {
  return std::vector<std::uint8_t>(n, value);
}

TEST(OutboundQueueTest, KeepsBytesInOrderAcrossPartialWrites) {
  OutboundQueue q(100);
  EXPECT_EQ(q.push(bytes(3, 1), SendKind::kControl), Result::kQueued);
  EXPECT_EQ(q.push(bytes(2, 2), SendKind::kDroppable), Result::kQueued);
  ASSERT_EQ(q.size(), 5u);
  q.consume(2);
  const std::vector<std::uint8_t> rest(q.pending().begin(), q.pending().end());
  EXPECT_EQ(rest, (std::vector<std::uint8_t>{1, 2, 2}));
  q.consume(3);
  EXPECT_TRUE(q.empty());
}

TEST(OutboundQueueTest, DropsDroppableSendsOverTheLimit) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(8, 1), SendKind::kDroppable), Result::kQueued);
  EXPECT_EQ(q.push(bytes(3, 2), SendKind::kDroppable), Result::kDropped);
  EXPECT_EQ(q.push(bytes(3, 3), SendKind::kDroppable), Result::kDropped);
  EXPECT_EQ(q.size(), 8u);  // nothing of the dropped sends was queued
  EXPECT_EQ(q.take_dropped_count(), 2u);
  EXPECT_EQ(q.take_dropped_count(), 0u);
  EXPECT_EQ(q.total_dropped(), 2u);
  // Exactly at the limit still fits.
  EXPECT_EQ(q.push(bytes(2, 4), SendKind::kDroppable), Result::kQueued);
  EXPECT_EQ(q.size(), 10u);
}

TEST(OutboundQueueTest, ControlSendOverTheLimitOverflows) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(8, 1), SendKind::kControl), Result::kQueued);
  EXPECT_EQ(q.push(bytes(3, 2), SendKind::kControl), Result::kOverflow);
  EXPECT_EQ(q.size(), 8u);
  EXPECT_EQ(q.total_dropped(), 0u);
}

TEST(OutboundQueueTest, RoomFreedByWritesIsUsableAgain) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(10, 1), SendKind::kControl), Result::kQueued);
  EXPECT_EQ(q.push(bytes(4, 2), SendKind::kControl), Result::kOverflow);
  q.consume(6);
  EXPECT_EQ(q.push(bytes(4, 2), SendKind::kControl), Result::kQueued);
  EXPECT_EQ(q.size(), 8u);
  const std::vector<std::uint8_t> rest(q.pending().begin(), q.pending().end());
  EXPECT_EQ(rest, (std::vector<std::uint8_t>{1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST(OutboundQueueTest, EmptyQueueAcceptsOnePacketLargerThanTheLimit) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(50, 1), SendKind::kControl), Result::kQueued);
  EXPECT_EQ(q.push(bytes(1, 2), SendKind::kDroppable), Result::kDropped);
  EXPECT_EQ(q.push(bytes(1, 2), SendKind::kControl), Result::kOverflow);
}

TEST(OutboundQueueTest, ZeroLimitMeansUnlimited) {
  OutboundQueue q(0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(q.push(bytes(1000, 1), SendKind::kDroppable), Result::kQueued);
  }
  EXPECT_EQ(q.size(), 100000u);
}

TEST(OutboundQueueTest, ClearDiscardsEverything) {
  OutboundQueue q(100);
  q.push(bytes(30, 1), SendKind::kControl);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.pending().size(), 0u);
}

TEST(OutboundQueueTest, ManyInterleavedPushesAndWritesKeepOrder) {
  OutboundQueue q(0);
  std::vector<std::uint8_t> written;
  std::uint8_t next = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> chunk;
    for (int i = 0; i < 7; ++i) chunk.push_back(next++);
    q.push(chunk, SendKind::kControl);
    const auto pending = q.pending();
    const std::size_t take = pending.size() / 2 + 1;
    written.insert(written.end(), pending.begin(), pending.begin() + take);
    q.consume(take);
  }
  written.insert(written.end(), q.pending().begin(), q.pending().end());
  ASSERT_EQ(written.size(), 1400u);
  for (std::size_t i = 0; i < written.size(); ++i) {
    ASSERT_EQ(written[i], static_cast<std::uint8_t>(i)) << "at " << i;
  }
}

}  // namespace
}  // namespace trustmq::shell

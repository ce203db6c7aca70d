#include "shell/outbound_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <vector>

#include "shell/outbound_chunk_pool.h"

namespace trustmq::shell {
namespace {

using mqtt::SendKind;
using PushResult = OutboundQueue::PushResult;

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t value) {
  return std::vector<std::uint8_t>(n, value);
}

TEST(OutboundQueueTest, KeepsBytesInOrderAcrossPartialWrites) {
  OutboundQueue q(100);
  EXPECT_EQ(q.push(bytes(3, 1), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.push(bytes(2, 2), SendKind::kDroppable), PushResult::kQueued);
  ASSERT_EQ(q.size(), 5u);
  q.consume(2);
  const std::vector<std::uint8_t> rest(q.pending().begin(), q.pending().end());
  EXPECT_EQ(rest, (std::vector<std::uint8_t>{1, 2, 2}));
  q.consume(3);
  EXPECT_TRUE(q.empty());
}

TEST(OutboundQueueTest, DropsDroppableSendsOverTheLimit) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(8, 1), SendKind::kDroppable), PushResult::kQueued);
  EXPECT_EQ(q.push(bytes(3, 2), SendKind::kDroppable), PushResult::kDropped);
  EXPECT_EQ(q.push(bytes(3, 3), SendKind::kDroppable), PushResult::kDropped);
  EXPECT_EQ(q.size(), 8u);  // nothing of the dropped sends was queued
  EXPECT_EQ(q.take_dropped_count(), 2u);
  EXPECT_EQ(q.take_dropped_count(), 0u);
  EXPECT_EQ(q.total_dropped(), 2u);
  // Exactly at the limit still fits.
  EXPECT_EQ(q.push(bytes(2, 4), SendKind::kDroppable), PushResult::kQueued);
  EXPECT_EQ(q.size(), 10u);
}

TEST(OutboundQueueTest, ControlSendOverTheLimitOverflows) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(8, 1), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.push(bytes(3, 2), SendKind::kControl), PushResult::kOverflow);
  EXPECT_EQ(q.size(), 8u);
  EXPECT_EQ(q.total_dropped(), 0u);
}

TEST(OutboundQueueTest, RoomFreedByWritesIsUsableAgain) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(10, 1), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.push(bytes(4, 2), SendKind::kControl), PushResult::kOverflow);
  q.consume(6);
  EXPECT_EQ(q.push(bytes(4, 2), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.size(), 8u);
  const std::vector<std::uint8_t> rest(q.pending().begin(), q.pending().end());
  EXPECT_EQ(rest, (std::vector<std::uint8_t>{1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST(OutboundQueueTest, EmptyQueueAcceptsOnePacketLargerThanTheLimit) {
  OutboundQueue q(10);
  EXPECT_EQ(q.push(bytes(50, 1), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.push(bytes(1, 2), SendKind::kDroppable), PushResult::kDropped);
  EXPECT_EQ(q.push(bytes(1, 2), SendKind::kControl), PushResult::kOverflow);
}

TEST(OutboundQueueTest, ZeroLimitMeansUnlimited) {
  OutboundQueue q(0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(q.push(bytes(1000, 1), SendKind::kDroppable), PushResult::kQueued);
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

std::vector<std::uint8_t> sequence(std::size_t n, std::size_t start = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((start + i) * 7 + 3);
  return v;
}

TEST(OutboundQueueTest, PacketsLargerThanAChunkSpanSeveralRunsInOrder) {
  OutboundQueue q(0);
  const auto data = sequence(40000);
  ASSERT_EQ(q.push(data, SendKind::kDroppable), PushResult::kQueued);
  EXPECT_EQ(q.size(), 40000u);
  EXPECT_EQ(q.pending().size(), OutboundChunkPool::kChunkBytes);
  std::span<const std::uint8_t> runs[8];
  const std::size_t n = q.pending_runs(runs);
  ASSERT_EQ(n, 3u);
  std::vector<std::uint8_t> joined;
  for (std::size_t i = 0; i < n; ++i) joined.insert(joined.end(), runs[i].begin(), runs[i].end());
  EXPECT_EQ(joined, data);
  // At most as many runs as asked for.
  EXPECT_EQ(q.pending_runs(std::span(runs, 2)), 2u);
}

TEST(OutboundQueueTest, PartialWritesAcrossChunkBoundariesKeepOrder) {
  OutboundQueue q(0);
  const auto data = sequence(100000);
  std::vector<std::uint8_t> written;
  std::size_t pushed = 0;
  std::size_t step = 1;
  while (written.size() < data.size()) {
    if (pushed < data.size()) {
      const std::size_t n = std::min<std::size_t>(3000 + step * 37 % 20000, data.size() - pushed);
      q.push(std::span(data).subspan(pushed, n), SendKind::kControl);
      pushed += n;
    }
    const auto p = q.pending();
    const std::size_t take = std::min(p.size(), 1 + step * 4099 % 30000);
    written.insert(written.end(), p.begin(), p.begin() + static_cast<std::ptrdiff_t>(take));
    q.consume(take);
    ++step;
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(written, data);
}

TEST(OutboundQueueTest, PendingStartsAtTheSameByteAndNeverShrinksUntilConsumed) {
  // A TLS write that must be retried passes pending() again: same first byte, length at least
  // that of the record OpenSSL already encrypted.
  OutboundQueue q(0);
  q.push(sequence(100), SendKind::kControl);
  const auto first = q.pending();
  q.push(sequence(30000), SendKind::kControl);
  const auto again = q.pending();
  EXPECT_EQ(again.data(), first.data());
  EXPECT_GE(again.size(), first.size());
  EXPECT_EQ(again.size(), OutboundChunkPool::kChunkBytes);
}

TEST(OutboundQueueTest, SteadyStateTakesNoMemoryFromTheHeap) {
  OutboundQueue q(4 * 1024 * 1024);
  const auto message = sequence(16400);
  auto cycle = [&] {
    for (int i = 0; i < 4; ++i) q.push(message, SendKind::kDroppable);
    while (!q.empty()) q.consume(std::min<std::size_t>(q.pending().size(), 10000));
  };
  cycle();  // warm-up: the pool and the ring reach their size
  const auto before = OutboundChunkPool::local().heap_allocations();
  for (int i = 0; i < 1000; ++i) cycle();
  EXPECT_EQ(OutboundChunkPool::local().heap_allocations(), before);
}

TEST(OutboundQueueTest, AnEmptyQueueGivesItsChunksBack) {
  auto& pool = OutboundChunkPool::local();
  OutboundQueue q(0);
  q.push(sequence(50000), SendKind::kControl);
  const std::size_t free_while_queued = pool.free_chunks();
  q.consume(50000);
  EXPECT_EQ(pool.free_chunks(), free_while_queued + 4);  // 50000 bytes = 4 chunks of 16 KiB
  EXPECT_TRUE(q.pending().empty());
  std::span<const std::uint8_t> runs[2];
  EXPECT_EQ(q.pending_runs(runs), 0u);
}

TEST(OutboundQueueTest, LimitCountsBytesNotChunks) {
  OutboundQueue q(20000);
  EXPECT_EQ(q.push(sequence(16384), SendKind::kDroppable), PushResult::kQueued);
  EXPECT_EQ(q.push(sequence(3616), SendKind::kDroppable), PushResult::kQueued);  // exactly 20000
  EXPECT_EQ(q.push(sequence(1), SendKind::kDroppable), PushResult::kDropped);
  q.consume(16384);  // the first chunk is written
  EXPECT_EQ(q.push(sequence(16384), SendKind::kControl), PushResult::kQueued);
  EXPECT_EQ(q.size(), 3616u + 16384u);
}

}  // namespace
}  // namespace trustmq::shell

// One connection's gate (durability sync): bytes that need a commit are not writable before
// it, bytes that need none are, unless they are queued behind held bytes (order is kept).
#include "shell/commit_gate.h"

#include <gtest/gtest.h>

namespace trustmq::shell::commit_gate_test {

TEST(CommitGate, BytesThatNeedNoCommitAreWritableAtOnce) {
  CommitGate gate;
  gate.queued(30, false, 1);  // a QoS 1 delivery
  EXPECT_EQ(gate.writable(), 30u);
  EXPECT_EQ(gate.held(), 0u);
  EXPECT_FALSE(gate.holds());
  gate.written(30);
  EXPECT_EQ(gate.writable(), 0u);
}

TEST(CommitGate, AHeldAcknowledgementIsNotWritableBeforeItsCommit) {
  CommitGate gate;
  gate.queued(4, true, 1);  // a PUBACK that waits for batch 1
  EXPECT_EQ(gate.writable(), 0u);
  EXPECT_EQ(gate.held(), 4u);
  EXPECT_TRUE(gate.holds());
  EXPECT_FALSE(gate.release_through(0));
  EXPECT_EQ(gate.writable(), 0u);
  EXPECT_TRUE(gate.release_through(1));
  EXPECT_EQ(gate.writable(), 4u);
  EXPECT_FALSE(gate.holds());
}

TEST(CommitGate, NothingOvertakesHeldBytes) {
  CommitGate gate;
  gate.queued(10, false, 1);  // delivery: writable
  gate.queued(4, true, 1);    // PUBACK: held
  gate.queued(30, false, 1);  // delivery after it: held too
  EXPECT_EQ(gate.writable(), 10u);
  EXPECT_EQ(gate.held(), 34u);
  gate.written(10);
  EXPECT_EQ(gate.writable(), 0u);
  EXPECT_TRUE(gate.release_through(1));
  EXPECT_EQ(gate.writable(), 34u);
}

TEST(CommitGate, BytesWaitForTheirOwnBatchOnly) {
  CommitGate gate;
  gate.queued(4, true, 1);    // waits for batch 1 (being committed)
  gate.queued(30, false, 2);  // behind it
  gate.queued(4, true, 2);    // waits for batch 2 (being staged)
  gate.queued(30, false, 2);
  EXPECT_EQ(gate.writable(), 0u);
  EXPECT_TRUE(gate.release_through(1));
  EXPECT_EQ(gate.writable(), 34u);  // up to the byte before batch 2's PUBACK
  EXPECT_TRUE(gate.holds());
  gate.written(34);
  EXPECT_TRUE(gate.release_through(2));
  EXPECT_EQ(gate.writable(), 34u);
  EXPECT_FALSE(gate.holds());
}

TEST(CommitGate, ACommitBeyondSeveralBatchesReleasesThemAll) {
  CommitGate gate;
  gate.queued(4, true, 1);
  gate.queued(4, true, 2);
  gate.queued(4, true, 3);
  EXPECT_TRUE(gate.release_through(2));
  EXPECT_EQ(gate.writable(), 8u);
  EXPECT_TRUE(gate.release_through(5));
  EXPECT_EQ(gate.writable(), 12u);
}

TEST(CommitGate, DiscardForgetsHeldBytes) {
  CommitGate gate;
  gate.queued(10, false, 1);
  gate.queued(4, true, 1);
  gate.discard();
  EXPECT_EQ(gate.writable(), 0u);
  EXPECT_EQ(gate.held(), 0u);
  EXPECT_FALSE(gate.holds());
  gate.queued(5, false, 1);
  EXPECT_EQ(gate.writable(), 5u);
}

}  // namespace trustmq::shell::commit_gate_test

#include "runtime/guest_memory_range.h"

#include <gtest/gtest.h>

#include <vector>

namespace trustmq::runtime {
namespace {

class GuestMemoryRangeTest : public ::testing::Test {
 protected:
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(65536);
  GuestMemory memory{bytes.data(), bytes.size()};
};

TEST_F(GuestMemoryRangeTest, AcceptsRangesInside) {
  auto whole = guest_range(memory, 0, 65536);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->data(), bytes.data());
  EXPECT_EQ(whole->size(), 65536u);
  auto tail = guest_range(memory, 65535, 1);
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->data(), bytes.data() + 65535);
}

TEST_F(GuestMemoryRangeTest, AcceptsEmptyRangeUpToTheEnd) {
  EXPECT_TRUE(guest_range(memory, 65536, 0));
  EXPECT_FALSE(guest_range(memory, 65537, 0));
}

TEST_F(GuestMemoryRangeTest, RejectsRangesCrossingTheEnd) {
  EXPECT_FALSE(guest_range(memory, 65535, 2));
  EXPECT_FALSE(guest_range(memory, 0, 65537));
  EXPECT_FALSE(guest_range(memory, 65536, 1));
  EXPECT_FALSE(guest_range(memory, 70000, 10));
}

TEST_F(GuestMemoryRangeTest, RejectsPairsThatWrapAroundIn32Bits) {
  // In 32-bit arithmetic these sums wrap to small numbers that would pass a naive check.
  EXPECT_FALSE(guest_range(memory, 0xffffff00u, 0x200u));
  EXPECT_FALSE(guest_range(memory, 0xffffffffu, 1u));
  EXPECT_FALSE(guest_range(memory, 1u, 0xffffffffu));
  EXPECT_FALSE(guest_range(memory, 0xffffffffu, 0xffffffffu));
}

TEST_F(GuestMemoryRangeTest, RejectsEverythingButEmptyAtZeroWithoutMemory) {
  EXPECT_FALSE(guest_range(GuestMemory{}, 0, 1));
  EXPECT_FALSE(guest_range(GuestMemory{}, 0, 0));
}

}  // namespace
}  // namespace trustmq::runtime

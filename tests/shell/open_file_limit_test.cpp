#include "shell/open_file_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace trustmq::shell {
namespace {

// Lowers this process's soft limit for the test and puts the original back afterwards.
class OpenFileLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &original_), 0); }
  void TearDown() override { ::setrlimit(RLIMIT_NOFILE, &original_); }
  rlimit original_{};
};

TEST_F(OpenFileLimitTest, RaisesTheSoftLimitToTheHardOne) {
  ASSERT_GT(original_.rlim_max, 256u) << "the hard limit leaves nothing to raise";
  rlimit lowered = original_;
  lowered.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);

  const auto raised = raise_open_file_limit();
  ASSERT_TRUE(raised) << raised.error();
  EXPECT_EQ(raised->before, 256u);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(raised->now, now.rlim_cur);
  EXPECT_GT(now.rlim_cur, 256u);
  if (original_.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(now.rlim_cur, original_.rlim_max);
  }
}

TEST_F(OpenFileLimitTest, OnceRaisedASecondCallChangesNothing) {
  ASSERT_TRUE(raise_open_file_limit());
  const auto again = raise_open_file_limit();
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->before, again->now);
}

}  // namespace
}  // namespace trustmq::shell

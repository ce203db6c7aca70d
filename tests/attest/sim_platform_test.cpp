// The sim platform's keys and folder must stay private (issue 7 B): created 0600/0700, also
// inside a folder that existed with a looser mode, and refused on load otherwise.
#include "attest/sim_platform.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_directory.h"

namespace trustmq::attest {
namespace {

using test_support::TempDirectory;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class SimPlatformTest : public ::testing::Test {
 protected:
  std::string sim() const { return dir_.file("sim"); }
  std::string file(const char* name) const { return sim() + "/" + name; }
  TempDirectory dir_;
};

TEST_F(SimPlatformTest, CreatesPrivateFolderAndKeysAndLoadsThemAgain) {
  auto created = SimPlatform::open_or_create(sim());
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(sim()), 0700u);
  EXPECT_EQ(mode_of(file(SimPlatform::kRootKeyFile)), 0600u);
  EXPECT_EQ(mode_of(file(SimPlatform::kPlatformKeyFile)), 0600u);
  auto loaded = SimPlatform::open_or_create(sim());
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(X509_cmp(created->platform_cert(), loaded->platform_cert()), 0);
}

TEST_F(SimPlatformTest, ExistingLooseEmptyFolderIsMadePrivateWhenKeysAreCreated) {
  ASSERT_EQ(::mkdir(sim().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(sim().c_str(), 0755), 0);
  auto created = SimPlatform::open_or_create(sim());
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(sim()), 0700u);
}

TEST_F(SimPlatformTest, GroupOrWorldReadableKeysAreRefused) {
  ASSERT_TRUE(SimPlatform::open_or_create(sim()).ok());
  for (const char* name : {SimPlatform::kPlatformKeyFile, SimPlatform::kRootKeyFile}) {
    const std::string key = file(name);
    ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
    auto refused = SimPlatform::open_or_create(sim());
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_NE(refused.error().find(key +
                                   " is readable by group/others (mode 0644); run: chmod "
                                   "600 " +
                                   key),
              std::string::npos)
        << refused.error();
    ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  }
  EXPECT_TRUE(SimPlatform::open_or_create(sim()).ok());
}

TEST_F(SimPlatformTest, LooseFolderWithKeysIsRefused) {
  ASSERT_TRUE(SimPlatform::open_or_create(sim()).ok());
  ASSERT_EQ(::chmod(sim().c_str(), 0755), 0);
  auto refused = SimPlatform::open_or_create(sim());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "sim platform directory " + sim() +
                                 " is readable by group/others (mode 0755); run: chmod 700 " +
                                 sim());
  EXPECT_EQ(mode_of(sim()), 0755u);  // refused, not silently changed
}

}  // namespace
}  // namespace trustmq::attest

// The reloadable client_attestation_policy (src/shell/client_attestation_policy.h): a reload
// that fails keeps the running policy; one that succeeds replaces it, while a verifier taken
// before stays valid for the verification that holds it.
#include "shell/client_attestation_policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "attest/sim_platform.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

// A sim policy trusting the root of a sim platform made in `dir`.
void write_sim_policy(test_support::TempDirectory& dir, const std::string& path,
                      const std::string& module_measurement) {
  auto platform = attest::SimPlatform::open_or_create(dir.file("sim"));
  ASSERT_TRUE(platform.ok()) << platform.error();
  std::ofstream(path) << "{\"version\": 1, \"allowed_types\": [\"sim\"], \"allow_sim\": true, "
                         "\"trust_anchors\": [\""
                      << platform->root_cert_path() << "\"], \"module_measurements\": [\""
                      << module_measurement << "\"], \"runtime_measurements\": \"any\"}\n";
}

TEST(ClientAttestationPolicyTest, ReloadReplacesThePolicyOrKeepsTheRunningOne) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("policy.json");
  write_sim_policy(dir, path, std::string(64, 'a'));
  auto loaded = ClientAttestationPolicy::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  ClientAttestationPolicy& policy = **loaded;
  const auto first = policy.current();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->offered_types(), (std::vector<std::uint16_t>{0xFE01}));

  std::ofstream(path) << "{ not json";
  auto bad = policy.reload();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("client_attestation_policy " + path + ": "), std::string::npos)
      << bad.error();
  EXPECT_EQ(policy.current(), first);  // kept

  write_sim_policy(dir, path, std::string(64, 'b'));
  ASSERT_TRUE(policy.reload().ok());
  const auto second = policy.current();
  EXPECT_NE(second, first);
  EXPECT_FALSE(second->policy().module_measurements.accepts([] {
    attest::Sha256Digest d;
    d.fill(0xaa);
    return d;
  }()));
  EXPECT_FALSE(first->policy().module_measurements.allowed.empty());  // still usable
}

TEST(ClientAttestationPolicyTest, APolicyWithNothingVerifiableIsRefused) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("policy.json");
  EXPECT_FALSE(ClientAttestationPolicy::load(dir.file("missing.json")).ok());
  write_sim_policy(dir, path, std::string(64, 'a'));
  auto loaded = ClientAttestationPolicy::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  // sim listed but not allowed: refused (by the policy parser or as nothing verifiable).
  std::ofstream(path) << "{\"version\": 1, \"allowed_types\": [\"sim\"], \"allow_sim\": false}\n";
  auto reloaded = (*loaded)->reload();
  EXPECT_FALSE(reloaded.ok());
  EXPECT_NE((*loaded)->current(), nullptr);
}

}  // namespace
}  // namespace trustmq::shell

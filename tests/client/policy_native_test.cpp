// `trustmq policy init --native` pins the native core's source hash, which a native broker only
// claims about itself (issue 7 D): the flag needs --accept-unmeasured-native, and `trustmq
// attest` says so when a broker's evidence carries that hash. Against trustmq-broker with
// `engine native` and `attestation sim`.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "broker_process.h"
#include "cli_process.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;

class PolicyNativeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_port_ = testing::free_port();
    broker_ = BrokerProcess::start(BrokerKind::kTrustmq, dir_,
                                   "allow_anonymous true\nengine native\nstate_dir " +
                                       dir_.file("state") + "\nlistener " +
                                       std::to_string(tls_port_) + " 127.0.0.1\nattestation sim\n");
    ASSERT_NE(broker_, nullptr);
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!testing::accepts_connections(tls_port_)) {
      ASSERT_LT(std::chrono::steady_clock::now(), end) << broker_->log();
      std::this_thread::sleep_for(20ms);
    }
  }
  std::vector<std::string> init_args(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "init",        "--anchor", dir_.file("state/sim/sim-root-ca.pem"),
        "--allow-sim", "-o",       dir_.file("policy.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
  std::uint16_t tls_port_ = 0;
};

TEST_F(PolicyNativeTest, NativeWithoutAcknowledgementIsRefusedWithAnExplanation) {
  auto refused = testing::run_cli("policy", init_args({"--native"}), dir_.path());
  ASSERT_EQ(refused.wait(10s), 2) << refused.err();
  EXPECT_NE(refused.err().find("--native needs --accept-unmeasured-native"), std::string::npos)
      << refused.err();
  EXPECT_NE(refused.err().find("only claims that hash about itself: no module is measured"),
            std::string::npos)
      << refused.err();
  EXPECT_FALSE(std::filesystem::exists(dir_.file("policy.json")));

  auto stray = testing::run_cli(
      "policy",
      init_args({"--module-measurement", std::string(64, 'a'), "--accept-unmeasured-native"}),
      dir_.path());
  ASSERT_EQ(stray.wait(10s), 2) << stray.err();
  EXPECT_NE(stray.err().find("only meaningful with --native"), std::string::npos) << stray.err();
}

TEST_F(PolicyNativeTest, AcknowledgedNativePolicyVerifiesAndAttestSaysTheHashIsOnlyClaimed) {
  auto init = testing::run_cli("policy", init_args({"--native", "--accept-unmeasured-native"}),
                               dir_.path());
  ASSERT_EQ(init.wait(10s), 0) << init.err();
  EXPECT_NE(init.err().find("the broker only claims it, no module is measured"), std::string::npos)
      << init.err();
  // The pinned hash is the one the native broker puts into its evidence.
  std::smatch m;
  const std::string log = broker_->log();
  ASSERT_TRUE(
      std::regex_search(log, m, std::regex("module measurement \\(sha-256\\) ([0-9a-f]{64})")))
      << log;
  EXPECT_NE(test_support::read_file(dir_.file("policy.json")).find(m[1].str()), std::string::npos);

  auto attest = testing::run_cli(
      "attest",
      {"-h", "127.0.0.1", "-p", std::to_string(tls_port_), "--policy", dir_.file("policy.json")},
      dir_.path());
  ASSERT_EQ(attest.wait(10s), 0) << attest.out() << attest.err();
  EXPECT_NE(attest.out().find("Verdict: TRUSTED"), std::string::npos) << attest.out();
  EXPECT_NE(attest.out().find("NOTE: this is the native core's source hash (engine native): the "
                              "broker only CLAIMS"),
            std::string::npos)
      << attest.out();
}

}  // namespace
}  // namespace trustmq::client

// trustmq-broker with `attestation tpm2-quote` on a private swtpm (support/swtpm.h), enrolled by
// `trustmq tpm enroll`, against `trustmq sub/pub/attest --attest POLICY`: the whole attested-TLS
// path with TPM evidence. swtpm is a SOFTWARE TPM (tests only).
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>

#include "broker_process.h"
#include "cli_process.h"
#include "client_options.h"
#include "support/swtpm.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::Swtpm;
using test_support::SwtpmTemplate;
using test_support::TempDirectory;
using testing::BrokerKind;
using testing::BrokerProcess;

class BrokerTpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const SwtpmTemplate& t = SwtpmTemplate::get();
    auto enroll = testing::run_cli("tpm",
                                   {"enroll", "--tcti", tpm_.tcti(), "--ek-ca", t.ek_root_ca,
                                    "--ek-ca", t.ek_issuer_ca, "--ca-dir", dir_.file("enrolment")},
                                   dir_.path());
    ASSERT_EQ(enroll.wait(20s), 0) << enroll.out() << enroll.err();
    enroll_output_ = enroll.out();
    port_ = testing::free_port();
    broker_ = BrokerProcess::start(
        BrokerKind::kTrustmq, dir_,
        "allow_anonymous true\nstate_dir " + dir_.file("state") + "\ntpm_tcti " + tpm_.tcti() +
            "\ntpm_ak_certificate " + dir_.file("enrolment/tpm-ak.pem") + "\nlistener " +
            std::to_string(port_) + " 127.0.0.1\nattestation tpm2-quote\n");
    ASSERT_NE(broker_, nullptr);
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!testing::accepts_connections(port_) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(testing::accepts_connections(port_)) << broker_->log();
    std::smatch m;
    const std::string log = broker_->log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("module measurement ([0-9a-f]{64})"))) << log;
    module_hex_ = m[1];
  }

  std::string policy(const std::string& module_hex) {
    return dir_.write("policy-" + module_hex.substr(0, 8) + ".json",
                      R"({"version": 1, "allowed_types": ["tpm2-quote"],
                          "module_measurements": [")" +
                          module_hex + R"("], "runtime_measurements": "any",
                          "tpm2-quote": {"trust_anchors": [")" +
                          dir_.file("enrolment/tpm-enrolment-ca.pem") + R"("]}})");
  }

  TempDirectory dir_;
  Swtpm tpm_;
  std::string enroll_output_;
  std::unique_ptr<BrokerProcess> broker_;
  std::uint16_t port_ = 0;
  std::string module_hex_;
};

TEST_F(BrokerTpmTest, EnrolmentSaysWhatItProvesAndThatSwtpmIsSoftware) {
  EXPECT_NE(enroll_output_.find("credential activation: ok"), std::string::npos);
  EXPECT_NE(enroll_output_.find("NOT memory isolation"), std::string::npos);
  EXPECT_NE(enroll_output_.find("SOFTWARE TPM (swtpm)"), std::string::npos) << enroll_output_;
  EXPECT_NE(broker_->log().find("SOFTWARE TPM"), std::string::npos) << broker_->log();
}

TEST_F(BrokerTpmTest, CliAttestedSubAndPubWithTpmQuotes) {
  const std::string port = std::to_string(port_);
  auto sub = testing::run_cli("sub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_), "-t",
                               "news", "-C", "1", "-d"},
                              dir_.path());
  ASSERT_TRUE(sub.wait_for_output("received SUBACK", 5s)) << sub.err();
  auto pub = testing::run_cli("pub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_), "-t",
                               "news", "-m", "quoted by a TPM", "-q", "1"},
                              dir_.path());
  EXPECT_EQ(pub.wait(10s), 0) << pub.err();
  ASSERT_EQ(sub.wait(5s), 0) << sub.err();
  EXPECT_EQ(sub.out(), "quoted by a TPM\n");
}

// Post-handshake attestation (docs/attestation.md §8) with TPM quotes: evidence at connect and
// on the --reattest timer, each a fresh quote bound to the TLS exporter.
TEST_F(BrokerTpmTest, CliReattestsWithFreshTpmQuotes) {
  const std::string port = std::to_string(port_);
  auto sub = testing::run_cli("sub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_),
                               "--reattest", "1", "-t", "news", "-C", "1", "-d"},
                              dir_.path());
  ASSERT_TRUE(sub.wait_for_output("Re-attestation: evidence verified: tpm2-quote", 10s))
      << sub.err() << broker_->log();
  auto pub = testing::run_cli("pub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(module_hex_), "-t",
                               "news", "-m", "still quoted", "-q", "1"},
                              dir_.path());
  EXPECT_EQ(pub.wait(10s), 0) << pub.err();
  ASSERT_EQ(sub.wait(5s), 0) << sub.err();
  EXPECT_EQ(sub.out(), "still quoted\n");
  EXPECT_NE(sub.err().find("Post-handshake attestation at connect: evidence verified: tpm2-quote"),
            std::string::npos)
      << sub.err();
}

TEST_F(BrokerTpmTest, AttestPrintsTheQuoteClaimsAndTheHonestyNote) {
  auto attest = testing::run_cli(
      "attest", {"-h", "127.0.0.1", "-p", std::to_string(port_), "--attest", policy(module_hex_)},
      dir_.path());
  ASSERT_EQ(attest.wait(10s), 0) << attest.out() << attest.err();
  const std::string out = attest.out();
  EXPECT_NE(out.find("tpm2-quote (0x0001)"), std::string::npos) << out;
  EXPECT_NE(out.find("PCR 23 (sha256):"), std::string::npos) << out;
  EXPECT_NE(out.find("TPM resets/restarts:"), std::string::npos) << out;
  EXPECT_NE(out.find("NOT memory isolation"), std::string::npos) << out;
}

TEST_F(BrokerTpmTest, OtherModuleOrForeignEnrolmentCa_Refused) {
  const std::string port = std::to_string(port_);
  auto other_module =
      testing::run_cli("pub",
                       {"-h", "127.0.0.1", "-p", port, "--attest", policy(std::string(64, '0')),
                        "-t", "news", "-m", "never sent"},
                       dir_.path());
  EXPECT_EQ(other_module.wait(10s), cli::kExitAttestationFailed) << other_module.err();
  EXPECT_NE(other_module.err().find(module_hex_.substr(0, 8)), std::string::npos)
      << other_module.err();

  // A policy trusting another CA (the sim root the broker never used for TPM): untrusted AK.
  const std::string foreign =
      dir_.write("foreign.json", R"({"version": 1, "allowed_types": ["tpm2-quote"],
          "module_measurements": "any", "runtime_measurements": "any",
          "tpm2-quote": {"trust_anchors": [")" +
                                     SwtpmTemplate::get().ek_root_ca + R"("]}})");
  auto untrusted = testing::run_cli(
      "pub", {"-h", "127.0.0.1", "-p", port, "--attest", foreign, "-t", "news", "-m", "never"},
      dir_.path());
  EXPECT_EQ(untrusted.wait(10s), cli::kExitAttestationFailed) << untrusted.err();
}

// persistence_sealing auto with a tpm2-quote listener: the store's platform secret is sealed
// by the same TPM the attester quotes with; both use it and the quotes still verify.
TEST_F(BrokerTpmTest, PersistenceWithTpm2QuoteListener_UsesTheTpmSealedSecret) {
  const std::uint16_t port = testing::free_port();
  auto broker = BrokerProcess::start(
      BrokerKind::kTrustmq, dir_,
      "allow_anonymous true\nstate_dir " + dir_.file("state2") + "\npersistence true\n" +
          "persistence_location " + dir_.file("store") + "\ntpm_tcti " + tpm_.tcti() +
          "\ntpm_ak_certificate " + dir_.file("enrolment/tpm-ak.pem") + "\nlistener " +
          std::to_string(port) + " 127.0.0.1\nattestation tpm2-quote\n");
  ASSERT_NE(broker, nullptr);
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (!testing::accepts_connections(port) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(testing::accepts_connections(port)) << broker->log();
  EXPECT_NE(broker->log().find("sealed with a TPM-sealed secret (swtpm: a software TPM"),
            std::string::npos)
      << broker->log();
  auto attest = testing::run_cli(
      "attest", {"-h", "127.0.0.1", "-p", std::to_string(port), "--attest", policy(module_hex_)},
      dir_.path());
  EXPECT_EQ(attest.wait(10s), 0) << attest.out() << attest.err();
}

TEST(BrokerTpmStartTest, UnreachableTpm_StartupErrorNamesTheTcti) {
  TempDirectory dir;
  const std::string tcti = "swtpm:path=" + dir.file("no-such-tpm.sock");
  dir.write("ak.pem", "");
  const std::string conf =
      dir.write("broker.conf",
                "allow_anonymous true\nstate_dir " + dir.file("state") + "\ntpm_tcti " + tcti +
                    "\ntpm_ak_certificate " + dir.file("ak.pem") + "\nlistener " +
                    std::to_string(testing::free_port()) + " 127.0.0.1\nattestation tpm2-quote\n");
  auto broker =
      testing::ChildProcess::exec({testing::trustmq_broker_path(), "-c", conf}, dir.path());
  const auto status = broker.wait(10s);
  ASSERT_TRUE(status.has_value()) << "the broker started without its TPM";
  EXPECT_NE(*status, 0);
  EXPECT_NE(broker.err().find("TCTI '" + tcti + "'"), std::string::npos) << broker.err();
}

}  // namespace
}  // namespace trustmq::client

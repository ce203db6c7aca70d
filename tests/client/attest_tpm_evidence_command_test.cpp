// `trustmq attest --evidence FILE --type tpm2-quote --policy POLICY` (apps/trustmq/
// attest_evidence_command.cpp) on a quote this test makes with a private swtpm (support/swtpm.h,
// enrolled as in tests/attest): genuine evidence exits 0 with its claims, tampered evidence
// exits 1 naming the failed step. swtpm is a SOFTWARE TPM (tests only).
#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "attest/tpm_attester.h"
#include "attest/tpm_enrolled_swtpm.h"
#include "attest/tpm_evidence.h"
#include "attest_cli_run.h"
#include "command.h"

namespace trustmq::cli {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A claims line as the command prints it ("  %-22s %s").
std::string claim_line(const std::string& name, const std::string& value) {
  char out[256];
  std::snprintf(out, sizeof out, "  %-22s %s\n", name.c_str(), value.c_str());
  return out;
}

class AttestTpmEvidenceCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto attester = attest::TpmAttester::start(tpm_.attester_config());
    ASSERT_TRUE(attester) << attester.error();
    attest::ReportData report_data{};
    report_data.fill(0x11);
    auto quote = (*attester)->attest(report_data);
    ASSERT_TRUE(quote) << quote.error();
    evidence_ = *quote;
    ASSERT_TRUE(attest::write_certificate_pem(dir().file("enrolment-ca.pem"), tpm_.ca_cert.get()));
  }

  const test_support::TempDirectory& dir() const { return tpm_.tpm.dir(); }

  std::string write_evidence(const std::string& name, const attest::Bytes& bytes) const {
    const std::string path = dir().file(name);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // A policy trusting `anchor` as the enrolment CA, accepting `module_hex` (64 hex digits).
  std::string policy(const std::string& module_hex,
                     const std::string& anchor = "enrolment-ca.pem") const {
    const std::string path = dir().file("policy-" + module_hex.substr(0, 8) + ".json");
    std::ofstream(path) << R"({"version": 1, "allowed_types": ["tpm2-quote"],
        "module_measurements": [")"
                        << module_hex << R"("], "runtime_measurements": "any",
        "tpm2-quote": {"trust_anchors": [")"
                        << anchor << R"("]}})";
    return path;
  }

  CliRun verify(const attest::Bytes& evidence, const std::string& policy_path) const {
    return run_attest_cli({"--evidence", write_evidence("quote.bin", evidence), "--type",
                           "tpm2-quote", "--policy", policy_path});
  }

  template <typename F>
  attest::Bytes altered(F change) const {
    auto decoded = attest::decode_tpm_evidence(evidence_);
    EXPECT_TRUE(decoded);
    change(*decoded);
    return attest::encode_tpm_evidence(*decoded);
  }

  static constexpr const char* kModuleHex =
      "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
  static constexpr const char* kRuntimeHex =  // attester_config(): runtime measurement 0x52…
      "5252525252525252525252525252525252525252525252525252525252525252";

  attest::testing::EnrolledSwtpm tpm_;
  attest::Bytes evidence_;
};

TEST_F(AttestTpmEvidenceCommandTest, GenuineQuote_ExitsZeroWithItsClaims) {
  const CliRun r = verify(evidence_, policy(kModuleHex));
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* step : {"layout", "AK certificate", "quote signature", "AK chain to an anchor",
                           "TPMS_ATTEST", "qualifying data", "PCR digest", "event log"}) {
    EXPECT_TRUE(contains(r.out, std::string("[ ok ] ") + step)) << step << "\n" << r.out;
  }
  EXPECT_FALSE(contains(r.out, "[FAIL]")) << r.out;
  EXPECT_TRUE(contains(r.out, claim_line("type:", "tpm2-quote"))) << r.out;
  EXPECT_TRUE(contains(r.out, claim_line("module measurement:", kModuleHex))) << r.out;
  EXPECT_TRUE(contains(r.out, claim_line("runtime measurement:", kRuntimeHex))) << r.out;
  EXPECT_TRUE(contains(r.out, claim_line("report data:", std::string(128, '1')))) << r.out;
  EXPECT_TRUE(contains(r.out, "PCR 23 (sha256):")) << r.out;
  // T14: the clock and reset counters of the quote are printed.
  auto decoded = attest::decode_tpm_evidence(evidence_);
  ASSERT_TRUE(decoded);
  TPMS_ATTEST attest{};
  std::size_t offset = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(decoded->attest.data(), decoded->attest.size(), &offset,
                                          &attest),
            TSS2_RC_SUCCESS);
  EXPECT_TRUE(contains(r.out, claim_line("TPM resets/restarts:",
                                         std::to_string(attest.clockInfo.resetCount) + " / " +
                                             std::to_string(attest.clockInfo.restartCount))))
      << r.out;
  EXPECT_TRUE(contains(r.out, claim_line("TPM clock:", std::to_string(attest.clockInfo.clock) +
                                                           " ms since the TPM was cleared")))
      << r.out;
  EXPECT_TRUE(contains(r.out, "SOFTWARE TPM (swtpm)")) << r.out;  // the AK certificate's name
  EXPECT_TRUE(contains(r.out, "NOT memory isolation")) << r.out;
  EXPECT_TRUE(contains(r.out, "Verdict: TRUSTED")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, TamperedSignature_ExitsOneNamingTheStep) {
  const CliRun r =
      verify(altered([](attest::TpmEvidence& e) { e.signature[e.signature.size() - 1] ^= 1; }),
             policy(kModuleHex));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "[FAIL] quote signature")) << r.out;
  EXPECT_TRUE(contains(r.out, "Verdict: NOT VERIFIED (signature-invalid)")) << r.out;
  EXPECT_FALSE(contains(r.out, "Claims:")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, TamperedPcrValue_ExitsOneAtThePcrDigest) {
  const CliRun r =
      verify(altered([](attest::TpmEvidence& e) { e.pcrs[0].value[0] ^= 1; }), policy(kModuleHex));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "[ ok ] quote signature")) << r.out;
  EXPECT_TRUE(contains(r.out, "[FAIL] PCR digest")) << r.out;
  EXPECT_TRUE(contains(r.out, "Verdict: NOT VERIFIED (platform-mismatch)")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, EditedEventLog_ExitsOneAtTheReplay) {
  const CliRun r =
      verify(altered([](attest::TpmEvidence& e) { e.events.back().measurement[0] ^= 1; }),
             policy(kModuleHex));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "[FAIL] event log")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, ReplacedReportData_ExitsOneAtTheQualifyingData) {
  const CliRun r =
      verify(altered([](attest::TpmEvidence& e) { e.report_data.fill(0x22); }), policy(kModuleHex));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "[FAIL] qualifying data")) << r.out;
  EXPECT_TRUE(contains(r.out, "Verdict: NOT VERIFIED (signature-invalid)")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, AnotherEnrolmentCa_ExitsOneAtTheAkChain) {
  attest::EvpPkeyPtr other_key;
  auto other = attest::testing::make_ca(other_key, "another enrolment CA");
  ASSERT_TRUE(attest::write_certificate_pem(dir().file("other-ca.pem"), other.get()));
  const CliRun r = verify(evidence_, policy(kModuleHex, "other-ca.pem"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "[FAIL] AK chain to an anchor")) << r.out;
  EXPECT_TRUE(contains(r.out, "Verdict: NOT VERIFIED (untrusted-platform)")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, ModuleNotInThePolicy_ExitsOneNotTrusted) {
  const CliRun r = verify(evidence_, policy(std::string(64, 'a')));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "Claims:")) << r.out;  // verified, then refused by the policy
  EXPECT_TRUE(contains(r.out, "Verdict: NOT TRUSTED")) << r.out;
  EXPECT_TRUE(contains(r.out, "reason: ")) << r.out;
}

TEST_F(AttestTpmEvidenceCommandTest, WithoutAPolicy_IsAUsageError) {
  const CliRun r = run_attest_cli(
      {"--evidence", write_evidence("quote.bin", evidence_), "--type", "tpm2-quote"});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "needs --policy")) << r.out;
}

}  // namespace
}  // namespace trustmq::cli

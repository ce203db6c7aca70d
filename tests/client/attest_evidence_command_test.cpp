// `trustmq attest --evidence …` (apps/trustmq/attest_evidence_command.cpp): offline
// verification of the repository's hardware samples; exit codes and printed checks.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "attest/synthetic_sgx_quote.h"
#include "attest_cli_run.h"
#include "command.h"
#include "support/temp_directory.h"

namespace trustmq::cli {
namespace {

std::string vec(const std::string& relative) {
  return std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/" + relative;
}

TEST(AttestEvidenceCommandTest, SevSnpSampleVerifiesAsOfItsValidity) {
  CliRun r = run_attest_cli({"--evidence", vec("sev-snp/attestation.bin"), "--type", "sev-snp",
                             "--collateral", vec("sev-snp/vcek.testcer"), "--at", "2025-01-01"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("[ ok ] report signature"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("measurement:           b07af962"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Verdict: VERIFIED"), std::string::npos) << r.out;
}

TEST(AttestEvidenceCommandTest, TamperedOrUnendorsedEvidenceExitsOne) {
  CliRun r = run_attest_cli(
      {"--evidence", vec("sev-snp/attestation.bin"), "--type", "sev-snp", "--at", "2025-01-01"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("NOT VERIFIED (collateral-missing)"), std::string::npos) << r.out;
  CliRun expired =
      run_attest_cli({"--evidence", vec("sev-snp/attestation.bin"), "--type", "sev-snp",
                      "--collateral", vec("sev-snp/vcek.testcer"), "--at", "2030-01-01"});
  EXPECT_EQ(expired.status, 1);
  EXPECT_NE(expired.out.find("certificate-expired"), std::string::npos) << expired.out;
}

TEST(AttestEvidenceCommandTest, TdxAndSgxSamplesWithTheirCollateralFolders) {
  CliRun tdx = run_attest_cli({"--evidence", vec("tdx/tdx_prod_quote_SPR_E4.dat"), "--type", "tdx",
                               "--collateral", vec("tdx"), "--at", "2023-07-01T00:00:00Z"});
  EXPECT_EQ(tdx.status, 0) << tdx.out;
  EXPECT_NE(tdx.out.find("QE status UpToDate"), std::string::npos) << tdx.out;
  EXPECT_NE(tdx.out.find("skipped (not collateral)"), std::string::npos) << tdx.out;  // LICENSE
  CliRun sgx = run_attest_cli({"--evidence", vec("sgx-dcap/hw_quote.dat"), "--type", "sgx-dcap",
                               "--collateral", vec("sgx-dcap"), "--at", "1682899200"});
  EXPECT_EQ(sgx.status, 0) << sgx.out;
  EXPECT_NE(sgx.out.find("[skip] TCB info: NOT CHECKED"), std::string::npos) << sgx.out;
  CliRun wrong = run_attest_cli(
      {"--evidence", vec("sgx-dcap/hw_quote.dat"), "--type", "tdx", "--at", "1682899200"});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.out.find("SGX quote, not tdx"), std::string::npos) << wrong.out;
}

TEST(AttestEvidenceCommandTest, SgxSampleWithGenuineTcbInfoAndQeIdentity) {
  CliRun r = run_attest_cli({"--evidence", vec("sgx-dcap/hw_quote.dat"), "--type", "sgx-dcap",
                             "--collateral", vec("sgx-dcap/pcs-2023-07-12"), "--collateral",
                             vec("sgx-dcap/root_crl.der"), "--collateral",
                             vec("tdx/tcb-signing-chain.pem"), "--at", "2023-07-15"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("platform status OutOfDate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("advisories: INTEL-SA-00614, INTEL-SA-00617"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OutOfDate; advisories: INTEL-SA-00615\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[skip] PCK certificate not revoked"), std::string::npos) << r.out;
}

// Finding 2: without a policy, collateral past its nextUpdate is not a clean pass. The QE
// identity and TCB info of 2023-07-12 expire on 2023-08-11: a day later the verification
// fails at that step (exit 1), as an expired CRL does, and names the date.
TEST(AttestEvidenceCommandTest, ExpiredTcbInfoOrQeIdentityWithoutAPolicyExitsOne) {
  const std::vector<std::string> base = {"--evidence",   vec("sgx-dcap/hw_quote.dat"),
                                         "--type",       "sgx-dcap",
                                         "--collateral", vec("sgx-dcap/pcs-2023-07-12"),
                                         "--collateral", vec("sgx-dcap/root_crl.der"),
                                         "--collateral", vec("tdx/tcb-signing-chain.pem"),
                                         "--at"};
  auto at = [&](const std::string& when) {
    std::vector<std::string> a = base;
    a.push_back(when);
    return run_attest_cli(a);
  };
  CliRun inside = at("2023-08-11T00:00:00Z");
  EXPECT_EQ(inside.status, 0) << inside.out;
  CliRun expired = at("2023-08-12");
  EXPECT_EQ(expired.status, 1) << expired.out;
  EXPECT_EQ(expired.out.find("Verdict: VERIFIED"), std::string::npos) << expired.out;
  EXPECT_NE(expired.out.find("NOT VERIFIED (collateral-invalid)"), std::string::npos)
      << expired.out;
  EXPECT_NE(expired.out.find("[FAIL] QE identity"), std::string::npos) << expired.out;
  EXPECT_NE(expired.out.find("has expired (nextUpdate 2023-08-11"), std::string::npos)
      << expired.out;
  // Only the TCB info (the QE identity left out): the same at the TCB info step.
  CliRun tcb_only = run_attest_cli(
      {"--evidence", vec("sgx-dcap/hw_quote.dat"), "--type", "sgx-dcap", "--collateral",
       vec("sgx-dcap/pcs-2023-07-12/fmspc_00906ED50000_2023_07_12.json"), "--collateral",
       vec("tdx/tcb-signing-chain.pem"), "--at", "2023-08-12"});
  EXPECT_EQ(tcb_only.status, 1) << tcb_only.out;
  EXPECT_NE(tcb_only.out.find("[FAIL] TCB info"), std::string::npos) << tcb_only.out;
}

TEST(AttestEvidenceCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_attest_cli({"--evidence", "x"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "sim"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "tdx", "--at", "yesterday"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "tdx", "-h", "host"}).status, 2);
}

// C3: --policy with hardware types. Both genuine samples allow debug (the SNP guest policy, the
// SGX enclave's DEBUG attribute): accepted with allow_debug, refused by default naming debug.
class AttestEvidencePolicyTest : public ::testing::Test {
 protected:
  std::string write_policy(const std::string& name, const std::string& json) const {
    return dir_.write(name, json);
  }
  test_support::TempDirectory dir_;
};

TEST_F(AttestEvidencePolicyTest, SevSnpSample_TrustedWithDebugAllowed_RefusedByDefault) {
  const std::string section =
      R"("allowed_types": ["sev-snp"], "sev-snp": {"measurements": ["b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"]})";
  const std::vector<std::string> args = {
      "--evidence",   vec("sev-snp/attestation.bin"), "--type", "sev-snp",
      "--collateral", vec("sev-snp/vcek.testcer"),    "--at",   "2025-01-01",
      "--policy"};
  auto with = [&](const std::string& policy) {
    std::vector<std::string> a = args;
    a.push_back(policy);
    return run_attest_cli(a);
  };
  CliRun ok =
      with(write_policy("debug.json", R"({"version": 1, "allow_debug": true, )" + section + "}"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("Verdict: TRUSTED"), std::string::npos) << ok.out;
  CliRun refused = with(write_policy("default.json", R"({"version": 1, )" + section + "}"));
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("Verdict: NOT TRUSTED"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("reason: platform runs in debug mode"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("allow_debug false"), std::string::npos) << refused.out;
}

TEST_F(AttestEvidencePolicyTest, SgxDebugEnclave_TrustedWithDebugAllowed_RefusedByDefault) {
  const std::string section =
      R"("allowed_types": ["sgx-dcap"], "sgx-dcap": {"mr_enclaves": "any", "mr_signers": "any",
         "allow_unknown_tcb": true})";
  auto with = [&](const std::string& policy) {
    return run_attest_cli({"--evidence", vec("sgx-dcap/hw_quote.dat"), "--type", "sgx-dcap",
                           "--collateral", vec("sgx-dcap"), "--at", "1682899200", "--policy",
                           policy});
  };
  CliRun ok =
      with(write_policy("debug.json", R"({"version": 1, "allow_debug": true, )" + section + "}"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("Verdict: TRUSTED"), std::string::npos) << ok.out;
  CliRun refused = with(write_policy("default.json", R"({"version": 1, )" + section + "}"));
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("reason: platform runs in debug mode"), std::string::npos)
      << refused.out;
}

// R2 through the CLI: the synthetic SGX v4 quote (tests/attest/synthetic_sgx_quote.h) is
// trusted only with the policy's "sgx-dcap.trust_anchors"; the built-in Intel root refuses it.
TEST_F(AttestEvidencePolicyTest, SyntheticSgxV4Quote_TrustedOnlyUnderThePolicyAnchor) {
  test_support::SyntheticSgxQuote s;
  const std::string quote = dir_.write(
      "quote-v4.dat", std::string(reinterpret_cast<const char*>(s.quote.data()), s.quote.size()));
  dir_.write("synthetic-root.pem", test_support::SyntheticSgxQuote::pem_of(s.root.get()));
  const attest::Bytes crl =
      test_support::SyntheticSgxQuote::crl(s.pck_ca.get(), s.pck_ca_key.get(), {});
  const std::string crl_path =
      dir_.write("pck-ca.crl", std::string(reinterpret_cast<const char*>(crl.data()), crl.size()));
  const std::string at = std::to_string(test_support::SyntheticSgxQuote::kNow);
  const std::string policy = write_policy(
      "policy.json",
      R"({"version": 1, "allowed_types": ["sgx-dcap"], "sgx-dcap": {"trust_anchors": ["synthetic-root.pem"],
          "mr_enclaves": "any", "mr_signers": "any", "allow_unknown_tcb": true}})");
  CliRun ok = run_attest_cli({"--evidence", quote, "--type", "sgx-dcap", "--collateral", crl_path,
                              "--at", at, "--policy", policy});
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("Trust anchors: from the policy (1)"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("version 4, SGX"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("Verdict: TRUSTED"), std::string::npos) << ok.out;
  CliRun builtin = run_attest_cli({"--evidence", quote, "--type", "sgx-dcap", "--at", at});
  EXPECT_EQ(builtin.status, 1) << builtin.out;
  EXPECT_NE(builtin.out.find("NOT VERIFIED (untrusted-platform)"), std::string::npos)
      << builtin.out;
}

// C4: a genuine Milan report and VCEK from another project (virtee/sev tests/certs_data; the
// report is vendored as its hex text, unchanged, and decoded here). It is not a debug guest:
// a policy pinning its measurement trusts it with allow_debug at its default (false).
TEST_F(AttestEvidencePolicyTest, GenuineVirteeMilanReport_VerifiesAndIsTrustedByItsMeasurement) {
  std::ifstream in(vec("sev-snp/virtee-sev/report_milan.hex"));
  std::string hex((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
  ASSERT_EQ(hex.size(), 2u * 1184);
  std::string report;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    report.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  const std::string path = dir_.write("report_milan.bin", report);
  const std::string measurement =
      "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81"
      "841f";
  const std::string policy = write_policy(
      "policy.json",
      R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": [")" +
          measurement + R"("]}})");
  CliRun r = run_attest_cli({"--evidence", path, "--type", "sev-snp", "--collateral",
                             vec("sev-snp/virtee-sev/vcek_milan.der"), "--at", "2024-01-01",
                             "--policy", policy});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("[ ok ] report signature"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("platform:              sev-snp:Milan:chip:d49554ec717f4e5b"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("debug forbidden"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Verdict: TRUSTED"), std::string::npos) << r.out;
  // One flipped bit of the measurement: the VCEK signature no longer verifies.
  report[0x90] ^= 1;
  const std::string tampered = dir_.write("tampered.bin", report);
  CliRun bad = run_attest_cli({"--evidence", tampered, "--type", "sev-snp", "--collateral",
                               vec("sev-snp/virtee-sev/vcek_milan.der"), "--at", "2024-01-01"});
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("NOT VERIFIED (signature-invalid)"), std::string::npos) << bad.out;
  // The other project's VCEK is not this report's chip: the sample of the vectors is refused.
  CliRun other = run_attest_cli({"--evidence", vec("sev-snp/attestation.bin"), "--type", "sev-snp",
                                 "--collateral", vec("sev-snp/virtee-sev/vcek_milan.der"), "--at",
                                 "2025-01-01"});
  EXPECT_EQ(other.status, 1) << other.out;
  EXPECT_NE(other.out.find("NOT VERIFIED (collateral-missing): no VCEK certificate for chip id "
                           "3ac3fe21"),
            std::string::npos)
      << other.out;
}

}  // namespace
}  // namespace trustmq::cli

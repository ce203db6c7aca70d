// `trustmq attest --evidence …` (apps/trustmq/attest_evidence_command.cpp): offline
// verification of the repository's hardware samples; exit codes and printed checks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attest_cli_run.h"
#include "command.h"

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

TEST(AttestEvidenceCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_attest_cli({"--evidence", "x"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "sim"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "tdx", "--at", "yesterday"}).status, 2);
  EXPECT_EQ(run_attest_cli({"--evidence", "x", "--type", "tdx", "-h", "host"}).status, 2);
}

}  // namespace
}  // namespace trustmq::cli

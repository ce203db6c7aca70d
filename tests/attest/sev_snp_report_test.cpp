#include "attest/sev_snp_report.h"

#include <gtest/gtest.h>

#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_vector;

TEST(SevSnpReportTest, ParsesTheGenuineMilanReport) {
  const Bytes bytes = read_vector("sev-snp/attestation.bin");
  auto r = parse_sev_snp_report(bytes);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->signature_algo, kSevSnpSigAlgoEcdsaP384Sha384);
  EXPECT_EQ(r->signing_key, SevSnpSigningKey::kVcek);
  EXPECT_EQ(r->policy, 0xB0000u);
  EXPECT_TRUE(r->debug_allowed());
  EXPECT_FALSE(r->migration_agent_allowed());
  EXPECT_EQ(to_hex(r->measurement),
            "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb"
            "0cf2e4872b01");
  EXPECT_EQ(r->report_data[0], 1);
  EXPECT_EQ(r->report_data[4], 5);
  EXPECT_EQ(r->reported_tcb.bootloader, 2);
  EXPECT_EQ(r->reported_tcb.tee, 0);
  EXPECT_EQ(r->reported_tcb.snp, 5);
  EXPECT_EQ(r->reported_tcb.microcode, 0x44);
  EXPECT_EQ(r->committed_tcb, r->reported_tcb);
  EXPECT_EQ(short_hex(r->chip_id), "3ac3fe21…");
  EXPECT_EQ(r->signed_bytes.size(), 0x2A0u);
  EXPECT_EQ(r->signature_r_s.size(), 144u);
}

TEST(SevSnpReportTest, RejectsWrongSizesVersionsAlgorithmsAndReservedBits) {
  const Bytes good = read_vector("sev-snp/attestation.bin");
  auto expect_error = [](Bytes b, const std::string& fragment) {
    auto r = parse_sev_snp_report(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  expect_error(Bytes(good.begin(), good.end() - 1), "1183 bytes, expected 1184");
  expect_error(Bytes(), "0 bytes");
  Bytes b = good;
  b[0] = 1;
  expect_error(b, "version 1 not supported");
  b = good;
  b[0] = 6;
  expect_error(b, "version 6 not supported");
  b = good;
  b[0x34] = 2;
  expect_error(b, "signature algorithm 2 not supported");
  b = good;
  b[0x48] = 2 << 2;
  expect_error(b, "signing key selector 2 is reserved");
  b = good;
  b[0x4A0 - 1] = 1;
  expect_error(b, "reserved bytes after the signature");
  b = good;
  b[0x0A] &= ~0x02;  // policy bit 17
  expect_error(b, "bit 17");
}

}  // namespace
}  // namespace trustmq::attest

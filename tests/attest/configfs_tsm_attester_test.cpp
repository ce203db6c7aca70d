// The configfs-tsm attester (tdx, sev-snp) against a fake configfs folder whose kernel side is a
// test double filling outblob with a real sample (fake_tsm_report_files.h): the sample comes
// back unchanged and verifies; a missing interface, another provider, a concurrent writer and
// an outblob that does not answer the report data each fail with their own error. Not real
// hardware: nothing here has run on a TDX or SEV-SNP guest.
#include "attest/configfs_tsm_attester.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "attest/collateral.h"
#include "attest/hardware_verifier.h"
#include "attest/intel_quote.h"
#include "attest/sev_snp_report.h"
#include "attest/well_known_roots.h"
#include "fake_tsm_report_files.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_vector;
using test_support::vector_path;
using testing::FakeTsmReportFiles;

constexpr std::uint64_t kSnpSampleNow = 1735689600;  // 2025-01-01: inside the VCEK's validity
constexpr std::uint64_t kTdxSampleNow = 1688169600;  // 2023-07-01: inside the TDX collateral's

ReportData snp_report_data(const Bytes& report) {
  auto parsed = parse_sev_snp_report(report);
  EXPECT_TRUE(parsed) << parsed.error();
  ReportData r{};
  if (parsed) std::copy(parsed->report_data.begin(), parsed->report_data.end(), r.begin());
  return r;
}

ReportData tdx_report_data(const Bytes& quote) {
  auto parsed = parse_intel_quote(quote);
  EXPECT_TRUE(parsed) << parsed.error();
  ReportData r{};
  if (parsed) {
    const TdReportBody body = parse_td_report_body(parsed->body);
    std::copy(body.report_data.begin(), body.report_data.end(), r.begin());
  }
  return r;
}

std::unique_ptr<ConfigfsTsmAttester> start(EvidenceType type,
                                           const std::shared_ptr<FakeTsmReportFiles>& fake,
                                           std::optional<unsigned> privlevel = std::nullopt) {
  ConfigfsTsmAttesterConfig config;
  config.type = type;
  config.report_dir = fake->report_dir();
  config.privlevel = privlevel;
  auto a = ConfigfsTsmAttester::start(config, fake);
  EXPECT_TRUE(a) << a.error();
  return a ? std::move(*a) : nullptr;
}

std::shared_ptr<const Collateral> collateral(const std::string& relative) {
  auto c = load_collateral({vector_path(relative)});
  EXPECT_TRUE(c) << c.error();
  return std::make_shared<const Collateral>(c ? std::move(*c) : Collateral{});
}

TEST(ConfigfsTsmAttester, SevSnpSample_ComesBackAndVerifies) {
  auto fake = std::make_shared<FakeTsmReportFiles>("sev_guest");
  fake->outblob = read_vector("sev-snp/attestation.bin");
  fake->auxblob = Bytes(64, 0xA5);  // a certificate table, opaque to the attester
  auto attester = start(EvidenceType::kSevSnp, fake, 1);
  ASSERT_TRUE(attester);
  EXPECT_EQ(attester->type(), EvidenceType::kSevSnp);
  EXPECT_EQ(attester->provider(), "sev_guest");

  const ReportData rd = snp_report_data(fake->outblob);
  auto evidence = attester->attest(rd);
  ASSERT_TRUE(evidence) << evidence.error();
  EXPECT_EQ(*evidence, fake->outblob);
  EXPECT_EQ(attester->last_auxblob(), fake->auxblob);
  EXPECT_EQ(fake->written("inblob"), std::string(rd.begin(), rd.end()));
  EXPECT_EQ(fake->written("privlevel"), "1");
  EXPECT_EQ(fake->entries_left(), 0);  // the probe entry and the report entry are removed

  auto verifier = make_hardware_verifier(EvidenceType::kSevSnp, collateral("sev-snp/vcek.testcer"));
  ASSERT_TRUE(verifier);
  auto claims = verifier->verify(*evidence, well_known_roots(EvidenceType::kSevSnp), kSnpSampleNow);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->report_data, rd);
}

TEST(ConfigfsTsmAttester, TdxSample_ComesBackAndVerifies) {
  auto fake = std::make_shared<FakeTsmReportFiles>("tdx_guest");
  fake->outblob = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  auto attester = start(EvidenceType::kTdx, fake);
  ASSERT_TRUE(attester);
  const ReportData rd = tdx_report_data(fake->outblob);
  auto evidence = attester->attest(rd);
  ASSERT_TRUE(evidence) << evidence.error();
  EXPECT_EQ(*evidence, fake->outblob);
  EXPECT_TRUE(attester->last_auxblob().empty());
  EXPECT_EQ(fake->written("privlevel"), "");  // never written for tdx
  EXPECT_EQ(fake->entries_left(), 0);

  auto verifier = make_hardware_verifier(EvidenceType::kTdx, collateral("tdx"));
  ASSERT_TRUE(verifier);
  auto claims = verifier->verify(*evidence, well_known_roots(EvidenceType::kTdx), kTdxSampleNow);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->report_data, rd);
}

TEST(ConfigfsTsmAttester, MissingInterface_IsAClearStartUpError) {
  ConfigfsTsmAttesterConfig config;
  config.type = EvidenceType::kTdx;
  config.report_dir = "/nonexistent/trustmq-test/tsm/report";
  auto a = ConfigfsTsmAttester::start(config);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("configfs-tsm interface missing: /nonexistent/trustmq-test/tsm/report"),
            std::string::npos)
      << a.error();
  EXPECT_NE(a.error().find("tdx_guest"), std::string::npos) << a.error();
}

TEST(ConfigfsTsmAttester, AnotherProvider_IsAStartUpError) {
  auto fake = std::make_shared<FakeTsmReportFiles>("sev_guest");
  ConfigfsTsmAttesterConfig config;
  config.type = EvidenceType::kTdx;
  config.report_dir = fake->report_dir();
  auto a = ConfigfsTsmAttester::start(config, fake);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("provided by 'sev_guest', not tdx_guest"), std::string::npos)
      << a.error();
  EXPECT_EQ(fake->entries_left(), 0);
}

TEST(ConfigfsTsmAttester, BadConfiguration_IsRefused) {
  auto fake = std::make_shared<FakeTsmReportFiles>("tdx_guest");
  ConfigfsTsmAttesterConfig config;
  config.report_dir = fake->report_dir();
  config.type = EvidenceType::kTdx;
  config.privlevel = 0;
  auto tdx_level = ConfigfsTsmAttester::start(config, fake);
  ASSERT_FALSE(tdx_level);
  EXPECT_NE(tdx_level.error().find("sev-snp (VMPL) only"), std::string::npos);
  config.type = EvidenceType::kSevSnp;
  config.privlevel = 4;
  auto high = ConfigfsTsmAttester::start(config, fake);
  ASSERT_FALSE(high);
  EXPECT_NE(high.error().find("out of range"), std::string::npos);
  config.type = EvidenceType::kTpm2Quote;
  config.privlevel.reset();
  EXPECT_FALSE(ConfigfsTsmAttester::start(config, fake));
}

TEST(ConfigfsTsmAttester, WriterBeforeOurs_IsDetectedByTheGeneration) {
  auto fake = std::make_shared<FakeTsmReportFiles>("tdx_guest");
  fake->outblob = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  auto attester = start(EvidenceType::kTdx, fake);
  ASSERT_TRUE(attester);
  fake->foreign_write_at_creation = true;
  auto r = attester->attest(tdx_report_data(fake->outblob));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("another writer changed report entry"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("generation 2 after our 1 write(s)"), std::string::npos) << r.error();
  EXPECT_EQ(fake->entries_left(), 0);  // removed on failure too
}

TEST(ConfigfsTsmAttester, WriterWhileReading_IsDetectedByTheGeneration) {
  auto fake = std::make_shared<FakeTsmReportFiles>("sev_guest");
  fake->outblob = read_vector("sev-snp/attestation.bin");
  auto attester = start(EvidenceType::kSevSnp, fake);
  ASSERT_TRUE(attester);
  fake->foreign_write_while_reading = true;
  auto r = attester->attest(snp_report_data(fake->outblob));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("while it was read (generation 1 -> 2)"), std::string::npos)
      << r.error();
  EXPECT_EQ(fake->entries_left(), 0);
}

TEST(ConfigfsTsmAttester, OutblobForOtherReportData_IsRefused) {
  auto fake = std::make_shared<FakeTsmReportFiles>("sev_guest");
  fake->outblob = read_vector("sev-snp/attestation.bin");
  auto attester = start(EvidenceType::kSevSnp, fake);
  ASSERT_TRUE(attester);
  ReportData other = snp_report_data(fake->outblob);
  other[0] ^= 1;
  auto r = attester->attest(other);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("other report data than was written"), std::string::npos) << r.error();
}

TEST(ConfigfsTsmAttester, OutblobOfAnotherKind_IsRefused) {
  auto fake = std::make_shared<FakeTsmReportFiles>("tdx_guest");
  fake->outblob = read_vector("sev-snp/attestation.bin");  // not a TDX quote
  auto attester = start(EvidenceType::kTdx, fake);
  ASSERT_TRUE(attester);
  auto r = attester->attest(ReportData{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("outblob is not tdx evidence"), std::string::npos) << r.error();
  fake->outblob.clear();
  auto empty = attester->attest(ReportData{});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().find("outblob is not tdx evidence"), std::string::npos) << empty.error();
}

TEST(ConfigfsTsmAttester, EachReport_UsesANewEntry) {
  auto fake = std::make_shared<FakeTsmReportFiles>("sev_guest");
  fake->outblob = read_vector("sev-snp/attestation.bin");
  auto attester = start(EvidenceType::kSevSnp, fake);
  ASSERT_TRUE(attester);
  const ReportData rd = snp_report_data(fake->outblob);
  ASSERT_TRUE(attester->attest(rd));
  ASSERT_TRUE(attester->attest(rd));
  EXPECT_EQ(fake->entries_made(), 3);  // probe + one per report, each a new entry
  EXPECT_EQ(fake->entries_left(), 0);
}

}  // namespace
}  // namespace trustmq::attest

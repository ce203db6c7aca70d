// Appraisal of hardware claims against the policy's per-type sections (sim appraisal is tested
// in sim_verifier_test.cpp).
#include "attest/appraisal.h"

#include <gtest/gtest.h>

#include <tuple>

#include "attest/json_value.h"
#include "attest/sev_snp_verifier.h"
#include "attest/well_known_roots.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_vector;

constexpr std::uint64_t kSampleNow = 1735689600;  // 2025-01-01
constexpr const char* kSampleMeasurement =
    "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b"
    "01";

Claims genuine_snp_claims() {
  auto c = std::make_shared<Collateral>();
  EXPECT_TRUE(c->add_bytes("vcek", read_vector("sev-snp/vcek.testcer")).ok());
  SevSnpVerifier v(c);
  auto r = v.verify(read_vector("sev-snp/attestation.bin"), well_known_roots(EvidenceType::kSevSnp),
                    kSampleNow);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return *r;
}

Policy snp_policy(const std::string& section) {
  auto p = parse_policy(
      R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": )" + section + "}", "/");
  EXPECT_TRUE(p.ok()) << p.error();
  return p.ok() ? *p : Policy{};
}

std::string reasons(const Appraisal& a) {
  std::string s;
  for (const auto& r : a.reasons) s += r.text + "\n";
  return s;
}

TEST(SevSnpAppraisalTest, SampleIsRefusedByDefaultBecauseItsGuestPolicyAllowsDebug) {
  const Claims claims = genuine_snp_claims();
  auto a = appraise(snp_policy(std::string(R"({"measurements": [")") + kSampleMeasurement + "\"]}"),
                    claims, kSampleNow);
  ASSERT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 1u) << reasons(a);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kDebug);
}

TEST(SevSnpAppraisalTest, AcceptedWithItsMeasurementAndDebugAllowed) {
  const Claims claims = genuine_snp_claims();
  Policy p = snp_policy(
      std::string(R"({"measurements": [")") + kSampleMeasurement +
      R"("], "min_reported_tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68}})");
  p.allow_debug = true;
  auto a = appraise(p, claims, kSampleNow);
  EXPECT_TRUE(a.accepted) << reasons(a);
}

TEST(SevSnpAppraisalTest, EachRuleRejectsWithItsReason) {
  const Claims claims = genuine_snp_claims();
  struct Case {
    std::string section;
    AppraisalCheck check;
    std::string fragment;
  };
  const std::string zeros48(96, '0');
  const std::vector<Case> cases = {
      {R"({"measurements": [")" + zeros48 + "\"]}", AppraisalCheck::kTeeMeasurement,
       "sev-snp measurement b07af962"},
      {R"({"measurements": "any", "host_data": [")" + std::string(64, '1') + "\"]}",
       AppraisalCheck::kTeeMeasurement, "sev-snp host_data"},
      {R"({"measurements": "any", "min_guest_svn": 1})", AppraisalCheck::kTeeSvn,
       "guest SVN 0 below the minimum 1"},
      {R"({"measurements": "any", "min_reported_tcb": {"bootloader": 2, "tee": 0, "snp": 6, "microcode": 68}})",
       AppraisalCheck::kTeeSvn, "reported TCB bootloader=2 tee=0 snp=5 microcode=68 below"},
      {R"({"measurements": "any", "min_committed_tcb": {"bootloader": 3, "tee": 0, "snp": 5, "microcode": 68}})",
       AppraisalCheck::kTeeSvn, "committed TCB"},
  };
  for (const auto& c : cases) {
    Policy p = snp_policy(c.section);
    p.allow_debug = true;
    auto a = appraise(p, claims, kSampleNow);
    ASSERT_FALSE(a.accepted) << c.section;
    ASSERT_EQ(a.reasons.size(), 1u) << reasons(a);
    EXPECT_EQ(a.reasons[0].check, c.check) << reasons(a);
    EXPECT_NE(a.reasons[0].text.find(c.fragment), std::string::npos) << reasons(a);
  }
}

// P1: the signer rules (ID-block key and author key digests) accept the sample's own values and
// refuse one flipped digit.
TEST(SevSnpAppraisalTest, SignerDigestRules_AcceptTheSampleAndRejectAFlippedByte) {
  const Claims claims = genuine_snp_claims();
  const std::string id_key = to_hex(claims.sev_snp->id_key_digest);
  const std::string author_key = to_hex(claims.sev_snp->author_key_digest);
  auto flipped = [](std::string hex) {
    hex[0] = hex[0] == '0' ? '1' : '0';
    return hex;
  };
  Policy ok = snp_policy(R"({"measurements": "any", "id_key_digests": [")" + id_key +
                         R"("], "author_key_digests": [")" + author_key + R"("]})");
  ok.allow_debug = true;
  auto a = appraise(ok, claims, kSampleNow);
  EXPECT_TRUE(a.accepted) << reasons(a);
  for (const auto& [field, value, what] :
       {std::tuple{"id_key_digests", id_key, "sev-snp id_key_digest"},
        std::tuple{"author_key_digests", author_key, "sev-snp author_key_digest"}}) {
    SCOPED_TRACE(field);
    Policy p = snp_policy(std::string(R"({"measurements": "any", ")") + field + R"(": [")" +
                          flipped(value) + R"("]})");
    p.allow_debug = true;
    a = appraise(p, claims, kSampleNow);
    ASSERT_FALSE(a.accepted);
    ASSERT_EQ(a.reasons.size(), 1u) << reasons(a);
    EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTeeMeasurement);
    EXPECT_NE(a.reasons[0].text.find(what), std::string::npos) << reasons(a);
  }
  // A digest of the wrong length is a policy error naming the field.
  auto bad = parse_policy(R"({"version": 1, "allowed_types": ["sev-snp"],
      "sev-snp": {"measurements": "any", "id_key_digests": ["00"]}})",
                          "/");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("sev-snp.id_key_digests"), std::string::npos) << bad.error();
}

TEST(SevSnpAppraisalTest, MigrationAgentNeedsExplicitPermission) {
  Claims claims = genuine_snp_claims();
  claims.sev_snp->migration_agent_allowed = true;
  Policy p = snp_policy(R"({"measurements": "any"})");
  p.allow_debug = true;
  auto a = appraise(p, claims, kSampleNow);
  ASSERT_EQ(a.reasons.size(), 1u) << reasons(a);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kGuestPolicy);
  p.sev_snp.allow_migration_agent = true;
  EXPECT_TRUE(appraise(p, claims, kSampleNow).accepted);
}

TEST(SevSnpAppraisalTest, ListedModuleMeasurementsCannotBeProvedByHardwareEvidence) {
  const Claims claims = genuine_snp_claims();
  Policy p = snp_policy(R"({"measurements": "any"})");
  p.allow_debug = true;
  p.module_measurements.any = false;
  p.module_measurements.specified = true;
  p.module_measurements.allowed.push_back(Sha256Digest{});
  auto a = appraise(p, claims, kSampleNow);
  ASSERT_EQ(a.reasons.size(), 1u) << reasons(a);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kModuleMeasurement);
  EXPECT_NE(a.reasons[0].text.find("carries no module measurement"), std::string::npos);
}

TEST(SevSnpAppraisalTest, PolicyWithoutSectionRejects) {
  const Claims claims = genuine_snp_claims();
  Policy p;
  p.allowed_types = {EvidenceType::kSevSnp};
  p.allow_debug = true;
  auto a = appraise(p, claims, kSampleNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_NE(reasons(a).find("no \"sev-snp\" section"), std::string::npos);
}

Claims tpm_claims() {
  Claims c;
  c.type = EvidenceType::kTpm2Quote;
  c.has_timestamp = false;
  c.module_measurement.fill(0xAA);
  c.runtime_measurement.fill(0xBB);
  TpmClaims t;
  t.pcrs = {{0, {}}, {23, {}}};
  t.pcrs[1].value.fill(0x23);
  c.tpm = t;
  return c;
}

Policy tpm_policy(const std::string& pcrs) {
  const std::string anchor = std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/sev-snp/ask_ark_milan.pem";
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["tpm2-quote"],
      "module_measurements": [")" +
                            std::string(64, 'a') + R"("], "runtime_measurements": "any",
      "tpm2-quote": {"trust_anchors": [")" +
                            anchor + R"("], "pcrs": )" + pcrs + "}}",
                        "/");
  EXPECT_TRUE(p.ok()) << p.error();
  return p.ok() ? *p : Policy{};
}

TEST(TpmAppraisal, PinnedPcrsAndModule_AcceptedWithTheHonestyNote) {
  const Appraisal a = appraise(tpm_policy(R"({"0": [")" + std::string(64, '0') + R"("]})"),
                               tpm_claims(), kSampleNow);
  EXPECT_TRUE(a.accepted) << reasons(a);
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("NOT memory isolation"), std::string::npos);
  EXPECT_NE(a.notes[0].find("software TPM"), std::string::npos);
}

TEST(TpmAppraisal, OtherPcrValue_IsRejected) {
  const Appraisal a = appraise(tpm_policy(R"({"23": [")" + std::string(64, '0') + R"("]})"),
                               tpm_claims(), kSampleNow);
  EXPECT_FALSE(a.accepted);
  EXPECT_NE(reasons(a).find("tpm2-quote PCR 23 value"), std::string::npos) << reasons(a);
}

TEST(TpmAppraisal, PinnedPcrNotQuoted_IsRejected) {
  const Appraisal a = appraise(tpm_policy(R"({"5": "any"})"), tpm_claims(), kSampleNow);
  EXPECT_FALSE(a.accepted);
  EXPECT_NE(reasons(a).find("PCR 5 is pinned by the policy but not quoted"), std::string::npos);
}

TEST(TpmAppraisal, OtherModuleMeasurement_IsRejected) {
  Claims c = tpm_claims();
  c.module_measurement.fill(0xCC);
  const Appraisal a = appraise(tpm_policy("{}"), c, kSampleNow);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons.front().check, AppraisalCheck::kModuleMeasurement);
}

}  // namespace
}  // namespace trustmq::attest

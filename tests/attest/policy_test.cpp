#include "attest/policy.h"

#include <gtest/gtest.h>

#include "attest/sim_platform.h"
#include "support/temp_directory.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::TempDirectory;

const std::string kHashA(64, 'a');
const std::string kHashB = "3FA2" + std::string(60, '0');

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(p.ok()) << p.error();
  }
  std::string base(const std::string& extra_fields) {
    return R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true,
               "trust_anchors": ["sim/sim-root-ca.pem"],
               "module_measurements": [")" +
           kHashA + R"(", ")" + kHashB + R"("], "runtime_measurements": "any")" + extra_fields +
           "}";
  }
  TempDirectory dir_;
};

TEST_F(PolicyTest, ParsesCompletePolicyWithRelativeAnchors) {
  auto p =
      parse_policy(base(R"(, "allow_debug": true, "max_evidence_age_seconds": 30)"), dir_.path());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->allowed_types, std::vector<EvidenceType>{EvidenceType::kSim});
  EXPECT_TRUE(p->allow_sim);
  EXPECT_TRUE(p->allow_debug);
  EXPECT_EQ(p->max_evidence_age_seconds, 30u);
  EXPECT_EQ(p->trust_anchors.size(), 1u);
  EXPECT_TRUE(p->runtime_measurements.any);
  EXPECT_FALSE(p->module_measurements.any);
  EXPECT_TRUE(p->module_measurements.accepts(*sha256_from_hex(kHashB)));
  EXPECT_FALSE(p->module_measurements.accepts(Sha256Digest{}));
  EXPECT_TRUE(p->allows(EvidenceType::kSim));
  EXPECT_FALSE(p->allows(EvidenceType::kTdx));
}

TEST_F(PolicyTest, DefaultsAreStrict) {
  auto p = parse_policy(base(""), dir_.path());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_FALSE(p->allow_debug);
  EXPECT_EQ(p->max_evidence_age_seconds, 300u);
}

TEST_F(PolicyTest, LoadsFromFileResolvingAnchorsNextToIt) {
  std::string path = dir_.file("policy.json");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::string text = base("");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  auto p = load_policy_file(path);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->trust_anchors.size(), 1u);
  auto missing = load_policy_file(dir_.file("nope.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("nope.json"), std::string::npos);
}

struct BadPolicy {
  std::string json;
  std::string expected_fragment;
};

TEST_F(PolicyTest, BadPoliciesNameTheField) {
  const std::string anchors = R"("trust_anchors": ["sim/sim-root-ca.pem"])";
  const std::string meas = R"("module_measurements": "any", "runtime_measurements": "any")";
  const std::vector<BadPolicy> cases = {
      {"[]", "must be a JSON object"},
      {"{", "not valid JSON"},
      {R"({"allowed_types": ["sim"], "allow_sim": true, )" + anchors + ", " + meas + "}",
       "\"version\""},
      {R"({"version": 1, "allowed_types": ["sim"], )" + anchors + ", " + meas + "}",
       "\"allow_sim\" is not true"},
      {R"({"version": 1, "allowed_types": ["sgx"], )" + anchors + ", " + meas + "}",
       "unknown evidence type \"sgx\""},
      {R"({"version": 1, "allowed_types": [], )" + anchors + ", " + meas + "}",
       "\"allowed_types\""},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + meas + "}",
       "\"trust_anchors\": missing"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, "trust_anchors": ["missing.pem"], )" +
           meas + "}",
       "missing.pem"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors +
           R"(, "runtime_measurements": "any"})",
       "\"module_measurements\": missing"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors +
           R"(, "module_measurements": [], "runtime_measurements": "any"})",
       "\"module_measurements\": empty list"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors +
           R"(, "module_measurements": ["abc"], "runtime_measurements": "any"})",
       "entry 1 (\"abc\") is not 64 hex digits"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors +
           R"(, "module_measurements": "*", "runtime_measurements": "any"})",
       "exactly \"any\""},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors + ", " + meas +
           R"(, "allow_debug": "no"})",
       "\"allow_debug\": must be true or false"},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors + ", " + meas +
           R"(, "max_evidence_age_seconds": -5})",
       "\"max_evidence_age_seconds\""},
      {R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true, )" + anchors + ", " + meas +
           R"(, "allow_degug": true})",
       "\"allow_degug\": unknown field"},
  };
  for (const auto& c : cases) {
    auto p = parse_policy(c.json, dir_.path());
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_NE(p.error().find(c.expected_fragment), std::string::npos)
        << "error: " << p.error() << "\nexpected: " << c.expected_fragment;
  }
}

}  // namespace
}  // namespace trustmq::attest

namespace trustmq::attest {
namespace {

TEST(TeePolicyTest, SevSnpSectionWithBuiltInRootsAndCollateral) {
  const std::string vcek = std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/sev-snp/vcek.testcer";
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["sev-snp"],
      "sev-snp": {"measurements": "any", "collateral": [")" +
                            vcek + R"("],
                  "min_reported_tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68},
                  "allow_migration_agent": false}})",
                        "/");
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_TRUE(p->sev_snp.present);
  EXPECT_TRUE(p->sev_snp.measurements.any);
  EXPECT_EQ(p->sev_snp.collateral->certificates.size(), 1u);
  EXPECT_EQ(p->anchors_for(EvidenceType::kSevSnp).size(), 2u);  // built-in ARKs
  EXPECT_TRUE(p->trust_anchors.empty());
  EXPECT_FALSE(p->module_measurements.specified);
  ASSERT_TRUE(p->sev_snp.min_reported_tcb.has_value());
  EXPECT_EQ(p->sev_snp.min_reported_tcb->microcode, 68);
}

TEST(TeePolicyTest, SectionAnchorsReplaceTheBuiltInRoots) {
  const std::string ark = std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/sev-snp/ask_ark_milan.pem";
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["sev-snp"],
      "sev-snp": {"measurements": "any", "trust_anchors": [")" +
                            ark + R"("]}})",
                        "/");
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->anchors_for(EvidenceType::kSevSnp).size(), 2u);  // the file's ASK and ARK
  EXPECT_EQ(p->anchors_for(EvidenceType::kTdx).size(), 1u);     // Intel root, built in
}

TEST(TeePolicyTest, BadSectionsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"version": 1, "allowed_types": ["sev-snp"]})", "\"sev-snp\": missing"},
      {R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {}})",
       "\"sev-snp.measurements\": missing"},
      {R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": ["00"]}})",
       "\"sev-snp.measurements\": entry 1 is not 96 hex digits"},
      {R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": "any", "debug": true}})",
       "\"sev-snp.debug\": unknown field"},
      {R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": "any", "collateral": ["/nonexistent/vcek"]}})",
       "\"sev-snp.collateral\": cannot read collateral file /nonexistent/vcek"},
      {R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": "any", "min_reported_tcb": {"snp": 300}}})",
       "min_reported_tcb"},
      {R"({"version": 1, "allowed_types": ["tdx"], "tdx": {"mr_tds": "any", "allowed_tcb_statuses": ["Fine"]}})",
       "\"tdx.allowed_tcb_statuses\": unknown TCB status"},
      {R"({"version": 1, "allowed_types": ["sgx-dcap"], "sgx-dcap": {"mr_enclaves": "any"}})",
       "\"sgx-dcap.mr_signers\": missing"},
  };
  for (const auto& [json, fragment] : cases) {
    auto p = parse_policy(json, "/");
    ASSERT_FALSE(p.ok()) << json;
    EXPECT_NE(p.error().find(fragment), std::string::npos)
        << p.error() << "\nexpected: " << fragment;
  }
}

TEST_F(PolicyTest, TpmSection_HasItsOwnAnchorsAndPinnedPcrs) {
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["tpm2-quote", "sim"], "allow_sim": true,
      "trust_anchors": ["sim/sim-root-ca.pem"],
      "module_measurements": "any", "runtime_measurements": "any",
      "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem", "sim/sim-root-ca.pem"],
                     "collateral": ["sim/sim-root-ca.pem"],
                     "pcrs": {"0": [")" +
                            kHashA + R"("], "23": "any"}}})",
                        dir_.path());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_TRUE(p->tpm.present);
  // The section's anchors, never the top-level (sim) ones.
  EXPECT_EQ(p->anchors_for(EvidenceType::kTpm2Quote).size(), 2u);
  EXPECT_EQ(p->anchors_for(EvidenceType::kSim).size(), 1u);
  ASSERT_EQ(p->tpm.pcrs.size(), 2u);
  EXPECT_FALSE(p->tpm.pcrs.at(0).any);
  EXPECT_TRUE(p->tpm.pcrs.at(23).any);
  // Collateral (CRLs of the enrolment CA for AK revocation) reaches the TPM verifier.
  EXPECT_EQ(p->collateral_for(EvidenceType::kTpm2Quote)->certificates.size(), 1u);
}

TEST_F(PolicyTest, TpmSection_RevocationRules) {
  const std::string head = R"({"version": 1, "allowed_types": ["tpm2-quote"],
      "module_measurements": "any", "runtime_measurements": "any",
      "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem"])";
  auto defaults = parse_policy(head + "}}", dir_.path());
  ASSERT_TRUE(defaults.ok()) << defaults.error();
  EXPECT_FALSE(defaults->tpm.require_revocation_check);
  EXPECT_EQ(defaults->tpm.max_collateral_age_seconds, 0u);
  auto set = parse_policy(
      head + R"(, "require_revocation_check": true, "max_collateral_age_seconds": 86400}})",
      dir_.path());
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_TRUE(set->tpm.require_revocation_check);
  EXPECT_EQ(set->tpm.max_collateral_age_seconds, 86400u);
  auto bad = parse_policy(head + R"(, "max_collateral_age_seconds": -1}})", dir_.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("\"tpm2-quote.max_collateral_age_seconds\""), std::string::npos)
      << bad.error();
}

TEST_F(PolicyTest, TpmSection_ErrorsNameTheField) {
  const std::string head = R"({"version": 1, "allowed_types": ["tpm2-quote"],
      "module_measurements": "any", "runtime_measurements": "any")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head + "}", "\"tpm2-quote\": missing"},
      {head + R"(, "tpm2-quote": {}})", "\"tpm2-quote.trust_anchors\": missing"},
      {head +
           R"(, "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem"], "pcrs": {"24": "any"}}})",
       "\"tpm2-quote.pcrs.24\": not a PCR index"},
      {head +
           R"(, "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem"], "pcrs": {"7": ["00"]}}})",
       "\"tpm2-quote.pcrs.7\": entry 1 is not 64 hex digits"},
      {head + R"(, "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem"], "collateral": "x"}})",
       "\"tpm2-quote.collateral\": must be a list"},
      {R"({"version": 1, "allowed_types": ["tpm2-quote"], "tpm2-quote": {"trust_anchors": ["sim/sim-root-ca.pem"]}})",
       "\"module_measurements\": missing"},
  };
  for (const auto& [json, error] : cases) {
    auto p = parse_policy(json, dir_.path());
    ASSERT_FALSE(p.ok()) << json;
    EXPECT_NE(p.error().find(error), std::string::npos) << p.error();
  }
}

}  // namespace
}  // namespace trustmq::attest

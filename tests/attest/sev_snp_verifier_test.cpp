#include "attest/sev_snp_verifier.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include "attest/well_known_roots.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_pem_vector_as_der;
using test_support::read_vector;

// Inside the validity of every certificate of the sample (the VCEK: 2022-09-24 .. 2029-09-24).
constexpr std::uint64_t kSampleNow = 1735689600;  // 2025-01-01T00:00:00Z

std::shared_ptr<const Collateral> collateral_of(
    const std::vector<std::pair<std::string, Bytes>>& files) {
  auto c = std::make_shared<Collateral>();
  for (const auto& [name, bytes] : files) {
    auto added = c->add_bytes(name, bytes);
    EXPECT_TRUE(added.ok()) << added.error();
  }
  return c;
}

SharedX509 x509_from_der(const Bytes& der) {
  const unsigned char* p = der.data();
  return share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size()))));
}

Bytes flip_last_byte(Bytes b) {
  b.back() ^= 0x01;  // inside the certificate's signature BIT STRING
  return b;
}

class SevSnpVerifierTest : public ::testing::Test {
 protected:
  Bytes report_ = read_vector("sev-snp/attestation.bin");
  Bytes vcek_ = read_vector("sev-snp/vcek.testcer");
  std::vector<Bytes> ask_ark_ = read_pem_vector_as_der("sev-snp/ask_ark_milan.pem");  // ASK, ARK
  const TrustAnchors& roots_ = well_known_roots(EvidenceType::kSevSnp);

  Result<Claims, VerifyFailure> verify_with(const std::shared_ptr<const Collateral>& c,
                                            const TrustAnchors& anchors, const Bytes& report,
                                            std::uint64_t now = kSampleNow,
                                            SevSnpVerifier::Options options = {}) {
    SevSnpVerifier v(c, options);
    return v.verify(report, anchors, now);
  }

  void expect_failure(const Result<Claims, VerifyFailure>& r, VerifyError code,
                      const std::string& fragment) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  }
};

TEST_F(SevSnpVerifierTest, GenuineReportVerifiesToTheBuiltInMilanArk) {
  SevSnpVerifier v(collateral_of({{"vcek.testcer", vcek_}}));
  VerificationLog log;
  auto r = v.verify_logged(report_, roots_, kSampleNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->sev_snp.has_value());
  const SevSnpClaims& s = *r->sev_snp;
  EXPECT_EQ(r->type, EvidenceType::kSevSnp);
  EXPECT_EQ(s.product, "Milan");
  EXPECT_EQ(s.report_version, 2u);
  EXPECT_EQ(s.signing_key, SevSnpSigningKey::kVcek);
  EXPECT_EQ(short_hex(s.measurement), "b07af962…");
  EXPECT_EQ(r->report_data[0], 1);
  EXPECT_TRUE(r->debug);  // the sample's guest policy allows debugging
  EXPECT_TRUE(s.debug_allowed);
  EXPECT_FALSE(s.migration_agent_allowed);
  EXPECT_FALSE(r->has_timestamp);
  EXPECT_EQ(s.reported_tcb.snp, 5);
  EXPECT_EQ(r->platform_id, "sev-snp:Milan:chip:3ac3fe21e13fb099");
  ASSERT_FALSE(log.empty());
  for (const auto& step : log) EXPECT_TRUE(step.passed) << step.name << ": " << step.detail;
  EXPECT_EQ(log.back().name, "report signature");
}

TEST_F(SevSnpVerifierTest, ChainSignaturesAreCachedAndValidityIsRecheckedEachTime) {
  SevSnpVerifier v(collateral_of({{"vcek.testcer", vcek_}}));
  ASSERT_TRUE(v.verify(report_, roots_, kSampleNow).ok());
  ASSERT_TRUE(v.verify(report_, roots_, kSampleNow + 1).ok());
  EXPECT_EQ(v.chain_signature_checks(), 1u);
  auto expired = v.verify(report_, roots_, 1893456000);  // 2030-01-01
  expect_failure(expired, VerifyError::kCertificateExpired, "VCEK certificate has expired");
  Bytes tampered = report_;
  tampered[0x90] ^= 1;
  expect_failure(v.verify(tampered, roots_, kSampleNow), VerifyError::kSignatureInvalid,
                 "report signature does not verify");
}

TEST_F(SevSnpVerifierTest, EveryFlippedBitInTheBodyOrSignatureFails) {
  auto collateral = collateral_of({{"vcek.testcer", vcek_}});
  SevSnpVerifier v(collateral);
  // Signed fields that do not select the VCEK: the signature check catches them.
  for (std::size_t offset : {0x04u, 0x08u, 0x50u, 0x90u, 0xC0u, 0xE0u, 0x140u, 0x29Fu}) {
    Bytes b = report_;
    b[offset] ^= 0x01;
    expect_failure(v.verify(b, roots_, kSampleNow), VerifyError::kSignatureInvalid,
                   "report or signature tampered");
  }
  // r and s.
  for (std::size_t offset : {0x2A0u, 0x2A0u + 71, 0x2A0u + 72, 0x2A0u + 143}) {
    Bytes b = report_;
    b[offset] ^= 0x80;
    expect_failure(v.verify(b, roots_, kSampleNow), VerifyError::kSignatureInvalid,
                   "report or signature tampered");
  }
  // The chip id and the reported TCB select the VCEK: a flip there finds none.
  Bytes chip = report_;
  chip[0x1A0] ^= 1;
  expect_failure(v.verify(chip, roots_, kSampleNow), VerifyError::kCollateralMissing,
                 "no VCEK certificate for chip id");
  Bytes tcb = report_;
  tcb[0x180 + 6] ^= 1;  // SNP SPL
  expect_failure(v.verify(tcb, roots_, kSampleNow), VerifyError::kCollateralMissing,
                 "is for TCB bootloader=2 tee=0 snp=5 microcode=68");
  // Layout.
  expect_failure(v.verify(Bytes(report_.begin(), report_.begin() + 100), roots_, kSampleNow),
                 VerifyError::kMalformed, "100 bytes");
}

TEST_F(SevSnpVerifierTest, FlippedBitInEachCertificateFailsWithItsStep) {
  // VCEK signature.
  expect_failure(verify_with(collateral_of({{"vcek", flip_last_byte(vcek_)}}), roots_, report_),
                 VerifyError::kUntrustedPlatform, "VCEK certificate is not signed by ASK");
  // ASK from the collateral (built-in copies off so the tampered one is the only one).
  SevSnpVerifier::Options no_builtin;
  no_builtin.builtin_intermediates = false;
  auto tampered_ask = collateral_of({{"vcek", vcek_}, {"ask", flip_last_byte(ask_ark_[0])}});
  expect_failure(verify_with(tampered_ask, roots_, report_, kSampleNow, no_builtin),
                 VerifyError::kUntrustedPlatform, "is not signed by ARK-Milan");
  // A tampered ASK in the collateral is used (and refused) even with the built-in copies.
  expect_failure(verify_with(tampered_ask, roots_, report_), VerifyError::kUntrustedPlatform,
                 "is not signed by ARK-Milan");
  // ASK missing entirely.
  expect_failure(
      verify_with(collateral_of({{"vcek", vcek_}}), roots_, report_, kSampleNow, no_builtin),
      VerifyError::kCollateralMissing, "no ASK certificate (SEV-Milan)");
  // The genuine ASK from the collateral works without the built-in copies.
  EXPECT_TRUE(verify_with(collateral_of({{"vcek", vcek_}, {"ask", ask_ark_[0]}}), roots_, report_,
                          kSampleNow, no_builtin)
                  .ok());
  // ARK given as anchor with a flipped signature bit.
  TrustAnchors bad_ark{x509_from_der(flip_last_byte(ask_ark_[1]))};
  expect_failure(verify_with(collateral_of({{"vcek", vcek_}}), bad_ark, report_),
                 VerifyError::kUntrustedPlatform, "ARK-Milan self-signature does not verify");
}

TEST_F(SevSnpVerifierTest, AnchorsDecideWhichArkIsTrusted) {
  auto collateral = collateral_of({{"vcek", vcek_}});
  TrustAnchors genoa_only{roots_[1]};
  expect_failure(verify_with(collateral, genoa_only, report_), VerifyError::kUntrustedPlatform,
                 "no trust anchor is ARK-Milan");
  // The policy's own copy of the Milan ARK (same certificate) is accepted.
  TrustAnchors own{x509_from_der(ask_ark_[1])};
  EXPECT_TRUE(verify_with(collateral, own, report_).ok());
  expect_failure(verify_with(collateral, {}, report_), VerifyError::kUntrustedPlatform,
                 "no trust anchor");
}

TEST_F(SevSnpVerifierTest, MissingCollateralAndValidityPeriod) {
  expect_failure(verify_with(collateral_of({}), roots_, report_), VerifyError::kCollateralMissing,
                 "kdsintf");
  auto collateral = collateral_of({{"vcek", vcek_}});
  expect_failure(verify_with(collateral, roots_, report_, 1640995200),  // 2022-01-01
                 VerifyError::kCertificateNotYetValid, "VCEK certificate is not yet valid");
  expect_failure(verify_with(collateral, roots_, report_, 1893456000),  // 2030-01-01
                 VerifyError::kCertificateExpired, "VCEK certificate has expired");
}

TEST_F(SevSnpVerifierTest, UnsignedReportIsRefused) {
  Bytes b = report_;
  b[0x48] = 7 << 2;
  expect_failure(verify_with(collateral_of({{"vcek", vcek_}}), roots_, b),
                 VerifyError::kSignatureInvalid, "not signed");
}

}  // namespace
}  // namespace trustmq::attest

namespace trustmq::attest {
namespace {

// Inside the synthetic chain (generated 2026-12-05, 9000 days) and the real ASVK-Milan.
constexpr std::uint64_t kVlekNow = 1798761600;  // 2027-01-01

// The VLEK path with a SYNTHETIC chain (vectors/sev-snp/synthetic-vlek/make.sh: a test ARK,
// ASVK and VLEK; no AMD key): the sample report is switched to "signed by the VLEK" and
// re-signed with the test VLEK key.
class SevSnpVlekTest : public ::testing::Test {
 protected:
  static Bytes vlek_signed_report() {
    Bytes report = test_support::read_vector("sev-snp/attestation.bin");
    report[0x48] = 1 << 2;  // signing key: VLEK
    BioPtr bio(
        BIO_new_file(test_support::vector_path("sev-snp/synthetic-vlek/vlek.key").c_str(), "r"));
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    EXPECT_TRUE(key);
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key.get()), 1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, report.data(), kSevSnpSignedSize), 1);
    Bytes der(len);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), der.data(), &len, report.data(), kSevSnpSignedSize), 1);
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    EXPECT_NE(sig, nullptr);
    BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), report.data() + 0x2A0, 72);
    BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), report.data() + 0x2A0 + 72, 72);
    ECDSA_SIG_free(sig);
    return report;
  }

  Bytes report_ = vlek_signed_report();
  Bytes vlek_ = test_support::read_vector("sev-snp/synthetic-vlek/vlek.der");
  std::vector<Bytes> asvk_ =
      test_support::read_pem_vector_as_der("sev-snp/synthetic-vlek/asvk.pem");
  std::vector<Bytes> ark_ = test_support::read_pem_vector_as_der("sev-snp/synthetic-vlek/ark.pem");
};

TEST_F(SevSnpVlekTest, VlekChainAndReportSignatureVerifyToTheTestArk) {
  auto collateral = std::make_shared<Collateral>();
  ASSERT_TRUE(collateral->add_bytes("vlek.der", vlek_).ok());
  ASSERT_TRUE(collateral->add_bytes("asvk", asvk_[0]).ok());
  SevSnpVerifier v(collateral);
  const unsigned char* p = ark_[0].data();
  TrustAnchors test_ark{
      share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(ark_[0].size()))))};
  VerificationLog log;
  auto r = v.verify_logged(report_, test_ark, kVlekNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sev_snp->signing_key, SevSnpSigningKey::kVlek);
  EXPECT_EQ(r->platform_id, "sev-snp:Milan:vlek:trustmq-test-csp");
  EXPECT_EQ(log.back().detail, "ECDSA P-384 SHA-384 over bytes [0, 0x2A0) by the VLEK");

  // The real Milan ARK does not vouch for the test ASVK.
  auto real = v.verify(report_, well_known_roots(EvidenceType::kSevSnp), kVlekNow);
  ASSERT_FALSE(real.ok());
  EXPECT_EQ(real.error().code, VerifyError::kUntrustedPlatform);
  EXPECT_NE(real.error().message.find("is not signed by ARK-Milan"), std::string::npos)
      << real.error().message;
  // Nor does the real (built-in) ASVK vouch for the test VLEK.
  auto only_vlek = std::make_shared<Collateral>();
  ASSERT_TRUE(only_vlek->add_bytes("vlek.der", vlek_).ok());
  SevSnpVerifier builtin(only_vlek);
  auto r2 = builtin.verify(report_, well_known_roots(EvidenceType::kSevSnp), kVlekNow);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("VLEK certificate is not signed by ASVK SEV-VLEK-Milan"),
            std::string::npos)
      << r2.error().message;
  // A flipped body bit fails the VLEK signature.
  Bytes tampered = report_;
  tampered[0x90] ^= 1;
  auto bad = v.verify(tampered, test_ark, kVlekNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, VerifyError::kSignatureInvalid);
}

}  // namespace
}  // namespace trustmq::attest

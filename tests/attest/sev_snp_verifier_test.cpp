#include "attest/sev_snp_verifier.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>

#include "attest/appraisal.h"
#include "attest/policy.h"
#include "attest/sev_snp_report.h"
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

// Inside the synthetic chain (regenerated 2026-12-06 with ark.key kept, 9000 days;
// vectors/README.md) and the real ASVK-Milan.
constexpr std::uint64_t kVlekNow = 1798761600;  // 2027-01-01

// Signs the report (ECDSA P-384 over its signed part, r and s little-endian at 0x2A0) with the
// PEM key of the test vector `key_vector`, as the synthetic chains' VLEK or VCEK would.
void sign_report_with(Bytes& report, const char* key_vector) {
  BioPtr bio(BIO_new_file(test_support::vector_path(key_vector).c_str(), "r"));
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
}

// The VLEK path with a SYNTHETIC chain (vectors/sev-snp/synthetic-vlek/make.sh: a test ARK,
// ASVK and VLEK; no AMD key): the sample report is switched to "signed by the VLEK" and
// re-signed with the test VLEK key.
class SevSnpVlekTest : public ::testing::Test {
 protected:
  static Bytes vlek_signed_report(std::uint8_t version = 2) {
    Bytes report = test_support::read_vector("sev-snp/attestation.bin");
    report[0] = version;    // u32 little-endian at 0x00 (the sample is version 2)
    report[0x48] = 1 << 2;  // signing key: VLEK
    sign_report_with(report, "sev-snp/synthetic-vlek/vlek.key");
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

// N2: report versions 3..5 ("and later") on the same synthetic VLEK path. The Milan sample is a
// v2 report: only the version field changes (its v3 CPUID fields at 0x188 stay zero, and they
// are neither read nor compared with the product, docs/attestation.md).
TEST_F(SevSnpVlekTest, ReportV3VerifiesOnTheVlekPath) {
  auto collateral = std::make_shared<Collateral>();
  ASSERT_TRUE(collateral->add_bytes("vlek.der", vlek_).ok());
  ASSERT_TRUE(collateral->add_bytes("asvk", asvk_[0]).ok());
  SevSnpVerifier v(collateral);
  const unsigned char* p = ark_[0].data();
  TrustAnchors test_ark{
      share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(ark_[0].size()))))};
  for (std::uint8_t version : {3, 4, 5}) {
    SCOPED_TRACE(static_cast<int>(version));
    const Bytes report = vlek_signed_report(version);
    auto parsed = parse_sev_snp_report(report);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed->version, version);
    auto r = v.verify(report, test_ark, kVlekNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->sev_snp->signing_key, SevSnpSigningKey::kVlek);
    EXPECT_EQ(r->sev_snp->report_version, version);
  }
  // Version 6 is refused at the layout, even when correctly signed.
  auto six = v.verify(vlek_signed_report(6), test_ark, kVlekNow);
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.error().code, VerifyError::kMalformed) << six.error().message;
}

// AMD's CRL of the ARK (revoked ASKs/ASVKs), signed like AMD's: RSA-PSS SHA-384, salt 48.
Bytes test_crl(EVP_PKEY* signer, X509* issuer, const std::vector<long>& revoked_serials,
               std::int64_t this_update, std::int64_t next_update) {
  X509_CRL* crl = X509_CRL_new();
  EXPECT_EQ(X509_CRL_set_version(crl, 1), 1);
  EXPECT_EQ(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(this_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(next_update));
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (long serial : revoked_serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* n = ASN1_INTEGER_new();
    ASN1_INTEGER_set(n, serial);
    X509_REVOKED_set_serialNumber(r, n);
    X509_REVOKED_set_revocationDate(r, last);
    X509_CRL_add0_revoked(crl, r);
    ASN1_INTEGER_free(n);
  }
  X509_CRL_sort(crl);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, signer), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48), 1);
  EXPECT_GT(X509_CRL_sign_ctx(crl, ctx.get()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  X509_CRL_free(crl);
  return out;
}

const VerificationStep* revocation_step(const VerificationLog& log) {
  const auto it = std::find_if(log.begin(), log.end(), [](const VerificationStep& s) {
    return s.name == "ASVK not revoked (CRL of ARK-Milan)";
  });
  return it == log.end() ? nullptr : &*it;
}

// The ASVK's revocation by a CRL of the (test) ARK: synthetic-vlek/ark.key signs the CRLs.
class SevSnpCrlTest : public SevSnpVlekTest {
 protected:
  void SetUp() override {
    BioPtr bio(
        BIO_new_file(test_support::vector_path("sev-snp/synthetic-vlek/ark.key").c_str(), "r"));
    ark_key_.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ASSERT_TRUE(ark_key_);
    const unsigned char* p = ark_[0].data();
    ark_cert_ = share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(ark_[0].size()))));
    ASSERT_TRUE(ark_cert_);
    const unsigned char* q = asvk_[0].data();
    asvk_cert_.reset(d2i_X509(nullptr, &q, static_cast<long>(asvk_[0].size())));
    ASSERT_TRUE(asvk_cert_);
    asvk_serial_ = ASN1_INTEGER_get(X509_get0_serialNumber(asvk_cert_.get()));
  }

  Result<Claims, VerifyFailure> verify_with(const Bytes& crl, VerificationLog* log = nullptr) {
    auto collateral = std::make_shared<Collateral>();
    EXPECT_TRUE(collateral->add_bytes("vlek.der", vlek_).ok());
    EXPECT_TRUE(collateral->add_bytes("asvk", asvk_[0]).ok());
    if (!crl.empty()) {
      EXPECT_TRUE(collateral->add_bytes("ark.crl", crl).ok());
    }
    verifier_ = std::make_unique<SevSnpVerifier>(collateral);
    return verifier_->verify_logged(report_, TrustAnchors{ark_cert_}, kVlekNow, log);
  }

  static constexpr std::int64_t kDay = 86400;
  static constexpr std::int64_t kNow = static_cast<std::int64_t>(kVlekNow);
  EvpPkeyPtr ark_key_;
  SharedX509 ark_cert_;
  X509Ptr asvk_cert_;
  long asvk_serial_ = 0;
  std::unique_ptr<SevSnpVerifier> verifier_;
};

TEST_F(SevSnpCrlTest, WithoutACrlTheRevocationStepIsNotChecked) {
  VerificationLog log;
  auto r = verify_with({}, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const VerificationStep* step = revocation_step(log);
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->skipped);
  EXPECT_NE(step->detail.find("NOT CHECKED"), std::string::npos) << step->detail;
  EXPECT_NE(step->detail.find("https://kdsintf.amd.com/vlek/v1/Milan/crl"), std::string::npos)
      << step->detail;
}

TEST_F(SevSnpCrlTest, CrlThatDoesNotListTheAsvk_Passes) {
  VerificationLog log;
  auto r = verify_with(
      test_crl(ark_key_.get(), ark_cert_.get(), {asvk_serial_ + 100}, kNow - kDay, kNow + kDay),
      &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const VerificationStep* step = revocation_step(log);
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->passed);
  EXPECT_FALSE(step->skipped);
  // The CRL signature is remembered; its dates and list are re-checked every time.
  auto again = verifier_->verify(report_, TrustAnchors{ark_cert_}, kVlekNow);
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto later = verifier_->verify(report_, TrustAnchors{ark_cert_}, kVlekNow + 2 * kDay);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(later.error().message.find("has expired"), std::string::npos) << later.error().message;
}

TEST_F(SevSnpCrlTest, RevokedAsvk_IsCertificateRevoked) {
  auto r = verify_with(
      test_crl(ark_key_.get(), ark_cert_.get(), {asvk_serial_}, kNow - kDay, kNow + kDay));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateRevoked) << r.error().message;
  EXPECT_NE(r.error().message.find("ASVK SEV-VLEK-Milan (asvk) is revoked"), std::string::npos)
      << r.error().message;
}

TEST_F(SevSnpCrlTest, TamperedCrl_IsCollateralInvalid) {
  // A flipped bit in the signature: the ARK's name, but not the ARK's signature (a forged
  // "nothing is revoked" CRL fails the same way).
  Bytes crl = test_crl(ark_key_.get(), ark_cert_.get(), {}, kNow - kDay, kNow + kDay);
  crl[crl.size() - 1] ^= 1;
  auto r = verify_with(crl);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCollateralInvalid) << r.error().message;
  EXPECT_NE(r.error().message.find("signature does not verify"), std::string::npos)
      << r.error().message;
}

TEST_F(SevSnpCrlTest, CrlOutsideItsDates_IsCollateralInvalid) {
  auto expired =
      verify_with(test_crl(ark_key_.get(), ark_cert_.get(), {}, kNow - 10 * kDay, kNow - kDay));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(expired.error().message.find("has expired"), std::string::npos);
  auto future =
      verify_with(test_crl(ark_key_.get(), ark_cert_.get(), {}, kNow + kDay, kNow + 10 * kDay));
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(future.error().message.find("is not yet valid"), std::string::npos);
}

TEST_F(SevSnpCrlTest, CrlOfAnotherIssuer_IsNotConsulted) {
  // Only a CRL issued by the chain's ARK counts (AMD's CRLs are the ARK's).
  VerificationLog log;
  auto r = verify_with(
      test_crl(ark_key_.get(), asvk_cert_.get(), {asvk_serial_}, kNow - kDay, kNow + kDay), &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const VerificationStep* step = revocation_step(log);
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->skipped);
}

// N4: the Genoa path, on a SYNTHETIC chain (vectors/sev-snp/synthetic-genoa/make.sh: a test
// ARK-Genoa, SEV-Genoa ASK and a VCEK with productName Genoa and the sample's chip id; no AMD
// key). The Milan sample report is re-signed with the test VCEK key. There is no genuine Genoa
// report here: this checks that a Genoa VCEK selects ARK-Genoa / SEV-Genoa, not Genoa hardware.
class SevSnpGenoaTest : public ::testing::Test {
 protected:
  static Bytes genoa_signed_report() {
    Bytes report = test_support::read_vector("sev-snp/attestation.bin");
    EXPECT_EQ(report[0x48] & 0x1C, 0);  // signing key: VCEK, as in the sample
    sign_report_with(report, "sev-snp/synthetic-genoa/vcek.key");
    return report;
  }

  Result<Claims, VerifyFailure> verify(const Bytes& report, const TrustAnchors& anchors,
                                       VerificationLog* log = nullptr) const {
    auto collateral = std::make_shared<Collateral>();
    EXPECT_TRUE(collateral
                    ->add_bytes("synthetic-genoa/vcek.der",
                                test_support::read_vector("sev-snp/synthetic-genoa/vcek.der"))
                    .ok());
    EXPECT_TRUE(collateral->add_bytes("synthetic-genoa/ask.pem", ask_[0]).ok());
    SevSnpVerifier verifier(collateral);
    return verifier.verify_logged(report, anchors, kVlekNow, log);
  }

  TrustAnchors test_ark() const {
    const unsigned char* p = ark_[0].data();
    return {share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(ark_[0].size()))))};
  }

  Bytes report_ = genoa_signed_report();
  std::vector<Bytes> ask_ = test_support::read_pem_vector_as_der("sev-snp/synthetic-genoa/ask.pem");
  std::vector<Bytes> ark_ = test_support::read_pem_vector_as_der("sev-snp/synthetic-genoa/ark.pem");
};

TEST_F(SevSnpGenoaTest, GenoaVcekChainVerifiesToTheTestArkGenoa) {
  VerificationLog log;
  auto r = verify(report_, test_ark(), &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->sev_snp);
  EXPECT_EQ(r->sev_snp->product, "Genoa");
  EXPECT_EQ(r->sev_snp->signing_key, SevSnpSigningKey::kVcek);
  EXPECT_EQ(r->platform_id.rfind("sev-snp:Genoa:chip:", 0), 0u) << r->platform_id;
  bool anchor_step = false;
  for (const auto& s : log) {
    if (s.name == "trust anchor") {
      anchor_step = true;
      EXPECT_NE(s.detail.find("ARK-Genoa"), std::string::npos) << s.detail;
    }
  }
  EXPECT_TRUE(anchor_step);
}

TEST_F(SevSnpGenoaTest, BuiltInRootsOrAnchorsWithoutArkGenoaRefuseIt) {
  // The built-in ARK-Genoa did not sign the test SEV-Genoa.
  auto builtin = verify(report_, well_known_roots(EvidenceType::kSevSnp));
  ASSERT_FALSE(builtin.ok());
  EXPECT_EQ(builtin.error().code, VerifyError::kUntrustedPlatform) << builtin.error().message;
  // Only the (synthetic) ARK-Milan as anchor: a Genoa VCEK needs ARK-Genoa.
  const auto milan_ark = test_support::read_pem_vector_as_der("sev-snp/synthetic-vlek/ark.pem");
  const unsigned char* p = milan_ark[0].data();
  auto milan = verify(report_, TrustAnchors{share_x509(X509Ptr(d2i_X509(
                                   nullptr, &p, static_cast<long>(milan_ark[0].size()))))});
  ASSERT_FALSE(milan.ok());
  EXPECT_EQ(milan.error().code, VerifyError::kUntrustedPlatform);
  EXPECT_NE(milan.error().message.find("no trust anchor is ARK-Genoa"), std::string::npos)
      << milan.error().message;
}

TEST_F(SevSnpGenoaTest, FlippedBitsFailWithTheirStep) {
  Bytes body = report_;
  body[0x90] ^= 1;  // measurement
  auto r = verify(body, test_ark());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kSignatureInvalid);
  Bytes chip = report_;
  chip[0x1A0] ^= 1;  // chip id: no VCEK for it
  auto c = verify(chip, test_ark());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, VerifyError::kCollateralMissing);
}

// The sev-snp section's revocation rules (P5/P6): require_revocation_check and
// max_collateral_age_seconds on the CRL's thisUpdate, appraised on what the verifier reports.
Policy snp_revocation_policy(const std::string& fields) {
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["sev-snp"], "allow_debug": true,
                           "sev-snp": {"measurements": "any")" +
                            fields + "}}",
                        "/");
  EXPECT_TRUE(p.ok()) << p.error();
  return p.ok() ? *p : Policy{};
}

std::vector<AppraisalReason> revocation_reasons(const Appraisal& a) {
  std::vector<AppraisalReason> out;
  for (const auto& r : a.reasons) {
    if (r.text.find("CRL") != std::string::npos || r.text.find("revocation") != std::string::npos) {
      out.push_back(r);
    }
  }
  return out;
}

TEST_F(SevSnpCrlTest, RequireRevocationCheck_RefusesAReportVerifiedWithoutACrl) {
  auto without = verify_with({});
  ASSERT_TRUE(without.ok()) << without.error().message;
  ASSERT_TRUE(without->sev_snp);
  EXPECT_FALSE(without->sev_snp->revocation.checked);
  // Default (documented): a missing CRL is logged NOT CHECKED and accepted.
  EXPECT_TRUE(appraise(snp_revocation_policy(""), *without, kVlekNow).accepted);
  const Appraisal refused =
      appraise(snp_revocation_policy(R"(, "require_revocation_check": true)"), *without, kVlekNow);
  EXPECT_FALSE(refused.accepted);
  const auto reasons = revocation_reasons(refused);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].check, AppraisalCheck::kTcbStatus);
  EXPECT_NE(reasons[0].text.find("require_revocation_check true"), std::string::npos)
      << reasons[0].text;
  // With a CRL of the ARK the same rule accepts.
  auto with = verify_with(
      test_crl(ark_key_.get(), ark_cert_.get(), {asvk_serial_ + 100}, kNow - kDay, kNow + kDay));
  ASSERT_TRUE(with.ok()) << with.error().message;
  EXPECT_TRUE(with->sev_snp->revocation.checked);
  EXPECT_EQ(with->sev_snp->revocation.crl_source, "ark.crl");
  const Appraisal accepted =
      appraise(snp_revocation_policy(R"(, "require_revocation_check": true)"), *with, kVlekNow);
  EXPECT_TRUE(accepted.accepted) << (accepted.reasons.empty() ? "" : accepted.reasons[0].text);
}

TEST_F(SevSnpCrlTest, MaxCollateralAge_BoundsTheCrlsThisUpdate) {
  auto r =
      verify_with(test_crl(ark_key_.get(), ark_cert_.get(), {}, kNow - 5 * kDay, kNow + 30 * kDay));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->sev_snp->revocation.checked);
  EXPECT_EQ(r->sev_snp->revocation.crl_this_update, static_cast<std::uint64_t>(kNow - 5 * kDay));
  const std::string four_days = R"(, "max_collateral_age_seconds": 345600)";
  const std::string six_days = R"(, "max_collateral_age_seconds": 518400)";
  const Appraisal too_old = appraise(snp_revocation_policy(four_days), *r, kVlekNow);
  const auto reasons = revocation_reasons(too_old);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].check, AppraisalCheck::kCollateralAge);
  EXPECT_NE(reasons[0].text.find("older than 345600 s"), std::string::npos) << reasons[0].text;
  EXPECT_TRUE(appraise(snp_revocation_policy(six_days), *r, kVlekNow).accepted);
  // Default 0: no limit beyond the CRL's nextUpdate (checked by the verifier).
  EXPECT_TRUE(appraise(snp_revocation_policy(""), *r, kVlekNow).accepted);
  // Appraised before the CRL's thisUpdate (a verifier whose clock is behind the CRL's issuer):
  // refused whatever the age limit.
  const Appraisal future = appraise(snp_revocation_policy(""), *r, kVlekNow - 6 * kDay);
  const auto future_reasons = revocation_reasons(future);
  ASSERT_EQ(future_reasons.size(), 1u);
  EXPECT_EQ(future_reasons[0].check, AppraisalCheck::kCollateralAge);
  EXPECT_NE(future_reasons[0].text.find("dated after the verification time"), std::string::npos)
      << future_reasons[0].text;
}

TEST(SevSnpPolicyTest, RevocationFieldsAreParsedAndChecked) {
  const Policy p = snp_revocation_policy(
      R"(, "require_revocation_check": true, "max_collateral_age_seconds": 604800)");
  EXPECT_TRUE(p.sev_snp.require_revocation_check);
  EXPECT_EQ(p.sev_snp.max_collateral_age_seconds, 604800u);
  const Policy d = snp_revocation_policy("");
  EXPECT_FALSE(d.sev_snp.require_revocation_check);
  EXPECT_EQ(d.sev_snp.max_collateral_age_seconds, 0u);
  auto bad = parse_policy(
      R"({"version": 1, "allowed_types": ["sev-snp"], "sev-snp": {"measurements": "any",
          "require_revocation_check": "yes"}})",
      "/");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("sev-snp.require_revocation_check"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace trustmq::attest

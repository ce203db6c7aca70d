#include "attest/certificate_chain_verifier.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>

#include <ctime>

#include "attest/sim_platform.h"
#include "support/temp_directory.h"

namespace trustmq::attest {
namespace {

using test_support::TempDirectory;

std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

std::uint64_t unix_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<std::uint64_t>(::timegm(&tm));
}

TrustAnchors anchors_of(const SimPlatform& p) {
  return {share_x509(X509Ptr(X509_dup(p.root_cert())))};
}

constexpr const char* kSubject = "sim platform certificate";

class CertificateChainVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(p.ok()) << p.error();
    platform_.emplace(std::move(*p));
    anchors_ = anchors_of(*platform_);
    cert_ = verifier_.parse(platform_->platform_cert_der());
    ASSERT_NE(cert_, nullptr);
  }
  Result<void, VerifyFailure> verify(
      const std::shared_ptr<const CertificateChainVerifier::Certificate>& c,
      const TrustAnchors& anchors, std::uint64_t at) {
    return verifier_.verify_chain(*c, anchors, at, kSubject);
  }
  TempDirectory dir_;
  std::optional<SimPlatform> platform_;
  TrustAnchors anchors_;
  CertificateChainVerifier verifier_;
  std::shared_ptr<const CertificateChainVerifier::Certificate> cert_;
};

TEST_F(CertificateChainVerifierTest, SameBytesAreParsedOnceAndChainIsBuiltOnce) {
  EXPECT_EQ(verifier_.parse(platform_->platform_cert_der()), cert_);
  EXPECT_EQ(verifier_.certificate_parses(), 1u);
  EXPECT_EQ(cert_->der(), platform_->platform_cert_der());
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  ASSERT_TRUE(verify(cert_, anchors_, now() + 1).ok());
  // The same anchors loaded again (another object, same bytes) are the same anchor set.
  ASSERT_TRUE(verify(cert_, anchors_of(*platform_), now()).ok());
  EXPECT_EQ(verifier_.full_chain_verifications(), 1u);
}

TEST_F(CertificateChainVerifierTest, NotDerIsRejected) {
  Bytes der = platform_->platform_cert_der();
  EXPECT_EQ(verifier_.parse(Bytes(der.begin(), der.end() - 1)), nullptr);
  der.push_back(0);
  EXPECT_EQ(verifier_.parse(der), nullptr);
  EXPECT_EQ(verifier_.parse(Bytes{}), nullptr);
}

TEST_F(CertificateChainVerifierTest, OneChangedByteMissesTheCacheAndIsFullyVerified) {
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  // Same subject, issuer, key and validity; only the last byte of the root's signature differs.
  Bytes der = platform_->platform_cert_der();
  der.back() ^= 0x01;
  auto changed = verifier_.parse(der);
  ASSERT_NE(changed, nullptr);
  EXPECT_NE(changed, cert_);
  auto r = verify(changed, anchors_, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform) << r.error().message;
  EXPECT_EQ(verifier_.full_chain_verifications(), 2u);
  EXPECT_FALSE(verify(changed, anchors_, now()).ok());  // failures are never remembered
  EXPECT_EQ(verifier_.full_chain_verifications(), 3u);
}

TEST_F(CertificateChainVerifierTest, SameSubjectFromAnotherRootIsUntrustedAfterGenuineWasCached) {
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  // Every sim platform has the same subject and issuer names: only the keys and bytes differ.
  auto impostor = SimPlatform::open_or_create(dir_.file("impostor"));
  ASSERT_TRUE(impostor.ok()) << impostor.error();
  ASSERT_EQ(X509_NAME_cmp(X509_get_subject_name(impostor->platform_cert()),
                          X509_get_subject_name(platform_->platform_cert())),
            0);
  ASSERT_EQ(X509_NAME_cmp(X509_get_issuer_name(impostor->platform_cert()),
                          X509_get_issuer_name(platform_->platform_cert())),
            0);
  auto other = verifier_.parse(impostor->platform_cert_der());
  ASSERT_NE(other, nullptr);
  auto r = verify(other, anchors_, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform);
  EXPECT_NE(r.error().message.find("sim platform certificate does not chain to a policy trust "
                                   "anchor"),
            std::string::npos)
      << r.error().message;
}

TEST_F(CertificateChainVerifierTest, AnotherAnchorSetIsFullyVerified) {
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  auto other = SimPlatform::open_or_create(dir_.file("other"));
  ASSERT_TRUE(other.ok());
  auto r = verify(cert_, anchors_of(*other), now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform);
  EXPECT_EQ(verify(cert_, TrustAnchors{}, now()).error().code, VerifyError::kUntrustedPlatform);
  TrustAnchors both = anchors_of(*other);
  both.push_back(anchors_[0]);
  EXPECT_TRUE(verify(cert_, both, now()).ok());
  EXPECT_EQ(verifier_.full_chain_verifications(), 4u);
  EXPECT_TRUE(verify(cert_, anchors_, now()).ok());  // the first set is still remembered
  EXPECT_EQ(verifier_.full_chain_verifications(), 4u);
}

TEST_F(CertificateChainVerifierTest, ExpiryIsCheckedOnEveryUseWithOpenSslsBoundaries) {
  const std::uint64_t not_after = unix_seconds(X509_get0_notAfter(platform_->platform_cert()));
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  EXPECT_TRUE(verify(cert_, anchors_, not_after - 1).ok());
  EXPECT_EQ(verifier_.full_chain_verifications(), 1u);
  auto r = verify(cert_, anchors_, not_after);  // OpenSSL: expired at notAfter itself
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateExpired) << r.error().message;
  // A verifier that never saw the certificate says the same at the same instants.
  CertificateChainVerifier fresh;
  auto c = fresh.parse(platform_->platform_cert_der());
  EXPECT_EQ(fresh.verify_chain(*c, anchors_, not_after, kSubject).error().code,
            VerifyError::kCertificateExpired);
  EXPECT_TRUE(fresh.verify_chain(*c, anchors_, not_after - 1, kSubject).ok());
}

TEST_F(CertificateChainVerifierTest, NotYetValidIsCheckedOnEveryUse) {
  const std::uint64_t not_before = unix_seconds(X509_get0_notBefore(platform_->platform_cert()));
  ASSERT_TRUE(verify(cert_, anchors_, now()).ok());
  EXPECT_TRUE(verify(cert_, anchors_, not_before).ok());
  auto r = verify(cert_, anchors_, not_before - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateNotYetValid) << r.error().message;
  EXPECT_EQ(verifier_.full_chain_verifications(), 2u);
}

TEST_F(CertificateChainVerifierTest, ExpiredRootIsRejectedEvenThoughThePlatformCertIsValid) {
  SimPlatformOptions outliving;  // platform certificate valid for 30 years, its root for 20
  outliving.platform_not_after_offset_seconds = 30LL * 365 * 24 * 3600;
  auto p = SimPlatform::open_or_create(dir_.file("outliving"), outliving);
  ASSERT_TRUE(p.ok()) << p.error();
  const TrustAnchors anchors = anchors_of(*p);
  auto c = verifier_.parse(p->platform_cert_der());
  ASSERT_TRUE(verify(c, anchors, now()).ok());
  const std::uint64_t root_not_after = unix_seconds(X509_get0_notAfter(p->root_cert()));
  ASSERT_LT(root_not_after, unix_seconds(X509_get0_notAfter(p->platform_cert())));
  EXPECT_TRUE(verify(c, anchors, root_not_after - 1).ok());
  auto r = verify(c, anchors, root_not_after);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateExpired) << r.error().message;
}

TEST_F(CertificateChainVerifierTest, ExpiredCertificateIsNeverRemembered) {
  SimPlatformOptions expired;
  expired.platform_not_before_offset_seconds = -2 * 86400;
  expired.platform_not_after_offset_seconds = -86400;
  auto p = SimPlatform::open_or_create(dir_.file("expired"), expired);
  ASSERT_TRUE(p.ok()) << p.error();
  auto c = verifier_.parse(p->platform_cert_der());
  const TrustAnchors anchors = anchors_of(*p);
  for (int i = 0; i < 2; ++i) {
    auto r = verify(c, anchors, now());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, VerifyError::kCertificateExpired);
  }
  EXPECT_EQ(verifier_.full_chain_verifications(), 2u);
  // 36 h ago the platform certificate was valid but its root (issued an hour ago) was not yet.
  auto r = verify(c, anchors, now() - 36 * 3600);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateNotYetValid) << r.error().message;
  EXPECT_EQ(verifier_.full_chain_verifications(), 3u);
}

TEST_F(CertificateChainVerifierTest, CacheIsBounded) {
  for (std::size_t i = 0; i < CertificateChainVerifier::kMaxCachedCertificates; ++i) {
    auto p = SimPlatform::open_or_create(dir_.file(std::string("p").append(std::to_string(i))));
    ASSERT_TRUE(p.ok());
    ASSERT_NE(verifier_.parse(p->platform_cert_der()), nullptr);
  }
  // The first certificate was evicted: it is parsed again (a new object).
  auto again = verifier_.parse(platform_->platform_cert_der());
  EXPECT_NE(again, cert_);
  EXPECT_EQ(verifier_.certificate_parses(), CertificateChainVerifier::kMaxCachedCertificates + 2);
  ASSERT_TRUE(verify(again, anchors_, now()).ok());
}

}  // namespace
}  // namespace trustmq::attest

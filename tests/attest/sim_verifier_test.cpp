#include "attest/sim_verifier.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <thread>
#include <vector>

#include "attest/appraisal.h"
#include "attest/sim_attester.h"
#include "attest/sim_evidence.h"
#include "support/temp_directory.h"

namespace trustmq::attest {
namespace {

using test_support::TempDirectory;

std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

ReportData sample_report_data() {
  ReportData r{};
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(i * 7);
  return r;
}

SimAttesterClaims sample_claims() {
  SimAttesterClaims c;
  c.runtime_measurement.fill(0x11);
  c.module_measurement.fill(0x22);
  return c;
}

class SimVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(p.ok()) << p.error();
    platform_.emplace(std::move(*p));
    anchors_.push_back(share_x509(X509Ptr(X509_dup(platform_->root_cert()))));
  }
  Bytes attest(const SimAttesterClaims& claims = sample_claims()) {
    auto e = SimAttester(*platform_, claims).attest(sample_report_data());
    EXPECT_TRUE(e.ok());
    return *e;
  }
  TempDirectory dir_;
  std::optional<SimPlatform> platform_;
  TrustAnchors anchors_;
  SimVerifier verifier_;
};

TEST_F(SimVerifierTest, StateIsCreatedPrivatelyAndReused) {
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("sim/sim-platform.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.file("sim/sim-root-ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SimPlatform::open_or_create(dir_.file("sim"));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->platform_cert_der(), platform_->platform_cert_der());
}

TEST_F(SimVerifierTest, PartialStateIsAnError) {
  std::remove(dir_.file("sim/sim-platform.key").c_str());
  auto again = SimPlatform::open_or_create(dir_.file("sim"));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("sim-platform.key is missing"), std::string::npos);
}

TEST_F(SimVerifierTest, GenuineEvidenceVerifiesAndIsCompact) {
  Bytes e = attest();
  EXPECT_LE(e.size(), 1024u);
  auto claims = verifier_.verify(e, anchors_, now());
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->type, EvidenceType::kSim);
  EXPECT_EQ(claims->report_data, sample_report_data());
  EXPECT_EQ(claims->module_measurement, sample_claims().module_measurement);
  EXPECT_EQ(claims->runtime_measurement, sample_claims().runtime_measurement);
  EXPECT_FALSE(claims->debug);
  EXPECT_EQ(claims->platform_id, "sim:" + to_hex(spki_sha256(platform_->platform_cert())));
  EXPECT_LE(claims->timestamp, now());
  EXPECT_GE(claims->timestamp + 5, now());
}

TEST_F(SimVerifierTest, TamperedClaimsFailTheSignature) {
  Bytes e = attest();
  e[10] ^= 0x01;  // first byte of the runtime measurement
  auto r = verifier_.verify(e, anchors_, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kSignatureInvalid);
}

TEST_F(SimVerifierTest, TamperedSignatureFails) {
  Bytes e = attest();
  std::size_t sig_len = e[kSimBodySize];
  e[kSimBodySize + sig_len] ^= 0x01;  // last byte of the signature (inside the S integer)
  auto r = verifier_.verify(e, anchors_, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kSignatureInvalid);
}

TEST_F(SimVerifierTest, TruncatedOrExtendedEvidenceIsMalformed) {
  Bytes e = attest();
  Bytes shorter(e.begin(), e.end() - 1);
  EXPECT_EQ(verifier_.verify(shorter, anchors_, now()).error().code, VerifyError::kMalformed);
  Bytes longer = e;
  longer.push_back(0);
  EXPECT_EQ(verifier_.verify(longer, anchors_, now()).error().code, VerifyError::kMalformed);
  Bytes flags = e;
  flags[1] = 0x80;
  EXPECT_EQ(verifier_.verify(flags, anchors_, now()).error().code, VerifyError::kMalformed);
  EXPECT_EQ(verifier_.verify(Bytes{}, anchors_, now()).error().code, VerifyError::kMalformed);
}

TEST_F(SimVerifierTest, RootNotInAnchorsIsUntrusted) {
  auto other = SimPlatform::open_or_create(dir_.file("other"));
  ASSERT_TRUE(other.ok());
  TrustAnchors foreign{share_x509(X509Ptr(X509_dup(other->root_cert())))};
  auto r = verifier_.verify(attest(), foreign, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform);
  auto none = verifier_.verify(attest(), TrustAnchors{}, now());
  EXPECT_EQ(none.error().code, VerifyError::kUntrustedPlatform);
}

TEST_F(SimVerifierTest, ExpiredPlatformCertificateIsRejected) {
  SimPlatformOptions expired;
  expired.platform_not_before_offset_seconds = -2 * 86400;
  expired.platform_not_after_offset_seconds = -86400;
  auto old = SimPlatform::open_or_create(dir_.file("expired"), expired);
  ASSERT_TRUE(old.ok()) << old.error();
  auto e = SimAttester(*old, sample_claims()).attest(sample_report_data());
  ASSERT_TRUE(e.ok());
  TrustAnchors anchors{share_x509(X509Ptr(X509_dup(old->root_cert())))};
  auto r = verifier_.verify(*e, anchors, now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kCertificateExpired) << r.error().message;
}

TEST_F(SimVerifierTest, ParsedCertificateIsReusedButEveryCheckStillRuns) {
  const Bytes evidence = attest();
  ASSERT_TRUE(verifier_.verify(evidence, anchors_, now()).ok());  // parses and caches
  // Same certificate bytes: validity at `now`, anchors and signature are checked again.
  auto late = verifier_.verify(evidence, anchors_, now() + 20LL * 365 * 24 * 3600);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, VerifyError::kCertificateExpired);
  auto other_anchor = SimPlatform::open_or_create(dir_.file("other"));
  ASSERT_TRUE(other_anchor.ok());
  TrustAnchors foreign{share_x509(X509Ptr(X509_dup(other_anchor->root_cert())))};
  auto untrusted = verifier_.verify(evidence, foreign, now());
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, VerifyError::kUntrustedPlatform);
  Bytes tampered = evidence;
  tampered[20] ^= 0x01;  // a claim byte (runtime measurement)
  auto bad = verifier_.verify(tampered, anchors_, now());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, VerifyError::kSignatureInvalid);
  EXPECT_TRUE(verifier_.verify(evidence, anchors_, now()).ok());
}

TEST_F(SimVerifierTest, ChainIsVerifiedOncePerCertificateAndAnchorSet) {
  const Bytes evidence = attest();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(verifier_.verify(evidence, anchors_, now()).ok());
  ASSERT_TRUE(verifier_.verify(attest(), anchors_, now()).ok());  // fresh evidence, same platform
  EXPECT_EQ(verifier_.certificates().full_chain_verifications(), 1u);
  EXPECT_EQ(verifier_.certificates().certificate_parses(), 1u);
}

TEST_F(SimVerifierTest, RememberedChainCannotVouchForAnotherCertificate) {
  ASSERT_TRUE(verifier_.verify(attest(), anchors_, now()).ok());
  // 1. The genuine platform certificate with one byte of the root's signature changed: same
  //    names, same key (the evidence signature still verifies), different bytes.
  auto genuine = decode_sim_evidence(attest());
  ASSERT_TRUE(genuine.ok());
  Bytes cert = genuine->platform_cert_der;
  cert.back() ^= 0x01;
  auto r = verifier_.verify(encode_sim_evidence(genuine->body, genuine->signature, cert), anchors_,
                            now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform) << r.error().message;
  // 2. Another platform: same subject and issuer names, its own root and key.
  auto impostor = SimPlatform::open_or_create(dir_.file("impostor"));
  ASSERT_TRUE(impostor.ok());
  ASSERT_EQ(X509_NAME_cmp(X509_get_subject_name(impostor->platform_cert()),
                          X509_get_subject_name(platform_->platform_cert())),
            0);
  auto forged = SimAttester(*impostor, sample_claims()).attest(sample_report_data());
  ASSERT_TRUE(forged.ok());
  auto f = verifier_.verify(*forged, anchors_, now());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, VerifyError::kUntrustedPlatform) << f.error().message;
  EXPECT_EQ(verifier_.certificates().full_chain_verifications(), 3u);
  EXPECT_TRUE(verifier_.verify(attest(), anchors_, now()).ok());
}

TEST_F(SimVerifierTest, RememberedChainIsRejectedOnceExpiredOrNotYetValid) {
  ASSERT_TRUE(verifier_.verify(attest(), anchors_, now()).ok());
  auto late = verifier_.verify(attest(), anchors_, now() + 6LL * 365 * 24 * 3600);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, VerifyError::kCertificateExpired);
  auto early = verifier_.verify(attest(), anchors_, now() - 2 * 3600);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, VerifyError::kCertificateNotYetValid);
  EXPECT_TRUE(verifier_.verify(attest(), anchors_, now()).ok());
}

TEST_F(SimVerifierTest, SignatureIsEcdsaSha256OverTheDocumentedMessage) {
  // Checked independently of the attester's and verifier's prepared contexts.
  auto e = decode_sim_evidence(attest());
  ASSERT_TRUE(e.ok());
  const Bytes message = sim_signed_message(e->body);
  ASSERT_EQ(message.size(), sizeof kSimSignatureContext + kSimBodySize);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                                 X509_get0_pubkey(platform_->platform_cert())),
            1);
  EXPECT_EQ(EVP_DigestVerify(ctx.get(), e->signature.data(), e->signature.size(), message.data(),
                             message.size()),
            1);
}

TEST_F(SimVerifierTest, ConcurrentAttestAndVerifyAgree) {
  const SimAttester attester(*platform_, sample_claims());
  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto e = attester.attest(sample_report_data());
        if (!e.ok()) continue;
        if (verifier_.verify(*e, anchors_, now()).ok()) ++verified;
        Bytes bad = *e;
        bad[20] ^= 1;
        if (verifier_.verify(bad, anchors_, now()).ok()) verified -= 1000;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(verified.load(), 100);
  EXPECT_LE(verifier_.certificates().certificate_parses(), 4u);
}

TEST_F(SimVerifierTest, AppraisalListsEveryPreciseReason) {
  SimAttesterClaims c = sample_claims();
  c.debug = true;
  auto claims = verifier_.verify(attest(c), anchors_, now());
  ASSERT_TRUE(claims.ok());
  Policy policy;
  policy.allowed_types = {EvidenceType::kSim};
  policy.allow_sim = true;
  policy.module_measurements.allowed = {Sha256Digest{}};
  policy.runtime_measurements.any = true;
  Appraisal a = appraise(policy, *claims, now());
  EXPECT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 2u);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kModuleMeasurement);
  EXPECT_EQ(a.reasons[0].text.rfind("module measurement 22222222\xE2\x80\xA6 not in policy", 0), 0u)
      << a.reasons[0].text;
  EXPECT_EQ(a.reasons[1].check, AppraisalCheck::kDebug);
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("NO hardware protection"), std::string::npos);

  policy.module_measurements.allowed = {c.module_measurement};
  policy.allow_debug = true;
  EXPECT_TRUE(appraise(policy, *claims, now()).accepted);
  EXPECT_EQ(appraise(policy, *claims, now() + 301).reasons.at(0).check, AppraisalCheck::kTooOld);
  EXPECT_EQ(appraise(policy, *claims, now() - 120).reasons.at(0).check,
            AppraisalCheck::kFromFuture);
  policy.allow_sim = false;
  EXPECT_EQ(appraise(policy, *claims, now()).reasons.at(0).check, AppraisalCheck::kEvidenceType);
}

}  // namespace
}  // namespace trustmq::attest

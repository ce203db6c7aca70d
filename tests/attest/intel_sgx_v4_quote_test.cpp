// SGX DCAP quote v4 on a SYNTHETIC chain (synthetic_sgx_quote.h): no genuine v4 SGX quote is in
// the vectors, so the v4 layout, the policy's anchors replacing the built-in Intel root, a CRL
// that revokes the PCK certificate and signed TCB info / QE identity for v4 are pinned here with
// keys made by the test. Nothing here says anything about Intel's own keys.
#include <gtest/gtest.h>

#include <string>

#include "attest/appraisal.h"
#include "attest/intel_pck_certificate.h"
#include "attest/intel_quote.h"
#include "attest/intel_quote_verifier.h"
#include "attest/policy.h"
#include "attest/synthetic_sgx_quote.h"
#include "attest/well_known_roots.h"
#include "support/temp_directory.h"

namespace trustmq::attest {
namespace {

using test_support::SyntheticSgxQuote;
using Layout = test_support::SyntheticSgxQuoteLayout;
constexpr std::uint64_t kV4Now = SyntheticSgxQuote::kNow;

std::string utc_day(std::uint64_t t) {
  char buf[32];
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class SyntheticSgxV4QuoteTest : public ::testing::Test {
 protected:
  SyntheticSgxQuote s_;

  TrustAnchors test_root() const {
    X509_up_ref(s_.root.get());
    return {share_x509(X509Ptr(s_.root.get()))};
  }
  // The PCK CA's CRL (listing `revoked`) and an empty root CRL.
  std::shared_ptr<Collateral> crls(const std::vector<X509*>& revoked = {}) const {
    auto c = std::make_shared<Collateral>();
    EXPECT_TRUE(c->add_bytes("pck_ca.crl",
                             SyntheticSgxQuote::crl(s_.pck_ca.get(), s_.pck_ca_key.get(), revoked))
                    .ok());
    EXPECT_TRUE(
        c->add_bytes("root.crl", SyntheticSgxQuote::crl(s_.root.get(), s_.root_key.get(), {}))
            .ok());
    return c;
  }
  Result<Claims, VerifyFailure> verify(const Bytes& quote, const TrustAnchors& anchors,
                                       std::shared_ptr<const Collateral> c = nullptr) const {
    IntelQuoteVerifier v(EvidenceType::kSgxDcap, c ? std::move(c) : crls());
    return v.verify(quote, anchors, kV4Now);
  }
  void expect_v4_failure(const Result<Claims, VerifyFailure>& r, VerifyError code,
                         const std::string& fragment) const {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(verify_error_name(r.error().code), verify_error_name(code)) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  }
  // Hand-written SGX TCB info (levels: one above the PCK certificate's TCB, then the PCK
  // certificate's own TCB as SWHardeningNeeded) and QE identity (QE isvsvn 8 → UpToDate), both
  // signed by the synthetic TCB Signing key.
  std::string tcb_info() const {
    auto pck = read_pck_certificate(s_.pck_leaf.get());
    EXPECT_TRUE(pck.ok());
    auto components = [&](int bump) {
      std::string c;
      for (std::size_t i = 0; i < 16; ++i) {
        c += std::string(i == 0 ? "" : ",") +
             "{\"svn\":" + std::to_string(pck->component_svns[i] + (i == 0 ? bump : 0)) + "}";
      }
      return c;
    };
    const std::string inner =
        R"({"id":"SGX","version":3,"issueDate":")" + utc_day(kV4Now - 86400) +
        R"(","nextUpdate":")" + utc_day(kV4Now + 30 * 86400) + R"(","fmspc":")" +
        to_hex(pck->fmspc) + R"(","pceId":")" + to_hex(pck->pce_id) +
        R"(","tcbType":0,"tcbEvaluationDataNumber":17,"tcbLevels":[)"
        R"({"tcb":{"sgxtcbcomponents":[)" +
        components(1) + R"(],"pcesvn":)" + std::to_string(pck->pce_svn) +
        R"(},"tcbDate":"2026-01-01T00:00:00Z","tcbStatus":"UpToDate"},)"
        R"({"tcb":{"sgxtcbcomponents":[)" +
        components(0) + R"(],"pcesvn":)" + std::to_string(pck->pce_svn) +
        R"(},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"SWHardeningNeeded",)"
        R"("advisoryIDs":["INTEL-SA-00615","INTEL-SA-00657"]}]})";
    return s_.signed_document("tcbInfo", inner);
  }
  std::string qe_identity() const {
    const std::string inner =
        R"({"id":"QE","version":2,"issueDate":")" + utc_day(kV4Now - 86400) +
        R"(","nextUpdate":")" + utc_day(kV4Now + 30 * 86400) +
        R"(","tcbEvaluationDataNumber":17,"miscselect":"00000000","miscselectMask":"FFFFFFFF",)"
        R"("attributes":"11000000000000000000000000000000",)"
        R"("attributesMask":"FBFFFFFFFFFFFFFF0000000000000000","mrsigner":")" +
        to_hex(ByteSpan(s_.qe_report).subspan(128, 32)) +
        R"(","isvprodid":1,"tcbLevels":[{"tcb":{"isvsvn":8},"tcbDate":"2025-01-01T00:00:00Z",)"
        R"("tcbStatus":"UpToDate"},{"tcb":{"isvsvn":6},"tcbDate":"2023-01-01T00:00:00Z",)"
        R"("tcbStatus":"OutOfDate"}]})";
    return s_.signed_document("enclaveIdentity", inner);
  }
  std::shared_ptr<Collateral> full_collateral() const {
    auto c = crls();
    const std::string signer = SyntheticSgxQuote::pem_of(s_.tcb_signing.get());
    const std::string tcb = tcb_info(), qe = qe_identity();
    EXPECT_TRUE(
        c->add_bytes("tcb-signing.pem",
                     ByteSpan(reinterpret_cast<const std::uint8_t*>(signer.data()), signer.size()))
            .ok());
    EXPECT_TRUE(
        c->add_bytes("tcb_info.json",
                     ByteSpan(reinterpret_cast<const std::uint8_t*>(tcb.data()), tcb.size()))
            .ok());
    EXPECT_TRUE(c->add_bytes("qe_identity.json",
                             ByteSpan(reinterpret_cast<const std::uint8_t*>(qe.data()), qe.size()))
                    .ok());
    return c;
  }
};

TEST_F(SyntheticSgxV4QuoteTest, ParsesAsVersion4SgxWithTheQeDataInsideType6) {
  auto q = parse_intel_quote(s_.quote);
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->version, 4);
  EXPECT_FALSE(q->is_tdx());
  EXPECT_EQ(q->certification_data_type, 5);
  EXPECT_EQ(to_hex(q->qe_report), to_hex(s_.qe_report));
  EXPECT_EQ(to_hex(q->qe_auth_data), to_hex(s_.qe_auth_data));
  EXPECT_EQ(q->trailing_bytes, 0u);
}

TEST_F(SyntheticSgxV4QuoteTest, VerifiesUnderThePolicyAnchorWithItsClaims) {
  test_support::TempDirectory dir;
  dir.write("synthetic-root.pem", SyntheticSgxQuote::pem_of(s_.root.get()));
  auto policy = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"],
      "sgx-dcap": {"trust_anchors": ["synthetic-root.pem"], "mr_enclaves": "any",
                   "mr_signers": "any", "allow_unknown_tcb": true}})",
                             dir.path());
  ASSERT_TRUE(policy.ok()) << policy.error();
  const TrustAnchors& anchors = policy->anchors_for(EvidenceType::kSgxDcap);
  ASSERT_EQ(anchors.size(), 1u);

  IntelQuoteVerifier v(EvidenceType::kSgxDcap, crls());
  VerificationLog log;
  auto r = v.verify_logged(s_.quote, anchors, kV4Now, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  bool saw_v4 = false;
  for (const auto& step : log) {
    saw_v4 |= step.detail.find("version 4, SGX") != std::string::npos;
    EXPECT_TRUE(step.passed) << step.name << ": " << step.detail;
  }
  EXPECT_TRUE(saw_v4);
  ASSERT_TRUE(r->sgx.has_value());
  EXPECT_EQ(to_hex(r->sgx->mr_enclave), to_hex(ByteSpan(s_.body).subspan(64, 32)));
  EXPECT_EQ(to_hex(r->sgx->mr_signer), to_hex(ByteSpan(s_.body).subspan(128, 32)));
  EXPECT_EQ(r->sgx->isv_prod_id, 7);
  EXPECT_EQ(r->sgx->isv_svn, 3);
  EXPECT_EQ(r->sgx->attributes[0], 0x05);
  EXPECT_FALSE(r->sgx->debug);
  EXPECT_FALSE(r->debug);
  EXPECT_EQ(to_hex(r->report_data), to_hex(ByteSpan(s_.body).subspan(320, 64)));
  ASSERT_TRUE(r->intel_tcb.has_value());
  EXPECT_TRUE(r->intel_tcb->crls_checked);
  EXPECT_EQ(r->intel_tcb->fmspc, "00906ed50000");

  auto a = appraise(*policy, *r, kV4Now);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
}

TEST_F(SyntheticSgxV4QuoteTest, FailsAgainstTheBuiltInIntelRoot) {
  expect_v4_failure(verify(s_.quote, well_known_roots(EvidenceType::kSgxDcap)),
                    VerifyError::kUntrustedPlatform, "is not issued by a trust anchor");
  // A root that copies the Intel SGX Root CA's name: the chain names the built-in root as its
  // issuer, and only the signature check refuses it.
  SyntheticSgxQuote impostor(/*impostor_root=*/true);
  IntelQuoteVerifier v(EvidenceType::kSgxDcap, std::make_shared<const Collateral>());
  expect_v4_failure(v.verify(impostor.quote, well_known_roots(EvidenceType::kSgxDcap), kV4Now),
                    VerifyError::kUntrustedPlatform,
                    "Intel SGX PCK Processor CA is not signed by Intel SGX Root CA");
}

TEST_F(SyntheticSgxV4QuoteTest, CrlListingThePckCertificateIsCertificateRevoked) {
  expect_v4_failure(verify(s_.quote, test_root(), crls({s_.pck_leaf.get()})),
                    VerifyError::kCertificateRevoked,
                    "PCK certificate is revoked (listed in pck_ca.crl)");
  // The root CA's CRL listing the PCK CA.
  auto c = std::make_shared<Collateral>();
  ASSERT_TRUE(c->add_bytes("root.crl", SyntheticSgxQuote::crl(s_.root.get(), s_.root_key.get(),
                                                              {s_.pck_ca.get()}))
                  .ok());
  expect_v4_failure(verify(s_.quote, test_root(), c), VerifyError::kCertificateRevoked,
                    "Intel SGX PCK Processor CA is revoked (listed in root.crl)");
  // A CRL of another serial does not revoke it.
  EXPECT_TRUE(verify(s_.quote, test_root(), crls({s_.tcb_signing.get()})).ok());
}

TEST_F(SyntheticSgxV4QuoteTest, FlippedBitsInTheQuoteFailWithTheirStep) {
  struct Case {
    std::size_t offset;
    VerifyError code;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {1, VerifyError::kMalformed, "version"},                                   // header version
      {20, VerifyError::kSignatureInvalid, "quote signature does not verify"},   // header vendor
      {Layout::kBody + 64, VerifyError::kSignatureInvalid, "quote signature"},   // mr_enclave
      {Layout::kBody + 48, VerifyError::kSignatureInvalid, "quote signature"},   // attributes
      {Layout::kBody + 320, VerifyError::kSignatureInvalid, "quote signature"},  // report data
      {Layout::kSignature + 3, VerifyError::kSignatureInvalid, "quote signature"},       // r
      {Layout::kSignature + 32 + 3, VerifyError::kSignatureInvalid, "quote signature"},  // s
      {Layout::kAttestationKey + 7, VerifyError::kPlatformMismatch, "attestation key"},  // AK
      {Layout::kQeReport + 128, VerifyError::kSignatureInvalid, "QE report signature"},
      {Layout::kQeReport + 320, VerifyError::kSignatureInvalid, "QE report signature"},
      {Layout::kQeReportSignature + 5, VerifyError::kSignatureInvalid, "QE report signature"},
      {Layout::kQeAuthData + 1, VerifyError::kPlatformMismatch, "attestation key"},
  };
  for (const auto& c : cases) {
    Bytes b = s_.quote;
    b[c.offset] ^= 0x01;
    SCOPED_TRACE(c.offset);
    expect_v4_failure(verify(b, test_root()), c.code, c.fragment);
  }
}

TEST_F(SyntheticSgxV4QuoteTest, FlippedBitInEachCertificateFails) {
  // One base64 character of each certificate's signature, a few characters before its END line.
  auto flip = [](Bytes quote, std::size_t index) {
    const std::string text(quote.begin(), quote.end());
    std::size_t at = text.find("-----END CERTIFICATE-----");
    for (std::size_t i = 0; i < index; ++i) at = text.find("-----END CERTIFICATE-----", at + 1);
    at -= 8;
    quote[at] = quote[at] == 'A' ? 'B' : 'A';
    return quote;
  };
  expect_v4_failure(verify(flip(s_.quote, 0), test_root()), VerifyError::kUntrustedPlatform,
                    "PCK certificate is not signed by Intel SGX PCK Processor CA");
  expect_v4_failure(verify(flip(s_.quote, 1), test_root()), VerifyError::kUntrustedPlatform,
                    "Intel SGX PCK Processor CA is not signed by trustmq synthetic SGX Root CA");
  // The root copy inside the quote is never trusted: the anchor is what counts.
  EXPECT_TRUE(verify(flip(s_.quote, 2), test_root()).ok());
  // A tampered anchor fails its self-signature.
  unsigned char* der = nullptr;
  const int len = i2d_X509(s_.root.get(), &der);
  Bytes root_der(der, der + len);
  OPENSSL_free(der);
  root_der.back() ^= 1;
  const unsigned char* p = root_der.data();
  TrustAnchors bad{share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(root_der.size()))))};
  expect_v4_failure(verify(s_.quote, bad), VerifyError::kUntrustedPlatform,
                    "self-signature does not verify");
}

TEST_F(SyntheticSgxV4QuoteTest, SignedTcbInfoAndQeIdentityGiveTheStatusAndAdvisories) {
  IntelQuoteVerifier v(EvidenceType::kSgxDcap, full_collateral());
  VerificationLog log;
  auto r = v.verify_logged(s_.quote, test_root(), kV4Now, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const auto& step : log) {
    EXPECT_TRUE(step.passed) << step.name << ": " << step.detail;
    EXPECT_EQ(step.detail.find("NOT CHECKED"), std::string::npos) << step.name;
  }
  ASSERT_TRUE(r->intel_tcb->platform_status.has_value());
  ASSERT_TRUE(r->intel_tcb->qe_status.has_value());
  EXPECT_EQ(*r->intel_tcb->platform_status, TcbStatus::kSwHardeningNeeded);
  EXPECT_EQ(r->intel_tcb->advisory_ids,
            (std::vector<std::string>{"INTEL-SA-00615", "INTEL-SA-00657"}));
  EXPECT_EQ(*r->intel_tcb->qe_status, TcbStatus::kUpToDate);
  EXPECT_EQ(r->intel_tcb->tcb_evaluation_data_number, 17u);

  // A QE at isvsvn 7 falls to the OutOfDate level.
  s_.qe_report[258] = 7;
  s_.rebuild();
  IntelQuoteVerifier v7(EvidenceType::kSgxDcap, full_collateral());
  auto old_qe = v7.verify(s_.quote, test_root(), kV4Now);
  ASSERT_TRUE(old_qe.ok()) << old_qe.error().message;
  EXPECT_EQ(*old_qe->intel_tcb->qe_status, TcbStatus::kOutOfDate);

  // Each document with one byte changed no longer verifies.
  for (const char* name : {"tcb_info.json", "qe_identity.json"}) {
    SCOPED_TRACE(name);
    auto c = full_collateral();
    for (auto& d : c->documents) {
      if (d.source != name) continue;
      const auto at = d.text.find("\"tcbEvaluationDataNumber\":17");
      ASSERT_NE(at, std::string::npos);
      d.text.replace(at, 28, "\"tcbEvaluationDataNumber\":18");
    }
    IntelQuoteVerifier tampered(EvidenceType::kSgxDcap, c);
    expect_v4_failure(tampered.verify(s_.quote, test_root(), kV4Now),
                      VerifyError::kCollateralInvalid,
                      "signature does not verify with the Intel SGX TCB Signing key");
  }
}

// Code finding of the issue 9 audit: the root CA's CRL also revokes the TCB Signing certificate.
TEST_F(SyntheticSgxV4QuoteTest, RootCrlListingTheTcbSigningCertificateIsCertificateRevoked) {
  auto c = full_collateral();
  c->crls.clear();
  ASSERT_TRUE(c->add_bytes("root.crl", SyntheticSgxQuote::crl(s_.root.get(), s_.root_key.get(),
                                                              {s_.tcb_signing.get()}))
                  .ok());
  IntelQuoteVerifier v(EvidenceType::kSgxDcap, c);
  expect_v4_failure(v.verify(s_.quote, test_root(), kV4Now), VerifyError::kCertificateRevoked,
                    "Intel SGX TCB Signing certificate is revoked (listed in root.crl)");
}

// P5 / finding 2: a TCB info or QE identity dated after the verification time, or past its
// nextUpdate, fails verification (collateral-invalid), as an expired CRL does; appraisal keeps
// refusing such claims too (claims verified at one time and appraised at another).
TEST_F(SyntheticSgxV4QuoteTest, CollateralOutsideItsDatesFailsVerificationAndAppraisal) {
  auto c = full_collateral();
  c->crls.clear();  // the CRLs are not valid yet either (thisUpdate kV4Now - 1 day)
  IntelQuoteVerifier v(EvidenceType::kSgxDcap, c);
  const std::uint64_t before_issue = kV4Now - 2 * 86400;  // documents issued kV4Now - 1 day
  VerificationLog log;
  auto early = v.verify_logged(s_.quote, test_root(), before_issue, &log);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(early.error().message.find("is dated after the verification time"), std::string::npos)
      << early.error().message;
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().name, "QE identity");
  EXPECT_FALSE(log.back().passed);
  auto late = v.verify(s_.quote, test_root(), kV4Now + 31 * 86400);  // nextUpdate + 1 day
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(late.error().message.find("has expired (nextUpdate"), std::string::npos)
      << late.error().message;

  auto r = v.verify(s_.quote, test_root(), kV4Now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto policy = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"],
      "sgx-dcap": {"mr_enclaves": "any", "mr_signers": "any", "allow_unknown_tcb": true,
                   "allowed_tcb_statuses": ["UpToDate", "SWHardeningNeeded"]}})",
                             "/");
  ASSERT_TRUE(policy.ok()) << policy.error();
  EXPECT_TRUE(appraise(*policy, *r, kV4Now).accepted);
  auto a = appraise(*policy, *r, before_issue);
  ASSERT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 2u);  // TCB info and QE identity
  for (const auto& reason : a.reasons) {
    EXPECT_EQ(reason.check, AppraisalCheck::kCollateralAge);
    EXPECT_NE(reason.text.find("is dated after the verification time"), std::string::npos)
        << reason.text;
  }
}

}  // namespace
}  // namespace trustmq::attest

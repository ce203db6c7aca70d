// The tpm2-quote attester and verifier against a private swtpm (support/swtpm.h): genuine
// evidence verifies; each forgery fails closed with its own error.
#include "attest/tpm_quote_verifier.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <vector>

#include "attest/appraisal.h"
#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/tpm_attester.h"
#include "attest/tpm_claims.h"
#include "attest/tpm_credential.h"
#include "attest/tpm_credential_activation.h"
#include "attest/tpm_public_key.h"
#include "tpm_enrolled_swtpm.h"

namespace trustmq::attest {
namespace {

using testing::EnrolledSwtpm;

std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

ReportData report_data(std::uint8_t b) {
  ReportData r{};
  r.fill(b);
  return r;
}

class TpmQuoteVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = TpmAttester::start(tpm_.attester_config());
    ASSERT_TRUE(a) << a.error();
    attester_ = std::move(*a);
  }

  Bytes evidence(std::uint8_t rd = 0x11) {
    auto e = attester_->attest(report_data(rd));
    EXPECT_TRUE(e) << e.error();
    return e ? *e : Bytes{};
  }

  // Decodes, lets `change` edit, re-encodes.
  template <typename F>
  Bytes altered(F change) {
    auto d = decode_tpm_evidence(evidence());
    EXPECT_TRUE(d);
    change(*d);
    return encode_tpm_evidence(*d);
  }

  void expect_refused(const Bytes& e, VerifyError code, const std::string& text) {
    auto r = verifier_.verify(e, tpm_.anchors(), now());
    ASSERT_FALSE(r) << "verified although it should not";
    EXPECT_EQ(verify_error_name(r.error().code), verify_error_name(code)) << r.error().message;
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  }

  EnrolledSwtpm tpm_;
  std::unique_ptr<TpmAttester> attester_;
  TpmQuoteVerifier verifier_;
};

TEST_F(TpmQuoteVerifierTest, GenuineQuote_VerifiesWithItsClaims) {
  VerificationLog log;
  auto c = verifier_.verify_logged(evidence(0x11), tpm_.anchors(), now(), &log);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->type, EvidenceType::kTpm2Quote);
  EXPECT_EQ(c->report_data, report_data(0x11));
  EXPECT_EQ(c->module_measurement, tpm_.attester_config().module_measurement);
  EXPECT_EQ(c->runtime_measurement, tpm_.attester_config().runtime_measurement);
  EXPECT_FALSE(c->has_timestamp);
  EXPECT_EQ(c->platform_id.rfind("tpm2:", 0), 0u);
  ASSERT_TRUE(c->tpm);
  EXPECT_EQ(c->tpm->pcrs.size(), std::size(kTpmQuotedPcrs));
  EXPECT_EQ(c->tpm->pcrs.back().index, kTpmEventPcr);
  EXPECT_NE(c->tpm->ak_subject.find("SOFTWARE TPM"), std::string::npos) << c->tpm->ak_subject;
  EXPECT_TRUE(attester_->software_tpm());
  for (const auto& step : log) EXPECT_TRUE(step.passed) << step.name << ": " << step.detail;
  EXPECT_GE(log.size(), 8u);
  // T14: clock and reset counters are the TPM's own (TPM2_ReadClock on a second connection).
  auto other = TpmConnection::open(tpm_.tpm.tcti());
  ASSERT_TRUE(other) << other.error();
  TPMS_TIME_INFO* time_info = nullptr;
  ASSERT_EQ(Esys_ReadClock((*other)->esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &time_info),
            TSS2_RC_SUCCESS);
  const TPMS_CLOCK_INFO clock_info = time_info->clockInfo;
  Esys_Free(time_info);
  EXPECT_GT(c->tpm->clock, 0u);
  EXPECT_LE(c->tpm->clock, clock_info.clock);
  EXPECT_EQ(c->tpm->reset_count, clock_info.resetCount);
  EXPECT_EQ(c->tpm->restart_count, clock_info.restartCount);
  EXPECT_EQ(c->tpm->safe, clock_info.safe == TPM2_YES);
  // A later quote's clock is not lower.
  auto later = verifier_.verify(evidence(0x12), tpm_.anchors(), now());
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_GE(later->tpm->clock, c->tpm->clock);
  EXPECT_EQ(later->tpm->reset_count, c->tpm->reset_count);
}

TEST_F(TpmQuoteVerifierTest, EvidenceFitsTheExtensionWithRoom) {
  EXPECT_LT(evidence().size(), 2048u);  // the extension allows 18 432 bytes
}

TEST_F(TpmQuoteVerifierTest, WrongPcrValue_IsPlatformMismatch) {
  expect_refused(altered([](TpmEvidence& e) { e.pcrs[0].value[0] ^= 1; }),
                 VerifyError::kPlatformMismatch, "PCR digest");
}

TEST_F(TpmQuoteVerifierTest, PcrMissingFromTheValues_IsPlatformMismatch) {
  expect_refused(altered([](TpmEvidence& e) { e.pcrs.erase(e.pcrs.begin()); }),
                 VerifyError::kPlatformMismatch, "not the PCRs quoted");
}

TEST_F(TpmQuoteVerifierTest, EventLogEdited_IsPlatformMismatch) {
  expect_refused(altered([](TpmEvidence& e) { e.events[1].measurement[0] ^= 1; }),
                 VerifyError::kPlatformMismatch, "does not replay");
}

TEST_F(TpmQuoteVerifierTest, Pcr23ExtendedByAnotherProcess_FailsReplay) {
  auto other = TpmConnection::open(tpm_.tpm.tcti());
  ASSERT_TRUE(other) << other.error();
  TPML_DIGEST_VALUES v{};
  v.count = 1;
  v.digests[0].hashAlg = TPM2_ALG_SHA256;
  ASSERT_EQ(Esys_PCR_Extend((*other)->esys(), ESYS_TR_PCR0 + 23, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                            ESYS_TR_NONE, &v),
            TSS2_RC_SUCCESS);
  expect_refused(evidence(), VerifyError::kPlatformMismatch, "does not replay");
}

TEST_F(TpmQuoteVerifierTest, ReportDataReplaced_IsSignatureInvalid) {
  expect_refused(altered([](TpmEvidence& e) { e.report_data = report_data(0x22); }),
                 VerifyError::kSignatureInvalid, "qualifying data");
}

TEST_F(TpmQuoteVerifierTest, ReplayedQuote_CarriesTheOldReportData) {
  // A replayed quote verifies as a quote, but it is bound to the old report data: the TLS
  // binding check (attestation_client.cpp) refuses it; swapping in the new report data is the
  // case above (signature-invalid).
  const Bytes old = evidence(0x11);
  auto c = verifier_.verify(old, tpm_.anchors(), now());
  ASSERT_TRUE(c);
  EXPECT_NE(c->report_data, report_data(0x33));
}

TEST_F(TpmQuoteVerifierTest, TamperedSignature_IsSignatureInvalid) {
  expect_refused(altered([](TpmEvidence& e) { e.signature[e.signature.size() - 1] ^= 1; }),
                 VerifyError::kSignatureInvalid, "does not verify");
}

TEST_F(TpmQuoteVerifierTest, TamperedAttest_IsSignatureInvalid) {
  expect_refused(altered([](TpmEvidence& e) { e.attest[e.attest.size() - 1] ^= 1; }),
                 VerifyError::kSignatureInvalid, "does not verify");
}

TEST_F(TpmQuoteVerifierTest, AkNotIssuedByAPolicyAnchor_IsUntrusted) {
  EvpPkeyPtr other_key;
  const TrustAnchors other{share_x509(testing::make_ca(other_key, "another enrolment CA"))};
  auto r = verifier_.verify(evidence(), other, now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform) << r.error().message;
}

// An AK certificate from the same enrolment CA for another key (copies of one swtpm state
// share their seeds, hence their AK: the other key is made in software).
X509Ptr foreign_ak_certificate(const EnrolledSwtpm& tpm) {
  EvpPkeyPtr key = generate_p256_key().value();
  CertificateRequest r;
  r.common_name = "foreign AK";
  r.subject_key = key.get();
  r.issuer_cert = tpm.ca_cert.get();
  r.issuer_key = tpm.ca_key.get();
  return issue_certificate(r).value();
}

TEST_F(TpmQuoteVerifierTest, ForeignAkCertificate_IsSignatureInvalid) {
  X509Ptr cert = foreign_ak_certificate(tpm_);
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert.get(), &der);
  Bytes foreign(der, der + n);
  OPENSSL_free(der);
  expect_refused(altered([&](TpmEvidence& e) { e.ak_certificate_der = foreign; }),
                 VerifyError::kSignatureInvalid, "does not verify");
}

TEST_F(TpmQuoteVerifierTest, AttesterWithAForeignAkCertificate_DoesNotStart) {
  TpmAttesterConfig config = tpm_.attester_config();
  config.ak_certificate_path = tpm_.tpm.dir().file("foreign-ak.pem");
  ASSERT_TRUE(
      write_certificate_pem(config.ak_certificate_path, foreign_ak_certificate(tpm_).get()));
  attester_.reset();
  auto a = TpmAttester::start(config);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("does not certify"), std::string::npos) << a.error();
}

// A CRL of the enrolment CA (ECDSA P-256 SHA-256, as the CA's key) listing `serials`.
Bytes enrolment_crl(const EnrolledSwtpm& tpm, const std::vector<const ASN1_INTEGER*>& serials,
                    std::int64_t this_update, std::int64_t next_update) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(tpm.ca_cert.get()));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(this_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(next_update));
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (const ASN1_INTEGER* serial : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, const_cast<ASN1_INTEGER*>(serial));
    X509_REVOKED_set_revocationDate(r, last);
    X509_CRL_add0_revoked(crl, r);
  }
  X509_CRL_sort(crl);
  EXPECT_GT(X509_CRL_sign(crl, tpm.ca_key.get(), EVP_sha256()), 0);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  X509_CRL_free(crl);
  return out;
}

class TpmAkRevocationTest : public TpmQuoteVerifierTest {
 protected:
  Result<Claims, VerifyFailure> verify_with_crl(const Bytes& crl, VerificationLog* log = nullptr) {
    auto collateral = std::make_shared<Collateral>();
    EXPECT_TRUE(collateral->add_bytes("enrolment.crl", crl).ok());
    TpmQuoteVerifier verifier(collateral);
    return verifier.verify_logged(evidence(), tpm_.anchors(), now(), log);
  }
  X509Ptr ak_certificate() const {
    BioPtr bio(BIO_new_file(tpm_.ak_cert_path.c_str(), "r"));
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  }
  static const VerificationStep* revocation_step(const VerificationLog& log) {
    for (const auto& s : log) {
      if (s.name.rfind("AK not revoked", 0) == 0) return &s;
    }
    return nullptr;
  }
  static constexpr std::int64_t kDay = 86400;
};

TEST_F(TpmAkRevocationTest, WithoutACrlTheStepIsNotChecked) {
  VerificationLog log;
  ASSERT_TRUE(verifier_.verify_logged(evidence(), tpm_.anchors(), now(), &log));
  const VerificationStep* step = revocation_step(log);
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->skipped);
  EXPECT_NE(step->detail.find("NOT CHECKED"), std::string::npos) << step->detail;
}

TEST_F(TpmAkRevocationTest, CrlWithoutTheAk_Passes) {
  const auto t = static_cast<std::int64_t>(now());
  VerificationLog log;
  auto r = verify_with_crl(enrolment_crl(tpm_, {}, t - kDay, t + kDay), &log);
  ASSERT_TRUE(r) << r.error().message;
  const VerificationStep* step = revocation_step(log);
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->passed);
  EXPECT_FALSE(step->skipped);
  EXPECT_NE(step->name.find("test enrolment CA"), std::string::npos) << step->name;
}

TEST_F(TpmAkRevocationTest, RevokedAk_IsCertificateRevoked) {
  const auto t = static_cast<std::int64_t>(now());
  X509Ptr ak = ak_certificate();
  ASSERT_TRUE(ak);
  auto r =
      verify_with_crl(enrolment_crl(tpm_, {X509_get0_serialNumber(ak.get())}, t - kDay, t + kDay));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, VerifyError::kCertificateRevoked) << r.error().message;
  EXPECT_NE(r.error().message.find("AK certificate is revoked"), std::string::npos)
      << r.error().message;
}

TEST_F(TpmAkRevocationTest, TamperedOrExpiredCrl_IsCollateralInvalid) {
  const auto t = static_cast<std::int64_t>(now());
  Bytes tampered = enrolment_crl(tpm_, {}, t - kDay, t + kDay);
  tampered[tampered.size() - 1] ^= 1;
  auto bad = verify_with_crl(tampered);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, VerifyError::kCollateralInvalid) << bad.error().message;
  auto expired = verify_with_crl(enrolment_crl(tpm_, {}, t - 3 * kDay, t - kDay));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, VerifyError::kCollateralInvalid);
  EXPECT_NE(expired.error().message.find("has expired"), std::string::npos);
}

// The tpm2-quote section's revocation rules (P5/P6) on what the verifier reports.
Policy tpm_revocation_policy(bool require, std::uint64_t max_age) {
  Policy p;
  p.allowed_types = {EvidenceType::kTpm2Quote};
  p.module_measurements.any = true;
  p.runtime_measurements.any = true;
  p.tpm.present = true;
  p.tpm.require_revocation_check = require;
  p.tpm.max_collateral_age_seconds = max_age;
  return p;
}

TEST_F(TpmAkRevocationTest, RequireRevocationCheck_RefusesAQuoteVerifiedWithoutACrl) {
  auto without = verifier_.verify(evidence(), tpm_.anchors(), now());
  ASSERT_TRUE(without) << without.error().message;
  EXPECT_FALSE(without->tpm->revocation.checked);
  EXPECT_TRUE(appraise(tpm_revocation_policy(false, 0), *without, now()).accepted);
  const Appraisal refused = appraise(tpm_revocation_policy(true, 0), *without, now());
  ASSERT_FALSE(refused.accepted);
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_EQ(refused.reasons[0].check, AppraisalCheck::kTcbStatus);
  EXPECT_NE(refused.reasons[0].text.find("AK certificate not checked"), std::string::npos)
      << refused.reasons[0].text;

  const auto t = static_cast<std::int64_t>(now());
  auto with = verify_with_crl(enrolment_crl(tpm_, {}, t - 3 * kDay, t + kDay));
  ASSERT_TRUE(with) << with.error().message;
  EXPECT_TRUE(with->tpm->revocation.checked);
  EXPECT_EQ(with->tpm->revocation.crl_this_update, static_cast<std::uint64_t>(t - 3 * kDay));
  EXPECT_TRUE(appraise(tpm_revocation_policy(true, 0), *with, now()).accepted);
  // max_collateral_age_seconds on the CRL's thisUpdate: 2 days refuses, 4 days accepts.
  const Appraisal too_old = appraise(tpm_revocation_policy(true, 2 * kDay), *with, now());
  ASSERT_FALSE(too_old.accepted);
  ASSERT_EQ(too_old.reasons.size(), 1u);
  EXPECT_EQ(too_old.reasons[0].check, AppraisalCheck::kCollateralAge);
  EXPECT_NE(too_old.reasons[0].text.find("max_collateral_age_seconds"), std::string::npos);
  EXPECT_TRUE(appraise(tpm_revocation_policy(true, 4 * kDay), *with, now()).accepted);
  // Appraised at a time before the CRL was issued: refused as dated in the future.
  const Appraisal future =
      appraise(tpm_revocation_policy(false, 0), *with, static_cast<std::uint64_t>(t - 4 * kDay));
  ASSERT_FALSE(future.accepted);
  EXPECT_NE(future.reasons[0].text.find("dated after the verification time"), std::string::npos)
      << future.reasons[0].text;
}

TEST(TpmAttester, UnreachableTpm_ErrorNamesTheTcti) {
  TpmAttesterConfig config;
  config.tcti = "swtpm:path=/nonexistent/trustmq-test.sock";
  config.ak_certificate_path = "/nonexistent/ak.pem";
  auto a = TpmAttester::start(config);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("swtpm:path=/nonexistent/trustmq-test.sock"), std::string::npos)
      << a.error();
}

TEST(TpmEnrolment, EkCertificateFromAnotherCa_IsRefused) {
  test_support::Swtpm tpm;
  EvpPkeyPtr ca_key;
  auto ca = share_x509(testing::make_ca(ca_key, "enrolment CA"));
  TpmEnrolmentRequest req = testing::enrolment_request(ca.get(), ca_key.get());
  req.ek_roots = {ca};  // not the EK's manufacturer root
  auto connection = TpmConnection::open(tpm.tcti());
  ASSERT_TRUE(connection);
  auto r = enrol_attestation_key(**connection, req);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("does not chain"), std::string::npos) << r.error();
}

// T6: credential activation refuses a credential made for another AK name or another EK, and
// enrolment refuses an EK certificate from the right CA that certifies another key.
EvpPkeyPtr software_rsa2048_key() {
  EvpPkeyPtr key(EVP_RSA_gen(2048));
  EXPECT_TRUE(key);
  return key;
}

class TpmCredentialActivationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = TpmConnection::open(tpm_.tcti());
    ASSERT_TRUE(connection) << connection.error();
    connection_ = std::move(*connection);
    ESYS_CONTEXT* esys = connection_->esys();
    ASSERT_EQ(Esys_TR_FromTPMPublic(esys, kTpmRsaEkHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &ek_),
              TSS2_RC_SUCCESS);
    TPM2B_PUBLIC* ek_public = nullptr;
    ASSERT_EQ(Esys_ReadPublic(esys, ek_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek_public,
                              nullptr, nullptr),
              TSS2_RC_SUCCESS);
    ek_area_ = ek_public->publicArea;
    Esys_Free(ek_public);
    // The AK as `trustmq tpm enroll` creates it.
    const TPM2B_SENSITIVE_CREATE sensitive{};
    const TPM2B_PUBLIC ak_template = tpm_attestation_key_template();
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION no_pcrs{};
    TPM2B_PUBLIC* ak_public = nullptr;
    ASSERT_EQ(Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, &sensitive, &ak_template, &outside, &no_pcrs, &ak_,
                                 &ak_public, nullptr, nullptr, nullptr),
              TSS2_RC_SUCCESS);
    auto name = tpm_object_name(ak_public->publicArea);
    Esys_Free(ak_public);
    ASSERT_TRUE(name) << name.error();
    ak_name_ = *name;
  }
  void TearDown() override {
    if (connection_ && ak_ != ESYS_TR_NONE) Esys_FlushContext(connection_->esys(), ak_);
  }

  Result<void> activate(const TPMT_PUBLIC& ek, ByteSpan name) {
    auto credential = tpm_make_credential(ek, name, secret_);
    EXPECT_TRUE(credential) << credential.error();
    if (!credential) return Result<void>::failure(credential.error());
    return activate_credential(*connection_, ak_, ek_, *credential, secret_);
  }

  test_support::Swtpm tpm_;
  std::unique_ptr<TpmConnection> connection_;
  ESYS_TR ek_ = ESYS_TR_NONE;
  ESYS_TR ak_ = ESYS_TR_NONE;
  TPMT_PUBLIC ek_area_{};
  Bytes ak_name_;
  Bytes secret_ = Bytes(32, 0x5A);
};

TEST_F(TpmCredentialActivationTest, CredentialForThisEkAndAkName_Activates) {
  auto r = activate(ek_area_, ak_name_);
  EXPECT_TRUE(r) << r.error();
}

TEST_F(TpmCredentialActivationTest, CredentialForAnotherAkName_FailsActivation) {
  Bytes other = ak_name_;
  other.back() ^= 1;
  auto r = activate(ek_area_, other);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("ActivateCredential failed"), std::string::npos) << r.error();
}

TEST_F(TpmCredentialActivationTest, CredentialForAnotherEk_FailsActivation) {
  // The same template with another RSA-2048 modulus: the seed is encrypted to a key this TPM
  // does not hold.
  EvpPkeyPtr other = software_rsa2048_key();
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(other.get(), "n", &n), 1);
  TPMT_PUBLIC other_ek = ek_area_;
  ASSERT_EQ(other_ek.type, TPM2_ALG_RSA);
  ASSERT_EQ(BN_bn2binpad(n, other_ek.unique.rsa.buffer, 256), 256);
  other_ek.unique.rsa.size = 256;
  BN_free(n);
  auto r = activate(other_ek, ak_name_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("ActivateCredential failed"), std::string::npos) << r.error();
}

// The EK certificate in NV is replaced by one that swtpm-localca's issuing CA (the EK roots of
// the request trust it) signs for another RSA key: it chains, but certifies the wrong key.
TEST(TpmEnrolment, EkCertificateOfAnotherKeyFromTheRightCa_IsRefused) {
  test_support::Swtpm tpm;  // its own copy of the template state: only this TPM is changed
  const auto& t = test_support::SwtpmTemplate::get();
  auto issuer = load_pem_certificates(t.ek_issuer_ca);
  ASSERT_TRUE(issuer) << issuer.error();
  const std::string signkey =
      std::filesystem::path(t.ek_issuer_ca).parent_path().string() + "/signkey.pem";
  auto issuer_key = read_private_key_pem(signkey);
  ASSERT_TRUE(issuer_key) << issuer_key.error();
  EvpPkeyPtr other = software_rsa2048_key();
  CertificateRequest request;
  request.common_name = "another RSA key";
  request.subject_key = other.get();
  request.issuer_cert = (*issuer)[0].get();
  request.issuer_key = issuer_key->get();
  auto cert = issue_certificate(request);
  ASSERT_TRUE(cert) << cert.error();
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(cert->get(), &der);
  ASSERT_GT(der_size, 0);
  const Bytes der_bytes(der, der + der_size);
  OPENSSL_free(der);

  auto connection = TpmConnection::open(tpm.tcti());
  ASSERT_TRUE(connection) << connection.error();
  ESYS_CONTEXT* esys = (*connection)->esys();
  ESYS_TR nv = ESYS_TR_NONE;
  ASSERT_EQ(Esys_TR_FromTPMPublic(esys, kTpmRsaEkCertificateIndex, ESYS_TR_NONE, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &nv),
            TSS2_RC_SUCCESS);
  TPM2B_NV_PUBLIC* pub = nullptr;
  ASSERT_EQ(Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, nullptr),
            TSS2_RC_SUCCESS);
  const std::size_t capacity = pub->nvPublic.dataSize;
  Esys_Free(pub);
  // A shorter certificate leaves the old tail behind it; DER parsing stops at its end.
  ASSERT_LE(der_bytes.size(), capacity);
  for (std::size_t offset = 0; offset < der_bytes.size(); offset += 512) {
    TPM2B_MAX_NV_BUFFER chunk{};
    chunk.size = static_cast<std::uint16_t>(std::min<std::size_t>(512, der_bytes.size() - offset));
    std::copy_n(der_bytes.begin() + static_cast<std::ptrdiff_t>(offset), chunk.size, chunk.buffer);
    // swtpm_setup defines the EK certificate index with platform write (TPMA_NV_PPWRITE).
    ASSERT_EQ(Esys_NV_Write(esys, ESYS_TR_RH_PLATFORM, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                            ESYS_TR_NONE, &chunk, static_cast<std::uint16_t>(offset)),
              TSS2_RC_SUCCESS);
  }
  Esys_TR_Close(esys, &nv);

  EvpPkeyPtr ca_key;
  auto ca = share_x509(testing::make_ca(ca_key, "enrolment CA"));
  auto r = enrol_attestation_key(**connection, testing::enrolment_request(ca.get(), ca_key.get()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("does not certify the TPM's EK"), std::string::npos) << r.error();
}

TEST(TpmEnrolment, ReEnrolment_ReplacesThePersistentAk) {
  testing::EnrolledSwtpm tpm;
  EvpPkeyPtr ca_key;
  auto ca = share_x509(testing::make_ca(ca_key, "second CA"));
  auto connection = TpmConnection::open(tpm.tpm.tcti());
  ASSERT_TRUE(connection);
  auto again =
      enrol_attestation_key(**connection, testing::enrolment_request(ca.get(), ca_key.get()));
  ASSERT_TRUE(again) << again.error();
  // Same TPM, same template: the same key, certified again.
  auto first = read_certificate_pem(tpm.ak_cert_path);
  ASSERT_TRUE(first);
  EXPECT_EQ(
      EVP_PKEY_eq(X509_get0_pubkey(first->get()), X509_get0_pubkey(again->ak_certificate.get())),
      1);
}

}  // namespace
}  // namespace trustmq::attest

#include "attest/tpm_evidence.h"

#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include "attest/measurement.h"
#include "attest/test_p256_pki.h"
#include "attest/tpm_event_log.h"
#include "attest/tpm_quote_verifier.h"
#include "attest/trust_anchors.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

TpmEvidence sample() {
  TpmEvidence e;
  e.pcrs = {{0, {}}, {23, {}}};
  e.pcrs[1].value.fill(0x23);
  e.events = {{TpmEventKind::kRuntime, {}}, {TpmEventKind::kModule, {}}};
  e.report_data.fill(0xAB);
  e.attest = {1, 2, 3};
  e.signature = {4, 5};
  e.ak_certificate_der = {6};
  return e;
}

TEST(TpmEvidence, EncodeDecode_RoundTrips) {
  const Bytes bytes = encode_tpm_evidence(sample());
  auto d = decode_tpm_evidence(bytes);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->pcrs.size(), 2u);
  EXPECT_EQ(d->pcrs[1].index, 23);
  EXPECT_EQ(d->pcrs[1].value, sample().pcrs[1].value);
  EXPECT_EQ(d->events.size(), 2u);
  EXPECT_EQ(d->events[1].kind, TpmEventKind::kModule);
  EXPECT_EQ(d->report_data, sample().report_data);
  EXPECT_EQ(d->attest, (Bytes{1, 2, 3}));
  EXPECT_EQ(d->signature, (Bytes{4, 5}));
  EXPECT_EQ(d->ak_certificate_der, (Bytes{6}));
}

TEST(TpmEvidence, EveryTruncation_IsMalformed) {
  const Bytes bytes = encode_tpm_evidence(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_tpm_evidence(ByteSpan(bytes.data(), n))) << "length " << n;
  }
}

TEST(TpmEvidence, TrailingByte_IsMalformed) {
  Bytes bytes = encode_tpm_evidence(sample());
  bytes.push_back(0);
  auto d = decode_tpm_evidence(bytes);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("trailing"), std::string::npos);
}

TEST(TpmEvidence, UnorderedPcrs_AreMalformed) {
  TpmEvidence e = sample();
  std::swap(e.pcrs[0], e.pcrs[1]);
  EXPECT_FALSE(decode_tpm_evidence(encode_tpm_evidence(e)));
}

TEST(TpmEvidence, UnknownEventKind_IsMalformed) {
  Bytes bytes = encode_tpm_evidence(sample());
  // version, count, 2 × 33 PCR bytes, event count, then the first event's kind
  bytes[1 + 1 + 66 + 1] = 9;
  EXPECT_FALSE(decode_tpm_evidence(bytes));
}

TEST(TpmEvidence, OtherVersion_IsMalformed) {
  Bytes bytes = encode_tpm_evidence(sample());
  bytes[0] = 2;
  EXPECT_FALSE(decode_tpm_evidence(bytes));
}

TEST(TpmEventLog, Replay_IsPcrExtendOfTaggedEventDigests) {
  TpmEvent runtime{TpmEventKind::kRuntime, {}};
  runtime.measurement.fill(1);
  TpmEvent module{TpmEventKind::kModule, {}};
  module.measurement.fill(2);
  Sha256Digest pcr{};
  for (const auto& e : {runtime, module}) {
    Bytes m(pcr.begin(), pcr.end());
    const Sha256Digest d = tpm_event_digest(e);
    m.insert(m.end(), d.begin(), d.end());
    pcr = sha256(m);
  }
  EXPECT_EQ(tpm_replay_events({runtime, module}), pcr);
  // The kind is part of the digest: the same measurement as another kind differs.
  TpmEvent as_module = runtime;
  as_module.kind = TpmEventKind::kModule;
  EXPECT_NE(tpm_event_digest(runtime), tpm_event_digest(as_module));
}

TEST(TpmEvidence, SwtpmSample_VerifiesToItsEnrolmentCaOnly) {
  const Bytes sample = test_support::read_vector("tpm2-quote/swtpm-quote.bin");
  auto d = decode_tpm_evidence(sample);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->pcrs.size(), 9u);
  EXPECT_EQ(d->events.size(), 2u);
  EXPECT_EQ(encode_tpm_evidence(*d), sample);
  constexpr std::uint64_t kSampleNow = 1796515200;  // 2026-12-06, inside the AK certificate
  auto ca =
      load_pem_certificates(std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/tpm2-quote/enrolment-ca.pem");
  ASSERT_TRUE(ca) << ca.error();
  TpmQuoteVerifier v;
  auto claims = v.verify(sample, *ca, kSampleNow);
  ASSERT_TRUE(claims) << claims.error().message;
  Sha256Digest module{};
  module.fill(0x4D);
  EXPECT_EQ(claims->module_measurement, module);
  ReportData rd{};
  rd.fill(0x42);
  EXPECT_EQ(claims->report_data, rd);
  // Without its CA: the quote signature verifies, the AK chain does not.
  VerificationLog log;
  auto r = v.verify_logged(sample, {}, kSampleNow, &log);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, VerifyError::kUntrustedPlatform) << r.error().message;
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[2].name, "quote signature");
  EXPECT_TRUE(log[2].passed);
}

TEST(TpmEvidence, QualifyingData_IsSha256OfReportData) {
  ReportData r{};
  r.fill(7);
  EXPECT_EQ(tpm_qualifying_data(r), sha256(r));
}

// The swtpm sample's TPMS_ATTEST, edited by `change`, re-marshalled and signed by a SOFTWARE
// P-256 attestation key whose certificate a test CA issued (test_p256_pki.h): what a verifier
// sees past the signature and the AK chain, without a TPM.
struct SoftwareAkQuote {
  attest::EvpPkeyPtr ca_key = test_support::p256_pki::ec_key();
  attest::EvpPkeyPtr ak_key = test_support::p256_pki::ec_key();
  X509Ptr ca, ak;
  TrustAnchors anchors;

  SoftwareAkQuote() {
    X509_NAME* ca_name = test_support::p256_pki::test_name("trustmq test enrolment CA");
    X509_NAME* ak_name = test_support::p256_pki::test_name("software AK (not a TPM)");
    ca = test_support::p256_pki::certificate(ca_name, nullptr, ca_key.get(), ca_key.get(), true, 1);
    ak = test_support::p256_pki::certificate(ak_name, ca.get(), ca_key.get(), ak_key.get(), false,
                                             2);
    X509_NAME_free(ca_name);
    X509_NAME_free(ak_name);
    X509_up_ref(ca.get());
    anchors.push_back(share_x509(X509Ptr(ca.get())));
  }

  template <typename F>
  Bytes evidence(F change) const {
    auto e = decode_tpm_evidence(test_support::read_vector("tpm2-quote/swtpm-quote.bin"));
    EXPECT_TRUE(e) << e.error();
    TPMS_ATTEST attest{};
    std::size_t offset = 0;
    EXPECT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(e->attest.data(), e->attest.size(), &offset, &attest),
              TSS2_RC_SUCCESS);
    change(attest);
    Bytes marshalled(sizeof(TPMS_ATTEST));
    offset = 0;
    EXPECT_EQ(Tss2_MU_TPMS_ATTEST_Marshal(&attest, marshalled.data(), marshalled.size(), &offset),
              TSS2_RC_SUCCESS);
    marshalled.resize(offset);
    e->attest = marshalled;
    const Bytes rs = test_support::p256_pki::raw_signature(ak_key.get(), marshalled);
    TPMT_SIGNATURE sig{};
    sig.sigAlg = TPM2_ALG_ECDSA;
    sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
    sig.signature.ecdsa.signatureR.size = 32;
    std::copy_n(rs.begin(), 32, sig.signature.ecdsa.signatureR.buffer);
    sig.signature.ecdsa.signatureS.size = 32;
    std::copy_n(rs.begin() + 32, 32, sig.signature.ecdsa.signatureS.buffer);
    Bytes sig_bytes(sizeof(TPMT_SIGNATURE));
    offset = 0;
    EXPECT_EQ(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sig_bytes.data(), sig_bytes.size(), &offset),
              TSS2_RC_SUCCESS);
    sig_bytes.resize(offset);
    e->signature = sig_bytes;
    e->ak_certificate_der = test_support::p256_pki::der_of(ak.get());
    return encode_tpm_evidence(*e);
  }
};

// T9: a TPMS_ATTEST with a wrong magic or type, correctly signed by a (software) AK that chains
// to the anchor, is refused at the TPMS_ATTEST step.
TEST(TpmEvidence, SoftwareAkSignedAttestWithWrongMagicOrType_IsMalformed) {
  constexpr std::uint64_t kSoftwareAkNow = 1796515200;  // 2026-12-06
  const SoftwareAkQuote q;
  TpmQuoteVerifier v;
  // Control: the sample's own TPMS_ATTEST re-signed by the software AK verifies, so each
  // failure below comes from the field changed.
  auto ok = v.verify(q.evidence([](TPMS_ATTEST&) {}), q.anchors, kSoftwareAkNow);
  ASSERT_TRUE(ok) << ok.error().message;

  auto magic =
      v.verify(q.evidence([](TPMS_ATTEST& a) { a.magic ^= 1; }), q.anchors, kSoftwareAkNow);
  ASSERT_FALSE(magic);
  EXPECT_EQ(magic.error().code, VerifyError::kMalformed) << magic.error().message;
  EXPECT_NE(magic.error().message.find("magic is not TPM_GENERATED_VALUE"), std::string::npos)
      << magic.error().message;

  // TPM_ST_ATTEST_CERTIFY (0x8017) keeps the marshalled union parseable: the type is what fails.
  auto type = v.verify(q.evidence([](TPMS_ATTEST& a) {
    a.type = TPM2_ST_ATTEST_CERTIFY;
    a.attested.certify = TPMS_CERTIFY_INFO{};
  }),
                       q.anchors, kSoftwareAkNow);
  ASSERT_FALSE(type);
  EXPECT_EQ(type.error().code, VerifyError::kMalformed) << type.error().message;
  EXPECT_NE(type.error().message.find("type is not TPM_ST_ATTEST_QUOTE"), std::string::npos)
      << type.error().message;
}

// T14: the clock and reset counters of the sample's TPMS_ATTEST are reported in the claims.
TEST(TpmEvidence, SwtpmSample_ReportsItsClockAndResetCounters) {
  const Bytes sample = test_support::read_vector("tpm2-quote/swtpm-quote.bin");
  auto d = decode_tpm_evidence(sample);
  ASSERT_TRUE(d) << d.error();
  TPMS_ATTEST attest{};
  std::size_t offset = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(d->attest.data(), d->attest.size(), &offset, &attest),
            TSS2_RC_SUCCESS);
  auto ca =
      load_pem_certificates(std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/tpm2-quote/enrolment-ca.pem");
  ASSERT_TRUE(ca) << ca.error();
  TpmQuoteVerifier v;
  auto claims = v.verify(sample, *ca, 1796515200);
  ASSERT_TRUE(claims) << claims.error().message;
  ASSERT_TRUE(claims->tpm);
  // Pinned from the sample's bytes (read independently of tss2 when the vector was added):
  // clock 1957 ms, resetCount 2, restartCount 0, safe YES, firmware 0x2019102300163636.
  EXPECT_EQ(claims->tpm->clock, 1957u);
  EXPECT_EQ(claims->tpm->reset_count, 2u);
  EXPECT_EQ(claims->tpm->restart_count, 0u);
  EXPECT_TRUE(claims->tpm->safe);
  EXPECT_EQ(claims->tpm->firmware_version, 0x2019102300163636u);
  EXPECT_EQ(claims->tpm->clock, attest.clockInfo.clock);
  EXPECT_EQ(claims->tpm->reset_count, attest.clockInfo.resetCount);
  EXPECT_EQ(claims->tpm->restart_count, attest.clockInfo.restartCount);
  EXPECT_EQ(claims->tpm->safe, attest.clockInfo.safe == TPM2_YES);
  EXPECT_EQ(claims->tpm->firmware_version, attest.firmwareVersion);
}

}  // namespace
}  // namespace trustmq::attest

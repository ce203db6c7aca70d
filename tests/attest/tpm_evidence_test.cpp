#include "attest/tpm_evidence.h"

#include <gtest/gtest.h>

#include "attest/measurement.h"
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

}  // namespace
}  // namespace trustmq::attest

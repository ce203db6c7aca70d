#include "attest/intel_quote_verifier.h"

#include <gtest/gtest.h>

#include <string>

#include "attest/appraisal.h"
#include "attest/intel_pck_certificate.h"
#include "attest/intel_qe_identity.h"
#include "attest/intel_tcb_info.h"
#include "attest/json_value.h"
#include "attest/policy.h"
#include "attest/well_known_roots.h"
#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_pem_vector_as_der;
using test_support::read_vector;

// Inside every validity period of the sample and its collateral.
constexpr std::uint64_t kSgxNow = 1682899200;    // 2023-05-01 (processor CRL 04-21..05-21)
constexpr std::uint64_t kTdxNow = 1688169600;    // 2023-07-01 (TCB info 06-18..07-18)
constexpr std::uint64_t kTdxV5Now = 1780272000;  // 2026-06-01 (v5 PCK from 2026-01-27)

using Files = std::vector<std::pair<std::string, Bytes>>;

std::shared_ptr<const Collateral> collateral_of(const Files& files) {
  auto c = std::make_shared<Collateral>();
  for (const auto& [name, bytes] : files) {
    auto added = c->add_bytes(name, bytes);
    EXPECT_TRUE(added.ok()) << added.error();
  }
  return c;
}

Files sgx_collateral() {
  return {{"processor_crl.der", read_vector("sgx-dcap/processor_crl.der")},
          {"root_crl.der", read_vector("sgx-dcap/root_crl.der")}};
}

Files tdx_collateral() {
  return {{"pckcrl", read_vector("tdx/pckcrl")},
          {"rootcrl.der", read_vector("tdx/rootcrl.der")},
          {"sample_tcbInfo_response", read_vector("tdx/sample_tcbInfo_response")},
          {"sample_qeIdentity_response", read_vector("tdx/sample_qeIdentity_response")},
          {"tcb-signing-chain.pem", read_vector("tdx/tcb-signing-chain.pem")}};
}

Files replace(Files files, const std::string& name, Bytes bytes) {
  for (auto& f : files) {
    if (f.first == name) f.second = std::move(bytes);
  }
  return files;
}

// Offsets of each "-----END CERTIFICATE-----" in a quote's PEM chain.
std::vector<std::size_t> pem_ends(const Bytes& quote) {
  const std::string text(quote.begin(), quote.end());
  std::vector<std::size_t> out;
  for (std::size_t at = text.find("-----END CERTIFICATE-----"); at != std::string::npos;
       at = text.find("-----END CERTIFICATE-----", at + 1)) {
    out.push_back(at);
  }
  return out;
}

// Changes one base64 character of a certificate's signature (a few characters before its END
// line), which keeps the PEM decodable.
Bytes flip_certificate(Bytes quote, std::size_t index) {
  const std::size_t at = pem_ends(quote)[index] - 8;
  quote[at] = quote[at] == 'A' ? 'B' : 'A';
  return quote;
}

class IntelQuoteVerifierTest : public ::testing::Test {
 protected:
  const TrustAnchors& roots_ = well_known_roots(EvidenceType::kTdx);
  Bytes sgx_ = read_vector("sgx-dcap/hw_quote.dat");
  Bytes tdx_ = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  Bytes tdx5_ = read_vector("tdx/quote_v5_sample.dat");

  Result<Claims, VerifyFailure> sgx(const Bytes& quote, const Files& files,
                                    std::uint64_t now = kSgxNow) {
    IntelQuoteVerifier v(EvidenceType::kSgxDcap, collateral_of(files));
    return v.verify(quote, roots_, now);
  }
  Result<Claims, VerifyFailure> tdx(const Bytes& quote, const Files& files,
                                    std::uint64_t now = kTdxNow) {
    IntelQuoteVerifier v(EvidenceType::kTdx, collateral_of(files));
    return v.verify(quote, roots_, now);
  }
  void expect_failure(const Result<Claims, VerifyFailure>& r, VerifyError code,
                      const std::string& fragment) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(verify_error_name(r.error().code), verify_error_name(code)) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  }
};

TEST_F(IntelQuoteVerifierTest, GenuineSgxQuoteV3Verifies) {
  IntelQuoteVerifier v(EvidenceType::kSgxDcap, collateral_of(sgx_collateral()));
  VerificationLog log;
  auto r = v.verify_logged(sgx_, roots_, kSgxNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const auto& s : log) EXPECT_TRUE(s.passed) << s.name << ": " << s.detail;
  ASSERT_TRUE(r->sgx.has_value());
  EXPECT_EQ(r->type, EvidenceType::kSgxDcap);
  EXPECT_EQ(to_hex(r->sgx->mr_enclave), to_hex(ByteSpan(sgx_).subspan(48 + 64, 32)));
  EXPECT_EQ(to_hex(r->sgx->mr_signer), to_hex(ByteSpan(sgx_).subspan(48 + 128, 32)));
  EXPECT_EQ(to_hex(r->report_data), to_hex(ByteSpan(sgx_).subspan(48 + 320, 64)));
  // The remaining enclave claims, read from the body (isv_prod_id at 256, isv_svn at 258,
  // attributes at 48: 07 = INIT | DEBUG | MODE64BIT, so the sample is a DEBUG enclave).
  EXPECT_EQ(r->sgx->isv_prod_id, 0);
  EXPECT_EQ(r->sgx->isv_svn, 0);
  EXPECT_EQ(to_hex(r->sgx->attributes), "07000000000000000700000000000000");
  EXPECT_EQ(r->sgx->misc_select, 0u);
  EXPECT_EQ(to_hex(r->sgx->cpu_svn), "13130207ff8006000000000000000000");
  EXPECT_TRUE(r->sgx->debug);
  EXPECT_TRUE(r->debug);
  ASSERT_TRUE(r->intel_tcb.has_value());
  EXPECT_TRUE(r->intel_tcb->crls_checked);
  // The vectors have no SGX TCB info or QE identity: the TCB status stays unknown.
  EXPECT_FALSE(r->intel_tcb->platform_status.has_value());
  EXPECT_FALSE(r->intel_tcb->qe_status.has_value());
  EXPECT_FALSE(r->has_timestamp);
}

TEST_F(IntelQuoteVerifierTest, GenuineTdxQuoteV4VerifiesWithFullCollateral) {
  IntelQuoteVerifier v(EvidenceType::kTdx, collateral_of(tdx_collateral()));
  VerificationLog log;
  auto r = v.verify_logged(tdx_, roots_, kTdxNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const auto& s : log) {
    EXPECT_TRUE(s.passed) << s.name << ": " << s.detail;
    EXPECT_EQ(s.detail.find("NOT CHECKED"), std::string::npos) << s.name << ": " << s.detail;
  }
  ASSERT_TRUE(r->tdx.has_value());
  EXPECT_EQ(to_hex(r->tdx->mr_td), to_hex(ByteSpan(tdx_).subspan(48 + 136, 48)));
  EXPECT_EQ(to_hex(r->tdx->rtmr[0]), to_hex(ByteSpan(tdx_).subspan(48 + 328, 48)));
  // The remaining TD claims at their body offsets (tee_tcb_svn 0, td_attributes 120,
  // mr_config_id 184, mr_owner 232, rtmr1..3 376/424/472).
  EXPECT_EQ(to_hex(r->tdx->tee_tcb_svn), "03000400000000000000000000000000");
  EXPECT_EQ(r->tdx->td_attributes, 0x40000000u);  // SEPT_VE_DISABLE only: not DEBUG (bit 0)
  EXPECT_FALSE(r->tdx->debug);
  EXPECT_FALSE(r->debug);
  EXPECT_EQ(to_hex(r->tdx->mr_config_id), std::string(96, '0'));
  EXPECT_EQ(to_hex(r->tdx->mr_owner), std::string(96, '0'));
  EXPECT_EQ(to_hex(r->tdx->rtmr[1]),
            "2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc58"
            "00db2cacb61");
  EXPECT_EQ(to_hex(r->tdx->rtmr[2]),
            "8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5"
            "c924eb4424e");
  EXPECT_EQ(to_hex(r->tdx->rtmr[3]), std::string(96, '0'));
  EXPECT_EQ(to_hex(r->report_data), to_hex(ByteSpan(tdx_).subspan(48 + 520, 64)));
  ASSERT_TRUE(r->intel_tcb.has_value());
  EXPECT_EQ(r->intel_tcb->fmspc, "50806f000000");
  EXPECT_TRUE(r->intel_tcb->crls_checked);
  ASSERT_TRUE(r->intel_tcb->platform_status.has_value());
  ASSERT_TRUE(r->intel_tcb->qe_status.has_value());
  EXPECT_EQ(tcb_status_name(*r->intel_tcb->qe_status), "UpToDate");
  // The sample's TEE_TCB_SVN (03 00 04 …) is below both levels of the sample TCB info (03 00 05
  // …): Intel's algorithm finds no level (go-tdx-guest's own tests zero the SVNs for this).
  EXPECT_EQ(*r->intel_tcb->platform_status, TcbStatus::kTcbLevelNotSupported);
  EXPECT_NE(r->intel_tcb->tcb_detail.find("TCB level not supported"), std::string::npos);
  // Cache: a second verification checks no certificate signature again.
  const auto checks = v.chain_signature_checks();
  ASSERT_TRUE(v.verify(tdx_, roots_, kTdxNow).ok());
  EXPECT_EQ(v.chain_signature_checks(), checks);
}

TEST_F(IntelQuoteVerifierTest, GenuineTdxQuoteV5VerifiesWithoutTcbCollateral) {
  IntelQuoteVerifier v(EvidenceType::kTdx, collateral_of({}));
  VerificationLog log;
  auto r = v.verify_logged(tdx5_, roots_, kTdxV5Now, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->intel_tcb->crls_checked);
  EXPECT_FALSE(r->intel_tcb->platform_status.has_value());
  bool noted = false;
  for (const auto& s : log) noted |= s.detail.find("NOT CHECKED") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST_F(IntelQuoteVerifierTest, FlippedBitsInTheQuoteFailWithTheirStep) {
  struct Case {
    std::size_t offset;
    VerifyError code;
    std::string fragment;
  };
  const std::size_t sig = 48 + 584 + 4;         // TDX v4 signature data
  const std::size_t qe_report = sig + 128 + 6;  // inside certification data type 6
  const std::vector<Case> cases = {
      {12, VerifyError::kSignatureInvalid, "quote signature does not verify"},        // header
      {48 + 136, VerifyError::kSignatureInvalid, "quote signature does not verify"},  // mr_td
      {48 + 520, VerifyError::kSignatureInvalid, "quote signature does not verify"},  // report data
      {sig + 5, VerifyError::kSignatureInvalid, "quote signature does not verify"},   // r
      {sig + 64 + 7, VerifyError::kPlatformMismatch, "attestation key is not the one"},
      {qe_report + 64, VerifyError::kSignatureInvalid, "QE report signature does not verify"},
      {qe_report + 320, VerifyError::kSignatureInvalid, "QE report signature does not verify"},
      {qe_report + 384 + 3, VerifyError::kSignatureInvalid, "QE report signature does not verify"},
      {qe_report + 384 + 64 + 2 + 1, VerifyError::kPlatformMismatch, "attestation key"},  // auth
  };
  for (const auto& c : cases) {
    Bytes b = tdx_;
    b[c.offset] ^= 0x01;
    SCOPED_TRACE(c.offset);
    expect_failure(tdx(b, tdx_collateral()), c.code, c.fragment);
  }
  // The same for SGX v3 (QE report directly after the attestation key).
  const std::size_t sgx_sig = 48 + 384 + 4;
  Bytes b = sgx_;
  b[48 + 64] ^= 1;
  expect_failure(sgx(b, sgx_collateral()), VerifyError::kSignatureInvalid,
                 "quote signature does not verify");
  // S12: r, s and the attestation key of the SGX quote.
  for (const std::size_t at : {sgx_sig + 5, sgx_sig + 32 + 5}) {
    b = sgx_;
    b[at] ^= 1;
    expect_failure(sgx(b, sgx_collateral()), VerifyError::kSignatureInvalid,
                   "quote signature does not verify");
  }
  b = sgx_;
  b[sgx_sig + 64 + 7] ^= 1;
  expect_failure(sgx(b, sgx_collateral()), VerifyError::kPlatformMismatch,
                 "attestation key is not the one the QE certified");
  b = sgx_;
  b[sgx_sig + 128 + 10] ^= 1;
  expect_failure(sgx(b, sgx_collateral()), VerifyError::kSignatureInvalid,
                 "QE report signature does not verify");
  b = sgx_;
  b[sgx_sig + 128 + 384 + 10] ^= 1;
  expect_failure(sgx(b, sgx_collateral()), VerifyError::kSignatureInvalid,
                 "QE report signature does not verify");
}

// X2: the same flips on the TDX v5 sample (body descriptor of 6 bytes, TDX 1.5 body of 648).
TEST_F(IntelQuoteVerifierTest, FlippedBitsInTheV5QuoteFailWithTheirStep) {
  ASSERT_TRUE(tdx(tdx5_, {}, kTdxV5Now).ok());
  const std::size_t body = 48 + 6;
  const std::size_t sig = body + 648 + 4;
  const std::size_t qe_report = sig + 128 + 6;
  const struct {
    std::size_t offset;
    VerifyError code;
    std::string fragment;
  } cases[] = {
      {12, VerifyError::kSignatureInvalid, "quote signature does not verify"},  // header
      {48, VerifyError::kMalformed, "body type"},                               // descriptor
      {body + 136, VerifyError::kSignatureInvalid, "quote signature does not verify"},  // mr_td
      {body + 600, VerifyError::kSignatureInvalid,
       "quote signature does not verify"},                                           // TDX 1.5 part
      {sig + 5, VerifyError::kSignatureInvalid, "quote signature does not verify"},  // r
      {sig + 64 + 7, VerifyError::kPlatformMismatch, "attestation key is not the one"},
      {qe_report + 64, VerifyError::kSignatureInvalid, "QE report signature does not verify"},
      {qe_report + 384 + 3, VerifyError::kSignatureInvalid, "QE report signature does not verify"},
      {qe_report + 384 + 64 + 2 + 1, VerifyError::kPlatformMismatch, "attestation key"},  // auth
  };
  for (const auto& c : cases) {
    Bytes b = tdx5_;
    b[c.offset] ^= 0x01;
    SCOPED_TRACE(c.offset);
    expect_failure(tdx(b, {}, kTdxV5Now), c.code, c.fragment);
  }
  expect_failure(tdx(flip_certificate(tdx5_, 0), {}, kTdxV5Now), VerifyError::kUntrustedPlatform,
                 "PCK certificate is not signed by");
}

TEST_F(IntelQuoteVerifierTest, FlippedBitInEachCertificateFails) {
  expect_failure(tdx(flip_certificate(tdx_, 0), tdx_collateral()), VerifyError::kUntrustedPlatform,
                 "PCK certificate is not signed by Intel SGX PCK Platform CA");
  expect_failure(tdx(flip_certificate(tdx_, 1), tdx_collateral()), VerifyError::kUntrustedPlatform,
                 "Intel SGX PCK Platform CA is not signed by Intel SGX Root CA");
  expect_failure(sgx(flip_certificate(sgx_, 0), sgx_collateral()), VerifyError::kUntrustedPlatform,
                 "PCK certificate is not signed by Intel SGX PCK Processor CA");
  expect_failure(sgx(flip_certificate(sgx_, 1), sgx_collateral()), VerifyError::kUntrustedPlatform,
                 "Intel SGX PCK Processor CA is not signed by Intel SGX Root CA");
  // The root copy inside the quote is never trusted: the anchor is what counts.
  EXPECT_TRUE(tdx(flip_certificate(tdx_, 2), tdx_collateral()).ok());
  // A tampered anchor fails its self-signature.
  auto root_der = read_pem_vector_as_der("intel-sgx-root-ca.pem")[0];
  root_der.back() ^= 1;
  const unsigned char* p = root_der.data();
  TrustAnchors bad_root{
      share_x509(X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(root_der.size()))))};
  IntelQuoteVerifier v(EvidenceType::kTdx, collateral_of(tdx_collateral()));
  expect_failure(v.verify(tdx_, bad_root, kTdxNow), VerifyError::kUntrustedPlatform,
                 "Intel SGX Root CA self-signature does not verify");
  // The AMD roots are no anchor for an Intel chain.
  expect_failure(v.verify(tdx_, well_known_roots(EvidenceType::kSevSnp), kTdxNow),
                 VerifyError::kUntrustedPlatform, "is not issued by a trust anchor");
}

TEST_F(IntelQuoteVerifierTest, FlippedBitInEachCollateralFileFails) {
  Bytes crl = read_vector("tdx/pckcrl");
  crl.back() ^= 1;
  expect_failure(tdx(tdx_, replace(tdx_collateral(), "pckcrl", crl)),
                 VerifyError::kCollateralInvalid, "is not signed by Intel SGX PCK Platform CA");
  Bytes root_crl = read_vector("tdx/rootcrl.der");
  root_crl.back() ^= 1;
  expect_failure(tdx(tdx_, replace(tdx_collateral(), "rootcrl.der", root_crl)),
                 VerifyError::kCollateralInvalid, "is not signed by Intel SGX Root CA");
  Bytes sgx_crl = read_vector("sgx-dcap/processor_crl.der");
  sgx_crl.back() ^= 1;
  expect_failure(sgx(sgx_, replace(sgx_collateral(), "processor_crl.der", sgx_crl)),
                 VerifyError::kCollateralInvalid, "is not signed by Intel SGX PCK Processor CA");
  Bytes sgx_root_crl = read_vector("sgx-dcap/root_crl.der");
  sgx_root_crl.back() ^= 1;
  expect_failure(sgx(sgx_, replace(sgx_collateral(), "root_crl.der", sgx_root_crl)),
                 VerifyError::kCollateralInvalid, "is not signed by Intel SGX Root CA");

  auto tamper_text = [](const std::string& file, const std::string& from, const std::string& to) {
    Bytes b = read_vector(file);
    std::string s(b.begin(), b.end());
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return Bytes(s.begin(), s.end());
  };
  expect_failure(tdx(tdx_, replace(tdx_collateral(), "sample_tcbInfo_response",
                                   tamper_text("tdx/sample_tcbInfo_response", "\"OutOfDate\"",
                                               "\"UpToDate\""))),
                 VerifyError::kCollateralInvalid,
                 "TCB info sample_tcbInfo_response signature does not verify");
  expect_failure(tdx(tdx_, replace(tdx_collateral(), "sample_tcbInfo_response",
                                   tamper_text("tdx/sample_tcbInfo_response", "\"signature\":\"f6",
                                               "\"signature\":\"f7"))),
                 VerifyError::kCollateralInvalid, "signature does not verify");
  expect_failure(
      tdx(tdx_,
          replace(tdx_collateral(), "sample_qeIdentity_response",
                  tamper_text("tdx/sample_qeIdentity_response", "\"isvsvn\":4", "\"isvsvn\":3"))),
      VerifyError::kCollateralInvalid, "QE identity sample_qeIdentity_response signature");
  Bytes signing = read_vector("tdx/tcb-signing-chain.pem");
  {
    std::string s(signing.begin(), signing.end());
    const std::size_t at = s.find("-----END CERTIFICATE-----") - 8;
    s[at] = s[at] == 'A' ? 'B' : 'A';
    signing.assign(s.begin(), s.end());
  }
  expect_failure(tdx(tdx_, replace(tdx_collateral(), "tcb-signing-chain.pem", signing)),
                 VerifyError::kCollateralInvalid,
                 "Intel SGX TCB Signing certificate is not signed by Intel SGX Root CA");
  // Missing signer.
  Files no_signer = tdx_collateral();
  no_signer.pop_back();
  expect_failure(tdx(tdx_, no_signer), VerifyError::kCollateralMissing,
                 "no Intel SGX TCB Signing certificate");
}

TEST_F(IntelQuoteVerifierTest, CollateralAndCertificateDates) {
  // After the PCK CRL's nextUpdate (2023-07-08).
  expect_failure(tdx(tdx_, tdx_collateral(), 1689000000), VerifyError::kCollateralInvalid,
                 "has expired (nextUpdate");
  // After the TCB Signing certificate's notAfter (2025-05-21), without the CRLs.
  Files no_crls = tdx_collateral();
  no_crls.erase(no_crls.begin(), no_crls.begin() + 2);
  expect_failure(tdx(tdx_, no_crls, 1767225600), VerifyError::kCollateralInvalid,
                 "Intel SGX TCB Signing certificate has expired");
  // Before the v5 PCK certificate's notBefore.
  expect_failure(tdx(tdx5_, {}, kTdxNow), VerifyError::kCertificateNotYetValid,
                 "PCK certificate is not yet valid");
  // After the PCK certificate's notAfter (2029-09-20).
  expect_failure(tdx(tdx_, {}, 1893456000), VerifyError::kCertificateExpired,
                 "PCK certificate has expired");
}

TEST(IntelTcbInfoTest, LevelSelectionOnTheSignedSample) {
  const Bytes doc = read_vector("tdx/sample_tcbInfo_response");
  auto info =
      parse_tcb_info(std::string_view(reinterpret_cast<const char*>(doc.data()), doc.size()));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->id, "TDX");
  EXPECT_EQ(info->levels.size(), 2u);
  PckCertificateInfo pck;
  pck.component_svns = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  pck.pce_svn = 11;
  std::array<std::uint8_t, 16> tee{3, 0, 5};
  auto up = evaluate_tcb(*info, pck, &tee);
  ASSERT_TRUE(up.ok()) << up.error();
  EXPECT_EQ(up->status, TcbStatus::kUpToDate);
  pck.pce_svn = 7;  // below 11, at least 5: the second level
  auto old = evaluate_tcb(*info, pck, &tee);
  ASSERT_TRUE(old.ok()) << old.error();
  EXPECT_EQ(old->status, TcbStatus::kOutOfDate);
  EXPECT_EQ(old->advisory_ids.size(), 13u);
  EXPECT_EQ(old->advisory_ids.front(), "INTEL-SA-00106");
  pck.pce_svn = 4;
  EXPECT_FALSE(evaluate_tcb(*info, pck, &tee).ok());
  pck.pce_svn = 11;
  // A TDX 1.5 module (TEE_TCB_SVN[1] = 1): components 0-1 are the module identity's, so the
  // level still matches on the others, but this TCB info (tdxModule only, no
  // tdxModuleIdentities) has no "TDX_01" to rate the module: refused, naming it.
  tee[1] = 1;
  auto mismatch = evaluate_tcb(*info, pck, &tee);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().find("no tdxModuleIdentities entry TDX_01"), std::string::npos)
      << mismatch.error();
}

// X5 / finding 4: TCB info v3 tdxModuleIdentities, on a copy of the signed sample with a
// hand-added identity (the parser does not check the signature). Intel's QVL: module version
// > 0 skips TDX components 0-1 in level selection, selects "TDX_<version>", rates the module
// by TEE_TCB_SVN[0] and converges its status into the level's.
TEST(IntelTcbInfoTest, TdxModuleIdentitiesRateTdx15Modules) {
  const Bytes raw = read_vector("tdx/sample_tcbInfo_response");
  std::string doc(raw.begin(), raw.end());
  const std::string identities =
      R"("tdxModuleIdentities":[{"id":"TDX_01","mrsigner":")" + std::string(96, '0') +
      R"(","attributes":"0000000000000000","attributesMask":"FFFFFFFFFFFFFFFF","tcbLevels":[)"
      R"({"tcb":{"isvsvn":6},"tcbDate":"2024-11-13T00:00:00Z","tcbStatus":"UpToDate"},)"
      R"({"tcb":{"isvsvn":2},"tcbDate":"2023-08-09T00:00:00Z","tcbStatus":"OutOfDate",)"
      R"("advisoryIDs":["INTEL-SA-01036"]}]}],)";
  const auto at = doc.find("\"tcbLevels\"");
  ASSERT_NE(at, std::string::npos);
  doc.insert(at, identities);
  auto info = parse_tcb_info(doc);
  ASSERT_TRUE(info.ok()) << info.error();
  ASSERT_EQ(info->tdx_module_identities.size(), 1u);
  EXPECT_EQ(info->tdx_module_identities[0].id, "TDX_01");
  ASSERT_EQ(info->tdx_module_identities[0].levels.size(), 2u);
  EXPECT_EQ(info->tdx_module_identities[0].levels[1].advisory_ids,
            std::vector<std::string>{"INTEL-SA-01036"});
  PckCertificateInfo pck;
  pck.component_svns = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  pck.pce_svn = 11;
  // Module SVN 7 (>= 6: UpToDate), version 1; component 2 (5) meets the first level. Component
  // 0 (7 >= 3) would match anyway; with module SVN 1 (< the level's 3) it is skipped.
  std::array<std::uint8_t, 16> tee{7, 1, 5};
  auto up = evaluate_tcb(*info, pck, &tee);
  ASSERT_TRUE(up.ok()) << up.error();
  EXPECT_EQ(up->status, TcbStatus::kUpToDate);
  auto selected = select_tdx_module(*info, tee);
  ASSERT_TRUE(selected.ok()) << selected.error();
  EXPECT_EQ((*selected)->id, "TDX_01");
  // Module SVN 4: the module is OutOfDate, which lowers the UpToDate level and adds its advisory.
  tee[0] = 4;
  auto old_module = evaluate_tcb(*info, pck, &tee);
  ASSERT_TRUE(old_module.ok()) << old_module.error();
  EXPECT_EQ(old_module->status, TcbStatus::kOutOfDate);
  EXPECT_EQ(old_module->advisory_ids, std::vector<std::string>{"INTEL-SA-01036"});
  // Module SVN 1: below every module level.
  tee[0] = 1;
  auto none = evaluate_tcb(*info, pck, &tee);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("TDX module TDX_01 SVN 1 is below every TCB level"),
            std::string::npos)
      << none.error();
  // Module version 0 (TDX 1.0): all 16 components compared, tdxModule used, no module levels.
  tee = {3, 0, 5};
  auto base = select_tdx_module(*info, tee);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(*base, &*info->tdx_module);
  tee[0] = 2;  // component 0 below both levels' 3
  EXPECT_FALSE(evaluate_tcb(*info, pck, &tee).ok());
  // Module version 3: no identity "TDX_03" in this document.
  tee = {7, 3, 5};
  auto missing = select_tdx_module(*info, tee);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("TDX_03"), std::string::npos) << missing.error();
}

TEST(IntelTcbInfoTest, SgxLevelSelectionOnAnUnsignedHandWrittenDocument) {
  // No SGX TCB info is in the vectors: this hand-written v2 document (its signature is not
  // checked by the parser) pins the SGX side of the algorithm (no TDX components).
  const std::string comps = [] {
    std::string c;
    for (int i = 0; i < 16; ++i)
      c += std::string(i == 0 ? "" : ",") + "{\"svn\":" + (i < 2 ? "3" : "0") + "}";
    return c;
  }();
  const std::string doc =
      R"({"tcbInfo":{"version":2,"issueDate":"2023-04-01T00:00:00Z","nextUpdate":"2023-05-01T00:00:00Z",)"
      R"("fmspc":"00906ed50000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":14,"tcbLevels":[)"
      R"({"tcb":{"sgxtcbcomponents":[)" +
      comps +
      R"(],"pcesvn":13},"tcbDate":"2023-02-15T00:00:00Z","tcbStatus":"SWHardeningNeeded","advisoryIDs":["INTEL-SA-00615"]},)"
      R"({"tcb":{"sgxtcbcomponents":[)" +
      comps +
      R"(],"pcesvn":7},"tcbDate":"2019-01-01T00:00:00Z","tcbStatus":"OutOfDate"}]},)"
      R"("signature":")" +
      std::string(128, '0') + R"("})";
  auto info = parse_tcb_info(doc);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->id, "SGX");  // v2 has no id
  EXPECT_FALSE(info->tdx_module.has_value());
  PckCertificateInfo pck;
  pck.component_svns[0] = 3;
  pck.component_svns[1] = 4;
  pck.pce_svn = 13;
  auto v = evaluate_tcb(*info, pck, nullptr);
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(v->status, TcbStatus::kSwHardeningNeeded);
  EXPECT_EQ(v->advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});
  pck.pce_svn = 12;
  EXPECT_EQ(evaluate_tcb(*info, pck, nullptr)->status, TcbStatus::kOutOfDate);
  pck.component_svns[1] = 2;  // below every level
  EXPECT_FALSE(evaluate_tcb(*info, pck, nullptr).ok());
}

TEST(IntelQeIdentityTest, SampleIdentity) {
  const Bytes doc = read_vector("tdx/sample_qeIdentity_response");
  auto q =
      parse_qe_identity(std::string_view(reinterpret_cast<const char*>(doc.data()), doc.size()));
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->id, "TD_QE");
  EXPECT_EQ(q->isv_prod_id, 2);
  SgxReportBody qe;
  qe.mr_signer = q->mr_signer;
  qe.isv_prod_id = 2;
  qe.attributes[0] = 0x11;
  qe.isv_svn = 4;
  auto s = evaluate_qe_identity(*q, qe);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(*s, TcbStatus::kUpToDate);
  qe.isv_svn = 3;
  EXPECT_FALSE(evaluate_qe_identity(*q, qe).ok());
  qe.isv_svn = 4;
  qe.mr_signer[0] ^= 1;
  auto bad = evaluate_qe_identity(*q, qe);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("MRSIGNER"), std::string::npos);
}

TEST_F(IntelQuoteVerifierTest, TypeMismatchIsMalformed) {
  expect_failure(sgx(tdx_, {}), VerifyError::kMalformed, "TDX quote, not sgx-dcap");
  expect_failure(tdx(sgx_, {}), VerifyError::kMalformed, "SGX quote, not tdx");
}

TEST_F(IntelQuoteVerifierTest, AppraisalUsesTcbStatusAndMeasurements) {
  auto r = tdx(tdx_, tdx_collateral());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto policy = parse_policy(R"({"version": 1, "allowed_types": ["tdx"],
      "tdx": {"mr_tds": [")" + to_hex(r->tdx->mr_td) +
                                 R"("],
              "allowed_tcb_statuses": ["UpToDate"]}})",
                             "/");
  ASSERT_TRUE(policy.ok()) << policy.error();
  policy->allow_debug = true;
  auto a = appraise(*policy, *r, kTdxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTcbStatus);
  EXPECT_NE(a.reasons[0].text.find("TcbLevelNotSupported not allowed"), std::string::npos);
  policy->tdx.allowed_tcb_statuses = {TcbStatus::kUpToDate, *r->intel_tcb->platform_status};
  a = appraise(*policy, *r, kTdxNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
  // Collateral age: 3 days allowed, TCB info issued 13 days before kTdxNow.
  policy->tdx.max_collateral_age_seconds = 3 * 24 * 3600;
  a = appraise(*policy, *r, kTdxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kCollateralAge);
  // Another MRTD.
  policy->tdx.max_collateral_age_seconds = 30 * 24 * 3600;
  policy->tdx.mr_tds.allowed[0][0] ^= 1;
  a = appraise(*policy, *r, kTdxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTeeMeasurement);
  // Unknown TCB (SGX: no TCB info in the vectors) is refused by default.
  auto s = sgx(sgx_, sgx_collateral());
  ASSERT_TRUE(s.ok());
  auto sp = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"],
      "sgx-dcap": {"mr_enclaves": "any", "mr_signers": "any"}})",
                         "/");
  ASSERT_TRUE(sp.ok()) << sp.error();
  sp->allow_debug = true;
  a = appraise(*sp, *s, kSgxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTcbStatus);
  sp->sgx_dcap.allow_unknown_tcb = true;
  a = appraise(*sp, *s, kSgxNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
}

// S11 / P1 / P2: each sgx-dcap rule accepts the genuine sample's own value and rejects it with
// one byte (or one unit) changed.
TEST_F(IntelQuoteVerifierTest, SgxAppraisalRules_AcceptTheSampleAndRejectAFlippedByte) {
  auto r = sgx(sgx_, sgx_collateral());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string enclave = to_hex(r->sgx->mr_enclave), signer = to_hex(r->sgx->mr_signer);
  auto policy_with = [](const std::string& rules) {
    auto p = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"], "allow_debug": true,
        "sgx-dcap": {"allow_unknown_tcb": true, )" +
                              rules + "}}",
                          "/");
    EXPECT_TRUE(p.ok()) << p.error();
    return *p;
  };
  auto flip_hex = [](std::string hex) {
    hex[0] = hex[0] == '0' ? '1' : '0';
    return hex;
  };
  const std::string pinned = R"("mr_enclaves": [")" + enclave + R"("], "mr_signers": [")" + signer +
                             R"("], "isv_prod_id": 0, "min_isv_svn": 0)";
  auto a = appraise(policy_with(pinned), *r, kSgxNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);

  const struct {
    std::string rules;
    AppraisalCheck check;
    std::string fragment;
  } rejects[] = {
      {R"("mr_enclaves": [")" + flip_hex(enclave) + R"("], "mr_signers": "any")",
       AppraisalCheck::kTeeMeasurement, "sgx-dcap mr_enclave"},
      {R"("mr_enclaves": "any", "mr_signers": [")" + flip_hex(signer) + R"("])",
       AppraisalCheck::kTeeMeasurement, "sgx-dcap mr_signer"},
      {R"("mr_enclaves": "any", "mr_signers": "any", "isv_prod_id": 1)",
       AppraisalCheck::kTeeMeasurement, "isv_prod_id 0 is not 1"},
      {R"("mr_enclaves": "any", "mr_signers": "any", "min_isv_svn": 1)", AppraisalCheck::kTeeSvn,
       "isv_svn 0 below the minimum 1"},
  };
  for (const auto& c : rejects) {
    SCOPED_TRACE(c.rules);
    a = appraise(policy_with(c.rules), *r, kSgxNow);
    ASSERT_FALSE(a.accepted);
    ASSERT_EQ(a.reasons.size(), 1u);
    EXPECT_EQ(a.reasons[0].check, c.check);
    EXPECT_NE(a.reasons[0].text.find(c.fragment), std::string::npos) << a.reasons[0].text;
  }
}

// P4: the genuine SGX sample is a DEBUG enclave, refused unless the policy allows debug.
TEST_F(IntelQuoteVerifierTest, SgxSampleIsRefusedByDefaultBecauseItIsADebugEnclave) {
  auto r = sgx(sgx_, sgx_collateral());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto p = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"],
      "sgx-dcap": {"mr_enclaves": "any", "mr_signers": "any", "allow_unknown_tcb": true}})",
                        "/");
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_FALSE(p->allow_debug);  // the default
  auto a = appraise(*p, *r, kSgxNow);
  ASSERT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kDebug);
  EXPECT_NE(a.reasons[0].text.find("debug"), std::string::npos);
  p->allow_debug = true;
  EXPECT_TRUE(appraise(*p, *r, kSgxNow).accepted);
}

// X4 / P1 / P2: each tdx rule accepts the genuine sample's value and rejects one flipped byte.
TEST_F(IntelQuoteVerifierTest, TdxAppraisalRules_AcceptTheSampleAndRejectAFlippedByte) {
  auto r = tdx(tdx_, tdx_collateral());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const TdxTdClaims& td = *r->tdx;
  // The sample's platform status is TcbLevelNotSupported (see GenuineTdxQuoteV4…): allowed
  // here so that only the rule under test decides.
  auto policy_with = [&](const std::string& rules) {
    auto p = parse_policy(R"({"version": 1, "allowed_types": ["tdx"],
        "tdx": {"allowed_tcb_statuses": ["UpToDate", "TcbLevelNotSupported"], "mr_tds": [")" +
                              to_hex(td.mr_td) + "\"]" + (rules.empty() ? "" : ", ") + rules + "}}",
                          "/");
    EXPECT_TRUE(p.ok()) << p.error();
    return *p;
  };
  auto flip_hex = [](std::string hex) {
    hex[1] = hex[1] == '0' ? '1' : '0';
    return hex;
  };
  struct Rule {
    std::string field;
    std::string value;  // the sample's
    std::string what;
  };
  const std::vector<Rule> rules = {
      {"mr_config_ids", to_hex(td.mr_config_id), "tdx mr_config_id"},
      {"mr_owners", to_hex(td.mr_owner), "tdx mr_owner"},
      {"rtmr0", to_hex(td.rtmr[0]), "tdx rtmr0"},
      {"rtmr1", to_hex(td.rtmr[1]), "tdx rtmr1"},
      {"rtmr2", to_hex(td.rtmr[2]), "tdx rtmr2"},
      {"rtmr3", to_hex(td.rtmr[3]), "tdx rtmr3"},
  };
  for (const auto& rule : rules) {
    SCOPED_TRACE(rule.field);
    auto a = appraise(policy_with("\"" + rule.field + "\": [\"" + rule.value + "\"]"), *r, kTdxNow);
    EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
    a = appraise(policy_with("\"" + rule.field + "\": [\"" + flip_hex(rule.value) + "\"]"), *r,
                 kTdxNow);
    ASSERT_FALSE(a.accepted);
    ASSERT_EQ(a.reasons.size(), 1u);
    EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTeeMeasurement);
    EXPECT_NE(a.reasons[0].text.find(rule.what), std::string::npos) << a.reasons[0].text;
  }
  // min_tee_tcb_svn: the sample's own (03 00 04 …) passes; one more at byte 2 fails there.
  auto a =
      appraise(policy_with(R"("min_tee_tcb_svn": ")" + to_hex(td.tee_tcb_svn) + "\""), *r, kTdxNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
  a = appraise(policy_with(R"("min_tee_tcb_svn": "03000500000000000000000000000000")"), *r,
               kTdxNow);
  ASSERT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kTeeSvn);
  EXPECT_NE(a.reasons[0].text.find("at byte 2"), std::string::npos) << a.reasons[0].text;
  // The sample is not a debug TD; the same claims with the TD's DEBUG attribute are refused by
  // default (the quote's signature covers td_attributes, so the flip is made on the claims).
  Claims debug_td = *r;
  debug_td.debug = true;
  debug_td.tdx->debug = true;
  a = appraise(policy_with(""), debug_td, kTdxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_EQ(a.reasons[0].check, AppraisalCheck::kDebug);
}

// S8 / S9 / S10: the genuine SGX sample with genuine Intel-signed SGX collateral for its FMSPC
// (PCS responses captured 2023-07-12 by mobilecoinfoundation/attestation; vectors/README.md).
// At 2023-07-15 the processor CRL of the vectors (04-21 .. 05-21) has expired, so it is left
// out: that one step is NOT CHECKED, every other step is verified.
constexpr std::uint64_t kSgxPcsNow = 1689379200;  // 2023-07-15

Files sgx_pcs_collateral() {
  return {{"root_crl.der", read_vector("sgx-dcap/root_crl.der")},
          {"fmspc_00906ED50000_2023_07_12.json",
           read_vector("sgx-dcap/pcs-2023-07-12/fmspc_00906ED50000_2023_07_12.json")},
          {"qe_identity.json", read_vector("sgx-dcap/pcs-2023-07-12/qe_identity.json")},
          {"tcb-signing-chain.pem", read_vector("tdx/tcb-signing-chain.pem")}};
}

TEST_F(IntelQuoteVerifierTest, GenuineSgxQuoteV3WithQeIdentityAndTcbInfo) {
  // The PCK certificate's TCB decides the level: components 17 17 02 04 01 80 06 …, PCESVN 11.
  const Bytes leaf_der = read_vector("sgx-dcap/leaf_cert.der");
  const unsigned char* p = leaf_der.data();
  X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
  ASSERT_TRUE(leaf);
  auto pck = read_pck_certificate(leaf.get());
  ASSERT_TRUE(pck.ok()) << pck.error();
  EXPECT_EQ(to_hex(pck->component_svns), "11110204018006000000000000000000");
  EXPECT_EQ(pck->pce_svn, 11);

  IntelQuoteVerifier v(EvidenceType::kSgxDcap, collateral_of(sgx_pcs_collateral()));
  VerificationLog log;
  auto r = v.verify_logged(sgx_, roots_, kSgxPcsNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  int skipped = 0;
  for (const auto& s : log) {
    EXPECT_TRUE(s.passed) << s.name << ": " << s.detail;
    if (s.skipped) {
      ++skipped;
      EXPECT_NE(s.name.find("PCK certificate not revoked"), std::string::npos) << s.name;
    }
  }
  EXPECT_EQ(skipped, 1);
  ASSERT_TRUE(r->intel_tcb.has_value());
  const IntelTcbClaims& t = *r->intel_tcb;
  EXPECT_FALSE(t.crls_checked);  // the processor CRL is not current at this date
  ASSERT_TRUE(t.platform_status.has_value());
  // The first level at or below the PCK TCB: 17 17 02 04 01 80 06, PCESVN 11.
  EXPECT_EQ(*t.platform_status, TcbStatus::kOutOfDate);
  EXPECT_EQ(t.advisory_ids,
            (std::vector<std::string>{"INTEL-SA-00614", "INTEL-SA-00617", "INTEL-SA-00161",
                                      "INTEL-SA-00219", "INTEL-SA-00289", "INTEL-SA-00334",
                                      "INTEL-SA-00615"}));
  EXPECT_EQ(t.tcb_evaluation_data_number, 15u);
  // The QE runs at ISVSVN 7: the level of ISVSVN 6, OutOfDate with INTEL-SA-00615.
  ASSERT_TRUE(t.qe_status.has_value());
  EXPECT_EQ(*t.qe_status, TcbStatus::kOutOfDate);
  EXPECT_EQ(t.qe_advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});

  // Appraisal: OutOfDate is refused by default, naming the advisories of both.
  auto policy = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"], "allow_debug": true,
      "sgx-dcap": {"mr_enclaves": "any", "mr_signers": "any", "allow_unknown_tcb": true}})",
                             "/");
  ASSERT_TRUE(policy.ok()) << policy.error();
  auto a = appraise(*policy, *r, kSgxPcsNow);
  ASSERT_FALSE(a.accepted);
  ASSERT_EQ(a.reasons.size(), 2u);
  EXPECT_NE(a.reasons[0].text.find("platform TCB status OutOfDate not allowed by policy "
                                   "(advisories: INTEL-SA-00614"),
            std::string::npos)
      << a.reasons[0].text;
  EXPECT_NE(a.reasons[1].text.find("quoting enclave TCB status OutOfDate not allowed by policy "
                                   "(advisories: INTEL-SA-00615)"),
            std::string::npos)
      << a.reasons[1].text;
  policy->sgx_dcap.allowed_tcb_statuses = {TcbStatus::kUpToDate, TcbStatus::kOutOfDate};
  a = appraise(*policy, *r, kSgxPcsNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
}

TEST_F(IntelQuoteVerifierTest, GenuineSgxCollateral_EachFileFlippedFails) {
  auto tampered = [](const std::string& file, const std::string& from, const std::string& to) {
    Bytes b = read_vector(file);
    std::string s(b.begin(), b.end());
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return Bytes(s.begin(), s.end());
  };
  const std::string tcb = "fmspc_00906ED50000_2023_07_12.json";
  expect_failure(
      sgx(sgx_,
          replace(sgx_pcs_collateral(), tcb,
                  tampered("sgx-dcap/pcs-2023-07-12/" + tcb, "\"OutOfDate\"", "\"UpToDate\"")),
          kSgxPcsNow),
      VerifyError::kCollateralInvalid, "TCB info " + tcb + " signature does not verify");
  expect_failure(
      sgx(sgx_,
          replace(
              sgx_pcs_collateral(), "qe_identity.json",
              tampered("sgx-dcap/pcs-2023-07-12/qe_identity.json", "\"isvsvn\":6", "\"isvsvn\":7")),
          kSgxPcsNow),
      VerifyError::kCollateralInvalid, "QE identity qe_identity.json signature does not verify");
  // The root CRL is checked first; the same flip as in the v3 test, at this date.
  Bytes root_crl = read_vector("sgx-dcap/root_crl.der");
  root_crl.back() ^= 1;
  expect_failure(sgx(sgx_, replace(sgx_pcs_collateral(), "root_crl.der", root_crl), kSgxPcsNow),
                 VerifyError::kCollateralInvalid, "is not signed by Intel SGX Root CA");
  // The processor CRL of the vectors has expired at this date: given, it fails closed.
  Files with_expired = sgx_pcs_collateral();
  with_expired.push_back({"processor_crl.der", read_vector("sgx-dcap/processor_crl.der")});
  expect_failure(sgx(sgx_, with_expired, kSgxPcsNow), VerifyError::kCollateralInvalid,
                 "has expired (nextUpdate");
}

// C4 / S8 / S9: genuine quotes from another project (Phala-Network/dcap-qvl `sample/`, MIT;
// vectors/README.md). Its SGX collateral is one JSON object (raw PCS strings and hex); it is
// split here into the files trustmq reads, keeping the signed TCB info / QE identity text
// byte for byte: {"tcbInfo":<tcb_info>,"signature":"<tcb_info_signature>"}.
constexpr std::uint64_t kDcapQvlSgxNow = 1750377600;  // 2025-06-20 (collateral of 2025-06-19)

Files dcap_qvl_collateral(const std::string& path) {
  const Bytes raw = read_vector(path);
  auto json = parse_json(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  EXPECT_TRUE(json.ok()) << json.error();
  auto field = [&](const char* key) {
    const JsonValue* v = json.ok() ? json->find(key) : nullptr;
    EXPECT_TRUE(v != nullptr && v->is_string()) << key;
    return v != nullptr && v->is_string() ? v->as_string() : std::string();
  };
  auto text = [](const std::string& s) { return Bytes(s.begin(), s.end()); };
  return {{"root_ca_crl", *from_hex(field("root_ca_crl"))},
          {"pck_crl", *from_hex(field("pck_crl"))},
          {"tcb_info_issuer_chain", text(field("tcb_info_issuer_chain"))},
          {"tcb_info", text("{\"tcbInfo\":" + field("tcb_info") + ",\"signature\":\"" +
                            field("tcb_info_signature") + "\"}")},
          {"qe_identity", text("{\"enclaveIdentity\":" + field("qe_identity") +
                               ",\"signature\":\"" + field("qe_identity_signature") + "\"}")}};
}

TEST_F(IntelQuoteVerifierTest, GenuineDcapQvlSgxQuoteWithFullCurrentCollateral) {
  const Bytes quote = read_vector("dcap-qvl/sgx_quote");
  IntelQuoteVerifier v(EvidenceType::kSgxDcap,
                       collateral_of(dcap_qvl_collateral("dcap-qvl/sgx_quote_collateral.json")));
  VerificationLog log;
  auto r = v.verify_logged(quote, roots_, kDcapQvlSgxNow, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const auto& s : log) {
    EXPECT_TRUE(s.passed) << s.name << ": " << s.detail;
    EXPECT_FALSE(s.skipped) << s.name << ": " << s.detail;  // every step checked, CRLs too
  }
  ASSERT_TRUE(r->sgx.has_value());
  EXPECT_FALSE(r->debug);
  EXPECT_EQ(to_hex(r->sgx->mr_enclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  const IntelTcbClaims& t = *r->intel_tcb;
  EXPECT_EQ(t.fmspc, "00a067110000");
  EXPECT_TRUE(t.crls_checked);
  ASSERT_TRUE(t.platform_status && t.qe_status);
  EXPECT_EQ(*t.platform_status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(t.advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(*t.qe_status, TcbStatus::kUpToDate);
  EXPECT_TRUE(t.qe_advisory_ids.empty());
  // The signed TCB info with one character changed no longer verifies.
  Files tampered = dcap_qvl_collateral("dcap-qvl/sgx_quote_collateral.json");
  std::string doc(tampered[3].second.begin(), tampered[3].second.end());
  const auto at = doc.find("\"pceId\":\"0000\"");
  ASSERT_NE(at, std::string::npos);
  doc.replace(at, 14, "\"pceId\":\"0001\"");
  tampered[3].second.assign(doc.begin(), doc.end());
  expect_failure(sgx(quote, tampered, kDcapQvlSgxNow), VerifyError::kCollateralInvalid,
                 "TCB info tcb_info signature does not verify");
  // Appraisal: that status is refused unless the policy lists it.
  auto policy = parse_policy(R"({"version": 1, "allowed_types": ["sgx-dcap"],
      "sgx-dcap": {"mr_enclaves": ["33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"],
                   "mr_signers": "any"}})",
                             "/");
  ASSERT_TRUE(policy.ok()) << policy.error();
  auto a = appraise(*policy, *r, kDcapQvlSgxNow);
  ASSERT_FALSE(a.accepted);
  EXPECT_NE(a.reasons[0].text.find("ConfigurationAndSWHardeningNeeded not allowed by policy "
                                   "(advisories: INTEL-SA-00289, INTEL-SA-00615)"),
            std::string::npos)
      << a.reasons[0].text;
  policy->sgx_dcap.allowed_tcb_statuses = {TcbStatus::kUpToDate,
                                           TcbStatus::kConfigurationAndSwHardeningNeeded};
  a = appraise(*policy, *r, kDcapQvlSgxNow);
  EXPECT_TRUE(a.accepted) << (a.reasons.empty() ? "" : a.reasons[0].text);
}

// X2 / X5: dcap-qvl's genuine TDX quote v5 of a TDX 1.5 platform (TEE_TCB_SVN 07 01 03 …:
// module TDX_01, SVN 7) with its full collateral of 2026-02-18 (TCB info v3 with
// tdxModuleIdentities TDX_03 and TDX_01).
constexpr std::uint64_t kDcapQvlTdx15Now = 1772323200;  // 2026-03-01

TEST_F(IntelQuoteVerifierTest, GenuineDcapQvlTdx15QuoteV5WithFullCollateral) {
  const Bytes quote = read_vector("dcap-qvl/tdx_quote_outdated");
  const Files files = dcap_qvl_collateral("dcap-qvl/tdx_quote_outdated_collateral.json");
  IntelQuoteVerifier v(EvidenceType::kTdx, collateral_of(files));
  VerificationLog log;
  auto r = v.verify_logged(quote, roots_, kDcapQvlTdx15Now, &log);
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (const auto& s : log) {
    EXPECT_TRUE(s.passed) << s.name << ": " << s.detail;
    EXPECT_FALSE(s.skipped) << s.name << ": " << s.detail;  // every step checked, CRLs too
  }
  ASSERT_TRUE(r->tdx.has_value());
  EXPECT_EQ(to_hex(r->tdx->tee_tcb_svn), "07010300000000000000000000000000");
  const IntelTcbClaims& t = *r->intel_tcb;
  EXPECT_EQ(t.fmspc, "90c06f000000");
  EXPECT_TRUE(t.crls_checked);
  ASSERT_TRUE(t.platform_status && t.qe_status);
  // The platform's PCK TCB (CPUSVN 03 03 02 02 04 01 00 03 …, PCESVN 13) is below every level
  // of this TCB info on the SGX side (each level needs component 7 >= 5): by Intel's algorithm
  // the status is "TCB level not supported", whatever the TDX module. The module identity
  // TDX_01 was still selected and its MRSIGNERSEAM / SEAMATTRIBUTES checked (step passed).
  EXPECT_EQ(to_hex(t.cpu_svn), "03030202040100030000000000000000");
  EXPECT_EQ(t.pce_svn, 13);
  EXPECT_EQ(*t.platform_status, TcbStatus::kTcbLevelNotSupported);
  EXPECT_NE(t.tcb_detail.find("no TCB level"), std::string::npos) << t.tcb_detail;
  EXPECT_EQ(*t.qe_status, TcbStatus::kUpToDate);
  // The QE identity and TCB info are past their nextUpdate (2026-03-20) a month later.
  expect_failure(tdx(quote, files, kDcapQvlTdx15Now + 31 * 86400), VerifyError::kCollateralInvalid,
                 "has expired (nextUpdate");
  // A flipped byte in the signed TCB info's module identity (TDX_01's first level) fails the
  // signature.
  Files tampered = files;
  std::string doc(tampered[3].second.begin(), tampered[3].second.end());
  const auto at = doc.find("\"isvsvn\":6");
  ASSERT_NE(at, std::string::npos);
  doc[at + 9] = '2';
  tampered[3].second.assign(doc.begin(), doc.end());
  expect_failure(tdx(quote, tampered, kDcapQvlTdx15Now), VerifyError::kCollateralInvalid,
                 "signature does not verify");
}

// X5 on Intel's signed TCB info v3 of that sample (tdxModuleIdentities TDX_03 and TDX_01),
// with chosen platform SVNs: the first level's SGX TCB, TDX components 2.. = 03, and the module
// (TEE_TCB_SVN[0], [1]) varied.
TEST_F(IntelQuoteVerifierTest, GenuineTdx15TcbInfoRatesTheModuleByItsIdentity) {
  const Files files = dcap_qvl_collateral("dcap-qvl/tdx_quote_outdated_collateral.json");
  const std::string doc(files[3].second.begin(), files[3].second.end());
  auto info = parse_tcb_info(doc);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->version, 3);
  ASSERT_EQ(info->tdx_module_identities.size(), 2u);
  EXPECT_EQ(info->tdx_module_identities[0].id, "TDX_03");
  EXPECT_EQ(info->tdx_module_identities[1].id, "TDX_01");
  ASSERT_EQ(info->tdx_module_identities[1].levels.size(), 3u);
  PckCertificateInfo pck;
  pck.component_svns = {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
  pck.pce_svn = 13;
  const auto rate = [&](std::uint8_t module_svn, std::uint8_t version) {
    std::array<std::uint8_t, 16> tee{module_svn, version, 3};
    return evaluate_tcb(*info, pck, &tee);
  };
  // TDX_01 at SVN 7 (>= 6: UpToDate). The level's components 0-1 are 5, 0: before X5 the
  // module version 1 != 0 was a failure ("does not support the platform's TDX module").
  auto up = rate(7, 1);
  ASSERT_TRUE(up.ok()) << up.error();
  EXPECT_EQ(up->status, TcbStatus::kUpToDate);
  EXPECT_TRUE(up->advisory_ids.empty());
  // TDX_01 at SVN 4 (its OutOfDate level, isvsvn 4): the UpToDate level converges to OutOfDate
  // and takes the module level's advisories.
  auto old_module = rate(4, 1);
  ASSERT_TRUE(old_module.ok()) << old_module.error();
  EXPECT_EQ(old_module->status, TcbStatus::kOutOfDate);
  EXPECT_EQ(old_module->advisory_ids,
            (std::vector<std::string>{"INTEL-SA-01036", "INTEL-SA-01099"}));
  // TDX_01 at SVN 1: below its lowest level (isvsvn 2).
  EXPECT_FALSE(rate(1, 1).ok());
  // TDX_03 at SVN 3: UpToDate. A version with no identity (TDX_02): refused, naming it.
  auto v3 = rate(3, 3);
  ASSERT_TRUE(v3.ok()) << v3.error();
  EXPECT_EQ(v3->status, TcbStatus::kUpToDate);
  auto v2 = rate(7, 2);
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.error().find("no tdxModuleIdentities entry TDX_02"), std::string::npos)
      << v2.error();
  // The second level (OutOfDate) when the platform's TDX component 2 is 2.
  std::array<std::uint8_t, 16> tee{7, 1, 2};
  auto second = evaluate_tcb(*info, pck, &tee);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(second->status, TcbStatus::kOutOfDate);
  EXPECT_EQ(second->advisory_ids.size(), 5u);
}

TEST_F(IntelQuoteVerifierTest, GenuineDcapQvlTdxQuoteVerifiesItsChain) {
  const Bytes quote = read_vector("dcap-qvl/tdx_quote");
  auto r = tdx(quote, {}, kDcapQvlSgxNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->intel_tcb->fmspc, "b0c06f000000");
  EXPECT_EQ(to_hex(r->tdx->mr_td),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b25"
            "38873118b7");
  EXPECT_FALSE(r->debug);
  Bytes b = quote;
  b[48 + 136] ^= 1;
  expect_failure(tdx(b, {}, kDcapQvlSgxNow), VerifyError::kSignatureInvalid,
                 "quote signature does not verify");
}

}  // namespace
}  // namespace trustmq::attest

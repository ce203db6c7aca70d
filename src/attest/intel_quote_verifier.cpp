#include "attest/intel_quote_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include "attest/amd_key_certificate.h"
#include "attest/intel_qe_identity.h"
#include "attest/intel_quote.h"
#include "attest/intel_tcb_info.h"
#include "attest/raw_ecdsa.h"
#include "attest/x509_time.h"

namespace trustmq::attest {

namespace {

using R = Result<Claims, VerifyFailure>;

bool signed_by(X509* cert, X509* issuer) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = key != nullptr && X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

bool issued_by(X509* cert, X509* issuer) {
  return X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) == 0;
}

// The certificates of a PEM chain, in order (empty on a parse failure).
std::vector<SharedX509> parse_pem_chain(ByteSpan pem) {
  std::vector<SharedX509> out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr) {
    X509_check_purpose(cert, -1, 0);  // decode extensions now, while this thread owns it
    out.push_back(share_x509(X509Ptr(cert)));
  }
  ERR_clear_error();
  return out;
}

bool verify_raw_p256(EVP_PKEY* key, ByteSpan message, ByteSpan raw_signature) {
  const Bytes der = raw_ecdsa_signature_to_der(raw_signature, Endianness::kBig);
  return !der.empty() && verify_digest_signature(key, EVP_sha256(), message, der);
}

struct ParsedChain {
  Bytes certification_data;
  SharedX509 leaf;
  SharedX509 intermediate;
  PckCertificateInfo pck;
};

struct CachedDocument {
  const CollateralDocument* document;
  SharedX509 signer;  // verified this document's signature
};

}  // namespace

struct IntelQuoteVerifier::Cache {
  std::mutex mutex;
  std::vector<std::shared_ptr<const ParsedChain>> chains;  // most recent last
  struct VerifiedPair {
    SharedX509 cert;
    SharedX509 issuer;
  };
  std::vector<VerifiedPair> signatures;  // cert signed by issuer, verified
  struct VerifiedCrl {
    X509_CRL* crl;
    SharedX509 issuer;
  };
  std::vector<VerifiedCrl> crls;
  std::vector<CachedDocument> documents;
  std::uint64_t signature_checks = 0;

  bool known_signature(const SharedX509& cert, const SharedX509& issuer) {
    std::lock_guard lock(mutex);
    for (const auto& v : signatures) {
      if (v.cert == cert && X509_cmp(v.issuer.get(), issuer.get()) == 0) return true;
    }
    ++signature_checks;
    return false;
  }
  void remember_signature(const SharedX509& cert, const SharedX509& issuer) {
    std::lock_guard lock(mutex);
    if (signatures.size() >= 64) signatures.erase(signatures.begin());
    signatures.push_back({cert, issuer});
  }
};

IntelQuoteVerifier::IntelQuoteVerifier(EvidenceType type,
                                       std::shared_ptr<const Collateral> collateral)
    : type_(type),
      collateral_(collateral ? std::move(collateral) : std::make_shared<const Collateral>()),
      cache_(std::make_unique<Cache>()) {}

IntelQuoteVerifier::~IntelQuoteVerifier() = default;

std::uint64_t IntelQuoteVerifier::chain_signature_checks() const {
  std::lock_guard lock(cache_->mutex);
  return cache_->signature_checks;
}

R IntelQuoteVerifier::verify_logged(ByteSpan evidence, const TrustAnchors& anchors,
                                    std::uint64_t now, VerificationLog* log) const {
  VerificationSteps steps(log);
  const bool tdx = type_ == EvidenceType::kTdx;
  const std::string type_name(evidence_type_name(type_));

  // 1. Layout.
  auto parsed = parse_intel_quote(evidence);
  if (!parsed) return steps.fail("quote layout", VerifyError::kMalformed, parsed.error());
  const IntelQuote& q = *parsed;
  if (q.is_tdx() != tdx) {
    return steps.fail(
        "quote layout", VerifyError::kMalformed,
        std::string("quote is ") + (q.is_tdx() ? "a TDX" : "an SGX") + " quote, not " + type_name);
  }
  steps.pass("quote layout", "version " + std::to_string(q.version) + ", " + (tdx ? "TDX" : "SGX") +
                                 ", body " + std::to_string(q.body.size()) +
                                 " bytes, ECDSA P-256 attestation key" +
                                 (q.trailing_bytes == 0 ? std::string()
                                                        : ", " + std::to_string(q.trailing_bytes) +
                                                              " unsigned trailing bytes ignored"));

  // 2. PCK chain (parsed once per exact certification data).
  std::shared_ptr<const ParsedChain> chain;
  {
    std::lock_guard lock(cache_->mutex);
    for (auto it = cache_->chains.begin(); it != cache_->chains.end(); ++it) {
      const Bytes& known = (*it)->certification_data;
      if (known.size() == q.certification_data.size() &&
          std::equal(known.begin(), known.end(), q.certification_data.begin())) {
        chain = *it;
        break;
      }
    }
  }
  if (!chain) {
    auto certs = parse_pem_chain(q.certification_data);
    auto c = std::make_shared<ParsedChain>();
    c->certification_data.assign(q.certification_data.begin(), q.certification_data.end());
    for (const auto& cert : certs) {
      const std::string cn = certificate_common_name(cert.get());
      if (cn == "Intel SGX PCK Certificate" && !c->leaf) c->leaf = cert;
      if ((cn == "Intel SGX PCK Processor CA" || cn == "Intel SGX PCK Platform CA") &&
          !c->intermediate) {
        c->intermediate = cert;
      }
    }
    if (!c->leaf || !c->intermediate) {
      return steps.fail("PCK certificate chain", VerifyError::kMalformed,
                        "certification data holds " + std::to_string(certs.size()) +
                            " PEM certificates but no PCK certificate and PCK CA");
    }
    auto pck = read_pck_certificate(c->leaf.get());
    if (!pck) return steps.fail("PCK certificate chain", VerifyError::kMalformed, pck.error());
    c->pck = *pck;
    chain = c;
    std::lock_guard lock(cache_->mutex);
    if (cache_->chains.size() >= 8) cache_->chains.erase(cache_->chains.begin());
    cache_->chains.push_back(chain);
  }
  const SharedX509& leaf = chain->leaf;
  const SharedX509& intermediate = chain->intermediate;
  const std::string inter_cn = certificate_common_name(intermediate.get());
  SharedX509 root;
  for (const auto& a : anchors) {
    if (a && issued_by(intermediate.get(), a.get())) {
      root = a;
      break;
    }
  }
  if (!root) {
    return steps.fail("trust anchor", VerifyError::kUntrustedPlatform,
                      inter_cn +
                          " is not issued by a trust anchor (expected the Intel SGX Root "
                          "CA or the policy's anchor)");
  }
  const std::string root_cn = certificate_common_name(root.get());
  steps.pass("trust anchor", root_cn);
  const struct {
    const SharedX509& cert;
    const SharedX509& issuer;
    std::string name;
    std::string message;
  } links[] = {
      {root, root, root_cn + " self-signature", root_cn + " self-signature does not verify"},
      {intermediate, root, inter_cn + " signed by " + root_cn,
       inter_cn + " is not signed by " + root_cn + " (signature does not verify)"},
      {leaf, intermediate, "PCK certificate signed by " + inter_cn,
       "PCK certificate is not signed by " + inter_cn + " (signature does not verify)"},
  };
  for (const auto& link : links) {
    if (cache_->known_signature(link.cert, link.issuer)) {
      steps.pass(link.name, "verified before (cached)");
      continue;
    }
    if (!issued_by(link.cert.get(), link.issuer.get()) || X509_check_ca(link.issuer.get()) < 1 ||
        !signed_by(link.cert.get(), link.issuer.get())) {
      return steps.fail(link.name, VerifyError::kUntrustedPlatform, link.message);
    }
    cache_->remember_signature(link.cert, link.issuer);
    steps.pass(link.name, "ECDSA P-256");
  }
  for (const auto& [cert, what] :
       {std::pair{root.get(), root_cn}, std::pair{intermediate.get(), inter_cn},
        std::pair{leaf.get(), std::string("PCK certificate")}}) {
    auto valid = check_validity(cert, now, what);
    if (!valid) return steps.fail("validity of " + what, valid.error().code, valid.error().message);
  }
  steps.pass("certificate validity",
             "root, " + inter_cn + " and PCK certificate valid at " + utc_text(now));

  // 3. Revocation.
  int crls_checked = 0;
  for (const auto& [subject, issuer, subject_name] :
       {std::tuple{intermediate, root, inter_cn},
        std::tuple{leaf, intermediate, std::string("PCK certificate")}}) {
    const std::string issuer_cn = certificate_common_name(issuer.get());
    const std::string step = subject_name + " not revoked (CRL of " + issuer_cn + ")";
    const CollateralCrl* found = nullptr;
    for (const auto& c : collateral_->crls) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(c.crl.get()), X509_get_subject_name(issuer.get())) ==
          0) {
        found = &c;
        break;
      }
    }
    if (found == nullptr) {
      steps.skip(step, "NOT CHECKED: no CRL issued by " + issuer_cn + " in the collateral");
      continue;
    }
    bool known = false;
    {
      std::lock_guard lock(cache_->mutex);
      for (const auto& v : cache_->crls) {
        if (v.crl == found->crl.get() && X509_cmp(v.issuer.get(), issuer.get()) == 0) known = true;
      }
    }
    if (!known) {
      EVP_PKEY* key = X509_get0_pubkey(issuer.get());
      const bool ok = key != nullptr && X509_CRL_verify(found->crl.get(), key) == 1;
      ERR_clear_error();
      if (!ok) {
        return steps.fail(step, VerifyError::kCollateralInvalid,
                          "CRL " + found->source + " is not signed by " + issuer_cn);
      }
      std::lock_guard lock(cache_->mutex);
      if (cache_->crls.size() >= 16) cache_->crls.erase(cache_->crls.begin());
      cache_->crls.push_back({found->crl.get(), issuer});
    }
    auto t = static_cast<time_t>(now);
    const ASN1_TIME* this_update = X509_CRL_get0_lastUpdate(found->crl.get());
    const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(found->crl.get());
    if (this_update == nullptr || X509_cmp_time(this_update, &t) != -1) {
      return steps.fail(step, VerifyError::kCollateralInvalid,
                        "CRL " + found->source + " is not yet valid (thisUpdate " +
                            asn1_time_text(this_update) + ")");
    }
    if (next_update == nullptr || X509_cmp_time(next_update, &t) != 1) {
      return steps.fail(step, VerifyError::kCollateralInvalid,
                        "CRL " + found->source + " has expired (nextUpdate " +
                            asn1_time_text(next_update) + "); fetch a fresh one");
    }
    X509_REVOKED* revoked = nullptr;
    if (X509_CRL_get0_by_cert(found->crl.get(), &revoked, subject.get()) == 1) {
      return steps.fail(step, VerifyError::kCertificateRevoked,
                        subject_name + " is revoked (listed in " + found->source + ")");
    }
    ++crls_checked;
    steps.pass(step, found->source);
  }

  // 4. QE report signed by the PCK key.
  EVP_PKEY* pck_key = X509_get0_pubkey(leaf.get());
  if (!verify_raw_p256(pck_key, q.qe_report, q.qe_report_signature)) {
    return steps.fail("QE report signature", VerifyError::kSignatureInvalid,
                      "QE report signature does not verify with the PCK certificate key (QE "
                      "report or its signature tampered)");
  }
  steps.pass("QE report signature", "ECDSA P-256 by the PCK certificate key");
  const SgxReportBody qe = parse_sgx_report_body(q.qe_report);

  // 5. Attestation key bound by the QE report data.
  Sha256Digest expected{};
  {
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    unsigned int len = 0;
    if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(md.get(), q.attestation_key.data(), q.attestation_key.size()) != 1 ||
        EVP_DigestUpdate(md.get(), q.qe_auth_data.data(), q.qe_auth_data.size()) != 1 ||
        EVP_DigestFinal_ex(md.get(), expected.data(), &len) != 1) {
      return steps.fail("attestation key binding", VerifyError::kInternal, "SHA-256 failed");
    }
  }
  const bool tail_zero = std::all_of(qe.report_data.begin() + 32, qe.report_data.end(),
                                     [](std::uint8_t b) { return b == 0; });
  if (!std::equal(expected.begin(), expected.end(), qe.report_data.begin()) || !tail_zero) {
    return steps.fail("attestation key binding", VerifyError::kPlatformMismatch,
                      "QE report data is not SHA-256(attestation key || QE auth data) || 0^32: "
                      "the attestation key is not the one the QE certified");
  }
  steps.pass("attestation key binding",
             "QE report data = SHA-256(attestation key || QE auth data)");

  // 6. Quote signature by the attestation key.
  EvpPkeyPtr attest_key = p256_public_key_from_raw(q.attestation_key);
  if (!attest_key) {
    return steps.fail("quote signature", VerifyError::kMalformed,
                      "attestation key is not a P-256 point");
  }
  if (!verify_raw_p256(attest_key.get(), q.signed_bytes, q.signature)) {
    return steps.fail("quote signature", VerifyError::kSignatureInvalid,
                      "quote signature does not verify with the attestation key (header, body "
                      "or signature tampered)");
  }
  steps.pass("quote signature", "ECDSA P-256 over header and body by the attestation key");

  Claims claims;
  claims.type = type_;
  claims.has_timestamp = false;
  IntelTcbClaims& tcb = claims.intel_tcb.emplace();
  tcb.fmspc = to_hex(chain->pck.fmspc);
  tcb.pce_svn = chain->pck.pce_svn;
  tcb.cpu_svn = chain->pck.cpu_svn;
  tcb.crls_checked = crls_checked == 2;
  std::optional<TdReportBody> td;
  if (tdx) {
    td = parse_td_report_body(q.body);
    std::copy(td->report_data.begin(), td->report_data.end(), claims.report_data.begin());
    claims.debug = td->debug();
    TdxTdClaims& t = claims.tdx.emplace();
    t.tee_tcb_svn = td->tee_tcb_svn;
    t.mr_seam = td->mr_seam;
    t.mr_signer_seam = td->mr_signer_seam;
    t.td_attributes = td->td_attributes;
    t.xfam = td->xfam;
    t.mr_td = td->mr_td;
    t.mr_config_id = td->mr_config_id;
    t.mr_owner = td->mr_owner;
    t.mr_owner_config = td->mr_owner_config;
    t.rtmr = td->rtmr;
    t.debug = td->debug();
  } else {
    const SgxReportBody body = parse_sgx_report_body(q.body);
    std::copy(body.report_data.begin(), body.report_data.end(), claims.report_data.begin());
    claims.debug = body.debug();
    SgxEnclaveClaims& s = claims.sgx.emplace();
    s.mr_enclave = body.mr_enclave;
    s.mr_signer = body.mr_signer;
    s.isv_prod_id = body.isv_prod_id;
    s.isv_svn = body.isv_svn;
    s.attributes = body.attributes;
    s.cpu_svn = body.cpu_svn;
    s.misc_select = body.misc_select;
    s.debug = body.debug();
  }
  claims.platform_id =
      type_name + ":fmspc:" + tcb.fmspc + ":pck:" + short_hex(spki_sha256(leaf.get()));

  // 7-8. Collateral documents signed by the Intel SGX TCB Signing certificate.
  SharedX509 tcb_signer;
  auto signer_for = [&](const std::string& step) -> std::optional<R> {
    if (tcb_signer) return std::nullopt;
    for (const auto& c : collateral_->certificates) {
      if (certificate_common_name(c.cert.get()) == "Intel SGX TCB Signing" &&
          issued_by(c.cert.get(), root.get())) {
        tcb_signer = c.cert;
        break;
      }
    }
    if (!tcb_signer) {
      return steps.fail(step, VerifyError::kCollateralMissing,
                        "no Intel SGX TCB Signing certificate issued by " + root_cn +
                            " in the collateral (the TCB-Info-Issuer-Chain of the PCS response)");
    }
    if (!cache_->known_signature(tcb_signer, root)) {
      if (!signed_by(tcb_signer.get(), root.get())) {
        return steps.fail(step, VerifyError::kCollateralInvalid,
                          "Intel SGX TCB Signing certificate is not signed by " + root_cn);
      }
      cache_->remember_signature(tcb_signer, root);
    }
    auto valid = check_validity(tcb_signer.get(), now, "Intel SGX TCB Signing certificate");
    if (!valid) return steps.fail(step, VerifyError::kCollateralInvalid, valid.error().message);
    // The root CA's CRL (its signature and dates were checked with the PCK CA in step 3) also
    // lists revoked TCB Signing certificates.
    for (const auto& c : collateral_->crls) {
      X509_REVOKED* revoked = nullptr;
      if (X509_NAME_cmp(X509_CRL_get_issuer(c.crl.get()), X509_get_subject_name(root.get())) == 0 &&
          X509_CRL_get0_by_cert(c.crl.get(), &revoked, tcb_signer.get()) == 1) {
        return steps.fail(
            step, VerifyError::kCertificateRevoked,
            "Intel SGX TCB Signing certificate is revoked (listed in " + c.source + ")");
      }
    }
    return std::nullopt;
  };
  auto verified_document = [&](const CollateralDocument& doc, const SignedJson& part) {
    {
      std::lock_guard lock(cache_->mutex);
      for (const auto& d : cache_->documents) {
        if (d.document == &doc && d.signer == tcb_signer) return true;
      }
    }
    if (!verify_raw_p256(X509_get0_pubkey(tcb_signer.get()),
                         ByteSpan(reinterpret_cast<const std::uint8_t*>(part.signed_text.data()),
                                  part.signed_text.size()),
                         part.signature)) {
      return false;
    }
    std::lock_guard lock(cache_->mutex);
    if (cache_->documents.size() >= 32) cache_->documents.erase(cache_->documents.begin());
    cache_->documents.push_back({&doc, tcb_signer});
    return true;
  };

  // A TCB info or QE identity is used only inside [issueDate, nextUpdate), checked every time
  // (as a CRL's thisUpdate/nextUpdate are): a status from expired collateral is not reported
  // as current. Verify an old sample with a verification time inside its collateral's dates.
  auto not_current = [&](const std::string& what, const std::string& source, std::uint64_t issued,
                         std::uint64_t next_update) -> std::optional<std::string> {
    if (now < issued) {
      return what + " " + source + " is dated after the verification time (issued " +
             utc_text(issued) + ", verification time " + utc_text(now) +
             "): wrong clock or wrong document";
    }
    if (now >= next_update) {
      return what + " " + source + " has expired (nextUpdate " + utc_text(next_update) +
             "); fetch fresh collateral";
    }
    return std::nullopt;
  };

  // QE identity.
  const std::string qe_id = tdx ? "TD_QE" : "QE";
  bool qe_found = false;
  for (const auto& doc : collateral_->documents) {
    if (doc.text.find("\"enclaveIdentity\"") == std::string::npos) continue;
    auto identity = parse_qe_identity(doc.text);
    if (!identity)
      return steps.fail("QE identity", VerifyError::kCollateralInvalid,
                        doc.source + ": " + identity.error());
    if (identity->id != qe_id) continue;
    qe_found = true;
    if (auto failed = signer_for("QE identity")) return std::move(*failed);
    if (!verified_document(doc, identity->signed_part)) {
      return steps.fail("QE identity", VerifyError::kCollateralInvalid,
                        "QE identity " + doc.source +
                            " signature does not verify with the Intel SGX TCB Signing key");
    }
    if (auto stale =
            not_current("QE identity", doc.source, identity->issue_date, identity->next_update)) {
      return steps.fail("QE identity", VerifyError::kCollateralInvalid, *stale);
    }
    auto status = evaluate_qe_identity(*identity, qe);
    if (!status) return steps.fail("QE identity", VerifyError::kPlatformMismatch, status.error());
    tcb.qe_status = *status;
    if (const QeTcbLevel* level = qe_tcb_level(*identity, qe.isv_svn)) {
      tcb.qe_advisory_ids = level->advisory_ids;
    }
    tcb.qe_identity_issue_date = identity->issue_date;
    tcb.qe_identity_next_update = identity->next_update;
    steps.pass("QE identity", doc.source + " (signed by Intel SGX TCB Signing; issued " +
                                  utc_text(identity->issue_date) + "): QE status " +
                                  std::string(tcb_status_name(*status)));
    break;
  }
  if (!qe_found) {
    steps.skip("QE identity",
               "NOT CHECKED: no " + qe_id + " identity in the collateral (QE TCB status unknown)");
  }

  // TCB info.
  const std::string tcb_id = tdx ? "TDX" : "SGX";
  bool tcb_found = false;
  for (const auto& doc : collateral_->documents) {
    if (doc.text.find("\"tcbInfo\"") == std::string::npos) continue;
    auto info = parse_tcb_info(doc.text);
    if (!info)
      return steps.fail("TCB info", VerifyError::kCollateralInvalid,
                        doc.source + ": " + info.error());
    if (info->id != tcb_id || info->fmspc != chain->pck.fmspc) continue;
    tcb_found = true;
    if (auto failed = signer_for("TCB info")) return std::move(*failed);
    if (!verified_document(doc, info->signed_part)) {
      return steps.fail("TCB info", VerifyError::kCollateralInvalid,
                        "TCB info " + doc.source +
                            " signature does not verify with the Intel SGX TCB Signing key");
    }
    if (auto stale = not_current("TCB info", doc.source, info->issue_date, info->next_update)) {
      return steps.fail("TCB info", VerifyError::kCollateralInvalid, *stale);
    }
    if (info->pce_id != chain->pck.pce_id) {
      return steps.fail("TCB info", VerifyError::kPlatformMismatch,
                        "TCB info PCE-ID " + to_hex(info->pce_id) +
                            " is not the PCK certificate's " + to_hex(chain->pck.pce_id));
    }
    if (tdx) {
      auto module = select_tdx_module(*info, td->tee_tcb_svn);
      if (!module) return steps.fail("TCB info", VerifyError::kPlatformMismatch, module.error());
      const TdxModuleIdentity& m = **module;
      if (m.mr_signer != td->mr_signer_seam) {
        return steps.fail("TCB info", VerifyError::kPlatformMismatch,
                          "TD report MRSIGNERSEAM " + short_hex(td->mr_signer_seam) +
                              " is not the TCB info's TDX module signer " + short_hex(m.mr_signer));
      }
      if ((td->seam_attributes & m.attributes_mask) != m.attributes) {
        return steps.fail("TCB info", VerifyError::kPlatformMismatch,
                          "TD report SEAMATTRIBUTES do not match the TCB info's TDX module "
                          "attributes under their mask");
      }
    }
    auto verdict = evaluate_tcb(*info, chain->pck, tdx ? &td->tee_tcb_svn : nullptr);
    if (verdict) {
      tcb.platform_status = verdict->status;
      tcb.advisory_ids = verdict->advisory_ids;
      tcb.tcb_date = verdict->tcb_date;
    } else {
      // A verified TCB info that rates no level of this platform: a status, for appraisal.
      tcb.platform_status = TcbStatus::kTcbLevelNotSupported;
      tcb.tcb_detail = verdict.error();
    }
    tcb.tcb_info_issue_date = info->issue_date;
    tcb.tcb_info_next_update = info->next_update;
    tcb.tcb_evaluation_data_number = info->tcb_evaluation_data_number;
    steps.pass("TCB info", doc.source + " (FMSPC " + tcb.fmspc +
                               ", signed by Intel SGX TCB "
                               "Signing; issued " +
                               utc_text(info->issue_date) + "): platform status " +
                               std::string(tcb_status_name(*tcb.platform_status)) +
                               (tcb.tcb_detail.empty() ? "" : " (" + tcb.tcb_detail + ")"));
    break;
  }
  if (!tcb_found) {
    steps.skip("TCB info", "NOT CHECKED: no " + tcb_id + " TCB info for FMSPC " + tcb.fmspc +
                               " in the collateral (platform TCB status unknown)");
  }
  return R::success(std::move(claims));
}

}  // namespace trustmq::attest

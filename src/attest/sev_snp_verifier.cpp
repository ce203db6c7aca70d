#include "attest/sev_snp_verifier.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "attest/amd_key_certificate.h"
#include "attest/crl_check.h"
#include "attest/raw_ecdsa.h"
#include "attest/sev_snp_report.h"
#include "attest/well_known_roots.h"
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

bool is_rsa_pss_signed(X509* cert) { return X509_get_signature_nid(cert) == NID_rsassaPss; }

std::string tcb_query(const SevSnpTcb& t) {
  return "blSPL=" + std::to_string(t.bootloader) + "&teeSPL=" + std::to_string(t.tee) +
         "&snpSPL=" + std::to_string(t.snp) + "&ucodeSPL=" + std::to_string(t.microcode);
}

}  // namespace

SevSnpVerifier::SevSnpVerifier(std::shared_ptr<const Collateral> collateral)
    : SevSnpVerifier(std::move(collateral), Options{}) {}

SevSnpVerifier::SevSnpVerifier(std::shared_ptr<const Collateral> collateral, Options options)
    : collateral_(collateral ? std::move(collateral) : std::make_shared<const Collateral>()),
      options_(options) {}

std::uint64_t SevSnpVerifier::chain_signature_checks() const {
  std::lock_guard lock(mutex_);
  return chain_signature_checks_;
}

R SevSnpVerifier::verify_logged(ByteSpan evidence, const TrustAnchors& anchors, std::uint64_t now,
                                VerificationLog* log) const {
  VerificationSteps steps(log);

  // 1. Layout.
  auto parsed = parse_sev_snp_report(evidence);
  if (!parsed) return steps.fail("report layout", VerifyError::kMalformed, parsed.error());
  const SevSnpReport& report = *parsed;
  steps.pass("report layout", "version " + std::to_string(report.version) + ", 1184 bytes, " +
                                  "ECDSA P-384 SHA-384, signed by the " +
                                  std::string(sev_snp_signing_key_name(report.signing_key)));
  if (report.signing_key == SevSnpSigningKey::kNone) {
    return steps.fail("signing key", VerifyError::kSignatureInvalid,
                      "sev-snp report is not signed (signing key selector: none)");
  }
  const bool vlek = report.signing_key == SevSnpSigningKey::kVlek;
  const std::string key_name = vlek ? "VLEK" : "VCEK";
  const std::string intermediate_name = vlek ? "ASVK" : "ASK";

  // 2. The endorsement key certificate for this chip (VCEK: hwID = chip id) and reported TCB.
  SharedX509 leaf;
  AmdKeyCertificateInfo leaf_info;
  std::string near_miss;
  if (!vlek && report.mask_chip_id) {
    return steps.fail("VCEK for chip id", VerifyError::kPlatformMismatch,
                      "sev-snp report has MASK_CHIP_ID set: its chip id is zero and no VCEK can "
                      "be matched to it");
  }
  for (const auto& c : collateral_->certificates) {
    const std::string cn = certificate_common_name(c.cert.get());
    if (cn != (vlek ? "SEV-VLEK" : "SEV-VCEK")) continue;
    auto info = read_amd_key_certificate(c.cert.get());
    if (!info) {
      near_miss = info.error() + " (" + c.source + ")";
      continue;
    }
    if (!vlek && (!info->hw_id || *info->hw_id != report.chip_id)) continue;
    if (!(info->tcb == report.reported_tcb)) {
      near_miss = key_name + " " + c.source + " is for TCB " + info->tcb.to_string() +
                  ", the report's reported TCB is " + report.reported_tcb.to_string();
      continue;
    }
    leaf = c.cert;
    leaf_info = std::move(*info);
    break;
  }
  if (!leaf) {
    std::string message =
        vlek ? "no VLEK certificate for reported TCB " + report.reported_tcb.to_string() +
                   " in the collateral"
             : "no VCEK certificate for chip id " + short_hex(report.chip_id) +
                   " and reported TCB " + report.reported_tcb.to_string() +
                   " in the collateral (fetch it from https://kdsintf.amd.com/vcek/v1/<product>/" +
                   to_hex(report.chip_id) + "?" + tcb_query(report.reported_tcb) + ")";
    if (!near_miss.empty()) message += "; " + near_miss;
    return steps.fail(key_name + " for chip id and TCB", VerifyError::kCollateralMissing, message);
  }
  steps.pass(key_name + " for chip id and TCB",
             vlek ? "VLEK TCB = reported TCB (" + report.reported_tcb.to_string() + ")"
                  : "VCEK hwID = report chip id " + short_hex(report.chip_id) +
                        ", VCEK TCB = reported TCB (" + report.reported_tcb.to_string() + ")");
  const std::string& product = leaf_info.product;

  // 3. The ARK of that product among the trust anchors.
  const std::string ark_cn = "ARK-" + product;
  SharedX509 ark;
  for (const auto& a : anchors) {
    if (a && certificate_common_name(a.get()) == ark_cn) {
      ark = a;
      break;
    }
  }
  if (!ark) {
    return steps.fail("trust anchor", VerifyError::kUntrustedPlatform,
                      key_name + " is for product " + leaf_info.product_name +
                          " but no trust anchor is " + ark_cn);
  }
  steps.pass("trust anchor",
             ark_cn + " (SHA-256 of the SPKI " + short_hex(spki_sha256(ark.get())) + ")");

  // 4. The ASK/ASVK: from the collateral, else built in.
  const std::string intermediate_cn = (vlek ? "SEV-VLEK-" : "SEV-") + product;
  SharedX509 intermediate;
  std::string intermediate_source;
  for (const auto& c : collateral_->certificates) {
    if (certificate_common_name(c.cert.get()) == intermediate_cn) {
      intermediate = c.cert;
      intermediate_source = c.source;
      break;
    }
  }
  if (!intermediate && options_.builtin_intermediates) {
    for (const auto& c : well_known_amd_intermediates()) {
      if (certificate_common_name(c.get()) == intermediate_cn) {
        intermediate = c;
        intermediate_source = "built in";
        break;
      }
    }
  }
  if (!intermediate) {
    return steps.fail(
        intermediate_name + " certificate", VerifyError::kCollateralMissing,
        "no " + intermediate_name + " certificate (" + intermediate_cn + ") in the collateral");
  }
  steps.pass(intermediate_name + " certificate",
             intermediate_cn + " (" + intermediate_source + ")");

  // 5. Signatures ARK → ARK, ARK → ASK, ASK → VCEK (remembered after success).
  bool cached = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& v : verified_) {
      if (v.leaf == leaf && v.intermediate == intermediate &&
          X509_cmp(v.ark.get(), ark.get()) == 0) {
        cached = true;
        break;
      }
    }
    if (!cached) ++chain_signature_checks_;
  }
  const std::string ark_step = ark_cn + " self-signature (RSA-PSS SHA-384)";
  const std::string ask_step = intermediate_name + " signed by " + ark_cn + " (RSA-PSS SHA-384)";
  const std::string leaf_step = key_name + " signed by " + intermediate_name + " (RSA-PSS SHA-384)";
  if (cached) {
    steps.pass(ark_step, "verified before (cached)");
    steps.pass(ask_step, "verified before (cached)");
    steps.pass(leaf_step, "verified before (cached)");
  } else {
    if (!is_rsa_pss_signed(ark.get()) || !signed_by(ark.get(), ark.get())) {
      return steps.fail(ark_step, VerifyError::kUntrustedPlatform,
                        ark_cn + " self-signature does not verify (not RSA-PSS or tampered)");
    }
    steps.pass(ark_step);
    if (X509_check_ca(ark.get()) < 1 || X509_check_ca(intermediate.get()) < 1) {
      return steps.fail(ask_step, VerifyError::kUntrustedPlatform,
                        ark_cn + " or " + intermediate_cn + " is not a CA certificate");
    }
    if (!is_rsa_pss_signed(intermediate.get()) || !signed_by(intermediate.get(), ark.get())) {
      return steps.fail(ask_step, VerifyError::kUntrustedPlatform,
                        intermediate_name + " " + intermediate_cn + " (" + intermediate_source +
                            ") is not signed by " + ark_cn + " (signature does not verify)");
    }
    steps.pass(ask_step);
    if (!is_rsa_pss_signed(leaf.get()) || !signed_by(leaf.get(), intermediate.get())) {
      return steps.fail(leaf_step, VerifyError::kUntrustedPlatform,
                        key_name + " certificate is not signed by " + intermediate_name + " " +
                            intermediate_cn + " (signature does not verify)");
    }
    steps.pass(leaf_step);
  }

  // 5b. Revocation of the ASK/ASVK: AMD's CRL (KDS `…/crl`, issued and signed by the ARK) from
  // the collateral. Without one the step is logged NOT CHECKED.
  CrlRevocationClaim revocation;
  {
    const std::string step = intermediate_name + " not revoked (CRL of " + ark_cn + ")";
    const CollateralCrl* crl = find_crl_of(*collateral_, ark.get());
    if (crl == nullptr) {
      steps.skip(step, "NOT CHECKED: no CRL issued by " + ark_cn +
                           " in the collateral (fetch https://kdsintf.amd.com/" +
                           (vlek ? "vlek" : "vcek") + "/v1/" + product + "/crl)");
    } else {
      auto checked =
          check_crl(*crl, ark, intermediate.get(), ark_cn,
                    intermediate_name + " " + intermediate_cn + " (" + intermediate_source + ")",
                    now, verified_crls_);
      if (!checked) return steps.fail(step, checked.error().code, checked.error().message);
      steps.pass(step, crl->source);
      revocation = {true, crl_this_update(*crl), crl->source};
    }
  }

  // 6. Validity at `now` (every time).
  for (const auto& [cert, what] :
       {std::pair{ark.get(), ark_cn}, std::pair{intermediate.get(), intermediate_cn},
        std::pair{leaf.get(), key_name + " certificate"}}) {
    auto valid = check_validity(cert, now, what);
    if (!valid) {
      return steps.fail("validity of " + what, valid.error().code, valid.error().message);
    }
  }
  steps.pass("certificate validity",
             "ARK, " + intermediate_name + " and " + key_name + " valid at the verification time");
  if (!cached) {
    std::lock_guard lock(mutex_);
    if (verified_.size() >= kMaxCachedChains) verified_.erase(verified_.begin());
    verified_.push_back({ark, intermediate, leaf});
  }

  // 7. The report signature with the VCEK/VLEK key.
  EVP_PKEY* key = X509_get0_pubkey(leaf.get());
  ERR_clear_error();
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
    return steps.fail("report signature", VerifyError::kUntrustedPlatform,
                      key_name + " key is not an EC P-384 key");
  }
  const Bytes der = raw_ecdsa_signature_to_der(report.signature_r_s, Endianness::kLittle);
  if (der.empty() || !verify_digest_signature(key, EVP_sha384(), report.signed_bytes, der)) {
    return steps.fail("report signature", VerifyError::kSignatureInvalid,
                      "sev-snp report signature does not verify with the " + key_name +
                          " (report or signature tampered)");
  }
  steps.pass("report signature", "ECDSA P-384 SHA-384 over bytes [0, 0x2A0) by the " + key_name);

  // 8. Claims.
  Claims claims;
  claims.type = EvidenceType::kSevSnp;
  claims.platform_id =
      "sev-snp:" + product + ":" +
      (vlek ? "vlek:" + leaf_info.csp_id : "chip:" + to_hex(ByteSpan(report.chip_id).first(8)));
  std::copy(report.report_data.begin(), report.report_data.end(), claims.report_data.begin());
  claims.debug = report.debug_allowed();
  claims.has_timestamp = false;
  SevSnpClaims& s = claims.sev_snp.emplace();
  s.report_version = report.version;
  s.product = product;
  s.signing_key = report.signing_key;
  s.measurement = report.measurement;
  s.host_data = report.host_data;
  s.id_key_digest = report.id_key_digest;
  s.author_key_digest = report.author_key_digest;
  s.family_id = report.family_id;
  s.image_id = report.image_id;
  s.chip_id = report.chip_id;
  s.policy = report.policy;
  s.debug_allowed = report.debug_allowed();
  s.migration_agent_allowed = report.migration_agent_allowed();
  s.guest_svn = report.guest_svn;
  s.vmpl = report.vmpl;
  s.current_tcb = report.current_tcb;
  s.reported_tcb = report.reported_tcb;
  s.committed_tcb = report.committed_tcb;
  s.launch_tcb = report.launch_tcb;
  s.platform_info = report.platform_info;
  s.revocation = std::move(revocation);
  return R::success(std::move(claims));
}

}  // namespace trustmq::attest

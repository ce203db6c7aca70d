#include "attest/tpm_quote_verifier.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <tss2/tss2_mu.h>

#include <algorithm>

#include "attest/measurement.h"
#include "attest/raw_ecdsa.h"

namespace trustmq::attest {

namespace {

std::string name_of(const X509_NAME* name) {
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

bool is_p256(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return false;
  return std::string_view(group, len) == "prime256v1";
}

// r || s, each left-padded to 32 bytes; empty if a parameter is longer.
Bytes raw_signature(const TPMS_SIGNATURE_ECC& ecc) {
  Bytes raw(64, 0);
  const TPM2B_ECC_PARAMETER* parts[] = {&ecc.signatureR, &ecc.signatureS};
  for (std::size_t i = 0; i < 2; ++i) {
    const std::size_t n = parts[i]->size;
    if (n == 0 || n > 32) return {};
    std::copy_n(parts[i]->buffer, n, raw.begin() + static_cast<std::ptrdiff_t>(i * 32 + 32 - n));
  }
  return raw;
}

}  // namespace

Result<Claims, VerifyFailure> TpmQuoteVerifier::verify_logged(ByteSpan evidence,
                                                              const TrustAnchors& anchors,
                                                              std::uint64_t now,
                                                              VerificationLog* log) const {
  VerificationSteps steps(log);
  auto parsed = decode_tpm_evidence(evidence);
  if (!parsed) return steps.fail("layout", VerifyError::kMalformed, parsed.error());
  const TpmEvidence& e = *parsed;
  steps.pass("layout", std::to_string(e.pcrs.size()) + " PCRs, " + std::to_string(e.events.size()) +
                           " events, " + std::to_string(evidence.size()) + " bytes");

  // 1. The attestation key, from its certificate.
  const auto cert = certificates_.parse(e.ak_certificate_der);
  if (!cert) {
    return steps.fail("AK certificate", VerifyError::kMalformed,
                      "tpm2-quote AK certificate is not DER X.509");
  }
  EVP_PKEY* ak = X509_get0_pubkey(cert->x509());
  if (!is_p256(ak)) {
    ERR_clear_error();
    return steps.fail("AK certificate", VerifyError::kMalformed,
                      "tpm2-quote AK certificate key is not ECDSA P-256");
  }
  steps.pass("AK certificate", name_of(X509_get_subject_name(cert->x509())));

  // 2. Quote signature over the TPMS_ATTEST bytes.
  TPMT_SIGNATURE sig{};
  std::size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(e.signature.data(), e.signature.size(), &offset, &sig) !=
          TSS2_RC_SUCCESS ||
      offset != e.signature.size()) {
    return steps.fail("quote signature", VerifyError::kMalformed,
                      "tpm2-quote signature is not a TPMT_SIGNATURE");
  }
  if (sig.sigAlg != TPM2_ALG_ECDSA || sig.signature.ecdsa.hash != TPM2_ALG_SHA256) {
    return steps.fail("quote signature", VerifyError::kMalformed,
                      "tpm2-quote signature is not ECDSA with SHA-256");
  }
  const Bytes der =
      raw_ecdsa_signature_to_der(raw_signature(sig.signature.ecdsa), Endianness::kBig);
  if (der.empty() || !verify_digest_signature(ak, EVP_sha256(), e.attest, der)) {
    ERR_clear_error();
    return steps.fail("quote signature", VerifyError::kSignatureInvalid,
                      "tpm2-quote signature does not verify with the AK certificate's key "
                      "(quote or signature tampered, or another AK)");
  }
  steps.pass("quote signature", "ECDSA P-256 SHA-256 by the AK");

  // 3. The AK certificate chains to the enrolment CA of the policy.
  auto chain = certificates_.verify_chain(*cert, anchors, now, "tpm2-quote AK certificate");
  if (!chain) {
    if (log != nullptr)
      log->push_back({"AK chain to an anchor", false, false, chain.error().message});
    return Result<Claims, VerifyFailure>::failure(chain.error());
  }
  steps.pass("AK chain to an anchor", name_of(X509_get_issuer_name(cert->x509())));

  // 3b. AK revocation: a CRL of the enrolment CA (the anchor that issued the AK certificate)
  // from the policy section's collateral. Without one the step is logged NOT CHECKED.
  CrlRevocationClaim revocation;
  {
    SharedX509 issuer;
    for (const auto& a : anchors) {
      if (a && X509_check_issued(a.get(), cert->x509()) == X509_V_OK) {
        issuer = a;
        break;
      }
    }
    const std::string issuer_name =
        issuer ? name_of(X509_get_subject_name(issuer.get())) : std::string("the enrolment CA");
    const std::string step = "AK not revoked (CRL of " + issuer_name + ")";
    const CollateralCrl* crl = issuer ? find_crl_of(*collateral_, issuer.get()) : nullptr;
    if (crl == nullptr) {
      steps.skip(step, "NOT CHECKED: no CRL issued by " + issuer_name +
                           " in the collateral of the policy's \"tpm2-quote\" section");
    } else {
      auto checked =
          check_crl(*crl, issuer, cert->x509(), issuer_name, "AK certificate", now, verified_crls_);
      if (!checked) return steps.fail(step, checked.error().code, checked.error().message);
      steps.pass(step, crl->source);
      revocation = {true, crl_this_update(*crl), crl->source};
    }
  }

  // 4. What the TPM signed.
  TPMS_ATTEST attest{};
  offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(e.attest.data(), e.attest.size(), &offset, &attest) !=
          TSS2_RC_SUCCESS ||
      offset != e.attest.size()) {
    return steps.fail("TPMS_ATTEST", VerifyError::kMalformed,
                      "tpm2-quote attest is not a TPMS_ATTEST (or has trailing bytes)");
  }
  if (attest.magic != TPM2_GENERATED_VALUE) {
    return steps.fail("TPMS_ATTEST", VerifyError::kMalformed,
                      "tpm2-quote attest magic is not TPM_GENERATED_VALUE (not made by a TPM)");
  }
  if (attest.type != TPM2_ST_ATTEST_QUOTE) {
    return steps.fail("TPMS_ATTEST", VerifyError::kMalformed,
                      "tpm2-quote attest type is not TPM_ST_ATTEST_QUOTE");
  }
  steps.pass("TPMS_ATTEST", "magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE");

  const Sha256Digest qualifying = tpm_qualifying_data(e.report_data);
  if (attest.extraData.size != qualifying.size() ||
      CRYPTO_memcmp(attest.extraData.buffer, qualifying.data(), qualifying.size()) != 0) {
    return steps.fail("qualifying data", VerifyError::kSignatureInvalid,
                      "tpm2-quote qualifying data is not SHA-256 of the report data carried "
                      "(report data replaced)");
  }
  steps.pass("qualifying data", "SHA-256(report data)");

  // 5. The PCRs carried are exactly those quoted.
  const TPML_PCR_SELECTION& sel = attest.attested.quote.pcrSelect;
  if (sel.count != 1 || sel.pcrSelections[0].hash != TPM2_ALG_SHA256 ||
      sel.pcrSelections[0].sizeofSelect < 3 ||
      sel.pcrSelections[0].sizeofSelect > sizeof sel.pcrSelections[0].pcrSelect) {
    return steps.fail("PCR selection", VerifyError::kPlatformMismatch,
                      "tpm2-quote quotes another PCR selection than one SHA-256 bank");
  }
  std::uint32_t quoted = 0;
  for (std::size_t i = 0; i < sel.pcrSelections[0].sizeofSelect; ++i) {
    quoted |= static_cast<std::uint32_t>(sel.pcrSelections[0].pcrSelect[i]) << (8 * i);
  }
  std::uint32_t carried = 0;
  for (const TpmPcrValue& p : e.pcrs) carried |= 1u << p.index;
  if (quoted != carried) {
    return steps.fail("PCR selection", VerifyError::kPlatformMismatch,
                      "tpm2-quote PCR values carried are not the PCRs quoted");
  }
  const Sha256Digest digest = tpm_pcr_digest(e.pcrs);
  if (attest.attested.quote.pcrDigest.size != digest.size() ||
      CRYPTO_memcmp(attest.attested.quote.pcrDigest.buffer, digest.data(), digest.size()) != 0) {
    return steps.fail("PCR digest", VerifyError::kPlatformMismatch,
                      "tpm2-quote PCR values carried do not match the quoted PCR digest");
  }
  steps.pass("PCR digest", "SHA-256 of the carried PCR values");

  // 6. Event replay → the measurements.
  const auto event_pcr = std::find_if(e.pcrs.begin(), e.pcrs.end(),
                                      [](const TpmPcrValue& p) { return p.index == kTpmEventPcr; });
  if (event_pcr == e.pcrs.end()) {
    return steps.fail("event log", VerifyError::kPlatformMismatch,
                      "tpm2-quote does not quote PCR 23 (the broker's event PCR)");
  }
  if (tpm_replay_events(e.events) != event_pcr->value) {
    return steps.fail("event log", VerifyError::kPlatformMismatch,
                      "tpm2-quote event log does not replay to the quoted PCR 23 (events "
                      "missing, altered or extended by another process)");
  }
  Claims claims;
  claims.type = EvidenceType::kTpm2Quote;
  bool have_runtime = false;
  bool have_module = false;
  for (const TpmEvent& ev : e.events) {
    bool& seen = ev.kind == TpmEventKind::kRuntime ? have_runtime : have_module;
    if (seen) {
      return steps.fail(
          "event log", VerifyError::kPlatformMismatch,
          "tpm2-quote event log has two " + std::string(tpm_event_kind_name(ev.kind)) + " events");
    }
    seen = true;
    (ev.kind == TpmEventKind::kRuntime ? claims.runtime_measurement : claims.module_measurement) =
        ev.measurement;
  }
  if (!have_runtime || !have_module) {
    return steps.fail("event log", VerifyError::kPlatformMismatch,
                      "tpm2-quote event log lacks a runtime or module event");
  }
  steps.pass("event log", "replays to PCR 23: runtime " + short_hex(claims.runtime_measurement) +
                              ", module " + short_hex(claims.module_measurement));

  claims.platform_id = "tpm2:" + to_hex(cert->spki_sha256());
  claims.report_data = e.report_data;
  claims.has_timestamp = false;  // the TPM clock is not wall time: freshness is the nonce
  TpmClaims t;
  t.pcrs = e.pcrs;
  t.events = e.events;
  t.clock = attest.clockInfo.clock;
  t.reset_count = attest.clockInfo.resetCount;
  t.restart_count = attest.clockInfo.restartCount;
  t.safe = attest.clockInfo.safe == TPM2_YES;
  t.firmware_version = attest.firmwareVersion;
  t.ak_subject = name_of(X509_get_subject_name(cert->x509()));
  t.ak_issuer = name_of(X509_get_issuer_name(cert->x509()));
  t.revocation = std::move(revocation);
  claims.tpm = std::move(t);
  return Result<Claims, VerifyFailure>::success(std::move(claims));
}

}  // namespace trustmq::attest

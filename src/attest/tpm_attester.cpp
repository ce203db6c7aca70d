#include "attest/tpm_attester.h"

#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>

#include "attest/certificate_issuer.h"
#include "attest/tpm_public_key.h"

namespace trustmq::attest {

namespace {

TPML_PCR_SELECTION selection_of(std::uint32_t mask) {
  TPML_PCR_SELECTION s{};
  s.count = 1;
  s.pcrSelections[0].hash = TPM2_ALG_SHA256;
  s.pcrSelections[0].sizeofSelect = 3;
  for (std::size_t i = 0; i < 3; ++i) {
    s.pcrSelections[0].pcrSelect[i] = static_cast<std::uint8_t>(mask >> (8 * i));
  }
  return s;
}

std::uint32_t quoted_mask() {
  std::uint32_t mask = 0;
  for (std::uint8_t i : kTpmQuotedPcrs) mask |= 1u << i;
  return mask;
}

}  // namespace

TpmAttester::~TpmAttester() {
  if (tpm_ && ak_ != ESYS_TR_NONE) Esys_TR_Close(tpm_->esys(), &ak_);
}

Result<std::unique_ptr<TpmAttester>> TpmAttester::start(const TpmAttesterConfig& config) {
  using R = Result<std::unique_ptr<TpmAttester>>;
  auto tpm = TpmConnection::open(config.tcti);
  if (!tpm) return R::failure(tpm.error());
  std::unique_ptr<TpmAttester> a(new TpmAttester());
  a->tpm_ = std::move(*tpm);
  const TpmConnection& c = *a->tpm_;
  ESYS_CONTEXT* esys = c.esys();

  auto description = c.describe();
  if (!description) return R::failure(description.error());
  a->description_ = *description;
  auto software = c.is_software_tpm();
  if (!software) return R::failure(software.error());
  a->software_ = *software;

  // The enrolled AK and its certificate must be the same key.
  auto cert = read_certificate_pem(config.ak_certificate_path);
  if (!cert) return R::failure("tpm2-quote AK certificate: " + cert.error());
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(cert->get(), &der);
  if (der_len <= 0) return R::failure(take_openssl_error("cannot encode the AK certificate"));
  a->ak_certificate_der_.assign(der, der + der_len);
  OPENSSL_free(der);
  TSS2_RC rc =
      Esys_TR_FromTPMPublic(esys, kTpmAkHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &a->ak_);
  if (rc != TSS2_RC_SUCCESS) {
    a->ak_ = ESYS_TR_NONE;
    return R::failure(
        c.error("no attestation key at persistent handle 0x81000100 (run trustmq "
                "tpm enroll)",
                rc));
  }
  TPM2B_PUBLIC* ak_public = nullptr;
  rc = Esys_ReadPublic(esys, a->ak_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak_public, nullptr,
                       nullptr);
  if (rc != TSS2_RC_SUCCESS) return R::failure(c.error("cannot read the AK public area", rc));
  const TPMT_PUBLIC ak_area = ak_public->publicArea;
  Esys_Free(ak_public);
  auto ak_key = tpm_public_to_evp(ak_area);
  if (!is_trustmq_attestation_key(ak_area) || !ak_key ||
      EVP_PKEY_eq(X509_get0_pubkey(cert->get()), ak_key->get()) != 1) {
    return R::failure("TPM at TCTI '" + c.tcti() + "': the AK certificate " +
                      config.ak_certificate_path +
                      " does not certify the attestation key at 0x81000100 (enrolled on "
                      "another TPM? run trustmq tpm enroll again)");
  }

  // The event log: PCR 23 from zero, runtime then module.
  rc = Esys_PCR_Reset(esys, ESYS_TR_PCR0 + kTpmEventPcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                      ESYS_TR_NONE);
  if (rc != TSS2_RC_SUCCESS) return R::failure(c.error("cannot reset PCR 23", rc));
  a->events_ = {{TpmEventKind::kRuntime, config.runtime_measurement},
                {TpmEventKind::kModule, config.module_measurement}};
  for (const TpmEvent& e : a->events_) {
    TPML_DIGEST_VALUES values{};
    values.count = 1;
    values.digests[0].hashAlg = TPM2_ALG_SHA256;
    const Sha256Digest d = tpm_event_digest(e);
    std::memcpy(values.digests[0].digest.sha256, d.data(), d.size());
    rc = Esys_PCR_Extend(esys, ESYS_TR_PCR0 + kTpmEventPcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                         ESYS_TR_NONE, &values);
    if (rc != TSS2_RC_SUCCESS) return R::failure(c.error("cannot extend PCR 23", rc));
  }
  auto pcrs = a->read_pcrs();
  if (!pcrs) return R::failure(pcrs.error());
  a->pcr_cache_ = std::move(*pcrs);
  return R::success(std::move(a));
}

Result<std::vector<TpmPcrValue>> TpmAttester::read_pcrs() const {
  using R = Result<std::vector<TpmPcrValue>>;
  std::uint32_t remaining = quoted_mask();
  std::vector<TpmPcrValue> out;
  while (remaining != 0) {
    const TPML_PCR_SELECTION want = selection_of(remaining);
    TPML_PCR_SELECTION* got = nullptr;
    TPML_DIGEST* values = nullptr;
    TSS2_RC rc = Esys_PCR_Read(tpm_->esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want,
                               nullptr, &got, &values);
    if (rc != TSS2_RC_SUCCESS) return R::failure(tpm_->error("cannot read the PCRs", rc));
    std::uint32_t got_mask = 0;
    for (std::uint32_t s = 0; s < got->count; ++s) {
      if (got->pcrSelections[s].hash != TPM2_ALG_SHA256) continue;
      for (std::size_t i = 0; i < got->pcrSelections[s].sizeofSelect && i < 3; ++i) {
        got_mask |= static_cast<std::uint32_t>(got->pcrSelections[s].pcrSelect[i]) << (8 * i);
      }
    }
    std::size_t v = 0;
    for (std::uint8_t index = 0; index < 24; ++index) {
      if ((got_mask & (1u << index)) == 0) continue;
      if (v >= values->count || values->digests[v].size != 32) break;
      TpmPcrValue p;
      p.index = index;
      std::memcpy(p.value.data(), values->digests[v].buffer, 32);
      out.push_back(p);
      ++v;
    }
    Esys_Free(got);
    Esys_Free(values);
    if ((got_mask & remaining) == 0) {
      return R::failure(tpm_->error("the SHA-256 PCR bank is not active", TSS2_RC_SUCCESS));
    }
    remaining &= ~got_mask;
  }
  std::sort(out.begin(), out.end(),
            [](const TpmPcrValue& a, const TpmPcrValue& b) { return a.index < b.index; });
  return R::success(std::move(out));
}

Result<Bytes> TpmAttester::attest(const ReportData& report_data) const {
  const Sha256Digest qualifying = tpm_qualifying_data(report_data);
  TPM2B_DATA extra{};
  extra.size = static_cast<std::uint16_t>(qualifying.size());
  std::memcpy(extra.buffer, qualifying.data(), qualifying.size());
  const TPMT_SIG_SCHEME scheme{TPM2_ALG_NULL, {}};  // the AK's own: ECDSA SHA-256
  const TPML_PCR_SELECTION selection = selection_of(quoted_mask());

  std::lock_guard<std::mutex> lock(mutex_);
  TPM2B_ATTEST* quoted = nullptr;
  TPMT_SIGNATURE* signature = nullptr;
  TSS2_RC rc = Esys_Quote(tpm_->esys(), ak_, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &extra,
                          &scheme, &selection, &quoted, &signature);
  if (rc != TSS2_RC_SUCCESS) return Result<Bytes>::failure(tpm_->error("TPM2_Quote failed", rc));
  TpmEvidence e;
  e.attest.assign(quoted->attestationData, quoted->attestationData + quoted->size);
  Esys_Free(quoted);
  std::uint8_t sig_buffer[sizeof(TPMT_SIGNATURE)];
  std::size_t sig_size = 0;
  rc = Tss2_MU_TPMT_SIGNATURE_Marshal(signature, sig_buffer, sizeof sig_buffer, &sig_size);
  Esys_Free(signature);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<Bytes>::failure(tpm_->error("cannot marshal the quote signature", rc));
  }
  e.signature.assign(sig_buffer, sig_buffer + sig_size);

  // The PCR values quoted: the cached ones unless a PCR changed since they were read.
  TPMS_ATTEST parsed{};
  std::size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(e.attest.data(), e.attest.size(), &offset, &parsed) !=
      TSS2_RC_SUCCESS) {
    return Result<Bytes>::failure("TPM at TCTI '" + tpm_->tcti() + "': quote does not parse");
  }
  const Sha256Digest cached = tpm_pcr_digest(pcr_cache_);
  const TPM2B_DIGEST& quoted_digest = parsed.attested.quote.pcrDigest;
  if (quoted_digest.size != cached.size() ||
      std::memcmp(quoted_digest.buffer, cached.data(), cached.size()) != 0) {
    auto fresh = read_pcrs();
    if (!fresh) return Result<Bytes>::failure(fresh.error());
    pcr_cache_ = std::move(*fresh);  // a verifier refuses if they changed again in between
  }
  e.pcrs = pcr_cache_;
  e.events = events_;
  e.report_data = report_data;
  e.ak_certificate_der = ak_certificate_der_;
  return Result<Bytes>::success(encode_tpm_evidence(e));
}

}  // namespace trustmq::attest

#include "attest/tpm_enrolment.h"

#include <openssl/rand.h>
#include <openssl/x509_vfy.h>

#include "attest/certificate_issuer.h"
#include "attest/tpm_credential.h"
#include "attest/tpm_credential_activation.h"
#include "attest/tpm_flush_on_exit.h"
#include "attest/tpm_public_key.h"

namespace trustmq::attest {

namespace {

using R = Result<TpmEnrolment>;

std::string name_of(const X509_NAME* name) {
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

Result<Bytes> read_nv(const TpmConnection& tpm, TPM2_HANDLE index) {
  ESYS_CONTEXT* esys = tpm.esys();
  ESYS_TR nv = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<Bytes>::failure(tpm.error("no EK certificate in NV index 0x01C00002", rc));
  }
  TPM2B_NV_PUBLIC* pub = nullptr;
  rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Esys_TR_Close(esys, &nv);
    return Result<Bytes>::failure(tpm.error("cannot read the EK certificate's NV index", rc));
  }
  const std::size_t size = pub->nvPublic.dataSize;
  Esys_Free(pub);
  Bytes out;
  constexpr std::size_t kChunk = 512;  // below every TPM's TPM2_PT_NV_BUFFER_MAX
  while (out.size() < size) {
    const auto n = static_cast<std::uint16_t>(std::min(kChunk, size - out.size()));
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    rc = Esys_NV_Read(esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                      static_cast<std::uint16_t>(out.size()), &data);
    if (rc != TSS2_RC_SUCCESS) {
      Esys_TR_Close(esys, &nv);
      return Result<Bytes>::failure(tpm.error("cannot read the EK certificate", rc));
    }
    out.insert(out.end(), data->buffer, data->buffer + data->size);
    Esys_Free(data);
  }
  Esys_TR_Close(esys, &nv);
  return Result<Bytes>::success(std::move(out));
}

// The EK certificate chains to an EK root (only those are trusted) through the intermediates.
Result<void> verify_ek_certificate(X509* ek_cert, const TpmEnrolmentRequest& request) {
  X509StorePtr store(X509_STORE_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& root : request.ek_roots) X509_STORE_add_cert(store.get(), root.get());
  for (const auto& i : request.ek_intermediates) sk_X509_push(untrusted, i.get());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  bool ok = ctx && X509_STORE_CTX_init(ctx.get(), store.get(), ek_cert, untrusted) == 1 &&
            X509_verify_cert(ctx.get()) == 1;
  std::string why = ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())) : "";
  sk_X509_free(untrusted);
  if (!ok) {
    take_openssl_error("");
    return Result<void>::failure("EK certificate (" + name_of(X509_get_issuer_name(ek_cert)) +
                                 ") does not chain to the EK roots given: " + why);
  }
  return Result<void>::success();
}

// Makes `ak` persistent at kTpmAkHandle, evicting what was there.
Result<void> persist_ak(const TpmConnection& tpm, ESYS_TR ak) {
  ESYS_CONTEXT* esys = tpm.esys();
  ESYS_TR old = ESYS_TR_NONE;
  if (Esys_TR_FromTPMPublic(esys, kTpmAkHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &old) ==
      TSS2_RC_SUCCESS) {
    ESYS_TR gone = ESYS_TR_NONE;
    TSS2_RC rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, old, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, kTpmAkHandle, &gone);
    if (rc != TSS2_RC_SUCCESS) {
      return Result<void>::failure(tpm.error("cannot evict the earlier AK at 0x81000100", rc));
    }
  }
  ESYS_TR persistent = ESYS_TR_NONE;
  TSS2_RC rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, kTpmAkHandle, &persistent);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<void>::failure(tpm.error("cannot make the AK persistent at 0x81000100", rc));
  }
  Esys_TR_Close(esys, &persistent);
  return Result<void>::success();
}

}  // namespace

Result<TpmEnrolment> enrol_attestation_key(const TpmConnection& tpm,
                                           const TpmEnrolmentRequest& request) {
  ESYS_CONTEXT* esys = tpm.esys();
  TpmEnrolment out;
  auto description = tpm.describe();
  if (!description) return R::failure(description.error());
  out.tpm_description = *description;
  auto software = tpm.is_software_tpm();
  if (!software) return R::failure(software.error());
  out.software_tpm = *software;

  // 1. EK and its certificate.
  ESYS_TR ek = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_TR_FromTPMPublic(esys, kTpmRsaEkHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek);
  if (rc != TSS2_RC_SUCCESS) {
    return R::failure(
        tpm.error("no RSA EK at persistent handle 0x81010001 (provision the TPM, "
                  "e.g. swtpm_setup --create-ek-cert)",
                  rc));
  }
  TPM2B_PUBLIC* ek_public = nullptr;
  rc = Esys_ReadPublic(esys, ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek_public, nullptr,
                       nullptr);
  if (rc != TSS2_RC_SUCCESS) return R::failure(tpm.error("cannot read the EK public area", rc));
  const TPMT_PUBLIC ek_area = ek_public->publicArea;
  Esys_Free(ek_public);

  auto ek_der = read_nv(tpm, kTpmRsaEkCertificateIndex);
  if (!ek_der) return R::failure(ek_der.error());
  const unsigned char* p = ek_der->data();
  X509Ptr ek_cert(d2i_X509(nullptr, &p, static_cast<long>(ek_der->size())));
  if (!ek_cert) return R::failure(take_openssl_error("the EK certificate in NV is not DER X.509"));
  out.ek_certificate_subject = name_of(X509_get_subject_name(ek_cert.get()));
  out.ek_certificate_issuer = name_of(X509_get_issuer_name(ek_cert.get()));
  auto chain = verify_ek_certificate(ek_cert.get(), request);
  if (!chain) return R::failure(chain.error());
  auto ek_key = tpm_public_to_evp(ek_area);
  if (!ek_key) return R::failure("EK: " + ek_key.error());
  if (EVP_PKEY_eq(X509_get0_pubkey(ek_cert.get()), ek_key->get()) != 1) {
    return R::failure("the EK certificate does not certify the TPM's EK at 0x81010001");
  }

  // 2. The AK.
  const TPM2B_SENSITIVE_CREATE sensitive{};
  const TPM2B_PUBLIC ak_template = tpm_attestation_key_template();
  const TPM2B_DATA outside{};
  const TPML_PCR_SELECTION no_pcrs{};
  ESYS_TR ak = ESYS_TR_NONE;
  TPM2B_PUBLIC* ak_public = nullptr;
  rc = Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                          ESYS_TR_NONE, &sensitive, &ak_template, &outside, &no_pcrs, &ak,
                          &ak_public, nullptr, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) return R::failure(tpm.error("cannot create the AK", rc));
  TpmFlushOnExit flush_ak(esys, ak);
  const TPMT_PUBLIC ak_area = ak_public->publicArea;
  Esys_Free(ak_public);
  if (!is_trustmq_attestation_key(ak_area)) {
    return R::failure("the TPM created an AK with other attributes than requested");
  }
  auto ak_name = tpm_object_name(ak_area);
  if (!ak_name) return R::failure(ak_name.error());
  auto ak_key = tpm_public_to_evp(ak_area);
  if (!ak_key) return R::failure("AK: " + ak_key.error());

  // 3. Credential activation.
  Bytes secret(32);
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return R::failure("no randomness for the credential");
  }
  auto credential = tpm_make_credential(ek_area, *ak_name, secret);
  if (!credential) return R::failure(credential.error());
  auto activated = activate_credential(tpm, ak, ek, *credential, secret);
  if (!activated) return R::failure(activated.error());

  // 4. Persist, certify.
  auto persisted = persist_ak(tpm, ak);
  if (!persisted) return R::failure(persisted.error());
  std::string cn = "trustmq TPM AK, " + out.tpm_description;
  if (out.software_tpm) cn = "trustmq TPM AK, SOFTWARE TPM (swtpm)";
  if (cn.size() > 64) cn.resize(64);
  CertificateRequest cert_request;
  cert_request.common_name = cn;
  cert_request.subject_key = ak_key->get();
  cert_request.issuer_cert = request.ca_certificate;
  cert_request.issuer_key = request.ca_key;
  auto cert = issue_certificate(cert_request);
  if (!cert) return R::failure("cannot issue the AK certificate: " + cert.error());
  out.ak_certificate = std::move(*cert);
  return R::success(std::move(out));
}

}  // namespace trustmq::attest

#include "attest/tpm_sealed_secret.h"

#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>

#include <cstring>

namespace trustmq::attest {

namespace {

constexpr char kMagic[8] = {'T', 'M', 'Q', 'S', 'E', 'A', 'L', '1'};

// The TCG storage primary key template (ECC NIST P-256, AES-128-CFB; "TCG TPM v2.0 Provisioning
// Guidance", SRK), so that the key is the one other software on the machine derives too.
TPM2B_PUBLIC storage_primary_template() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.eccDetail.symmetric.keyBits.aes = 128;
  p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  p.unique.ecc.x.size = 32;
  p.unique.ecc.y.size = 32;
  return t;
}

// Flushes a transient object when it goes out of scope.
class Transient {
 public:
  explicit Transient(const TpmConnection& tpm) : tpm_(tpm) {}
  ~Transient() {
    if (handle != ESYS_TR_NONE) Esys_FlushContext(tpm_.esys(), handle);
  }
  Transient(const Transient&) = delete;
  Transient& operator=(const Transient&) = delete;
  ESYS_TR handle = ESYS_TR_NONE;

 private:
  const TpmConnection& tpm_;
};

Result<void> create_storage_primary(const TpmConnection& tpm, Transient& primary) {
  const TPM2B_SENSITIVE_CREATE sensitive{};
  const TPM2B_PUBLIC in_public = storage_primary_template();
  const TPM2B_DATA outside_info{};
  const TPML_PCR_SELECTION creation_pcrs{};
  const TSS2_RC rc =
      Esys_CreatePrimary(tpm.esys(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                         &sensitive, &in_public, &outside_info, &creation_pcrs, &primary.handle,
                         nullptr, nullptr, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    primary.handle = ESYS_TR_NONE;
    return Result<void>::failure(
        tpm.error("cannot create the storage primary key under the owner hierarchy", rc));
  }
  return Result<void>::success();
}

}  // namespace

Result<Bytes> tpm_random(const TpmConnection& tpm, std::size_t count) {
  Bytes out;
  while (out.size() < count) {
    TPM2B_DIGEST* random = nullptr;
    const auto want = static_cast<std::uint16_t>(std::min<std::size_t>(count - out.size(), 32));
    const TSS2_RC rc =
        Esys_GetRandom(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, want, &random);
    if (rc != TSS2_RC_SUCCESS) return Result<Bytes>::failure(tpm.error("TPM2_GetRandom", rc));
    out.insert(out.end(), random->buffer, random->buffer + random->size);
    OPENSSL_cleanse(random->buffer, random->size);
    Esys_Free(random);
  }
  return Result<Bytes>::success(std::move(out));
}

Result<Bytes> tpm_seal(const TpmConnection& tpm, const Bytes& data) {
  using R = Result<Bytes>;
  if (data.empty() || data.size() > kTpmSealedDataMax) {
    return R::failure("TPM sealing: " + std::to_string(data.size()) +
                      " bytes (1 to 128 can be sealed)");
  }
  Transient primary(tpm);
  if (auto made = create_storage_primary(tpm, primary); !made) return R::failure(made.error());

  TPM2B_SENSITIVE_CREATE sensitive{};
  sensitive.sensitive.data.size = static_cast<std::uint16_t>(data.size());
  std::memcpy(sensitive.sensitive.data.buffer, data.data(), data.size());
  TPM2B_PUBLIC in_public{};
  TPMT_PUBLIC& p = in_public.publicArea;
  p.type = TPM2_ALG_KEYEDHASH;
  p.nameAlg = TPM2_ALG_SHA256;
  // A sealed data object: neither sign nor decrypt, the data given by the caller.
  p.objectAttributes =
      TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
  p.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  const TPM2B_DATA outside_info{};
  const TPML_PCR_SELECTION creation_pcrs{};
  TPM2B_PRIVATE* out_private = nullptr;
  TPM2B_PUBLIC* out_public = nullptr;
  const TSS2_RC rc =
      Esys_Create(tpm.esys(), primary.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                  &sensitive, &in_public, &outside_info, &creation_pcrs, &out_private, &out_public,
                  nullptr, nullptr, nullptr);
  OPENSSL_cleanse(&sensitive, sizeof sensitive);
  if (rc != TSS2_RC_SUCCESS) return R::failure(tpm.error("cannot create the sealed object", rc));
  Bytes out(kMagic, kMagic + sizeof kMagic);
  out.resize(sizeof kMagic + sizeof(TPM2B_PRIVATE) + sizeof(TPM2B_PUBLIC));
  std::size_t offset = sizeof kMagic;
  TSS2_RC mu = Tss2_MU_TPM2B_PRIVATE_Marshal(out_private, out.data(), out.size(), &offset);
  if (mu == TSS2_RC_SUCCESS) {
    mu = Tss2_MU_TPM2B_PUBLIC_Marshal(out_public, out.data(), out.size(), &offset);
  }
  Esys_Free(out_private);
  Esys_Free(out_public);
  if (mu != TSS2_RC_SUCCESS) return R::failure(tpm.error("cannot marshal the sealed object", mu));
  out.resize(offset);
  return R::success(std::move(out));
}

Result<Bytes> tpm_unseal(const TpmConnection& tpm, const Bytes& sealed) {
  using R = Result<Bytes>;
  TPM2B_PRIVATE in_private{};
  TPM2B_PUBLIC in_public{};
  std::size_t offset = sizeof kMagic;
  if (sealed.size() < sizeof kMagic || std::memcmp(sealed.data(), kMagic, sizeof kMagic) != 0 ||
      Tss2_MU_TPM2B_PRIVATE_Unmarshal(sealed.data(), sealed.size(), &offset, &in_private) !=
          TSS2_RC_SUCCESS ||
      Tss2_MU_TPM2B_PUBLIC_Unmarshal(sealed.data(), sealed.size(), &offset, &in_public) !=
          TSS2_RC_SUCCESS ||
      offset != sealed.size()) {
    return R::failure("not a TPM-sealed object written by trustmq (damaged?)");
  }
  Transient primary(tpm);
  if (auto made = create_storage_primary(tpm, primary); !made) return R::failure(made.error());
  Transient object(tpm);
  TSS2_RC rc = Esys_Load(tpm.esys(), primary.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                         &in_private, &in_public, &object.handle);
  if (rc != TSS2_RC_SUCCESS) {
    object.handle = ESYS_TR_NONE;
    return R::failure(
        tpm.error("the sealed object does not load on this TPM (sealed by another TPM, or the "
                  "owner hierarchy was cleared since)",
                  rc));
  }
  TPM2B_SENSITIVE_DATA* data = nullptr;
  rc = Esys_Unseal(tpm.esys(), object.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &data);
  if (rc != TSS2_RC_SUCCESS) return R::failure(tpm.error("TPM2_Unseal", rc));
  Bytes out(data->buffer, data->buffer + data->size);
  OPENSSL_cleanse(data->buffer, data->size);
  Esys_Free(data);
  return R::success(std::move(out));
}

}  // namespace trustmq::attest

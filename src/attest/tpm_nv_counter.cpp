#include "attest/tpm_nv_counter.h"

#include <cstdio>

namespace trustmq::attest {

namespace {

std::string index_text(std::uint32_t index) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", index);
  return text;
}

// An ESYS_TR for a defined NV index, closed (not undefined) when it goes out of scope.
class NvHandle {
 public:
  explicit NvHandle(const TpmConnection& tpm) : tpm_(tpm) {}
  ~NvHandle() {
    if (handle != ESYS_TR_NONE) Esys_TR_Close(tpm_.esys(), &handle);
  }
  NvHandle(const NvHandle&) = delete;
  NvHandle& operator=(const NvHandle&) = delete;
  ESYS_TR handle = ESYS_TR_NONE;

 private:
  const TpmConnection& tpm_;
};

// Opens `index` and checks it is a written counter.
Result<void> open_counter(const TpmConnection& tpm, std::uint32_t index, NvHandle& nv) {
  const std::string name = "NV counter " + index_text(index);
  TSS2_RC rc = Esys_TR_FromTPMPublic(tpm.esys(), index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     &nv.handle);
  if (rc != TSS2_RC_SUCCESS) {
    nv.handle = ESYS_TR_NONE;
    return Result<void>::failure(tpm.error(name + " is not defined on this TPM", rc));
  }
  TPM2B_NV_PUBLIC* pub = nullptr;
  rc = Esys_NV_ReadPublic(tpm.esys(), nv.handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub,
                          nullptr);
  if (rc != TSS2_RC_SUCCESS) return Result<void>::failure(tpm.error("reading " + name, rc));
  const TPMA_NV attributes = pub->nvPublic.attributes;
  Esys_Free(pub);
  const auto type = (attributes & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT;
  if (type != TPM2_NT_COUNTER || (attributes & TPMA_NV_WRITTEN) == 0) {
    return Result<void>::failure("TPM at TCTI '" + tpm.tcti() + "': " + name +
                                 " is not a written NV counter (redefined by someone else?)");
  }
  return Result<void>::success();
}

}  // namespace

Result<std::uint32_t> tpm_define_counter(const TpmConnection& tpm) {
  using R = Result<std::uint32_t>;
  for (std::uint32_t index = kTpmCounterFirstIndex; index <= kTpmCounterLastIndex; ++index) {
    NvHandle existing(tpm);
    if (Esys_TR_FromTPMPublic(tpm.esys(), index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                              &existing.handle) == TSS2_RC_SUCCESS) {
      continue;  // in use (another broker's store on this TPM)
    }
    existing.handle = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC info{};
    info.nvPublic.nvIndex = index;
    info.nvPublic.nameAlg = TPM2_ALG_SHA256;
    info.nvPublic.attributes = (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_AUTHREAD |
                               TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA;
    info.nvPublic.dataSize = 8;
    const TPM2B_AUTH auth{};
    NvHandle nv(tpm);
    TSS2_RC rc = Esys_NV_DefineSpace(tpm.esys(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &auth, &info, &nv.handle);
    if (rc != TSS2_RC_SUCCESS) {
      nv.handle = ESYS_TR_NONE;
      return R::failure(tpm.error("cannot define NV counter " + index_text(index) +
                                      " (owner hierarchy with an empty auth value)",
                                  rc));
    }
    rc = Esys_NV_Increment(tpm.esys(), nv.handle, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) {
      return R::failure(tpm.error("cannot increment NV counter " + index_text(index), rc));
    }
    return R::success(index);
  }
  return R::failure("TPM at TCTI '" + tpm.tcti() + "': every trustmq NV counter index " +
                    index_text(kTpmCounterFirstIndex) + " … " + index_text(kTpmCounterLastIndex) +
                    " is in use");
}

Result<std::uint64_t> tpm_read_counter(const TpmConnection& tpm, std::uint32_t index) {
  using R = Result<std::uint64_t>;
  NvHandle nv(tpm);
  if (auto opened = open_counter(tpm, index, nv); !opened) return R::failure(opened.error());
  TPM2B_MAX_NV_BUFFER* data = nullptr;
  const TSS2_RC rc = Esys_NV_Read(tpm.esys(), nv.handle, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, 8, 0, &data);
  if (rc != TSS2_RC_SUCCESS) {
    return R::failure(tpm.error("cannot read NV counter " + index_text(index), rc));
  }
  std::uint64_t value = 0;
  for (std::uint16_t i = 0; i < data->size && i < 8; ++i) value = (value << 8) | data->buffer[i];
  const bool complete = data->size == 8;
  Esys_Free(data);
  if (!complete) return R::failure("TPM at TCTI '" + tpm.tcti() + "': short NV counter read");
  return R::success(value);
}

Result<std::uint64_t> tpm_increment_counter(const TpmConnection& tpm, std::uint32_t index) {
  using R = Result<std::uint64_t>;
  {
    NvHandle nv(tpm);
    if (auto opened = open_counter(tpm, index, nv); !opened) return R::failure(opened.error());
    const TSS2_RC rc = Esys_NV_Increment(tpm.esys(), nv.handle, nv.handle, ESYS_TR_PASSWORD,
                                         ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) {
      return R::failure(tpm.error("cannot increment NV counter " + index_text(index), rc));
    }
  }
  return tpm_read_counter(tpm, index);
}

}  // namespace trustmq::attest

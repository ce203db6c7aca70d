#include "attest/tpm_connection.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstdlib>

namespace trustmq::attest {

namespace {

// The four characters of a TPM property word, trailing blanks and NULs dropped.
std::string property_text(std::uint32_t word) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((word >> shift) & 0xFF);
    if (c != '\0') s.push_back(c);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

}  // namespace

Result<std::unique_ptr<TpmConnection>> TpmConnection::open(const std::string& tcti) {
  using R = Result<std::unique_ptr<TpmConnection>>;
  auto fail = [&](const std::string& what, TSS2_RC rc) {
    return R::failure("TPM at TCTI '" + tcti + "': " + what + ": " + Tss2_RC_Decode(rc));
  };
  // tpm2-tss logs every TPM error on stderr; trustmq reports them itself (TSS2_LOG set by the
  // user wins).
  ::setenv("TSS2_LOG", "all+NONE", 0);
  TSS2_TCTI_CONTEXT* tcti_context = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_context);
  if (rc != TSS2_RC_SUCCESS) return fail("cannot open the TCTI (is the TPM reachable?)", rc);
  ESYS_CONTEXT* esys = nullptr;
  rc = Esys_Initialize(&esys, tcti_context, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&tcti_context);
    return fail("cannot start ESAPI", rc);
  }
  std::unique_ptr<TpmConnection> c(new TpmConnection(tcti, tcti_context, esys));
  rc = Esys_Startup(esys, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) {
    return fail("TPM2_Startup failed (is the TPM reachable?)", rc);
  }
  return R::success(std::move(c));
}

TpmConnection::~TpmConnection() {
  Esys_Finalize(&esys_);
  Tss2_TctiLdr_Finalize(&tcti_context_);
}

std::string TpmConnection::error(const std::string& what, TSS2_RC rc) const {
  return "TPM at TCTI '" + tcti_ + "': " + what + ": " + Tss2_RC_Decode(rc);
}

Result<TpmConnection::Identity> TpmConnection::identity() const {
  TPMS_CAPABILITY_DATA* data = nullptr;
  TPMI_YES_NO more = TPM2_NO;
  TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 8, &more, &data);
  if (rc != TSS2_RC_SUCCESS) {
    return Result<Identity>::failure(error("cannot read the TPM properties", rc));
  }
  Identity id;
  const TPML_TAGGED_TPM_PROPERTY& props = data->data.tpmProperties;
  for (std::uint32_t i = 0; i < props.count; ++i) {
    const TPMS_TAGGED_PROPERTY& p = props.tpmProperty[i];
    if (p.property == TPM2_PT_MANUFACTURER) id.manufacturer = property_text(p.value);
    if (p.property >= TPM2_PT_VENDOR_STRING_1 && p.property <= TPM2_PT_VENDOR_STRING_4) {
      const std::string part = property_text(p.value);
      if (!part.empty()) id.vendor += (id.vendor.empty() ? "" : " ") + part;
    }
  }
  Esys_Free(data);
  return Result<Identity>::success(std::move(id));
}

Result<std::string> TpmConnection::describe() const {
  auto id = identity();
  if (!id) return Result<std::string>::failure(id.error());
  return Result<std::string>::success("manufacturer " + id->manufacturer + ", vendor " +
                                      id->vendor);
}

Result<bool> TpmConnection::is_software_tpm() const {
  auto id = identity();
  if (!id) return Result<bool>::failure(id.error());
  return Result<bool>::success(id->manufacturer == "IBM" && id->vendor.rfind("SW", 0) == 0);
}

}  // namespace trustmq::attest

// One open TPM: a TCTI loaded by tpm2-tss's Tss2_TctiLdr from a configuration string
// ("swtpm:host=127.0.0.1,port=2321", "swtpm:path=/run/swtpm/sock", "device:/dev/tpmrm0") and an
// ESAPI context on it. ESAPI contexts are not thread-safe: the owner serialises calls.
#pragma once

#include <tss2/tss2_esys.h>

#include <memory>
#include <string>

#include "base/result.h"

namespace trustmq::attest {

class TpmConnection {
 public:
  // Loads the TCTI, starts ESAPI and sends TPM2_Startup(CLEAR) (a TPM already started answers
  // TPM_RC_INITIALIZE, which is fine). The error names the TCTI string.
  static Result<std::unique_ptr<TpmConnection>> open(const std::string& tcti);
  ~TpmConnection();
  TpmConnection(const TpmConnection&) = delete;
  TpmConnection& operator=(const TpmConnection&) = delete;

  ESYS_CONTEXT* esys() const { return esys_; }
  const std::string& tcti() const { return tcti_; }
  // "TPM at TCTI '<tcti>': <what>: <tpm2-tss's decoding of rc>".
  std::string error(const std::string& what, TSS2_RC rc) const;

  // Manufacturer and vendor strings (TPM2_PT_MANUFACTURER, TPM2_PT_VENDOR_STRING_1..4), e.g.
  // "manufacturer IBM, vendor SW TPM".
  Result<std::string> describe() const;
  // True for swtpm/libtpms (manufacturer "IBM", vendor string "SW"): a software TPM.
  Result<bool> is_software_tpm() const;

 private:
  TpmConnection(std::string tcti, TSS2_TCTI_CONTEXT* tcti_context, ESYS_CONTEXT* esys)
      : tcti_(std::move(tcti)), tcti_context_(tcti_context), esys_(esys) {}
  struct Identity {
    std::string manufacturer;
    std::string vendor;
  };
  Result<Identity> identity() const;

  std::string tcti_;
  TSS2_TCTI_CONTEXT* tcti_context_;
  ESYS_CONTEXT* esys_;
};

}  // namespace trustmq::attest

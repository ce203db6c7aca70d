// Flushes a transient TPM object or session when the scope ends (ESYS_TR_NONE: nothing).
#pragma once

#include <tss2/tss2_esys.h>

namespace trustmq::attest {

class TpmFlushOnExit {
 public:
  TpmFlushOnExit(ESYS_CONTEXT* esys, ESYS_TR handle) : esys_(esys), handle_(handle) {}
  ~TpmFlushOnExit() {
    if (handle_ != ESYS_TR_NONE) Esys_FlushContext(esys_, handle_);
  }
  TpmFlushOnExit(const TpmFlushOnExit&) = delete;
  TpmFlushOnExit& operator=(const TpmFlushOnExit&) = delete;

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR handle_;
};

}  // namespace trustmq::attest

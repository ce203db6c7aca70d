// Produces evidence over 64 bytes of report data (the TLS layer passes its binding).
#pragma once

#include "attest/bytes.h"
#include "attest/evidence_type.h"
#include "base/result.h"

namespace trustmq::attest {

class Attester {
 public:
  virtual ~Attester() = default;
  virtual EvidenceType type() const = 0;
  // Called from a TLS callback: must not block for long. Thread-safe for concurrent calls.
  virtual Result<Bytes> attest(const ReportData& report_data) const = 0;
};

}  // namespace trustmq::attest

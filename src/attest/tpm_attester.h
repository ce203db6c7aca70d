// `tpm2-quote` attester on tpm2-tss ESAPI. At start: opens the TPM at the configured TCTI,
// finds the enrolled attestation key (persistent kTpmAkHandle, certified by the AK certificate
// file), resets PCR 23 and extends it with the runtime and module measurements (the event log,
// tpm_event_log.h). Per handshake: TPM2_Quote over SHA-256 PCRs 0-7 and 23 with
// SHA-256(report data) as qualifying data (tpm_evidence.h). Thread-safe (one mutex around the
// ESAPI context, which is not); each quote is one TPM round trip (~0.3 ms on swtpm).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "attest/attester.h"
#include "attest/tpm_connection.h"
#include "attest/tpm_evidence.h"

namespace trustmq::attest {

struct TpmAttesterConfig {
  std::string tcti;                 // Tss2_TctiLdr string, e.g. "device:/dev/tpmrm0"
  std::string ak_certificate_path;  // PEM written by `trustmq tpm enroll`
  Sha256Digest runtime_measurement{};
  Sha256Digest module_measurement{};
};

// Platform state (firmware, boot loader, secure-boot policy in a measured boot) and the broker's
// own event PCR.
inline constexpr std::uint8_t kTpmQuotedPcrs[] = {0, 1, 2, 3, 4, 5, 6, 7, kTpmEventPcr};

class TpmAttester final : public Attester {
 public:
  // Every error names the TCTI (an unreachable TPM, no enrolled AK, a certificate for another
  // key, PCR 23 not resettable …).
  static Result<std::unique_ptr<TpmAttester>> start(const TpmAttesterConfig& config);
  ~TpmAttester() override;

  EvidenceType type() const override { return EvidenceType::kTpm2Quote; }
  Result<Bytes> attest(const ReportData& report_data) const override;

  const std::vector<TpmEvent>& events() const { return events_; }
  const std::string& tpm_description() const { return description_; }
  bool software_tpm() const { return software_; }
  const std::string& tcti() const { return tpm_->tcti(); }

 private:
  TpmAttester() = default;
  // Reads the quoted PCRs (several TPM2_PCR_Read calls: at most 8 values each).
  Result<std::vector<TpmPcrValue>> read_pcrs() const;

  std::unique_ptr<TpmConnection> tpm_;
  ESYS_TR ak_ = ESYS_TR_NONE;
  Bytes ak_certificate_der_;
  std::vector<TpmEvent> events_;
  std::string description_;
  bool software_ = false;
  mutable std::mutex mutex_;
  // The last PCR values read: reused while the quote's pcrDigest matches them.
  mutable std::vector<TpmPcrValue> pcr_cache_;
};

}  // namespace trustmq::attest

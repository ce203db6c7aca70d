// `tdx` and `sev-snp` evidence from a Linux confidential guest through configfs-tsm
// (Documentation/ABI/testing/configfs-tsm, Linux >= 6.7, CONFIG_TSM_REPORTS with the tdx_guest
// or sev_guest driver): per report, mkdir an entry under the report folder, write the 64 bytes
// of report data to `inblob` (and `privlevel` if configured: SEV-SNP VMPL), read `outblob` (the
// TDX quote or the SNP attestation report) and `auxblob` (SNP: the certificate table of the
// extended report), check `generation` to detect a concurrent writer, remove the entry.
//
// The report folder is configurable so tests run it on a fake folder (the kernel's part played
// by a test double, tests/attest/fake_tsm_report_files.h). It has NOT run on real TDX or SEV-SNP
// hardware here (docs/attestation.md).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "attest/attester.h"
#include "attest/tsm_report_files.h"

namespace trustmq::attest {

inline constexpr const char* kDefaultTsmReportDir = "/sys/kernel/config/tsm/report";

struct ConfigfsTsmAttesterConfig {
  EvidenceType type = EvidenceType::kTdx;  // kTdx or kSevSnp
  std::string report_dir = kDefaultTsmReportDir;
  // SEV-SNP only: the VMPL the report is requested for (0..3); unset: the kernel's default
  // (privlevel_floor). An error for tdx.
  std::optional<unsigned> privlevel;
};

class ConfigfsTsmAttester final : public Attester {
 public:
  // Checks that the report folder exists and that a probe entry's `provider` is the driver of
  // `type` (tdx_guest, sev_guest). Errors name the folder and what is missing.
  static Result<std::unique_ptr<ConfigfsTsmAttester>> start(
      const ConfigfsTsmAttesterConfig& config,
      std::shared_ptr<const TsmReportFiles> files = posix_tsm_report_files());

  EvidenceType type() const override { return config_.type; }
  // One report entry per call (unique name), so concurrent calls do not share an entry. The
  // outblob must parse as evidence of the type and carry exactly `report_data`.
  Result<Bytes> attest(const ReportData& report_data) const override;

  const std::string& provider() const { return provider_; }
  // The auxblob of the last report (SEV-SNP: the GHCB certificate table with the VCEK/VLEK,
  // ASK and ARK, not parsed here; empty for TDX): collateral a verifier needs.
  Bytes last_auxblob() const;

 private:
  ConfigfsTsmAttester(ConfigfsTsmAttesterConfig config, std::shared_ptr<const TsmReportFiles> files)
      : config_(std::move(config)), files_(std::move(files)) {}
  std::string new_entry_path() const;
  Result<std::string> read_provider(const std::string& entry) const;
  Result<Bytes> report_in(const std::string& entry, const ReportData& report_data) const;

  ConfigfsTsmAttesterConfig config_;
  std::shared_ptr<const TsmReportFiles> files_;
  std::string provider_;
  mutable std::atomic<unsigned long> next_entry_{0};
  mutable std::mutex aux_mutex_;
  mutable Bytes last_auxblob_;
};

// The configfs-tsm provider name of an evidence type: "tdx_guest", "sev_guest"; empty otherwise.
std::string_view tsm_provider_for(EvidenceType type);

}  // namespace trustmq::attest

#include "attest/configfs_tsm_attester.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "attest/intel_quote.h"
#include "attest/sev_snp_report.h"

namespace trustmq::attest {
namespace {

// The attribute as text without the trailing newline the kernel adds.
std::string attribute_text(const Bytes& bytes) {
  std::string text(bytes.begin(), bytes.end());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

Result<unsigned long> parse_generation(const std::string& path, const Bytes& bytes) {
  const std::string text = attribute_text(bytes);
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Result<unsigned long>::failure(path + " is not a number: '" + text + "'");
  }
  return Result<unsigned long>::success(std::stoul(text));
}

// The report data the outblob carries, if it is evidence of `type`.
Result<ReportData> report_data_of(EvidenceType type, const Bytes& outblob) {
  ReportData carried{};
  if (type == EvidenceType::kSevSnp) {
    auto report = parse_sev_snp_report(outblob);
    if (!report) return Result<ReportData>::failure(report.error());
    std::copy(report->report_data.begin(), report->report_data.end(), carried.begin());
    return Result<ReportData>::success(carried);
  }
  auto quote = parse_intel_quote(outblob);
  if (!quote) return Result<ReportData>::failure(quote.error());
  if (!quote->is_tdx()) return Result<ReportData>::failure("the quote is not a TDX quote");
  const TdReportBody body = parse_td_report_body(quote->body);
  std::copy(body.report_data.begin(), body.report_data.end(), carried.begin());
  return Result<ReportData>::success(carried);
}

}  // namespace

std::string_view tsm_provider_for(EvidenceType type) {
  switch (type) {
    case EvidenceType::kTdx:
      return "tdx_guest";
    case EvidenceType::kSevSnp:
      return "sev_guest";
    default:
      return {};
  }
}

Result<std::unique_ptr<ConfigfsTsmAttester>> ConfigfsTsmAttester::start(
    const ConfigfsTsmAttesterConfig& config, std::shared_ptr<const TsmReportFiles> files) {
  using R = Result<std::unique_ptr<ConfigfsTsmAttester>>;
  const std::string_view expected = tsm_provider_for(config.type);
  if (expected.empty()) {
    return R::failure("configfs-tsm produces tdx or sev-snp evidence, not " +
                      std::string(evidence_type_name(config.type)));
  }
  if (config.privlevel && config.type != EvidenceType::kSevSnp) {
    return R::failure("configfs-tsm: privlevel applies to sev-snp (VMPL) only");
  }
  if (config.privlevel && *config.privlevel > 3) {
    return R::failure("configfs-tsm: privlevel " + std::to_string(*config.privlevel) +
                      " is out of range (0..3)");
  }
  if (!files->is_directory(config.report_dir)) {
    return R::failure("configfs-tsm interface missing: " + config.report_dir +
                      " is not a folder (it needs a TDX or SEV-SNP guest running Linux >= 6.7 "
                      "with CONFIG_TSM_REPORTS and the " +
                      std::string(expected) +
                      " driver, and configfs mounted at /sys/kernel/config)");
  }
  std::unique_ptr<ConfigfsTsmAttester> attester(new ConfigfsTsmAttester(config, std::move(files)));
  // Probe: an entry's provider names the driver that will answer.
  const std::string entry = attester->new_entry_path();
  if (auto made = attester->files_->make_entry(entry); !made) {
    return R::failure("configfs-tsm: " + made.error());
  }
  auto provider = attester->read_provider(entry);
  auto removed = attester->files_->remove_entry(entry);
  if (!provider) return R::failure("configfs-tsm: " + provider.error());
  if (!removed) return R::failure("configfs-tsm: " + removed.error());
  if (*provider != expected) {
    return R::failure("configfs-tsm at " + config.report_dir + " is provided by '" + *provider +
                      "', not " + std::string(expected) + ": this guest cannot produce " +
                      std::string(evidence_type_name(config.type)) + " evidence");
  }
  attester->provider_ = std::move(*provider);
  return R::success(std::move(attester));
}

std::string ConfigfsTsmAttester::new_entry_path() const {
  return config_.report_dir + "/trustmq-" + std::to_string(::getpid()) + "-" +
         std::to_string(next_entry_.fetch_add(1));
}

Result<std::string> ConfigfsTsmAttester::read_provider(const std::string& entry) const {
  auto provider = files_->read_attribute(entry + "/provider");
  if (!provider) return Result<std::string>::failure(provider.error());
  return Result<std::string>::success(attribute_text(*provider));
}

Result<Bytes> ConfigfsTsmAttester::attest(const ReportData& report_data) const {
  const std::string entry = new_entry_path();
  if (auto made = files_->make_entry(entry); !made) {
    return Result<Bytes>::failure("configfs-tsm: " + made.error());
  }
  auto report = report_in(entry, report_data);
  // The entry is removed whatever happened; a failed removal fails the report (entries would
  // pile up in configfs).
  auto removed = files_->remove_entry(entry);
  if (!report) return report;
  if (!removed) return Result<Bytes>::failure("configfs-tsm: " + removed.error());
  return report;
}

Result<Bytes> ConfigfsTsmAttester::report_in(const std::string& entry,
                                             const ReportData& report_data) const {
  using R = Result<Bytes>;
  auto provider = read_provider(entry);
  if (!provider) return R::failure("configfs-tsm: " + provider.error());
  if (*provider != provider_) {
    return R::failure("configfs-tsm: provider changed from '" + provider_ + "' to '" + *provider +
                      "'");
  }
  unsigned long writes = 0;
  if (config_.privlevel) {
    const std::string level = std::to_string(*config_.privlevel);
    auto w = files_->write_attribute(
        entry + "/privlevel",
        ByteSpan(reinterpret_cast<const std::uint8_t*>(level.data()), level.size()));
    if (!w) return R::failure("configfs-tsm: " + w.error());
    ++writes;
  }
  if (auto w = files_->write_attribute(entry + "/inblob", report_data); !w) {
    return R::failure("configfs-tsm: " + w.error());
  }
  ++writes;
  // Our entry is new: its generation counts our writes only, unless another process wrote to it.
  const std::string generation_path = entry + "/generation";
  auto before_bytes = files_->read_attribute(generation_path);
  if (!before_bytes) return R::failure("configfs-tsm: " + before_bytes.error());
  auto before = parse_generation(generation_path, *before_bytes);
  if (!before) return R::failure("configfs-tsm: " + before.error());
  if (*before != writes) {
    return R::failure("configfs-tsm: another writer changed report entry " + entry +
                      " (generation " + std::to_string(*before) + " after our " +
                      std::to_string(writes) + " write(s))");
  }
  auto outblob = files_->read_attribute(entry + "/outblob");
  if (!outblob) return R::failure("configfs-tsm: " + outblob.error());
  Bytes auxblob;
  if (config_.type == EvidenceType::kSevSnp) {
    auto aux = files_->read_attribute(entry + "/auxblob");
    if (!aux) return R::failure("configfs-tsm: " + aux.error());
    auxblob = std::move(*aux);
  }
  auto after_bytes = files_->read_attribute(generation_path);
  if (!after_bytes) return R::failure("configfs-tsm: " + after_bytes.error());
  auto after = parse_generation(generation_path, *after_bytes);
  if (!after) return R::failure("configfs-tsm: " + after.error());
  if (*after != *before) {
    return R::failure("configfs-tsm: another writer changed report entry " + entry +
                      " while it was read (generation " + std::to_string(*before) + " -> " +
                      std::to_string(*after) + ")");
  }
  auto carried = report_data_of(config_.type, *outblob);
  if (!carried) {
    return R::failure("configfs-tsm: outblob is not " +
                      std::string(evidence_type_name(config_.type)) +
                      " evidence: " + carried.error());
  }
  if (*carried != report_data) {
    return R::failure(
        "configfs-tsm: outblob carries other report data than was written to "
        "inblob");
  }
  {
    std::lock_guard<std::mutex> lock(aux_mutex_);
    last_auxblob_ = std::move(auxblob);
  }
  return R::success(std::move(*outblob));
}

Bytes ConfigfsTsmAttester::last_auxblob() const {
  std::lock_guard<std::mutex> lock(aux_mutex_);
  return last_auxblob_;
}

}  // namespace trustmq::attest

// `trustmq attest --evidence FILE --type sev-snp|sgx-dcap|tdx|tpm2-quote [--collateral PATH]…
// [--policy POLICY] [--at TIME]`: verifies hardware evidence offline (no broker, no network),
// prints every verification step with its result, the claims, and — with a policy — the
// verdict with every reason. Exit 0: the evidence verifies to a trusted root (and the policy,
// if given, accepts it); 1: it does not; 2: usage error. Without --evidence, `trustmq attest`
// is the online command of attest_command.cpp (run_attest_entry chooses).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "attest/appraisal.h"
#include "attest/hardware_verifier.h"
#include "attest/policy.h"
#include "attest/well_known_roots.h"
#include "attest/x509_time.h"
#include "command.h"
#include "tpm_claims_lines.h"

namespace trustmq::cli {
namespace {

constexpr const char* kUsage =
    "usage: trustmq attest --evidence FILE --type sev-snp|sgx-dcap|tdx|tpm2-quote\n"
    "                      [--collateral PATH]... [--policy POLICY] [--at TIME]\n"
    "\n"
    "Verifies hardware evidence offline (no broker, no network), prints every check with its\n"
    "result and the claims, and, with --policy, the verdict with every reason.\n"
    "\n"
    "  --evidence FILE     the raw evidence: SEV-SNP report (1184 bytes), SGX or TDX quote\n"
    "  --type TYPE         sev-snp, sgx-dcap, tdx or tpm2-quote (tpm2-quote needs --policy:\n"
    "                      its enrolment CA is the anchor)\n"
    "  --collateral PATH   a file or folder: VCEK/VLEK, ASK, CRLs, TCB info, QE identity\n"
    "                      (repeatable; added to the policy section's collateral)\n"
    "  --policy POLICY     appraise the claims against this policy (docs/attestation.md); its\n"
    "                      section's trust_anchors replace the built-in roots\n"
    "  --at TIME           verify as of TIME (Unix seconds or 2025-01-01T00:00:00Z) instead\n"
    "                      of now, e.g. for samples whose certificates have expired\n"
    "\n"
    "Exit status: 0 verified to a trusted root (and accepted by the policy, if given),\n"
    "1 not verified or not accepted, 2 usage error.\n";

int evidence_usage_error(const std::string& message) {
  std::fprintf(stderr, "trustmq attest: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

std::optional<std::uint64_t> parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 12) return std::nullopt;
    return std::stoull(text);
  }
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') {
      const std::time_t t = timegm(&tm);
      if (t >= 0) return static_cast<std::uint64_t>(t);
    }
  }
  return std::nullopt;
}

void line(const char* name, const std::string& value) {
  std::printf("  %-22s %s\n", name, value.c_str());
}

std::string hex(attest::ByteSpan b) { return attest::to_hex(b); }

void print_claims(const attest::Claims& c) {
  std::printf("Claims:\n");
  line("type:", std::string(attest::evidence_type_name(c.type)));
  line("platform:", c.platform_id);
  line("report data:", hex(c.report_data));
  line("debug:", c.debug ? "true" : "false");
  if (c.sev_snp) {
    const attest::SevSnpClaims& s = *c.sev_snp;
    line("report version:", std::to_string(s.report_version));
    line("product:", s.product);
    line("signing key:", std::string(attest::sev_snp_signing_key_name(s.signing_key)));
    line("measurement:", hex(s.measurement));
    line("host data:", hex(s.host_data));
    line("id key digest:", hex(s.id_key_digest));
    line("author key digest:", hex(s.author_key_digest));
    line("family id:", hex(s.family_id));
    line("image id:", hex(s.image_id));
    char policy[64];
    std::snprintf(policy, sizeof policy, "0x%llx", static_cast<unsigned long long>(s.policy));
    line("guest policy:", std::string(policy) + " (debug " +
                              (s.debug_allowed ? "allowed" : "forbidden") + ", migration agent " +
                              (s.migration_agent_allowed ? "allowed" : "forbidden") + ")");
    line("guest svn:", std::to_string(s.guest_svn));
    line("vmpl:", std::to_string(s.vmpl));
    line("current tcb:", s.current_tcb.to_string());
    line("reported tcb:", s.reported_tcb.to_string());
    line("committed tcb:", s.committed_tcb.to_string());
    line("launch tcb:", s.launch_tcb.to_string());
    line("chip id:", hex(s.chip_id));
  }
  if (c.sgx) {
    const attest::SgxEnclaveClaims& s = *c.sgx;
    line("mr_enclave:", hex(s.mr_enclave));
    line("mr_signer:", hex(s.mr_signer));
    line("isv_prod_id:", std::to_string(s.isv_prod_id));
    line("isv_svn:", std::to_string(s.isv_svn));
    line("attributes:", hex(s.attributes) + (s.debug ? " (DEBUG enclave)" : ""));
    line("cpu_svn:", hex(s.cpu_svn));
  }
  if (c.tdx) {
    const attest::TdxTdClaims& t = *c.tdx;
    line("mr_td:", hex(t.mr_td));
    line("mr_config_id:", hex(t.mr_config_id));
    line("mr_owner:", hex(t.mr_owner));
    line("mr_owner_config:", hex(t.mr_owner_config));
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string name = "rtmr" + std::to_string(i) + ":";
      line(name.c_str(), hex(t.rtmr[i]));
    }
    char attrs[64];
    std::snprintf(attrs, sizeof attrs, "0x%016llx",
                  static_cast<unsigned long long>(t.td_attributes));
    line("td_attributes:", std::string(attrs) + (t.debug ? " (DEBUG TD)" : ""));
    line("tee_tcb_svn:", hex(t.tee_tcb_svn));
    line("mr_seam:", hex(t.mr_seam));
  }
  if (c.tpm) {
    line("runtime measurement:", hex(c.runtime_measurement));
    line("module measurement:", hex(c.module_measurement));
    for (const auto& [name, value] : tpm_claim_lines(*c.tpm)) line(name.c_str(), value);
    std::printf("  NOTE: %s.\n", attest::kTpmHonestyNote);
  }
  if (c.intel_tcb) {
    const attest::IntelTcbClaims& t = *c.intel_tcb;
    line("fmspc:", t.fmspc);
    line("pce svn:", std::to_string(t.pce_svn));
    if (t.platform_status) {
      std::string advisories;
      for (const auto& a : t.advisory_ids) advisories += (advisories.empty() ? "" : ", ") + a;
      line("platform tcb status:", std::string(attest::tcb_status_name(*t.platform_status)) +
                                       (t.tcb_date.empty() ? "" : " (tcbDate " + t.tcb_date + ")") +
                                       (advisories.empty() ? "" : "; advisories: " + advisories));
      line("tcb info:", "issued " + attest::utc_text(t.tcb_info_issue_date) + ", next update " +
                            attest::utc_text(t.tcb_info_next_update));
    } else {
      line("platform tcb status:", "unknown (no TCB info in the collateral)");
    }
    if (t.qe_status) {
      std::string advisories;
      for (const auto& a : t.qe_advisory_ids) advisories += (advisories.empty() ? "" : ", ") + a;
      line("qe tcb status:", std::string(attest::tcb_status_name(*t.qe_status)) +
                                 (advisories.empty() ? "" : "; advisories: " + advisories));
      line("qe identity:", "issued " + attest::utc_text(t.qe_identity_issue_date) +
                               ", next update " + attest::utc_text(t.qe_identity_next_update));
    } else {
      line("qe tcb status:", "unknown (no QE identity in the collateral)");
    }
  }
}

}  // namespace

int run_attest_evidence_command(std::span<char*> args) {
  std::string evidence_path, type_name, policy_path, at;
  std::vector<std::string> collateral_paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--evidence") {
      if (!value(evidence_path)) return evidence_usage_error("--evidence needs a file");
    } else if (arg == "--type") {
      if (!value(type_name))
        return evidence_usage_error("--type needs sev-snp, sgx-dcap, tdx or tpm2-quote");
    } else if (arg == "--collateral") {
      if (!value(v)) return evidence_usage_error("--collateral needs a file or folder");
      collateral_paths.push_back(v);
    } else if (arg == "--policy") {
      if (!value(policy_path)) return evidence_usage_error("--policy needs a file");
    } else if (arg == "--at") {
      if (!value(at)) return evidence_usage_error("--at needs a time");
    } else {
      return evidence_usage_error("unknown option '" + arg + "' (offline mode: --evidence given)");
    }
  }
  if (evidence_path.empty()) return evidence_usage_error("--evidence FILE is required");
  if (type_name.empty())
    return evidence_usage_error("--type is required (sev-snp, sgx-dcap, tdx or tpm2-quote)");
  const auto type = attest::evidence_type_from_name(type_name);
  if (!type || (*type != attest::EvidenceType::kSevSnp && *type != attest::EvidenceType::kSgxDcap &&
                *type != attest::EvidenceType::kTdx && *type != attest::EvidenceType::kTpm2Quote)) {
    return evidence_usage_error("--type must be sev-snp, sgx-dcap, tdx or tpm2-quote, not '" +
                                type_name + "'");
  }
  if (*type == attest::EvidenceType::kTpm2Quote && policy_path.empty()) {
    return evidence_usage_error(
        "--type tpm2-quote needs --policy (no built-in TPM roots: the policy's "
        "\"tpm2-quote\" section names the enrolment CA)");
  }
  std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
  if (!at.empty()) {
    auto t = parse_time(at);
    if (!t)
      return evidence_usage_error("--at: '" + at + "' is not Unix seconds or YYYY-MM-DDTHH:MM:SSZ");
    now = *t;
  }

  std::optional<attest::Policy> policy;
  if (!policy_path.empty()) {
    auto p = attest::load_policy_file(policy_path);
    if (!p) {
      std::fprintf(stderr, "Error: %s\n", p.error().c_str());
      return 1;
    }
    policy = std::move(*p);
  }
  std::ifstream in(evidence_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "Error: cannot read evidence %s: %s\n", evidence_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  const attest::Bytes evidence((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());

  // Collateral: the policy section's, then --collateral.
  auto collateral = std::make_shared<attest::Collateral>();
  if (policy) *collateral = *policy->collateral_for(*type);
  if (!collateral_paths.empty()) {
    auto loaded = attest::load_collateral(collateral_paths);
    if (!loaded) {
      std::fprintf(stderr, "Error: %s\n", loaded.error().c_str());
      return 1;
    }
    for (auto& c : loaded->certificates) collateral->certificates.push_back(std::move(c));
    for (auto& c : loaded->crls) collateral->crls.push_back(std::move(c));
    for (auto& d : loaded->documents) collateral->documents.push_back(std::move(d));
    for (auto& s : loaded->skipped) collateral->skipped.push_back(std::move(s));
  }
  const attest::TrustAnchors& anchors =
      policy ? policy->anchors_for(*type) : attest::well_known_roots(*type);
  auto verifier = attest::make_hardware_verifier(*type, collateral);
  if (!verifier) {
    std::fprintf(stderr, "Error: no verifier for %s in this build\n", type_name.c_str());
    return 1;
  }

  std::printf("Evidence: %s (%zu bytes), type %s\n", evidence_path.c_str(), evidence.size(),
              type_name.c_str());
  std::printf("Verification time: %s%s\n", attest::utc_text(now).c_str(),
              at.empty() ? " (now)" : " (--at)");
  std::printf(
      "Trust anchors: %s (%zu)\n",
      policy && &anchors != &attest::well_known_roots(*type) ? "from the policy" : "built in",
      anchors.size());
  std::printf("Collateral: %zu certificates, %zu CRLs, %zu documents\n",
              collateral->certificates.size(), collateral->crls.size(),
              collateral->documents.size());
  for (const auto& s : collateral->skipped)
    std::printf("  skipped (not collateral): %s\n", s.c_str());

  attest::VerificationLog log;
  auto claims = verifier->verify_logged(evidence, anchors, now, &log);
  std::printf("Checks:\n");
  for (const auto& step : log) {
    std::printf("  [%s] %s%s%s\n",
                step.skipped  ? "skip"
                : step.passed ? " ok "
                              : "FAIL",
                step.name.c_str(), step.detail.empty() ? "" : ": ", step.detail.c_str());
  }
  if (!claims) {
    std::printf("Verdict: NOT VERIFIED (%s): %s\n",
                std::string(attest::verify_error_name(claims.error().code)).c_str(),
                claims.error().message.c_str());
    return 1;
  }
  print_claims(*claims);
  std::printf(
      "Not checked offline: the report data binding (it is checked against the TLS\n"
      "handshake by the attested-TLS client; here it is only printed).\n");
  const auto skipped = std::count_if(log.begin(), log.end(),
                                     [](const attest::VerificationStep& s) { return s.skipped; });
  if (skipped > 0) {
    std::printf("Skipped: %ld check(s) could not run without their collateral ([skip] above)\n",
                static_cast<long>(skipped));
  }
  if (!policy) {
    std::printf("Verdict: VERIFIED to a trusted root (no policy given: claims not appraised)\n");
    return 0;
  }
  const attest::Appraisal a = attest::appraise(*policy, *claims, now);
  for (const auto& note : a.notes) std::printf("Note: %s\n", note.c_str());
  if (a.accepted) {
    std::printf("Verdict: TRUSTED (policy %s)\n", policy_path.c_str());
    return 0;
  }
  std::printf("Verdict: NOT TRUSTED (policy %s)\n", policy_path.c_str());
  for (const auto& r : a.reasons) std::printf("  reason: %s\n", r.text.c_str());
  return 1;
}

int run_attest_entry(std::span<char*> args) {
  for (char* arg : args) {
    if (std::strcmp(arg, "--evidence") == 0) return run_attest_evidence_command(args);
  }
  return run_attest_command(args);
}

}  // namespace trustmq::cli

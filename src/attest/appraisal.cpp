#include "attest/appraisal.h"

#include <algorithm>
#include <ctime>

#include "attest/x509_time.h"

namespace trustmq::attest {

namespace {

using Reject = std::vector<AppraisalReason>;

void add(Reject& r, AppraisalCheck check, std::string text) {
  r.push_back({check, std::move(text)});
}

void value(Reject& r, const ValueRule& rule, ByteSpan v, const std::string& what) {
  if (!rule.accepts(v)) {
    add(r, AppraisalCheck::kTeeMeasurement,
        what + " " + short_hex(v) + " not in policy (full: " + to_hex(v) + ")");
  }
}

bool tcb_below(const SevSnpTcb& have, const SevSnpTcb& min) {
  return have.bootloader < min.bootloader || have.tee < min.tee || have.snp < min.snp ||
         have.microcode < min.microcode;
}

// The policy's revocation rules on what the verifier says about the CRL it checked.
void appraise_crl_revocation(Reject& r, const std::string& type, const std::string& what,
                             const CrlRevocationRules& p, const CrlRevocationClaim& c,
                             std::uint64_t now) {
  if (!c.checked) {
    if (p.require_revocation_check) {
      add(r, AppraisalCheck::kTcbStatus,
          type + " revocation of the " + what +
              " not checked (no CRL of its issuer in the collateral) and the policy has "
              "require_revocation_check true");
    }
    return;
  }
  if (now < c.crl_this_update) {
    add(r, AppraisalCheck::kCollateralAge,
        type + " CRL " + c.crl_source + " issued " + utc_text(c.crl_this_update) +
            " is dated after the verification time " + utc_text(now) +
            " (wrong clock or wrong CRL)");
  } else if (p.max_collateral_age_seconds != 0 &&
             now - c.crl_this_update > p.max_collateral_age_seconds) {
    add(r, AppraisalCheck::kCollateralAge,
        type + " CRL " + c.crl_source + " issued " + utc_text(c.crl_this_update) +
            " is older than " + std::to_string(p.max_collateral_age_seconds) +
            " s (max_collateral_age_seconds)");
  }
}

void appraise_sev_snp(Reject& r, const SevSnpPolicy& p, const SevSnpClaims& c, std::uint64_t now) {
  appraise_crl_revocation(r, "sev-snp", "ASK/ASVK", p, c.revocation, now);
  value(r, p.measurements, c.measurement, "sev-snp measurement");
  value(r, p.host_data, c.host_data, "sev-snp host_data");
  value(r, p.id_key_digests, c.id_key_digest, "sev-snp id_key_digest");
  value(r, p.author_key_digests, c.author_key_digest, "sev-snp author_key_digest");
  if (c.migration_agent_allowed && !p.allow_migration_agent) {
    add(r, AppraisalCheck::kGuestPolicy,
        "sev-snp guest policy allows a migration agent and the policy has "
        "allow_migration_agent false");
  }
  if (c.guest_svn < p.min_guest_svn) {
    add(r, AppraisalCheck::kTeeSvn,
        "sev-snp guest SVN " + std::to_string(c.guest_svn) + " below the minimum " +
            std::to_string(p.min_guest_svn));
  }
  if (p.min_reported_tcb && tcb_below(c.reported_tcb, *p.min_reported_tcb)) {
    add(r, AppraisalCheck::kTeeSvn,
        "sev-snp reported TCB " + c.reported_tcb.to_string() + " below the minimum " +
            p.min_reported_tcb->to_string());
  }
  if (p.min_committed_tcb && tcb_below(c.committed_tcb, *p.min_committed_tcb)) {
    add(r, AppraisalCheck::kTeeSvn,
        "sev-snp committed TCB " + c.committed_tcb.to_string() + " below the minimum " +
            p.min_committed_tcb->to_string());
  }
}

void appraise_intel_tcb(Reject& r, const IntelPolicyCommon& p, const Claims& claims,
                        std::uint64_t now) {
  const std::string type(evidence_type_name(claims.type));
  if (!claims.intel_tcb || !claims.intel_tcb->platform_status || !claims.intel_tcb->qe_status) {
    if (!p.allow_unknown_tcb) {
      add(r, AppraisalCheck::kTcbStatus,
          type +
              " TCB status unknown (no verified TCB info and QE identity in the collateral) "
              "and the policy has allow_unknown_tcb false");
    }
    return;
  }
  const IntelTcbClaims& t = *claims.intel_tcb;
  if (!t.crls_checked && !p.allow_unknown_tcb) {
    add(r, AppraisalCheck::kTcbStatus,
        type +
            " revocation not checked (root CA or PCK CA CRL not in the collateral) and the "
            "policy has allow_unknown_tcb false");
  }
  if (!p.allows(*t.platform_status)) {
    std::string advisories;
    for (const auto& a : t.advisory_ids) advisories += (advisories.empty() ? "" : ", ") + a;
    add(r, AppraisalCheck::kTcbStatus,
        type + " platform TCB status " + std::string(tcb_status_name(*t.platform_status)) +
            " not allowed by policy" +
            (advisories.empty() ? "" : " (advisories: " + advisories + ")") +
            (t.tcb_detail.empty() ? "" : " (" + t.tcb_detail + ")"));
  }
  if (!p.allows(*t.qe_status)) {
    std::string advisories;
    for (const auto& a : t.qe_advisory_ids) advisories += (advisories.empty() ? "" : ", ") + a;
    add(r, AppraisalCheck::kTcbStatus,
        type + " quoting enclave TCB status " + std::string(tcb_status_name(*t.qe_status)) +
            " not allowed by policy" +
            (advisories.empty() ? "" : " (advisories: " + advisories + ")"));
  }
  const struct {
    const char* name;
    std::uint64_t issued;
    std::uint64_t next;
  } docs[] = {{"TCB info", t.tcb_info_issue_date, t.tcb_info_next_update},
              {"QE identity", t.qe_identity_issue_date, t.qe_identity_next_update}};
  for (const auto& d : docs) {
    if (now < d.issued) {
      add(r, AppraisalCheck::kCollateralAge,
          type + " " + d.name + " issued " + utc_text(d.issued) +
              " is dated after the verification time " + utc_text(now) +
              " (wrong clock or wrong document)");
    } else if (now >= d.next) {
      add(r, AppraisalCheck::kCollateralAge,
          type + " " + d.name + " is past its nextUpdate " + utc_text(d.next) +
              " (fetch fresh collateral)");
    } else if (now - d.issued > p.max_collateral_age_seconds) {
      add(r, AppraisalCheck::kCollateralAge,
          type + " " + d.name + " issued " + utc_text(d.issued) + " is older than " +
              std::to_string(p.max_collateral_age_seconds) + " s (max_collateral_age_seconds)");
    }
  }
}

void appraise_sgx(Reject& r, const SgxPolicy& p, const SgxEnclaveClaims& c) {
  value(r, p.mr_enclaves, c.mr_enclave, "sgx-dcap mr_enclave");
  value(r, p.mr_signers, c.mr_signer, "sgx-dcap mr_signer");
  if (p.isv_prod_id && *p.isv_prod_id != c.isv_prod_id) {
    add(r, AppraisalCheck::kTeeMeasurement,
        "sgx-dcap isv_prod_id " + std::to_string(c.isv_prod_id) + " is not " +
            std::to_string(*p.isv_prod_id));
  }
  if (c.isv_svn < p.min_isv_svn) {
    add(r, AppraisalCheck::kTeeSvn,
        "sgx-dcap isv_svn " + std::to_string(c.isv_svn) + " below the minimum " +
            std::to_string(p.min_isv_svn));
  }
}

void appraise_tdx(Reject& r, const TdxPolicy& p, const TdxTdClaims& c) {
  value(r, p.mr_tds, c.mr_td, "tdx mr_td");
  value(r, p.mr_config_ids, c.mr_config_id, "tdx mr_config_id");
  value(r, p.mr_owners, c.mr_owner, "tdx mr_owner");
  for (std::size_t i = 0; i < 4; ++i) {
    value(r, p.rtmrs[i], c.rtmr[i], "tdx rtmr" + std::to_string(i));
  }
  if (p.min_tee_tcb_svn) {
    for (std::size_t i = 0; i < 16; ++i) {
      if (c.tee_tcb_svn[i] < (*p.min_tee_tcb_svn)[i]) {
        add(r, AppraisalCheck::kTeeSvn,
            "tdx tee_tcb_svn " + to_hex(c.tee_tcb_svn) + " below the minimum " +
                to_hex(*p.min_tee_tcb_svn) + " at byte " + std::to_string(i));
        break;
      }
    }
  }
}

void appraise_tpm(Reject& r, const TpmPolicy& p, const TpmClaims& c, std::uint64_t now) {
  appraise_crl_revocation(r, "tpm2-quote", "AK certificate", p, c.revocation, now);
  for (const auto& [index, rule] : p.pcrs) {
    const auto it = std::find_if(c.pcrs.begin(), c.pcrs.end(),
                                 [i = index](const TpmPcrValue& v) { return v.index == i; });
    if (it == c.pcrs.end()) {
      add(r, AppraisalCheck::kTeeMeasurement,
          "tpm2-quote PCR " + std::to_string(index) + " is pinned by the policy but not quoted");
    } else {
      value(r, rule, it->value, "tpm2-quote PCR " + std::to_string(index) + " value");
    }
  }
}

bool is_hardware(EvidenceType t) {
  return t == EvidenceType::kSevSnp || t == EvidenceType::kSgxDcap || t == EvidenceType::kTdx;
}

}  // namespace

Appraisal appraise(const Policy& policy, const Claims& claims, std::uint64_t now) {
  Appraisal a;
  auto reject = [&](AppraisalCheck check, std::string text) {
    a.reasons.push_back({check, std::move(text)});
  };
  std::string type_name(evidence_type_name(claims.type));
  if (claims.type == EvidenceType::kSim) a.notes.push_back(kSimHonestyNote);
  if (claims.type == EvidenceType::kTpm2Quote) a.notes.push_back(kTpmHonestyNote);

  if (!policy.allows(claims.type)) {
    if (claims.type == EvidenceType::kSim && !policy.allow_sim) {
      reject(AppraisalCheck::kEvidenceType,
             "evidence type sim not acceptable: policy has allow_sim false (sim gives NO "
             "hardware protection)");
    } else {
      reject(AppraisalCheck::kEvidenceType,
             "evidence type " + type_name + " not allowed by policy");
    }
  }
  const bool hardware = is_hardware(claims.type);
  if (hardware) {
    // Hardware evidence carries no module/runtime measurement of trustmq's own: those rules
    // apply only if they are "any" or absent; a listed value cannot be proved, so it fails.
    for (const auto* rule : {&policy.module_measurements, &policy.runtime_measurements}) {
      if (rule->specified && !rule->any) {
        reject(rule == &policy.module_measurements ? AppraisalCheck::kModuleMeasurement
                                                   : AppraisalCheck::kRuntimeMeasurement,
               type_name + " evidence carries no " +
                   (rule == &policy.module_measurements ? "module" : "runtime") +
                   " measurement: the policy's list cannot be checked (pin the TEE's launch "
                   "measurement in the \"" +
                   type_name + "\" section instead)");
      }
    }
  } else if (!policy.module_measurements.accepts(claims.module_measurement)) {
    reject(AppraisalCheck::kModuleMeasurement,
           "module measurement " + short_hex(claims.module_measurement) +
               " not in policy (full: " + to_hex(claims.module_measurement) + ")");
  }
  if (!hardware && !policy.runtime_measurements.accepts(claims.runtime_measurement)) {
    reject(AppraisalCheck::kRuntimeMeasurement,
           "runtime measurement " + short_hex(claims.runtime_measurement) +
               " not in policy (full: " + to_hex(claims.runtime_measurement) + ")");
  }
  if (claims.debug && !policy.allow_debug) {
    reject(AppraisalCheck::kDebug, "platform runs in debug mode and policy has allow_debug false");
  }
  if (!claims.has_timestamp) {
    // Freshness comes from the nonce in the report data (checked by the TLS binding).
  } else if (claims.timestamp > now + policy.max_clock_skew_seconds) {
    reject(AppraisalCheck::kFromFuture, "evidence timestamp " + std::to_string(claims.timestamp) +
                                            " is " + std::to_string(claims.timestamp - now) +
                                            " s in the future (max skew " +
                                            std::to_string(policy.max_clock_skew_seconds) + " s)");
  } else if (claims.timestamp + policy.max_evidence_age_seconds < now) {
    reject(AppraisalCheck::kTooOld, "evidence is " + std::to_string(now - claims.timestamp) +
                                        " s old (max " +
                                        std::to_string(policy.max_evidence_age_seconds) + " s)");
  }
  if (claims.type == EvidenceType::kSevSnp) {
    if (!policy.sev_snp.present) {
      reject(AppraisalCheck::kEvidenceType, "policy has no \"sev-snp\" section");
    } else if (!claims.sev_snp) {
      reject(AppraisalCheck::kEvidenceType, "sev-snp claims missing");
    } else {
      appraise_sev_snp(a.reasons, policy.sev_snp, *claims.sev_snp, now);
    }
  } else if (claims.type == EvidenceType::kSgxDcap) {
    if (!policy.sgx_dcap.present) {
      reject(AppraisalCheck::kEvidenceType, "policy has no \"sgx-dcap\" section");
    } else if (!claims.sgx) {
      reject(AppraisalCheck::kEvidenceType, "sgx-dcap claims missing");
    } else {
      appraise_sgx(a.reasons, policy.sgx_dcap, *claims.sgx);
      appraise_intel_tcb(a.reasons, policy.sgx_dcap, claims, now);
    }
  } else if (claims.type == EvidenceType::kTpm2Quote) {
    if (!policy.tpm.present) {
      reject(AppraisalCheck::kEvidenceType, "policy has no \"tpm2-quote\" section");
    } else if (!claims.tpm) {
      reject(AppraisalCheck::kEvidenceType, "tpm2-quote claims missing");
    } else {
      appraise_tpm(a.reasons, policy.tpm, *claims.tpm, now);
    }
  } else if (claims.type == EvidenceType::kTdx) {
    if (!policy.tdx.present) {
      reject(AppraisalCheck::kEvidenceType, "policy has no \"tdx\" section");
    } else if (!claims.tdx) {
      reject(AppraisalCheck::kEvidenceType, "tdx claims missing");
    } else {
      appraise_tdx(a.reasons, policy.tdx, *claims.tdx);
      appraise_intel_tcb(a.reasons, policy.tdx, claims, now);
    }
  }
  a.accepted = a.reasons.empty();
  return a;
}

}  // namespace trustmq::attest

// The per-type sections of the policy for hardware evidence: "sev-snp", "sgx-dcap", "tdx",
// "tpm2-quote"
// (docs/attestation.md §6). A section is required when its type is in allowed_types; the
// fields that decide trust (the launch measurement / enclave identity) must be written, as a
// list or as "any"; everything else has a strict default (debug forbidden, only UpToDate TCB,
// no migration agent, collateral at most 30 days old).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attest/bytes.h"
#include "attest/collateral.h"
#include "attest/sev_snp_report.h"
#include "attest/tcb_status.h"
#include "attest/trust_anchors.h"

namespace trustmq::attest {

class JsonValue;

// Byte strings of one length (48 for SNP measurements, 32 for SGX MRENCLAVE …), or "any".
struct ValueRule {
  bool any = true;
  std::vector<Bytes> allowed;
  bool accepts(ByteSpan value) const;
};

// Shared by every hardware section.
struct TeeSectionCommon {
  bool present = false;
  // Replaces the built-in roots for this type when not empty (well_known_roots.h).
  TrustAnchors trust_anchors;
  // Files and folders read at load time (collateral.h).
  std::vector<std::string> collateral_paths;
  std::shared_ptr<const Collateral> collateral = std::make_shared<const Collateral>();
};

// "sev-snp" and "tpm2-quote": revocation of the endorsement chain by a CRL from the collateral
// (the ARK's CRL of the ASK/ASVK; the enrolment CA's CRL of the AK).
struct CrlRevocationRules {
  // Without a CRL the step is logged NOT CHECKED and accepted; true refuses that.
  bool require_revocation_check = false;
  // Refuses a checked CRL whose thisUpdate is older than this (seconds); 0: no limit beyond the
  // CRL's own nextUpdate, which the verifier always enforces. A thisUpdate after the
  // verification time is always refused.
  std::uint64_t max_collateral_age_seconds = 0;
};

struct SevSnpPolicy : TeeSectionCommon, CrlRevocationRules {
  ValueRule measurements;  // 48 bytes
  ValueRule host_data;     // 32 bytes; default any
  // The guest owner's signers: SHA-384 digests of the ID-block key and the author key (48
  // bytes each; default any). A guest launched without an ID block reports zeros.
  ValueRule id_key_digests;
  ValueRule author_key_digests;
  std::optional<SevSnpTcb> min_reported_tcb;
  std::optional<SevSnpTcb> min_committed_tcb;
  std::uint32_t min_guest_svn = 0;
  bool allow_migration_agent = false;
};

struct IntelPolicyCommon : TeeSectionCommon {
  std::vector<TcbStatus> allowed_tcb_statuses{TcbStatus::kUpToDate};
  std::uint64_t max_collateral_age_seconds = 30 * 24 * 3600;
  // Without TCB info / QE identity the TCB status is unknown: refused unless this is true.
  bool allow_unknown_tcb = false;
  bool allows(TcbStatus s) const;
};

struct SgxPolicy : IntelPolicyCommon {
  ValueRule mr_enclaves;  // 32 bytes
  ValueRule mr_signers;   // 32 bytes
  std::optional<std::uint16_t> isv_prod_id;
  std::uint16_t min_isv_svn = 0;
};

struct TdxPolicy : IntelPolicyCommon {
  ValueRule mr_tds;                                             // 48 bytes
  ValueRule mr_config_ids;                                      // 48 bytes; default any
  ValueRule mr_owners;                                          // 48 bytes; default any
  std::array<ValueRule, 4> rtmrs;                               // 48 bytes each; default any
  std::optional<std::array<std::uint8_t, 16>> min_tee_tcb_svn;  // component-wise minimum
};

// "tpm2-quote": the enrolment CA(s) that certify attestation keys (required: there are no
// built-in TPM roots) and optional pinned PCR values (SHA-256 bank).
struct TpmPolicy : TeeSectionCommon, CrlRevocationRules {
  std::map<std::uint8_t, ValueRule> pcrs;  // PCR index → accepted values (32 bytes)
};

// Each returns an error naming the field ("policy field \"sev-snp.measurements\": …").
Result<SevSnpPolicy> parse_sev_snp_policy(const JsonValue& section, const std::string& base_dir);
Result<SgxPolicy> parse_sgx_policy(const JsonValue& section, const std::string& base_dir);
Result<TdxPolicy> parse_tdx_policy(const JsonValue& section, const std::string& base_dir);
Result<TpmPolicy> parse_tpm_policy(const JsonValue& section, const std::string& base_dir);

}  // namespace trustmq::attest

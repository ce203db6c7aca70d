// The relying party's appraisal policy (a JSON file the client owns; format in
// docs/attestation.md). Default strict: every field that decides trust must be written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/evidence_type.h"
#include "attest/tee_policy.h"
#include "attest/trust_anchors.h"
#include "base/result.h"

namespace trustmq::attest {

// A measurement list, or "any" (only when written so in the file).
struct MeasurementRule {
  bool any = false;
  // False when the field is absent (allowed only for policies without sim): "not applicable".
  bool specified = true;
  std::vector<Sha256Digest> allowed;
  bool accepts(const Sha256Digest& d) const;
};

struct Policy {
  // Evidence types the client asks for, in order of preference.
  std::vector<EvidenceType> allowed_types;
  // `sim` gives NO hardware protection; it must be allowed explicitly.
  bool allow_sim = false;
  // Only sim evidence chaining to one of these roots is trusted (hardware types use their
  // section's trust_anchors or the built-in roots: anchors_for()).
  TrustAnchors trust_anchors;
  MeasurementRule module_measurements;
  MeasurementRule runtime_measurements;
  bool allow_debug = false;
  // Evidence older than this (attester's timestamp vs the client's clock) is rejected.
  std::uint64_t max_evidence_age_seconds = 300;
  // Evidence stamped further in the future than this is rejected.
  std::uint64_t max_clock_skew_seconds = 60;

  // Hardware sections (tee_policy.h); `present` iff written in the file.
  SevSnpPolicy sev_snp;
  SgxPolicy sgx_dcap;
  TdxPolicy tdx;
  TpmPolicy tpm;

  bool allows(EvidenceType type) const;
  // The roots trusted for `type`: the section's own trust_anchors if written, else the built-in
  // roots (well_known_roots.h) for hardware types, else trust_anchors.
  const TrustAnchors& anchors_for(EvidenceType type) const;
  // The collateral of the section of `type` (empty for sim).
  std::shared_ptr<const Collateral> collateral_for(EvidenceType type) const;
};

// Parses policy JSON. Relative trust-anchor paths are resolved against `base_dir`. Errors
// name the field, e.g. "policy field \"module_measurements\": entry 2 is not 64 hex digits".
Result<Policy> parse_policy(std::string_view json_text, const std::string& base_dir);
// Reads and parses a policy file; anchors are relative to the file's directory.
Result<Policy> load_policy_file(const std::string& path);

}  // namespace trustmq::attest

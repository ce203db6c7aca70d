// Trust anchors built into trustmq for hardware evidence, each pinned by the SHA-256 of its DER
// encoding (a certificate whose hash differs is never returned): the AMD Root Keys (ARK) of
// Milan and Genoa for sev-snp, the Intel SGX Root CA for sgx-dcap and tdx. A policy replaces
// them for a type with its own "trust_anchors" in that type's section (docs/attestation.md).
// Also built in, but only as untrusted intermediates (always verified against the ARK): the
// AMD SEV Keys (ASK) and SEV VLEK keys (ASVK) of Milan and Genoa.
#pragma once

#include <string_view>

#include "attest/evidence_type.h"
#include "attest/trust_anchors.h"

namespace trustmq::attest {

// The built-in roots for `type` (empty for sim and tpm2-quote).
const TrustAnchors& well_known_roots(EvidenceType type);

// ASK and ASVK certificates of the supported AMD products.
const TrustAnchors& well_known_amd_intermediates();

// Hex SHA-256 of the DER of the built-in roots (for docs, tests and `trustmq attest`).
inline constexpr std::string_view kArkMilanSha256 =
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd";
inline constexpr std::string_view kArkGenoaSha256 =
    "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1";
inline constexpr std::string_view kIntelSgxRootCaSha256 =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

}  // namespace trustmq::attest

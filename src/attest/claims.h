// The claims a verifier extracts from evidence: what the attested platform says about itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "attest/bytes.h"
#include "attest/evidence_type.h"
#include "attest/intel_quote_claims.h"
#include "attest/sev_snp_claims.h"
#include "attest/tpm_claims.h"

namespace trustmq::attest {

struct Claims {
  EvidenceType type = EvidenceType::kSim;
  // Who signed: for sim "sim:" + hex SHA-256 of the platform key's SubjectPublicKeyInfo.
  std::string platform_id;
  // SHA-256 of the runtime (the broker binary, /proc/self/exe).
  Sha256Digest runtime_measurement{};
  // SHA-256 of the hosted module (the .wasm bytes) or the native core's build hash.
  Sha256Digest module_measurement{};
  // 64 bytes chosen by the relying party's protocol (the TLS binding, see docs/attestation.md).
  ReportData report_data{};
  // Seconds since the Unix epoch when the evidence was produced (attester's clock).
  std::uint64_t timestamp = 0;
  // True if the platform runs in a debug mode (an attacker-readable enclave).
  bool debug = false;
  // False for hardware evidence, which carries no timestamp: its freshness comes from the
  // nonce in the report data (the TLS binding); the evidence-age checks then do not apply.
  bool has_timestamp = true;
  // Type-specific claims of hardware evidence (the generic fields above stay zero unless
  // stated: report_data and debug are always set).
  std::optional<SevSnpClaims> sev_snp;
  std::optional<SgxEnclaveClaims> sgx;
  std::optional<TdxTdClaims> tdx;
  std::optional<IntelTcbClaims> intel_tcb;  // sgx-dcap and tdx
  std::optional<TpmClaims> tpm;             // tpm2-quote
};

}  // namespace trustmq::attest

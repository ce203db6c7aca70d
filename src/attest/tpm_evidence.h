// The `tpm2-quote` evidence (type 0x0001) as carried in the attestation extension, version 1
// (docs/attestation.md, "tpm2-quote"). Big-endian, strict (exact lengths, no trailing bytes):
//
//   uint8  version = 1
//   uint8  pcr_count (1..24)    then pcr_count × { uint8 index (0..23, increasing);
//                                                  opaque value[32] }   SHA-256 bank
//   uint8  event_count (0..16)  then event_count × { uint8 kind; opaque measurement[32] }
//                                                  (replayed into PCR 23, tpm_event_log.h)
//   opaque report_data[64]      the TLS binding; the quote's qualifying data is its SHA-256
//   opaque attest<1..2^16-1>    TPMS_ATTEST exactly as the TPM marshalled it (signed bytes)
//   opaque signature<1..2^16-1> TPMT_SIGNATURE, marshalled
//   opaque ak_certificate<1..2^16-1>  DER X.509 of the attestation key (enrolment CA issued)
//
// Only the layout is checked here; tpm_quote_verifier.h checks what the bytes say.
#pragma once

#include <cstdint>
#include <vector>

#include "attest/bytes.h"
#include "attest/tpm_event_log.h"
#include "base/result.h"

namespace trustmq::attest {

inline constexpr std::uint8_t kTpmEvidenceVersion = 1;
inline constexpr std::size_t kTpmMaxPcrs = 24;
inline constexpr std::size_t kTpmMaxEvents = 16;

struct TpmPcrValue {
  std::uint8_t index = 0;
  Sha256Digest value{};
};

struct TpmEvidence {
  std::vector<TpmPcrValue> pcrs;  // increasing index
  std::vector<TpmEvent> events;
  ReportData report_data{};
  Bytes attest;     // TPMS_ATTEST
  Bytes signature;  // TPMT_SIGNATURE
  Bytes ak_certificate_der;
};

Bytes encode_tpm_evidence(const TpmEvidence& evidence);
Result<TpmEvidence> decode_tpm_evidence(ByteSpan bytes);

// The TPMS_ATTEST qualifying data for `report_data`: SHA-256 of the 64 bytes. TPM2B_DATA holds
// at most sizeof(TPMT_HA) bytes, which is 34 on a TPM whose largest hash is SHA-256 (66 only
// with SHA-512, as swtpm has): 32 bytes fit every TPM 2.0.
Sha256Digest tpm_qualifying_data(const ReportData& report_data);

// SHA-256 of the concatenated values (in the order given): the quote's pcrDigest.
Sha256Digest tpm_pcr_digest(const std::vector<TpmPcrValue>& pcrs);

}  // namespace trustmq::attest

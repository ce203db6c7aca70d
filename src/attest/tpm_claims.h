// What a verified `tpm2-quote` says: the TPM's quoted PCRs (platform state and the PCR the
// broker extends), its clock and counters, and who certified the attestation key. A TPM quote
// proves platform state and the measured runtime, NOT memory isolation: the broker is an
// ordinary process the operating system can read and change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attest/crl_revocation_claim.h"
#include "attest/tpm_evidence.h"

namespace trustmq::attest {

struct TpmClaims {
  std::vector<TpmPcrValue> pcrs;  // SHA-256 bank, as quoted
  std::vector<TpmEvent> events;   // the replayed log of PCR 23
  // TPMS_CLOCK_INFO: milliseconds the TPM has been powered since its clear (not wall time),
  // TPM resets (boots), restarts (resumes) since, and whether the clock may have gone backward.
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = false;
  std::uint64_t firmware_version = 0;
  std::string ak_subject;  // the AK certificate's subject (the enrolment CA wrote what it saw)
  std::string ak_issuer;
  CrlRevocationClaim revocation;  // the AK certificate against the enrolment CA's CRL
};

// The note every output involving tpm2-quote carries.
inline constexpr const char* kTpmHonestyNote =
    "tpm2-quote evidence: TPM platform state (quoted PCRs) and the runtime the broker measured "
    "into PCR 23, NOT memory isolation (the broker is an ordinary process); a software TPM "
    "(swtpm) proves nothing about the machine";

}  // namespace trustmq::attest

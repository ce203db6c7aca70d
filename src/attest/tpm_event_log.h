// The event log of the PCR trustmq extends (docs/attestation.md, "tpm2-quote"): at start the
// broker resets PCR 23 and extends it once per event; a verifier replays the log from zero and
// compares the result with the quoted PCR value.
//
// Each event is a kind and a SHA-256 measurement; the value extended is
//   SHA-256("trustmq tpm2 event v1" || 0x00 || kind || measurement)
// so an event of one kind can never be read as another (domain separation).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "attest/bytes.h"

namespace trustmq::attest {

// PCR 23 ("application support" in the PC Client profile): resettable at locality 0, so the
// broker can start its log from zero, and not used by firmware, boot loaders or IMA.
inline constexpr std::uint8_t kTpmEventPcr = 23;
inline constexpr const char kTpmEventContext[] = "trustmq tpm2 event v1";

enum class TpmEventKind : std::uint8_t {
  kRuntime = 1,  // SHA-256 of the broker binary (/proc/self/exe)
  kModule = 2,   // SHA-256 of the hosted .wasm, or the native core's source hash
};

std::string_view tpm_event_kind_name(TpmEventKind kind);
std::optional<TpmEventKind> tpm_event_kind_from_code(std::uint8_t code);

struct TpmEvent {
  TpmEventKind kind = TpmEventKind::kRuntime;
  Sha256Digest measurement{};
};

// What the broker extends the PCR with for `event`.
Sha256Digest tpm_event_digest(const TpmEvent& event);
// new = SHA-256(old || digest), the TPM's PCR_Extend for the SHA-256 bank.
Sha256Digest tpm_pcr_extend(const Sha256Digest& pcr, const Sha256Digest& digest);
// The PCR value after resetting it to zero and extending every event in order.
Sha256Digest tpm_replay_events(const std::vector<TpmEvent>& events);

}  // namespace trustmq::attest

// Parser for the AMD SEV-SNP attestation report (SEV-SNP ABI specification, "ATTESTATION_REPORT
// structure"): versions 2 to 5, 1184 bytes, little-endian. Parsing checks the layout only (size,
// version, signature algorithm, reserved bits); the signature is checked by SevSnpVerifier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

inline constexpr std::size_t kSevSnpReportSize = 0x4A0;       // 1184
inline constexpr std::size_t kSevSnpSignedSize = 0x2A0;       // the signature covers [0, 0x2A0)
inline constexpr std::size_t kSevSnpSignatureOffset = 0x2A0;  // r (72 B LE), s (72 B LE)
inline constexpr std::size_t kSevSnpSignatureComponentSize = 72;
inline constexpr std::uint32_t kSevSnpMinVersion = 2;
inline constexpr std::uint32_t kSevSnpMaxVersion = 5;
inline constexpr std::uint32_t kSevSnpSigAlgoEcdsaP384Sha384 = 1;

// TCB_VERSION of Milan and Genoa (Turin uses another layout, not supported yet).
struct SevSnpTcb {
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;
  std::uint64_t raw = 0;
  static SevSnpTcb from_raw(std::uint64_t raw);
  std::string to_string() const;  // "bootloader=2 tee=0 snp=5 microcode=68"
  // Compares the four patch levels (reserved bytes are ignored).
  bool operator==(const SevSnpTcb& o) const {
    return bootloader == o.bootloader && tee == o.tee && snp == o.snp && microcode == o.microcode;
  }
};

// Which key signed the report (bits 2-4 of the u32 at 0x48).
enum class SevSnpSigningKey : std::uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

struct SevSnpReport {
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0;
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t vmpl = 0;
  std::uint32_t signature_algo = 0;
  SevSnpTcb current_tcb;
  std::uint64_t platform_info = 0;
  bool author_key_en = false;
  bool mask_chip_id = false;
  SevSnpSigningKey signing_key = SevSnpSigningKey::kVcek;
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, 48> measurement{};
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{};
  std::array<std::uint8_t, 48> author_key_digest{};
  std::array<std::uint8_t, 32> report_id{};
  std::array<std::uint8_t, 32> report_id_ma{};
  SevSnpTcb reported_tcb;
  std::array<std::uint8_t, 64> chip_id{};
  SevSnpTcb committed_tcb;
  SevSnpTcb launch_tcb;
  // Firmware version: build, minor, major of the current and committed firmware.
  std::uint8_t current_build = 0, current_minor = 0, current_major = 0;
  std::uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;

  // Views into the bytes parsed (valid while those bytes live).
  ByteSpan signed_bytes;   // [0, 0x2A0)
  ByteSpan signature_r_s;  // 144 bytes: r then s, each little-endian

  // Guest policy bits (ABI spec "GUEST_POLICY").
  bool debug_allowed() const { return (policy >> 19) & 1; }
  bool migration_agent_allowed() const { return (policy >> 18) & 1; }
  bool smt_allowed() const { return (policy >> 16) & 1; }
  bool single_socket_required() const { return (policy >> 20) & 1; }
  unsigned abi_major() const { return static_cast<unsigned>((policy >> 8) & 0xFF); }
  unsigned abi_minor() const { return static_cast<unsigned>(policy & 0xFF); }
};

std::string_view sev_snp_signing_key_name(SevSnpSigningKey key);  // "VCEK", "VLEK", "none"

// Parses exactly one report (1184 bytes). Errors name the field ("sev-snp report: version 1 not
// supported (2..5)").
Result<SevSnpReport> parse_sev_snp_report(ByteSpan bytes);

}  // namespace trustmq::attest

// Parser for Intel DCAP ECDSA quotes (Intel "SGX ECDSA Quote Library" and "TDX DCAP Quote
// Generation" specifications): SGX quote v3 and TDX quotes v4 and v5, attestation key type 2
// (ECDSA P-256). Layout only; signatures and certificates are checked by IntelQuoteVerifier.
//
//   header (48) | [v5: body type u16, body size u32] | body | u32 signature-data size |
//   quote signature r||s (64) | attestation key x||y (64) |
//   v3: QE report (384) | QE report signature (64) | QE auth data (u16 size + bytes) |
//       certification data (u16 type, u32 size, bytes; type 5 = PEM PCK chain)
//   v4/v5: certification data type 6 (u16, u32 size) containing QE report, its signature,
//       QE auth data and a nested certification data (type 5)
// Bytes after the signature data are not covered by any signature; they are counted in
// `trailing_bytes` and never used (one published sample carries such bytes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

inline constexpr std::size_t kIntelQuoteHeaderSize = 48;
inline constexpr std::size_t kSgxReportBodySize = 384;
inline constexpr std::size_t kTdReportBody10Size = 584;
inline constexpr std::size_t kTdReportBody15Size = 648;
inline constexpr std::uint32_t kIntelTeeTypeSgx = 0x00000000;
inline constexpr std::uint32_t kIntelTeeTypeTdx = 0x00000081;

// An SGX REPORTBODY (the application enclave's in an SGX quote, or the QE's report).
struct SgxReportBody {
  std::array<std::uint8_t, 16> cpu_svn{};
  std::uint32_t misc_select = 0;
  std::array<std::uint8_t, 16> attributes{};
  std::array<std::uint8_t, 32> mr_enclave{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::array<std::uint8_t, 64> report_data{};
  bool debug() const { return (attributes[0] & 0x02) != 0; }
};
SgxReportBody parse_sgx_report_body(ByteSpan body);  // body.size() == 384

// A TD report body (TDX 1.0: 584 bytes; TDX 1.5 adds tee_tcb_svn2 and mr_servicetd).
struct TdReportBody {
  std::array<std::uint8_t, 16> tee_tcb_svn{};
  std::array<std::uint8_t, 48> mr_seam{};
  std::array<std::uint8_t, 48> mr_signer_seam{};
  std::uint64_t seam_attributes = 0;
  std::uint64_t td_attributes = 0;
  std::uint64_t xfam = 0;
  std::array<std::uint8_t, 48> mr_td{};
  std::array<std::uint8_t, 48> mr_config_id{};
  std::array<std::uint8_t, 48> mr_owner{};
  std::array<std::uint8_t, 48> mr_owner_config{};
  std::array<std::array<std::uint8_t, 48>, 4> rtmr{};
  std::array<std::uint8_t, 64> report_data{};
  bool debug() const { return (td_attributes & 1) != 0; }
};
TdReportBody parse_td_report_body(ByteSpan body);  // body.size() >= 584

struct IntelQuote {
  std::uint16_t version = 0;
  std::uint16_t attestation_key_type = 0;
  std::uint32_t tee_type = 0;
  std::array<std::uint8_t, 16> qe_vendor_id{};
  ByteSpan signed_bytes;  // header (+ v5 body descriptor) + body: what the quote signature covers
  ByteSpan body;          // the SGX report body or the TD report body
  ByteSpan signature;     // 64: r||s big-endian
  ByteSpan attestation_key;      // 64: x||y
  ByteSpan qe_report;            // 384: SGX report body of the quoting enclave
  ByteSpan qe_report_signature;  // 64: by the PCK key
  ByteSpan qe_auth_data;
  std::uint16_t certification_data_type = 0;  // of the innermost certification data (5)
  ByteSpan certification_data;                // PEM PCK chain (leaf, intermediate, root)
  std::size_t trailing_bytes = 0;
  bool is_tdx() const { return tee_type == kIntelTeeTypeTdx; }
};

// Errors name the field ("intel quote: certification data type 3 not supported (5 = PCK
// certificate chain)"). `bytes` must outlive the result (it holds views into them).
Result<IntelQuote> parse_intel_quote(ByteSpan bytes);

}  // namespace trustmq::attest

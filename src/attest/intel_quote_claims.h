// What a verified Intel SGX DCAP or TDX quote says: the enclave (SGX) or trust domain (TDX)
// identity, and the platform TCB evaluated against Intel's collateral.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attest/tcb_status.h"

namespace trustmq::attest {

struct SgxEnclaveClaims {
  std::array<std::uint8_t, 32> mr_enclave{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::array<std::uint8_t, 16> attributes{};  // flags (u64 LE) then xfrm
  std::array<std::uint8_t, 16> cpu_svn{};
  std::uint32_t misc_select = 0;
  bool debug = false;  // attributes.flags bit 1
};

struct TdxTdClaims {
  std::array<std::uint8_t, 16> tee_tcb_svn{};
  std::array<std::uint8_t, 48> mr_seam{};
  std::array<std::uint8_t, 48> mr_signer_seam{};
  std::uint64_t td_attributes = 0;
  std::uint64_t xfam = 0;
  std::array<std::uint8_t, 48> mr_td{};
  std::array<std::uint8_t, 48> mr_config_id{};
  std::array<std::uint8_t, 48> mr_owner{};
  std::array<std::uint8_t, 48> mr_owner_config{};
  std::array<std::array<std::uint8_t, 48>, 4> rtmr{};
  bool debug = false;  // td_attributes bit 0 (TUD.DEBUG)
};

// The platform's TCB as evaluated against Intel's TCB info and QE identity (present only if
// that collateral was given and verified).
struct IntelTcbClaims {
  std::string fmspc;  // hex, from the PCK certificate
  std::uint16_t pce_svn = 0;
  std::array<std::uint8_t, 16> cpu_svn{};
  std::optional<TcbStatus> platform_status;  // from the TCB info
  std::vector<std::string> advisory_ids;
  std::string tcb_date;
  std::string tcb_detail;                    // why the status is kTcbLevelNotSupported
  std::optional<TcbStatus> qe_status;        // from the QE identity
  std::vector<std::string> qe_advisory_ids;  // of the QE identity's level that rates the QE
  std::uint64_t tcb_info_issue_date = 0;     // Unix seconds
  std::uint64_t tcb_info_next_update = 0;
  std::uint64_t qe_identity_issue_date = 0;
  std::uint64_t qe_identity_next_update = 0;
  std::uint64_t tcb_evaluation_data_number = 0;
  // True iff the root CA CRL and the PCK CA CRL were both in the collateral, valid and checked.
  bool crls_checked = false;
};

}  // namespace trustmq::attest

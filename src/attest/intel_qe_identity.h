// Intel QE identity (PCS "enclaveIdentity" v2, id "QE" for SGX or "TD_QE" for TDX): parsing of
// the signed JSON and the check of a quoting enclave's report against it (MRSIGNER, ISVPRODID,
// MISCSELECT and ATTRIBUTES under their masks), then its TCB status from the ISVSVN.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attest/intel_quote.h"
#include "attest/intel_signed_json.h"
#include "attest/tcb_status.h"
#include "base/result.h"

namespace trustmq::attest {

struct QeTcbLevel {
  std::uint16_t isv_svn = 0;
  TcbStatus status = TcbStatus::kRevoked;
  std::string tcb_date;
  std::vector<std::string> advisory_ids;  // "advisoryIDs" (absent: none)
};

struct QeIdentity {
  std::string id;  // "QE", "TD_QE"
  int version = 0;
  std::uint64_t issue_date = 0;
  std::uint64_t next_update = 0;
  std::uint64_t tcb_evaluation_data_number = 0;
  std::array<std::uint8_t, 4> misc_select{};  // bytes in report order (little-endian)
  std::array<std::uint8_t, 4> misc_select_mask{};
  std::array<std::uint8_t, 16> attributes{};
  std::array<std::uint8_t, 16> attributes_mask{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::uint16_t isv_prod_id = 0;
  std::vector<QeTcbLevel> levels;
  SignedJson signed_part;
};

Result<QeIdentity> parse_qe_identity(std::string_view document);

// The QE's TCB status; error naming the first field that does not match.
Result<TcbStatus> evaluate_qe_identity(const QeIdentity& identity, const SgxReportBody& qe_report);

// The TCB level that rates a QE at `isv_svn` (the first at or below it; levels are sorted by
// ISVSVN, highest first), or null below every level.
const QeTcbLevel* qe_tcb_level(const QeIdentity& identity, std::uint16_t isv_svn);

}  // namespace trustmq::attest

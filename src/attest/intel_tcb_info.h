// Intel TCB info (PCS "tcbInfo" v2/v3, id "SGX" or "TDX"): parsing of the signed JSON and the
// TCB level selection of Intel's algorithm — the first level whose SGX component SVNs and
// PCESVN are all <= the PCK certificate's (and, for TDX, whose TDX component SVNs are all <= the
// TD report's TEE_TCB_SVN) gives the status. The signature is checked by the verifier.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/intel_pck_certificate.h"
#include "attest/intel_signed_json.h"
#include "attest/tcb_status.h"
#include "base/result.h"

namespace trustmq::attest {

struct TcbLevel {
  std::array<std::uint8_t, 16> sgx_components{};
  std::uint16_t pce_svn = 0;
  std::optional<std::array<std::uint8_t, 16>> tdx_components;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

// A TDX module TCB level of a `tdxModuleIdentities` entry: the first whose isvsvn is at most
// the TD report's TEE_TCB_SVN[0] (the module's SVN) gives the module's status.
struct TdxModuleTcbLevel {
  std::uint8_t isv_svn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

// `tdxModule` (TDX 1.0 modules, TEE_TCB_SVN[1] = 0: no id, no levels) or an entry of v3's
// `tdxModuleIdentities` (id "TDX_<major version, 2 hex digits>", e.g. "TDX_01" for TDX 1.5).
struct TdxModuleIdentity {
  std::string id;
  std::array<std::uint8_t, 48> mr_signer{};
  std::uint64_t attributes = 0;  // little-endian bytes of the hex string
  std::uint64_t attributes_mask = 0;
  std::vector<TdxModuleTcbLevel> levels;
};

struct TcbInfo {
  std::string id;  // "SGX" or "TDX"
  int version = 0;
  std::uint64_t issue_date = 0;
  std::uint64_t next_update = 0;
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pce_id{};
  std::uint64_t tcb_evaluation_data_number = 0;
  std::optional<TdxModuleIdentity> tdx_module;
  std::vector<TdxModuleIdentity> tdx_module_identities;
  std::vector<TcbLevel> levels;
  SignedJson signed_part;  // views into the document text
};

// Parses a PCS TCB info response. The result refers to `document` (keep it alive).
Result<TcbInfo> parse_tcb_info(std::string_view document);

struct TcbVerdict {
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
  std::string tcb_date;
};

// The TDX module identity a TD report is checked against, as Intel's QVL selects it: for
// TEE_TCB_SVN[1] (the module's major version) 0, `tdxModule`; otherwise the
// `tdxModuleIdentities` entry "TDX_<TEE_TCB_SVN[1] as 2 hex digits>" — error if there is none
// (the TCB info does not know the platform's TDX module).
Result<const TdxModuleIdentity*> select_tdx_module(const TcbInfo& info,
                                                   const std::array<std::uint8_t, 16>& tee_tcb_svn);

// The status of the platform; error if no level matches ("TCB level not supported").
// `tee_tcb_svn` is the TD report's for TDX, null for SGX. For TDX, as Intel's QVL does: the TDX
// components are compared from index 2 when TEE_TCB_SVN[1] > 0 (indices 0-1 are the module's
// SVN and version, rated by its module identity), and a module identity's status converges
// into the level's (module OutOfDate: UpToDate/SWHardeningNeeded → OutOfDate,
// Configuration(AndSWHardening)Needed → OutOfDateConfigurationNeeded; module Revoked → Revoked;
// no module level for TEE_TCB_SVN[0] → error), its advisory IDs added.
Result<TcbVerdict> evaluate_tcb(const TcbInfo& info, const PckCertificateInfo& pck,
                                const std::array<std::uint8_t, 16>* tee_tcb_svn);

}  // namespace trustmq::attest

#include "attest/intel_tcb_info.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "attest/json_value.h"
#include "attest/pcs_json_fields.h"

namespace trustmq::attest {

namespace {

using R = Result<TcbInfo>;

R bad(const std::string& what) { return R::failure("TCB info: " + what); }

bool read_components(const JsonValue* v, std::array<std::uint8_t, 16>& out) {
  if (v == nullptr || !v->is_array() || v->as_array().size() != 16) return false;
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint64_t svn = 0;
    if (!v->as_array()[i].is_object() || !pcs_number(v->as_array()[i], "svn", 255, svn)) {
      return false;
    }
    out[i] = static_cast<std::uint8_t>(svn);
  }
  return true;
}

std::uint64_t le64_of(const std::array<std::uint8_t, 8>& b) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  return v;
}

bool read_tcb_status(const JsonValue& level, TcbStatus& status, std::string& date,
                     std::vector<std::string>& advisories) {
  const JsonValue* s = level.find("tcbStatus");
  auto parsed = s && s->is_string() ? tcb_status_from_name(s->as_string()) : std::nullopt;
  if (!parsed) return false;
  status = *parsed;
  if (const JsonValue* d = level.find("tcbDate"); d != nullptr && d->is_string()) {
    date = d->as_string();
  }
  if (const JsonValue* a = level.find("advisoryIDs"); a != nullptr && a->is_array()) {
    for (const JsonValue& id_value : a->as_array()) {
      if (id_value.is_string()) advisories.push_back(id_value.as_string());
    }
  }
  return true;
}

// mrsigner, attributes, attributesMask of `tdxModule` or a `tdxModuleIdentities` entry.
bool read_tdx_module(const JsonValue& m, TdxModuleIdentity& out) {
  std::array<std::uint8_t, 8> attrs{}, mask{};
  if (!m.is_object() || !pcs_hex(m, "mrsigner", out.mr_signer) ||
      !pcs_hex(m, "attributes", attrs) || !pcs_hex(m, "attributesMask", mask)) {
    return false;
  }
  out.attributes = le64_of(attrs);
  out.attributes_mask = le64_of(mask);
  return true;
}

}  // namespace

Result<TcbInfo> parse_tcb_info(std::string_view document) {
  auto split = split_signed_json(document, "tcbInfo");
  if (!split) return R::failure(split.error());
  auto json = parse_json(split->signed_text);
  if (!json) return bad("not valid JSON: " + json.error());
  const JsonValue& o = *json;
  TcbInfo info;
  info.signed_part = std::move(*split);
  const JsonValue* id = o.find("id");
  info.id = id != nullptr && id->is_string() ? id->as_string() : "SGX";  // v2 has no id
  std::uint64_t version = 0;
  if (!pcs_number(o, "version", 10, version) || (version != 2 && version != 3)) {
    return bad("version must be 2 or 3");
  }
  info.version = static_cast<int>(version);
  if (info.id != "SGX" && info.id != "TDX") return bad("id \"" + info.id + "\" is not SGX or TDX");
  if (!pcs_dates(o, info.issue_date, info.next_update)) {
    return bad("issueDate / nextUpdate missing or not ISO 8601 UTC");
  }
  if (!pcs_hex(o, "fmspc", info.fmspc)) return bad("fmspc is not 12 hex digits");
  if (!pcs_hex(o, "pceId", info.pce_id)) return bad("pceId is not 4 hex digits");
  if (!pcs_number(o, "tcbEvaluationDataNumber", 1e9, info.tcb_evaluation_data_number)) {
    return bad("tcbEvaluationDataNumber missing");
  }
  if (const JsonValue* m = o.find("tdxModule"); m != nullptr) {
    TdxModuleIdentity t;
    if (!read_tdx_module(*m, t)) return bad("tdxModule malformed");
    info.tdx_module = t;
  }
  if (info.id == "TDX" && !info.tdx_module) return bad("TDX TCB info without tdxModule");
  if (const JsonValue* ids = o.find("tdxModuleIdentities"); ids != nullptr) {
    if (!ids->is_array()) return bad("tdxModuleIdentities is not a list");
    for (const JsonValue& m : ids->as_array()) {
      TdxModuleIdentity t;
      const JsonValue* id = m.is_object() ? m.find("id") : nullptr;
      const JsonValue* levels = m.is_object() ? m.find("tcbLevels") : nullptr;
      if (id == nullptr || !id->is_string() || !read_tdx_module(m, t) || levels == nullptr ||
          !levels->is_array() || levels->as_array().empty()) {
        return bad(
            "a tdxModuleIdentities entry lacks id, mrsigner, attributes, attributesMask "
            "or tcbLevels");
      }
      t.id = id->as_string();
      for (const JsonValue& l : levels->as_array()) {
        const JsonValue* tcb = l.is_object() ? l.find("tcb") : nullptr;
        TdxModuleTcbLevel level;
        std::uint64_t isvsvn = 0;
        if (tcb == nullptr || !tcb->is_object() || !pcs_number(*tcb, "isvsvn", 255, isvsvn) ||
            !read_tcb_status(l, level.status, level.tcb_date, level.advisory_ids)) {
          return bad("TDX module identity " + t.id + " has a TCB level without isvsvn or status");
        }
        level.isv_svn = static_cast<std::uint8_t>(isvsvn);
        t.levels.push_back(std::move(level));
      }
      info.tdx_module_identities.push_back(std::move(t));
    }
  }
  const JsonValue* levels = o.find("tcbLevels");
  if (levels == nullptr || !levels->is_array() || levels->as_array().empty()) {
    return bad("tcbLevels missing or empty");
  }
  for (const JsonValue& l : levels->as_array()) {
    const JsonValue* tcb = l.is_object() ? l.find("tcb") : nullptr;
    if (tcb == nullptr || !tcb->is_object()) return bad("a TCB level has no \"tcb\"");
    TcbLevel level;
    std::uint64_t pce = 0;
    if (!read_components(tcb->find("sgxtcbcomponents"), level.sgx_components) ||
        !pcs_number(*tcb, "pcesvn", 65535, pce)) {
      return bad("a TCB level lacks 16 sgxtcbcomponents or pcesvn");
    }
    level.pce_svn = static_cast<std::uint16_t>(pce);
    if (info.id == "TDX") {
      std::array<std::uint8_t, 16> tdx{};
      if (!read_components(tcb->find("tdxtcbcomponents"), tdx)) {
        return bad("a TDX TCB level lacks 16 tdxtcbcomponents");
      }
      level.tdx_components = tdx;
    }
    if (!read_tcb_status(l, level.status, level.tcb_date, level.advisory_ids)) {
      return bad("a TCB level has an unknown tcbStatus");
    }
    info.levels.push_back(std::move(level));
  }
  return R::success(std::move(info));
}

Result<const TdxModuleIdentity*> select_tdx_module(
    const TcbInfo& info, const std::array<std::uint8_t, 16>& tee_tcb_svn) {
  using M = Result<const TdxModuleIdentity*>;
  if (tee_tcb_svn[1] == 0) {
    if (!info.tdx_module) return M::failure("TCB info has no tdxModule");
    return M::success(&*info.tdx_module);
  }
  char id[8];
  std::snprintf(id, sizeof id, "TDX_%02X", tee_tcb_svn[1]);
  for (const TdxModuleIdentity& m : info.tdx_module_identities) {
    if (m.id.size() == 6 && std::equal(m.id.begin(), m.id.end(), id, [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == b;
        })) {
      return M::success(&m);
    }
  }
  return M::failure(
      "TCB info has no tdxModuleIdentities entry " + std::string(id) +
      " for the TD report's TDX module (TEE_TCB_SVN[1] = " + std::to_string(tee_tcb_svn[1]) +
      "): this TCB info does not support the platform's TDX module");
}

namespace {

// Intel's QVL (TdxModuleCheck): the module's OutOfDate lowers an up-to-date or configuration
// status; a revoked module revokes.
TcbStatus converge_with_tdx_module(TcbStatus platform, TcbStatus module) {
  if (module == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (module != TcbStatus::kOutOfDate) return platform;
  switch (platform) {
    case TcbStatus::kUpToDate:
    case TcbStatus::kSwHardeningNeeded:
      return TcbStatus::kOutOfDate;
    case TcbStatus::kConfigurationNeeded:
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return TcbStatus::kOutOfDateConfigurationNeeded;
    default:
      return platform;
  }
}

}  // namespace

Result<TcbVerdict> evaluate_tcb(const TcbInfo& info, const PckCertificateInfo& pck,
                                const std::array<std::uint8_t, 16>* tee_tcb_svn) {
  using V = Result<TcbVerdict>;
  for (const TcbLevel& level : info.levels) {
    bool sgx_ok = true;
    for (std::size_t i = 0; i < 16; ++i) {
      if (pck.component_svns[i] < level.sgx_components[i]) sgx_ok = false;
    }
    if (!sgx_ok || pck.pce_svn < level.pce_svn) continue;
    if (tee_tcb_svn == nullptr)
      return V::success({level.status, level.advisory_ids, level.tcb_date});
    if (!level.tdx_components) continue;
    // Indices 0 and 1 (the module's SVN and major version) belong to the module identity when
    // the major version is not 0 (Intel's isTdxTcbHigherOrEqual).
    const std::size_t first = (*tee_tcb_svn)[1] > 0 ? 2 : 0;
    bool tdx_ok = true;
    for (std::size_t i = first; i < 16; ++i) {
      if ((*tee_tcb_svn)[i] < (*level.tdx_components)[i]) tdx_ok = false;
    }
    if (!tdx_ok) continue;
    TcbVerdict verdict{level.status, level.advisory_ids, level.tcb_date};
    auto module = select_tdx_module(info, *tee_tcb_svn);
    if (!module) return V::failure(module.error());
    if ((*module)->levels.empty()) return V::success(std::move(verdict));  // TDX 1.0: no levels
    const TdxModuleTcbLevel* module_level = nullptr;
    for (const TdxModuleTcbLevel& m : (*module)->levels) {
      if ((*tee_tcb_svn)[0] >= m.isv_svn) {
        module_level = &m;
        break;
      }
    }
    if (module_level == nullptr) {
      return V::failure("TDX module " + (*module)->id + " SVN " +
                        std::to_string((*tee_tcb_svn)[0]) +
                        " is below every TCB level of its module identity: TCB level not "
                        "supported");
    }
    verdict.status = converge_with_tdx_module(verdict.status, module_level->status);
    for (const auto& a : module_level->advisory_ids) {
      if (std::find(verdict.advisory_ids.begin(), verdict.advisory_ids.end(), a) ==
          verdict.advisory_ids.end()) {
        verdict.advisory_ids.push_back(a);
      }
    }
    return V::success(std::move(verdict));
  }
  return V::failure("no TCB level of the TCB info matches the platform (PCK TCB and " +
                    std::string(tee_tcb_svn != nullptr ? "TEE_TCB_SVN" : "PCESVN") +
                    "): TCB level not supported");
}

}  // namespace trustmq::attest

#include "attest/intel_tcb_info.h"

#include <algorithm>
#include <cmath>

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
    std::array<std::uint8_t, 8> attrs{}, mask{};
    if (!m->is_object() || !pcs_hex(*m, "mrsigner", t.mr_signer) ||
        !pcs_hex(*m, "attributes", attrs) || !pcs_hex(*m, "attributesMask", mask)) {
      return bad("tdxModule malformed");
    }
    t.attributes = le64_of(attrs);
    t.attributes_mask = le64_of(mask);
    info.tdx_module = t;
  }
  if (info.id == "TDX" && !info.tdx_module) return bad("TDX TCB info without tdxModule");
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
    const JsonValue* status = l.find("tcbStatus");
    auto s =
        status && status->is_string() ? tcb_status_from_name(status->as_string()) : std::nullopt;
    if (!s) return bad("a TCB level has an unknown tcbStatus");
    level.status = *s;
    if (const JsonValue* d = l.find("tcbDate"); d != nullptr && d->is_string()) {
      level.tcb_date = d->as_string();
    }
    if (const JsonValue* a = l.find("advisoryIDs"); a != nullptr && a->is_array()) {
      for (const JsonValue& id_value : a->as_array()) {
        if (id_value.is_string()) level.advisory_ids.push_back(id_value.as_string());
      }
    }
    info.levels.push_back(std::move(level));
  }
  return R::success(std::move(info));
}

Result<TcbVerdict> evaluate_tcb(const TcbInfo& info, const PckCertificateInfo& pck,
                                const std::array<std::uint8_t, 16>* tee_tcb_svn) {
  using V = Result<TcbVerdict>;
  for (const TcbLevel& level : info.levels) {
    bool sgx_ok = true;
    for (std::size_t i = 0; i < 16; ++i) {
      if (pck.component_svns[i] < level.sgx_components[i]) sgx_ok = false;
    }
    if (!sgx_ok || pck.pce_svn < level.pce_svn) continue;
    if (tee_tcb_svn != nullptr) {
      if (!level.tdx_components) continue;
      bool tdx_ok = true;
      for (std::size_t i = 0; i < 16; ++i) {
        if ((*tee_tcb_svn)[i] < (*level.tdx_components)[i]) tdx_ok = false;
      }
      if (!tdx_ok) continue;
      // Intel's algorithm (as documented with the go-tdx-guest samples): the selected level's
      // SVN at index 1 (TDX module major version) must equal the TD report's.
      if ((*level.tdx_components)[1] != (*tee_tcb_svn)[1]) {
        return V::failure("the matching TCB level has TDX module SVN[1] " +
                          std::to_string((*level.tdx_components)[1]) + " but the TD report has " +
                          std::to_string((*tee_tcb_svn)[1]) +
                          ": this TCB info does not support the platform's TDX module");
      }
    }
    return V::success({level.status, level.advisory_ids, level.tcb_date});
  }
  return V::failure("no TCB level of the TCB info matches the platform (PCK TCB and " +
                    std::string(tee_tcb_svn != nullptr ? "TEE_TCB_SVN" : "PCESVN") +
                    "): TCB level not supported");
}

}  // namespace trustmq::attest

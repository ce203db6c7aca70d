#include "attest/intel_qe_identity.h"

#include <algorithm>
#include <cmath>

#include "attest/json_value.h"
#include "attest/pcs_json_fields.h"

namespace trustmq::attest {

namespace {

using R = Result<QeIdentity>;

R bad(const std::string& what) { return R::failure("QE identity: " + what); }

template <std::size_t N>
bool masked_equal(const std::array<std::uint8_t, N>& value, const std::array<std::uint8_t, N>& mask,
                  const std::array<std::uint8_t, N>& expected) {
  for (std::size_t i = 0; i < N; ++i) {
    if ((value[i] & mask[i]) != expected[i]) return false;
  }
  return true;
}

}  // namespace

Result<QeIdentity> parse_qe_identity(std::string_view document) {
  auto split = split_signed_json(document, "enclaveIdentity");
  if (!split) return R::failure(split.error());
  auto json = parse_json(split->signed_text);
  if (!json) return bad("not valid JSON: " + json.error());
  const JsonValue& o = *json;
  QeIdentity q;
  q.signed_part = std::move(*split);
  const JsonValue* id = o.find("id");
  if (id == nullptr || !id->is_string()) return bad("id missing");
  q.id = id->as_string();
  std::uint64_t n = 0;
  if (!pcs_number(o, "version", 10, n) || n != 2) return bad("version must be 2");
  q.version = 2;
  if (!pcs_dates(o, q.issue_date, q.next_update)) {
    return bad("issueDate / nextUpdate missing or not ISO 8601 UTC");
  }
  if (!pcs_number(o, "tcbEvaluationDataNumber", 1e9, q.tcb_evaluation_data_number)) {
    return bad("tcbEvaluationDataNumber missing");
  }
  if (!pcs_hex(o, "miscselect", q.misc_select) ||
      !pcs_hex(o, "miscselectMask", q.misc_select_mask) ||
      !pcs_hex(o, "attributes", q.attributes) || !pcs_hex(o, "attributesMask", q.attributes_mask) ||
      !pcs_hex(o, "mrsigner", q.mr_signer)) {
    return bad("miscselect, attributes (and masks) or mrsigner missing or malformed");
  }
  if (!pcs_number(o, "isvprodid", 65535, n)) return bad("isvprodid missing");
  q.isv_prod_id = static_cast<std::uint16_t>(n);
  const JsonValue* levels = o.find("tcbLevels");
  if (levels == nullptr || !levels->is_array() || levels->as_array().empty()) {
    return bad("tcbLevels missing or empty");
  }
  for (const JsonValue& l : levels->as_array()) {
    const JsonValue* tcb = l.is_object() ? l.find("tcb") : nullptr;
    QeTcbLevel level;
    if (tcb == nullptr || !tcb->is_object() || !pcs_number(*tcb, "isvsvn", 65535, n)) {
      return bad("a TCB level lacks tcb.isvsvn");
    }
    level.isv_svn = static_cast<std::uint16_t>(n);
    const JsonValue* status = l.find("tcbStatus");
    auto s =
        status && status->is_string() ? tcb_status_from_name(status->as_string()) : std::nullopt;
    if (!s) return bad("a TCB level has an unknown tcbStatus");
    level.status = *s;
    if (const JsonValue* d = l.find("tcbDate"); d != nullptr && d->is_string()) {
      level.tcb_date = d->as_string();
    }
    if (const JsonValue* a = l.find("advisoryIDs"); a != nullptr) {
      if (!a->is_array()) return bad("a TCB level's advisoryIDs is not a list");
      for (const JsonValue& id : a->as_array()) {
        if (!id.is_string()) return bad("a TCB level's advisoryIDs holds a non-string");
        level.advisory_ids.push_back(id.as_string());
      }
    }
    q.levels.push_back(std::move(level));
  }
  return R::success(std::move(q));
}

Result<TcbStatus> evaluate_qe_identity(const QeIdentity& q, const SgxReportBody& r) {
  using V = Result<TcbStatus>;
  if (r.mr_signer != q.mr_signer) {
    return V::failure("QE report MRSIGNER " + short_hex(r.mr_signer) +
                      " is not the QE identity's " + short_hex(q.mr_signer));
  }
  if (r.isv_prod_id != q.isv_prod_id) {
    return V::failure("QE report ISVPRODID " + std::to_string(r.isv_prod_id) +
                      " is not the QE identity's " + std::to_string(q.isv_prod_id));
  }
  std::array<std::uint8_t, 4> misc{};
  for (std::size_t i = 0; i < 4; ++i) misc[i] = static_cast<std::uint8_t>(r.misc_select >> (8 * i));
  if (!masked_equal(misc, q.misc_select_mask, q.misc_select)) {
    return V::failure("QE report MISCSELECT does not match the QE identity under its mask");
  }
  if (!masked_equal(r.attributes, q.attributes_mask, q.attributes)) {
    return V::failure("QE report ATTRIBUTES " + to_hex(r.attributes) +
                      " do not match the QE identity under its mask");
  }
  if (const QeTcbLevel* level = qe_tcb_level(q, r.isv_svn)) return V::success(level->status);
  return V::failure("QE ISVSVN " + std::to_string(r.isv_svn) +
                    " is below every TCB level of the QE identity: TCB level not supported");
}

const QeTcbLevel* qe_tcb_level(const QeIdentity& q, std::uint16_t isv_svn) {
  // Levels are sorted by ISVSVN, highest first: the first one at or below the QE's applies.
  for (const QeTcbLevel& level : q.levels) {
    if (level.isv_svn <= isv_svn) return &level;
  }
  return nullptr;
}

}  // namespace trustmq::attest

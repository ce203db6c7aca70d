// Field readers shared by the Intel PCS collateral parsers (TCB info, QE identity): whole
// numbers, fixed-size hex strings and the issueDate / nextUpdate pair. Each returns false
// when the field is missing or malformed; the caller names the field in its error.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "attest/bytes.h"
#include "attest/intel_signed_json.h"
#include "attest/json_value.h"

namespace trustmq::attest {

inline bool pcs_number(const JsonValue& obj, const char* key, double max, std::uint64_t& out) {
  const JsonValue* v = obj.find(key);
  if (v == nullptr || !v->is_number() || v->as_number() < 0 || v->as_number() > max ||
      std::floor(v->as_number()) != v->as_number()) {
    return false;
  }
  out = static_cast<std::uint64_t>(v->as_number());
  return true;
}

template <std::size_t N>
bool pcs_hex(const JsonValue& obj, const char* key, std::array<std::uint8_t, N>& out) {
  const JsonValue* v = obj.find(key);
  if (v == nullptr || !v->is_string()) return false;
  auto b = from_hex(v->as_string());
  if (!b || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out.begin());
  return true;
}

// "issueDate" and "nextUpdate" as Unix seconds.
inline bool pcs_dates(const JsonValue& obj, std::uint64_t& issue, std::uint64_t& next) {
  const JsonValue* i = obj.find("issueDate");
  const JsonValue* n = obj.find("nextUpdate");
  auto it = i && i->is_string() ? parse_iso8601_utc(i->as_string()) : std::nullopt;
  auto nt = n && n->is_string() ? parse_iso8601_utc(n->as_string()) : std::nullopt;
  if (!it || !nt) return false;
  issue = *it;
  next = *nt;
  return true;
}

}  // namespace trustmq::attest

#include "attest/intel_signed_json.h"

#include <ctime>

namespace trustmq::attest {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

void skip_space(std::string_view t, std::size_t& i) {
  while (i < t.size() && is_space(t[i])) ++i;
}

// Past the end of the string starting at t[i] == '"'; npos if unterminated.
std::size_t end_of_string(std::string_view t, std::size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Past the end of the JSON value starting at t[i]; npos if malformed.
std::size_t end_of_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return std::string_view::npos;
  if (t[i] == '"') return end_of_string(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !is_space(t[i])) ++i;
    return i;
  }
  int depth = 0;
  for (; i < t.size(); ++i) {
    if (t[i] == '"') {
      i = end_of_string(t, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (t[i] == '{' || t[i] == '[') {
      ++depth;
    } else if (t[i] == '}' || t[i] == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Result<SignedJson> split_signed_json(std::string_view t, std::string_view key) {
  using R = Result<SignedJson>;
  const std::string what = "collateral JSON (" + std::string(key) + "): ";
  std::size_t i = 0;
  skip_space(t, i);
  if (i >= t.size() || t[i] != '{') return R::failure(what + "not a JSON object");
  ++i;
  std::optional<std::string_view> body, signature;
  for (;;) {
    skip_space(t, i);
    if (i >= t.size() || t[i] != '"') return R::failure(what + "expected a member name");
    const std::size_t name_end = end_of_string(t, i);
    if (name_end == std::string_view::npos) return R::failure(what + "unterminated name");
    const std::string_view name = t.substr(i + 1, name_end - i - 2);
    i = name_end;
    skip_space(t, i);
    if (i >= t.size() || t[i] != ':') return R::failure(what + "expected ':'");
    ++i;
    skip_space(t, i);
    const std::size_t value_end = end_of_value(t, i);
    if (value_end == std::string_view::npos) return R::failure(what + "malformed value");
    const std::string_view value = t.substr(i, value_end - i);
    if (name == key) {
      if (body) return R::failure(what + "member \"" + std::string(key) + "\" twice");
      body = value;
    } else if (name == "signature") {
      if (signature) return R::failure(what + "member \"signature\" twice");
      signature = value;
    } else {
      return R::failure(what + "unexpected member \"" + std::string(name) + "\"");
    }
    i = value_end;
    skip_space(t, i);
    if (i < t.size() && t[i] == ',') {
      ++i;
      continue;
    }
    if (i < t.size() && t[i] == '}') {
      ++i;
      break;
    }
    return R::failure(what + "expected ',' or '}'");
  }
  skip_space(t, i);
  if (i != t.size()) return R::failure(what + "bytes after the object");
  if (!body || body->empty() || body->front() != '{') {
    return R::failure(what + "member \"" + std::string(key) + "\" missing or not an object");
  }
  if (!signature || signature->size() < 2 || signature->front() != '"') {
    return R::failure(what + "member \"signature\" missing or not a string");
  }
  auto sig = from_hex(signature->substr(1, signature->size() - 2));
  if (!sig || sig->size() != 64) {
    return R::failure(what + "\"signature\" is not 128 hex digits (ECDSA P-256 r||s)");
  }
  return R::success({*body, std::move(*sig)});
}

std::optional<std::uint64_t> parse_iso8601_utc(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  if (*end == '.') {
    ++end;
    while (*end >= '0' && *end <= '9') ++end;
  }
  if (end[0] != 'Z' || end[1] != '\0') return std::nullopt;
  const std::time_t t = timegm(&tm);
  if (t < 0) return std::nullopt;
  return static_cast<std::uint64_t>(t);
}

}  // namespace trustmq::attest

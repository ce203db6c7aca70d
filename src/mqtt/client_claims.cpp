#include "mqtt/client_claims.h"

namespace trustmq::mqtt {
namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxClaimFieldSize) return false;
  for (char ch : s) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

bool valid_value(std::string_view s) {
  if (s.empty() || s.size() > kMaxClaimFieldSize) return false;
  for (char ch : s) {
    if (ch <= ' ' || ch > '~') return false;
  }
  return true;
}

}  // namespace

bool has_claim(const ClientClaims& claims, std::string_view name, std::string_view value) {
  for (const ClientClaim& c : claims) {
    if (c.name == name && c.value == value) return true;
  }
  return false;
}

bool decode_client_claims(ByteView text, ClientClaims& claims) {
  claims.clear();
  std::string_view rest(reinterpret_cast<const char*>(text.data()), text.size());
  if (rest.empty()) return true;
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) break;  // every line ends with '\n'
    const std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline + 1);
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) break;
    ClientClaim claim{std::string(line.substr(0, equals)), std::string(line.substr(equals + 1))};
    if (!valid_name(claim.name) || !valid_value(claim.value) || claims.size() == kMaxClientClaims) {
      break;
    }
    claims.push_back(std::move(claim));
    if (rest.empty()) return true;
  }
  claims.clear();
  return false;
}

Bytes encode_client_claims(const ClientClaims& claims) {
  Bytes out;
  for (const ClientClaim& c : claims) {
    out.insert(out.end(), c.name.begin(), c.name.end());
    out.push_back('=');
    out.insert(out.end(), c.value.begin(), c.value.end());
    out.push_back('\n');
  }
  return out;
}

std::string describe_client_claims(const ClientClaims& claims) {
  std::string out;
  for (const ClientClaim& c : claims) {
    if (!out.empty()) out += ' ';
    out += c.name + "=" + c.value;
  }
  return out;
}

}  // namespace trustmq::mqtt

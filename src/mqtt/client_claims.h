// The claims of an attested client (docs/attestation.md, "Attested clients"): what the host's
// verification of the client's evidence established, as name/value pairs ("type" = "sim",
// "module_measurement" = hex …). They belong to the session while its client is connected and
// are what `claim NAME VALUE` blocks of the ACL match (mqtt/acl.h). The host hands them to the
// core as text, one "name=value" per line; the core never sees evidence.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/types.h"

namespace trustmq::mqtt {

struct ClientClaim {
  std::string name;
  std::string value;
  bool operator==(const ClientClaim&) const = default;
};
using ClientClaims = std::vector<ClientClaim>;

// At most this many claims, each name and value at most kMaxClaimFieldSize bytes.
inline constexpr std::size_t kMaxClientClaims = 32;
inline constexpr std::size_t kMaxClaimFieldSize = 128;

// Whether `claims` has a claim `name` whose value is exactly `value`.
bool has_claim(const ClientClaims& claims, std::string_view name, std::string_view value);

// "name=value\n" lines. Names: [a-z0-9_], 1..kMaxClaimFieldSize; values: printable ASCII
// without blanks, 1..kMaxClaimFieldSize. Returns false for anything else (the whole set is
// refused, never a part of it).
bool decode_client_claims(ByteView text, ClientClaims& claims);
Bytes encode_client_claims(const ClientClaims& claims);

// "name=value name=value" for log lines.
std::string describe_client_claims(const ClientClaims& claims);

}  // namespace trustmq::mqtt

// Access control in the style of mosquitto's acl_file (topic / user / pattern lines with
// read, write, readwrite, deny).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/client_claims.h"

namespace trustmq::mqtt {

enum class AclAccess : std::uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3, kDeny = 4 };

struct AclRule {
  AclAccess access = AclAccess::kReadWrite;
  std::string topic;  // filter; for patterns %c and %u are substituted
  bool is_pattern = false;
  bool operator==(const AclRule&) const = default;
};

struct AclRules {
  std::vector<AclRule> anonymous;  // "topic" lines before any "user" line
  struct UserRules {
    std::string username;
    std::vector<AclRule> rules;
    bool operator==(const UserRules&) const = default;
  };
  std::vector<UserRules> users;
  std::vector<AclRule> patterns;  // apply to everyone
  // "topic" lines after "claim NAME VALUE": they apply, in addition to the client's own
  // rules, to every client whose attestation claims include NAME = VALUE (mqtt/client_claims.h).
  // A client without verified evidence has no claims and so matches none of them.
  struct ClaimRules {
    std::string name;
    std::string value;
    std::vector<AclRule> rules;
    bool operator==(const ClaimRules&) const = default;
  };
  std::vector<ClaimRules> claims;
  bool operator==(const AclRules&) const = default;
};

struct AclParseError {
  std::uint32_t line = 0;  // 1-based
  std::string message;
};

// Parses the text of an acl_file. Returns false and fills `error` on a bad line.
bool parse_acl(std::string_view text, AclRules& rules, AclParseError& error);

// Whether `username` (empty if anonymous) with `client_id` may read or write `topic`.
bool acl_allows(const AclRules& rules, std::string_view username, std::string_view client_id,
                std::string_view topic, AclAccess wanted);

// The same for a client with attestation `claims`: the matching claim blocks add their rules.
bool acl_allows(const AclRules& rules, std::string_view username, std::string_view client_id,
                const ClientClaims& claims, std::string_view topic, AclAccess wanted);

// Whether a SUBSCRIBE to `filter` is allowed: some rule granting read overlaps the filter and
// no deny rule covers all of it. What is actually delivered is then checked per message with
// acl_allows(..., kRead), so a subscription to "#" only ever receives readable topics.
bool acl_allows_subscription(const AclRules& rules, std::string_view username,
                             std::string_view client_id, std::string_view filter);
bool acl_allows_subscription(const AclRules& rules, std::string_view username,
                             std::string_view client_id, const ClientClaims& claims,
                             std::string_view filter);

}  // namespace trustmq::mqtt

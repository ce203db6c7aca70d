// mosquitto-style acl_file parsing and checking.
//
// Semantics (as mosquitto's default ACL plugin):
//  - "topic" lines before the first "user" line apply to anonymous clients only;
//    "topic" lines after "user <name>" apply to that user;
//  - "pattern" lines apply to every client, with %c replaced by the client id and %u by the
//    username (a pattern that uses %u never applies to an anonymous client; a pattern never
//    applies if the substituted value contains '+', '#' or '/');
//  - "topic" lines after "claim NAME VALUE" apply to every client whose attestation claims
//    include NAME = VALUE, in addition to its own rules (trustmq's extension; a claim the
//    client does not have, or a client without claims, never matches);
//  - a matching "deny" rule wins over everything; otherwise access is granted if any rule
//    that matches the topic grants the wanted access; with no match access is denied.
//  - `topic` may be a topic name (PUBLISH, delivery) or a subscription filter (SUBSCRIBE):
//    a rule covers a subscription filter when every topic the filter can match is matched by
//    the rule ('+' in the subscription is only covered by '+' or '#' in the rule).
#include "mqtt/acl.h"

#include <string>

namespace trustmq::mqtt {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits off the first blank-separated word of `s`.
std::string_view take_word(std::string_view& s) {
  s = trim(s);
  std::size_t end = 0;
  while (end < s.size() && s[end] != ' ' && s[end] != '\t') ++end;
  std::string_view word = s.substr(0, end);
  s = trim(s.substr(end));
  return word;
}

std::string_view next_level(std::string_view& s, bool& more) {
  std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    std::string_view level = s;
    s = {};
    more = false;
    return level;
  }
  std::string_view level = s.substr(0, slash);
  s.remove_prefix(slash + 1);
  more = true;
  return level;
}

// Whether the ACL filter `rule` covers every topic matched by `target` (a topic name or a
// subscription filter).
bool rule_covers(std::string_view rule, std::string_view target) {
  if (!target.empty() && target.front() == '$' && !rule.empty() &&
      (rule.front() == '+' || rule.front() == '#')) {
    return false;
  }
  bool rule_more = true;
  bool target_more = true;
  while (true) {
    std::string_view r = next_level(rule, rule_more);
    if (r == "#") return true;
    std::string_view t = next_level(target, target_more);
    if (t == "#") return false;  // only '#' covers '#'
    if (r == "+") {
      // covers any single level, including a '+' in a subscription
    } else if (r != t) {
      return false;
    }
    if (!rule_more && !target_more) return true;
    if (!target_more) {
      // "a/#" also matches "a": the rule has exactly "#" left.
      return rule == "#";
    }
    if (!rule_more) return false;
  }
}

// Whether some topic matches both filters.
bool filters_overlap(std::string_view a, std::string_view b) {
  auto starts_wild = [](std::string_view f) {
    return !f.empty() && (f.front() == '+' || f.front() == '#');
  };
  auto starts_dollar = [](std::string_view f) { return !f.empty() && f.front() == '$'; };
  if ((starts_wild(a) && starts_dollar(b)) || (starts_wild(b) && starts_dollar(a))) return false;
  bool a_more = true;
  bool b_more = true;
  while (true) {
    std::string_view x = next_level(a, a_more);
    std::string_view y = next_level(b, b_more);
    if (x == "#" || y == "#") return true;
    if (x != "+" && y != "+" && x != y) return false;
    if (!a_more && !b_more) return true;
    if (!a_more) return b == "#";
    if (!b_more) return a == "#";
  }
}

bool has_wildcard_or_slash(std::string_view s) {
  return s.find_first_of("+#/") != std::string_view::npos;
}

bool substitute_pattern(std::string_view pattern, std::string_view username,
                        std::string_view client_id, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() &&
        (pattern[i + 1] == 'c' || pattern[i + 1] == 'u')) {
      if (pattern[i + 1] == 'u') {
        if (username.empty() || has_wildcard_or_slash(username)) return false;
        out.append(username);
      } else {
        if (has_wildcard_or_slash(client_id)) return false;
        out.append(client_id);
      }
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return true;
}

bool parse_rule(std::string_view rest, bool is_pattern, AclRule& rule, std::string& error) {
  rule = AclRule{};
  rule.is_pattern = is_pattern;
  std::string_view copy = rest;
  std::string_view word = take_word(copy);
  if (word.empty()) {
    error = "missing topic";
    return false;
  }
  if (word == "read" || word == "write" || word == "readwrite" || word == "deny") {
    rule.access = word == "read"    ? AclAccess::kRead
                  : word == "write" ? AclAccess::kWrite
                  : word == "deny"  ? AclAccess::kDeny
                                    : AclAccess::kReadWrite;
    rest = copy;
  }
  rest = trim(rest);
  if (rest.empty()) {
    error = "missing topic";
    return false;
  }
  rule.topic = std::string(rest);
  return true;
}

bool access_grants(AclAccess have, AclAccess wanted) {
  if (have == AclAccess::kDeny) return false;
  return (static_cast<unsigned>(have) & static_cast<unsigned>(wanted)) ==
         static_cast<unsigned>(wanted);
}

// Applies `visit(rule, topic)` to every rule relevant to the client (its own or the anonymous
// rules, then the substituted patterns) until it returns false.
template <typename Visit>
void for_each_rule(const AclRules& rules, std::string_view username, std::string_view client_id,
                   const ClientClaims& claims, Visit visit) {
  const std::vector<AclRule>* own = &rules.anonymous;
  if (!username.empty()) {
    own = nullptr;
    for (const auto& user : rules.users) {
      if (user.username == username) {
        own = &user.rules;
        break;
      }
    }
  }
  if (own != nullptr) {
    for (const AclRule& rule : *own) {
      if (!visit(rule.access, std::string_view(rule.topic))) return;
    }
  }
  if (!claims.empty()) {
    for (const auto& block : rules.claims) {
      if (!has_claim(claims, block.name, block.value)) continue;
      for (const AclRule& rule : block.rules) {
        if (!visit(rule.access, std::string_view(rule.topic))) return;
      }
    }
  }
  std::string substituted;
  for (const AclRule& rule : rules.patterns) {
    if (!substitute_pattern(rule.topic, username, client_id, substituted)) continue;
    if (!visit(rule.access, std::string_view(substituted))) return;
  }
}

}  // namespace

bool parse_acl(std::string_view text, AclRules& rules, AclParseError& error) {
  rules = AclRules{};
  std::uint32_t line_number = 0;
  AclRules::UserRules* current_user = nullptr;
  AclRules::ClaimRules* current_claim = nullptr;
  while (!text.empty()) {
    ++line_number;
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string_view rest = line;
    std::string_view keyword = take_word(rest);
    std::string message;
    if (keyword == "user") {
      if (rest.empty()) {
        error = {line_number, "user line without a name"};
        return false;
      }
      std::string name(rest);
      current_user = nullptr;
      current_claim = nullptr;
      for (auto& user : rules.users) {
        if (user.username == name) current_user = &user;
      }
      if (current_user == nullptr) {
        rules.users.push_back({name, {}});
        current_user = &rules.users.back();
      }
    } else if (keyword == "claim") {
      const std::string_view name = take_word(rest);
      const std::string_view value = take_word(rest);
      if (name.empty() || value.empty() || !rest.empty()) {
        error = {line_number, "claim line needs exactly a name and a value: claim NAME VALUE"};
        return false;
      }
      current_user = nullptr;
      current_claim = nullptr;
      for (auto& block : rules.claims) {
        if (block.name == name && block.value == value) current_claim = &block;
      }
      if (current_claim == nullptr) {
        rules.claims.push_back({std::string(name), std::string(value), {}});
        current_claim = &rules.claims.back();
      }
    } else if (keyword == "topic" || keyword == "pattern") {
      AclRule rule;
      if (!parse_rule(rest, keyword == "pattern", rule, message)) {
        error = {line_number, std::string(keyword) + ": " + message};
        return false;
      }
      if (rule.is_pattern) {
        rules.patterns.push_back(std::move(rule));
      } else if (current_user != nullptr) {
        current_user->rules.push_back(std::move(rule));
      } else if (current_claim != nullptr) {
        current_claim->rules.push_back(std::move(rule));
      } else {
        rules.anonymous.push_back(std::move(rule));
      }
    } else {
      error = {line_number, "unknown keyword '" + std::string(keyword) + "'"};
      return false;
    }
  }
  return true;
}

bool acl_allows(const AclRules& rules, std::string_view username, std::string_view client_id,
                std::string_view topic, AclAccess wanted) {
  return acl_allows(rules, username, client_id, ClientClaims{}, topic, wanted);
}

bool acl_allows(const AclRules& rules, std::string_view username, std::string_view client_id,
                const ClientClaims& claims, std::string_view topic, AclAccess wanted) {
  bool granted = false;
  bool denied = false;
  for_each_rule(rules, username, client_id, claims, [&](AclAccess access, std::string_view filter) {
    if (!rule_covers(filter, topic)) return true;
    if (access == AclAccess::kDeny) {
      denied = true;
      return false;
    }
    if (access_grants(access, wanted)) granted = true;
    return true;
  });
  return granted && !denied;
}

bool acl_allows_subscription(const AclRules& rules, std::string_view username,
                             std::string_view client_id, std::string_view filter) {
  return acl_allows_subscription(rules, username, client_id, ClientClaims{}, filter);
}

bool acl_allows_subscription(const AclRules& rules, std::string_view username,
                             std::string_view client_id, const ClientClaims& claims,
                             std::string_view filter) {
  bool granted = false;
  bool denied = false;
  for_each_rule(rules, username, client_id, claims, [&](AclAccess access, std::string_view rule) {
    if (access == AclAccess::kDeny) {
      if (rule_covers(rule, filter)) {
        denied = true;
        return false;
      }
      return true;
    }
    if (access_grants(access, AclAccess::kRead) && filters_overlap(rule, filter)) granted = true;
    return true;
  });
  return granted && !denied;
}

}  // namespace trustmq::mqtt

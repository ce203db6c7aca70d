#include "runtime/broker_config_codec.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trustmq::runtime {

using namespace trustmq::mqtt;

namespace {

constexpr std::uint8_t kMagic[4] = {'T', 'M', 'Q', 'C'};

// Little-endian fixed-width integers; strings as u32 length + bytes.
class ConfigWriter {
 public:
  explicit ConfigWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v));
    u8(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void string(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }

 private:
  Bytes& out_;
};

class ConfigReader {
 public:
  explicit ConfigReader(ByteView in) : in_(in) {}
  std::size_t remaining() const { return in_.size() - pos_; }
  bool u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = in_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>(in_[pos_] | (in_[pos_ + 1] << 8));
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(in_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    if (!u32(low) || !u32(high)) return false;
    v = (static_cast<std::uint64_t>(high) << 32) | low;
    return true;
  }
  bool boolean(bool& v) {
    std::uint8_t b = 0;
    if (!u8(b) || b > 1) return false;
    v = b == 1;
    return true;
  }
  bool string(std::string& s) {
    std::uint32_t length = 0;
    if (!u32(length) || length > remaining()) return false;
    s.assign(reinterpret_cast<const char*>(in_.data() + pos_), length);
    pos_ += length;
    return true;
  }
  // A count of items each at least `min_item_size` bytes long must fit in what is left.
  bool count(std::uint32_t& n, std::size_t min_item_size) {
    return u32(n) && static_cast<std::uint64_t>(n) * min_item_size <= remaining();
  }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

constexpr std::size_t kMinRuleSize = 1 + 1 + 4;  // access, is_pattern, topic length

void write_rules(ConfigWriter& w, const std::vector<AclRule>& rules) {
  w.u32(static_cast<std::uint32_t>(rules.size()));
  for (const AclRule& rule : rules) {
    w.u8(static_cast<std::uint8_t>(rule.access));
    w.boolean(rule.is_pattern);
    w.string(rule.topic);
  }
}

bool read_rules(ConfigReader& r, std::vector<AclRule>& rules) {
  std::uint32_t n = 0;
  if (!r.count(n, kMinRuleSize)) return false;
  rules.clear();
  rules.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    AclRule rule;
    std::uint8_t access = 0;
    if (!r.u8(access) || access < static_cast<std::uint8_t>(AclAccess::kRead) ||
        access > static_cast<std::uint8_t>(AclAccess::kDeny)) {
      return false;
    }
    rule.access = static_cast<AclAccess>(access);
    if (!r.boolean(rule.is_pattern) || !r.string(rule.topic)) return false;
    rules.push_back(std::move(rule));
  }
  return true;
}

void write_optional_u32(ConfigWriter& w, const std::optional<std::uint32_t>& value) {
  w.boolean(value.has_value());
  w.u32(value.value_or(0));
}

bool read_optional_u32(ConfigReader& r, std::optional<std::uint32_t>& value) {
  bool present = false;
  std::uint32_t v = 0;
  if (!r.boolean(present) || !r.u32(v)) return false;
  if (present) {
    value = v;
  } else {
    value.reset();
  }
  return true;
}

}  // namespace

Bytes encode_broker_config(const BrokerConfig& config) {
  Bytes out;
  ConfigWriter w(out);
  for (std::uint8_t b : kMagic) w.u8(b);
  w.u8(kBrokerConfigCodecVersion);
  w.string(config.version);
  w.boolean(config.allow_anonymous);
  w.boolean(config.check_passwords);
  w.u32(config.max_inflight_messages);
  w.u32(config.max_queued_messages);
  w.u32(config.message_size_limit);
  w.u32(config.max_packet_size);
  w.u32(config.max_connect_packet_size);
  w.u64(config.memory_limit);
  write_optional_u32(w, config.persistent_client_expiration_seconds);
  w.u32(config.sys_interval_seconds);
  w.u16(config.max_keepalive_seconds);
  w.u16(config.topic_alias_maximum);
  w.u32(config.max_subscriptions_per_client);
  w.boolean(config.persistence);
  w.u32(static_cast<std::uint32_t>(config.served_evidence_types.size()));
  for (const std::string& type : config.served_evidence_types) w.string(type);
  w.string(config.module_measurement);
  w.u32(config.client_reattestation_timeout_seconds);
  w.boolean(config.acl.has_value());
  if (config.acl) {
    write_rules(w, config.acl->anonymous);
    w.u32(static_cast<std::uint32_t>(config.acl->users.size()));
    for (const AclRules::UserRules& user : config.acl->users) {
      w.string(user.username);
      write_rules(w, user.rules);
    }
    write_rules(w, config.acl->patterns);
    w.u32(static_cast<std::uint32_t>(config.acl->claims.size()));
    for (const AclRules::ClaimRules& block : config.acl->claims) {
      w.string(block.name);
      w.string(block.value);
      write_rules(w, block.rules);
    }
  }
  return out;
}

bool decode_broker_config(ByteView bytes, BrokerConfig& config) {
  ConfigReader r(bytes);
  for (std::uint8_t expected : kMagic) {
    std::uint8_t b = 0;
    if (!r.u8(b) || b != expected) return false;
  }
  std::uint8_t version = 0;
  if (!r.u8(version) || version != kBrokerConfigCodecVersion) return false;
  bool has_acl = false;
  if (!r.string(config.version) || !r.boolean(config.allow_anonymous) ||
      !r.boolean(config.check_passwords) || !r.u32(config.max_inflight_messages) ||
      !r.u32(config.max_queued_messages) || !r.u32(config.message_size_limit) ||
      !r.u32(config.max_packet_size) || !r.u32(config.max_connect_packet_size) ||
      !r.u64(config.memory_limit) ||
      !read_optional_u32(r, config.persistent_client_expiration_seconds) ||
      !r.u32(config.sys_interval_seconds) || !r.u16(config.max_keepalive_seconds) ||
      !r.u16(config.topic_alias_maximum) || !r.u32(config.max_subscriptions_per_client) ||
      !r.boolean(config.persistence)) {
    return false;
  }
  std::uint32_t served_types = 0;
  if (!r.count(served_types, 4)) return false;  // string length
  config.served_evidence_types.clear();
  config.served_evidence_types.reserve(served_types);
  for (std::uint32_t i = 0; i < served_types; ++i) {
    std::string type;
    if (!r.string(type)) return false;
    config.served_evidence_types.push_back(std::move(type));
  }
  if (!r.string(config.module_measurement) || !r.u32(config.client_reattestation_timeout_seconds) ||
      !r.boolean(has_acl)) {
    return false;
  }
  config.acl.reset();
  if (has_acl) {
    AclRules acl;
    if (!read_rules(r, acl.anonymous)) return false;
    std::uint32_t users = 0;
    if (!r.count(users, 4 + 4)) return false;  // username length + rule count
    acl.users.reserve(users);
    for (std::uint32_t i = 0; i < users; ++i) {
      AclRules::UserRules user;
      if (!r.string(user.username) || !read_rules(r, user.rules)) return false;
      acl.users.push_back(std::move(user));
    }
    if (!read_rules(r, acl.patterns)) return false;
    std::uint32_t claims = 0;
    if (!r.count(claims, 4 + 4 + 4)) return false;  // name, value, rule count
    acl.claims.reserve(claims);
    for (std::uint32_t i = 0; i < claims; ++i) {
      AclRules::ClaimRules block;
      if (!r.string(block.name) || !r.string(block.value) || !read_rules(r, block.rules)) {
        return false;
      }
      acl.claims.push_back(std::move(block));
    }
    config.acl = std::move(acl);
  }
  return r.remaining() == 0;
}

}  // namespace trustmq::runtime

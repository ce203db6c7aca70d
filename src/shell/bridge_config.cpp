#include "shell/bridge_config.h"

#include <charconv>
#include <limits>

#include "shell/config_words.h"

namespace trustmq::shell {
namespace {

using VoidResult = Result<void, std::string>;

std::optional<std::uint64_t> parse_unsigned(std::string_view w, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (w.empty() || ec != std::errc() || end != w.data() + w.size() || v > max) return std::nullopt;
  return v;
}

// One word; the error names what was expected.
Result<std::string_view, std::string> one_word(std::string_view value) {
  const auto words = split_config_words(value);
  if (words.size() != 1) {
    return Result<std::string_view, std::string>::failure(
        words.empty() ? "missing value" : "expected one value, got '" + std::string(value) + "'");
  }
  return Result<std::string_view, std::string>::success(words[0]);
}

VoidResult set_boolean(std::string_view value, bool& out) {
  auto w = one_word(value);
  if (!w) return VoidResult::failure(w.error());
  if (w.value() == "true") {
    out = true;
  } else if (w.value() == "false") {
    out = false;
  } else {
    return VoidResult::failure("expected true or false, got '" + std::string(w.value()) + "'");
  }
  return VoidResult::success();
}

VoidResult set_text(std::string_view value, std::string& out) {
  auto w = one_word(value);
  if (!w) return VoidResult::failure(w.error());
  out = std::string(w.value());
  return VoidResult::success();
}

VoidResult set_address(std::string_view value, BridgeConfig& bridge) {
  const auto words = split_config_words(value);
  if (words.empty()) return VoidResult::failure("missing host[:port]");
  if (words.size() > 1 || !bridge.host.empty()) {
    return VoidResult::failure(
        "only one remote address per bridge is supported (mosquitto's fail-over between "
        "several addresses is not implemented)");
  }
  std::string_view host = words[0];
  std::string_view port;
  if (host.starts_with('[')) {  // [::1]:1883
    const auto close = host.find(']');
    if (close == std::string_view::npos) return VoidResult::failure("unterminated '[' in address");
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return VoidResult::failure("expected ':' after ']'");
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) {
      return VoidResult::failure("write an IPv6 address as [ADDRESS]:PORT");
    }
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return VoidResult::failure("missing host");
  if (!port.empty() || value.find(':') != std::string_view::npos) {
    const auto p = parse_unsigned(port, 65535);
    if (!p || *p == 0) {
      return VoidResult::failure("invalid port '" + std::string(port) + "' (1..65535)");
    }
    bridge.port = static_cast<std::uint16_t>(*p);
  }
  bridge.host = std::string(host);
  return VoidResult::success();
}

VoidResult set_restart_timeout(std::string_view value, BridgeConfig& bridge) {
  const auto words = split_config_words(value);
  if (words.empty() || words.size() > 2) {
    return VoidResult::failure("expected BASE or BASE CAP (seconds)");
  }
  const auto base = parse_unsigned(words[0], 86400);
  const auto cap = words.size() == 2 ? parse_unsigned(words[1], 86400) : base;
  if (!base || *base == 0 || !cap || *cap < *base) {
    return VoidResult::failure("expected BASE [CAP] seconds, 1 <= BASE <= CAP <= 86400, got '" +
                               std::string(value) + "'");
  }
  bridge.restart_seconds = static_cast<std::uint32_t>(*base);
  bridge.restart_max_seconds = static_cast<std::uint32_t>(*cap);
  return VoidResult::success();
}

bool is_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

}  // namespace

bool is_bridge_option(std::string_view option) {
  static constexpr std::string_view kOptions[] = {"address",
                                                  "addresses",
                                                  "topic",
                                                  "bridge_protocol_version",
                                                  "remote_clientid",
                                                  "remote_username",
                                                  "remote_password",
                                                  "local_clientid",
                                                  "local_username",
                                                  "cleansession",
                                                  "local_cleansession",
                                                  "keepalive_interval",
                                                  "restart_timeout",
                                                  "notifications",
                                                  "notification_topic",
                                                  "notifications_local_only",
                                                  "try_private",
                                                  "bridge_cafile",
                                                  "bridge_certfile",
                                                  "bridge_keyfile",
                                                  "bridge_tls_version",
                                                  "bridge_psk",
                                                  "bridge_identity",
                                                  "bridge_insecure",
                                                  "bridge_attestation_policy"};
  for (auto o : kOptions) {
    if (o == option) return true;
  }
  return false;
}

Result<void, std::string> apply_bridge_option(std::string_view option, std::string_view value,
                                              BridgeConfig& bridge) {
  if (option == "address" || option == "addresses") return set_address(value, bridge);
  if (option == "topic") {
    auto topic = parse_bridge_topic(value);
    if (!topic) return VoidResult::failure(topic.error());
    bridge.topics.push_back(std::move(topic.value()));
    return VoidResult::success();
  }
  if (option == "bridge_protocol_version") {
    auto w = one_word(value);
    if (!w) return VoidResult::failure(w.error());
    if (w.value() == "mqttv311") {
      bridge.version = mqtt::ProtocolVersion::kV311;
    } else if (w.value() == "mqttv50") {
      bridge.version = mqtt::ProtocolVersion::kV5;
    } else {
      return VoidResult::failure("expected mqttv311 or mqttv50, got '" + std::string(w.value()) +
                                 "' (mqttv31 is not supported for bridges)");
    }
    return VoidResult::success();
  }
  if (option == "remote_clientid") return set_text(value, bridge.remote_clientid);
  if (option == "local_clientid") return set_text(value, bridge.local_clientid);
  if (option == "remote_username") {
    std::string s;
    if (auto r = set_text(value, s); !r) return r;
    bridge.remote_username = std::move(s);
    return VoidResult::success();
  }
  if (option == "remote_password") {
    std::string s;
    if (auto r = set_text(value, s); !r) return r;
    bridge.remote_password = std::move(s);
    return VoidResult::success();
  }
  if (option == "local_username") {
    std::string s;
    if (auto r = set_text(value, s); !r) return r;
    bridge.local_username = std::move(s);
    return VoidResult::success();
  }
  if (option == "cleansession") return set_boolean(value, bridge.cleansession);
  if (option == "local_cleansession") {
    bool clean = false;
    if (auto r = set_boolean(value, clean); !r) return r;
    bridge.local_cleansession = clean;
    return VoidResult::success();
  }
  if (option == "try_private") return set_boolean(value, bridge.try_private);
  if (option == "keepalive_interval") {
    auto w = one_word(value);
    if (!w) return VoidResult::failure(w.error());
    const auto v = parse_unsigned(w.value(), 65535);
    if (!v || *v < 5) {
      return VoidResult::failure("expected 5..65535 seconds, got '" + std::string(w.value()) +
                                 "' (a bridge always uses keep-alive, as in mosquitto)");
    }
    bridge.keepalive_seconds = static_cast<std::uint16_t>(*v);
    return VoidResult::success();
  }
  if (option == "restart_timeout") return set_restart_timeout(value, bridge);
  if (option == "notifications") return set_boolean(value, bridge.notifications);
  if (option == "notification_topic") {
    if (auto r = set_text(value, bridge.notification_topic); !r) return r;
    if (bridge.notification_topic.find_first_of("+#") != std::string::npos) {
      return VoidResult::failure("a topic name may not contain + or #");
    }
    return VoidResult::success();
  }
  if (option == "notifications_local_only") {
    bool ignored = false;
    return set_boolean(value, ignored);  // see docs/configuration.md, Bridges
  }
  if (option == "bridge_cafile") return set_text(value, bridge.cafile);
  if (option == "bridge_certfile") return set_text(value, bridge.certfile);
  if (option == "bridge_keyfile") return set_text(value, bridge.keyfile);
  if (option == "bridge_attestation_policy") return set_text(value, bridge.attestation_policy);
  if (option == "bridge_identity") return set_text(value, bridge.psk_identity);
  if (option == "bridge_psk") {
    if (auto r = set_text(value, bridge.psk_hex); !r) return r;
    if (!is_hex(bridge.psk_hex)) return VoidResult::failure("the key must be given in hex");
    return VoidResult::success();
  }
  if (option == "bridge_tls_version") {
    auto w = one_word(value);
    if (!w) return VoidResult::failure(w.error());
    if (w.value() != "tlsv1.2" && w.value() != "tlsv1.3") {
      return VoidResult::failure("expected tlsv1.2 or tlsv1.3, got '" + std::string(w.value()) +
                                 "'");
    }
    bridge.tls_version = std::string(w.value());
    return VoidResult::success();
  }
  if (option == "bridge_insecure") {
    bool insecure = false;
    if (auto r = set_boolean(value, insecure); !r) return r;
    if (insecure) {
      return VoidResult::failure(
          "'true' is not supported: it would accept any certificate for the remote's host name "
          "(a security check is never switched off); put the name the certificate carries in "
          "`address`, or use bridge_attestation_policy");
    }
    return VoidResult::success();
  }
  return VoidResult::failure("not a bridge option");
}

Result<void, std::string> finish_bridge_config(BridgeConfig& bridge, std::string_view hostname) {
  if (bridge.host.empty()) return VoidResult::failure("no address given");
  if (bridge.topics.empty()) return VoidResult::failure("no topic given");
  if (bridge.remote_clientid.empty()) {
    bridge.remote_clientid = std::string(hostname) + "." + bridge.name;
  }
  if (bridge.local_clientid.empty()) bridge.local_clientid = "local." + bridge.remote_clientid;
  if (bridge.notification_topic.empty()) {
    bridge.notification_topic = "$SYS/broker/connection/" + bridge.remote_clientid + "/state";
  }
  if (bridge.remote_password && !bridge.remote_username) {
    return VoidResult::failure("remote_password needs remote_username");
  }
  if (bridge.psk_hex.empty() != bridge.psk_identity.empty()) {
    return VoidResult::failure("bridge_psk and bridge_identity go together");
  }
  if (!bridge.psk_hex.empty() && (!bridge.cafile.empty() || !bridge.certfile.empty())) {
    return VoidResult::failure("bridge_psk cannot be combined with certificate options");
  }
  if (bridge.certfile.empty() != bridge.keyfile.empty()) {
    return VoidResult::failure("bridge_certfile and bridge_keyfile go together");
  }
  for (const BridgeTopic& topic : bridge.topics) {
    if (topic.direction == BridgeDirection::kBoth &&
        bridge.version == mqtt::ProtocolVersion::kV311 && !bridge.try_private) {
      return VoidResult::failure(
          "'topic " + topic.pattern +
          " both' with bridge_protocol_version mqttv311 needs try_private true: without the "
          "bridge bit an MQTT 3.1.1 remote sends the bridge's own messages back (loops); or use "
          "mqttv50 (No Local)");
    }
  }
  return VoidResult::success();
}

}  // namespace trustmq::shell

#include "shell/config_file.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include "mqtt/limits.h"
#include "runtime/engine.h"
#include "shell/bridge_config.h"
#include "shell/config_words.h"
#include "shell/duration.h"
#include "shell/mosquitto_option_table.h"

namespace trustmq::shell {
namespace {

// Parses one line; throws ConfigError with file, line and option in the message.
class LineParser {
 public:
  LineParser(std::string_view file_name, std::size_t line_number, std::string_view option,
             std::string_view value)
      : file_name_(file_name), line_number_(line_number), option_(option), value_(value) {}

  [[noreturn]] void fail(std::string_view message) const {
    std::ostringstream out;
    out << file_name_ << ':' << line_number_ << ": option '" << option_ << "': " << message;
    throw ConfigError(out.str());
  }

  // The whole value (may contain spaces, e.g. a path); must not be empty.
  std::string text() const {
    if (value_.empty()) fail("missing value");
    return std::string(value_);
  }

  // Exactly one word.
  std::string_view word() const {
    const auto words = split_config_words(value_);
    if (words.empty()) fail("missing value");
    if (words.size() > 1) fail("expected one value, got '" + std::string(value_) + "'");
    return words[0];
  }

  bool boolean() const {
    const auto w = word();
    if (w == "true") return true;
    if (w == "false") return false;
    fail("expected true or false, got '" + std::string(w) + "'");
  }

  std::uint64_t unsigned_integer(std::uint64_t max) const {
    const auto w = word();
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
    if (ec != std::errc() || end != w.data() + w.size() || w.empty()) {
      if (ec == std::errc::result_out_of_range) {
        fail("value '" + std::string(w) + "' out of range (0.." + std::to_string(max) + ")");
      }
      fail("expected a non-negative integer, got '" + std::string(w) + "'");
    }
    if (value > max) {
      fail("value '" + std::string(w) + "' out of range (0.." + std::to_string(max) + ")");
    }
    return value;
  }

  std::string_view value() const { return value_; }

 private:
  std::string_view file_name_;
  std::size_t line_number_;
  std::string_view option_;
  std::string_view value_;
};

// The smallest CONNECT (3.1.1, empty client id, no will or credentials) is 14 bytes; a
// limit below a few hundred bytes would refuse ordinary clients.
constexpr std::uint64_t kMinConnectPacketSize = 256;

bool is_listener_option(std::string_view option) {
  static constexpr std::string_view kOptions[] = {"certfile",
                                                  "keyfile",
                                                  "cafile",
                                                  "capath",
                                                  "crlfile",
                                                  "dhparamfile",
                                                  "tls_version",
                                                  "ciphers",
                                                  "ciphers_tls1.3",
                                                  "psk_file",
                                                  "psk_hint",
                                                  "require_certificate",
                                                  "use_identity_as_username",
                                                  "tls",
                                                  "attestation",
                                                  "attestation_requires_authentication",
                                                  "client_attestation_policy",
                                                  "protocol",
                                                  "socket_domain",
                                                  "websockets_origin"};
  for (auto o : kOptions) {
    if (o == option) return true;
  }
  return false;
}

void apply_listener_option(const LineParser& p, std::string_view option, ListenerConfig& listener) {
  ListenerTlsOptions& tls = listener.tls;
  if (option == "certfile")
    tls.certfile = p.text();
  else if (option == "keyfile")
    tls.keyfile = p.text();
  else if (option == "cafile")
    tls.cafile = p.text();
  else if (option == "capath")
    tls.capath = p.text();
  else if (option == "crlfile")
    tls.crlfile = p.text();
  else if (option == "dhparamfile")
    tls.dhparamfile = p.text();
  else if (option == "tls_version") {
    const auto v = p.word();
    if (v != "tlsv1.3" && v != "tlsv1.2") {
      p.fail("expected tlsv1.2 or tlsv1.3, got '" + std::string(v) + "'");
    }
    tls.tls_version = std::string(v);
  } else if (option == "ciphers")
    tls.ciphers = p.text();
  else if (option == "ciphers_tls1.3")
    tls.ciphers_tls13 = p.text();
  else if (option == "psk_file")
    tls.psk_file = p.text();
  else if (option == "psk_hint")
    tls.psk_hint = p.text();
  else if (option == "require_certificate")
    tls.require_certificate = p.boolean();
  else if (option == "use_identity_as_username")
    tls.use_identity_as_username = p.boolean();
  else if (option == "tls")
    tls.tls = p.boolean();
  else if (option == "client_attestation_policy")
    tls.client_attestation_policy = p.text();
  else if (option == "attestation_requires_authentication")
    tls.attestation_requires_authentication = p.boolean();
  else if (option == "attestation") {
    const auto v = p.word();
    if (v == "sim") {
      tls.attestation = ListenerAttestation::kSim;
    } else if (v == "tpm2-quote") {
      tls.attestation = ListenerAttestation::kTpm2Quote;
    } else if (v == "tdx") {
      tls.attestation = ListenerAttestation::kTdx;
    } else if (v == "sev-snp") {
      tls.attestation = ListenerAttestation::kSevSnp;
    } else if (v == "none") {
      tls.attestation = ListenerAttestation::kNone;
    } else {
      p.fail("expected sim, tpm2-quote, tdx, sev-snp or none, got '" + std::string(v) + "'");
    }
  } else if (option == "protocol") {
    const auto v = p.word();
    if (v == "mqtt") {
      listener.protocol = ListenerProtocol::kMqtt;
    } else if (v == "websockets") {
      listener.protocol = ListenerProtocol::kWebSockets;
    } else {
      p.fail("expected mqtt or websockets, got '" + std::string(v) + "'");
    }
  } else if (option == "websockets_origin") {
    listener.websockets_origins.emplace_back(p.word());
  } else if (option == "socket_domain") {
    const auto v = p.word();
    if (v == "ipv4") {
      listener.socket_domain = SocketDomain::kIpv4;
    } else if (v == "ipv6") {
      listener.socket_domain = SocketDomain::kIpv6;
    } else {
      p.fail("expected ipv4 or ipv6, got '" + std::string(v) + "'");
    }
  }
}

// What one parse carries across lines and included files.
struct ParseState {
  bool log_type_seen = false;  // the first log_type line replaces the default set
  bool log_dest_seen = false;  // the first log_dest line replaces the default (stderr)
  // mosquitto's default listener (`port`, `bind_address`), once one of them created it.
  std::optional<std::size_t> default_listener;
  bool in_included_file = false;
};

void parse_lines(std::string_view text, std::string_view file_name, ServerConfig& config,
                 ParseState& state);

// mosquitto's order: case-sensitive, upper case of a letter before its lower case
// (A.conf, a.conf, B.conf, b.conf), digits first.
bool include_order(const std::string& a, const std::string& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    if (ca == cb) continue;
    const int la = std::tolower(ca);
    const int lb = std::tolower(cb);
    if (la != lb) return la < lb;
    return ca < cb;  // same letter: upper case first
  }
  return a.size() < b.size();
}

void include_directory(const LineParser& p, const std::string& dir, ServerConfig& config,
                       ParseState& state) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 5 && name.ends_with(".conf")) names.push_back(name);
  }
  if (ec) p.fail("cannot read directory '" + dir + "': " + ec.message());
  std::sort(names.begin(), names.end(), include_order);
  for (const auto& name : names) {
    const std::string path = dir + (dir.ends_with('/') ? "" : "/") + name;
    ParseState included = state;
    included.in_included_file = true;
    parse_lines(read_text_file(path, "config file"), path, config, included);
    included.in_included_file = false;
    state = included;
  }
}

void apply_log_dest(const LineParser& p, std::string_view value, ServerConfig& config,
                    ParseState& state, std::string_view where) {
  const auto words = split_config_words(value);
  if (words.empty()) p.fail("missing value");
  if (!state.log_dest_seen) config.log.to_stderr = false;
  state.log_dest_seen = true;
  const std::string_view dest = words[0];
  if (dest == "file") {
    const std::string_view path = trim_config_text(value.substr(4));
    if (path.empty()) p.fail("'log_dest file' needs a file name");
    if (!config.log.file.empty() && config.log.file != path) {
      p.fail("only one 'log_dest file' may be configured (as in mosquitto)");
    }
    config.log.file = std::string(path);
    return;
  }
  if (words.size() != 1) p.fail("expected one destination, got '" + std::string(value) + "'");
  if (dest == "stderr") {
    config.log.to_stderr = true;
  } else if (dest == "stdout") {
    config.log.to_stdout = true;
  } else if (dest == "syslog") {
    config.log.to_syslog = true;
  } else if (dest == "none") {
    config.log.to_stderr = false;
    config.log.to_stdout = false;
    config.log.to_syslog = false;
    config.log.file.clear();
  } else if (dest == "topic" || dest == "dlt") {
    config.warnings.push_back(
        std::string(where) + ": option 'log_dest " + std::string(dest) + "' has no effect: " +
        (dest == "topic" ? "log lines are not published on $SYS/broker/log/# (not implemented)"
                         : "trustmq has no DLT (Diagnostic Log and Trace) support"));
  } else {
    p.fail("expected stdout, stderr, syslog, topic, file PATH, dlt or none, got '" +
           std::string(dest) + "'");
  }
}

ListenerConfig& default_listener(ServerConfig& config, ParseState& state, std::string_view where) {
  if (!state.default_listener) {
    ListenerConfig listener;
    listener.port = kDefaultPort;
    listener.origin = std::string(where) + " (default listener)";
    config.listeners.push_back(std::move(listener));
    state.default_listener = config.listeners.size() - 1;
  }
  return config.listeners[*state.default_listener];
}

void parse_lines(std::string_view text, std::string_view file_name, ServerConfig& config,
                 ParseState& state) {
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const std::string_view line = trim_config_text(raw);
    if (line.empty() || line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    const auto split = line.find_first_of(kConfigWhitespace);
    const std::string_view option = line.substr(0, split);
    const std::string_view value =
        split == std::string_view::npos ? std::string_view{} : trim_config_text(line.substr(split));
    const LineParser p(file_name, line_number, option, value);
    const std::string where = std::string(file_name) + ":" + std::to_string(line_number);
    mqtt::BrokerConfig& broker = config.broker;

    if (option == "connection") {
      const std::string_view name = p.word();
      for (const BridgeConfig& other : config.bridges) {
        if (other.name == name) p.fail("bridge '" + std::string(name) + "' defined twice");
      }
      BridgeConfig bridge;
      bridge.name = std::string(name);
      bridge.origin = where;
      config.bridges.push_back(std::move(bridge));
    } else if (is_bridge_option(option)) {
      if (config.bridges.empty()) p.fail("a bridge option must follow a 'connection NAME' line");
      if (auto r = apply_bridge_option(option, value, config.bridges.back()); !r) p.fail(r.error());
    } else if (option == "listener") {
      const auto words = split_config_words(value);
      if (words.empty() || words.size() > 2) p.fail("expected 'listener PORT [BIND_ADDRESS]'");
      const LineParser port_parser(file_name, line_number, option, words[0]);
      ListenerConfig listener;
      listener.port = static_cast<std::uint16_t>(port_parser.unsigned_integer(65535));
      if (words.size() == 2) {
        if (words[1].starts_with('/')) {
          p.fail("Unix domain socket listeners are not implemented; use a TCP port");
        }
        listener.bind_address = std::string(words[1]);
      }
      listener.origin = where;
      config.listeners.push_back(std::move(listener));
    } else if (option == "port") {
      default_listener(config, state, where).port =
          static_cast<std::uint16_t>(p.unsigned_integer(65535));
    } else if (option == "bind_address") {
      default_listener(config, state, where).bind_address = std::string(p.word());
    } else if (is_listener_option(option)) {
      if (config.listeners.empty()) p.fail("must follow a 'listener' line");
      apply_listener_option(p, option, config.listeners.back());
    } else if (option == "include_dir") {
      if (state.in_included_file) {
        p.fail("only valid in the main configuration file (as in mosquitto)");
      }
      include_directory(p, p.text(), config, state);
    } else if (option == "allow_anonymous") {
      config.allow_anonymous = p.boolean();
    } else if (option == "password_file") {
      config.password_file = p.text();
    } else if (option == "acl_file") {
      config.acl_file = p.text();
    } else if (option == "pid_file") {
      config.pid_file = p.text();
    } else if (option == "user") {
      config.user = std::string(p.word());
    } else if (option == "connection_messages") {
      config.connection_messages = p.boolean();
    } else if (option == "max_inflight_messages") {
      broker.max_inflight_messages = static_cast<std::uint32_t>(p.unsigned_integer(65535));
    } else if (option == "max_subscriptions_per_client") {
      broker.max_subscriptions_per_client =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "max_queued_messages") {
      broker.max_queued_messages =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "message_size_limit") {
      broker.message_size_limit =
          static_cast<std::uint32_t>(p.unsigned_integer(mqtt::kMaxPacketSize));
    } else if (option == "max_packet_size") {
      const auto v = p.unsigned_integer(mqtt::kMaxPacketSize);
      if (v == 0) p.fail("must be at least 1");
      broker.max_packet_size = static_cast<std::uint32_t>(v);
    } else if (option == "max_connect_packet_size") {
      const auto v = p.unsigned_integer(mqtt::kMaxPacketSize);
      if (v < kMinConnectPacketSize) {
        p.fail("must be at least " + std::to_string(kMinConnectPacketSize) + " (bytes)");
      }
      broker.max_connect_packet_size = static_cast<std::uint32_t>(v);
    } else if (option == "memory_limit") {
      broker.memory_limit = p.unsigned_integer(std::numeric_limits<std::uint64_t>::max());
    } else if (option == "max_keepalive") {
      broker.max_keepalive_seconds = static_cast<std::uint16_t>(p.unsigned_integer(65535));
    } else if (option == "client_reattestation_timeout") {
      const auto v = p.unsigned_integer(86400);
      if (v == 0) p.fail("must be at least 1 (seconds)");
      broker.client_reattestation_timeout_seconds = static_cast<std::uint32_t>(v);
    } else if (option == "max_topic_alias") {
      broker.topic_alias_maximum = static_cast<std::uint16_t>(p.unsigned_integer(65535));
    } else if (option == "persistence") {
      config.persistence.enabled = p.boolean();
    } else if (option == "persistence_location") {
      config.persistence.location = p.text();
      while (config.persistence.location.size() > 1 && config.persistence.location.back() == '/') {
        config.persistence.location.pop_back();
      }
    } else if (option == "autosave_interval") {
      const auto v = p.unsigned_integer(std::numeric_limits<std::uint32_t>::max());
      if (v == 0) p.fail("must be at least 1 (seconds)");
      config.persistence.autosave_interval_seconds = static_cast<std::uint32_t>(v);
    } else if (option == "persistence_durability") {
      const auto w = p.word();
      if (w == "sync") {
        config.persistence.durability = PersistenceDurability::kSync;
      } else if (w == "interval") {
        config.persistence.durability = PersistenceDurability::kInterval;
      } else {
        p.fail("expected sync or interval, not '" + std::string(w) + "'");
      }
    } else if (option == "persistence_sealing") {
      const auto w = p.word();
      if (w == "auto") {
        config.persistence.sealing = PersistenceSealing::kAuto;
      } else if (w == "file") {
        config.persistence.sealing = PersistenceSealing::kFile;
      } else if (w == "tpm") {
        config.persistence.sealing = PersistenceSealing::kTpm;
      } else {
        p.fail("expected auto, file or tpm, not '" + std::string(w) + "'");
      }
    } else if (option == "persistence_accept_rollback") {
      config.persistence.accept_rollback = p.boolean();
    } else if (option == "persistence_rollback_interval") {
      config.persistence.rollback_interval_seconds =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "persistence_migrate_to") {
      std::string measurement(p.word());
      for (char& c : measurement) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
      }
      if (measurement.size() != 64 ||
          measurement.find_first_not_of("0123456789abcdef") != std::string::npos) {
        p.fail("expected the new module's measurement, 64 hex digits (SHA-256), not '" +
               measurement + "'");
      }
      config.persistence.migrate_to = std::move(measurement);
    } else if (option == "persistent_client_expiration") {
      const auto w = p.word();
      const auto seconds = parse_duration_seconds(w);
      if (!seconds) {
        p.fail("invalid duration '" + std::string(w) +
               "' (expected a number followed by s, h, d, w, m or y, e.g. 2d)");
      }
      broker.persistent_client_expiration_seconds = *seconds;
    } else if (option == "sys_interval") {
      broker.sys_interval_seconds =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "log_type") {
      const auto w = p.word();
      const auto bits = parse_log_type(w);
      if (!bits) p.fail("unknown log type '" + std::string(w) + "'");
      if (!state.log_type_seen) config.log_types = 0;
      state.log_type_seen = true;
      config.log_types = *bits == 0 ? 0 : (config.log_types | *bits);
    } else if (option == "log_dest") {
      apply_log_dest(p, value, config, state, where);
    } else if (option == "log_facility") {
      config.log.syslog_facility = static_cast<int>(p.unsigned_integer(7));
    } else if (option == "log_timestamp") {
      config.log.timestamp = p.boolean();
    } else if (option == "log_timestamp_format") {
      config.log.timestamp_format = p.text();
    } else if (option == "websockets_headers_size") {
      const auto v = p.unsigned_integer(1024 * 1024);
      config.websockets_headers_size =
          v == 0 ? kDefaultWebSocketsHeadersSize : static_cast<std::uint32_t>(v);
    } else if (option == "engine") {
      const auto w = p.word();
      if (!is_known_engine_name(w)) {
        p.fail("unknown engine '" + std::string(w) +
               "' (expected native, wasm-aot or wasm-interp)");
      }
      config.engine = std::string(w);
    } else if (option == "module") {
      config.module = p.text();
    } else if (option == "wasm_max_memory_mb") {
      const auto v = p.unsigned_integer(4096);
      if (v == 0) p.fail("must be at least 1 (MiB)");
      config.wasm_max_memory_mb = static_cast<std::uint32_t>(v);
    } else if (option == "state_dir") {
      config.state_dir = p.text();
    } else if (option == "tpm_tcti") {
      config.tpm_tcti = p.text();
    } else if (option == "tpm_ak_certificate") {
      config.tpm_ak_certificate = p.text();
    } else if (option == "tsm_report_dir") {
      config.tsm_report_dir = p.text();
    } else if (option == "tsm_privlevel") {
      config.tsm_privlevel = static_cast<unsigned>(p.unsigned_integer(3));
    } else if (option == "tls_handshake_timeout") {
      const auto v = p.unsigned_integer(3600);
      if (v == 0) p.fail("must be at least 1 (seconds)");
      config.handshake_timeout_ms = static_cast<std::uint32_t>(v * 1000);
    } else if (option == "max_queued_bytes") {
      config.max_queued_bytes =
          static_cast<std::size_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "max_publisher_pause_ms") {
      config.max_publisher_pause_ms = static_cast<std::uint32_t>(p.unsigned_integer(60000));
    } else if (option == "max_connections") {
      if (p.word() == "-1") {
        config.max_connections.reset();
      } else {
        config.max_connections = static_cast<std::uint32_t>(
            p.unsigned_integer(std::numeric_limits<std::int32_t>::max()));
      }
    } else if (const UnsupportedOption* unsupported = find_unsupported_option(option)) {
      if (unsupported->harmless_value) {
        if (p.word() != *unsupported->harmless_value) {
          if (unsupported->treatment == OptionTreatment::kRefused) {
            p.fail("'" + std::string(value) +
                   "' is not supported: " + std::string(unsupported->reason));
          }
          config.warnings.push_back(where + ": option '" + std::string(option) + " " +
                                    std::string(value) +
                                    "' has no effect: " + std::string(unsupported->reason));
        }
      } else if (unsupported->treatment == OptionTreatment::kRefused) {
        p.fail("not supported: " + std::string(unsupported->reason));
      } else {
        config.warnings.push_back(where + ": option '" + std::string(option) +
                                  "' has no effect: " + std::string(unsupported->reason));
      }
    } else {
      std::ostringstream out;
      out << file_name << ':' << line_number << ": unknown option '" << option << "'";
      throw ConfigError(out.str());
    }
    if (end == text.size()) break;
  }
}

}  // namespace

bool is_known_engine_name(std::string_view name) {
  return name == runtime::kNativeEngine || name == runtime::kWasmAotEngine ||
         name == runtime::kWasmInterpEngine;
}

void parse_config_text(std::string_view text, std::string_view file_name, ServerConfig& config) {
  ParseState state;
  parse_lines(text, file_name, config, state);
  finish_bridges(config);
}

void finish_bridges(ServerConfig& config) {
  char hostname[256] = {};
  if (::gethostname(hostname, sizeof hostname - 1) != 0) std::strcpy(hostname, "trustmq");
  for (BridgeConfig& bridge : config.bridges) {
    if (auto r = finish_bridge_config(bridge, hostname); !r) {
      throw ConfigError(bridge.origin + ": bridge '" + bridge.name + "': " + r.error());
    }
  }
}

std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot open " + std::string(what) + " '" + path +
                      "': " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw ConfigError("cannot read " + std::string(what) + " '" + path + "'");
  return contents.str();
}

void load_config_file(const std::string& path, ServerConfig& config) {
  parse_config_text(read_text_file(path, "config file"), path, config);
}

}  // namespace trustmq::shell

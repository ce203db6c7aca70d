#include "shell/config_file.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "shell/duration.h"

namespace trustmq::shell {
namespace {

constexpr std::string_view kWhitespace = " \t\r";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto start = s.find_first_not_of(kWhitespace, pos);
    if (start == std::string_view::npos) break;
    auto end = s.find_first_of(kWhitespace, start);
    if (end == std::string_view::npos) end = s.size();
    words.push_back(s.substr(start, end - start));
    pos = end;
  }
  return words;
}

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
    const auto words = split_words(value_);
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

constexpr std::uint64_t kMaxMqttPacket = 268435455;
// The smallest CONNECT (3.1.1, empty client id, no will or credentials) is 14 bytes; a
// limit below a few hundred bytes would refuse ordinary clients.
constexpr std::uint64_t kMinConnectPacketSize = 256;

bool is_listener_option(std::string_view option) {
  static constexpr std::string_view kOptions[] = {"certfile",
                                                  "keyfile",
                                                  "cafile",
                                                  "capath",
                                                  "tls_version",
                                                  "ciphers",
                                                  "ciphers_tls1.3",
                                                  "psk_file",
                                                  "psk_hint",
                                                  "require_certificate",
                                                  "use_identity_as_username",
                                                  "tls",
                                                  "attestation"};
  for (auto o : kOptions) {
    if (o == option) return true;
  }
  return false;
}

void apply_listener_option(const LineParser& p, std::string_view option, ListenerTlsOptions& tls) {
  if (option == "certfile")
    tls.certfile = p.text();
  else if (option == "keyfile")
    tls.keyfile = p.text();
  else if (option == "cafile")
    tls.cafile = p.text();
  else if (option == "capath")
    tls.capath = p.text();
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
  else if (option == "attestation") {
    const auto v = p.word();
    if (v == "sim") {
      tls.attestation = ListenerAttestation::kSim;
    } else if (v == "tpm2-quote") {
      tls.attestation = ListenerAttestation::kTpm2Quote;
    } else if (v == "none") {
      tls.attestation = ListenerAttestation::kNone;
    } else {
      p.fail("expected sim, tpm2-quote or none, got '" + std::string(v) + "'");
    }
  }
}

}  // namespace

bool is_known_engine_name(std::string_view name) {
  return name == "native" || name == "wasm-aot" || name == "wasm-interp";
}

void parse_config_text(std::string_view text, std::string_view file_name, ServerConfig& config) {
  bool log_type_seen = false;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    const auto split = line.find_first_of(kWhitespace);
    const std::string_view option = line.substr(0, split);
    const std::string_view value =
        split == std::string_view::npos ? std::string_view{} : trim(line.substr(split));
    const LineParser p(file_name, line_number, option, value);
    mqtt::BrokerConfig& broker = config.broker;

    if (option == "listener") {
      const auto words = split_words(value);
      if (words.empty() || words.size() > 2) p.fail("expected 'listener PORT [BIND_ADDRESS]'");
      const LineParser port_parser(file_name, line_number, option, words[0]);
      ListenerConfig listener;
      listener.port = static_cast<std::uint16_t>(port_parser.unsigned_integer(65535));
      if (words.size() == 2) listener.bind_address = std::string(words[1]);
      listener.origin = std::string(file_name) + ":" + std::to_string(line_number);
      config.listeners.push_back(std::move(listener));
    } else if (is_listener_option(option)) {
      if (config.listeners.empty()) p.fail("must follow a 'listener' line");
      apply_listener_option(p, option, config.listeners.back().tls);
    } else if (option == "allow_anonymous") {
      config.allow_anonymous = p.boolean();
    } else if (option == "password_file") {
      config.password_file = p.text();
    } else if (option == "acl_file") {
      config.acl_file = p.text();
    } else if (option == "max_inflight_messages") {
      broker.max_inflight_messages = static_cast<std::uint32_t>(p.unsigned_integer(65535));
    } else if (option == "max_subscriptions_per_client") {
      broker.max_subscriptions_per_client =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "max_queued_messages") {
      broker.max_queued_messages =
          static_cast<std::uint32_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "message_size_limit") {
      broker.message_size_limit = static_cast<std::uint32_t>(p.unsigned_integer(kMaxMqttPacket));
    } else if (option == "max_packet_size") {
      const auto v = p.unsigned_integer(kMaxMqttPacket);
      if (v == 0) p.fail("must be at least 1");
      broker.max_packet_size = static_cast<std::uint32_t>(v);
    } else if (option == "max_connect_packet_size") {
      const auto v = p.unsigned_integer(kMaxMqttPacket);
      if (v < kMinConnectPacketSize) {
        p.fail("must be at least " + std::to_string(kMinConnectPacketSize) + " (bytes)");
      }
      broker.max_connect_packet_size = static_cast<std::uint32_t>(v);
    } else if (option == "memory_limit") {
      broker.memory_limit = p.unsigned_integer(std::numeric_limits<std::uint64_t>::max());
    } else if (option == "max_keepalive") {
      broker.max_keepalive_seconds = static_cast<std::uint16_t>(p.unsigned_integer(65535));
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
      if (!log_type_seen) config.log_types = 0;
      log_type_seen = true;
      config.log_types = *bits == 0 ? 0 : (config.log_types | *bits);
    } else if (option == "log_dest") {
      const auto words = split_words(value);
      if (words.empty()) p.fail("missing value");
      if (words[0] != "stderr" || words.size() != 1) {
        p.fail("only 'stderr' is supported, got '" + std::string(value) + "'");
      }
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
    } else if (option == "tls_handshake_timeout") {
      const auto v = p.unsigned_integer(3600);
      if (v == 0) p.fail("must be at least 1 (seconds)");
      config.handshake_timeout_ms = static_cast<std::uint32_t>(v * 1000);
    } else if (option == "max_queued_bytes") {
      config.max_queued_bytes =
          static_cast<std::size_t>(p.unsigned_integer(std::numeric_limits<std::uint32_t>::max()));
    } else if (option == "max_connections") {
      if (p.word() == "-1") {
        config.max_connections.reset();
      } else {
        config.max_connections = static_cast<std::uint32_t>(
            p.unsigned_integer(std::numeric_limits<std::int32_t>::max()));
      }
    } else {
      std::ostringstream out;
      out << file_name << ':' << line_number << ": unknown option '" << option << "'";
      throw ConfigError(out.str());
    }
    if (end == text.size()) break;
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

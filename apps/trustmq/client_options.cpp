#include "client_options.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <string_view>

#include "attest/measurement.h"
#include "attest/policy.h"
#include "attest/sim_attester.h"
#include "attest/sim_platform.h"
#include "client/client_attestation.h"
#include "mqtt/topic.h"

namespace trustmq::cli {

namespace {

using Options = ClientCommandOptions;
using Error = std::optional<std::string>;  // set: the parse error

enum CommandMask : unsigned { kPub = 1, kSub = 2, kAttest = 4, kPubSub = 3, kAll = 7 };

// The command's bit in Flag::commands (kPub, kSub, kAttest in the order of ClientCommand).
unsigned mask_of(ClientCommand c) { return 1u << static_cast<unsigned>(c); }

template <typename T>
std::optional<T> parse_number(std::string_view text, T min, T max) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (v < static_cast<std::uint64_t>(min) || v > static_cast<std::uint64_t>(max)) {
    return std::nullopt;
  }
  return static_cast<T>(v);
}

std::optional<mqtt::QoS> parse_qos(std::string_view text) {
  auto q = parse_number<unsigned>(text, 0, 2);
  if (!q) return std::nullopt;
  return static_cast<mqtt::QoS>(*q);
}

// sub -W and attest --timeout: whole seconds, 1..3600.
std::optional<std::uint32_t> parse_timeout(std::string_view text) {
  return parse_number<std::uint32_t>(text, 1, 3600);
}

std::string invalid_timeout(std::string_view text) {
  return "Invalid timeout \"" + std::string(text) + "\", must be 1..3600 seconds.";
}

client::TlsOptions& tls(Options& o) {
  if (!o.endpoint.tls) o.endpoint.tls.emplace();
  return *o.endpoint.tls;
}

mqtt::Will& will(Options& o) {
  if (!o.connect.will) o.connect.will.emplace();
  return *o.connect.will;
}

using Apply = std::function<Error(Options&, std::string_view)>;

struct Flag {
  const char* short_name;  // "-t" or nullptr
  const char* long_name;   // "--topic" or nullptr
  const char* argument;    // "TOPIC" or nullptr (a switch)
  unsigned commands;
  const char* help;
  Apply apply;
};

// A switch that sets `field`.
Apply turn_on(bool Options::*field) {
  return [field](Options& o, std::string_view) -> Error {
    o.*field = true;
    return std::nullopt;
  };
}

// A TLS flag whose value goes into `field` (and turns TLS on, see validate()).
Apply tls_text(std::string client::TlsOptions::*field) {
  return [field](Options& o, std::string_view v) -> Error {
    tls(o).*field = std::string(v);
    return std::nullopt;
  };
}

// pub: where the message comes from (only one of -m -f -n -l -s); `v` is the -m text or -f path.
Apply message_from(MessageSource source) {
  return [source](Options& o, std::string_view v) -> Error {
    if (o.source != MessageSource::kNone) return "Only one type of message can be sent at once.";
    o.source = source;
    o.message = std::string(v);
    return std::nullopt;
  };
}

// Every flag, in --help order.
const std::vector<Flag>& flags() {
  static const std::vector<Flag> table = {
      {"-h", "--host", "HOST", kAll, "broker host name or address (default localhost)",
       [](Options& o, std::string_view v) -> Error {
         o.endpoint.host = std::string(v);
         return std::nullopt;
       }},
      {"-p", "--port", "PORT", kAll, "broker port (default 1883, or 8883 with TLS)",
       [](Options& o, std::string_view v) -> Error {
         auto p = parse_number<std::uint16_t>(v, 1, 65535);
         if (!p) return "Invalid port given: " + std::string(v);
         o.endpoint.port = *p;
         return std::nullopt;
       }},
      {"-t", "--topic", "TOPIC", kPubSub, "pub: the topic (once); sub: a topic filter (repeatable)",
       [](Options& o, std::string_view v) -> Error {
         o.topics.emplace_back(v);
         return std::nullopt;
       }},
      {"-m", "--message", "MSG", kPub, "message payload to send",
       message_from(MessageSource::kArgument)},
      {"-f", "--file", "FILE", kPub, "send the contents of FILE as the message",
       message_from(MessageSource::kFile)},
      {"-n", "--null-message", nullptr, kPub, "send a null (zero length) message",
       message_from(MessageSource::kNull)},
      {"-l", "--stdin-line", nullptr, kPub, "read stdin, send one message per line",
       message_from(MessageSource::kLines)},
      {"-s", "--stdin-file", nullptr, kPub, "read stdin, send all of it as one message",
       message_from(MessageSource::kStdin)},
      {"-q", "--qos", "QOS", kPubSub, "quality of service 0, 1 or 2 (default 0)",
       [](Options& o, std::string_view v) -> Error {
         auto q = parse_qos(v);
         if (!q) return "Invalid QoS given: " + std::string(v);
         o.qos = *q;
         return std::nullopt;
       }},
      {"-r", "--retain", nullptr, kPub, "the message should be retained",
       turn_on(&Options::retain)},
      {"-V", "--protocol-version", "VERSION", kPubSub,
       "MQTT version 5|mqttv5, 311|mqttv311, 31|mqttv31 (default 311)",
       [](Options& o, std::string_view v) -> Error {
         if (v == "5" || v == "mqttv5") {
           o.connect.version = mqtt::ProtocolVersion::kV5;
         } else if (v == "311" || v == "mqttv311") {
           o.connect.version = mqtt::ProtocolVersion::kV311;
         } else if (v == "31" || v == "mqttv31") {
           o.connect.version = mqtt::ProtocolVersion::kV31;
         } else {
           return "Invalid protocol version argument given.";
         }
         return std::nullopt;
       }},
      {"-i", "--id", "ID", kPubSub, "client id (default trustmq-pub-PID / trustmq-sub-PID)",
       [](Options& o, std::string_view v) -> Error {
         o.connect.client_id = std::string(v);
         return std::nullopt;
       }},
      {"-u", "--username", "USER", kPubSub, "user name",
       [](Options& o, std::string_view v) -> Error {
         o.connect.username = std::string(v);
         return std::nullopt;
       }},
      {"-P", "--pw", "PASSWORD", kPubSub, "password",
       [](Options& o, std::string_view v) -> Error {
         o.connect.password = mqtt::Bytes(v.begin(), v.end());
         return std::nullopt;
       }},
      {"-k", "--keepalive", "SECONDS", kPubSub, "keep-alive interval, 0 or 5..65535 (default 60)",
       [](Options& o, std::string_view v) -> Error {
         auto k = parse_number<std::uint16_t>(v, 0, 65535);
         if (!k || (*k != 0 && *k < 5)) {
           return "Invalid keepalive given, it must be between 5 and 65535 inclusive.";
         }
         o.connect.keep_alive_seconds = *k;
         return std::nullopt;
       }},
      {"-c", "--disable-clean-session", nullptr, kPubSub,
       "persistent session: no clean session/start (needs -i)",
       [](Options& o, std::string_view) -> Error {
         o.connect.clean_start = false;
         return std::nullopt;
       }},
      {"-x", "--session-expiry-interval", "SECONDS", kPubSub,
       "MQTT 5 session expiry; -1: never (the default with -c)",
       [](Options& o, std::string_view v) -> Error {
         if (v == "-1" || v == "\xE2\x88\x9E") {
           o.connect.session_expiry_interval = std::numeric_limits<std::uint32_t>::max();
           return std::nullopt;
         }
         auto x = parse_number<std::uint32_t>(v, 0, std::numeric_limits<std::uint32_t>::max());
         if (!x) return "Invalid session-expiry-interval given: " + std::string(v);
         o.connect.session_expiry_interval = *x;
         return std::nullopt;
       }},
      {"-C", "--count", "COUNT", kSub, "exit after COUNT messages",
       [](Options& o, std::string_view v) -> Error {
         auto c = parse_number<std::uint32_t>(v, 1, std::numeric_limits<std::uint32_t>::max());
         if (!c) return "Invalid message count \"" + std::string(v) + "\".";
         o.count = *c;
         return std::nullopt;
       }},
      {"-W", "--timeout", "SECONDS", kSub,
       "give up after SECONDS (exit 27), counted from the connection",
       [](Options& o, std::string_view v) -> Error {
         auto w = parse_timeout(v);
         if (!w) return invalid_timeout(v);
         o.timeout_seconds = *w;
         return std::nullopt;
       }},
      {"-v", "--verbose", nullptr, kSub, "print the topic before each payload",
       turn_on(&Options::print_topic)},
      {"-N", nullptr, nullptr, kSub, "do not add a newline after each payload",
       turn_on(&Options::no_end_of_line)},
      {"-R", nullptr, nullptr, kSub, "do not print retained (stale) messages",
       turn_on(&Options::skip_retained)},
      {nullptr, "--will-topic", "TOPIC", kPubSub, "topic of the client's will",
       [](Options& o, std::string_view v) -> Error {
         will(o).topic = std::string(v);
         return std::nullopt;
       }},
      {nullptr, "--will-payload", "MSG", kPubSub, "payload of the will (default empty)",
       [](Options& o, std::string_view v) -> Error {
         will(o).payload.assign(v.begin(), v.end());
         return std::nullopt;
       }},
      {nullptr, "--will-qos", "QOS", kPubSub, "QoS of the will",
       [](Options& o, std::string_view v) -> Error {
         auto q = parse_qos(v);
         if (!q) return "Invalid will QoS " + std::string(v) + ".";
         will(o).qos = *q;
         return std::nullopt;
       }},
      {nullptr, "--will-retain", nullptr, kPubSub, "retain the will",
       [](Options& o, std::string_view) -> Error {
         will(o).retain = true;
         return std::nullopt;
       }},
      {nullptr, "--cafile", "FILE", kAll, "trusted CA certificates (PEM): enables TLS",
       tls_text(&client::TlsOptions::cafile)},
      {nullptr, "--cert", "FILE", kAll, "client certificate (PEM), with --key",
       tls_text(&client::TlsOptions::certfile)},
      {nullptr, "--key", "FILE", kAll, "client private key (PEM), with --cert",
       tls_text(&client::TlsOptions::keyfile)},
      {nullptr, "--insecure", nullptr, kAll,
       "skip the host name check (the chain is still verified)",
       [](Options& o, std::string_view) -> Error {
         tls(o).insecure = true;
         return std::nullopt;
       }},
      {nullptr, "--tls-version", "VERSION", kPubSub,
       "minimum TLS version tlsv1.3 (default) or tlsv1.2",
       [](Options& o, std::string_view v) -> Error {
         if (v != "tlsv1.3" && v != "tlsv1.2") return "Invalid TLS version " + std::string(v) + ".";
         tls(o).tls_version = std::string(v);
         return std::nullopt;
       }},
      {nullptr, "--psk", "HEXKEY", kAll, "pre-shared key in hex: enables TLS-PSK",
       tls_text(&client::TlsOptions::psk_hex)},
      {nullptr, "--psk-identity", "ID", kAll, "identity for TLS-PSK",
       tls_text(&client::TlsOptions::psk_identity)},
      {nullptr, "--attest", "POLICY", kAll,
       "attested TLS: verify the broker's evidence against POLICY",
       tls_text(&client::TlsOptions::attestation_policy)},
      {nullptr, "--reattest", "SECONDS", kPubSub,
       "with --attest: MQTT 5 post-handshake attestation at connect and every SECONDS; "
       "disconnect when the broker stops satisfying POLICY",
       [](Options& o, std::string_view v) -> Error {
         auto s = parse_number<std::uint32_t>(v, 1, 86400);
         if (!s) return "Invalid --reattest interval " + std::string(v) + " (1..86400 seconds).";
         o.reattest_seconds = *s;
         o.connect.version = mqtt::ProtocolVersion::kV5;
         return std::nullopt;
       }},
      {nullptr, "--client-evidence", "TYPE", kPubSub,
       "attested client: present our own evidence of TYPE (sim) at CONNECT, over TLS 1.3 and "
       "MQTT 5; the broker checks it against its client_attestation_policy",
       [](Options& o, std::string_view v) -> Error {
         if (v != "sim") return "Invalid --client-evidence type " + std::string(v) + " (sim).";
         o.client_evidence = std::string(v);
         o.connect.version = mqtt::ProtocolVersion::kV5;
         return std::nullopt;
       }},
      {nullptr, "--client-reattest", "SECONDS", kPubSub,
       "with --client-evidence: present fresh evidence every SECONDS (answering the broker's "
       "challenge); exit when the broker refuses it",
       [](Options& o, std::string_view v) -> Error {
         auto s = parse_number<std::uint32_t>(v, 1, 86400);
         if (!s) {
           return "Invalid --client-reattest interval " + std::string(v) + " (1..86400 seconds).";
         }
         o.client_reattest_seconds = *s;
         return std::nullopt;
       }},
      {nullptr, "--client-evidence-state", "DIR", kPubSub,
       "with --client-evidence sim: the sim platform's state directory (created on first use; "
       "a software key, NO hardware protection)",
       [](Options& o, std::string_view v) -> Error {
         o.client_evidence_state = std::string(v);
         return std::nullopt;
       }},
      {nullptr, "--policy", "POLICY", kAttest, "the same as --attest POLICY",
       tls_text(&client::TlsOptions::attestation_policy)},
      {nullptr, "--timeout", "SECONDS", kAttest, "connect and handshake time limit (default 10)",
       [](Options& o, std::string_view v) -> Error {
         auto t = parse_timeout(v);
         if (!t) return invalid_timeout(v);
         o.connect.timeout = std::chrono::seconds(*t);
         return std::nullopt;
       }},
      {"-d", "--debug", nullptr, kPubSub, "print every packet sent and received (stderr)",
       turn_on(&Options::debug)},
      {nullptr, "--quiet", nullptr, kPubSub, "do not print error messages",
       turn_on(&Options::quiet)},
      {nullptr, "--help", nullptr, kAll, "print this help", turn_on(&Options::help)},
  };
  return table;
}

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Error validate(ClientCommand command, Options& o) {
  if (o.help) return std::nullopt;
  if (command == ClientCommand::kPub) {
    if (o.topics.size() > 1) return "Duplicate topic argument given.";
    if (o.topics.empty() || o.source == MessageSource::kNone) {
      return "Both topic and message must be supplied.";
    }
    if (!mqtt::is_valid_topic_name(o.topics[0])) {
      return "Invalid publish topic '" + o.topics[0] + "', does it contain '+' or '#'?";
    }
  }
  if (command == ClientCommand::kSub) {
    if (o.topics.empty()) return "You must specify a topic to subscribe to.";
    for (const auto& t : o.topics) {
      if (!mqtt::is_valid_topic_filter(t)) {
        return "Invalid subscription topic '" + t + "', are all '+' and '#' wildcards correct?";
      }
    }
  }
  if (command == ClientCommand::kAttest &&
      (!o.endpoint.tls || o.endpoint.tls->attestation_policy.empty())) {
    return "--policy POLICY is required.";
  }
  const bool v5 = o.connect.version == mqtt::ProtocolVersion::kV5;
  if (o.reattest_seconds) {
    if (!o.endpoint.tls || o.endpoint.tls->attestation_policy.empty()) {
      return "--reattest needs --attest POLICY.";
    }
    if (!v5) return "--reattest needs MQTT v5 (-V 5).";
  }
  if (!o.client_evidence.empty()) {
    if (o.client_evidence_state.empty())
      return "--client-evidence sim needs --client-evidence-state DIR.";
    if (!o.endpoint.tls) return "--client-evidence needs TLS (--cafile, --attest, --psk …).";
    if (!v5) return "--client-evidence needs MQTT v5 (-V 5).";
  } else if (!o.client_evidence_state.empty()) {
    return "--client-evidence-state needs --client-evidence sim.";
  } else if (o.client_reattest_seconds) {
    return "--client-reattest needs --client-evidence sim.";
  }
  if (!o.connect.clean_start && o.connect.client_id.empty()) {
    return "You must provide a client id if you are using the -c option.";
  }
  if (o.connect.session_expiry_interval && !v5) {
    return "--session-expiry-interval is only valid with MQTT v5 (-V 5).";
  }
  if (v5 && !o.connect.clean_start && !o.connect.session_expiry_interval) {
    o.connect.session_expiry_interval = std::numeric_limits<std::uint32_t>::max();
  }
  if (o.connect.password && !o.connect.username && !v5) {
    return "A password needs a username (-u) before MQTT v5.";
  }
  if (o.connect.will && o.connect.will->topic.empty()) {
    return "Will payload, QoS or retain given without --will-topic.";
  }
  if (o.connect.will && !mqtt::is_valid_topic_name(o.connect.will->topic)) {
    return "Invalid will topic '" + o.connect.will->topic + "', does it contain '+' or '#'?";
  }
  if (o.endpoint.tls) {
    auto& t = *o.endpoint.tls;
    if (t.certfile.empty() != t.keyfile.empty()) {
      return "Both certfile and keyfile must be provided if one of them is set.";
    }
    if (t.psk() && (t.psk_hex.empty() || t.psk_identity.empty())) {
      return "--psk and --psk-identity must be given together.";
    }
    if (!t.psk_hex.empty() && !is_hex(t.psk_hex)) {
      return "--psk must be a hexadecimal key (no leading 0x).";
    }
    if (t.psk() && !t.cafile.empty()) {
      return "Only one of --psk or --cafile may be used at once.";
    }
    if (!t.psk() && t.cafile.empty() && t.attestation_policy.empty() && !t.certfile.empty()) {
      // mosquitto likewise needs a CA to use a client certificate.
      return "--cert/--key need --cafile (or --attest).";
    }
    if (t.psk() || !t.cafile.empty() || !t.attestation_policy.empty()) return std::nullopt;
    // Only --insecure/--tls-version: not TLS by themselves (as mosquitto).
    o.endpoint.tls.reset();
  }
  return std::nullopt;
}

}  // namespace

Result<ClientCommandOptions> parse_client_options(ClientCommand command,
                                                  std::span<char* const> args) {
  using R = Result<ClientCommandOptions>;
  Options o;
  const unsigned mask = mask_of(command);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view word = args[i];
    const Flag* match = nullptr;
    for (const auto& f : flags()) {
      const bool named =
          (f.short_name && word == f.short_name) || (f.long_name && word == f.long_name);
      if (named && (f.commands & mask) != 0) {
        match = &f;
        break;
      }
    }
    if (match == nullptr) {
      return R::failure("Unknown option '" + std::string(word) + "'.");
    }
    std::string_view value;
    if (match->argument != nullptr) {
      if (i + 1 >= args.size()) {
        return R::failure(std::string(word) + " argument given but no " + match->argument +
                          " specified.");
      }
      value = args[++i];
    }
    if (auto e = match->apply(o, value)) return R::failure(*e);
  }
  if (auto e = validate(command, o)) return R::failure(*e);
  return R::success(std::move(o));
}

std::string client_options_help(ClientCommand command) {
  std::string out;
  const unsigned mask = mask_of(command);
  for (const auto& f : flags()) {
    if ((f.commands & mask) == 0) continue;
    std::string names;
    if (f.short_name) names += f.short_name;
    if (f.long_name) names += (names.empty() ? "" : ", ") + std::string(f.long_name);
    if (f.argument) names += std::string(" ") + f.argument;
    out += "  " + names;
    out += names.size() < 34 ? std::string(34 - names.size(), ' ') : "\n" + std::string(36, ' ');
    out += f.help;
    out += "\n";
  }
  return out;
}

const char* command_name(ClientCommand command) {
  constexpr const char* kNames[] = {"pub", "sub", "attest"};  // in the order of ClientCommand
  return kNames[static_cast<unsigned>(command)];
}

std::string default_client_id(ClientCommand command) {
  return std::string("trustmq-") + command_name(command) + "-" + std::to_string(::getpid());
}

int exit_code_for(const client::ClientError& error, mqtt::ProtocolVersion version) {
  switch (error.kind) {
    case client::ClientErrorKind::kConnectionRefused:
      if (version == mqtt::ProtocolVersion::kV5) return static_cast<int>(error.reason);
      return static_cast<int>(mqtt::to_connack_return_code_311(error.reason));
    case client::ClientErrorKind::kAttestation:
      return kExitAttestationFailed;
    default:
      return 1;
  }
}

client::ClientResult<std::unique_ptr<client::MqttClient>> connect_client(
    ClientCommand command, const ClientCommandOptions& options,
    SessionAttestation* attestation_out) {
  using R = client::ClientResult<std::unique_ptr<client::MqttClient>>;
  // A broker that closes the connection must give an error, not kill us: OpenSSL writes to the
  // socket with write(2), which raises SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  client::ConnectOptions connect = options.connect;
  if (connect.client_id.empty()) connect.client_id = default_client_id(command);
  // The client's own evidence (--client-evidence): its platform is opened (created on first
  // use) before anything goes on the network.
  std::unique_ptr<client::ClientAttestation> presenter;
  if (!options.client_evidence.empty()) {
    auto platform = attest::SimPlatform::open_or_create(options.client_evidence_state);
    if (!platform) {
      return R::failure(client::make_error(
          client::ClientErrorKind::kInvalidArgument,
          "--client-evidence-state " + options.client_evidence_state + ": " + platform.error()));
    }
    auto self = attest::runtime_self_measurement();
    if (!self) {
      return R::failure(
          client::make_error(client::ClientErrorKind::kInvalidArgument, self.error()));
    }
    // A client has no hosted module: both measurements are its own executable's.
    attest::SimAttesterClaims claims;
    claims.runtime_measurement = *self;
    claims.module_measurement = *self;
    presenter = std::make_unique<client::ClientAttestation>(
        std::make_shared<attest::SimAttester>(*platform, claims));
  }
  auto transport =
      client::open_transport(options.endpoint, client::Deadline::after(connect.timeout));
  if (!transport) return R::failure(transport.error());
  client::MqttClient::DebugLog debug;
  if (options.debug) {
    std::fprintf(stderr, "Connected (%s)\n", transport.value()->description().c_str());
    debug = [](std::string_view line) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  if (presenter && options.client_reattest_seconds) {
    presenter->set_interval(std::chrono::seconds(*options.client_reattest_seconds));
  }
  if (!options.reattest_seconds) {
    if (presenter) {
      if (auto prepared = presenter->prepare_connect(**transport, connect); !prepared) {
        return R::failure(prepared.error());
      }
    }
    auto c = client::MqttClient::connect(std::move(transport.value()), connect, std::move(debug));
    if (c && attestation_out != nullptr && options.client_reattest_seconds) {
      attestation_out->client = std::move(presenter);
    }
    return c;
  }
  auto policy = attest::load_policy_file(options.endpoint.tls->attestation_policy);
  if (!policy) {
    client::ClientError e = client::make_error(
        client::ClientErrorKind::kInvalidArgument,
        "attestation policy " + options.endpoint.tls->attestation_policy + ": " + policy.error());
    return R::failure(std::move(e));
  }
  auto attestation = std::make_unique<client::BrokerAttestation>(std::move(*policy));
  if (auto prepared = attestation->prepare_connect(connect); !prepared) {
    return R::failure(prepared.error());
  }
  if (presenter) {
    if (auto prepared = presenter->prepare_connect(**transport, connect); !prepared) {
      return R::failure(prepared.error());
    }
  }
  auto c = client::MqttClient::connect(std::move(transport.value()), connect, std::move(debug));
  if (!c) {
    return R::failure(
        client::BrokerAttestation::explain(c.error(), "post-handshake attestation at connect"));
  }
  auto verified = attestation->verify_connack(**c);
  if (!verified) {
    (*c)->disconnect(mqtt::ReasonCode::kImplementationSpecificError);
    return R::failure(verified.error());
  }
  if (options.debug) {
    std::fprintf(stderr, "Post-handshake attestation at connect: %s\n", verified->message.c_str());
  }
  attestation->set_interval(std::chrono::seconds(*options.reattest_seconds));
  if (attestation_out != nullptr) {
    attestation_out->broker = std::move(attestation);
    if (options.client_reattest_seconds) attestation_out->client = std::move(presenter);
  }
  return c;
}

client::Deadline SessionAttestation::next_due() const {
  client::Deadline due(client::Deadline::Clock::time_point::max());
  if (broker) due = due.earlier(broker->next_due());
  if (client) due = due.earlier(client->next_due());
  return due;
}

client::ClientResult<void> keep_attested(const ClientCommandOptions& options,
                                         SessionAttestation* attestation, client::MqttClient& c) {
  using R = client::ClientResult<void>;
  if (attestation == nullptr) return R::success();
  if (attestation->broker && attestation->broker->next_due().expired()) {
    auto outcome = attestation->broker->reattest(c);
    if (!outcome) {
      // The broker no longer proves what the policy asks: stop talking to it at once.
      c.disconnect(mqtt::ReasonCode::kImplementationSpecificError);
      return R::failure(outcome.error());
    }
    if (options.debug) std::fprintf(stderr, "Re-attestation: %s\n", outcome->message.c_str());
  }
  if (attestation->client && attestation->client->next_due().expired()) {
    auto presented = attestation->client->reattest(c);
    if (!presented) {
      // A refusal arrives as the broker's DISCONNECT (0x87): the connection is gone already.
      // Anything else (no challenge, a type it no longer accepts) ends it from our side.
      c.disconnect(mqtt::ReasonCode::kImplementationSpecificError);
      client::ClientError error = presented.error();
      error.message = "client re-attestation failed: " + error.message;
      error.kind = client::ClientErrorKind::kAttestation;
      return R::failure(std::move(error));
    }
    if (options.debug) std::fprintf(stderr, "Client re-attestation: evidence accepted\n");
  }
  return R::success();
}

int report_client_error(const ClientCommandOptions& options, const client::ClientError& error) {
  if (!options.quiet) std::fprintf(stderr, "Error: %s\n", error.message.c_str());
  return exit_code_for(error, options.connect.version);
}

int report_usage_error(ClientCommand command, const std::string& message) {
  std::fprintf(stderr, "Error: %s\n\nUse 'trustmq %s --help' to see usage.\n", message.c_str(),
               command_name(command));
  return 1;
}

}  // namespace trustmq::cli

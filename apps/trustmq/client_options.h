// Command-line options shared by `trustmq pub`, `trustmq sub` and `trustmq attest`: the flags
// of mosquitto_pub/mosquitto_sub (same letters, same meaning, same error texts where it
// matters), plus --attest POLICY for attested TLS. Each flag names the commands it is valid for:
// `attest` takes only the connection and TLS flags (-h, -p, --cafile, --cert/--key, --insecure,
// --psk/--psk-identity), its policy (--policy, or --attest) and --timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "client/broker_attestation.h"
#include "client/client_attestation.h"
#include "client/client_error.h"
#include "client/connect_options.h"
#include "client/endpoint.h"
#include "client/mqtt_client.h"
#include "mqtt/types.h"

namespace trustmq::cli {

enum class ClientCommand { kPub, kSub, kAttest };

// "pub", "sub" or "attest": the word after `trustmq`.
const char* command_name(ClientCommand command);

// Where `trustmq pub` takes its message from.
enum class MessageSource {
  kNone,
  kArgument,  // -m MSG
  kFile,      // -f FILE (the whole file)
  kNull,      // -n (zero-length message)
  kLines,     // -l (one message per line of stdin)
  kStdin,     // -s (all of stdin as one message)
};

struct ClientCommandOptions {
  client::Endpoint endpoint;       // attest: always TLS, with tls->attestation_policy set
  client::ConnectOptions connect;  // attest: only connect.timeout (--timeout)
  bool debug = false;              // -d
  bool help = false;               // --help
  bool quiet = false;              // --quiet: no error messages

  std::vector<std::string> topics;  // -t (pub: exactly one; sub: one or more)
  mqtt::QoS qos = mqtt::QoS::kAtMostOnce;

  // pub
  bool retain = false;
  MessageSource source = MessageSource::kNone;
  std::string message;  // -m text, or the -f path

  // sub
  std::optional<std::uint32_t> count;            // -C
  std::optional<std::uint32_t> timeout_seconds;  // -W
  bool print_topic = false;                      // -v
  bool no_end_of_line = false;                   // -N
  bool skip_retained = false;                    // -R

  // pub and sub, with --attest: post-handshake attestation (MQTT 5, trustmq-attest-v1) at
  // connect and then every so many seconds (docs/cli.md, "Re-attestation").
  std::optional<std::uint32_t> reattest_seconds;  // --reattest

  // pub and sub: attested client (docs/cli.md, "Attested clients"): present our own evidence
  // of this type ("sim") at CONNECT, made with the sim platform in client_evidence_state.
  std::string client_evidence;        // --client-evidence
  std::string client_evidence_state;  // --client-evidence-state
  // With --client-evidence: re-present fresh evidence every so many seconds (the broker's
  // challenge, AUTH 0x19 → 0x18 → 0x18 → 0x00; docs/cli.md, "Attested clients").
  std::optional<std::uint32_t> client_reattest_seconds;  // --client-reattest
};

// What keeps a session attested: the broker re-verified (--reattest) and our own evidence
// re-presented (--client-reattest). Null members do nothing.
struct SessionAttestation {
  std::unique_ptr<client::BrokerAttestation> broker;
  std::unique_ptr<client::ClientAttestation> client;
  // The earlier of the two due times; never without either.
  client::Deadline next_due() const;
};

// Parses `args` (the words after the sub-command). Errors are the one-line messages the
// command prints before "Use 'trustmq pub --help' to see usage."
Result<ClientCommandOptions> parse_client_options(ClientCommand command,
                                                  std::span<char* const> args);

// The option reference printed by --help (one line per flag valid for `command`).
std::string client_options_help(ClientCommand command);

// "trustmq-pub-1234": the default client id (the process id makes it unique per host).
std::string default_client_id(ClientCommand command);

// Exit status like mosquitto_pub/sub: a CONNACK refusal exits with its reason code (3.1.1
// return code 1–5, or the MQTT 5 reason code); attestation failures with
// kExitAttestationFailed; every other error with 1.
int exit_code_for(const client::ClientError& error, mqtt::ProtocolVersion version);

// Opens the transport (TCP/TLS/attested TLS) and connects, with the default client id when none
// was given; with -d every packet is logged to stderr. With --reattest, the CONNECT asks for
// evidence, the CONNACK's is verified against the policy, and `attestation` (required then)
// receives the BrokerAttestation that re-verifies on the timer; with --client-reattest it
// receives the ClientAttestation that re-presents ours (see keep_attested).
client::ClientResult<std::unique_ptr<client::MqttClient>> connect_client(
    ClientCommand command, const ClientCommandOptions& options,
    SessionAttestation* attestation = nullptr);

// Re-attests what is due (no-op without --reattest and --client-reattest); with -d prints each
// verdict. A failure is returned for report_client_error after the client has disconnected;
// the broker refusing our re-attestation is a kAttestation error saying so.
client::ClientResult<void> keep_attested(const ClientCommandOptions& options,
                                         SessionAttestation* attestation, client::MqttClient& c);

// Prints "Error: MESSAGE" to stderr (unless --quiet) and returns exit_code_for(error).
int report_client_error(const ClientCommandOptions& options, const client::ClientError& error);

// Prints a parse error and the hint to use --help; returns 1 (as mosquitto_pub/sub).
// (`trustmq attest` prints its own usage and exits with 2.)
int report_usage_error(ClientCommand command, const std::string& message);

inline constexpr int kExitTimeout = 27;  // sub -W elapsed (MOSQ_ERR_TIMEOUT, as mosquitto_sub)
// Attested TLS refused the broker, or the broker refused our client re-attestation.
inline constexpr int kExitAttestationFailed = 40;

}  // namespace trustmq::cli

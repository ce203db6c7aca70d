// `trustmq sub`: subscribe and print messages, like mosquitto_sub.
#include <cstdio>
#include <string>
#include <vector>

#include "client_options.h"
#include "command.h"

namespace trustmq::cli {

namespace {

void print_help() {
  std::printf(
      "trustmq sub: subscribe to topics and print the messages (flags as mosquitto_sub).\n\n"
      "usage: trustmq sub [-h HOST] [-p PORT] -t FILTER [-t FILTER ...] [-q QOS] [-V 5|311]\n"
      "                   [-i ID] [-u USER [-P PASS]] [-c] [-x SECONDS] [-C COUNT] [-W SECONDS]\n"
      "                   [-v] [-N] [-R] [--cafile FILE [--cert FILE --key FILE]]\n"
      "                   [--psk HEX --psk-identity ID] [--attest POLICY [--reattest SECONDS]]\n"
      "                   [--client-evidence sim --client-evidence-state DIR\n"
      "                    [--client-reattest SECONDS]]\n"
      "                   [-d]\n\n"
      "options:\n%s\n"
      "exit status: 0 on success (-C reached); %d when -W elapsed first; the CONNACK\n"
      "reason code if the broker refused the connection; %d if attested TLS rejected the\n"
      "broker; 1 for any other error. See docs/cli.md.\n",
      client_options_help(ClientCommand::kSub).c_str(), kExitTimeout, kExitAttestationFailed);
}

void print_message(const ClientCommandOptions& o, const client::ReceivedMessage& m) {
  if (o.print_topic) {
    std::fwrite(m.topic.data(), 1, m.topic.size(), stdout);
    std::fputc(' ', stdout);
    if (m.payload.empty()) std::fputs("(null)", stdout);
  } else if (m.payload.empty()) {
    return;  // mosquitto_sub prints nothing at all for a null message without -v
  }
  std::fwrite(m.payload.data(), 1, m.payload.size(), stdout);
  if (!o.no_end_of_line) std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int run_sub_command(std::span<char*> args) {
  auto parsed = parse_client_options(ClientCommand::kSub, args);
  if (!parsed) return report_usage_error(ClientCommand::kSub, parsed.error());
  const ClientCommandOptions& o = parsed.value();
  if (o.help) {
    print_help();
    return 0;
  }
  SessionAttestation attestation;  // --reattest, --client-reattest
  auto connected = connect_client(ClientCommand::kSub, o, &attestation);
  if (!connected) return report_client_error(o, connected.error());
  client::MqttClient& c = *connected.value();
  // -W counts from here, just after the connection was accepted (as mosquitto_sub).
  const auto deadline = o.timeout_seconds
                            ? client::Deadline::after(std::chrono::seconds(*o.timeout_seconds))
                            : client::Deadline(client::Deadline::Clock::time_point::max());

  std::vector<mqtt::SubscriptionRequest> requests;
  for (const auto& t : o.topics) {
    mqtt::SubscriptionRequest r;
    r.filter = t;
    r.max_qos = o.qos;
    requests.push_back(r);
  }
  auto granted = c.subscribe(requests);
  if (!granted) return report_client_error(o, granted.error());
  std::size_t denied = 0;
  for (std::size_t i = 0; i < granted.value().size(); ++i) {
    if (static_cast<int>(granted.value()[i]) >= 0x80) {
      ++denied;
      if (!o.quiet) {
        std::fprintf(stderr, "Warning: subscription '%s' denied (%s).\n", o.topics[i].c_str(),
                     std::string(mqtt::reason_code_name(granted.value()[i])).c_str());
      }
    }
  }
  if (denied == requests.size()) {
    if (!o.quiet) std::fprintf(stderr, "All subscription requests were denied.\n");
    c.disconnect();
    return 1;
  }

  std::uint32_t printed = 0;
  for (;;) {
    if (auto kept = keep_attested(o, &attestation, c); !kept) {
      return report_client_error(o, kept.error());
    }
    const client::Deadline wait = deadline.earlier(attestation.next_due());
    auto m = c.receive(wait);
    if (!m) return report_client_error(o, m.error());
    if (!m.value() && !deadline.expired()) continue;  // time to re-attest
    if (!m.value()) {
      if (!o.quiet) std::fprintf(stderr, "Timed out\n");
      c.disconnect();
      return kExitTimeout;
    }
    const client::ReceivedMessage& msg = *m.value();
    if (o.skip_retained && msg.retain) continue;
    print_message(o, msg);
    if (o.count && ++printed >= *o.count) break;
  }
  c.disconnect();
  return 0;
}

}  // namespace trustmq::cli

// `trustmq pub`: publish one message (or one per stdin line), like mosquitto_pub.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "client_options.h"
#include "command.h"

namespace trustmq::cli {

namespace {

void print_help() {
  std::printf(
      "trustmq pub: publish a message to an MQTT broker (flags as mosquitto_pub).\n\n"
      "usage: trustmq pub [-h HOST] [-p PORT] -t TOPIC {-m MSG | -f FILE | -n | -l | -s}\n"
      "                   [-q QOS] [-r] [-V 5|311] [-i ID] [-u USER [-P PASS]] [-k SECONDS]\n"
      "                   [--cafile FILE [--cert FILE --key FILE] [--insecure]]\n"
      "                   [--psk HEX --psk-identity ID] [--attest POLICY [--reattest SECONDS]]\n"
      "                   [--client-evidence sim --client-evidence-state DIR\n"
      "                    [--client-reattest SECONDS]]\n"
      "                   [-d]\n\n"
      "options:\n%s\n"
      "exit status: 0 on success; the CONNACK reason code if the broker refused the\n"
      "connection; %d if attestation (in the handshake, at connect or on re-attestation)\n"
      "rejected the broker; 1 for any other error.\n"
      "See docs/cli.md.\n",
      client_options_help(ClientCommand::kPub).c_str(), kExitAttestationFailed);
}

Result<mqtt::Bytes> read_message(const ClientCommandOptions& o) {
  using R = Result<mqtt::Bytes>;
  switch (o.source) {
    case MessageSource::kArgument:
      return R::success(mqtt::Bytes(o.message.begin(), o.message.end()));
    case MessageSource::kFile: {
      std::ifstream in(o.message, std::ios::binary);
      if (!in) return R::failure("Unable to read file \"" + o.message + "\".");
      return R::success(
          mqtt::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
    }
    case MessageSource::kStdin:
      return R::success(
          mqtt::Bytes(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()));
    default:
      return R::success({});
  }
}

// Reads stdin line by line with read(2), keeping the MQTT connection alive (pings) while stdin
// is idle. nullopt at end of input; a last line without '\n' still counts.
class StdinLines {
 public:
  client::ClientResult<std::optional<std::string>> next(client::MqttClient& c) {
    using R = client::ClientResult<std::optional<std::string>>;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return R::success(std::move(line));
      }
      if (eof_) {
        if (buffer_.empty()) return R::success(std::nullopt);
        return R::success(std::exchange(buffer_, std::string()));
      }
      pollfd p{STDIN_FILENO, POLLIN, 0};
      const int ms = c.keep_alive_seconds() > 0 ? c.keep_alive_seconds() * 500 : -1;
      if (::poll(&p, 1, ms) == 0) {
        auto idle = c.idle_until(client::Deadline::after(std::chrono::milliseconds(0)));
        if (!idle) return R::failure(idle.error());
        continue;
      }
      char chunk[4096];
      const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        eof_ = true;
      }
    }
  }

 private:
  std::string buffer_;
  bool eof_ = false;
};

int publish_lines(const ClientCommandOptions& o, client::MqttClient& c,
                  SessionAttestation* attestation) {
  StdinLines lines;
  for (;;) {
    auto line = lines.next(c);
    if (!line) return report_client_error(o, line.error());
    if (!line.value()) return 0;
    // --reattest: nothing is published to a broker whose evidence is due and not verified;
    // --client-reattest: nor while our own is due and not presented.
    if (auto kept = keep_attested(o, attestation, c); !kept) {
      return report_client_error(o, kept.error());
    }
    const std::string& text = *line.value();
    auto r =
        c.publish(o.topics[0],
                  mqtt::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                  o.qos, o.retain);
    if (!r) return report_client_error(o, r.error());
  }
}

}  // namespace

int run_pub_command(std::span<char*> args) {
  auto parsed = parse_client_options(ClientCommand::kPub, args);
  if (!parsed) return report_usage_error(ClientCommand::kPub, parsed.error());
  const ClientCommandOptions& o = parsed.value();
  if (o.help) {
    print_help();
    return 0;
  }
  // Read the message first: a missing file must not leave a half-done connection behind.
  auto message = read_message(o);
  if (!message) {
    if (!o.quiet) std::fprintf(stderr, "Error: %s\n", message.error().c_str());
    return 1;
  }
  SessionAttestation attestation;  // --reattest, --client-reattest
  auto connected = connect_client(ClientCommand::kPub, o, &attestation);
  if (!connected) return report_client_error(o, connected.error());
  client::MqttClient& c = *connected.value();
  int rc = 0;
  if (o.source == MessageSource::kLines) {
    rc = publish_lines(o, c, &attestation);
  } else {
    auto r = c.publish(o.topics[0], message.value(), o.qos, o.retain);
    if (!r) rc = report_client_error(o, r.error());
  }
  c.disconnect();
  return rc;
}

}  // namespace trustmq::cli

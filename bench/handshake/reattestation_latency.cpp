// reattestation_latency: the cost of one post-handshake re-attestation round trip (MQTT 5 AUTH
// 0x19 → AUTH 0x00 with evidence bound to the TLS exporter, docs/attestation.md §8) against a
// running broker, measured by the client: request, broker's evidence production, transfer and
// the client's full verification (signature chain, binding, policy). Prints the median, the
// quartiles and the load average (the machine may be shared: say so next to any figure). Not a
// test: see docs/benchmarks.md. sim gives NO hardware protection: this measures the protocol.
//
//   reattestation_latency -h HOST -p PORT --policy POLICY [--count 200] [--cafile FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "attest/policy.h"
#include "client/broker_attestation.h"
#include "client/endpoint.h"
#include "client/mqtt_client.h"
#include "mqtt/attestation_method.h"

namespace {

using namespace trustmq;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "reattestation_latency: %s\n", message.c_str());
  std::exit(1);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", policy_path, cafile;
  int port = 8883, count = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "-h")
      host = value;
    else if (flag == "-p")
      port = std::atoi(value.c_str());
    else if (flag == "--policy")
      policy_path = value;
    else if (flag == "--cafile")
      cafile = value;
    else if (flag == "--count")
      count = std::max(1, std::atoi(value.c_str()));
    else
      die("unknown flag " + std::string(flag));
  }
  if (policy_path.empty()) die("--policy POLICY is required");
  auto policy = attest::load_policy_file(policy_path);
  if (!policy) die(policy.error());

  client::Endpoint endpoint;
  endpoint.host = host;
  endpoint.port = static_cast<std::uint16_t>(port);
  client::TlsOptions tls;
  tls.attestation_policy = policy_path;  // in-handshake too: the usual --attest --reattest set-up
  tls.cafile = cafile;
  endpoint.tls = tls;
  // The broker answers a connection at most mqtt::kEvidenceBurst times in a row (then one per
  // second, docs/attestation.md): the round trips are taken on fresh connections, each used
  // for the CONNACK evidence and kEvidenceBurst - 1 timed AUTH round trips.
  auto open_attested = [&](client::BrokerAttestation& attestation) {
    auto transport =
        client::open_transport(endpoint, client::Deadline::after(std::chrono::seconds(10)));
    if (!transport) die(transport.error().message);
    client::ConnectOptions options;
    options.client_id = "reattestation-latency";
    if (auto prepared = attestation.prepare_connect(options); !prepared) {
      die(prepared.error().message);
    }
    auto c = client::MqttClient::connect(std::move(*transport), options);
    if (!c) die(client::BrokerAttestation::explain(c.error(), "connect").message);
    auto first = attestation.verify_connack(**c);
    if (!first) die(first.error().message);
    return std::make_pair(std::move(*c), first->message);
  };

  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(count));
  bool printed = false;
  while (static_cast<int>(micros.size()) < count) {
    client::BrokerAttestation attestation(*policy);
    auto [c, evidence] = open_attested(attestation);
    if (!printed) std::printf("evidence: %s\n", evidence.c_str());
    printed = true;
    for (std::uint32_t k = 1; k < mqtt::kEvidenceBurst && static_cast<int>(micros.size()) < count;
         ++k) {
      const auto start = Clock::now();
      auto outcome = attestation.reattest(*c);
      const auto end = Clock::now();
      if (!outcome) {
        die("re-attestation " + std::to_string(micros.size()) + ": " + outcome.error().message);
      }
      micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    c->disconnect();
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<std::size_t>(q * (micros.size() - 1))]; };
  std::printf("re-attestation round trips: %d, median %.0f us (p25 %.0f, p75 %.0f, max %.0f)\n",
              count, at(0.5), at(0.25), at(0.75), micros.back());
  std::printf("load average: %s\n", load_average().c_str());
  return 0;
}

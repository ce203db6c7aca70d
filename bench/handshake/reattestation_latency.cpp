// reattestation_latency: the cost of one post-handshake re-attestation round trip (MQTT 5 AUTH
// 0x19 → AUTH 0x00 with evidence bound to the TLS exporter, docs/attestation.md §8) against a
// running broker, measured by the client: request, broker's evidence production, transfer and
// the client's full verification (signature chain, binding, policy). Prints the median, the
// quartiles and the load average (the machine may be shared: say so next to any figure). Not a
// test: see docs/benchmarks.md. sim gives NO hardware protection: this measures the protocol.
//
// The other direction, with --client-evidence sim|tpm2-quote (docs/attestation.md §9): the
// client re-attests to a listener with client_attestation_policy (AUTH 0x19 → the broker's
// challenge → the client's evidence bound to it → the broker's verification → AUTH 0x00),
// timed by the client from the AUTH 0x19 to the AUTH 0x00.
//
//   reattestation_latency -h HOST -p PORT --policy POLICY [--count 200] [--cafile FILE]
//   reattestation_latency -h HOST -p PORT --client-evidence sim --client-evidence-state DIR
//                         [--count 200] [--cafile FILE]
//   reattestation_latency -h HOST -p PORT --client-evidence tpm2-quote --tpm-tcti TCTI
//                         --tpm-ak-certificate AK.pem [--count 200] [--cafile FILE]
// A client re-attestation's evidence carries the measurement given with --module-measurement
// (64 hex digits; default all zeros), which the listener's policy must accept.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/policy.h"
#include "attest/sim_attester.h"
#include "attest/sim_platform.h"
#include "attest/tpm_attester.h"
#include "client/broker_attestation.h"
#include "client/client_attestation.h"
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

void print_summary(const char* what, std::vector<double>& micros) {
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<std::size_t>(q * (micros.size() - 1))]; };
  std::printf("%s: %zu, median %.0f us (p25 %.0f, p75 %.0f, max %.0f)\n", what, micros.size(),
              at(0.5), at(0.25), at(0.75), micros.back());
  std::printf("load average: %s\n", load_average().c_str());
}

std::shared_ptr<const attest::Attester> client_attester(const std::string& type,
                                                        const std::string& sim_state,
                                                        const std::string& tcti,
                                                        const std::string& ak,
                                                        const std::string& module_hex) {
  auto module = attest::sha256_from_hex(module_hex);
  if (!module) die("--module-measurement: not 64 hex digits");
  if (type == "sim") {
    if (sim_state.empty()) die("--client-evidence sim needs --client-evidence-state DIR");
    auto platform = attest::SimPlatform::open_or_create(sim_state);
    if (!platform) die(platform.error());
    attest::SimAttesterClaims claims;
    claims.module_measurement = *module;
    claims.runtime_measurement = *module;
    return std::make_shared<attest::SimAttester>(*platform, claims);
  }
  if (type == "tpm2-quote") {
    if (tcti.empty() || ak.empty()) {
      die("--client-evidence tpm2-quote needs --tpm-tcti and --tpm-ak-certificate");
    }
    attest::TpmAttesterConfig config;
    config.tcti = tcti;
    config.ak_certificate_path = ak;
    config.module_measurement = *module;
    config.runtime_measurement = *module;
    auto started = attest::TpmAttester::start(config);
    if (!started) die(started.error());
    return std::shared_ptr<const attest::Attester>(std::move(*started));
  }
  die("--client-evidence: sim or tpm2-quote");
}

// The broker verifying a client's re-attestation, as the client sees it: AUTH 0x19 → challenge
// → evidence → AUTH 0x00. Client verifications draw on the same per-connection evidence budget
// as broker answers, so as above each connection carries kEvidenceBurst - 1 timed rounds.
int client_reattestation(const std::string& host, int port, const std::string& cafile, int count,
                         std::shared_ptr<const attest::Attester> attester) {
  client::Endpoint endpoint;
  endpoint.host = host;
  endpoint.port = static_cast<std::uint16_t>(port);
  client::TlsOptions tls;
  tls.cafile = cafile;
  tls.insecure = true;  // a self-signed broker certificate for "localhost" on 127.0.0.1
  endpoint.tls = tls;
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(count));
  while (static_cast<int>(micros.size()) < count) {
    client::ClientAttestation presenter(attester);
    auto transport =
        client::open_transport(endpoint, client::Deadline::after(std::chrono::seconds(10)));
    if (!transport) die(transport.error().message);
    client::ConnectOptions options;
    options.client_id = "client-reattestation-latency";
    if (auto prepared = presenter.prepare_connect(**transport, options); !prepared) {
      die(prepared.error().message);
    }
    auto c = client::MqttClient::connect(std::move(*transport), options);
    if (!c) die("connect with client evidence: " + c.error().message);
    for (std::uint32_t k = 1; k < mqtt::kEvidenceBurst && static_cast<int>(micros.size()) < count;
         ++k) {
      const auto start = Clock::now();
      auto done = presenter.reattest(**c);
      const auto end = Clock::now();
      if (!done) {
        die("client re-attestation " + std::to_string(micros.size()) + ": " + done.error().message);
      }
      micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    (*c)->disconnect();
  }
  std::printf("client evidence: %s\n",
              std::string(attest::evidence_type_name(attester->type())).c_str());
  print_summary("client re-attestation round trips", micros);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", policy_path, cafile;
  std::string client_evidence, client_state, tpm_tcti, tpm_ak, module_hex(64, '0');
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
    else if (flag == "--client-evidence")
      client_evidence = value;
    else if (flag == "--client-evidence-state")
      client_state = value;
    else if (flag == "--tpm-tcti")
      tpm_tcti = value;
    else if (flag == "--tpm-ak-certificate")
      tpm_ak = value;
    else if (flag == "--module-measurement")
      module_hex = value;
    else
      die("unknown flag " + std::string(flag));
  }
  if (!client_evidence.empty()) {
    return client_reattestation(
        host, port, cafile, count,
        client_attester(client_evidence, client_state, tpm_tcti, tpm_ak, module_hex));
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
  print_summary("re-attestation round trips", micros);
  return 0;
}

// Chooses the transport of a listener from its configuration: plain TCP, or TLS (certificates,
// PSK, optional attestation evidence). See docs/tls.md.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/attester.h"
#include "mqtt/limits.h"
#include "shell/client_attestation_policy.h"
#include "shell/listener_config.h"
#include "shell/log_type.h"
#include "shell/server_transport.h"

namespace trustmq::shell {

// What TLS listeners take from the broker around them.
struct TransportEnvironment {
  // Generated keys: the self-signed certificate in <state_dir>/tls, the sim platform (root CA
  // and platform key) in <state_dir>/sim. Created (mode 0700) when first needed.
  std::string state_dir;
  // The running engine's module measurement (64 hex digits), carried in every evidence.
  std::string module_measurement;
  std::function<void(LogType, std::string_view)> log;
  // WebSockets listeners: largest upgrade request (websockets_headers_size) and largest frame
  // payload (max_packet_size plus room for its fixed header).
  std::size_t websockets_headers_size = 1024;
  std::uint64_t websockets_max_frame_payload = mqtt::kMaxPacketSize + 5;
  // The sim attester, created by the first listener with `attestation sim` and shared.
  std::shared_ptr<const attest::Attester> sim_attester;
  // `attestation tpm2-quote`: the TPM and the AK certificate; the attester is started (PCR 23
  // reset and extended) by the first such listener and shared.
  std::string tpm_tcti;
  std::string tpm_ak_certificate;
  std::shared_ptr<const attest::Attester> tpm_attester;
  // `attestation tdx|sev-snp`: configfs-tsm (attest/configfs_tsm_attester.h); the attester is
  // started (interface and provider checked) by the first such listener and shared.
  std::string tsm_report_dir;
  std::optional<unsigned> tsm_privlevel;
  std::shared_ptr<const attest::Attester> tsm_attester;
  // Out: the client_attestation_policy of every listener that has one, for SIGHUP.
  std::vector<std::shared_ptr<ClientAttestationPolicy>> client_policies;
};

// Sub-directories of the state directory.
std::string tls_state_dir(const std::string& state_dir);
std::string sim_state_dir(const std::string& state_dir);

// Plain TCP for a listener without TLS options; TLS otherwise; either under WebSockets with
// `protocol websockets`. Throws ConfigError naming the
// listener for contradictory options or unusable files (certificate, key, CA, PSK file).
TransportFactory make_transport_factory(const ListenerConfig& listener, TransportEnvironment& env);

}  // namespace trustmq::shell

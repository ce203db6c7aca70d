#include "shell/server_config.h"

#include <algorithm>
#include <cstdlib>

#include "attest/evidence_type.h"

namespace trustmq::shell {

std::string default_state_dir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/trustmq";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.local/state/trustmq";
  return "trustmq-state";
}

void resolve_server_defaults(ServerConfig& config) {
  if (config.listeners.empty()) {
    ListenerConfig listener;
    listener.port = kDefaultPort;
    listener.loopback_only = true;
    listener.origin = "default";
    config.listeners.push_back(listener);
    config.local_only = true;
  }
  config.broker.allow_anonymous = config.allow_anonymous.value_or(config.local_only);
  config.broker.check_passwords = !config.password_file.empty();
  if (config.state_dir.empty()) config.state_dir = default_state_dir();
  if (config.persistence.enabled && config.persistence.location.empty()) {
    config.persistence.location = config.state_dir;
  }
  config.broker.persistence = config.persistence.enabled;
  config.broker.served_evidence_types = served_evidence_types(config.listeners);
}

std::vector<std::string> served_evidence_types(const std::vector<ListenerConfig>& listeners) {
  std::vector<std::string> types;
  for (const ListenerConfig& listener : listeners) {
    std::optional<attest::EvidenceType> type;
    switch (listener.tls.attestation) {
      case ListenerAttestation::kSim:
        type = attest::EvidenceType::kSim;
        break;
      case ListenerAttestation::kTpm2Quote:
        type = attest::EvidenceType::kTpm2Quote;
        break;
      case ListenerAttestation::kTdx:
        type = attest::EvidenceType::kTdx;
        break;
      case ListenerAttestation::kSevSnp:
        type = attest::EvidenceType::kSevSnp;
        break;
      case ListenerAttestation::kNone:
        break;
    }
    if (type) types.emplace_back(attest::evidence_type_name(*type));
  }
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

}  // namespace trustmq::shell

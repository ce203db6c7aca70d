#include "shell/server_config.h"

#include <cstdlib>

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
}

}  // namespace trustmq::shell

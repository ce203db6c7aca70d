#include "shell/server_config.h"

namespace trustmq::shell {

void resolve_server_defaults(ServerConfig& config) {
  bool local_only = false;
  if (config.listeners.empty()) {
    ListenerConfig listener;
    listener.port = kDefaultPort;
    listener.bind_address = "127.0.0.1";
    listener.origin = "default";
    config.listeners.push_back(listener);
    local_only = true;
  }
  config.broker.allow_anonymous = config.allow_anonymous.value_or(local_only);
  config.broker.check_passwords = !config.password_file.empty();
}

}  // namespace trustmq::shell

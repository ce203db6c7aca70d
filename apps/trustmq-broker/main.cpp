// trustmq-broker: reads the command line and configuration, loads the password and ACL files,
// creates the engine, binds the listeners and runs the event loop until SIGINT/SIGTERM.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "shell/acl_file.h"
#include "shell/command_line.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/heap_tuning.h"
#include "shell/logger.h"
#include "shell/password_file.h"
#include "shell/server.h"
#include "shell/server_config.h"

namespace {

trustmq::shell::Server* g_server = nullptr;

extern "C" void on_stop_signal(int) {
  if (g_server != nullptr) g_server->request_stop();
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
}

int run(int argc, char** argv) {
  using namespace trustmq::shell;
  CommandLine command_line;
  try {
    command_line = parse_command_line(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "trustmq-broker: %s\n\n%s", e.what(), usage_text().c_str());
    return 2;
  }
  if (command_line.help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  if (command_line.list_engines) {
    for (const auto name : built_engine_names())
      std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
    return 0;
  }

  ServerConfig config;
  if (!command_line.config_file.empty()) load_config_file(command_line.config_file, config);
  apply_command_line(command_line, config);
  resolve_server_defaults(config);

  Logger logger(config.log_types);
  std::optional<PasswordFile> passwords;
  if (!config.password_file.empty()) passwords = PasswordFile::load(config.password_file);
  if (!config.acl_file.empty()) config.broker.acl = load_acl_file(config.acl_file);
  if (!is_engine_built(config.engine)) {
    throw EngineUnavailable("engine " + config.engine + " is not built in this binary");
  }

  logger.log(LogType::kNotice,
             "trustmq-broker " TRUSTMQ_VERSION " starting (engine " + config.engine + ")");
  if (config.local_only) {
    logger.log(LogType::kNotice,
               "no listener configured: starting in local only mode, connections are only "
               "possible from this machine (127.0.0.1 and ::1); anonymous clients are " +
                   std::string(config.broker.allow_anonymous ? "allowed" : "not allowed") +
                   ". Configure a listener to allow remote access.");
  }
  const bool any_identity_listener =
      std::any_of(config.listeners.begin(), config.listeners.end(),
                  [](const ListenerConfig& l) { return l.tls.use_identity_as_username; });
  if (!config.broker.allow_anonymous && !passwords && !any_identity_listener) {
    logger.log(LogType::kWarning,
               "allow_anonymous is false and there is no password_file: no client can connect");
  }

  const std::string module = module_for_engine(config.engine, config.module);
  Server server(config, logger, passwords ? &*passwords : nullptr);
  server.start_engine([&](trustmq::mqtt::BrokerHost& host, trustmq::mqtt::TimeMs now) {
    return make_engine(config.engine, module, config.broker, host, now, config.wasm_max_memory_mb);
  });
  std::string module_source;
  if (config.engine == "native") {
    module_source = "core compiled in natively";
  } else if (module.empty()) {
    module_source = "core compiled in (no module file found to compare)";
  } else {
    module_source = "module file " + module;
  }
  logger.log(LogType::kNotice, "engine " + std::string(server.engine().name()) +
                                   ", module measurement (sha-256) " +
                                   server.engine().module_measurement() + ", " + module_source);
  server.bind_listeners();
  g_server = &server;
  install_signal_handlers();
  const int status = server.run();
  g_server = nullptr;
  logger.log(LogType::kNotice, "trustmq-broker stopped");
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  trustmq::shell::tune_heap_for_a_broker();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trustmq-broker: error: %s\n", e.what());
    return 1;
  }
}

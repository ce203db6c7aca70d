// trustmq-broker: reads the command line and configuration, loads the password and ACL files,
// creates the engine, binds the listeners, drops root (`user`) and runs the event loop until
// SIGINT/SIGTERM; SIGHUP reloads what can change at run time (see reload_configuration).
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
#include "shell/pid_file.h"
#include "shell/privileges.h"
#include "shell/server.h"
#include "shell/server_config.h"

namespace {

void ignore_sigpipe() {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
}

// SIGHUP, as mosquitto: re-reads the configuration file for the options that can change at run
// time — the password file (for clients that connect from now on), the log settings
// (log_type, log_dest, log_timestamp*, connection_messages) — and reopens the log file. A bad
// file keeps what runs and logs why; the broker never stops on a reload. Options that need a
// restart (listeners, limits, engine, acl_file) keep their running values, with a warning when
// they changed.
void reload_configuration(const trustmq::shell::CommandLine& command_line,
                          const trustmq::shell::ServerConfig& running,
                          trustmq::shell::Logger& logger, trustmq::shell::Server& server) {
  using namespace trustmq::shell;
  logger.reopen_file();
  if (command_line.config_file.empty()) {
    logger.log(LogType::kNotice, "SIGHUP: no configuration file (-c) to reload");
    return;
  }
  logger.log(LogType::kNotice, "SIGHUP: reloading " + command_line.config_file);
  ServerConfig fresh;
  try {
    load_config_file(command_line.config_file, fresh);
    apply_command_line(command_line, fresh);
    resolve_server_defaults(fresh);
  } catch (const std::exception& e) {
    logger.log(LogType::kError,
               std::string("reload failed, keeping the running configuration: ") + e.what());
    return;
  }
  try {
    logger.apply(fresh.log);
  } catch (const std::exception& e) {
    logger.log(LogType::kError,
               std::string("reload: keeping the current log destinations: ") + e.what());
  }
  logger.set_mask(fresh.log_types);
  server.set_connection_messages(fresh.connection_messages);
  for (const auto& warning : fresh.warnings) logger.log(LogType::kWarning, warning);

  if (fresh.password_file.empty() != running.password_file.empty()) {
    logger.log(LogType::kWarning,
               "reload: adding or removing password_file takes effect after a restart; "
               "keeping the running password file");
  } else if (!fresh.password_file.empty()) {
    try {
      server.set_passwords(
          std::make_shared<const PasswordFile>(PasswordFile::load(fresh.password_file)));
      logger.log(LogType::kNotice, "reload: password_file " + fresh.password_file +
                                       " loaded; it applies to clients that connect from now on");
    } catch (const std::exception& e) {
      logger.log(LogType::kError,
                 std::string("reload: keeping the previous password file: ") + e.what());
    }
  }
  if (fresh.acl_file != running.acl_file) {
    logger.log(LogType::kWarning, "reload: acl_file changed from '" + running.acl_file + "' to '" +
                                      fresh.acl_file +
                                      "'; ACL changes take effect after a restart");
  } else if (!fresh.acl_file.empty()) {
    try {
      if (load_acl_file(fresh.acl_file) != running.broker.acl) {
        logger.log(LogType::kWarning, "reload: acl_file " + fresh.acl_file +
                                          " changed; ACL changes take effect after a restart "
                                          "(not reloaded on SIGHUP yet)");
      }
    } catch (const std::exception& e) {
      logger.log(LogType::kError,
                 std::string("reload: acl_file: ") + e.what() + " (the running ACL is kept)");
    }
  }
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
  logger.apply(config.log);
  for (const auto& warning : config.warnings) logger.log(LogType::kWarning, warning);
  std::shared_ptr<const PasswordFile> passwords;
  if (!config.password_file.empty()) {
    passwords = std::make_shared<const PasswordFile>(PasswordFile::load(config.password_file));
  }
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
  std::optional<PidFile> pid_file;
  if (!config.pid_file.empty()) pid_file.emplace(config.pid_file);
  Server server(config, logger, nullptr);
  server.set_passwords(passwords);
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
  // Before the listeners accept anything: a client (or a test) that sees the port open may
  // send SIGHUP/SIGTERM at once, and must not meet the default action.
  ignore_sigpipe();
  server.handle_signals([&] { reload_configuration(command_line, config, logger, server); });
  server.bind_listeners();
  if (!config.user.empty()) drop_privileges(config.user, logger);
  const int status = server.run();
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

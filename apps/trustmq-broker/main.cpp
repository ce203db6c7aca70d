// trustmq-broker: reads the command line and configuration, loads the password and ACL files,
// creates the engine, binds the listeners, drops root (`user`) and runs the event loop until
// SIGINT/SIGTERM; SIGHUP reloads what can change at run time (see reload_configuration).
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "shell/acl_file.h"
#include "shell/bridge.h"
#include "shell/command_line.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/heap_tuning.h"
#include "shell/logger.h"
#include "shell/open_file_limit.h"
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

// The ACL part of a reload: the ACL file named now is loaded (none: every topic is allowed,
// as mosquitto without acl_file); a file that does not load keeps the running ACL. Then the
// core applies it and checks connected clients again, also against the password file just
// reloaded (mqtt::Broker::reload_security, docs/broker.md).
void reload_access_rules(const trustmq::shell::ServerConfig& fresh,
                         trustmq::shell::ServerConfig& running, trustmq::shell::Logger& logger,
                         trustmq::shell::Server& server) {
  using namespace trustmq::shell;
  std::optional<trustmq::mqtt::AclRules> acl = running.broker.acl;
  std::string acl_file = running.acl_file;
  if (fresh.acl_file.empty()) {
    if (!running.acl_file.empty()) {
      logger.log(LogType::kWarning,
                 "reload: acl_file removed; every client may now read and "
                 "write every topic (as without an acl_file)");
    }
    acl.reset();
    acl_file.clear();
  } else {
    try {
      acl = load_acl_file(fresh.acl_file);
      acl_file = fresh.acl_file;
    } catch (const std::exception& e) {
      logger.log(LogType::kError,
                 std::string("reload: acl_file: ") + e.what() + " (the running ACL is kept)");
    }
  }
  try {
    server.reload_security(acl);
  } catch (const trustmq::runtime::EngineTrap&) {
    throw;  // the event loop stops the broker
  } catch (const std::runtime_error& e) {
    logger.log(LogType::kError, std::string("reload: ") + e.what() +
                                    "; the running ACL is kept and connected clients are "
                                    "not checked again");
    return;
  }
  running.broker.acl = std::move(acl);
  running.acl_file = acl_file;
  logger.log(LogType::kNotice,
             (acl_file.empty() ? std::string("reload: no acl_file")
                               : "reload: acl_file " + acl_file + " applied") +
                 "; connected clients checked against the ACL and the password file");
}

// SIGHUP, as mosquitto: re-reads the configuration file for the options that can change at run
// time — the password file, the ACL file, the log settings (log_type, log_dest,
// log_timestamp*, connection_messages) — and reopens the log file; then connected clients are
// checked again against the passwords and the ACL (reload_access_rules). A bad file keeps
// what runs and logs why; the broker never stops on a reload. Options that need a restart
// (listeners, limits, engine) keep their running values, with a warning when they changed.
void reload_configuration(const trustmq::shell::CommandLine& command_line,
                          trustmq::shell::ServerConfig& running, trustmq::shell::Logger& logger,
                          trustmq::shell::Server& server) {
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
      logger.log(LogType::kNotice, "reload: password_file " + fresh.password_file + " loaded");
    } catch (const std::exception& e) {
      logger.log(LogType::kError,
                 std::string("reload: keeping the previous password file: ") + e.what());
    }
  }
  server.reload_client_attestation_policies();
  reload_access_rules(fresh, running, logger, server);
}

// One thread per `connection` (docs/bridges.md), each with its local side adopted by the
// server as an internal connection.
std::vector<std::unique_ptr<trustmq::shell::Bridge>> start_bridges(
    const trustmq::shell::ServerConfig& config, trustmq::shell::Logger& logger,
    trustmq::shell::Server& server) {
  using namespace trustmq::shell;
  std::vector<std::unique_ptr<Bridge>> bridges;
  for (const BridgeConfig& bridge_config : config.bridges) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
      throw std::runtime_error("bridge " + bridge_config.name +
                               ": socketpair: " + std::strerror(errno));
    }
    server.adopt_bridge_connection(fds[0], bridge_config.name);
    bridges.push_back(std::make_unique<Bridge>(bridge_config, fds[1], logger));
    logger.log(LogType::kNotice, "bridge " + bridge_config.name + ": starting, remote " +
                                     bridge_config.host + ":" + std::to_string(bridge_config.port));
    bridges.back()->start();
  }
  return bridges;
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
  if (const auto files = raise_open_file_limit(); !files) {
    logger.log(LogType::kWarning, "open file limit not raised: " + files.error());
  } else if (files->now != files->before) {
    logger.log(LogType::kNotice, "open file limit raised from " + std::to_string(files->before) +
                                     " to " + std::to_string(files->now) +
                                     " (the hard limit): one per client connection");
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
  std::vector<std::unique_ptr<Bridge>> bridges = start_bridges(config, logger, server);
  const int status = server.run();
  for (auto& bridge : bridges) bridge->stop();  // every bridge thread is joined
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

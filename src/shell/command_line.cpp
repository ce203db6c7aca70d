#include "shell/command_line.h"

#include <charconv>
#include <string_view>

#include "shell/config_file.h"

namespace trustmq::shell {

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine result;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw UsageError("option " + std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      result.help = true;
    } else if (arg == "-v" || arg == "--verbose") {
      result.verbose = true;
    } else if (arg == "-c" || arg == "--config-file") {
      result.config_file = std::string(value());
    } else if (arg == "-p" || arg == "--port") {
      const auto text = value();
      unsigned port = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty() || port == 0 ||
          port > 65535) {
        throw UsageError("invalid port '" + std::string(text) + "' (expected 1..65535)");
      }
      result.ports.push_back(static_cast<std::uint16_t>(port));
    } else if (arg == "--engine") {
      const auto name = value();
      if (!is_known_engine_name(name)) {
        throw UsageError("unknown engine '" + std::string(name) +
                         "' (expected native, wasm-aot or wasm-interp)");
      }
      result.engine = std::string(name);
    } else if (arg == "--list-engines") {
      result.list_engines = true;
    } else if (arg == "--module") {
      result.module = std::string(value());
    } else {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    }
  }
  return result;
}

std::string usage_text() {
  return "Usage: trustmq-broker [-c FILE] [-p PORT]... [-v] [--engine NAME] [--module FILE.wasm]\n"
         "       trustmq-broker --list-engines | -h\n"
         "\n"
         "  -c, --config-file FILE  read the configuration (mosquitto.conf subset)\n"
         "  -p, --port PORT         listen on PORT; repeatable. Without listeners in a config\n"
         "                          file: on 127.0.0.1 and ::1 only, anonymous clients allowed\n"
         "                          (local only mode); else on every interface, added to them\n"
         "  -v, --verbose           log everything (log_type all)\n"
         "  --engine NAME           native, wasm-aot or wasm-interp (default: native)\n"
         "  --module FILE.wasm      core module for engines that load one\n"
         "  --list-engines          print the engines built into this binary, one a line\n"
         "  -h, --help              this text\n"
         "\n"
         "Without any listener the broker listens on 127.0.0.1 and ::1, port 1883, and allows\n"
         "anonymous clients (local only mode, like mosquitto 2.0). See docs/configuration.md.\n";
}

void apply_command_line(const CommandLine& command_line, ServerConfig& config) {
  // As mosquitto 2.0: when the config file (if any) defines no listener, -p ports listen on
  // the loopback addresses only (local only mode); otherwise on every interface.
  const bool local_only = config.listeners.empty() && !command_line.ports.empty();
  if (local_only) config.local_only = true;
  for (const auto port : command_line.ports) {
    ListenerConfig listener;
    listener.port = port;
    listener.loopback_only = local_only;
    listener.origin = "-p " + std::to_string(port);
    config.listeners.push_back(std::move(listener));
  }
  if (command_line.verbose) config.log_types = kAllLogTypes;
  if (command_line.engine) config.engine = *command_line.engine;
  if (command_line.module) config.module = *command_line.module;
}

}  // namespace trustmq::shell

#include "shell/command_line.h"

#include <gtest/gtest.h>

#include <vector>

namespace trustmq::shell {
namespace {

CommandLine parse_args(std::vector<const char*> args) {
  args.insert(args.begin(), "trustmq-broker");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

std::string args_error_of(std::vector<const char*> args) {
  try {
    parse_args(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(CommandLineTest, NoArguments) {
  const CommandLine c = parse_args({});
  EXPECT_TRUE(c.config_file.empty());
  EXPECT_TRUE(c.ports.empty());
  EXPECT_FALSE(c.verbose);
  EXPECT_FALSE(c.engine.has_value());
  EXPECT_FALSE(c.help);
}

TEST(CommandLineTest, EveryFlag) {
  const CommandLine c = parse_args({"-c", "/etc/b.conf", "-p", "1884", "-p", "1885", "-v",
                                    "--engine", "wasm-interp", "--module", "core.wasm"});
  EXPECT_EQ(c.config_file, "/etc/b.conf");
  EXPECT_EQ(c.ports, (std::vector<std::uint16_t>{1884, 1885}));
  EXPECT_TRUE(c.verbose);
  EXPECT_EQ(c.engine, "wasm-interp");
  EXPECT_EQ(c.module, "core.wasm");
  EXPECT_TRUE(parse_args({"-h"}).help);
  EXPECT_TRUE(parse_args({"--help"}).help);
  EXPECT_TRUE(parse_args({"--list-engines"}).list_engines);
  EXPECT_FALSE(parse_args({}).list_engines);
}

TEST(CommandLineTest, Errors) {
  EXPECT_EQ(args_error_of({"-x"}), "unknown option '-x'");
  EXPECT_EQ(args_error_of({"-c"}), "option -c needs a value");
  EXPECT_EQ(args_error_of({"-p", "0"}), "invalid port '0' (expected 1..65535)");
  EXPECT_EQ(args_error_of({"-p", "65536"}), "invalid port '65536' (expected 1..65535)");
  EXPECT_EQ(args_error_of({"-p", "18x"}), "invalid port '18x' (expected 1..65535)");
  EXPECT_EQ(args_error_of({"--engine", "v8"}),
            "unknown engine 'v8' (expected native, wasm-aot or wasm-interp)");
  EXPECT_EQ(args_error_of({"--module"}), "option --module needs a value");
}

TEST(CommandLineTest, AppliesOverTheConfigFile) {
  ServerConfig config;
  config.engine = "native";
  config.log_types = 1;
  ListenerConfig from_file;
  from_file.port = 1883;
  from_file.bind_address = "127.0.0.1";
  config.listeners.push_back(from_file);

  apply_command_line(parse_args({"-p", "1999", "-v", "--engine", "wasm-aot", "--module", "m.wasm"}),
                     config);
  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_EQ(config.listeners[1].port, 1999);
  EXPECT_EQ(config.listeners[1].bind_address, "");  // next to a configured listener:
  EXPECT_FALSE(config.listeners[1].loopback_only);  // -p binds every interface
  EXPECT_EQ(config.log_types, kAllLogTypes);
  EXPECT_EQ(config.engine, "wasm-aot");
  EXPECT_EQ(config.module, "m.wasm");
}

// `trustmq-broker -p 1884` with no config file: mosquitto 2.0's local only mode — loopback
// only, anonymous clients allowed (nothing off the machine can connect).
TEST(CommandLineTest, PortFlagWithoutConfiguredListenersIsLocalOnly) {
  ServerConfig config;
  apply_command_line(parse_args({"-p", "1999", "-p", "2000"}), config);
  resolve_server_defaults(config);
  ASSERT_EQ(config.listeners.size(), 2u);
  for (const ListenerConfig& listener : config.listeners) {
    EXPECT_TRUE(listener.loopback_only);
    EXPECT_EQ(listener.bind_address, "");
  }
  EXPECT_TRUE(config.local_only);
  EXPECT_TRUE(config.broker.allow_anonymous);
}

TEST(CommandLineTest, PortFlagLocalOnlyStillHonoursAllowAnonymousFalse) {
  ServerConfig config;
  config.allow_anonymous = false;  // from a config file without listeners
  apply_command_line(parse_args({"-p", "1999"}), config);
  resolve_server_defaults(config);
  EXPECT_TRUE(config.listeners[0].loopback_only);
  EXPECT_FALSE(config.broker.allow_anonymous);
}

TEST(CommandLineTest, PortFlagNextToConfiguredListenersRefusesAnonymous) {
  ServerConfig config;
  ListenerConfig from_file;
  from_file.port = 1883;
  config.listeners.push_back(from_file);
  apply_command_line(parse_args({"-p", "1999"}), config);
  resolve_server_defaults(config);
  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_FALSE(config.listeners[1].loopback_only);
  EXPECT_FALSE(config.local_only);
  EXPECT_FALSE(config.broker.allow_anonymous);
}

}  // namespace
}  // namespace trustmq::shell

// `trustmq`: MQTT client with attested TLS, and tools around attestation.
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "command.h"

namespace {

struct Command {
  std::string_view name;
  int (*run)(std::span<char*>);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"pub", trustmq::cli::run_pub_command, "publish a message (like mosquitto_pub)"},
    {"sub", trustmq::cli::run_sub_command, "subscribe and print messages (like mosquitto_sub)"},
    {"attest", trustmq::cli::run_attest_entry,
     "verify a broker's attestation evidence (like openssl s_client), or evidence offline"},
    {"policy", trustmq::cli::run_policy_command, "write an attestation policy (policy init ...)"},
    {"measure", trustmq::cli::run_measure_command,
     "print the measurement (SHA-256) of a WebAssembly module"},
    {"tpm", trustmq::cli::run_tpm_command,
     "enrol a TPM's attestation key (tpm enroll ...) for tpm2-quote evidence"},
};

void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: trustmq <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) {
    std::fprintf(out, "  %-8.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\n'trustmq <command> --help' describes each command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (c.name == name) return c.run(std::span<char*>(argv + 2, argc - 2));
  }
  std::fprintf(stderr, "trustmq: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}

// `trustmq measure FILE.wasm`: prints the module's measurement (lower-case hex SHA-256), the
// value to pin in an attestation policy.
#include <cstdio>
#include <exception>
#include <string_view>

#include "command.h"
#include "runtime/module_measurement.h"

namespace trustmq::cli {

int run_measure_command(std::span<char*> args) {
  if (args.size() == 1 &&
      (std::string_view(args[0]) == "-h" || std::string_view(args[0]) == "--help")) {
    std::printf(
        "usage: trustmq measure FILE.wasm\n\n"
        "Prints the SHA-256 of the module's bytes (lower-case hex): the measurement the\n"
        "broker logs at start-up and puts into its attestation evidence.\n");
    return 0;
  }
  if (args.size() != 1) {
    std::fprintf(stderr, "usage: trustmq measure FILE.wasm\n");
    return 2;
  }
  try {
    std::printf("%s\n", runtime::measure_module(runtime::read_module_file(args[0])).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trustmq measure: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace trustmq::cli

// Runs the built `trustmq` binary (TRUSTMQ_CLI_PATH, from CMake) with a sub-command, e.g.
// run_cli("pub", {"-t", "a", "-m", "x"}, dir), stdout/stderr captured (see ChildProcess).
#pragma once

#include <string>
#include <vector>

#include "child_process.h"

namespace trustmq::client::testing {

inline ChildProcess run_cli(const std::string& command, const std::vector<std::string>& args,
                            const std::string& work_dir, const std::string& stdin_text = "") {
  std::vector<std::string> argv = {TRUSTMQ_CLI_PATH, command};
  argv.insert(argv.end(), args.begin(), args.end());
  return ChildProcess::exec(argv, work_dir, stdin_text);
}

}  // namespace trustmq::client::testing

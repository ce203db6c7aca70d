// Runs `trustmq pub` / `sub` / `attest` (the command functions of apps/trustmq) in a forked child,
// exactly as main() would, with stdout/stderr captured.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "child_process.h"
#include "command.h"

namespace trustmq::client::testing {

inline ChildProcess run_cli(int (*command)(std::span<char*>), std::vector<std::string> args,
                            const std::string& work_dir, const std::string& stdin_text = "") {
  return ChildProcess::fork(
      [command, args]() mutable {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        return command(argv);
      },
      work_dir, stdin_text);
}

}  // namespace trustmq::client::testing

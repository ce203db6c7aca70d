// Runs `trustmq attest ARGS…` in-process and captures its exit status and output (stdout then
// stderr); shared by the attest command tests.
#pragma once

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "command.h"

namespace trustmq::cli {

struct CliRun {
  int status;
  std::string out;
};

inline CliRun run_attest_cli(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int status = run_attest_entry(std::span<char*>(argv.data(), argv.size()));
  std::string out = ::testing::internal::GetCapturedStdout();
  out += ::testing::internal::GetCapturedStderr();
  return {status, out};
}

}  // namespace trustmq::cli

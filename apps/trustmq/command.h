// Sub-commands of the `trustmq` CLI. Each lives in its own <name>_command.cpp.
#pragma once

#include <span>

namespace trustmq::cli {

// Each takes the arguments after the sub-command name and returns the process exit code.
int run_pub_command(std::span<char*> args);
int run_sub_command(std::span<char*> args);
int run_attest_command(std::span<char*> args);
// Offline verification of hardware evidence (attest_evidence_command.cpp), and the entry of
// `trustmq attest`: offline with --evidence, else run_attest_command.
int run_attest_evidence_command(std::span<char*> args);
int run_attest_entry(std::span<char*> args);
int run_policy_command(std::span<char*> args);
int run_measure_command(std::span<char*> args);
// `trustmq tpm enroll` (tpm_command.cpp).
int run_tpm_command(std::span<char*> args);

}  // namespace trustmq::cli

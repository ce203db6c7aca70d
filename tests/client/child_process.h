// A child process for tests: an external program started with posix_spawn (never a bare fork of
// the multi-threaded test), with stdin from a string and stdout/stderr captured in files.
// Stopped by its PID only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace trustmq::client::testing {

class ChildProcess {
 public:
  // Runs `argv[0]` (a path) with `argv`; stdin, stdout and stderr are files in `work_dir`.
  static ChildProcess exec(const std::vector<std::string>& argv, const std::string& work_dir,
                           const std::string& stdin_text = "");

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  bool running();
  // Exit status (or 128 + signal), nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

  std::string out() const;  // stdout so far
  std::string err() const;  // stderr so far
  // Waits until stdout or stderr contains `text`; false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, std::optional<int> status, std::string out_path, std::string err_path)
      : pid_(pid),
        status_(status),
        out_path_(std::move(out_path)),
        err_path_(std::move(err_path)) {}

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_;
  std::string err_path_;
};

}  // namespace trustmq::client::testing

// A child process for tests: an external program (execv) or a function run in a forked copy of
// the test (the CLI commands), with stdin from a string and stdout/stderr captured in files.
// Stopped by its PID only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace trustmq::client::testing {

class ChildProcess {
 public:
  // Runs `argv[0]` (a path) with `argv`.
  static ChildProcess exec(const std::vector<std::string>& argv, const std::string& work_dir,
                           const std::string& stdin_text = "");
  // Runs `body` in a fork; its return value is the exit status.
  static ChildProcess fork(const std::function<int()>& body, const std::string& work_dir,
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
  ChildProcess(pid_t pid, std::string out_path, std::string err_path)
      : pid_(pid), out_path_(std::move(out_path)), err_path_(std::move(err_path)) {}
  static ChildProcess start(const std::function<void()>& in_child, const std::string& work_dir,
                            const std::string& stdin_text);

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_;
  std::string err_path_;
};

}  // namespace trustmq::client::testing

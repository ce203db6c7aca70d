#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "support/temp_directory.h"

namespace trustmq::client::testing {

namespace {

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

std::string unique_name(const std::string& dir, const char* what) {
  static std::atomic<int> counter{0};
  return dir + "/child-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "." +
         what;
}

}  // namespace

ChildProcess ChildProcess::exec(const std::vector<std::string>& argv, const std::string& work_dir,
                                const std::string& stdin_text) {
  const std::string in_path = unique_name(work_dir, "in");
  const std::string out_path = unique_name(work_dir, "out");
  const std::string err_path = unique_name(work_dir, "err");
  {
    std::FILE* f = std::fopen(in_path.c_str(), "wb");
    std::fwrite(stdin_text.data(), 1, stdin_text.size(), f);
    std::fclose(f);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // posix_spawn, not fork: the test has other threads (TLS fronts, sanitizer runtimes) and a
  // forked copy of it could block forever on a lock one of them held.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = -1;
  std::fflush(nullptr);
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    // As a shell would: exit status 127, the reason on the child's stderr.
    std::ofstream(out_path, std::ios::binary).flush();
    std::ofstream(err_path, std::ios::binary)
        << "posix_spawn " << args[0] << ": " << std::strerror(rc) << "\n";
    return ChildProcess(-1, 127, out_path, err_path);
  }
  return ChildProcess(pid, std::nullopt, out_path, err_path);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), status_(o.status_), out_path_(o.out_path_), err_path_(o.err_path_) {
  o.pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
  }
}

bool ChildProcess::running() {
  if (status_ || pid_ <= 0) return false;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    status_ = decode_status(raw);
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (running()) ::kill(pid_, SIGTERM);
  if (auto s = wait(grace)) return *s;
  ::kill(pid_, SIGKILL);
  return wait(std::chrono::milliseconds(5000)).value_or(-1);
}

std::string ChildProcess::out() const { return test_support::read_file(out_path_); }
std::string ChildProcess::err() const { return test_support::read_file(err_path_); }

bool ChildProcess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (out().find(text) != std::string::npos || err().find(text) != std::string::npos) {
      return true;
    }
    if (!running() || std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace trustmq::client::testing

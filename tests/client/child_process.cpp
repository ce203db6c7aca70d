#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

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

ChildProcess ChildProcess::start(const std::function<void()>& in_child, const std::string& work_dir,
                                 const std::string& stdin_text) {
  const std::string in_path = unique_name(work_dir, "in");
  const std::string out_path = unique_name(work_dir, "out");
  const std::string err_path = unique_name(work_dir, "err");
  {
    std::FILE* f = std::fopen(in_path.c_str(), "wb");
    std::fwrite(stdin_text.data(), 1, stdin_text.size(), f);
    std::fclose(f);
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open(in_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    in_child();
    ::_exit(127);
  }
  return ChildProcess(pid, out_path, err_path);
}

ChildProcess ChildProcess::exec(const std::vector<std::string>& argv, const std::string& work_dir,
                                const std::string& stdin_text) {
  return start(
      [&argv] {
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::perror("execv");
      },
      work_dir, stdin_text);
}

ChildProcess ChildProcess::fork(const std::function<int()>& body, const std::string& work_dir,
                                const std::string& stdin_text) {
  return start(
      [&body] {
        const int rc = body();
        std::fflush(nullptr);
        ::_exit(rc);
      },
      work_dir, stdin_text);
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

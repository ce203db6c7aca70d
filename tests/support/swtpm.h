// A private software TPM (Debian's swtpm) per test: a provisioned state (EK, EK certificate from
// swtpm-localca) is made once — into $TRUSTMQ_SWTPM_TEMPLATE if set (ctest shares one per build
// tree, under a lock), else into a temporary folder per process — and copied for each Swtpm,
// which runs `swtpm socket` as a child on unix sockets in its own folder and is stopped by PID.
// swtpm is a SOFTWARE TPM: its EK private key is in the copied state file.
// Header-only: include it as "support/swtpm.h".
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_directory.h"

extern char** environ;

namespace trustmq::test_support {

// The provisioned state: tpm2-00.permall with an RSA EK at 0x81010001 and its certificate in
// NV 0x01C00002, and the local CA that issued it.
struct SwtpmTemplate {
  std::string state_dir;
  std::string ek_root_ca;    // swtpm-localca's root certificate
  std::string ek_issuer_ca;  // its intermediate (signs the EK certificate)

  static const SwtpmTemplate& get() {
    static const SwtpmTemplate t = provision();
    return t;
  }

 private:
  static SwtpmTemplate provision() {
    static TempDirectory* own = nullptr;
    std::string dir;
    if (const char* shared = std::getenv("TRUSTMQ_SWTPM_TEMPLATE"); shared && *shared) {
      dir = shared;
    } else {
      own = new TempDirectory();  // lives until the process ends
      dir = own->path();
    }
    std::filesystem::create_directories(dir);
    const int lock = ::open((dir + "/.lock").c_str(), O_CREAT | O_RDWR, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("swtpm template lock");
    SwtpmTemplate t{dir + "/state", dir + "/ca/swtpm-localca-rootca-cert.pem",
                    dir + "/ca/issuercert.pem"};
    if (!std::filesystem::exists(dir + "/ready-v1")) {
      std::filesystem::remove_all(dir + "/state");
      std::filesystem::remove_all(dir + "/ca");
      std::filesystem::create_directories(dir + "/state");
      std::filesystem::create_directories(dir + "/ca");
      std::ofstream(dir + "/swtpm_setup.conf")
          << "create_certs_tool = /usr/bin/swtpm_localca\n"
          << "create_certs_tool_config = " << dir << "/swtpm-localca.conf\n"
          << "create_certs_tool_options = " << dir << "/swtpm-localca.options\n"
          << "active_pcr_banks = sha256\n";
      std::ofstream(dir + "/swtpm-localca.conf") << "statedir = " << dir << "/ca\n"
                                                 << "signingkey = " << dir << "/ca/signkey.pem\n"
                                                 << "issuercert = " << dir << "/ca/issuercert.pem\n"
                                                 << "certserial = " << dir << "/ca/certserial\n";
      std::ofstream(dir + "/swtpm-localca.options")
          << "--platform-manufacturer trustmq-tests\n--platform-version 2.1\n"
          << "--platform-model swtpm\n";
      const std::string command = "timeout 60 swtpm_setup --tpm2 --tpmstate " + dir +
                                  "/state --create-ek-cert --create-platform-cert --config " + dir +
                                  "/swtpm_setup.conf --overwrite > " + dir +
                                  "/swtpm_setup.log 2>&1";
      if (std::system(command.c_str()) != 0) {
        ::close(lock);
        throw std::runtime_error("swtpm_setup failed, see " + dir + "/swtpm_setup.log");
      }
      std::ofstream(dir + "/ready-v1") << "provisioned\n";
    }
    ::close(lock);
    return t;
  }
};

class Swtpm {
 public:
  // A running swtpm on a copy of the template; throws if it does not come up within 5 s.
  Swtpm() {
    const SwtpmTemplate& t = SwtpmTemplate::get();
    std::filesystem::create_directories(dir_.file("state"));
    std::filesystem::copy_file(t.state_dir + "/tpm2-00.permall",
                               dir_.file("state/tpm2-00.permall"));
    const std::vector<std::string> args = {"swtpm",
                                           "socket",
                                           "--tpm2",
                                           "--tpmstate",
                                           "dir=" + dir_.file("state"),
                                           "--flags",
                                           "not-need-init,startup-clear",
                                           "--server",
                                           "type=unixio,path=" + dir_.file("sock"),
                                           "--ctrl",
                                           "type=unixio,path=" + dir_.file("sock.ctrl")};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // swtpm logs every client disconnect (the swtpm TCTI reconnects per command): its output
    // goes to swtpm.log in the folder, not into the test's.
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    const std::string log = dir_.file("swtpm.log");
    posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    const int spawned = ::posix_spawnp(&pid_, "swtpm", &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (spawned != 0) throw std::runtime_error("cannot start swtpm");
    // Ready when both sockets accept a connection (the file appears at bind(), before listen()).
    for (int i = 0; i < 500 && !(accepts(dir_.file("sock.ctrl")) && accepts(dir_.file("sock")));
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!accepts(dir_.file("sock.ctrl")) || !accepts(dir_.file("sock"))) {
      stop();
      throw std::runtime_error("swtpm did not accept connections within 5 s");
    }
  }
  ~Swtpm() { stop(); }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  std::string tcti() const { return "swtpm:path=" + dir_.file("sock"); }
  const TempDirectory& dir() const { return dir_; }

  // SIGTERM, then SIGKILL after 2 s; reaped.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  static bool accepts(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
      ::close(fd);
      return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  TempDirectory dir_;
  pid_t pid_ = 0;
};

}  // namespace trustmq::test_support

#include "attest/private_key_permissions.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace trustmq::attest {

namespace {

constexpr mode_t kGroupOtherBits = S_IRWXG | S_IRWXO;

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// "readable", else "writable", else "accessible" (execute/search only) by group/others.
const char* access_word(mode_t mode) {
  if ((mode & (S_IRGRP | S_IROTH)) != 0) return "readable";
  if ((mode & (S_IWGRP | S_IWOTH)) != 0) return "writable";
  return "accessible";
}

Result<void> check_mode(const std::string& path, std::string_view what, bool directory) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Result<void>::failure(std::string(what) + " " + path + ": " + std::strerror(errno));
  }
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return Result<void>::failure(std::string(what) + " " + path + " is not a " +
                                 (directory ? "directory" : "regular file"));
  }
  if ((st.st_mode & kGroupOtherBits) != 0) {
    return Result<void>::failure(std::string(what) + " " + path + " is " + access_word(st.st_mode) +
                                 " by group/others (mode " + octal(st.st_mode) + "); run: chmod " +
                                 (directory ? "700 " : "600 ") + path);
  }
  return Result<void>::success();
}

}  // namespace

Result<void> check_private_key_file(const std::string& path, std::string_view what) {
  return check_mode(path, what, /*directory=*/false);
}

Result<void> check_private_key_directory(const std::string& dir, std::string_view what) {
  return check_mode(dir, what, /*directory=*/true);
}

}  // namespace trustmq::attest

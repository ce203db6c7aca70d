#include "shell/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "shell/config_file.h"

namespace trustmq::shell {

void drop_privileges(const std::string& user, Logger& logger) {
  if (::geteuid() != 0) {
    logger.log(LogType::kNotice, "option 'user " + user +
                                     "' ignored: the broker was not started as root (as "
                                     "mosquitto, it keeps its current user)");
    return;
  }
  if (user == "root") {
    logger.log(LogType::kWarning, "option 'user root': the broker keeps running as root");
    return;
  }
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    throw ConfigError("option 'user': no such user '" + user + "'" +
                      (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : ""));
  }
  if (::initgroups(found->pw_name, found->pw_gid) != 0 || ::setgid(found->pw_gid) != 0 ||
      ::setuid(found->pw_uid) != 0) {
    throw ConfigError("option 'user': cannot switch to user '" + user +
                      "': " + std::strerror(errno));
  }
  if (::setuid(0) == 0) throw ConfigError("option 'user': could regain root after dropping it");
  logger.log(LogType::kNotice, "running as user " + user + " (uid " +
                                   std::to_string(found->pw_uid) + ", gid " +
                                   std::to_string(found->pw_gid) + ")");
}

}  // namespace trustmq::shell

// mosquitto's `user` option: a broker started as root gives up root for this user (and its
// groups) once the listeners are bound and the log and pid files are open.
#pragma once

#include <string>

#include "shell/logger.h"

namespace trustmq::shell {

// Started as root: switches to `user` (supplementary groups, primary group, then user id) or
// throws ConfigError if the user is unknown or the switch fails. `root` keeps root, as in
// mosquitto. Not root: does nothing and logs a notice saying so (mosquitto ignores it too).
void drop_privileges(const std::string& user, Logger& logger);

}  // namespace trustmq::shell

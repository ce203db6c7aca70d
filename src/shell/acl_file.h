// Loads the acl_file named in the configuration with the core's parser.
#pragma once

#include <string>

#include "mqtt/acl.h"

namespace trustmq::shell {

// Throws ConfigError "FILE:LINE: message" for a bad line, or naming the file if unreadable.
mqtt::AclRules load_acl_file(const std::string& path);

}  // namespace trustmq::shell

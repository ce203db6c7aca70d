// Permission rules for private keys and the folders that hold them (ssh's rule for identity
// files): a key, or its folder, that group or others may access is refused, with an error that
// names the file and the chmod that fixes it, e.g.
//   sim platform key /x/sim/sim-platform.key is readable by group/others (mode 0644);
//   run: chmod 600 /x/sim/sim-platform.key
// Only the mode bits are checked (not the owner).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace trustmq::attest {

// `path` is a regular file without group/other permission bits (mode 0600 or 0400).
// `what` names it in the error ("sim platform key").
Result<void> check_private_key_file(const std::string& path, std::string_view what);

// `dir` is a directory without group/other permission bits (mode 0700).
Result<void> check_private_key_directory(const std::string& dir, std::string_view what);

}  // namespace trustmq::attest

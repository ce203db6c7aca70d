// SHA-256 measurements of files and of the running binary.
#pragma once

#include <string>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

Sha256Digest sha256(ByteSpan bytes);
// Streams the file; error names the path and the OS error.
Result<Sha256Digest> sha256_of_file(const std::string& path);
// SHA-256 of /proc/self/exe, computed once per process (thread-safe); error if unreadable.
Result<Sha256Digest> runtime_self_measurement();

}  // namespace trustmq::attest

// The file operations of a configfs-tsm report (Linux Documentation/ABI/testing/configfs-tsm:
// /sys/kernel/config/tsm/report/<entry>/{inblob,outblob,auxblob,provider,privlevel,generation}).
// In production they are plain POSIX calls on configfs, where the kernel produces `outblob`
// when it is read; tests substitute a double that plays the kernel's part on an ordinary folder
// (tests/attest/fake_tsm_report_files.h).
#pragma once

#include <memory>
#include <string>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

class TsmReportFiles {
 public:
  virtual ~TsmReportFiles() = default;
  // mkdir of a report entry (0700).
  virtual Result<void> make_entry(const std::string& path) const = 0;
  // One write(2) of all of `data` to an attribute (configfs takes an attribute in one write).
  virtual Result<void> write_attribute(const std::string& path, ByteSpan data) const = 0;
  // The whole attribute (configfs binary attributes are read to the end).
  virtual Result<Bytes> read_attribute(const std::string& path) const = 0;
  // rmdir of a report entry.
  virtual Result<void> remove_entry(const std::string& path) const = 0;
  // Whether `path` is an existing folder.
  virtual bool is_directory(const std::string& path) const = 0;
};

// open/read/write/mkdir/rmdir on the real file system. Errors carry the path and strerror.
std::shared_ptr<const TsmReportFiles> posix_tsm_report_files();

}  // namespace trustmq::attest

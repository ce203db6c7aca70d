#include "attest/tsm_report_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace trustmq::attest {
namespace {

std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

class PosixTsmReportFiles final : public TsmReportFiles {
 public:
  Result<void> make_entry(const std::string& path) const override {
    if (::mkdir(path.c_str(), 0700) != 0) {
      return Result<void>::failure(os_error("cannot create the report entry", path));
    }
    return Result<void>::success();
  }

  Result<void> write_attribute(const std::string& path, ByteSpan data) const override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Result<void>::failure(os_error("cannot open", path));
    const ssize_t n = ::write(fd, data.data(), data.size());
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (n < 0) return Result<void>::failure(os_error("cannot write", path));
    if (static_cast<std::size_t>(n) != data.size()) {
      return Result<void>::failure("short write to " + path + ": " + std::to_string(n) + " of " +
                                   std::to_string(data.size()) + " bytes");
    }
    return Result<void>::success();
  }

  Result<Bytes> read_attribute(const std::string& path) const override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Result<Bytes>::failure(os_error("cannot open", path));
    Bytes out;
    std::uint8_t buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return Result<Bytes>::failure(os_error("cannot read", path));
      }
      if (n == 0) break;
      out.insert(out.end(), buffer, buffer + n);
      if (out.size() > kMaxAttributeSize) {
        ::close(fd);
        return Result<Bytes>::failure(path + " is larger than " +
                                      std::to_string(kMaxAttributeSize) + " bytes");
      }
    }
    ::close(fd);
    return Result<Bytes>::success(std::move(out));
  }

  Result<void> remove_entry(const std::string& path) const override {
    if (::rmdir(path.c_str()) != 0) {
      return Result<void>::failure(os_error("cannot remove the report entry", path));
    }
    return Result<void>::success();
  }

  bool is_directory(const std::string& path) const override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

 private:
  // A TDX quote or an SNP certificate table is a few KiB; the kernel caps outblob at 32 KiB
  // (TSM_OUTBLOB_MAX); anything beyond 1 MiB is not an attribute of configfs-tsm.
  static constexpr std::size_t kMaxAttributeSize = 1 << 20;
};

}  // namespace

std::shared_ptr<const TsmReportFiles> posix_tsm_report_files() {
  static const auto files = std::make_shared<const PosixTsmReportFiles>();
  return files;
}

}  // namespace trustmq::attest

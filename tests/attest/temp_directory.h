// A fresh directory under /tmp, removed with its contents when the object goes away.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace trustmq::attest::testing {

class TempDirectory {
 public:
  TempDirectory() {
    std::string templ = (std::filesystem::temp_directory_path() / "trustmq-test-XXXXXX").string();
    path_ = ::mkdtemp(templ.data()) != nullptr ? templ : std::string();
  }
  ~TempDirectory() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace trustmq::attest::testing

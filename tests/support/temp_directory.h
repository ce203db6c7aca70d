// A fresh directory under the system's temporary directory for one test, removed with everything
// in it when the object goes away. Shared by the test folders (header-only: include it as
// "support/temp_directory.h" with ${PROJECT_SOURCE_DIR}/tests on the include path).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace trustmq::test_support {

class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trustmq-test-XXXXXX").string();
    // A test without its directory would write elsewhere: stop at once instead.
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = std::move(pattern);
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Writes `contents` (binary) to file(name) and returns that path.
  std::string write(std::string_view name, std::string_view contents) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary) << contents;
    return p;
  }

 private:
  std::string path_;
};

// The whole file (binary); empty if it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace trustmq::test_support

// Test double for configfs-tsm (attest/tsm_report_files.h): an ordinary folder where this class
// plays the kernel's part. A new entry gets `provider`, `generation` 0 and empty attributes;
// each write to `inblob` or `privlevel` advances `generation` (as the kernel's
// try_advance_write_generation does) and a write to `inblob` fills `outblob` and `auxblob` with
// the configured bytes (e.g. a vector sample). Knobs simulate a concurrent writer.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "attest/tsm_report_files.h"
#include "support/temp_directory.h"

namespace trustmq::attest::testing {

class FakeTsmReportFiles final : public TsmReportFiles {
 public:
  explicit FakeTsmReportFiles(std::string provider) : provider_(std::move(provider)) {
    std::filesystem::create_directories(report_dir());
  }

  std::string report_dir() const { return root_.file("tsm/report"); }

  Bytes outblob;
  Bytes auxblob;
  // Another process writes to the entry right after it is made (before our inblob).
  bool foreign_write_at_creation = false;
  // Another process writes to the entry while outblob is read.
  bool foreign_write_while_reading = false;

  Result<void> make_entry(const std::string& path) const override {
    if (auto r = real_->make_entry(path); !r) return r;
    put(path + "/provider", provider_ + "\n");
    put(path + "/generation", foreign_write_at_creation ? "1\n" : "0\n");
    for (const char* name : {"inblob", "privlevel", "outblob", "auxblob"})
      put(path + "/" + name, "");
    std::lock_guard<std::mutex> lock(mutex_);
    ++entries_made_;
    return Result<void>::success();
  }

  Result<void> write_attribute(const std::string& path, ByteSpan data) const override {
    if (auto r = real_->write_attribute(path, data); !r) return r;
    const std::filesystem::path p(path);
    const std::string entry = p.parent_path().string();
    const std::string name = p.filename().string();
    std::lock_guard<std::mutex> lock(mutex_);
    written_[name] = std::string(data.begin(), data.end());
    advance_generation(entry);
    if (name == "inblob") {
      put(entry + "/outblob", std::string(outblob.begin(), outblob.end()));
      put(entry + "/auxblob", std::string(auxblob.begin(), auxblob.end()));
    }
    return Result<void>::success();
  }

  Result<Bytes> read_attribute(const std::string& path) const override {
    auto r = real_->read_attribute(path);
    const std::filesystem::path p(path);
    if (r && foreign_write_while_reading && p.filename() == "outblob") {
      advance_generation(p.parent_path().string());
    }
    return r;
  }

  Result<void> remove_entry(const std::string& path) const override {
    // configfs removes the attributes with the folder; an ordinary folder needs them removed.
    for (const auto& f : std::filesystem::directory_iterator(path)) std::filesystem::remove(f);
    return real_->remove_entry(path);
  }

  bool is_directory(const std::string& path) const override { return real_->is_directory(path); }

  // What was last written to an attribute ("inblob", "privlevel"), any entry.
  std::string written(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = written_.find(name);
    return it == written_.end() ? std::string() : it->second;
  }
  int entries_made() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_made_;
  }
  // Entries still present in the report folder.
  int entries_left() const {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(report_dir())) ++n;
    return n;
  }

 private:
  static void put(const std::string& path, const std::string& contents) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  }
  static void advance_generation(const std::string& entry) {
    unsigned long g = 0;
    std::ifstream(entry + "/generation") >> g;
    put(entry + "/generation", std::to_string(g + 1) + "\n");
  }

  test_support::TempDirectory root_;
  std::string provider_;
  std::shared_ptr<const TsmReportFiles> real_ = posix_tsm_report_files();
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string> written_;
  mutable int entries_made_ = 0;
};

}  // namespace trustmq::attest::testing

#include "runtime/module_measurement.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace trustmq::runtime {
namespace {

TEST(ModuleMeasurementTest, IsLowerCaseHexSha256) {
  const std::string abc = "abc";  // FIPS 180-2 test vector
  EXPECT_EQ(measure_module({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(measure_module({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ModuleMeasurementTest, ReadsWholeFiles) {
  const std::string path = ::testing::TempDir() + "/module_measurement_test.bin";
  std::string content(200000, 'x');
  content[123456] = 'y';
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
  std::fclose(f);
  const auto bytes = read_module_file(path);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), content);
  std::remove(path.c_str());
}

TEST(ModuleMeasurementTest, MissingFileThrowsNamingThePath) {
  try {
    read_module_file("/nonexistent/core.wasm");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/core.wasm"), std::string::npos);
  }
}

}  // namespace
}  // namespace trustmq::runtime

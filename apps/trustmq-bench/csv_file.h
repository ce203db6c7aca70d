// A CSV file of one case's results: a header line, then one row per measurement, flushed as
// it is written (an interrupted run keeps what it measured).
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace trustmq::bench {

class CsvFile {
 public:
  CsvFile(const std::string& path, const std::vector<std::string>& header);
  void row(const std::vector<std::string>& cells);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

std::string fixed(double value, int decimals);

}  // namespace trustmq::bench

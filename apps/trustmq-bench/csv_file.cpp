#include "csv_file.h"

#include <cstdio>
#include <stdexcept>

namespace trustmq::bench {

CsvFile::CsvFile(const std::string& path, const std::vector<std::string>& header)
    : path_(path), out_(path) {
  if (!out_) throw std::runtime_error("cannot write " + path);
  row(header);
}

void CsvFile::row(const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out_ << (i ? "," : "") << cells[i];
  out_ << "\n";
  out_.flush();
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace trustmq::bench

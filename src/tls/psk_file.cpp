#include "tls/psk_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace trustmq::tls {

Result<PskTable> parse_psk_file_text(std::string_view text) {
  using R = Result<PskTable>;
  PskTable table;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    auto where = "psk_file line " + std::to_string(line_no) + ": ";
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return R::failure(where + "expected identity:hexkey");
    }
    std::string identity(line.substr(0, colon));
    auto key = attest::from_hex(line.substr(colon + 1));
    if (!key || key->empty()) return R::failure(where + "key is not non-empty hex");
    if (key->size() > 256) return R::failure(where + "key longer than 256 bytes");
    if (identity.size() > 128) return R::failure(where + "identity longer than 128 bytes");
    if (!table.emplace(identity, std::move(*key)).second) {
      return R::failure(where + "identity \"" + identity + "\" appears twice");
    }
    if (end == text.size()) break;
  }
  return R::success(std::move(table));
}

Result<PskTable> load_psk_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<PskTable>::failure("cannot read psk_file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto t = parse_psk_file_text(text.str());
  if (!t) return Result<PskTable>::failure(path + ": " + t.error());
  return t;
}

}  // namespace trustmq::tls

#include "shell/config_words.h"

namespace trustmq::shell {

std::string_view trim_config_text(std::string_view s) {
  const auto first = s.find_first_not_of(kConfigWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kConfigWhitespace);
  return s.substr(first, last - first + 1);
}

std::vector<std::string_view> split_config_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto start = s.find_first_not_of(kConfigWhitespace, pos);
    if (start == std::string_view::npos) break;
    auto end = s.find_first_of(kConfigWhitespace, start);
    if (end == std::string_view::npos) end = s.size();
    words.push_back(s.substr(start, end - start));
    pos = end;
  }
  return words;
}

}  // namespace trustmq::shell

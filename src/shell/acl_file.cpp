#include "shell/acl_file.h"

#include "shell/config_file.h"

namespace trustmq::shell {

mqtt::AclRules load_acl_file(const std::string& path) {
  const std::string text = read_text_file(path, "acl_file");
  mqtt::AclRules rules;
  mqtt::AclParseError error;
  if (!mqtt::parse_acl(text, rules, error)) {
    throw ConfigError(path + ":" + std::to_string(error.line) + ": " + error.message);
  }
  return rules;
}

}  // namespace trustmq::shell

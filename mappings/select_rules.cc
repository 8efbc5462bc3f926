#include "mappings/select_rules.h"

#include <yaml-cpp/yaml.h>

namespace corebridge::mappings {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) {
    return "";
  }
  size_t e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

std::string mark(const std::string& path, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

}  // namespace

Result<SelectRule> parseSelectRule(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalidArgument("select rule '" + std::string(text) + "': " + std::string(why) +
                           " (expected FIELD=VALUE[,VALUE...]:ALTERNATIVE)");
  };
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return bad("no '='");
  }
  SelectRule rule;
  rule.field = trim(text.substr(0, eq));
  if (rule.field.empty()) {
    return bad("no field before '='");
  }
  // Values, comma-separated, each optionally in single quotes; then ':' ALT.
  size_t i = eq + 1;
  std::string value;
  bool quoted = false;
  bool any = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') {
          value.push_back('\'');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        value.push_back(c);
      }
      continue;
    }
    if (c == '\'') {
      quoted = true;
      any = true;
    } else if (c == ',' || c == ':') {
      rule.values.push_back(any ? value : trim(value));
      value.clear();
      any = false;
      if (c == ':') {
        break;
      }
    } else {
      value.push_back(c);
    }
  }
  if (quoted) {
    return bad("unterminated quote");
  }
  if (i >= text.size()) {
    return bad("no ':' before the alternative");
  }
  rule.alternative = trim(text.substr(i + 1));
  if (rule.alternative.empty()) {
    return bad("no alternative after ':'");
  }
  return rule;
}

Status loadSelectFile(const std::string& path, CodecOptions* options) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return notFound(path + ": cannot read the mapping file");
  } catch (const YAML::Exception& e) {
    return invalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  try {
    if (!root.IsMap()) {
      return invalidArgument(mark(path, root) + ": expected a mapping");
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key != "record" && key != "select") {
        return invalidArgument(mark(path, kv.first) + ": unknown key '" + key +
                               "' (expected record or select)");
      }
    }
    if (root["record"]) {
      options->record = root["record"].as<std::string>();
    }
    const YAML::Node select = root["select"];
    if (!select) {
      return okStatus();
    }
    if (!select.IsSequence()) {
      return invalidArgument(mark(path, select) + ": select: expected a list of rules");
    }
    for (const YAML::Node& r : select) {
      if (!r.IsMap()) {
        return invalidArgument(mark(path, r) + ": expected a rule (field, equals, use)");
      }
      for (const auto& kv : r) {
        const std::string key = kv.first.as<std::string>();
        if (key != "field" && key != "equals" && key != "use") {
          return invalidArgument(mark(path, kv.first) + ": unknown key '" + key +
                                 "' (expected field, equals or use)");
        }
      }
      for (const char* needed : {"field", "equals", "use"}) {
        if (!r[needed]) {
          return invalidArgument(mark(path, r) + ": rule without '" + needed + "'");
        }
      }
      SelectRule rule;
      rule.field = r["field"].as<std::string>();
      rule.alternative = r["use"].as<std::string>();
      const YAML::Node eq = r["equals"];
      if (eq.IsSequence()) {
        for (const YAML::Node& v : eq) {
          rule.values.push_back(v.as<std::string>());
        }
      } else {
        rule.values.push_back(eq.as<std::string>());
      }
      if (rule.values.empty()) {
        return invalidArgument(mark(path, eq) + ": equals: no values");
      }
      options->select.push_back(std::move(rule));
    }
  } catch (const YAML::Exception& e) {
    return invalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return okStatus();
}

}  // namespace corebridge::mappings

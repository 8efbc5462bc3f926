// A small JSON reader and writer helpers for JSON Lines of records.
//
// Numbers keep their text as written, so that "12345678901234567890123.45"
// reaches the Decimal parser exactly; general-purpose JSON libraries (POCO's
// among them) turn such numbers into doubles and lose digits. Duplicate keys
// are an error, as is anything after the value but whitespace.
//
// Thread-compatible values; parse() is a pure function.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace corebridge::mappings {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::kNull; }
  bool boolean() const { return bool_; }
  // kString: the decoded UTF-8 text; kNumber: the number exactly as written.
  const std::string& text() const { return text_; }
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  // The member named `key`, or nullptr.
  const JsonValue* get(std::string_view key) const;

  static std::string_view typeName(Type t);

  // Parses one JSON value. Errors are InvalidArgument "column C: expected ..."
  // (1-based byte column; JSON Lines callers add the line). Nesting deeper than
  // 256 levels is refused.
  static Result<JsonValue> parse(std::string_view text);

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Appends `s` (UTF-8) as a JSON string literal, quotes included; control
// characters become \u00XX, quote and backslash are escaped.
void appendJsonString(std::string_view s, std::string* out);

}  // namespace corebridge::mappings

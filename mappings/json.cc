#include "mappings/json.h"

#include <cstdio>

namespace corebridge::mappings {

namespace {
constexpr int kMaxDepth = 256;
}

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Result<JsonValue> parseDocument() {
    JsonValue v;
    CB_RETURN_IF_ERROR(parseValue(&v, 0));
    skipSpace();
    if (pos_ != s_.size()) {
      return error("end of input");
    }
    return v;
  }

 private:
  Status error(std::string_view expected) const {
    std::string found;
    if (pos_ >= s_.size()) {
      found = "end of input";
    } else {
      char buf[16];
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c >= 0x20 && c < 0x7f) {
        std::snprintf(buf, sizeof buf, "'%c'", c);
      } else {
        std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
      }
      found = buf;
    }
    return invalidArgument("column " + std::to_string(pos_ + 1) + ": expected " +
                           std::string(expected) + ", found " + found);
  }

  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  Status parseValue(JsonValue* v, int depth) {
    if (depth > kMaxDepth) {
      return error("less nesting (at most 256 levels)");
    }
    skipSpace();
    if (pos_ >= s_.size()) {
      return error("a value");
    }
    char c = s_[pos_];
    switch (c) {
      case '{':
        return parseObject(v, depth);
      case '[':
        return parseArray(v, depth);
      case '"':
        v->type_ = JsonValue::Type::kString;
        return parseString(&v->text_);
      case 't':
      case 'f':
      case 'n':
        if (consume("true")) {
          v->type_ = JsonValue::Type::kBool;
          v->bool_ = true;
        } else if (consume("false")) {
          v->type_ = JsonValue::Type::kBool;
        } else if (consume("null")) {
          v->type_ = JsonValue::Type::kNull;
        } else {
          return error("a value");
        }
        return okStatus();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return parseNumber(v);
        }
        return error("a value");
    }
  }

  Status parseNumber(JsonValue* v) {
    size_t start = pos_;
    if (s_[pos_] == '-') {
      ++pos_;
    }
    auto digits = [&] {
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        ++pos_;
      }
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return error("a digit");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) {
        return error("a digit after '.'");
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
        ++pos_;
      }
      if (digits() == 0) {
        return error("a digit in the exponent");
      }
    }
    v->type_ = JsonValue::Type::kNumber;
    v->text_.assign(s_.substr(start, pos_ - start));
    return okStatus();
  }

  Status parseHex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) {
      return error("four hex digits");
    }
    uint32_t x = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_];
      x <<= 4;
      if (c >= '0' && c <= '9') {
        x |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        x |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        x |= c - 'A' + 10;
      } else {
        return error("a hex digit");
      }
      ++pos_;
    }
    *out = x;
    return okStatus();
  }

  static void appendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Validates one UTF-8 sequence starting at pos_ and copies it.
  Status copyUtf8(std::string* out) {
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (n == 0 || pos_ + n > s_.size()) {
      return error("valid UTF-8");
    }
    uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (int i = 1; i < n; ++i) {
      unsigned char d = static_cast<unsigned char>(s_[pos_ + i]);
      if ((d & 0xC0) != 0x80) {
        return error("valid UTF-8");
      }
      cp = (cp << 6) | (d & 0x3F);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return error("valid UTF-8");
    }
    out->append(s_.substr(pos_, n));
    pos_ += n;
    return okStatus();
  }

  Status parseString(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    while (true) {
      if (pos_ >= s_.size()) {
        return error("'\"' closing the string");
      }
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return okStatus();
      }
      if (c < 0x20) {
        return error("no control character inside a string");
      }
      if (c >= 0x80) {
        CB_RETURN_IF_ERROR(copyUtf8(out));
        continue;
      }
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) {
        return error("an escape");
      }
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          CB_RETURN_IF_ERROR(parseHex4(&cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume("\\u")) {
              return error("a low surrogate escape");
            }
            uint32_t lo = 0;
            CB_RETURN_IF_ERROR(parseHex4(&lo));
            if (lo < 0xDC00 || lo > 0xDFFF) {
              return error("a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return error("a high surrogate before a low one");
          }
          appendUtf8(cp, out);
          break;
        }
        default:
          --pos_;
          return error("a valid escape");
      }
    }
  }

  Status parseArray(JsonValue* v, int depth) {
    ++pos_;
    v->type_ = JsonValue::Type::kArray;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return okStatus();
    }
    while (true) {
      v->items_.emplace_back();
      CB_RETURN_IF_ERROR(parseValue(&v->items_.back(), depth + 1));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return okStatus();
      }
      return error("',' or ']'");
    }
  }

  Status parseObject(JsonValue* v, int depth) {
    ++pos_;
    v->type_ = JsonValue::Type::kObject;
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return okStatus();
    }
    while (true) {
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        return error("a key string");
      }
      size_t key_pos = pos_;
      std::string key;
      CB_RETURN_IF_ERROR(parseString(&key));
      if (v->get(key) != nullptr) {
        pos_ = key_pos;
        return error("a key not seen before in this object (duplicate \"" + key + "\")");
      }
      skipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        return error("':'");
      }
      ++pos_;
      v->members_.emplace_back(std::move(key), JsonValue());
      CB_RETURN_IF_ERROR(parseValue(&v->members_.back().second, depth + 1));
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return okStatus();
      }
      return error("',' or '}'");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Result<JsonValue> JsonValue::parse(std::string_view text) {
  return JsonParser(text).parseDocument();
}

const JsonValue* JsonValue::get(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

std::string_view JsonValue::typeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "?";
}

void appendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      continue;
    }
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace corebridge::mappings

#include "mappings/codepage.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "mappings/codepage_tables.h"

namespace corebridge::mappings {

namespace {

std::string codePointName(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Writes the UTF-8 form of cp into buf; returns its length (1..4).
int utf8Encode(char32_t cp, char* buf) {
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  buf[0] = static_cast<char>(0xF0 | (cp >> 18));
  buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Decodes one UTF-8 character at s[*i], advancing *i. Returns false on
// malformed input (overlong forms, surrogates and values past U+10FFFF too).
bool utf8Next(std::string_view s, size_t* i, char32_t* cp) {
  auto b0 = static_cast<uint8_t>(s[*i]);
  if (b0 < 0x80) {
    *cp = b0;
    ++*i;
    return true;
  }
  int len;
  char32_t v;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (*i + len > s.size()) {
    return false;
  }
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<uint8_t>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      return false;
    }
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return false;
  }
  *cp = v;
  *i += len;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Pages loaded from table files. They are never freed: callers hold raw
// pointers for the life of the process.
struct Registry {
  std::mutex mu;
  std::vector<std::unique_ptr<CodePage>> owned;
  std::map<std::string, const CodePage*> by_name;  // lower-case name
};

Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

const CodePage* builtin(std::string_view raw) {
  std::string n = lower(raw);
  // Accept "cp037", "ibm-037", "ibm037", "ccsid037", "037", "37".
  for (std::string_view prefix : {"ibm-", "ibm", "cp", "ccsid-", "ccsid"}) {
    if (n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
        std::isdigit(static_cast<unsigned char>(n[prefix.size()]))) {
      n.erase(0, prefix.size());
      break;
    }
  }
  if (!n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    n.erase(0, std::min(n.find_first_not_of('0'), n.size() - 1));
  }
  if (n == "37" || n == "ebcdic") {
    return &CodePage::cp037();
  }
  if (n == "1047") {
    return &CodePage::cp1047();
  }
  if (n == "500") {
    return &CodePage::cp500();
  }
  if (n == "273") {
    return &CodePage::cp273();
  }
  if (n == "1140") {
    return &CodePage::cp1140();
  }
  if (n == "ascii" || n == "latin1" || n == "latin-1" || n == "iso-8859-1" || n == "iso8859-1" ||
      n == "819") {
    return &CodePage::ascii();
  }
  return nullptr;
}

}  // namespace

CodePage::CodePage(std::string name, bool ebcdic, const std::array<char32_t, 256>& to_unicode)
    : name_(std::move(name)), ebcdic_(ebcdic), to_unicode_(to_unicode) {
  from_latin1_.fill(-1);
  for (int b = 255; b >= 0; --b) {  // the lowest byte wins if a table is not a bijection
    char32_t cp = to_unicode_[b];
    if (cp < 256) {
      from_latin1_[cp] = static_cast<int16_t>(b);
    } else {
      from_unicode_[cp] = static_cast<uint8_t>(b);
    }
    std::array<char, 4> buf{};
    utf8_len_[b] = static_cast<uint8_t>(utf8Encode(cp, buf.data()));
    utf8_[b] = buf;
  }
  ascii_identity_ = true;
  for (int b = 0; b < 0x80; ++b) {
    ascii_identity_ = ascii_identity_ && to_unicode_[b] == char32_t(b);
  }
  auto byteOr = [this](char32_t cp, uint8_t fallback) {
    int b = fromUnicode(cp);
    return b < 0 ? fallback : static_cast<uint8_t>(b);
  };
  space_ = byteOr(U' ', ebcdic ? 0x40 : 0x20);
  digit_zero_ = byteOr(U'0', ebcdic ? 0xF0 : 0x30);
  plus_ = byteOr(U'+', ebcdic ? 0x4E : 0x2B);
  minus_ = byteOr(U'-', ebcdic ? 0x60 : 0x2D);
}

const CodePage& CodePage::cp037() {
  static const CodePage page("cp037", true, tables::cp037());
  return page;
}
const CodePage& CodePage::cp1047() {
  static const CodePage page("cp1047", true, tables::cp1047());
  return page;
}
const CodePage& CodePage::cp500() {
  static const CodePage page("cp500", true, tables::cp500());
  return page;
}
const CodePage& CodePage::cp273() {
  static const CodePage page("cp273", true, tables::cp273());
  return page;
}
const CodePage& CodePage::cp1140() {
  static const CodePage page("cp1140", true, tables::cp1140());
  return page;
}
const CodePage& CodePage::ascii() {
  static const CodePage page("ascii", false, tables::latin1());
  return page;
}

Result<const CodePage*> CodePage::byName(std::string_view name) {
  if (const CodePage* p = builtin(name)) {
    return p;
  }
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_name.find(lower(name));
  if (it != r.by_name.end()) {
    return it->second;
  }
  return notFound("unknown code page '" + std::string(name) +
                  "' (built in: cp037, cp1047, cp500, cp273, cp1140, ascii; or a table file)");
}

Result<const CodePage*> CodePage::loadTableFile(const std::string& path, const std::string& name) {
  if (name.empty()) {
    return invalidArgument(path + ": a code page needs a name");
  }
  if (builtin(name) != nullptr) {
    return invalidArgument(path + ": '" + name + "' is the name of a built-in code page");
  }
  std::ifstream in(path);
  if (!in) {
    return notFound(path + ": cannot open code page table");
  }
  std::array<char32_t, 256> table{};
  std::array<int, 256> line_of{};  // 0: not yet mapped
  std::map<char32_t, int> byte_of_cp;
  std::string line;
  int lineno = 0;
  auto at = [&](const std::string& what) {
    return invalidArgument(path + ":" + std::to_string(lineno) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (size_t hash = line.find('#'); hash != std::string::npos) {
      line.erase(hash);
    }
    size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) {
      continue;
    }
    size_t a_end = line.find_first_of(" \t\r", a);
    if (a_end == std::string::npos) {
      return at("expected '0xBB U+XXXX', got '" + line + "'");
    }
    size_t u = line.find_first_not_of(" \t\r", a_end);
    if (u == std::string::npos) {
      return at("expected '0xBB U+XXXX', got '" + line + "'");
    }
    size_t u_end = line.find_first_of(" \t\r", u);
    std::string bs = line.substr(a, a_end - a);
    std::string us = line.substr(u, u_end == std::string::npos ? std::string::npos : u_end - u);
    if (u_end != std::string::npos && line.find_first_not_of(" \t\r", u_end) != std::string::npos) {
      return at("unexpected text after the code point");
    }
    auto hexValue = [](std::string_view h, unsigned long max, unsigned long* v) {
      if (h.empty() || h.size() > 8) {
        return false;
      }
      *v = 0;
      for (char c : h) {
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                            : -1;
        if (d < 0) {
          return false;
        }
        *v = *v * 16 + static_cast<unsigned long>(d);
      }
      return *v <= max;
    };
    unsigned long b = 0;
    unsigned long cp = 0;
    if (bs.size() < 3 || (bs.compare(0, 2, "0x") != 0 && bs.compare(0, 2, "0X") != 0) ||
        !hexValue(std::string_view(bs).substr(2), 0xFF, &b)) {
      return at("bad byte '" + bs + "' (expected 0x00..0xFF)");
    }
    if (us.size() < 3 || (us.compare(0, 2, "U+") != 0 && us.compare(0, 2, "u+") != 0) ||
        !hexValue(std::string_view(us).substr(2), 0x10FFFF, &cp) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return at("bad code point '" + us + "' (expected U+0000..U+10FFFF, no surrogates)");
    }
    if (line_of[b] != 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "byte 0x%02lX mapped twice (first on line %d)", b, line_of[b]);
      return at(buf);
    }
    if (auto it = byte_of_cp.find(static_cast<char32_t>(cp)); it != byte_of_cp.end()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s mapped twice (first by byte 0x%02X on line %d)",
                    codePointName(static_cast<char32_t>(cp)).c_str(), it->second,
                    line_of[it->second]);
      return at(buf);
    }
    line_of[b] = lineno;
    byte_of_cp[static_cast<char32_t>(cp)] = static_cast<int>(b);
    table[b] = static_cast<char32_t>(cp);
  }
  for (int b = 0; b < 256; ++b) {
    if (line_of[b] == 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, ": byte 0x%02X has no mapping (256 are needed)", b);
      return invalidArgument(path + buf);
    }
  }
  for (char32_t needed :
       {U' ', U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U'+', U'-'}) {
    if (byte_of_cp.find(needed) == byte_of_cp.end()) {
      return invalidArgument(path + ": the table lacks " + codePointName(needed) +
                             " (space, digits, '+' and '-' are required)");
    }
  }
  int zero = byte_of_cp[U'0'];
  for (int d = 1; d <= 9; ++d) {
    if (byte_of_cp[U'0' + d] != zero + d) {
      return invalidArgument(path + ": digits 0-9 must be consecutive bytes");
    }
  }
  if (zero != 0xF0 && zero != 0x30) {
    return invalidArgument(path + ": digit zero must be byte 0xF0 (EBCDIC) or 0x30 (ASCII)");
  }
  auto page = std::make_unique<CodePage>(name, zero == 0xF0, table);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  const CodePage* p = page.get();
  r.owned.push_back(std::move(page));
  r.by_name[lower(name)] = p;  // a reload replaces the name; the old page stays valid
  return p;
}

int CodePage::fromUnicode(char32_t cp) const {
  if (cp < 256) {
    return from_latin1_[cp];
  }
  auto it = from_unicode_.find(cp);
  return it == from_unicode_.end() ? -1 : it->second;
}

void CodePage::decode(const uint8_t* p, size_t n, std::string* out) const {
  size_t old = out->size();
  if (ascii_identity_) {
    size_t i = 0;
    while (i < n && p[i] < 0x80) {
      ++i;
    }
    out->append(reinterpret_cast<const char*>(p), i);
    if (i == n) {
      return;
    }
    p += i;
    n -= i;
    old = out->size();
  }
  // Every byte takes at most 4 bytes of UTF-8; write into the slack, then trim.
  out->resize(old + n * 4);
  char* dst = out->data() + old;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(dst, utf8_[p[i]].data(), 4);
    dst += utf8_len_[p[i]];
  }
  out->resize(static_cast<size_t>(dst - out->data()));
}

Status CodePage::encode(std::string_view utf8, uint8_t* out, size_t n, bool justify_right) const {
  size_t count = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp;
    size_t start = i;
    auto c0 = static_cast<uint8_t>(utf8[i]);
    if (c0 < 0x80) {
      cp = c0;
      ++i;
    } else if (!utf8Next(utf8, &i, &cp)) {
      return invalidArgument("invalid UTF-8 at byte " + std::to_string(start) + " of the text");
    }
    int b = fromUnicode(cp);
    if (b < 0) {
      return invalidArgument("character " + codePointName(cp) + " at position " +
                             std::to_string(count + 1) + " is not in code page " + name_);
    }
    if (count >= n) {
      // Count the rest for the message; the characters need not be valid here.
      size_t total = count + 1;
      while (i < utf8.size()) {
        if ((static_cast<uint8_t>(utf8[i]) & 0xC0) != 0x80) {
          ++total;
        }
        ++i;
      }
      return invalidArgument("text of " + std::to_string(total) + " characters does not fit in " +
                             std::to_string(n) + " bytes");
    }
    out[count++] = static_cast<uint8_t>(b);
  }
  if (justify_right && count < n) {
    std::memmove(out + (n - count), out, count);
    std::memset(out, space_, n - count);
  } else {
    std::memset(out + count, space_, n - count);
  }
  return okStatus();
}

}  // namespace corebridge::mappings

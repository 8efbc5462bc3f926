// Single-byte code pages: EBCDIC (cp037, cp1047, cp500, cp273, cp1140) and
// ASCII (ISO-8859-1 for the upper half), plus tables loaded from files.
//
// A CodePage maps each of the 256 byte values to one Unicode code point and
// back. The built-in pages are immutable singletons, safe to share between
// threads. Tables loaded from a file are owned by the registry and live until
// exit.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace corebridge::mappings {

class CodePage {
 public:
  // to_unicode[b] is the code point of byte b.
  CodePage(std::string name, bool ebcdic, const std::array<char32_t, 256>& to_unicode);

  static const CodePage& cp037();
  static const CodePage& cp1047();
  static const CodePage& cp500();
  static const CodePage& cp273();
  static const CodePage& cp1140();
  static const CodePage& ascii();

  // "cp037", "037", "IBM-037", "IBM037", "ebcdic" (cp037), "ascii", "latin1",
  // case-insensitive; also any page registered with loadTableFile().
  static Result<const CodePage*> byName(std::string_view name);

  // Reads a table file (format in docs/codecs.md: 256 mappings "0xBB U+XXXX"),
  // registers it under `name` and returns it. Errors name the file and line.
  static Result<const CodePage*> loadTableFile(const std::string& path, const std::string& name);

  const std::string& name() const { return name_; }
  bool isEbcdic() const { return ebcdic_; }

  char32_t toUnicode(uint8_t b) const { return to_unicode_[b]; }
  // The byte for a code point, or -1 if this page cannot represent it.
  int fromUnicode(char32_t cp) const;

  uint8_t space() const { return space_; }
  // The byte of digit d (0..9): 0xF0+d in EBCDIC, 0x30+d in ASCII.
  uint8_t digit(int d) const { return static_cast<uint8_t>(digit_zero_ + d); }
  uint8_t plus() const { return plus_; }
  uint8_t minus() const { return minus_; }

  // Appends the UTF-8 text of n bytes to *out.
  void decode(const uint8_t* p, size_t n, std::string* out) const;
  // Encodes UTF-8 text into exactly n bytes: left-aligned and padded with
  // spaces, or right-aligned when `justify_right`. InvalidArgument when the
  // text is not valid UTF-8, holds a character this page lacks (naming it and
  // its position) or is longer than n characters.
  Status encode(std::string_view utf8, uint8_t* out, size_t n, bool justify_right = false) const;

 private:
  std::string name_;
  bool ebcdic_;
  std::array<char32_t, 256> to_unicode_;
  // Reverse map: code points below 256 in a flat table (-1: absent), the
  // rest (the euro sign, box drawing in loaded tables ...) in a hash map.
  std::array<int16_t, 256> from_latin1_;
  std::unordered_map<char32_t, uint8_t> from_unicode_;
  // UTF-8 bytes of each byte value, precomputed for decode's hot loop.
  std::array<std::array<char, 4>, 256> utf8_;
  std::array<uint8_t, 256> utf8_len_;
  bool ascii_identity_;  // bytes 0x00-0x7F are themselves (ASCII-based pages)
  uint8_t space_;
  uint8_t digit_zero_;
  uint8_t plus_;
  uint8_t minus_;
};

}  // namespace corebridge::mappings

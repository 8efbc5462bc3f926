// PICTURE character-strings: expansion, category, digits, scale, size.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "mappings/copybook_internal.h"

namespace corebridge::mappings::copybook_internal {
namespace {

constexpr size_t kMaxPictureChars = size_t{1} << 20;

bool isSymbol(char c) { return std::strchr("ABGNPSVXZ90/,.+-*$", c) != nullptr && c != '\0'; }

// Splits into symbols ("CR" and "DB" are one symbol) with repetitions
// written out.
bool expand(std::string_view pic, std::vector<std::string>* symbols, std::string* error) {
  size_t total = 0;
  for (size_t i = 0; i < pic.size();) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(pic[i])));
    std::string sym;
    if ((c == 'C' || c == 'D') && i + 1 < pic.size()) {
      char d = static_cast<char>(std::toupper(static_cast<unsigned char>(pic[i + 1])));
      if ((c == 'C' && d == 'R') || (c == 'D' && d == 'B')) {
        sym = std::string{c, d};
      }
    }
    if (sym.empty()) {
      if (!isSymbol(c)) {
        *error = "unknown symbol '" + std::string(1, pic[i]) + "'";
        return false;
      }
      sym = std::string(1, c);
    }
    i += sym.size();
    size_t count = 1;
    if (i < pic.size() && pic[i] == '(') {
      size_t close = pic.find(')', i);
      if (close == std::string_view::npos || close == i + 1) {
        *error = "a malformed repetition";
        return false;
      }
      count = 0;
      for (size_t k = i + 1; k < close; ++k) {
        if (!std::isdigit(static_cast<unsigned char>(pic[k])) || count > kMaxPictureChars) {
          *error = "a malformed repetition";
          return false;
        }
        count = count * 10 + static_cast<size_t>(pic[k] - '0');
      }
      if (count == 0) {
        *error = "a zero repetition";
        return false;
      }
      i = close + 1;
    }
    total += count * sym.size();
    if (total > kMaxPictureChars) {
      *error = "more than " + std::to_string(kMaxPictureChars) + " characters";
      return false;
    }
    for (size_t k = 0; k < count; ++k) {
      symbols->push_back(sym);
    }
  }
  if (symbols->empty()) {
    *error = "an empty picture";
    return false;
  }
  return true;
}

size_t countOf(const std::vector<std::string>& s, std::string_view sym) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), sym));
}

bool onlyOf(const std::vector<std::string>& s, std::string_view allowed) {
  return std::all_of(s.begin(), s.end(), [&](const std::string& x) {
    return x.size() == 1 && allowed.find(x[0]) != std::string_view::npos;
  });
}

bool numericPicture(const std::vector<std::string>& syms, PictureInfo* out, std::string* error) {
  std::vector<std::string> s = syms;
  if (countOf(s, "S") > 1 || (countOf(s, "S") == 1 && s[0] != "S")) {
    *error = "S that is not the first symbol";
    return false;
  }
  if (s[0] == "S") {
    out->is_signed = true;
    s.erase(s.begin());
  }
  if (countOf(s, "V") > 1) {
    *error = "more than one V";
    return false;
  }
  out->digits = static_cast<int>(countOf(s, "9"));
  if (out->digits == 0) {
    *error = "a numeric picture without 9";
    return false;
  }
  auto v = std::find(s.begin(), s.end(), "V");
  size_t v_pos = v == s.end() ? s.size() : static_cast<size_t>(v - s.begin());
  std::vector<std::string> body = s;
  if (v != s.end()) {
    body.erase(body.begin() + static_cast<long>(v_pos));
  }
  size_t ps = countOf(body, "P");
  if (ps == 0) {
    std::vector<std::string> right(s.begin() + static_cast<long>(v_pos), s.end());
    out->scale = static_cast<int>(countOf(right, "9"));
    return true;
  }
  size_t lead = 0;
  while (lead < body.size() && body[lead] == "P") {
    ++lead;
  }
  size_t trail = 0;
  while (trail < body.size() && body[body.size() - 1 - trail] == "P") {
    ++trail;
  }
  if (lead == ps) {
    // P at the left: the point is at the left of the P's (V, if any, first).
    if (v != s.end() && v_pos != 0) {
      *error = "V between P and 9";
      return false;
    }
    out->scale = static_cast<int>(ps) + out->digits;
    return true;
  }
  if (trail == ps) {
    if (v != s.end() && v_pos != s.size() - 1) {
      *error = "V before trailing P";
      return false;
    }
    out->scale = -static_cast<int>(ps);
    return true;
  }
  *error = "P that is neither leftmost nor rightmost";
  return false;
}

bool editedPicture(const std::vector<std::string>& s, PictureInfo* out, std::string* error) {
  for (const std::string& x : s) {
    if (x == "S" || x == "A" || x == "X" || x == "N" || x == "G") {
      *error = "'" + x + "' in a numeric-edited picture";
      return false;
    }
  }
  out->category = Category::kNumericEdited;
  int digits = static_cast<int>(countOf(s, "9") + countOf(s, "Z") + countOf(s, "*"));
  for (const char* f : {"+", "-", "$"}) {
    size_t n = countOf(s, f);
    if (n >= 2) {
      digits += static_cast<int>(n - 1);
    }
  }
  if (digits == 0) {
    *error = "an edited picture without digit positions";
    return false;
  }
  out->digits = digits;
  auto point =
      std::find_if(s.begin(), s.end(), [](const std::string& x) { return x == "V" || x == "."; });
  int scale = 0;
  for (auto it = point; it != s.end(); ++it) {
    const std::string& x = *it;
    if (x == "9" || x == "Z" || x == "*") {
      ++scale;
    }
    if ((x == "+" || x == "-" || x == "$") && countOf(s, x) >= 2) {
      ++scale;
    }
  }
  out->scale = scale;
  out->is_signed = countOf(s, "+") + countOf(s, "-") + countOf(s, "CR") + countOf(s, "DB") > 0;
  if (countOf(s, "V") > 1) {
    *error = "more than one V";
    return false;
  }
  return true;
}

}  // namespace

bool analyzePicture(std::string_view pic, PictureInfo* out, std::string* error) {
  std::vector<std::string> s;
  if (!expand(pic, &s, error)) {
    return false;
  }
  *out = PictureInfo();
  for (const std::string& x : s) {
    out->expanded += x;
  }
  for (const std::string& x : s) {
    if (x != "V" && x != "P" && x != "S") {
      out->chars += x.size();
    }
  }
  if (countOf(s, "N") + countOf(s, "G") > 0) {
    if (!onlyOf(s, "NGB0/")) {
      *error = "N mixed with other symbols";
      return false;
    }
    out->category = Category::kNational;
    return true;
  }
  if (countOf(s, "X") + countOf(s, "A") > 0) {
    if (!onlyOf(s, "XA9B0/")) {
      *error = "X or A mixed with numeric symbols";
      return false;
    }
    if (!onlyOf(s, "XA9")) {
      out->category = Category::kAlphanumericEdited;
    } else if (onlyOf(s, "A")) {
      out->category = Category::kAlphabetic;
    } else {
      out->category = Category::kAlphanumeric;
    }
    return true;
  }
  if (onlyOf(s, "9SVP")) {
    out->category = Category::kNumeric;
    return numericPicture(s, out, error);
  }
  if (countOf(s, "P") > 0) {
    *error = "P in an edited picture";
    return false;
  }
  return editedPicture(s, out, error);
}

}  // namespace corebridge::mappings::copybook_internal

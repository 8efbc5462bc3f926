// Numeric-edited items: editing (encode) with the semantics of GnuCOBOL's
// MOVE to an edited item, and de-editing (decode).
//
// Supported symbols: 9 Z * + - $ (currency) . , B 0 / CR DB V P, with
// DECIMAL-POINT IS PERIOD only (DECIMAL-POINT IS COMMA and CURRENCY SIGN
// other than '$' are out of scope).
#include <cstring>
#include <vector>

#include "mappings/field_codec.h"
#include "mappings/field_codec_internal.h"

namespace corebridge::mappings::internal {

namespace {

// One picture symbol; CR and DB are one symbol of width 2.
struct Sym {
  char c;              // '9' 'Z' '*' '+' '-' '$' '.' ',' 'B' '0' '/' 'C' (CR) 'D' (DB) 'V' 'P'
  int run;             // length of the run of identical symbols it belongs to
  int power = 0;       // for digit-consuming symbols: the power of ten it shows
  bool head = false;   // first sign/currency symbol: takes a place but shows no digit
  bool digit = false;  // consumes a digit (9 Z * P and sign/currency symbols counted as places)
};

Status parsePicture(const Field& f, std::vector<Sym>* out) {
  const std::string& p = f.picture;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    switch (c) {
      case '9':
      case 'Z':
      case '*':
      case '+':
      case '-':
      case '$':
      case '.':
      case ',':
      case 'B':
      case '0':
      case '/':
      case 'V':
      case 'P':
        out->push_back({c, 1});
        break;
      case 'C':
      case 'D':
        if (i + 1 < p.size() && p[i + 1] == (c == 'C' ? 'R' : 'B')) {
          out->push_back({c, 1});
          ++i;
          break;
        }
        [[fallthrough]];
      default:
        return unimplemented("numeric-edited picture '" + p + "': symbol '" + std::string(1, c) +
                             "' is not supported (DECIMAL-POINT IS COMMA and other currency "
                             "signs are out of scope)");
    }
  }
  // Runs of identical symbols (a floating string is a run of + - or $).
  for (size_t i = 0; i < out->size();) {
    size_t j = i;
    while (j < out->size() && (*out)[j].c == (*out)[i].c) {
      ++j;
    }
    for (size_t k = i; k < j; ++k) {
      (*out)[k].run = static_cast<int>(j - i);
    }
    i = j;
  }
  // Digit places before the decimal point, counting leading sign and
  // currency symbols and P scaling positions (as GnuCOBOL does).
  int count = 0;
  bool count_sign = true;
  bool count_curr = true;
  for (const Sym& s : *out) {
    char c = s.c;
    if (c == '9' || c == 'Z' || c == '*') {
      ++count;
      count_sign = count_curr = false;
    } else if ((c == '$' && count_curr) || ((c == '+' || c == '-') && count_sign)) {
      ++count;
    } else if (c == 'P') {
      if (count == 0) {
        break;  // left P's (VPP99) take places after the point
      }
      ++count;
      count_sign = count_curr = false;
    } else if (c == 'V' || c == '.') {
      break;
    }
  }
  // Assign powers: the places walk down from count-1.
  int power = count - 1;
  bool trailing = false;  // past the first 9 Z *: + - $ are then fixed, not places
  for (Sym& s : *out) {
    char c = s.c;
    bool consumes = c == '9' || c == 'Z' || c == '*' || c == 'P' ||
                    ((c == '+' || c == '-' || c == '$') && !trailing);
    if (c == '9' || c == 'Z' || c == '*') {
      trailing = true;
    }
    if (consumes) {
      s.digit = true;
      s.power = power--;
    }
  }
  // The first + - or $ that takes a place (a fixed symbol, or the head of a
  // floating string) shows the sign or currency, never a digit.
  bool seen_plus = false, seen_minus = false, seen_curr = false;
  for (Sym& s : *out) {
    if (!s.digit) {
      continue;
    }
    bool* seen = s.c == '+'   ? &seen_plus
                 : s.c == '-' ? &seen_minus
                 : s.c == '$' ? &seen_curr
                              : nullptr;
    if (seen != nullptr && !*seen) {
      *seen = true;
      s.head = true;
    }
  }
  return okStatus();
}

int digitAt(uint128 m, int scale, int power) {
  int idx = power + scale;  // index of the digit in the unscaled value
  if (idx < 0 || idx > 38) {
    return 0;
  }
  return static_cast<int>((m / static_cast<uint128>(pow10i128(idx))) % 10);
}

}  // namespace

Status encodeEdited(const Field& f, const Dialect& d, int128 unscaled, uint8_t* out) {
  std::vector<Sym> syms;
  CB_RETURN_IF_ERROR(parsePicture(f, &syms));
  const uint128 m = magnitude(unscaled);
  // The value must fit the places that show digits: the first sign or
  // currency symbol (fixed, or the head of a floating string) is not a
  // digit place.
  int max_power = -1000;
  for (const Sym& s : syms) {
    if (s.digit && !s.head && s.c != 'P' && s.power > max_power) {
      max_power = s.power;
    }
  }
  int top = max_power + f.scale + 1;  // digits of the unscaled value that can show
  if (top < 0) {
    top = 0;
  }
  if (top <= 38 && m >= static_cast<uint128>(pow10i128(top))) {
    return outOfRange("value " + Decimal{unscaled, f.scale}.toString() + " does not fit " +
                      describe(f));
  }

  std::string buf;  // ASCII result, then mapped to the code page
  buf.reserve(f.length + 2);
  const bool neg = unscaled < 0;
  bool is_zero = true;
  bool suppress = true;
  char pad = ' ';
  bool trailing_sign = false;
  bool trailing_curr = false;
  char sign_symbol = 0;
  char curr_symbol = 0;
  bool sign_first = false;
  bool floating = false;
  char float_char = 0;  // the symbol of the floating string
  long last_fixed_pos = -1;
  char last_fixed_char = 0;
  long decimal_point = -1;
  long end = -1;  // one past the region the fix-ups touch; -1: the whole item

  for (const Sym& s : syms) {
    const char c = s.c;
    int x = s.digit ? digitAt(m, f.scale, s.power) : 0;
    if (s.digit && x != 0 && c != '9') {
      is_zero = suppress = false;
    }
    switch (c) {
      case '0':
      case '/':
        buf.push_back(c);
        break;
      case 'B':
        buf.push_back(suppress ? pad : 'B');
        break;
      case 'P':
      case 'V':
        if (c == 'V') {
          decimal_point = static_cast<long>(buf.size()) - 1;
        }
        break;
      case '9':
        buf.push_back(static_cast<char>('0' + x));
        if (x != 0) {
          is_zero = false;
        }
        suppress = false;
        trailing_sign = trailing_curr = true;
        break;
      case '.':
        buf.push_back('.');
        decimal_point = static_cast<long>(buf.size()) - 1;
        break;
      case ',':
        buf.push_back(suppress ? pad : ',');
        break;
      case 'C':
      case 'D':
        end = static_cast<long>(buf.size());
        if (neg && !is_zero) {
          buf += c == 'C' ? "CR" : "DB";
        } else {
          buf += "  ";
        }
        break;
      case 'Z':
      case '*':
        pad = c == '*' ? '*' : ' ';
        buf.push_back(suppress ? pad : static_cast<char>('0' + x));
        trailing_sign = trailing_curr = true;
        break;
      case '+':
      case '-':
      case '$': {
        const bool is_sign = c != '$';
        const bool trail = is_sign ? trailing_sign : trailing_curr;
        if (trail) {
          if (is_sign) {
            buf.push_back(neg && !is_zero ? '-' : (c == '+' ? '+' : ' '));
          } else {
            buf.push_back('$');
          }
          end = (end < 0 ? static_cast<long>(f.length) : end) - 1;
        } else if (buf.empty() || suppress) {
          buf.push_back(pad);
          if (is_sign) {
            sign_symbol = c;
            if (!curr_symbol) {
              sign_first = true;
            }
          } else {
            curr_symbol = '$';
          }
        } else {
          buf.push_back(static_cast<char>('0' + x));
        }
        if (s.run > 1 || last_fixed_char == c) {
          floating = true;
          float_char = c;
        } else if (!trail) {
          if (last_fixed_pos >= 0) {
            buf[static_cast<size_t>(last_fixed_pos)] = last_fixed_char;
          }
          last_fixed_pos = static_cast<long>(buf.size()) - 1;
          last_fixed_char = c;
        }
        break;
      }
    }
  }
  if (buf.size() != f.length) {
    return internalError("numeric-edited picture '" + f.picture + "' gives " +
                         std::to_string(buf.size()) + " characters for an item of " +
                         std::to_string(f.length) + " bytes");
  }
  if (end < 0) {
    end = static_cast<long>(buf.size());
  }
  if (sign_symbol) {
    if (neg && !is_zero) {
      sign_symbol = '-';
    } else if (sign_symbol != '+') {
      sign_symbol = ' ';
    }
  }
  if (suppress || (is_zero && f.blank_when_zero)) {
    if (pad == ' ' || f.blank_when_zero) {
      std::memset(buf.data(), ' ', buf.size());
    } else {
      for (char& ch : buf) {
        if (ch != '.') {
          ch = pad;
        }
      }
    }
  } else {
    if (decimal_point >= 0) {
      for (long i = decimal_point + 1; i < end; ++i) {
        char& ch = buf[static_cast<size_t>(i)];
        if (!((ch >= '0' && ch <= '9') || ch == ',' || ch == '+' || ch == '-' || ch == '/' ||
              ch == 'B')) {
          ch = '0';
        }
      }
    }
    if (sign_symbol || curr_symbol) {
      if (floating) {
        long i = end - 1;
        while (i > 0 && buf[static_cast<size_t>(i)] != ' ') {
          --i;
        }
        auto shown = [&](char sym) { return sym == '$' ? curr_symbol : sign_symbol; };
        if (last_fixed_pos >= 0 && last_fixed_char != float_char) {
          // A fixed symbol before a floating string of another one
          // (-$$$9.99, $---9.99): the fixed one stays in its place.
          // GnuCOBOL 3.1.2 leaves a fixed '-' even on positive values here;
          // the standard (and this code) writes a space.
          buf[static_cast<size_t>(last_fixed_pos)] = shown(last_fixed_char);
          buf[static_cast<size_t>(i)] = shown(float_char);
        } else if (sign_symbol && curr_symbol) {
          char first = sign_first ? curr_symbol : sign_symbol;
          char second = sign_first ? sign_symbol : curr_symbol;
          buf[static_cast<size_t>(i)] = first;
          if (i - 1 >= 0) {
            buf[static_cast<size_t>(i - 1)] = second;
          }
        } else {
          buf[static_cast<size_t>(i)] = sign_symbol ? sign_symbol : curr_symbol;
        }
      } else if (last_fixed_pos >= 0) {
        buf[static_cast<size_t>(last_fixed_pos)] =
            last_fixed_char == '$' ? curr_symbol : sign_symbol;
      }
    }
    int seen = 0;
    for (long i = 0; i < end; ++i) {
      char& ch = buf[static_cast<size_t>(i)];
      if (ch == 'B') {
        ch = seen == 0 ? pad : ' ';
      } else {
        ++seen;
      }
    }
  }
  const CodePage& cp = *d.code_page;
  for (size_t i = 0; i < buf.size(); ++i) {
    int b = cp.fromUnicode(static_cast<unsigned char>(buf[i]));
    if (b < 0) {
      return internalError("code page " + cp.name() + " lacks '" + buf.substr(i, 1) + "'");
    }
    out[i] = static_cast<uint8_t>(b);
  }
  return okStatus();
}

Status decodeEdited(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out) {
  std::vector<Sym> syms;
  CB_RETURN_IF_ERROR(parsePicture(f, &syms));
  const CodePage& cp = *d.code_page;
  const size_t n = f.length;
  std::string text;
  text.reserve(n);
  bool all_space = true;
  for (size_t i = 0; i < n; ++i) {
    char32_t u = cp.toUnicode(p[i]);
    text.push_back(u < 0x80 ? static_cast<char>(u) : '\x7F');
    if (u != U' ') {
      all_space = false;
    }
  }
  if (all_space) {
    *out = Decimal{0, f.scale};
    return okStatus();
  }
  bool has_sign = false;
  bool has_curr = false;
  for (const Sym& s : syms) {
    has_sign = has_sign || s.c == '+' || s.c == '-';
    has_curr = has_curr || s.c == '$';
  }
  int128 acc = 0;
  bool negative = false;
  bool seen_digit = false;
  size_t pos = 0;
  auto bad = [&](size_t at, char sym) {
    std::string what = "character '";
    what += text[at] == '\x7F' ? '?' : text[at];
    what += "' does not fit picture symbol '";
    what += sym == 'C' ? "CR" : sym == 'D' ? "DB" : std::string(1, sym);
    what += "' of " + f.picture;
    return badByte(p, n, at, what);
  };
  for (const Sym& s : syms) {
    if (s.c == 'V' || s.c == 'P') {
      continue;
    }
    if (pos >= n) {
      return internalError("numeric-edited picture longer than the item");
    }
    const char ch = text[pos];
    const bool is_digit = ch >= '0' && ch <= '9';
    int digit = -1;
    switch (s.c) {
      case '9':
        if (!is_digit) {
          return bad(pos, s.c);
        }
        digit = ch - '0';
        break;
      case 'Z':
      case '*':
        if (is_digit) {
          digit = ch - '0';
        } else if (ch == (s.c == 'Z' ? ' ' : '*') && (!seen_digit || s.c == '*')) {
          digit = 0;
        } else {
          return bad(pos, s.c);
        }
        break;
      case '+':
      case '-':
      case '$':
        if (is_digit && s.digit && !s.head) {
          digit = ch - '0';
        } else if (s.c != '$' && (ch == '-' || (ch == '+' && s.c == '+'))) {
          negative = ch == '-';
          if (s.digit) {
            digit = 0;
          }
        } else if ((s.c == '$' && ch == '$') || ch == ' ' || ch == '*') {
          if (s.digit) {
            digit = 0;
          }
          if (ch == ' ' && s.c == '+' && !s.digit) {
            return bad(pos, s.c);
          }
        } else {
          return bad(pos, s.c);
        }
        break;
      case '.':
        if (ch != '.' && ch != ' ' && ch != '*') {
          return bad(pos, s.c);
        }
        break;
      case ',':
      case '0':
      case '/':
      case 'B':
        // Suppressed insertion characters show the pad, or the sign or
        // currency symbol that floated into their place.
        if (ch == '-' && has_sign) {
          negative = true;
        } else if (ch != (s.c == 'B' ? ' ' : s.c) && ch != ' ' && ch != '*' &&
                   !(ch == '$' && has_curr) && !(ch == '+' && has_sign)) {
          return bad(pos, s.c);
        }
        break;
      case 'C':
      case 'D': {
        const char* word = s.c == 'C' ? "CR" : "DB";
        if (pos + 1 >= n) {
          return bad(pos, s.c);
        }
        if (text[pos] == word[0] && text[pos + 1] == word[1]) {
          negative = true;
        } else if (!(text[pos] == ' ' && text[pos + 1] == ' ')) {
          return bad(pos, s.c);
        }
        ++pos;
        break;
      }
    }
    if (digit > 0 || is_digit) {
      seen_digit = seen_digit || is_digit;
    }
    if (digit > 0) {
      int idx = s.power + f.scale;
      if (idx < 0 || idx > 37) {
        return bad(pos, s.c);
      }
      acc += static_cast<int128>(digit) * pow10i128(idx);
    }
    ++pos;
  }
  *out = Decimal{negative && acc != 0 ? -acc : acc, f.scale};
  return okStatus();
}

}  // namespace corebridge::mappings::internal

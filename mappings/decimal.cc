#include "mappings/decimal.h"

#include <array>
#include <cstring>

namespace corebridge::mappings {

namespace {

using uint128 = unsigned __int128;

constexpr std::array<int128, 39> makePowers() {
  std::array<int128, 39> p{};
  p[0] = 1;
  for (int i = 1; i <= 38; ++i) {
    p[i] = p[i - 1] * 10;
  }
  return p;
}
constexpr std::array<int128, 39> kPow10 = makePowers();

uint128 magnitude(int128 v) { return v < 0 ? uint128(0) - uint128(v) : uint128(v); }

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes exactly `count` low digits of *v (count < 0: all of them, at least
// one) right-aligned ending at p, consuming them from *v; returns the new p.
char* writeDigits(uint128* v, int count, char* p) {
  while (*v > UINT64_MAX && count != 0) {
    *--p = static_cast<char>('0' + static_cast<unsigned>(*v % 10));
    *v /= 10;
    --count;
  }
  if (count == 0) {
    return p;  // *v may still be wider than 64 bits
  }
  auto x = static_cast<uint64_t>(*v);
  if (count < 0) {
    while (x >= 100) {
      std::memcpy(p -= 2, kDigitPairs + 2 * (x % 100), 2);
      x /= 100;
    }
    if (x >= 10) {
      std::memcpy(p -= 2, kDigitPairs + 2 * x, 2);
    } else {
      *--p = static_cast<char>('0' + x);
    }
    *v = 0;
    return p;
  }
  for (; count >= 2; count -= 2) {
    std::memcpy(p -= 2, kDigitPairs + 2 * (x % 100), 2);
    x /= 100;
  }
  if (count == 1) {
    *--p = static_cast<char>('0' + x % 10);
    x /= 10;
  }
  *v = x;
  return p;
}

// Longest text: sign, 39 digits, point, leading "0." zeros for scales past
// the digit count, trailing zeros of a negative scale.
constexpr int kMaxFastScale = 64;
constexpr size_t kBufSize = 1 + 40 + 1 + kMaxFastScale + 2;

// Formats right-aligned into [buf, end) (kBufSize bytes when |scale| <=
// kMaxFastScale); returns the first character.
char* format(const Decimal& d, char* end) {
  char* p = end;
  uint128 m = magnitude(d.unscaled);
  if (d.scale < 0 && m != 0) {
    p -= -d.scale;
    std::memset(p, '0', static_cast<size_t>(-d.scale));
  }
  if (d.scale > 0) {
    p = writeDigits(&m, d.scale, p);
    *--p = '.';
  }
  p = writeDigits(&m, -1, p);
  if (d.unscaled < 0) {
    *--p = '-';
  }
  return p;
}

}  // namespace

int128 pow10i128(int n) { return kPow10[static_cast<size_t>(n)]; }

std::string Decimal::toString() const {
  std::string s;
  appendTo(&s);
  return s;
}

void Decimal::appendTo(std::string* out) const {
  if (scale >= -kMaxFastScale && scale <= kMaxFastScale) {
    char buf[kBufSize];
    char* first = format(*this, buf + kBufSize);
    out->append(first, static_cast<size_t>(buf + kBufSize - first));
    return;
  }
  std::string big(static_cast<size_t>(kBufSize + (scale < 0 ? -scale : scale)), '\0');
  char* end = big.data() + big.size();
  char* first = format(*this, end);
  out->append(first, static_cast<size_t>(end - first));
}

Result<Decimal> Decimal::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return invalidArgument("not a decimal number '" + std::string(text) + "': " + why);
  };
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    neg = text[i] == '-';
    ++i;
  }
  // Validate and measure first: digits, significant digits, fraction digits.
  int any_digits = 0;
  int significant = 0;
  int frac = 0;
  int trailing_zeros = 0;  // of the integer part, when there is no fraction
  bool point = false;
  for (size_t k = i; k < text.size(); ++k) {
    char c = text[k];
    if (c >= '0' && c <= '9') {
      ++any_digits;
      if (point) {
        ++frac;
      }
      if (significant > 0 || c != '0') {
        ++significant;
      }
      trailing_zeros = c == '0' && significant > 0 ? trailing_zeros + 1 : 0;
    } else if (c == '.' && !point) {
      point = true;
    } else if (c == 'e' || c == 'E') {
      return bad("exponent notation is not accepted");
    } else {
      return bad(std::string("unexpected character '") + c + "' at position " +
                 std::to_string(k + 1));
    }
  }
  if (any_digits == 0) {
    return bad("no digits");
  }
  if (frac > kMaxDecimalDigits) {
    return bad("more than " + std::to_string(kMaxDecimalDigits) + " fraction digits");
  }
  // An integer with more than 38 digits whose excess is trailing zeros
  // (as Decimal{12, -40}.toString() prints) keeps a negative scale.
  int drop = 0;
  if (significant > kMaxDecimalDigits) {
    drop = significant - kMaxDecimalDigits;
    if (frac > 0 || trailing_zeros < drop) {
      return bad("more than " + std::to_string(kMaxDecimalDigits) + " significant digits");
    }
  }
  uint128 v = 0;
  int remaining = any_digits - drop;
  for (; i < text.size() && remaining > 0; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') {
      continue;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
    --remaining;
  }
  int128 u = static_cast<int128>(v);
  return Decimal{neg ? -u : u, drop > 0 ? -drop : frac};
}

Result<Decimal> Decimal::rescale(int new_scale) const {
  if (new_scale == scale) {
    return *this;
  }
  auto describe = [&] { return toString() + " at scale " + std::to_string(new_scale); };
  if (new_scale > scale) {
    int k = new_scale - scale;
    if (unscaled == 0) {
      return Decimal{0, new_scale};
    }
    if (k > kMaxDecimalDigits || digitCount() + k > kMaxDecimalDigits) {
      return outOfRange(describe() + " needs more than 38 digits");
    }
    return Decimal{unscaled * kPow10[static_cast<size_t>(k)], new_scale};
  }
  int k = scale - new_scale;
  if (k > kMaxDecimalDigits) {
    if (unscaled == 0) {
      return Decimal{0, new_scale};
    }
    return outOfRange(describe() + " would lose digits");
  }
  int128 p = kPow10[static_cast<size_t>(k)];
  if (unscaled % p != 0) {
    return outOfRange(describe() + " would lose digits");
  }
  return Decimal{unscaled / p, new_scale};
}

int Decimal::digitCount() const {
  uint128 m = magnitude(unscaled);
  int n = 1;
  while (n < 39 && m >= static_cast<uint128>(kPow10[static_cast<size_t>(n)])) {
    ++n;
  }
  return n;
}

int Decimal::compare(const Decimal& other) const {
  int sa = unscaled < 0 ? -1 : (unscaled > 0 ? 1 : 0);
  int sb = other.unscaled < 0 ? -1 : (other.unscaled > 0 ? 1 : 0);
  if (sa != sb) {
    return sa < sb ? -1 : 1;
  }
  if (sa == 0) {
    return 0;
  }
  // Same sign: compare magnitudes after bringing both to the larger scale.
  // Scaling up can pass 2^128; detect that instead of overflowing (the
  // scaled-up side is then the larger in magnitude).
  uint128 ma = magnitude(unscaled);
  uint128 mb = magnitude(other.unscaled);
  int mag;  // -1, 0, 1 for |this| vs |other|
  auto scaledCmp = [](uint128 small_scale, uint128 big_scale, int k) {
    // compares small_scale * 10^k with big_scale
    if (k > 38) {
      return 1;  // small_scale >= 1, so >= 10^39 > any int128
    }
    auto p = static_cast<uint128>(kPow10[static_cast<size_t>(k)]);
    if (small_scale > (~uint128(0)) / p) {
      return 1;
    }
    uint128 s = small_scale * p;
    return s < big_scale ? -1 : (s > big_scale ? 1 : 0);
  };
  if (scale == other.scale) {
    mag = ma < mb ? -1 : (ma > mb ? 1 : 0);
  } else if (scale < other.scale) {
    mag = scaledCmp(ma, mb, other.scale - scale);
  } else {
    mag = -scaledCmp(mb, ma, scale - other.scale);
  }
  return sa > 0 ? mag : -mag;
}

}  // namespace corebridge::mappings

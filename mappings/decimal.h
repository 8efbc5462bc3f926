// Decimal: an exact fixed-point number, unscaled * 10^-scale, with a signed
// 128-bit unscaled value. It holds every COBOL numeric of up to 38 digits
// (10^38 - 1 < 2^127) exactly; no binary floating point is ever involved.
//
// Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace corebridge::mappings {

using int128 = __int128;

constexpr int kMaxDecimalDigits = 38;

struct Decimal {
  int128 unscaled = 0;
  int scale = 0;  // may be negative (PIC 9(3)PP has scale -2)

  static Decimal of(int128 unscaled, int scale) { return Decimal{unscaled, scale}; }

  bool isZero() const { return unscaled == 0; }
  bool isNegative() const { return unscaled < 0; }

  // Exactly `scale` digits after the point, never an exponent: "-1234.50",
  // "0.05", "1200" (scale -2: unscaled 12). Negative zero does not exist.
  std::string toString() const;
  // Appends toString() to *out without allocating when *out has room.
  void appendTo(std::string* out) const;

  // Parses "-1234.5", "+12", "0.050", "1e3" is refused (no exponent). The
  // result keeps the digits as written (scale = digits after the point).
  static Result<Decimal> parse(std::string_view text);

  // The same value at `new_scale`. OutOfRange when digits would be lost
  // (rescaling 1.25 to scale 1) or the value would not fit in 38 digits.
  Result<Decimal> rescale(int new_scale) const;

  // Number of decimal digits of |unscaled| (0 has 1 digit).
  int digitCount() const;

  // Exact comparison across scales.
  int compare(const Decimal& other) const;
  bool operator==(const Decimal& other) const { return compare(other) == 0; }
};

// 10^n for 0 <= n <= 38.
int128 pow10i128(int n);

}  // namespace corebridge::mappings

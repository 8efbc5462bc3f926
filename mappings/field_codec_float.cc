// COMP-1 / COMP-2: IBM hexadecimal floating point and IEEE 754.
//
// HFP: sign bit, 7-bit exponent in excess 64 (a power of 16), then a 24-bit
// (short) or 56-bit (long) fraction f, value = f / 2^bits * 16^(exp - 64).
// Decoding is exact for short and correctly rounded for long (56 > 53 bits,
// the uint64 -> double conversion rounds to nearest even); unnormalised
// fractions decode by the same formula. Encoding normalises and rounds to
// nearest even; values too large are OutOfRange (except exactly 16^63, the
// double the largest HFP long decodes to, which saturates to it), values
// below the smallest HFP magnitude become unnormalised and then zero.
#include <cmath>
#include <cstring>
#include <limits>

#include "mappings/field_codec.h"
#include "mappings/field_codec_internal.h"

namespace corebridge::mappings {

namespace {

size_t floatSize(const Field& f) { return f.usage == Usage::kFloatShort ? 4 : 8; }

uint64_t load(const uint8_t* p, size_t n, ByteOrder order) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t k = order == ByteOrder::kBigEndian ? i : n - 1 - i;
    v = v << 8 | p[k];
  }
  return v;
}

void store(uint64_t v, uint8_t* p, size_t n, ByteOrder order) {
  for (size_t i = 0; i < n; ++i) {
    auto b = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
    p[order == ByteOrder::kBigEndian ? i : n - 1 - i] = b;
  }
}

double hfpToDouble(uint64_t raw, size_t n) {
  const int frac_bits = n == 4 ? 24 : 56;
  const bool neg = (raw >> (8 * n - 1)) & 1;
  const int exp = static_cast<int>((raw >> frac_bits) & 0x7F) - 64;
  const uint64_t frac = raw & ((uint64_t(1) << frac_bits) - 1);
  // frac -> double rounds (long) to nearest even; scaling by a power of two
  // is then exact: HFP's range lies inside double's normal range.
  double v = std::ldexp(static_cast<double>(frac), 4 * exp - frac_bits);
  return neg ? -v : v;
}

Status doubleToHfp(double v, size_t n, uint64_t* raw) {
  const int frac_bits = n == 4 ? 24 : 56;
  uint64_t sign = std::signbit(v) ? uint64_t(1) << (8 * n - 1) : 0;
  if (v == 0) {
    *raw = 0;  // negative zero is zero
    return okStatus();
  }
  double a = std::fabs(v);
  int e2;
  std::frexp(a, &e2);  // a in [2^(e2-1), 2^e2)
  // Hex exponent E with a / 16^E in [1/16, 1).
  int e16 = e2 >= 0 ? (e2 + 3) / 4 : -((-e2) / 4);
  if (e16 < -64) {
    e16 = -64;  // unnormalised at the smallest exponent
  }
  double scaled = std::ldexp(a, frac_bits - 4 * e16);  // exact
  double r = std::nearbyint(scaled);                   // ties to even
  auto frac = static_cast<uint64_t>(r);
  if (frac >> frac_bits) {  // rounding carried into a new hex digit
    frac >>= 4;
    ++e16;
  }
  if (e16 > 63 && n == 8 && a == std::ldexp(1.0, 252)) {
    // 16^63 is what the largest HFP long values decode to (56 bits round up
    // to 53); it maps back to the largest HFP long so those values round-trip.
    *raw = sign | uint64_t(0x7F) << 56 | ((uint64_t(1) << 56) - 1);
    return okStatus();
  }
  if (e16 > 63) {
    return outOfRange("value " + std::to_string(v) + " is too large for IBM hexadecimal float");
  }
  if (frac == 0) {
    *raw = 0;
    return okStatus();
  }
  *raw = sign | static_cast<uint64_t>(e16 + 64) << frac_bits | frac;
  return okStatus();
}

}  // namespace

Status decodeFloat(const Field& f, const Dialect& d, const uint8_t* p, double* out) {
  if (f.usage != Usage::kFloatShort && f.usage != Usage::kFloatLong) {
    return invalidArgument(internal::describe(f) + " is not COMP-1/COMP-2");
  }
  const size_t n = floatSize(f);
  const uint64_t raw = load(p, n, d.native_order);
  if (d.float_format == FloatFormat::kIbmHex) {
    *out = hfpToDouble(raw, n);
    return okStatus();
  }
  double v;
  if (n == 4) {
    float x;
    auto r32 = static_cast<uint32_t>(raw);
    std::memcpy(&x, &r32, 4);
    v = x;
  } else {
    std::memcpy(&v, &raw, 8);
  }
  if (!std::isfinite(v)) {
    return internal::badByte(p, n, 0, "IEEE infinity or NaN");
  }
  *out = v == 0 ? 0.0 : v;
  return okStatus();
}

Status encodeFloat(const Field& f, const Dialect& d, double v, uint8_t* out) {
  if (f.usage != Usage::kFloatShort && f.usage != Usage::kFloatLong) {
    return invalidArgument(internal::describe(f) + " is not COMP-1/COMP-2");
  }
  if (!std::isfinite(v)) {
    return invalidArgument("infinity or NaN cannot be stored in COMP-1/COMP-2");
  }
  const size_t n = floatSize(f);
  uint64_t raw = 0;
  if (d.float_format == FloatFormat::kIbmHex) {
    CB_RETURN_IF_ERROR(doubleToHfp(v, n, &raw));
  } else if (n == 4) {
    if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
      // Values that round down to FLT_MAX are still representable.
      auto x = static_cast<float>(v);
      if (!std::isfinite(x)) {
        return outOfRange("value " + std::to_string(v) + " is too large for COMP-1");
      }
    }
    float x = v == 0 ? 0.0f : static_cast<float>(v);
    uint32_t r32;
    std::memcpy(&r32, &x, 4);
    raw = r32;
  } else {
    double x = v == 0 ? 0.0 : v;
    std::memcpy(&raw, &x, 8);
  }
  store(raw, out, n, d.native_order);
  return okStatus();
}

}  // namespace corebridge::mappings

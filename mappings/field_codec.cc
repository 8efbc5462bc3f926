// Zoned, packed, binary and national numerics; text; initial values.
// Floats are in field_codec_float.cc, numeric-edited in field_codec_edited.cc.
#include "mappings/field_codec.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "mappings/field_codec_internal.h"

namespace corebridge::mappings {

using internal::badByte;
using internal::magnitude;
using internal::uint128;

namespace {

constexpr uint8_t kBad = 0xFF;

// Sign classes of an overpunched byte or a packed sign nibble.
constexpr uint8_t kUnsigned = 0;  // F zone / plain ASCII digit: no sign, positive
constexpr uint8_t kPositive = 1;
constexpr uint8_t kNegative = 2;

// Byte tables, built once. A signed entry packs digit | class << 4.
struct Tables {
  std::array<uint8_t, 256> ebcdic_digit;  // F0-F9 -> 0-9
  std::array<uint8_t, 256> ascii_digit;   // 30-39 -> 0-9
  std::array<uint8_t, 256> ebcdic_signed;
  std::array<uint8_t, 256> ascii_signed;
  std::array<uint8_t, 256> packed_pair;  // two digit nibbles -> 0..99
  std::array<uint8_t, 16> sign_nibble;

  Tables() {
    ebcdic_digit.fill(kBad);
    ascii_digit.fill(kBad);
    ebcdic_signed.fill(kBad);
    ascii_signed.fill(kBad);
    packed_pair.fill(kBad);
    sign_nibble.fill(kBad);
    sign_nibble[0xA] = kPositive;
    sign_nibble[0xB] = kNegative;
    sign_nibble[0xC] = kPositive;
    sign_nibble[0xD] = kNegative;
    sign_nibble[0xE] = kPositive;
    sign_nibble[0xF] = kUnsigned;
    for (int dg = 0; dg < 10; ++dg) {
      ebcdic_digit[0xF0 + dg] = static_cast<uint8_t>(dg);
      ascii_digit[0x30 + dg] = static_cast<uint8_t>(dg);
      for (int zone = 0xA; zone <= 0xF; ++zone) {
        ebcdic_signed[(zone << 4) | dg] = static_cast<uint8_t>(dg | sign_nibble[zone] << 4);
      }
      ascii_signed[0x30 + dg] = static_cast<uint8_t>(dg | kUnsigned << 4);
      ascii_signed[0x70 + dg] = static_cast<uint8_t>(dg | kNegative << 4);  // GnuCOBOL 'p'-'y'
      for (int lo = 0; lo < 10; ++lo) {
        packed_pair[dg << 4 | lo] = static_cast<uint8_t>(dg * 10 + lo);
      }
    }
    ascii_signed['{'] = 0 | kPositive << 4;
    ascii_signed['}'] = 0 | kNegative << 4;
    for (int dg = 1; dg < 10; ++dg) {
      ascii_signed['A' + dg - 1] = static_cast<uint8_t>(dg | kPositive << 4);
      ascii_signed['J' + dg - 1] = static_cast<uint8_t>(dg | kNegative << 4);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

constexpr uint64_t kPow10u64[] = {1ull,
                                  10ull,
                                  100ull,
                                  1000ull,
                                  10000ull,
                                  100000ull,
                                  1000000ull,
                                  10000000ull,
                                  100000000ull,
                                  1000000000ull,
                                  10000000000ull,
                                  100000000000ull,
                                  1000000000000ull,
                                  10000000000000ull,
                                  100000000000000ull,
                                  1000000000000000ull,
                                  10000000000000000ull,
                                  100000000000000000ull,
                                  1000000000000000000ull};

// Accumulates n digit bytes through `table` into *acc (acc * 10^n + digits).
// Returns the index of the first byte that is not a digit, or n.
inline size_t accumulateDigits(const uint8_t* s, size_t n, const uint8_t* table, int128* acc) {
  size_t i = 0;
  while (i < n) {
    size_t chunk = n - i < 18 ? n - i : 18;
    uint64_t v = 0;
    for (size_t k = 0; k < chunk; ++k) {
      uint8_t x = table[s[i + k]];
      if (x > 9) {
        return i + k;
      }
      v = v * 10 + x;
    }
    *acc = *acc * static_cast<int128>(kPow10u64[chunk]) + static_cast<int128>(v);
    i += chunk;
  }
  return n;
}

// Accumulates n packed bytes of two digits each; returns the index of the
// first bad byte, or n.
inline size_t accumulatePairs(const uint8_t* s, size_t n, int128* acc) {
  const uint8_t* table = tables().packed_pair.data();
  size_t i = 0;
  while (i < n) {
    size_t chunk = n - i < 9 ? n - i : 9;
    uint64_t v = 0;
    for (size_t k = 0; k < chunk; ++k) {
      uint8_t x = table[s[i + k]];
      if (x > 99) {
        return i + k;
      }
      v = v * 100 + x;
    }
    *acc = *acc * static_cast<int128>(kPow10u64[2 * chunk]) + static_cast<int128>(v);
    i += chunk;
  }
  return n;
}

bool isEbcdicDigits(const Dialect& d) { return d.code_page->digit(0) == 0xF0; }

bool allBytes(const uint8_t* p, size_t n, uint8_t b) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != b) {
      return false;
    }
  }
  return true;
}

std::string hex2(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v);
  return buf;
}

// --- zoned ----------------------------------------------------------------

bool signIsSeparate(SignMode m) {
  return m == SignMode::kTrailingSeparate || m == SignMode::kLeadingSeparate;
}

SignMode effectiveSign(const Field& f) {
  if (f.sign == SignMode::kNone && f.is_signed) {
    return SignMode::kTrailingOverpunch;
  }
  return f.sign;
}

// The slow path: explains why byte `pos` of a zoned item is not acceptable.
Status zonedError(const Field& f, const Dialect& d, const uint8_t* p, size_t pos, bool sign_pos) {
  const CodePage& cp = *d.code_page;
  uint8_t b = p[pos];
  const Tables& t = tables();
  bool ebcdic = isEbcdicDigits(d);
  if (b == cp.space()) {
    return badByte(p, f.length, pos, "space where a digit is expected");
  }
  if (sign_pos) {
    uint8_t s = (ebcdic ? t.ebcdic_signed : t.ascii_signed)[b];
    if (s == kBad) {
      return badByte(p, f.length, pos, "byte " + hex2(b) + " is not a signed digit");
    }
  } else if (effectiveSign(f) == SignMode::kNone) {
    uint8_t s = (ebcdic ? t.ebcdic_signed : t.ascii_signed)[b];
    if (s != kBad && (s >> 4) != kUnsigned) {
      return badByte(p, f.length, pos, "signed digit " + hex2(b) + " in an unsigned item");
    }
  }
  return badByte(p, f.length, pos, "byte " + hex2(b) + " is not a digit");
}

Status decodeZoned(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out) {
  const Tables& t = tables();
  const bool ebcdic = isEbcdicDigits(d);
  const uint8_t* digit_table = ebcdic ? t.ebcdic_digit.data() : t.ascii_digit.data();
  const size_t n = f.length;
  const SignMode mode = effectiveSign(f);
  if (n > static_cast<size_t>(kMaxDecimalDigits) + (signIsSeparate(mode) ? 1 : 0)) {
    return unimplemented(internal::describe(f) + ": more than 38 digits");
  }
  int128 acc = 0;
  bool negative = false;
  size_t bad = SIZE_MAX;
  bool bad_sign_pos = false;
  switch (mode) {
    case SignMode::kNone: {
      size_t i = accumulateDigits(p, n, digit_table, &acc);
      if (i != n) {
        bad = i;
      }
      break;
    }
    case SignMode::kTrailingOverpunch:
    case SignMode::kLeadingOverpunch: {
      if (n == 0) {
        break;
      }
      const bool trailing = mode == SignMode::kTrailingOverpunch;
      const size_t spos = trailing ? n - 1 : 0;
      uint8_t s = (ebcdic ? t.ebcdic_signed : t.ascii_signed)[p[spos]];
      if (s == kBad) {
        bad = spos;
        bad_sign_pos = true;
        break;
      }
      if (trailing) {
        size_t i = accumulateDigits(p, n - 1, digit_table, &acc);
        if (i != n - 1) {
          bad = i;
          break;
        }
        acc = acc * 10 + (s & 0x0F);
      } else {
        acc = s & 0x0F;
        size_t i = accumulateDigits(p + 1, n - 1, digit_table, &acc);
        if (i != n - 1) {
          bad = i + 1;
          break;
        }
      }
      negative = (s >> 4) == kNegative;
      break;
    }
    case SignMode::kTrailingSeparate:
    case SignMode::kLeadingSeparate: {
      if (n < 1) {
        break;
      }
      const bool trailing = mode == SignMode::kTrailingSeparate;
      const size_t spos = trailing ? n - 1 : 0;
      const uint8_t sb = p[spos];
      if (sb == d.code_page->minus()) {
        negative = true;
      } else if (sb != d.code_page->plus()) {
        if (f.blank_when_zero && allBytes(p, n, d.code_page->space())) {
          break;
        }
        return badByte(p, n, spos, "byte " + hex2(sb) + " is not a '+' or '-' sign");
      }
      const uint8_t* digits = trailing ? p : p + 1;
      size_t i = accumulateDigits(digits, n - 1, digit_table, &acc);
      if (i != n - 1) {
        bad = trailing ? i : i + 1;
      }
      break;
    }
  }
  if (bad != SIZE_MAX) {
    if (f.blank_when_zero && allBytes(p, n, d.code_page->space())) {
      *out = Decimal{0, f.scale};
      return okStatus();
    }
    return zonedError(f, d, p, bad, bad_sign_pos);
  }
  *out = Decimal{negative ? -acc : acc, f.scale};
  return okStatus();
}

void writeDigitsRight(uint128 m, uint8_t* p, size_t n, uint8_t zero) {
  size_t i = n;
  while (i > 0 && m > UINT64_MAX) {
    p[--i] = static_cast<uint8_t>(zero + static_cast<unsigned>(m % 10));
    m /= 10;
  }
  auto v = static_cast<uint64_t>(m);
  while (i > 0) {
    p[--i] = static_cast<uint8_t>(zero + v % 10);
    v /= 10;
  }
}

uint8_t signedDigitByte(const Dialect& d, int digit, bool negative) {
  if (isEbcdicDigits(d)) {
    return static_cast<uint8_t>((negative ? 0xD0 : 0xC0) | digit);
  }
  if (d.ascii_sign == AsciiSign::kGnuCobol) {
    return static_cast<uint8_t>((negative ? 0x70 : 0x30) + digit);
  }
  if (digit == 0) {
    return negative ? '}' : '{';
  }
  return static_cast<uint8_t>((negative ? 'J' : 'A') + digit - 1);
}

void encodeZoned(const Field& f, const Dialect& d, int128 u, uint8_t* out) {
  const size_t n = f.length;
  const uint8_t zero = d.code_page->digit(0);
  const bool negative = u < 0;
  const uint128 m = magnitude(u);
  switch (effectiveSign(f)) {
    case SignMode::kNone:
      writeDigitsRight(m, out, n, zero);
      break;
    case SignMode::kTrailingOverpunch:
      writeDigitsRight(m, out, n, zero);
      if (n > 0) {
        out[n - 1] = signedDigitByte(d, out[n - 1] - zero, negative);
      }
      break;
    case SignMode::kLeadingOverpunch:
      writeDigitsRight(m, out, n, zero);
      if (n > 0) {
        out[0] = signedDigitByte(d, out[0] - zero, negative);
      }
      break;
    case SignMode::kTrailingSeparate:
      writeDigitsRight(m, out, n - 1, zero);
      out[n - 1] = negative ? d.code_page->minus() : d.code_page->plus();
      break;
    case SignMode::kLeadingSeparate:
      writeDigitsRight(m, out + 1, n - 1, zero);
      out[0] = negative ? d.code_page->minus() : d.code_page->plus();
      break;
  }
}

// --- national numeric (UTF-16BE digits, separate sign only) ---------------

Status decodeNationalNumber(const Field& f, const uint8_t* p, Decimal* out) {
  const size_t chars = f.length / 2;
  SignMode mode = effectiveSign(f);
  size_t first = 0;
  size_t last = chars;  // digit characters [first, last)
  bool negative = false;
  auto charAt = [&](size_t i) { return static_cast<unsigned>(p[2 * i] << 8 | p[2 * i + 1]); };
  if (mode == SignMode::kTrailingOverpunch || mode == SignMode::kLeadingOverpunch) {
    return unimplemented("national numeric items need SIGN ... SEPARATE");
  }
  if (chars > static_cast<size_t>(kMaxDecimalDigits) + 1) {
    return unimplemented(internal::describe(f) + ": more than 38 digits");
  }
  if (signIsSeparate(mode) && chars > 0) {
    size_t spos = mode == SignMode::kTrailingSeparate ? chars - 1 : 0;
    unsigned s = charAt(spos);
    if (s != '+' && s != '-') {
      return badByte(p, f.length, 2 * spos, "not a '+' or '-' sign");
    }
    negative = s == '-';
    if (spos == 0) {
      first = 1;
    } else {
      last = chars - 1;
    }
  }
  int128 acc = 0;
  for (size_t i = first; i < last; ++i) {
    unsigned c = charAt(i);
    if (c < '0' || c > '9') {
      return badByte(p, f.length, 2 * i, "not a national digit");
    }
    acc = acc * 10 + (c - '0');
  }
  *out = Decimal{negative ? -acc : acc, f.scale};
  return okStatus();
}

void encodeNationalNumber(const Field& f, int128 u, uint8_t* out) {
  const size_t chars = f.length / 2;
  SignMode mode = effectiveSign(f);
  uint128 m = magnitude(u);
  size_t first = 0;
  size_t last = chars;
  if (signIsSeparate(mode) && chars > 0) {
    size_t spos = mode == SignMode::kTrailingSeparate ? chars - 1 : 0;
    out[2 * spos] = 0;
    out[2 * spos + 1] = u < 0 ? '-' : '+';
    if (spos == 0) {
      first = 1;
    } else {
      last = chars - 1;
    }
  }
  for (size_t i = last; i > first; --i) {
    out[2 * (i - 1)] = 0;
    out[2 * (i - 1) + 1] = static_cast<uint8_t>('0' + static_cast<unsigned>(m % 10));
    m /= 10;
  }
}

// --- packed ---------------------------------------------------------------

bool packedHasSign(const Field& f, const Dialect& d) {
  return f.is_signed || !d.packed_without_sign_nibble;
}

// Finds and explains the bad nibble of a packed item (slow path).
Status explainPacked(const Field& f, const Dialect& d, const uint8_t* p) {
  const size_t n = f.length;
  const bool has_sign = packedHasSign(f, d);
  const size_t nibbles = 2 * n;
  const size_t digit_nibbles = has_sign ? nibbles - 1 : nibbles;
  for (size_t k = 0; k < digit_nibbles; ++k) {
    unsigned v = (k % 2 == 0) ? p[k / 2] >> 4 : p[k / 2] & 0x0F;
    if (v > 9) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "nibble %u is 0x%X, not a digit", static_cast<unsigned>(k), v);
      return badByte(p, n, k / 2, buf);
    }
  }
  if (has_sign) {
    unsigned s = p[n - 1] & 0x0F;
    uint8_t cls = tables().sign_nibble[s];
    char buf[96];
    if (cls == kBad) {
      std::snprintf(buf, sizeof buf, "sign nibble %u is 0x%X, not a sign (A-F)",
                    static_cast<unsigned>(nibbles - 1), s);
      return badByte(p, n, n - 1, buf);
    }
    if (cls == kNegative && !f.is_signed) {
      std::snprintf(buf, sizeof buf, "negative sign nibble 0x%X in an unsigned item", s);
      return badByte(p, n, n - 1, buf);
    }
  }
  const int excess = static_cast<int>(digit_nibbles) - f.digits;
  for (int k = 0; k < excess; ++k) {
    unsigned v = (k % 2 == 0) ? p[k / 2] >> 4 : p[k / 2] & 0x0F;
    if (v != 0) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "nibble %d must be 0 for %d digits", k, f.digits);
      return badByte(p, n, static_cast<size_t>(k / 2), buf);
    }
  }
  return internalError("packed item flagged bad but no bad nibble found");
}

Status decodePacked(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out) {
  const size_t n = f.length;
  if (n == 0) {
    return internalError("packed item of length 0");
  }
  int128 acc = 0;
  bool negative = false;
  const size_t digit_nibbles = packedHasSign(f, d) ? 2 * n - 1 : 2 * n;
  if (digit_nibbles > static_cast<size_t>(kMaxDecimalDigits)) {
    // Only a picture of 38 digits in 20 bytes gets here: the leading nibble
    // must be zero, else the value would pass 128 bits.
    if (f.digits > kMaxDecimalDigits || digit_nibbles > kMaxDecimalDigits + 1u) {
      return unimplemented(internal::describe(f) + ": more than 38 digits");
    }
    if (p[0] >> 4 != 0) {
      return explainPacked(f, d, p);
    }
  }
  if (packedHasSign(f, d)) {
    if (accumulatePairs(p, n - 1, &acc) != n - 1) {
      return explainPacked(f, d, p);
    }
    const uint8_t last = p[n - 1];
    const unsigned hi = last >> 4;
    const uint8_t cls = tables().sign_nibble[last & 0x0F];
    if (hi > 9 || cls == kBad || (cls == kNegative && !f.is_signed)) {
      return explainPacked(f, d, p);
    }
    acc = acc * 10 + hi;
    negative = cls == kNegative;
  } else {
    if (accumulatePairs(p, n, &acc) != n) {
      return explainPacked(f, d, p);
    }
  }
  if (f.digits > 0 && f.digits < kMaxDecimalDigits + 1 && acc >= pow10i128(f.digits)) {
    return explainPacked(f, d, p);
  }
  *out = Decimal{negative ? -acc : acc, f.scale};
  return okStatus();
}

void encodePacked(const Field& f, const Dialect& d, int128 u, uint8_t* out) {
  const size_t n = f.length;
  uint128 m = magnitude(u);
  size_t i = n;
  if (packedHasSign(f, d)) {
    uint8_t sign = f.is_signed ? (u < 0 ? 0x0D : 0x0C) : 0x0F;
    out[--i] = static_cast<uint8_t>((static_cast<unsigned>(m % 10) << 4) | sign);
    m /= 10;
  }
  while (i > 0) {
    unsigned lo = static_cast<unsigned>(m % 10);
    m /= 10;
    unsigned hi = static_cast<unsigned>(m % 10);
    m /= 10;
    out[--i] = static_cast<uint8_t>(hi << 4 | lo);
  }
}

// --- binary ---------------------------------------------------------------

ByteOrder orderOf(const Field& f, const Dialect& d) {
  return f.usage == Usage::kBinary ? d.binary_order : d.native_order;
}

bool validBinaryLength(size_t n) { return n == 1 || n == 2 || n == 4 || n == 8; }

uint64_t loadUnsigned(const uint8_t* p, size_t n, ByteOrder order) {
  uint64_t v = 0;
  if (order == ByteOrder::kBigEndian) {
    for (size_t i = 0; i < n; ++i) {
      v = v << 8 | p[i];
    }
  } else {
    for (size_t i = n; i > 0; --i) {
      v = v << 8 | p[i - 1];
    }
  }
  return v;
}

void storeUnsigned(uint64_t v, uint8_t* p, size_t n, ByteOrder order) {
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = static_cast<uint8_t>(v >> (8 * i));
    if (order == ByteOrder::kBigEndian) {
      p[n - 1 - i] = b;
    } else {
      p[i] = b;
    }
  }
}

bool isSignedBinary(const Field& f) {
  return f.is_signed && f.usage != Usage::kPointer && f.usage != Usage::kIndex;
}

// True when the picture bounds the value (COMP/BINARY under TRUNC(STD)).
bool pictureBoundsBinary(const Field& f, const Dialect& d) {
  return f.usage == Usage::kBinary && !d.trunc_bin && f.digits > 0 && f.digits <= 18;
}

Status decodeBinary(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out) {
  const size_t n = f.length;
  if (!validBinaryLength(n)) {
    return internalError("binary item of " + std::to_string(n) + " bytes (1, 2, 4 or 8 expected)");
  }
  uint64_t raw = loadUnsigned(p, n, orderOf(f, d));
  int128 v;
  if (isSignedBinary(f)) {
    const unsigned shift = static_cast<unsigned>(64 - 8 * n);
    v = static_cast<int64_t>(raw << shift) >> shift;
  } else {
    v = raw;
  }
  if (pictureBoundsBinary(f, d)) {
    const auto limit = static_cast<int128>(kPow10u64[f.digits]);
    if (v >= limit || v <= -limit) {
      return invalidArgument("binary value " + Decimal{v, 0}.toString() + " has more than " +
                             std::to_string(f.digits) + " digits (" + internal::describe(f) +
                             "; bytes: " + hexBytes(p, n) + ")");
    }
  }
  if (f.usage == Usage::kPointer || f.usage == Usage::kIndex) {
    *out = Decimal{v, 0};
  } else {
    *out = Decimal{v, f.scale};
  }
  return okStatus();
}

Status encodeBinary(const Field& f, const Dialect& d, int128 u, uint8_t* out) {
  const size_t n = f.length;
  if (!validBinaryLength(n)) {
    return internalError("binary item of " + std::to_string(n) + " bytes (1, 2, 4 or 8 expected)");
  }
  const bool is_signed = isSignedBinary(f);
  int128 lo, hi;
  if (is_signed) {
    hi = (int128(1) << (8 * n - 1)) - 1;
    lo = -hi - 1;
  } else {
    lo = 0;
    hi = (int128(1) << (8 * n)) - 1;
  }
  if (u < lo || u > hi) {
    return outOfRange("value " + Decimal{u, f.scale}.toString() + " does not fit the " +
                      std::to_string(n) + "-byte storage of " + internal::describe(f));
  }
  storeUnsigned(static_cast<uint64_t>(u), out, n, orderOf(f, d));
  return okStatus();
}

// --- floats through decodeNumber / encodeNumber ---------------------------

Status floatToDecimal(double v, Decimal* out) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc()) {
    return outOfRange("floating-point value too large for a decimal");
  }
  auto parsed = Decimal::parse(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  if (!parsed.ok()) {
    return outOfRange(parsed.status().message());
  }
  *out = *parsed;
  return okStatus();
}

// --- text helpers -----------------------------------------------------------

bool isLetter(char32_t c) {
  return c == U' ' || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z') ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

bool isNationalField(const Field& f) {
  return f.usage == Usage::kNational || f.category == Category::kNational;
}

Status decodeUtf16(const uint8_t* p, size_t n, std::string* out) {
  size_t i = 0;
  char buf[4];
  while (i + 1 < n) {
    char32_t u = static_cast<char32_t>(p[i] << 8 | p[i + 1]);
    size_t at = i;
    i += 2;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 >= n) {
        return badByte(p, n, at, "unpaired high surrogate");
      }
      char32_t lo = static_cast<char32_t>(p[i] << 8 | p[i + 1]);
      if (lo < 0xDC00 || lo > 0xDFFF) {
        return badByte(p, n, at, "unpaired high surrogate");
      }
      i += 2;
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return badByte(p, n, at, "unpaired low surrogate");
    }
    int len;
    if (u < 0x80) {
      out->push_back(static_cast<char>(u));
      continue;
    }
    if (u < 0x800) {
      buf[0] = static_cast<char>(0xC0 | (u >> 6));
      buf[1] = static_cast<char>(0x80 | (u & 0x3F));
      len = 2;
    } else if (u < 0x10000) {
      buf[0] = static_cast<char>(0xE0 | (u >> 12));
      buf[1] = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
      buf[2] = static_cast<char>(0x80 | (u & 0x3F));
      len = 3;
    } else {
      buf[0] = static_cast<char>(0xF0 | (u >> 18));
      buf[1] = static_cast<char>(0x80 | ((u >> 12) & 0x3F));
      buf[2] = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
      buf[3] = static_cast<char>(0x80 | (u & 0x3F));
      len = 4;
    }
    out->append(buf, static_cast<size_t>(len));
  }
  return okStatus();
}

Status encodeUtf16(std::string_view s, uint8_t* out, size_t n, bool right) {
  std::u16string units;
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<uint8_t>(s[i]);
    char32_t cp;
    int len = b0 < 0x80             ? 1
              : (b0 & 0xE0) == 0xC0 ? 2
              : (b0 & 0xF0) == 0xE0 ? 3
              : (b0 & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
      return invalidArgument("invalid UTF-8 at byte " + std::to_string(i) + " of the text");
    }
    cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (int k = 1; k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + static_cast<size_t>(k)]);
      if ((b & 0xC0) != 0x80) {
        return invalidArgument("invalid UTF-8 at byte " + std::to_string(i) + " of the text");
      }
      cp = cp << 6 | (b & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return invalidArgument("invalid UTF-8 at byte " + std::to_string(i) + " of the text");
    }
    i += static_cast<size_t>(len);
    if (cp >= 0x10000) {
      units.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      units.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      units.push_back(static_cast<char16_t>(cp));
    }
  }
  const size_t cap = n / 2;
  if (units.size() > cap) {
    return invalidArgument("text of " + std::to_string(units.size()) +
                           " UTF-16 units does not fit in " + std::to_string(cap) +
                           " national characters");
  }
  const size_t pad = cap - units.size();
  size_t o = right ? pad : 0;
  for (char16_t u : units) {
    out[2 * o] = static_cast<uint8_t>(u >> 8);
    out[2 * o + 1] = static_cast<uint8_t>(u & 0xFF);
    ++o;
  }
  size_t pad_start = right ? 0 : units.size();
  for (size_t k = 0; k < pad; ++k) {
    out[2 * (pad_start + k)] = 0x00;
    out[2 * (pad_start + k) + 1] = 0x20;
  }
  if (n % 2 == 1) {
    out[n - 1] = 0x20;
  }
  return okStatus();
}

// Figurative constants as the copybook parser stores them in Field::value.
enum class Figurative { kNone, kZero, kSpace, kLowValue, kHighValue, kQuote };

Figurative figurative(std::string_view v) {
  std::string u;
  for (char c : v) {
    u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (u == "ZERO" || u == "ZEROS" || u == "ZEROES") {
    return Figurative::kZero;
  }
  if (u == "SPACE" || u == "SPACES") {
    return Figurative::kSpace;
  }
  if (u == "LOW-VALUE" || u == "LOW-VALUES" || u == "NULL" || u == "NULLS") {
    return Figurative::kLowValue;
  }
  if (u == "HIGH-VALUE" || u == "HIGH-VALUES") {
    return Figurative::kHighValue;
  }
  if (u == "QUOTE" || u == "QUOTES") {
    return Figurative::kQuote;
  }
  return Figurative::kNone;
}

bool isTextCategory(const Field& f) {
  switch (f.category) {
    case Category::kAlphanumeric:
    case Category::kAlphabetic:
    case Category::kAlphanumericEdited:
    case Category::kNational:
    case Category::kGroup:
      return true;
    default:
      return false;
  }
}

}  // namespace

namespace internal {

std::string describe(const Field& f) {
  std::string s = f.name;
  auto add = [&s](std::string_view part) {
    if (!s.empty()) {
      s.push_back(' ');
    }
    s.append(part);
  };
  if (!f.picture.empty()) {
    add("PIC " + f.picture);
  }
  switch (f.usage) {
    case Usage::kDisplay:
      break;
    case Usage::kNational:
      add("NATIONAL");
      break;
    case Usage::kBinary:
      add("COMP");
      break;
    case Usage::kNativeBinary:
      add("COMP-5");
      break;
    case Usage::kPacked:
      add("COMP-3");
      break;
    case Usage::kFloatShort:
      add("COMP-1");
      break;
    case Usage::kFloatLong:
      add("COMP-2");
      break;
    case Usage::kPointer:
      add("POINTER");
      break;
    case Usage::kIndex:
      add("INDEX");
      break;
  }
  return s;
}

Status badByte(const uint8_t* p, size_t n, size_t pos, const std::string& what) {
  return invalidArgument(what + " at offset " + std::to_string(pos) + " (bytes: " + hexBytes(p, n) +
                         ")");
}

Status toFieldScale(const Field& f, const Decimal& v, int128* unscaled) {
  if (v.scale == f.scale) {
    *unscaled = v.unscaled;
    return okStatus();
  }
  if (v.unscaled == 0) {
    *unscaled = 0;
    return okStatus();
  }
  auto r = v.rescale(f.scale);
  if (!r.ok()) {
    if (v.scale > f.scale) {
      return outOfRange("value " + v.toString() + " has more fraction digits than " + describe(f) +
                        " holds (" + std::to_string(f.scale < 0 ? 0 : f.scale) + ")");
    }
    return outOfRange("value " + v.toString() + " does not fit " + describe(f));
  }
  *unscaled = r->unscaled;
  return okStatus();
}

}  // namespace internal

std::string hexBytes(const uint8_t* p, size_t n, size_t max) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string s;
  size_t shown = n < max ? n : max;
  s.reserve(shown * 3 + 4);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) {
      s.push_back(' ');
    }
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 0x0F]);
  }
  if (shown < n) {
    s += " ...";
  }
  return s;
}

Status decodeNumber(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out) {
  switch (f.usage) {
    case Usage::kDisplay:
      if (f.category == Category::kNumericEdited) {
        return internal::decodeEdited(f, d, p, out);
      }
      return decodeZoned(f, d, p, out);
    case Usage::kPacked:
      return decodePacked(f, d, p, out);
    case Usage::kBinary:
    case Usage::kNativeBinary:
    case Usage::kPointer:
    case Usage::kIndex:
      return decodeBinary(f, d, p, out);
    case Usage::kNational:
      return decodeNationalNumber(f, p, out);
    case Usage::kFloatShort:
    case Usage::kFloatLong: {
      double v;
      CB_RETURN_IF_ERROR(decodeFloat(f, d, p, &v));
      return floatToDecimal(v, out);
    }
  }
  return internalError("unknown usage");
}

Status encodeNumber(const Field& f, const Dialect& d, const Decimal& v, uint8_t* out) {
  if (f.usage == Usage::kFloatShort || f.usage == Usage::kFloatLong) {
    std::string s = v.toString();
    return encodeFloat(f, d, std::strtod(s.c_str(), nullptr), out);
  }
  int128 u;
  const bool pointer = f.usage == Usage::kPointer || f.usage == Usage::kIndex;
  if (pointer) {
    static const Field kScaleZero;
    CB_RETURN_IF_ERROR(internal::toFieldScale(kScaleZero, v, &u));
  } else {
    CB_RETURN_IF_ERROR(internal::toFieldScale(f, v, &u));
  }
  if (u < 0 && !f.is_signed && !(f.category == Category::kNumericEdited)) {
    return outOfRange("negative value " + v.toString() + " for unsigned " + internal::describe(f));
  }
  const bool storage_bound =
      pointer || f.usage == Usage::kNativeBinary || (f.usage == Usage::kBinary && d.trunc_bin);
  const bool edited = f.category == Category::kNumericEdited;  // bounded by its picture
  if (!storage_bound && !edited && f.digits > 0 && f.digits <= kMaxDecimalDigits &&
      magnitude(u) >= static_cast<uint128>(pow10i128(f.digits))) {
    return outOfRange("value " + v.toString() + " has more integer digits than " +
                      internal::describe(f) + " holds");
  }
  switch (f.usage) {
    case Usage::kDisplay:
      if (f.category == Category::kNumericEdited) {
        return internal::encodeEdited(f, d, u, out);
      }
      encodeZoned(f, d, u, out);
      return okStatus();
    case Usage::kPacked:
      encodePacked(f, d, u, out);
      return okStatus();
    case Usage::kNational:
      if (effectiveSign(f) == SignMode::kTrailingOverpunch ||
          effectiveSign(f) == SignMode::kLeadingOverpunch) {
        return unimplemented("national numeric items need SIGN ... SEPARATE");
      }
      encodeNationalNumber(f, u, out);
      return okStatus();
    default:
      return encodeBinary(f, d, u, out);
  }
}

Status decodeText(const Field& f, const Dialect& d, const uint8_t* p, std::string* out) {
  if (isNationalField(f)) {
    return decodeUtf16(p, f.length, out);
  }
  if (f.usage != Usage::kDisplay) {
    return invalidArgument(internal::describe(f) + " is not a text item");
  }
  const CodePage& cp = *d.code_page;
  if (f.category == Category::kAlphabetic) {
    for (size_t i = 0; i < f.length; ++i) {
      if (!isLetter(cp.toUnicode(p[i]))) {
        return badByte(p, f.length, i, "byte " + hex2(p[i]) + " is not a letter or space in PIC A");
      }
    }
  }
  cp.decode(p, f.length, out);
  return okStatus();
}

Status encodeText(const Field& f, const Dialect& d, std::string_view utf8, uint8_t* out) {
  if (isNationalField(f)) {
    return encodeUtf16(utf8, out, f.length, f.justified_right);
  }
  if (f.usage != Usage::kDisplay) {
    return invalidArgument(internal::describe(f) + " is not a text item");
  }
  const CodePage& cp = *d.code_page;
  CB_RETURN_IF_ERROR(cp.encode(utf8, out, f.length, f.justified_right));
  if (f.category == Category::kAlphabetic) {
    for (size_t i = 0; i < f.length; ++i) {
      if (!isLetter(cp.toUnicode(out[i]))) {
        return invalidArgument("PIC A item " + f.name +
                               " takes only letters and spaces; character " +
                               std::to_string(i + 1) + " is not one");
      }
    }
  }
  return okStatus();
}

Status encodeInitial(const Field& f, const Dialect& d, uint8_t* out) {
  const size_t n = f.length;
  const bool text = isTextCategory(f);
  const bool national = isNationalField(f);
  auto fillChar = [&](char32_t c) -> Status {
    if (national) {
      for (size_t i = 0; i + 1 < n; i += 2) {
        out[i] = static_cast<uint8_t>(c >> 8);
        out[i + 1] = static_cast<uint8_t>(c & 0xFF);
      }
      return okStatus();
    }
    int b = d.code_page->fromUnicode(c);
    if (b < 0) {
      return invalidArgument("code page lacks the VALUE character");
    }
    std::memset(out, b, n);
    return okStatus();
  };
  if (!f.has_value) {
    if (text) {
      return fillChar(U' ');
    }
    if (f.usage == Usage::kFloatShort || f.usage == Usage::kFloatLong) {
      return encodeFloat(f, d, 0.0, out);
    }
    return encodeNumber(f, d, Decimal{0, 0}, out);
  }
  std::string_view v = f.value;
  switch (figurative(v)) {
    case Figurative::kZero:
      if (text) {
        return fillChar(U'0');
      }
      if (f.usage == Usage::kFloatShort || f.usage == Usage::kFloatLong) {
        return encodeFloat(f, d, 0.0, out);
      }
      return encodeNumber(f, d, Decimal{0, 0}, out);
    case Figurative::kSpace:
      return fillChar(U' ');
    case Figurative::kLowValue:
      std::memset(out, 0x00, n);
      return okStatus();
    case Figurative::kHighValue:
      std::memset(out, 0xFF, n);
      return okStatus();
    case Figurative::kQuote:
      return fillChar(U'"');
    case Figurative::kNone:
      break;
  }
  // "ALL literal" repeats the literal over the item.
  if (v.size() > 4 && (v.substr(0, 4) == "ALL " || v.substr(0, 4) == "all ")) {
    std::string_view lit = v.substr(4);
    if (figurative(lit) != Figurative::kNone) {
      Field g = f;
      g.value = std::string(lit);
      return encodeInitial(g, d, out);
    }
    if (lit.size() >= 2 && (lit.front() == '"' || lit.front() == '\'') &&
        lit.back() == lit.front()) {
      lit = lit.substr(1, lit.size() - 2);
    }
    if (text && !lit.empty()) {
      std::string rep;
      while (rep.size() < n * 4) {
        rep.append(lit);
      }
      std::string buf(n, ' ');
      // Encode a long repetition, then keep the first n characters.
      std::string tmp(rep.size(), '\0');
      CB_RETURN_IF_ERROR(
          d.code_page->encode(rep, reinterpret_cast<uint8_t*>(tmp.data()), tmp.size()));
      std::memcpy(out, tmp.data(), n);
      return okStatus();
    }
  }
  if (text) {
    Status s = encodeText(f, d, v, out);
    return s.ok() ? s : s.withContext("VALUE of " + f.name);
  }
  if (f.usage == Usage::kFloatShort || f.usage == Usage::kFloatLong) {
    std::string s(v);
    char* end = nullptr;
    double x = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0') {
      return invalidArgument("VALUE of " + f.name + " is not a number: '" + s + "'");
    }
    return encodeFloat(f, d, x, out);
  }
  auto dec = Decimal::parse(v);
  if (!dec.ok()) {
    return dec.status().withContext("VALUE of " + f.name);
  }
  Status s = encodeNumber(f, d, *dec, out);
  return s.ok() ? s : s.withContext("VALUE of " + f.name);
}

}  // namespace corebridge::mappings

// COMP-1/COMP-2, text items (PIC X, A, N) and initial values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mappings/field_codec.h"

namespace corebridge::mappings {
namespace {

using Bytes = std::vector<uint8_t>;

Field floatField(bool is_long) {
  Field f;
  f.name = "F";
  f.category = Category::kFloat;
  f.usage = is_long ? Usage::kFloatLong : Usage::kFloatShort;
  f.length = is_long ? 8 : 4;
  return f;
}

Bytes encF(const Field& f, const Dialect& d, double v) {
  Bytes out(f.length);
  Status st = encodeFloat(f, d, v, out.data());
  EXPECT_TRUE(st.ok()) << v << ": " << st.toString();
  return out;
}

double decF(const Field& f, const Dialect& d, const Bytes& b) {
  double v = NAN;
  Status st = decodeFloat(f, d, b.data(), &v);
  EXPECT_TRUE(st.ok()) << st.toString();
  return v;
}

TEST(HfpTest, KnownVectors) {
  Dialect d;
  Field s = floatField(false);
  Field l = floatField(true);
  EXPECT_EQ(encF(s, d, 1.0), (Bytes{0x41, 0x10, 0x00, 0x00}));
  EXPECT_EQ(encF(s, d, -118.625), (Bytes{0xC2, 0x76, 0xA0, 0x00}));
  EXPECT_EQ(encF(s, d, 0.1), (Bytes{0x40, 0x19, 0x99, 0x9A}));
  EXPECT_EQ(encF(l, d, 0.1), (Bytes{0x40, 0x19, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A}));
  EXPECT_EQ(encF(l, d, 1.0), (Bytes{0x41, 0x10, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(encF(s, d, 0.0), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(encF(s, d, -0.0), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(decF(s, d, {0x41, 0x10, 0x00, 0x00}), 1.0);
  EXPECT_EQ(decF(s, d, {0xC2, 0x76, 0xA0, 0x00}), -118.625);
  EXPECT_EQ(decF(s, d, {0x40, 0x19, 0x99, 0x9A}), 0x1.9999Ap-4);
  EXPECT_EQ(decF(l, d, {0x40, 0x19, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A}), 0.1);
  // Zero with any exponent, and an unnormalised fraction.
  EXPECT_EQ(decF(s, d, {0x45, 0x00, 0x00, 0x00}), 0.0);
  EXPECT_EQ(decF(s, d, {0x42, 0x01, 0x00, 0x00}), 1.0);
}

TEST(HfpTest, LongDecodeRoundsToNearestEven) {
  Dialect d;
  Field l = floatField(true);
  EXPECT_EQ(decF(l, d, {0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), 16.0);
  EXPECT_EQ(decF(l, d, {0x41, 0x80, 0, 0, 0, 0, 0, 0x04}), 8.0);                       // tie, down
  EXPECT_EQ(decF(l, d, {0x41, 0x80, 0, 0, 0, 0, 0, 0x0C}), 8.0 + std::ldexp(1, -48));  // tie, up
}

TEST(HfpTest, ShortEncodeRounds) {
  Dialect d;
  Field s = floatField(false);
  // 1 + 2^-21 needs one bit more than the 21 a short fraction has after
  // the leading hex digit 1: a tie, rounded to even (down).
  EXPECT_EQ(encF(s, d, 1.0 + std::ldexp(1, -21)), (Bytes{0x41, 0x10, 0x00, 0x00}));
  EXPECT_EQ(encF(s, d, 1.0 + 3 * std::ldexp(1, -21)), (Bytes{0x41, 0x10, 0x00, 0x02}));
  // Rounding up carries into a new hex digit.
  EXPECT_EQ(encF(s, d, 16.0 - std::ldexp(1, -25)), (Bytes{0x42, 0x10, 0x00, 0x00}));
}

TEST(HfpTest, RangeLimits) {
  Dialect d;
  Field s = floatField(false);
  Field l = floatField(true);
  Bytes out(8);
  EXPECT_EQ(encodeFloat(s, d, 1e76, out.data()).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(encodeFloat(l, d, -1e76, out.data()).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(encodeFloat(l, d, INFINITY, out.data()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(encodeFloat(l, d, NAN, out.data()).code(), StatusCode::kInvalidArgument);
  // The largest value: 0x7FFFFFFF.
  double max = decF(s, d, {0x7F, 0xFF, 0xFF, 0xFF});
  EXPECT_EQ(encF(s, d, max), (Bytes{0x7F, 0xFF, 0xFF, 0xFF}));
  // Below the smallest normalised value: unnormalised, then zero.
  double tiny = std::ldexp(1.0, -4 * 64 - 4);  // 16^-65
  EXPECT_EQ(encF(s, d, tiny), (Bytes{0x00, 0x10, 0x00, 0x00}));
  EXPECT_EQ(encF(s, d, 1e-300), (Bytes{0, 0, 0, 0}));
}

TEST(HfpTest, RoundTripsLong) {
  Dialect d;
  Field l = floatField(true);
  for (double v : {3.141592653589793, -2.718281828459045, 1e-70, 6.02214076e23, 123456789.125}) {
    EXPECT_EQ(decF(l, d, encF(l, d, v)), v);
  }
}

TEST(IeeeTest, BothOrders) {
  Dialect d;
  d.float_format = FloatFormat::kIeee;
  Field s = floatField(false);
  Field l = floatField(true);
  EXPECT_EQ(encF(s, d, 1.0), (Bytes{0x3F, 0x80, 0x00, 0x00}));
  EXPECT_EQ(decF(l, d, encF(l, d, -2.5)), -2.5);
  d.native_order = ByteOrder::kLittleEndian;
  EXPECT_EQ(encF(l, d, 1.0), (Bytes{0, 0, 0, 0, 0, 0, 0xF0, 0x3F}));
  EXPECT_EQ(decF(s, d, {0, 0, 0x80, 0x3F}), 1.0);
  Bytes out(4);
  EXPECT_EQ(encodeFloat(s, d, 1e39, out.data()).code(), StatusCode::kOutOfRange);
  double v;
  EXPECT_EQ(decodeFloat(s, d, Bytes{0, 0, 0xC0, 0x7F}.data(), &v).code(),
            StatusCode::kInvalidArgument);
}

TEST(FloatTest, ThroughDecodeNumber) {
  Dialect d;
  Field s = floatField(false);
  Decimal v;
  ASSERT_TRUE(decodeNumber(s, d, Bytes{0xC2, 0x76, 0xA0, 0x00}.data(), &v).ok());
  EXPECT_EQ(v.toString(), "-118.625");
  Bytes out(4);
  ASSERT_TRUE(encodeNumber(s, d, *Decimal::parse("1.0"), out.data()).ok());
  EXPECT_EQ(out, (Bytes{0x41, 0x10, 0x00, 0x00}));
}

// --- text ------------------------------------------------------------------

Field text(Category c, size_t n, Usage u = Usage::kDisplay) {
  Field f;
  f.name = "T";
  f.category = c;
  f.usage = u;
  f.length = n;
  return f;
}

TEST(TextTest, AlphanumericInCodePage) {
  Dialect d;
  Field f = text(Category::kAlphanumeric, 5);
  Bytes out(5);
  ASSERT_TRUE(encodeText(f, d, "Ab1", out.data()).ok());
  EXPECT_EQ(out, (Bytes{0xC1, 0x82, 0xF1, 0x40, 0x40}));
  std::string s;
  ASSERT_TRUE(decodeText(f, d, out.data(), &s).ok());
  EXPECT_EQ(s, "Ab1  ");
  f.justified_right = true;
  ASSERT_TRUE(encodeText(f, d, "Ab1", out.data()).ok());
  EXPECT_EQ(out, (Bytes{0x40, 0x40, 0xC1, 0x82, 0xF1}));
  EXPECT_EQ(encodeText(f, d, "toolong", out.data()).message(),
            "text of 7 characters does not fit in 5 bytes");
}

TEST(TextTest, AlphabeticChecksLetters) {
  Dialect d;
  Field f = text(Category::kAlphabetic, 3);
  std::string s;
  EXPECT_TRUE(decodeText(f, d, Bytes{0xC1, 0x40, 0x81}.data(), &s).ok());
  EXPECT_EQ(decodeText(f, d, Bytes{0xC1, 0xF1, 0x81}.data(), &s).message(),
            "byte 0xF1 is not a letter or space in PIC A at offset 1 (bytes: C1 F1 81)");
  Bytes out(3);
  EXPECT_EQ(encodeText(f, d, "A1", out.data()).code(), StatusCode::kInvalidArgument);
}

TEST(TextTest, NationalUtf16) {
  Dialect d;
  Field f = text(Category::kNational, 8, Usage::kNational);
  Bytes out(8);
  ASSERT_TRUE(encodeText(f, d, "a\xE2\x82\xAC\xF0\x9F\x98\x80", out.data()).ok());  // a € 😀
  EXPECT_EQ(out, (Bytes{0x00, 0x61, 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00}));
  std::string s;
  ASSERT_TRUE(decodeText(f, d, out.data(), &s).ok());
  EXPECT_EQ(s, "a\xE2\x82\xAC\xF0\x9F\x98\x80");
  ASSERT_TRUE(encodeText(f, d, "ab", out.data()).ok());
  EXPECT_EQ(out, (Bytes{0x00, 0x61, 0x00, 0x62, 0x00, 0x20, 0x00, 0x20}));
  f.justified_right = true;
  ASSERT_TRUE(encodeText(f, d, "ab", out.data()).ok());
  EXPECT_EQ(out, (Bytes{0x00, 0x20, 0x00, 0x20, 0x00, 0x61, 0x00, 0x62}));
  s.clear();
  EXPECT_EQ(
      decodeText(f, d, Bytes{0x00, 0x61, 0xD8, 0x3D, 0x00, 0x62, 0x00, 0x20}.data(), &s).message(),
      "unpaired high surrogate at offset 2 (bytes: 00 61 D8 3D 00 62 00 20)");
  EXPECT_EQ(decodeText(f, d, Bytes{0xDC, 0x00, 0, 0x20, 0, 0x20, 0, 0x20}.data(), &s).message(),
            "unpaired low surrogate at offset 0 (bytes: DC 00 00 20 00 20 00 20)");
  EXPECT_EQ(encodeText(f, d, "abcde", out.data()).code(), StatusCode::kInvalidArgument);
}

// --- initial values ----------------------------------------------------------

Bytes initial(const Field& f, const Dialect& d = Dialect{}) {
  Bytes out(f.length, 0xEE);
  Status st = encodeInitial(f, d, out.data());
  EXPECT_TRUE(st.ok()) << st.toString();
  return out;
}

Field withValue(Field f, const std::string& v) {
  f.value = v;
  f.has_value = true;
  return f;
}

TEST(InitialTest, Defaults) {
  Field x = text(Category::kAlphanumeric, 3);
  EXPECT_EQ(initial(x), (Bytes{0x40, 0x40, 0x40}));
  Field z;
  z.category = Category::kNumeric;
  z.digits = 3;
  z.length = 3;
  z.is_signed = true;
  z.sign = SignMode::kTrailingOverpunch;
  EXPECT_EQ(initial(z), (Bytes{0xF0, 0xF0, 0xC0}));
  Field p = z;
  p.usage = Usage::kPacked;
  p.length = 2;
  EXPECT_EQ(initial(p), (Bytes{0x00, 0x0C}));
  Field b = z;
  b.usage = Usage::kBinary;
  b.length = 2;
  EXPECT_EQ(initial(b), (Bytes{0x00, 0x00}));
  EXPECT_EQ(initial(floatField(false)), (Bytes{0, 0, 0, 0}));
}

TEST(InitialTest, ValueClauses) {
  Field x = text(Category::kAlphanumeric, 4);
  EXPECT_EQ(initial(withValue(x, "AB")), (Bytes{0xC1, 0xC2, 0x40, 0x40}));
  EXPECT_EQ(initial(withValue(x, "SPACES")), (Bytes{0x40, 0x40, 0x40, 0x40}));
  EXPECT_EQ(initial(withValue(x, "ZEROS")), (Bytes{0xF0, 0xF0, 0xF0, 0xF0}));
  EXPECT_EQ(initial(withValue(x, "LOW-VALUES")), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(initial(withValue(x, "HIGH-VALUE")), (Bytes{0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(initial(withValue(x, "ALL \"AB\"")), (Bytes{0xC1, 0xC2, 0xC1, 0xC2}));
  Field z;
  z.name = "N";
  z.category = Category::kNumeric;
  z.usage = Usage::kPacked;
  z.digits = 5;
  z.scale = 2;
  z.length = 3;
  z.is_signed = true;
  EXPECT_EQ(initial(withValue(z, "-12.5")), (Bytes{0x01, 0x25, 0x0D}));
  EXPECT_EQ(initial(withValue(z, "ZERO")), (Bytes{0x00, 0x00, 0x0C}));
  Bytes out(3);
  Status st = encodeInitial(withValue(z, "1234.5"), Dialect{}, out.data());
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  st = encodeInitial(withValue(z, "abc"), Dialect{}, out.data());
  EXPECT_EQ(st.message(),
            "VALUE of N: not a decimal number 'abc': unexpected character 'a' at "
            "position 1");
  Field f = withValue(floatField(true), "1.0E2");
  Bytes fl = initial(f);
  EXPECT_EQ(fl, (Bytes{0x42, 0x64, 0, 0, 0, 0, 0, 0}));
}

TEST(HexBytesTest, Truncates) {
  Bytes b(40, 0xAB);
  EXPECT_EQ(hexBytes(b.data(), 3), "AB AB AB");
  EXPECT_EQ(hexBytes(b.data(), 40, 2), "AB AB ...");
}

}  // namespace
}  // namespace corebridge::mappings

#include "mappings/field_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace corebridge::mappings {
namespace {

using Bytes = std::vector<uint8_t>;

Field numeric(Usage usage, int digits, int scale, bool is_signed, size_t length,
              SignMode sign = SignMode::kNone) {
  Field f;
  f.name = "AMT";
  f.category = Category::kNumeric;
  f.usage = usage;
  f.digits = digits;
  f.scale = scale;
  f.is_signed = is_signed;
  f.sign = is_signed && sign == SignMode::kNone ? SignMode::kTrailingOverpunch : sign;
  f.length = length;
  return f;
}

Field zoned(int digits, int scale, bool is_signed, SignMode sign = SignMode::kNone) {
  bool sep = sign == SignMode::kLeadingSeparate || sign == SignMode::kTrailingSeparate;
  return numeric(Usage::kDisplay, digits, scale, is_signed, digits + (sep ? 1 : 0), sign);
}
Field packed(int digits, int scale, bool is_signed) {
  return numeric(Usage::kPacked, digits, scale, is_signed, digits / 2 + 1);
}
Field binary(int digits, int scale, bool is_signed, size_t len, Usage u = Usage::kBinary) {
  return numeric(u, digits, scale, is_signed, len);
}

Dialect ebcdic() { return Dialect{}; }
Dialect ascii(AsciiSign s = AsciiSign::kGnuCobol) {
  Dialect d;
  d.code_page = &CodePage::ascii();
  d.ascii_sign = s;
  return d;
}

Decimal D(std::string_view s) { return *Decimal::parse(s); }

Bytes encodeN(const Field& f, const Dialect& d, const Decimal& v) {
  Bytes out(f.length, 0xEE);
  Status st = encodeNumber(f, d, v, out.data());
  EXPECT_TRUE(st.ok()) << st.toString();
  return out;
}

std::string decodeN(const Field& f, const Dialect& d, const Bytes& b) {
  Decimal v;
  Status st = decodeNumber(f, d, b.data(), &v);
  if (!st.ok()) return "ERR " + st.toString();
  EXPECT_EQ(v.scale, f.usage == Usage::kPointer || f.usage == Usage::kIndex ? 0 : f.scale);
  return v.toString();
}

Status decodeErr(const Field& f, const Dialect& d, const Bytes& b) {
  Decimal v;
  return decodeNumber(f, d, b.data(), &v);
}

// Encodes v, checks the bytes, decodes them back to v's text at field scale.
void roundTrip(const Field& f, const Dialect& d, std::string_view v, const Bytes& bytes,
               std::string_view text) {
  EXPECT_EQ(encodeN(f, d, D(v)), bytes) << v;
  EXPECT_EQ(decodeN(f, d, bytes), text) << v;
}

// --- zoned ---------------------------------------------------------------

TEST(ZonedTest, EbcdicSignedTrailing) {
  Field f = zoned(7, 2, true);
  roundTrip(f, ebcdic(), "-1234.50", {0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xD0}, "-1234.50");
  roundTrip(f, ebcdic(), "1234.5", {0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xC0}, "1234.50");
  roundTrip(f, ebcdic(), "0", {0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xC0}, "0.00");
}

TEST(ZonedTest, EbcdicAcceptsEverySignZone) {
  Field f = zoned(3, 0, true);
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF1, 0xF2, 0xF3}), "123");
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF1, 0xF2, 0xA3}), "123");
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF1, 0xF2, 0xE3}), "123");
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF1, 0xF2, 0xB3}), "-123");
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF1, 0xF2, 0xD3}), "-123");
  // Negative zero is zero, and re-encodes with the preferred C zone.
  EXPECT_EQ(decodeN(f, ebcdic(), {0xF0, 0xF0, 0xD0}), "0");
  EXPECT_EQ(encodeN(f, ebcdic(), D("-0")), (Bytes{0xF0, 0xF0, 0xC0}));
}

TEST(ZonedTest, EbcdicLeadingAndSeparate) {
  roundTrip(zoned(3, 0, true, SignMode::kLeadingOverpunch), ebcdic(), "-123", {0xD1, 0xF2, 0xF3},
            "-123");
  roundTrip(zoned(3, 1, true, SignMode::kTrailingSeparate), ebcdic(), "-12.3",
            {0xF1, 0xF2, 0xF3, 0x60}, "-12.3");
  roundTrip(zoned(3, 1, true, SignMode::kTrailingSeparate), ebcdic(), "12.3",
            {0xF1, 0xF2, 0xF3, 0x4E}, "12.3");
  roundTrip(zoned(3, 0, true, SignMode::kLeadingSeparate), ebcdic(), "-5", {0x60, 0xF0, 0xF0, 0xF5},
            "-5");
}

TEST(ZonedTest, Unsigned) {
  Field f = zoned(4, 0, false);
  roundTrip(f, ebcdic(), "42", {0xF0, 0xF0, 0xF4, 0xF2}, "42");
  Status st = decodeErr(f, ebcdic(), {0xF0, 0xF0, 0xF4, 0xC2});
  EXPECT_EQ(st.message(), "signed digit 0xC2 in an unsigned item at offset 3 (bytes: F0 F0 F4 C2)");
  Bytes out(4);
  EXPECT_EQ(encodeNumber(f, ebcdic(), D("-1"), out.data()).code(), StatusCode::kOutOfRange);
}

TEST(ZonedTest, AsciiConventions) {
  Field f = zoned(7, 2, true);
  roundTrip(f, ascii(), "-1234.50", {'0', '1', '2', '3', '4', '5', 'p'}, "-1234.50");
  roundTrip(f, ascii(), "1234.51", {'0', '1', '2', '3', '4', '5', '1'}, "1234.51");
  roundTrip(f, ascii(AsciiSign::kOverpunch), "-1234.50", {'0', '1', '2', '3', '4', '5', '}'},
            "-1234.50");
  roundTrip(f, ascii(AsciiSign::kOverpunch), "-1234.59", {'0', '1', '2', '3', '4', '5', 'R'},
            "-1234.59");
  roundTrip(f, ascii(AsciiSign::kOverpunch), "1234.51", {'0', '1', '2', '3', '4', '5', 'A'},
            "1234.51");
  roundTrip(f, ascii(AsciiSign::kOverpunch), "1234.50", {'0', '1', '2', '3', '4', '5', '{'},
            "1234.50");
  // Both conventions decode in either dialect.
  EXPECT_EQ(decodeN(f, ascii(), {'0', '0', '0', '0', '0', '1', 'J'}), "-0.11");
  EXPECT_EQ(decodeN(f, ascii(AsciiSign::kOverpunch), {'0', '0', '0', '0', '0', '1', 'y'}), "-0.19");
  EXPECT_EQ(decodeN(zoned(2, 0, true, SignMode::kLeadingOverpunch), ascii(), {'q', '2'}), "-12");
  roundTrip(zoned(2, 0, true, SignMode::kLeadingSeparate), ascii(), "-7", {'-', '0', '7'}, "-7");
}

TEST(ZonedTest, Errors) {
  Field f = zoned(5, 0, true);
  EXPECT_EQ(decodeErr(f, ebcdic(), {0xF1, 0x40, 0xF3, 0xF4, 0xC5}).message(),
            "space where a digit is expected at offset 1 (bytes: F1 40 F3 F4 C5)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x40, 0xF1, 0xF3, 0xF4, 0xC5}).message(),
            "space where a digit is expected at offset 0 (bytes: 40 F1 F3 F4 C5)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0xF1, 0xF2, 0x4B, 0xF4, 0xC5}).message(),
            "byte 0x4B is not a digit at offset 2 (bytes: F1 F2 4B F4 C5)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0xF1, 0xF2, 0xF3, 0xF4, 0x7A}).message(),
            "byte 0x7A is not a signed digit at offset 4 (bytes: F1 F2 F3 F4 7A)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0xF1, 0xF2, 0xF3, 0xF4, 0xCA}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(decodeErr(zoned(2, 0, true, SignMode::kTrailingSeparate), ebcdic(), {0xF1, 0xF2, 0xF3})
                .message(),
            "byte 0xF3 is not a '+' or '-' sign at offset 2 (bytes: F1 F2 F3)");
  Bytes out(5);
  Status st = encodeNumber(f, ebcdic(), D("123456"), out.data());
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.message(), "value 123456 has more integer digits than AMT holds");
  st = encodeNumber(f, ebcdic(), D("1.5"), out.data());
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
}

TEST(ZonedTest, BlankWhenZero) {
  Field f = zoned(3, 0, false);
  f.blank_when_zero = true;
  EXPECT_EQ(decodeN(f, ebcdic(), {0x40, 0x40, 0x40}), "0");
  f.blank_when_zero = false;
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x40, 0x40, 0x40}).code(), StatusCode::kInvalidArgument);
}

TEST(ZonedTest, LongValues) {
  Field f = zoned(31, 0, true);
  std::string v(31, '9');
  Bytes b(31, 0xF9);
  b[30] = 0xD9;
  roundTrip(f, ebcdic(), "-" + v, b, "-" + v);
  Field g = zoned(38, 10, true);
  std::string w = std::string(28, '9') + "." + std::string(10, '9');
  Bytes c(38, 0xF9);
  c[37] = 0xC9;
  roundTrip(g, ebcdic(), w, c, w);
}

TEST(ZonedTest, ScalingPositions) {
  Field f = zoned(3, -2, false);  // PIC 9(3)PP
  roundTrip(f, ebcdic(), "12300", {0xF1, 0xF2, 0xF3}, "12300");
  Bytes out(3);
  EXPECT_EQ(encodeNumber(f, ebcdic(), D("12345"), out.data()).code(), StatusCode::kOutOfRange);
  Field g = zoned(2, 4, false);  // PIC VPP99
  roundTrip(g, ebcdic(), "0.0012", {0xF1, 0xF2}, "0.0012");
}

// --- packed --------------------------------------------------------------

TEST(PackedTest, KnownPatterns) {
  Field f = packed(7, 2, true);  // PIC S9(5)V99 COMP-3
  ASSERT_EQ(f.length, 4u);
  roundTrip(f, ebcdic(), "-1234.50", {0x01, 0x23, 0x45, 0x0D}, "-1234.50");
  roundTrip(f, ebcdic(), "1234.50", {0x01, 0x23, 0x45, 0x0C}, "1234.50");
  roundTrip(packed(3, 0, false), ebcdic(), "123", {0x12, 0x3F}, "123");
  roundTrip(packed(4, 0, true), ebcdic(), "-1234", {0x01, 0x23, 0x4D}, "-1234");
  EXPECT_EQ(decodeN(f, ebcdic(), {0x01, 0x23, 0x45, 0x0A}), "1234.50");
  EXPECT_EQ(decodeN(f, ebcdic(), {0x01, 0x23, 0x45, 0x0E}), "1234.50");
  EXPECT_EQ(decodeN(f, ebcdic(), {0x01, 0x23, 0x45, 0x0F}), "1234.50");
  EXPECT_EQ(decodeN(f, ebcdic(), {0x01, 0x23, 0x45, 0x0B}), "-1234.50");
  EXPECT_EQ(decodeN(f, ebcdic(), {0x00, 0x00, 0x00, 0x0D}), "0.00");
  EXPECT_EQ(encodeN(f, ebcdic(), D("-0")), (Bytes{0x00, 0x00, 0x00, 0x0C}));
}

TEST(PackedTest, Boundaries) {
  Field f = packed(31, 0, true);
  Bytes b(16, 0x99);
  b[15] = 0x9D;
  roundTrip(f, ebcdic(), "-" + std::string(31, '9'), b, "-" + std::string(31, '9'));
  Field g = packed(38, 0, true);  // 20 bytes, even digits
  Bytes c(20, 0x99);
  c[0] = 0x09;
  c[19] = 0x9C;
  roundTrip(g, ebcdic(), std::string(38, '9'), c, std::string(38, '9'));
  Field h = packed(18, 2, true);
  Bytes e(10, 0x99);
  e[0] = 0x09;
  e[9] = 0x9D;
  roundTrip(h, ebcdic(), "-9999999999999999.99", e, "-9999999999999999.99");
}

TEST(PackedTest, Errors) {
  Field f = packed(4, 0, true);
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x01, 0x2A, 0x4C}).message(),
            "nibble 3 is 0xA, not a digit at offset 1 (bytes: 01 2A 4C)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x01, 0x23, 0x45}).message(),
            "sign nibble 5 is 0x5, not a sign (A-F) at offset 2 (bytes: 01 23 45)");
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x11, 0x23, 0x4C}).message(),
            "nibble 0 must be 0 for 4 digits at offset 0 (bytes: 11 23 4C)");
  EXPECT_EQ(decodeErr(packed(3, 0, false), ebcdic(), {0x12, 0x3D}).message(),
            "negative sign nibble 0xD in an unsigned item at offset 1 (bytes: 12 3D)");
  EXPECT_EQ(decodeN(packed(3, 0, false), ebcdic(), {0x12, 0x3C}), "123");
  Bytes out(3);
  EXPECT_EQ(encodeNumber(f, ebcdic(), D("12345"), out.data()).code(), StatusCode::kOutOfRange);
}

TEST(PackedTest, WithoutSignNibble) {
  Dialect d;
  d.packed_without_sign_nibble = true;
  Field f = numeric(Usage::kPacked, 4, 0, false, 2);
  roundTrip(f, d, "1234", {0x12, 0x34}, "1234");
  Field g = numeric(Usage::kPacked, 3, 0, false, 2);
  roundTrip(g, d, "123", {0x01, 0x23}, "123");
  EXPECT_EQ(decodeErr(g, d, {0x11, 0x23}).code(), StatusCode::kInvalidArgument);
  // Signed items keep their sign nibble.
  roundTrip(packed(3, 0, true), d, "-123", {0x12, 0x3D}, "-123");
}

// --- binary --------------------------------------------------------------

TEST(BinaryTest, BigEndianComp) {
  roundTrip(binary(4, 0, true, 2), ebcdic(), "-2", {0xFF, 0xFE}, "-2");
  roundTrip(binary(4, 2, true, 2), ebcdic(), "12.34", {0x04, 0xD2}, "12.34");
  roundTrip(binary(9, 0, false, 4), ebcdic(), "123456789", {0x07, 0x5B, 0xCD, 0x15}, "123456789");
  roundTrip(binary(18, 0, true, 8), ebcdic(), "-999999999999999999",
            {0xF2, 0x1F, 0x49, 0x4C, 0x58, 0x9C, 0x00, 0x01}, "-999999999999999999");
  roundTrip(binary(2, 0, true, 1), ebcdic(), "-99", {0x9D}, "-99");
}

TEST(BinaryTest, LittleEndian) {
  Dialect d;
  d.binary_order = ByteOrder::kLittleEndian;
  roundTrip(binary(4, 0, true, 2), d, "258", {0x02, 0x01}, "258");
  // COMP-5 uses native_order, which is still big-endian here.
  roundTrip(binary(4, 0, true, 2, Usage::kNativeBinary), d, "258", {0x01, 0x02}, "258");
}

TEST(BinaryTest, PictureTruncation) {
  Field f = binary(4, 0, true, 2);
  EXPECT_EQ(decodeErr(f, ebcdic(), {0x27, 0x10}).message(),
            "binary value 10000 has more than 4 digits (AMT COMP; bytes: 27 10)");
  Bytes out(2);
  EXPECT_EQ(encodeNumber(f, ebcdic(), D("10000"), out.data()).code(), StatusCode::kOutOfRange);
  Dialect tb;
  tb.trunc_bin = true;
  roundTrip(f, tb, "32767", {0x7F, 0xFF}, "32767");
  EXPECT_EQ(encodeNumber(f, tb, D("32768"), out.data()).code(), StatusCode::kOutOfRange);
  Field n5 = binary(4, 0, true, 2, Usage::kNativeBinary);
  roundTrip(n5, ebcdic(), "-32768", {0x80, 0x00}, "-32768");
  Field u5 = binary(4, 0, false, 2, Usage::kNativeBinary);
  roundTrip(u5, ebcdic(), "65535", {0xFF, 0xFF}, "65535");
  EXPECT_EQ(encodeNumber(u5, ebcdic(), D("65536"), out.data()).code(), StatusCode::kOutOfRange);
  Field u8 = binary(18, 0, false, 8, Usage::kNativeBinary);
  roundTrip(u8, ebcdic(), "18446744073709551615", Bytes(8, 0xFF), "18446744073709551615");
}

TEST(BinaryTest, PointerAndIndex) {
  Dialect d;
  d.native_order = ByteOrder::kLittleEndian;
  Field p = numeric(Usage::kPointer, 0, 0, false, 8);
  p.category = Category::kPointer;
  roundTrip(p, d, "4096", {0x00, 0x10, 0, 0, 0, 0, 0, 0}, "4096");
  Field i = numeric(Usage::kIndex, 0, 0, false, 4);
  i.category = Category::kPointer;
  roundTrip(i, d, "7", {7, 0, 0, 0}, "7");
}

// --- national numeric ----------------------------------------------------

TEST(NationalNumberTest, SeparateSign) {
  Field f = numeric(Usage::kNational, 3, 1, true, 8, SignMode::kLeadingSeparate);
  roundTrip(f, ebcdic(), "-12.3", {0, '-', 0, '1', 0, '2', 0, '3'}, "-12.3");
}

}  // namespace
}  // namespace corebridge::mappings

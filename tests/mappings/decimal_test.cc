#include "mappings/decimal.h"

#include <gtest/gtest.h>

namespace corebridge::mappings {
namespace {

Decimal P(std::string_view s) {
  auto r = Decimal::parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().toString();
  return r.ok() ? *r : Decimal{};
}

TEST(DecimalTest, ToString) {
  EXPECT_EQ(Decimal::of(-123450, 2).toString(), "-1234.50");
  EXPECT_EQ(Decimal::of(5, 2).toString(), "0.05");
  EXPECT_EQ(Decimal::of(-5, 3).toString(), "-0.005");
  EXPECT_EQ(Decimal::of(12, -2).toString(), "1200");
  EXPECT_EQ(Decimal::of(0, -2).toString(), "0");
  EXPECT_EQ(Decimal::of(0, 2).toString(), "0.00");
  EXPECT_EQ(Decimal::of(7, 0).toString(), "7");
  EXPECT_EQ(Decimal::of(pow10i128(38) - 1, 0).toString(), std::string(38, '9'));
  EXPECT_EQ(Decimal::of(-(pow10i128(38) - 1), 38).toString(), "-0." + std::string(38, '9'));
  int128 min = -(static_cast<int128>((static_cast<unsigned __int128>(1) << 127) - 1)) - 1;
  EXPECT_EQ(Decimal::of(min, 0).toString(), "-170141183460469231731687303715884105728");
  // Wider than 64 bits on both sides of the point.
  EXPECT_EQ(Decimal::of(pow10i128(38) - 1, 10).toString(),
            std::string(28, '9') + "." + std::string(10, '9'));
  EXPECT_EQ(Decimal::of(pow10i128(37) + 5, 30).toString(),
            "10000000." + std::string(28, '0') + "05");
  std::string s = "x=";
  Decimal::of(314, 2).appendTo(&s);
  EXPECT_EQ(s, "x=3.14");
  EXPECT_EQ(Decimal::of(1, 100).toString(), "0." + std::string(99, '0') + "1");
}

TEST(DecimalTest, Parse) {
  Decimal d = P("-1234.5");
  EXPECT_EQ(d.unscaled, -12345);
  EXPECT_EQ(d.scale, 1);
  EXPECT_EQ(P("+12").unscaled, 12);
  d = P("0.050");
  EXPECT_EQ(d.unscaled, 50);
  EXPECT_EQ(d.scale, 3);
  EXPECT_EQ(P(".5").scale, 1);
  EXPECT_EQ(P("5.").unscaled, 5);
  EXPECT_EQ(P("-0").unscaled, 0);
  EXPECT_EQ(P(std::string(38, '9')).digitCount(), 38);
  EXPECT_EQ(P("000" + std::string(38, '9')).digitCount(), 38);
  // More than 38 digits only as trailing zeros of an integer: negative scale.
  d = P("12" + std::string(40, '0'));
  EXPECT_EQ(d.scale, -4);
  EXPECT_EQ(d.toString(), "12" + std::string(40, '0'));
}

TEST(DecimalTest, ParseErrors) {
  EXPECT_EQ(Decimal::parse("1e3").status().message(),
            "not a decimal number '1e3': exponent notation is not accepted");
  EXPECT_EQ(Decimal::parse("12a").status().message(),
            "not a decimal number '12a': unexpected character 'a' at position 3");
  EXPECT_EQ(Decimal::parse("").status().message(), "not a decimal number '': no digits");
  EXPECT_EQ(Decimal::parse("-.").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decimal::parse("1.2.3").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decimal::parse(" 1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Decimal::parse(std::string(39, '9')).status().message(),
            "not a decimal number '" + std::string(39, '9') + "': more than 38 significant digits");
}

TEST(DecimalTest, Rescale) {
  auto r = Decimal::of(125, 2).rescale(1);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  r = Decimal::of(120, 2).rescale(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->unscaled, 12);
  r = Decimal::of(12, 0).rescale(-1);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  r = Decimal::of(1200, 0).rescale(-2);
  EXPECT_EQ(r->unscaled, 12);
  r = Decimal::of(-12, 0).rescale(3);
  EXPECT_EQ(r->unscaled, -12000);
  r = Decimal::of(pow10i128(37), 0).rescale(1);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  r = Decimal::of(pow10i128(36), 0).rescale(1);
  EXPECT_TRUE(r.ok());
  r = Decimal::of(0, 0).rescale(60);
  EXPECT_TRUE(r.ok());
}

TEST(DecimalTest, DigitCount) {
  EXPECT_EQ(Decimal::of(0, 0).digitCount(), 1);
  EXPECT_EQ(Decimal::of(9, 0).digitCount(), 1);
  EXPECT_EQ(Decimal::of(-10, 0).digitCount(), 2);
  EXPECT_EQ(Decimal::of(pow10i128(38), 0).digitCount(), 39);
}

TEST(DecimalTest, CompareAcrossScales) {
  EXPECT_EQ(Decimal::of(150, 2).compare(Decimal::of(15, 1)), 0);
  EXPECT_TRUE(Decimal::of(150, 2) == Decimal::of(15, 1));
  EXPECT_LT(Decimal::of(149, 2).compare(Decimal::of(15, 1)), 0);
  EXPECT_GT(Decimal::of(-149, 2).compare(Decimal::of(-15, 1)), 0);
  EXPECT_LT(Decimal::of(-1, 0).compare(Decimal::of(0, 5)), 0);
  EXPECT_EQ(Decimal::of(0, 0).compare(Decimal::of(0, 30)), 0);
  // Rescaling either side would overflow 128 bits.
  Decimal huge = Decimal::of(pow10i128(38) - 1, 0);
  Decimal tiny = Decimal::of(1, 38);
  EXPECT_GT(huge.compare(tiny), 0);
  EXPECT_LT(tiny.compare(huge), 0);
  EXPECT_GT(Decimal::of(2, -30).compare(Decimal::of(pow10i128(38) - 1, 10)), 0);
  EXPECT_LT(Decimal::of(-2, -30).compare(Decimal::of(-(pow10i128(38) - 1), 10)), 0);
  EXPECT_EQ(Decimal::of(1, -38).compare(Decimal::of(pow10i128(38), 0)), 0);
  EXPECT_GT(Decimal::of(1, -60).compare(Decimal::of(pow10i128(38), 0)), 0);
}

}  // namespace
}  // namespace corebridge::mappings

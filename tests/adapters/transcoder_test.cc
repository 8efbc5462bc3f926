// Tests of mappings/transcoder.h (kept beside the channel tests: the
// transcoder serves the channel's COMMAREAs).
#include "mappings/transcoder.h"

#include <gtest/gtest.h>

#include <string>

namespace corebridge::mappings {
namespace {

const char kCopybook[] = R"(
       01  CA.
           05  CA-NAME        PIC X(6).
           05  CA-RC          PIC 9(2).
           05  CA-AMOUNT      PIC S9(5)V99.
           05  CA-BALANCE     PIC S9(7)V99 COMP-3.
           05  CA-COUNT       PIC 9(4) COMP.
           05  FILLER         PIC X(2).
)";

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) {
    s.push_back(static_cast<char>(b));
  }
  return s;
}

std::unique_ptr<Transcoder> make(const char* text, Dialect host_dialect) {
  CopybookOptions w;
  CopybookOptions h;
  h.dialect = host_dialect;
  auto wl = parseCopybook(text, "CA.cpy", w);
  auto hl = parseCopybook(text, "CA.cpy", h);
  EXPECT_TRUE(wl.ok() && hl.ok());
  auto t = Transcoder::create("CA.cpy", std::make_shared<const Layout>(std::move(wl).value()),
                              std::make_shared<const Layout>(std::move(hl).value()));
  EXPECT_TRUE(t.ok()) << t.status().toString();
  return t.ok() ? std::move(t).value() : nullptr;
}

// "ALICE " RC 07, amount -123.45, balance +1234567.89, count 513, filler spaces.
const std::string kWire =
    bytes({0xC1, 0xD3, 0xC9, 0xC3, 0xC5, 0x40, 0xF0, 0xF7, 0xF0, 0xF1, 0xF2, 0xF3,
           0xF4, 0xF4, 0xD5, 0x12, 0x34, 0x56, 0x78, 0x9C, 0x02, 0x01, 0x40, 0x40});
const std::string kHost =
    "ALICE 070123445" + bytes({0x12, 0x34, 0x56, 0x78, 0x9C}) + bytes({0x02, 0x01}) + "  ";

TEST(TranscoderTest, IbmToGnuCobolAndBack) {
  Dialect host = Dialect::gnuCobol();
  host.binary_size = BinarySizeRule::kIbm248;  // -fbinary-size=2-4-8
  auto t = make(kCopybook, host);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->length(), 24u);
  std::string h;
  ASSERT_TRUE(t->wireToHost(kWire, &h).ok());
  // GnuCOBOL's negative zoned: last digit 5 becomes 'u' (0x75).
  std::string expect = kHost;
  expect[14] = 'u';
  EXPECT_EQ(h, expect);
  std::string w;
  ASSERT_TRUE(t->hostToWire(h, &w).ok());
  EXPECT_EQ(w, kWire);
}

TEST(TranscoderTest, InvalidValuesPassAsTranslatedBytes) {
  Dialect host = Dialect::gnuCobol();
  host.binary_size = BinarySizeRule::kIbm248;
  auto t = make(kCopybook, host);
  ASSERT_NE(t, nullptr);
  // Spaces in every field, as a channel sends an output-only area; the packed
  // field holds spaces too (invalid packed).
  const std::string wire(24, '\x40');
  std::string h;
  ASSERT_TRUE(t->wireToHost(wire, &h).ok());
  std::string expect(24, ' ');
  expect.replace(15, 5, std::string(5, '\x40'));  // packed: copied unchanged
  expect.replace(20, 2, std::string(2, '\x40'));  // binary: copied unchanged (valid 16448)
  EXPECT_EQ(h.substr(0, 15), expect.substr(0, 15));
  EXPECT_EQ(h.substr(15, 5), expect.substr(15, 5));
  EXPECT_EQ(h.substr(22), "  ");
  std::string back;
  ASSERT_TRUE(t->hostToWire(h, &back).ok());
  EXPECT_EQ(back, wire);
}

TEST(TranscoderTest, WrongLengthIsRefused) {
  Dialect host = Dialect::gnuCobol();
  host.binary_size = BinarySizeRule::kIbm248;
  auto t = make(kCopybook, host);
  ASSERT_NE(t, nullptr);
  std::string out;
  Status s = t->wireToHost(kWire.substr(1), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("CA.cpy: the area is 23 bytes, expected 24"), std::string::npos)
      << s.message();
}

TEST(TranscoderTest, CharacterMissingFromTheTargetPageIsAnError) {
  Dialect host = Dialect::gnuCobol();
  host.binary_size = BinarySizeRule::kIbm248;
  auto t = make(kCopybook, host);
  ASSERT_NE(t, nullptr);
  // ASCII page here is ISO-8859-1: every byte maps to cp037; so only an
  // invalid length can fail the way back. Check a valid round trip of all
  // 256 byte values in the text field instead.
  std::string h = kHost;
  for (int b = 0; b < 256; ++b) {
    h[0] = static_cast<char>(b);
    std::string w;
    std::string again;
    ASSERT_TRUE(t->hostToWire(h, &w).ok()) << b;
    ASSERT_TRUE(t->wireToHost(w, &again).ok()) << b;
    EXPECT_EQ(again[0], h[0]) << b;
  }
}

TEST(TranscoderTest, GnuCobolDefaultBinarySizesAreRefusedNamingTheField) {
  const char text[] = R"(
       01  CA.
           05  CA-NAME   PIC X(4).
           05  CA-SMALL  PIC 9(2) COMP.
           05  CA-REST   PIC X(4).
)";
  CopybookOptions w;
  CopybookOptions h;
  h.dialect = Dialect::gnuCobol();
  auto wl = parseCopybook(text, "SMALL.cpy", w);
  auto hl = parseCopybook(text, "SMALL.cpy", h);
  ASSERT_TRUE(wl.ok() && hl.ok());
  auto t = Transcoder::create("SMALL.cpy", std::make_shared<const Layout>(std::move(wl).value()),
                              std::make_shared<const Layout>(std::move(hl).value()));
  ASSERT_FALSE(t.ok());
  const std::string& m = t.status().message();
  EXPECT_NE(m.find("SMALL.cpy: the record is 10 bytes in the wire dialect but 9"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("CA.CA-SMALL"), std::string::npos) << m;
  EXPECT_NE(m.find("-fbinary-size=2-4-8"), std::string::npos) << m;
}

TEST(TranscoderTest, DemoBankCommareasHaveTheSameLengthInBothDialects) {
  const std::string dir = std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks/";
  for (const char* name : {"CAINQ", "CAOPEN", "CAPOST", "CAXFER", "CASTMT", "CACLOSE"}) {
    CopybookOptions w;
    w.search_path = {dir};
    CopybookOptions h = w;
    h.dialect = Dialect::gnuCobol();
    auto t = Transcoder::fromCopybookFile(dir + name + ".cpy", w, h);
    if (!t.ok() && t.status().code() == StatusCode::kNotFound) {
      continue;  // not there yet
    }
    ASSERT_TRUE(t.ok()) << t.status().toString();
    EXPECT_EQ((*t)->length(), std::string(name) == "CASTMT" ? 1150u : 200u) << name;
  }
}

}  // namespace
}  // namespace corebridge::mappings

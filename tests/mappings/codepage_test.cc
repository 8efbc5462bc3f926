#include "mappings/codepage.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace corebridge::mappings {
namespace {

std::vector<uint8_t> enc(const CodePage& cp, std::string_view s, size_t n, bool right = false) {
  std::vector<uint8_t> out(n);
  Status st = cp.encode(s, out.data(), n, right);
  EXPECT_TRUE(st.ok()) << st.toString();
  return out;
}

std::string dec(const CodePage& cp, const std::vector<uint8_t>& b) {
  std::string s;
  cp.decode(b.data(), b.size(), &s);
  return s;
}

TEST(CodePageTest, Cp037Basics) {
  const CodePage& cp = CodePage::cp037();
  EXPECT_TRUE(cp.isEbcdic());
  EXPECT_EQ(cp.space(), 0x40);
  EXPECT_EQ(cp.digit(0), 0xF0);
  EXPECT_EQ(cp.digit(9), 0xF9);
  EXPECT_EQ(cp.plus(), 0x4E);
  EXPECT_EQ(cp.minus(), 0x60);
  EXPECT_EQ(cp.toUnicode(0xC1), U'A');
  EXPECT_EQ(cp.toUnicode(0x81), U'a');
  EXPECT_EQ(cp.toUnicode(0x4B), U'.');
  EXPECT_EQ(cp.toUnicode(0x5B), U'$');
  EXPECT_EQ(cp.fromUnicode(U'Z'), 0xE9);
  EXPECT_EQ(cp.fromUnicode(0x20AC), -1);
  EXPECT_EQ(enc(cp, "AB 1", 6), (std::vector<uint8_t>{0xC1, 0xC2, 0x40, 0xF1, 0x40, 0x40}));
  EXPECT_EQ(enc(cp, "AB", 4, true), (std::vector<uint8_t>{0x40, 0x40, 0xC1, 0xC2}));
  EXPECT_EQ(dec(cp, {0xC8, 0x85, 0x93, 0x93, 0x96}), "Hello");
}

TEST(CodePageTest, BracketsDifferBetween037And1047) {
  EXPECT_EQ(CodePage::cp037().fromUnicode(U'['), 0xBA);
  EXPECT_EQ(CodePage::cp1047().fromUnicode(U'['), 0xAD);
  EXPECT_EQ(CodePage::cp500().fromUnicode(U'['), 0x4A);
  EXPECT_EQ(CodePage::cp273().fromUnicode(U'Ä'), 0x4A);
  EXPECT_EQ(CodePage::cp273().fromUnicode(U'ß'), 0xA1);
}

TEST(CodePageTest, EuroInCp1140) {
  const CodePage& cp = CodePage::cp1140();
  EXPECT_EQ(cp.toUnicode(0x9F), 0x20AC);
  EXPECT_EQ(cp.fromUnicode(0x20AC), 0x9F);
  EXPECT_EQ(cp.fromUnicode(0xA4), -1);  // the currency sign it replaced
  EXPECT_EQ(enc(cp, "12\xE2\x82\xAC", 3), (std::vector<uint8_t>{0xF1, 0xF2, 0x9F}));
  EXPECT_EQ(dec(cp, {0x9F}), "\xE2\x82\xAC");
  // cp037 has U+00A4 at 0x9F instead.
  EXPECT_EQ(CodePage::cp037().toUnicode(0x9F), 0xA4);
}

TEST(CodePageTest, AsciiIsLatin1) {
  const CodePage& cp = CodePage::ascii();
  EXPECT_FALSE(cp.isEbcdic());
  EXPECT_EQ(cp.space(), 0x20);
  EXPECT_EQ(cp.digit(3), 0x33);
  EXPECT_EQ(dec(cp, {'a', 0xE9, 'b'}),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(enc(cp, "\xC3\xA9", 2), (std::vector<uint8_t>{0xE9, 0x20}));
}

TEST(CodePageTest, EveryBuiltInPageRoundTripsAllBytes) {
  for (const CodePage* cp : {&CodePage::cp037(), &CodePage::cp1047(), &CodePage::cp500(),
                             &CodePage::cp273(), &CodePage::cp1140(), &CodePage::ascii()}) {
    std::vector<uint8_t> all(256);
    for (int b = 0; b < 256; ++b) {
      all[b] = static_cast<uint8_t>(b);
      EXPECT_EQ(cp->fromUnicode(cp->toUnicode(static_cast<uint8_t>(b))), b) << cp->name();
    }
    std::string text = dec(*cp, all);
    std::vector<uint8_t> back(256);
    ASSERT_TRUE(cp->encode(text, back.data(), 256).ok()) << cp->name();
    EXPECT_EQ(back, all) << cp->name();
  }
}

TEST(CodePageTest, EncodeErrors) {
  const CodePage& cp = CodePage::cp037();
  uint8_t out[4];
  Status st = cp.encode("ab\xE2\x82\xAC", out, 4);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "character U+20AC at position 3 is not in code page cp037");
  st = cp.encode("abcde", out, 4);
  EXPECT_EQ(st.message(), "text of 5 characters does not fit in 4 bytes");
  st = cp.encode("a\xC3", out, 4);
  EXPECT_EQ(st.message(), "invalid UTF-8 at byte 1 of the text");
  st = cp.encode("\xC0\x80", out, 4);  // overlong NUL
  EXPECT_FALSE(st.ok());
}

TEST(CodePageTest, ByNameAliases) {
  for (const char* n : {"cp037", "037", "IBM-037", "ibm037", "EBCDIC", "37", "CCSID037"}) {
    auto r = CodePage::byName(n);
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_EQ(*r, &CodePage::cp037()) << n;
  }
  EXPECT_EQ(*CodePage::byName("IBM-1047"), &CodePage::cp1047());
  EXPECT_EQ(*CodePage::byName("cp500"), &CodePage::cp500());
  EXPECT_EQ(*CodePage::byName("ibm273"), &CodePage::cp273());
  EXPECT_EQ(*CodePage::byName("CP1140"), &CodePage::cp1140());
  EXPECT_EQ(*CodePage::byName("ASCII"), &CodePage::ascii());
  EXPECT_EQ(*CodePage::byName("latin1"), &CodePage::ascii());
  EXPECT_EQ(*CodePage::byName("ISO-8859-1"), &CodePage::ascii());
  auto bad = CodePage::byName("cp999");
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

std::string writeTable(const std::string& name, const std::string& body) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << body;
  return path;
}

std::string cp037Table() {
  std::string s = "# cp037 written out\n";
  char line[32];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(line, sizeof line, "0x%02X U+%04X\n", b,
                  static_cast<unsigned>(CodePage::cp037().toUnicode(static_cast<uint8_t>(b))));
    s += line;
  }
  return s;
}

TEST(CodePageTest, LoadTableFile) {
  std::string body = cp037Table();
  // Swap '[' and the cent sign to make a distinguishable variant.
  body.replace(body.find("0x4A U+00A2"), 11, "0x4A U+005B");
  body.replace(body.find("0xBA U+005B"), 11, "0xBA U+00A2");
  body += "  # trailing comment line\n\n";
  std::string path = writeTable("table_ok.txt", body);
  auto r = CodePage::loadTableFile(path, "my-page");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const CodePage* cp = *r;
  EXPECT_TRUE(cp->isEbcdic());
  EXPECT_EQ(cp->name(), "my-page");
  EXPECT_EQ(cp->toUnicode(0xBA), U'\u00A2');
  EXPECT_EQ(cp->fromUnicode(U'['), 0x4A);
  EXPECT_EQ(*CodePage::byName("MY-PAGE"), cp);
}

TEST(CodePageTest, LoadTableFileErrors) {
  std::string body = cp037Table();
  std::string missing = body;
  missing.erase(missing.find("0x41 "), 12);
  std::string path = writeTable("table_missing.txt", missing);
  auto r = CodePage::loadTableFile(path, "m");
  EXPECT_EQ(r.status().message(), path + ": byte 0x41 has no mapping (256 are needed)");

  std::string dup = body + "0x41 U+1234\n";
  path = writeTable("table_dup.txt", dup);
  r = CodePage::loadTableFile(path, "m");
  EXPECT_EQ(r.status().message(), path + ":258: byte 0x41 mapped twice (first on line 67)");

  std::string junk = body;
  junk.insert(junk.find("0x05 "), "0xZZ U+0041\n");
  path = writeTable("table_junk.txt", junk);
  r = CodePage::loadTableFile(path, "m");
  EXPECT_EQ(r.status().message(), path + ":7: bad byte '0xZZ' (expected 0x00..0xFF)");

  r = CodePage::loadTableFile("/nonexistent/t.txt", "m");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  r = CodePage::loadTableFile(writeTable("t2.txt", body), "cp037");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace corebridge::mappings

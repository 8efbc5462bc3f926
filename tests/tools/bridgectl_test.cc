// bridgectl as a user runs it: the real binary, files in a temp directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/tools/bridgectl_fixture.h"

namespace {

using corebridge::tools_test::Outcome;

using ::testing::HasSubstr;

class BridgectlTest : public corebridge::tools_test::BridgectlFixture {
 protected:
  static std::string source(const std::string& rel) {
    return std::string(CB_SOURCE_DIR) + "/" + rel;
  }
};

constexpr const char kCopybook[] =
    "       01  CUSTOMER.\n"
    "           05  CUST-ID        PIC 9(6).\n"
    "           05  CUST-NAME      PIC X(10).\n"
    "           05  CUST-BAL       PIC S9(7)V99 COMP-3.\n"
    "           05  FILLER         PIC X(2).\n";

TEST_F(BridgectlTest, EncodeThenDecodeIsTheSameJson) {
  write("cust.cpy", kCopybook);
  const std::string jsonl =
      "{\"CUST-ID\":1,\"CUST-NAME\":\"ANNA\",\"CUST-BAL\":-1234.50}\n"
      "{\"CUST-ID\":999999,\"CUST-NAME\":\"B\",\"CUST-BAL\":0.00}\n";
  write("in.jsonl", jsonl);
  Outcome enc = run("encode --copybook " + path("cust.cpy") + " --output " + path("cust.dat") +
                    " " + path("in.jsonl"));
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  EXPECT_EQ(read("cust.dat").size(), 2u * 23);
  // cp037 by default: '1' is F1, the FILLER is spaces (40).
  EXPECT_EQ(read("cust.dat").substr(0, 6), "\xF0\xF0\xF0\xF0\xF0\xF1");
  EXPECT_EQ(read("cust.dat").substr(21, 2), "\x40\x40");
  Outcome dec = run("decode --copybook " + path("cust.cpy") + " " + path("cust.dat"));
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, jsonl);
}

TEST_F(BridgectlTest, VariableRecordsAndAsciiDialect) {
  write("cust.cpy", kCopybook);
  write("in.jsonl", "{\"CUST-ID\":42,\"CUST-NAME\":\"Z\",\"CUST-BAL\":1.00}\n");
  Outcome enc = run("encode --copybook " + path("cust.cpy") +
                    " --dialect gnucobol --record-format V --output " + path("v.dat") + " " +
                    path("in.jsonl"));
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  std::string v = read("v.dat");
  ASSERT_EQ(v.size(), 27u);
  EXPECT_EQ(v.substr(0, 4), std::string("\x00\x1B\x00\x00", 4));  // RDW: 27 bytes incl. itself
  EXPECT_EQ(v.substr(4, 6), "000042");                            // ASCII digits
  Outcome dec = run("decode --copybook " + path("cust.cpy") +
                    " --dialect gnucobol --record-format V " + path("v.dat"));
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, "{\"CUST-ID\":42,\"CUST-NAME\":\"Z\",\"CUST-BAL\":1.00}\n");
}

TEST_F(BridgectlTest, BadRecordNamesRecordFieldAndOffset) {
  write("cust.cpy", kCopybook);
  std::string rec(23, '\x40');
  rec.replace(0, 6, "\xF0\xF0\xF0\xF0\xF0\xF1");
  rec.replace(16, 5, std::string("\x00\x00\x00\x00\x0C", 5));
  std::string bad = rec;
  bad[18] = '\x1F';  // a sign nibble F in the middle of COMP-3 digits
  write("cust.dat", rec + bad);
  Outcome dec = run("decode --copybook " + path("cust.cpy") + " " + path("cust.dat"));
  EXPECT_EQ(dec.exit_code, 1);
  EXPECT_THAT(dec.err, HasSubstr("record 2 at file offset 23"));
  EXPECT_THAT(dec.err, HasSubstr("CUSTOMER.CUST-BAL at offset 16"));
  EXPECT_EQ(std::count(dec.out.begin(), dec.out.end(), '\n'), 1);  // the good record came out

  Outcome lenient = run("decode --lenient --copybook " + path("cust.cpy") + " " + path("cust.dat"));
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_THAT(lenient.out, HasSubstr("\"CUST-BAL\":null"));
  EXPECT_THAT(lenient.err, HasSubstr("1 field values not decodable"));
}

TEST_F(BridgectlTest, EncodeWritesNothingWhenALineIsBad) {
  write("cust.cpy", kCopybook);
  write("in.jsonl",
        "{\"CUST-ID\":1,\"CUST-NAME\":\"A\",\"CUST-BAL\":1}\n"
        "{\"CUST-ID\":1234567,\"CUST-NAME\":\"A\",\"CUST-BAL\":1}\n");
  Outcome enc = run("encode --copybook " + path("cust.cpy") + " --output " + path("out.dat") + " " +
                    path("in.jsonl"));
  EXPECT_EQ(enc.exit_code, 1);
  EXPECT_THAT(enc.err, HasSubstr("in.jsonl:2: CUSTOMER.CUST-ID"));
  EXPECT_FALSE(std::filesystem::exists(path("out.dat")));
}

TEST_F(BridgectlTest, CopybookErrorsNameFileLineAndColumn) {
  write("bad.cpy", "       01  REC.\n           05  A   PIC Q(3).\n");
  Outcome r = run("layout --copybook " + path("bad.cpy"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.cpy:2:"));
}

TEST_F(BridgectlTest, UsageErrorsAndHelp) {
  Outcome r = run("decode --copybook x.cpy --bogus y in.dat");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option --bogus"));
  r = run("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  for (const char* cmd : {"decode", "encode", "layout"}) {
    r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_THAT(r.out, HasSubstr("--copybook FILE")) << cmd;
    EXPECT_THAT(r.out, HasSubstr("--codepage")) << cmd;
  }
  r = run("decode --help");
  EXPECT_THAT(r.out, HasSubstr("--select RULE"));
  EXPECT_THAT(r.out, HasSubstr("--record-format"));
}

TEST_F(BridgectlTest, MultiRecordExtractWithSelectFile) {
  const std::string cpy = source("legacy/cobol/copybooks/EXTRREC.cpy");
  const std::string sel = source("mappings/packs/demobank/extract-select.yaml");
  write(
      "x.jsonl",
      "{\"EX-REC-TYPE\":\"T\",\"EX-TRAILER-BODY\":{\"EXT-RECORD-COUNT\":3,\"EXT-ACCOUNT-COUNT\":1,"
      "\"EXT-POSTING-COUNT\":1,\"EXT-BALANCE-TOTAL\":-5.25,\"EXT-DEBIT-TOTAL\":5.25,"
      "\"EXT-CREDIT-TOTAL\":0.00,\"EXT-HASH-TOTAL\":100010000017}}\n");
  Outcome enc = run("encode --copybook " + cpy + " --select-file " + sel + " --output " +
                    path("x.dat") + " " + path("x.jsonl"));
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  EXPECT_EQ(read("x.dat").size(), 150u);
  Outcome dec = run("decode --copybook " + cpy + " --select-file " + sel + " " + path("x.dat"));
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, read("x.jsonl"));
  // Without the rules the trailer decodes as EX-BODY text: no guess about its type.
  Outcome plain = run("decode --copybook " + cpy + " " + path("x.dat"));
  EXPECT_THAT(plain.out, HasSubstr("\"EX-BODY\":"));
  write("bad.yaml", "select:\n  - field: EX-REC-TYPE\n    equal: [A]\n    use: EX-ACCOUNT-BODY\n");
  Outcome bad =
      run("decode --copybook " + cpy + " --select-file " + path("bad.yaml") + " " + path("x.dat"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.yaml:3:5: unknown key 'equal'"));
}

}  // namespace

// Tests of the copybook compiler: one per accepted feature, one per error.
#include "mappings/copybook.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace corebridge::mappings {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(CB_SOURCE_DIR) + "/tests/fixtures/copybooks/";

Layout parseOk(std::string_view text, const CopybookOptions& options = {}) {
  Result<Layout> r = parseCopybook(text, "test.cpy", options);
  EXPECT_TRUE(r.ok()) << r.status().toString();
  return r.ok() ? std::move(r).value() : Layout{};
}

std::string parseError(std::string_view text, const CopybookOptions& options = {}) {
  Result<Layout> r = parseCopybook(text, "test.cpy", options);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

CopybookOptions fixedFormat() {
  CopybookOptions o;
  o.format = SourceFormat::kFixed;
  return o;
}

const Field& field(const Layout& l, std::string_view name) {
  int i = l.find(name);
  EXPECT_NE(i, kNoIndex) << name;
  static const Field kMissing;
  return i == kNoIndex ? kMissing : l.fields[i];
}

// A fresh directory under the system temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("copybook_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// ---- fixtures: real-looking fixed-format copybooks ------------------------

TEST(CopybookFixture, AccountMaster) {
  auto r = parseCopybookFile(kFixtures + "ACCTMAST.cpy", {});
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const Layout& l = *r;
  ASSERT_EQ(l.records.size(), 1u);
  const Field& rec = l.fields[l.records[0]];
  EXPECT_EQ(rec.name, "ACCT-MASTER-REC");
  EXPECT_EQ(rec.line, 4);
  EXPECT_EQ(rec.source, kFixtures + "ACCTMAST.cpy");
  EXPECT_EQ(field(l, "ACCT-NUMBER").offset, 4u);
  EXPECT_EQ(field(l, "ACCT-NUMBER").length, 10u);
  EXPECT_EQ(field(l, "ACCT-KEY").length, 14u);
  EXPECT_EQ(field(l, "ACCT-HOLDER-NAME").offset, 17u);
  EXPECT_EQ(field(l, "ACCT-HOLDER-NAME").length, 36u);
  EXPECT_EQ(field(l, "ACCT-OPEN-DATE-R").offset, 53u);
  EXPECT_EQ(field(l, "ACCT-OPEN-DD").offset, 59u);
  const Field& bal = field(l, "ACCT-BALANCE");
  EXPECT_EQ(bal.offset, 61u);
  EXPECT_EQ(bal.length, 8u);
  EXPECT_EQ(bal.usage, Usage::kPacked);
  EXPECT_EQ(bal.digits, 15);
  EXPECT_EQ(bal.scale, 2);
  EXPECT_TRUE(bal.is_signed);
  const Field& rate = field(l, "ACCT-INT-RATE");
  EXPECT_EQ(rate.offset, 77u);
  EXPECT_EQ(rate.length, 3u);
  EXPECT_EQ(rate.scale, 5);
  EXPECT_EQ(field(l, "ACCT-OD-LIMIT").value, "0");
  EXPECT_EQ(field(l, "ACCT-LAST-TXN-SEQ").length, 4u);
  EXPECT_EQ(l.find("ACCT-DEBUG-FLAG"), kNoIndex);  // D line: a comment
  EXPECT_EQ(field(l, "ACCT-HIST-COUNT").offset, 90u);
  const Field& hist = field(l, "ACCT-HIST");
  EXPECT_EQ(hist.offset, 102u);
  EXPECT_EQ(hist.length, 17u);
  EXPECT_EQ(hist.occurs_min, 0);
  EXPECT_EQ(hist.occurs_max, 12);
  EXPECT_EQ(hist.depending_field, l.find("ACCT-HIST-COUNT"));
  EXPECT_EQ(rec.length, 306u);
  EXPECT_EQ(l.maxLength(), 306u);
  const Field& type = field(l, "ACCT-TYPE");
  ASSERT_EQ(type.conditions.size(), 3u);
  EXPECT_EQ(type.conditions[2].name, "ACCT-LOAN");
  ASSERT_EQ(type.conditions[2].values.size(), 3u);
  EXPECT_EQ(type.conditions[2].values[2].low, "PL");
  const Field& status = field(l, "ACCT-STATUS");
  ASSERT_EQ(status.conditions.size(), 3u);
  EXPECT_EQ(status.conditions[2].values[0].low, "A");
  EXPECT_EQ(status.conditions[2].values[0].high, "I");
  EXPECT_EQ(status.conditions[2].values[1].low, "O");
}

TEST(CopybookFixture, CommareaWithoutLevel01AndCopyReplacing) {
  CopybookOptions o;
  auto r = parseCopybookFile(kFixtures + "TXNCOMM.cpy", o);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const Layout& l = *r;
  ASSERT_EQ(l.records.size(), 3u);  // the three 05 items, one after the other
  EXPECT_EQ(l.fields[l.records[0]].offset, 0u);
  EXPECT_EQ(l.fields[l.records[1]].offset, 48u);
  EXPECT_EQ(l.fields[l.records[2]].offset, 121u);
  EXPECT_EQ(l.maxLength(), 173u);
  const Field& tc = field(l, "TXN-TRANCODE");
  EXPECT_EQ(tc.source, kFixtures + "CAHDR.cpy");
  EXPECT_EQ(tc.line, 2);
  EXPECT_EQ(field(l, "TXN-VERSION").value, "1");
  EXPECT_EQ(field(l, "TXN-MEMO").value, "FUNDS TRANSFER BETWEEN OWN ACCOUNTS");
  EXPECT_EQ(field(l, "TXN-AMOUNT").length, 7u);
  const Field& resp = field(l, "TXN-RESP-CODE");
  ASSERT_EQ(resp.conditions.size(), 3u);
  EXPECT_EQ(resp.conditions[2].values[0].low, "14");
  EXPECT_EQ(resp.conditions[2].values[0].high, "15");
}

TEST(CopybookFixture, TwoRecordsAndRenames) {
  auto r = parseCopybookFile(kFixtures + "CUSTREC.cpy", {});
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const Layout& l = *r;
  ASSERT_EQ(l.records.size(), 2u);
  EXPECT_EQ(l.fields[l.records[0]].offset, 0u);
  EXPECT_EQ(l.fields[l.records[0]].length, 71u);
  EXPECT_EQ(l.fields[l.records[1]].offset, 0u);
  EXPECT_EQ(l.fields[l.records[1]].length, 127u);
  EXPECT_EQ(l.maxLength(), 127u);
  EXPECT_EQ(field(l, "CUST-SEGMENT").value, std::string(2, '\0'));
  const Field& key = field(l, "ADDR-KEY");
  EXPECT_EQ(key.level, 66);
  EXPECT_EQ(key.renames_first, l.find("ADDR-REC-TYPE"));
  EXPECT_EQ(key.renames_last, l.find("ADDR-CUST-ID"));
  EXPECT_EQ(key.offset, 0u);
  EXPECT_EQ(key.length, 10u);
  EXPECT_EQ(key.parent, l.records[1]);
  const Field& line = field(l, "ADDR-LINE");
  EXPECT_TRUE(line.has_occurs);
  EXPECT_EQ(line.occurs_max, 3);
  EXPECT_EQ(line.totalLength(), 105u);
}

TEST(CopybookFixture, ParseFileMissingIsNotFound) {
  auto r = parseCopybookFile(kFixtures + "NOPE.cpy", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// ---- source format ---------------------------------------------------------

TEST(CopybookFormat, FixedSequenceIndicatorAndColumns73To80) {
  std::string text =
      "000100* A COMMENT LINE                                                  XXXXXXXX\n"
      "000200/ A PAGE EJECT COMMENT\n"
      "000300 01  REC.                                                         JUNKJUNK\n"
      "000400     05  A    PIC X(5).                                           PIC 9(99\n"
      "000500D    05  DBG  PIC X.\n"
      "000600     05  B    PIC 9(3).\n";
  Layout l = parseOk(text);
  EXPECT_EQ(l.fields.size(), 3u);
  EXPECT_EQ(field(l, "B").offset, 5u);
  EXPECT_EQ(field(l, "B").line, 6);
}

TEST(CopybookFormat, FixedWordContinuation) {
  std::string text =
      "       01  REC.\n"
      "           05  LONG-NA\n"
      "      -        ME PIC X(3).\n";
  Layout l = parseOk(text, fixedFormat());
  EXPECT_NE(l.find("LONG-NAME"), kNoIndex);
}

TEST(CopybookFormat, FixedLiteralContinuationRunsToColumn72) {
  std::string first = "           05  A PIC X(60) VALUE 'ABC";
  first.resize(72 - 4, ' ');
  first += "DEF";  // ends in column 71; column 72 is blank
  std::string text = "       01  REC.\n" + first + "\n      -    'GHI'.\n";
  Layout l = parseOk(text, fixedFormat());
  std::string want = "ABC" + std::string(72 - 4 - 37, ' ') + "DEF " + "GHI";
  EXPECT_EQ(field(l, "A").value, want);
}

TEST(CopybookFormat, TabsExpandToMultiplesOfEight) {
  // "\t" from column 1 goes to column 9: code area, so this is fixed format.
  std::string text = "\t01  REC.\n\t    05  A PIC X.\n";
  Layout l = parseOk(text, fixedFormat());
  EXPECT_EQ(field(l, "A").length, 1u);
  // Sequence number then a tab: column 7 is blank, code from column 9.
  Layout l2 = parseOk("000100\t01 REC.\n000200\t  05 A PIC XX.\n");
  EXPECT_EQ(field(l2, "A").length, 2u);
}

TEST(CopybookFormat, FreeFormatLowerCaseAndInlineComments) {
  std::string text =
      "*> customer record, free format\n"
      "01 cust-rec.   *> the record\n"
      "\n"
      "  05 cust-id pic 9(9).\n"
      "  05 cust-name pic x(30) value 'o''brien'.\n";
  Layout l = parseOk(text);
  EXPECT_EQ(field(l, "CUST-NAME").offset, 9u);
  EXPECT_EQ(field(l, "CUST-NAME").value, "o'brien");
  EXPECT_EQ(field(l, "CUST-NAME").picture, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
}

TEST(CopybookFormat, AutoDetection) {
  // Level number in column 1: free.
  EXPECT_EQ(parseOk("01 R.\n 05 A PIC X.\n").fields.size(), 2u);
  // Everything from column 8: fixed (and equally valid as free).
  EXPECT_EQ(parseOk("       01 R.\n           05 A PIC X.\n").fields.size(), 2u);
  // Indented free format with the level in columns 5-6 is not fixed.
  EXPECT_EQ(parseOk("    05 A PIC X.\n    05 B PIC X.\n").fields.size(), 2u);
}

TEST(CopybookFormat, ExplicitFreeIgnoresColumns) {
  Layout l = parseOk("000100 01 R PIC X.\n", fixedFormat());
  ASSERT_EQ(l.fields.size(), 1u);
  EXPECT_EQ(l.fields[0].name, "R");
  CopybookOptions free;
  free.format = SourceFormat::kFree;
  EXPECT_FALSE(parseCopybook("000100 01 R PIC X.\n", "x", free).ok());
}

// ---- levels ---------------------------------------------------------------

TEST(CopybookLevels, StartsAtLevel10) {
  Layout l = parseOk("10 A PIC X(2).\n10 B PIC X(3).\n");
  ASSERT_EQ(l.records.size(), 2u);
  EXPECT_EQ(field(l, "A").offset, 0u);
  EXPECT_EQ(field(l, "B").offset, 2u);
}

TEST(CopybookLevels, IrregularLevelJoinsEnclosingGroup) {
  std::vector<std::string> warnings;
  CopybookOptions o;
  o.warnings = &warnings;
  Layout l = parseOk(
      "01 R.\n"
      "  05 G.\n"
      "    10 A PIC X.\n"
      "   07 B PIC X.\n"
      "  04 C PIC X.\n",
      o);
  EXPECT_EQ(field(l, "B").parent, l.find("G"));
  EXPECT_EQ(field(l, "C").parent, l.find("R"));
  EXPECT_EQ(field(l, "C").offset, 2u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].rfind("test.cpy:4:4: level 7 of B", 0), 0u) << warnings[0];
}

TEST(CopybookLevels, Level77AndTree) {
  Layout l = parseOk("77 COUNTER PIC S9(4) COMP.\n01 R.\n 05 A PIC X.\n 05 B PIC X.\n");
  ASSERT_EQ(l.records.size(), 2u);
  EXPECT_EQ(l.fields[l.records[0]].level, 77);
  const Field& r = field(l, "R");
  EXPECT_EQ(r.children, (std::vector<int>{2, 3}));
  EXPECT_EQ(field(l, "B").parent, 1);
  EXPECT_EQ(field(l, "B").offset, 1u);
}

TEST(CopybookLevels, FillerAndUnnamed) {
  Layout l = parseOk("01 R.\n 05 FILLER PIC X(3).\n 05 PIC X(2).\n 05 A PIC X.\n");
  EXPECT_TRUE(l.fields[1].filler);
  EXPECT_EQ(l.fields[1].name, "FILLER");
  EXPECT_TRUE(l.fields[2].filler);
  EXPECT_EQ(field(l, "A").offset, 5u);
}

// ---- pictures ---------------------------------------------------------------

struct PicCase {
  const char* clause;
  Category category;
  int digits;
  int scale;
  bool is_signed;
  size_t length;
  const char* expanded;
};

TEST(CopybookPicture, Table) {
  const PicCase cases[] = {
      {"PIC X(5)", Category::kAlphanumeric, 0, 0, false, 5, "XXXXX"},
      {"PIC A(3)", Category::kAlphabetic, 0, 0, false, 3, "AAA"},
      {"PIC XX99A", Category::kAlphanumeric, 0, 0, false, 5, "XX99A"},
      {"PICTURE IS 9(5)", Category::kNumeric, 5, 0, false, 5, "99999"},
      {"PIC S9(5)V99", Category::kNumeric, 7, 2, true, 7, "S99999V99"},
      {"PIC 9(3)PP", Category::kNumeric, 3, -2, false, 3, "999PP"},
      {"PIC VPP99", Category::kNumeric, 2, 4, false, 2, "VPP99"},
      {"PIC PP99", Category::kNumeric, 2, 4, false, 2, "PP99"},
      {"PIC SV9(3)", Category::kNumeric, 3, 3, true, 3, "SV999"},
      {"PIC N(4)", Category::kNational, 0, 0, false, 8, "NNNN"},
      {"PIC ZZ,ZZ9.99", Category::kNumericEdited, 7, 2, false, 9, "ZZ,ZZ9.99"},
      {"PIC ***,**9.99CR", Category::kNumericEdited, 8, 2, true, 12, "***,**9.99CR"},
      {"PIC +++9", Category::kNumericEdited, 3, 0, true, 4, "+++9"},
      {"PIC $$$,$$9.99", Category::kNumericEdited, 7, 2, false, 10, "$$$,$$9.99"},
      {"PIC ---9.99", Category::kNumericEdited, 5, 2, true, 7, "---9.99"},
      {"PIC 9(4)DB", Category::kNumericEdited, 4, 0, true, 6, "9999DB"},
      {"PIC 99/99/99", Category::kNumericEdited, 6, 0, false, 8, "99/99/99"},
      {"PIC 999B999", Category::kNumericEdited, 6, 0, false, 7, "999B999"},
      {"PIC Z(3)V99", Category::kNumericEdited, 5, 2, false, 5, "ZZZV99"},
      {"PIC X(3)BX(2)", Category::kAlphanumericEdited, 0, 0, false, 6, "XXXBXX"},
      {"PIC XX/XX/0X", Category::kAlphanumericEdited, 0, 0, false, 8, "XX/XX/0X"},
  };
  for (const PicCase& c : cases) {
    std::string text = std::string("01 R.\n 05 F ") + c.clause + ".\n";
    SCOPED_TRACE(c.clause);
    Layout l = parseOk(text);
    if (l.fields.size() < 2) continue;
    const Field& f = l.fields[1];
    EXPECT_EQ(f.category, c.category);
    EXPECT_EQ(f.digits, c.digits);
    EXPECT_EQ(f.scale, c.scale);
    EXPECT_EQ(f.is_signed, c.is_signed);
    EXPECT_EQ(f.length, c.length);
    EXPECT_EQ(f.picture, c.expanded);
  }
}

// ---- usages and sizes -----------------------------------------------------------

TEST(CopybookUsage, BinarySizesPerDialect) {
  const char* text =
      "01 R.\n 05 B1 PIC S9 COMP.\n 05 B2 PIC 9(3) BINARY.\n 05 B4 PIC S9(4) COMP-4.\n"
      " 05 B5 PIC 9(5) COMP-5.\n 05 B9 PIC S9(9) COMP.\n 05 B18 PIC S9(18) COMP.\n";
  Layout ibm = parseOk(text);
  EXPECT_EQ(field(ibm, "B1").length, 2u);
  EXPECT_EQ(field(ibm, "B2").length, 2u);
  EXPECT_EQ(field(ibm, "B4").length, 2u);
  EXPECT_EQ(field(ibm, "B5").length, 4u);
  EXPECT_EQ(field(ibm, "B5").usage, Usage::kNativeBinary);
  EXPECT_EQ(field(ibm, "B9").length, 4u);
  EXPECT_EQ(field(ibm, "B18").length, 8u);
  EXPECT_EQ(field(ibm, "B2").usage, Usage::kBinary);
  CopybookOptions gnu;
  gnu.dialect.binary_size = BinarySizeRule::kGnu1248;
  Layout g = parseOk(text, gnu);
  EXPECT_EQ(field(g, "B1").length, 1u);
  EXPECT_EQ(field(g, "B2").length, 2u);
  EXPECT_EQ(field(g, "B5").length, 4u);
  EXPECT_EQ(field(g, "B18").length, 8u);
  EXPECT_EQ(g.dialect.binary_size, BinarySizeRule::kGnu1248);
}

TEST(CopybookUsage, PackedFloatPointerIndexNational) {
  CopybookOptions o;
  o.dialect.pointer_size = 8;
  Layout l = parseOk(
      "01 R.\n"
      " 05 P1 PIC S9(7)V99 PACKED-DECIMAL.\n"
      " 05 P2 PIC 9(4) USAGE IS COMP-3.\n"
      " 05 F1 COMP-1.\n"
      " 05 F2 USAGE COMP-2.\n"
      " 05 PTR POINTER.\n"
      " 05 IDX INDEX.\n"
      " 05 NAT PIC N(3).\n"
      " 05 NAT2 PIC N(2) USAGE NATIONAL.\n",
      o);
  EXPECT_EQ(field(l, "P1").length, 5u);
  EXPECT_EQ(field(l, "P2").length, 3u);
  EXPECT_EQ(field(l, "F1").length, 4u);
  EXPECT_EQ(field(l, "F1").category, Category::kFloat);
  EXPECT_EQ(field(l, "F2").usage, Usage::kFloatLong);
  EXPECT_EQ(field(l, "F2").length, 8u);
  EXPECT_EQ(field(l, "PTR").length, 8u);
  EXPECT_EQ(field(l, "PTR").category, Category::kPointer);
  EXPECT_EQ(field(l, "IDX").length, 4u);
  EXPECT_EQ(field(l, "NAT").usage, Usage::kNational);
  EXPECT_EQ(field(l, "NAT").length, 6u);
  EXPECT_EQ(field(l, "NAT2").length, 4u);
  EXPECT_EQ(field(l, "NAT2").offset, 5u + 3 + 4 + 8 + 8 + 4 + 6);
}

TEST(CopybookUsage, GroupUsageAppliesToChildren) {
  Layout l = parseOk("01 R.\n 05 G COMP-3.\n  10 A PIC S9(5).\n  10 B PIC S9(3).\n 05 C PIC 9.\n");
  EXPECT_EQ(field(l, "A").usage, Usage::kPacked);
  EXPECT_EQ(field(l, "A").length, 3u);
  EXPECT_EQ(field(l, "B").offset, 3u);
  EXPECT_EQ(field(l, "G").length, 5u);
  EXPECT_EQ(field(l, "G").category, Category::kGroup);
  EXPECT_EQ(field(l, "C").usage, Usage::kDisplay);
}

// ---- sign, sync, justified, blank when zero ---------------------------------

TEST(CopybookSign, ModesAndLengths) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 D PIC S9(3).\n"
      " 05 U PIC 9(3).\n"
      " 05 L PIC S9(3) SIGN LEADING.\n"
      " 05 LS PIC S9(3) SIGN IS LEADING SEPARATE CHARACTER.\n"
      " 05 TS PIC S9(3) TRAILING SEPARATE.\n"
      " 05 G SIGN LEADING SEPARATE.\n"
      "  10 GA PIC S99.\n"
      " 05 P PIC S9(3) COMP-3.\n");
  EXPECT_EQ(field(l, "D").sign, SignMode::kTrailingOverpunch);
  EXPECT_EQ(field(l, "U").sign, SignMode::kNone);
  EXPECT_EQ(field(l, "L").sign, SignMode::kLeadingOverpunch);
  EXPECT_EQ(field(l, "L").length, 3u);
  EXPECT_EQ(field(l, "LS").sign, SignMode::kLeadingSeparate);
  EXPECT_EQ(field(l, "LS").length, 4u);
  EXPECT_EQ(field(l, "TS").sign, SignMode::kTrailingSeparate);
  EXPECT_EQ(field(l, "TS").length, 4u);
  EXPECT_EQ(field(l, "GA").sign, SignMode::kLeadingSeparate);
  EXPECT_EQ(field(l, "GA").length, 3u);
  EXPECT_EQ(field(l, "P").sign, SignMode::kNone);
  EXPECT_TRUE(field(l, "P").is_signed);
}

TEST(CopybookSync, SlackBytesBeforeAlignedItems) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 A PIC X.\n"
      " 05 B PIC S9(9) COMP SYNC.\n"
      " 05 C PIC X(3).\n"
      " 05 D COMP-2 SYNCHRONIZED LEFT.\n"
      " 05 E PIC S9(4) COMP SYNC RIGHT.\n"
      " 05 F PIC S9(4) COMP.\n");
  EXPECT_EQ(field(l, "B").offset, 4u);
  EXPECT_TRUE(field(l, "B").sync);
  EXPECT_EQ(field(l, "C").offset, 8u);
  EXPECT_EQ(field(l, "D").offset, 16u);
  EXPECT_EQ(field(l, "E").offset, 24u);
  EXPECT_EQ(field(l, "F").offset, 26u);
  EXPECT_EQ(field(l, "R").length, 28u);
}

TEST(CopybookSync, TableElementPaddedToAlignment) {
  Layout l = parseOk("01 R.\n 05 T OCCURS 3.\n  10 A PIC X.\n  10 B PIC S9(9) COMP SYNC.\n");
  EXPECT_EQ(field(l, "B").offset, 4u);
  EXPECT_EQ(field(l, "T").length, 8u);
  EXPECT_EQ(field(l, "R").length, 24u);
}

TEST(CopybookClauses, JustifiedBlankWhenZeroAnyOrder) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 A VALUE 'X' JUSTIFIED RIGHT PIC X(5).\n"
      " 05 B BLANK WHEN ZERO PIC ZZ9.99.\n"
      " 05 C JUST PIC X(2); VALUE IS 'AB'.\n");
  EXPECT_TRUE(field(l, "A").justified_right);
  EXPECT_TRUE(field(l, "A").has_value);
  EXPECT_EQ(field(l, "A").value, "X");
  EXPECT_TRUE(field(l, "B").blank_when_zero);
  EXPECT_TRUE(field(l, "C").justified_right);
  EXPECT_EQ(field(l, "C").value, "AB");
}

// ---- values --------------------------------------------------------------------

TEST(CopybookValue, LiteralsAndFigurativeConstants) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 A PIC X(4) VALUE \"it\"\"s\".\n"
      " 05 B PIC X(3) VALUE SPACES.\n"
      " 05 C PIC 9(3) VALUE ZEROS.\n"
      " 05 D PIC X(2) VALUE ZERO.\n"
      " 05 E PIC X(2) VALUE HIGH-VALUES.\n"
      " 05 F PIC X(5) VALUE ALL 'AB'.\n"
      " 05 G PIC X(2) VALUE QUOTES.\n"
      " 05 H PIC S9(3)V99 VALUE -12.5.\n"
      " 05 I PIC X(2) VALUE X'C1C2'.\n"
      " 05 J PIC X(3).\n");
  EXPECT_EQ(field(l, "A").value, "it\"s");
  EXPECT_EQ(field(l, "B").value, "   ");
  EXPECT_EQ(field(l, "C").value, "0");
  EXPECT_EQ(field(l, "D").value, "00");
  EXPECT_EQ(field(l, "E").value, "\u009f\u009f");  // cp037 0xFF
  EXPECT_EQ(field(l, "F").value, "ABABA");
  EXPECT_EQ(field(l, "G").value, "\"\"");
  EXPECT_EQ(field(l, "H").value, "-12.5");
  EXPECT_EQ(field(l, "I").value, "AB");  // cp037 C1 C2
  EXPECT_FALSE(field(l, "J").has_value);
  CopybookOptions ascii;
  ascii.dialect.code_page = &CodePage::ascii();
  Layout a = parseOk("01 R.\n 05 I PIC X(2) VALUE X'4142'.\n", ascii);
  EXPECT_EQ(field(a, "I").value, "AB");
}

TEST(CopybookValue, ConditionsWithRangesAndFiguratives) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 CODE-X PIC X(2).\n"
      "  88 BLANK-CODE VALUE SPACES.\n"
      "  88 LETTERS VALUES ARE 'AA' THROUGH 'ZZ' '00'.\n"
      " 05 AMT PIC S9(3).\n"
      "  88 SMALL VALUE IS -10 THRU +10, 50.\n"
      "  88 NONE VALUE ZERO.\n");
  const Field& c = field(l, "CODE-X");
  ASSERT_EQ(c.conditions.size(), 2u);
  EXPECT_EQ(c.conditions[0].name, "BLANK-CODE");
  EXPECT_EQ(c.conditions[0].values[0].low, "  ");
  EXPECT_EQ(c.conditions[0].line, 3);
  EXPECT_EQ(c.conditions[1].values[0].low, "AA");
  EXPECT_EQ(c.conditions[1].values[0].high, "ZZ");
  EXPECT_EQ(c.conditions[1].values[1].low, "00");
  const Field& a = field(l, "AMT");
  EXPECT_EQ(a.conditions[0].values[0].low, "-10");
  EXPECT_EQ(a.conditions[0].values[0].high, "+10");
  EXPECT_EQ(a.conditions[0].values[1].low, "50");
  EXPECT_EQ(a.conditions[1].values[0].low, "0");
  EXPECT_EQ(l.fields.size(), 3u);  // 88s are not fields
}

// ---- redefines ----------------------------------------------------------------

TEST(CopybookRedefines, SameOffsetAndMaxLength) {
  std::vector<std::string> warnings;
  CopybookOptions o;
  o.warnings = &warnings;
  Layout l = parseOk(
      "01 R.\n"
      " 05 A PIC X(4).\n"
      " 05 B REDEFINES A PIC 9(4).\n"
      " 05 C REDEFINES A.\n"
      "  10 C1 PIC X(2).\n"
      "  10 C2 PIC X(4).\n"
      " 05 D PIC X.\n",
      o);
  int a = l.find("A");
  EXPECT_EQ(field(l, "B").redefines, a);
  EXPECT_EQ(field(l, "C").redefines, a);
  EXPECT_EQ(field(l, "A").redefined_by, (std::vector<int>{l.find("B"), l.find("C")}));
  EXPECT_EQ(field(l, "C").offset, 0u);
  EXPECT_EQ(field(l, "C2").offset, 2u);
  EXPECT_EQ(field(l, "D").offset, 6u);  // after the longer alternative
  EXPECT_EQ(field(l, "R").length, 7u);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(CopybookRedefines, RecordLevel) {
  Layout l = parseOk("01 R1 PIC X(10).\n01 R2 REDEFINES R1.\n 05 A PIC X(20).\n");
  EXPECT_EQ(field(l, "R2").redefines, l.find("R1"));
  EXPECT_EQ(field(l, "R2").offset, 0u);
  EXPECT_EQ(l.maxLength(), 20u);
}

TEST(CopybookRedefines, LongerRecordAlternativeWithoutWarning) {
  std::vector<std::string> warnings;
  CopybookOptions o;
  o.warnings = &warnings;
  Layout l = parseOk("01 A PIC X(2).\n01 B REDEFINES A PIC X(9).\n", o);
  EXPECT_EQ(l.maxLength(), 9u);
  EXPECT_TRUE(warnings.empty());
}

// ---- occurs ----------------------------------------------------------------------

TEST(CopybookOccurs, FixedTablesAndIgnoredKeys) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 T OCCURS 5 TIMES ASCENDING KEY IS K DESCENDING K2 INDEXED BY I1 I2.\n"
      "  10 K PIC 9(2).\n"
      "  10 K2 PIC X(3).\n"
      "  10 M PIC X OCCURS 2.\n"
      " 05 AFTER PIC X.\n");
  EXPECT_EQ(field(l, "T").length, 7u);
  EXPECT_EQ(field(l, "T").occurs_max, 5);
  EXPECT_EQ(field(l, "M").offset, 5u);
  EXPECT_EQ(field(l, "AFTER").offset, 35u);
  EXPECT_FALSE(field(l, "AFTER").after_odo);
}

TEST(CopybookOccurs, DependingOnAndAfterOdo) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 N PIC 9(2).\n"
      " 05 T OCCURS 1 TO 10 TIMES DEPENDING ON N.\n"
      "  10 E PIC X(3).\n"
      " 05 TAIL.\n"
      "  10 X1 PIC X.\n");
  const Field& t = field(l, "T");
  EXPECT_EQ(t.occurs_min, 1);
  EXPECT_EQ(t.occurs_max, 10);
  EXPECT_EQ(t.depending_on, "N");
  EXPECT_EQ(t.depending_field, l.find("N"));
  EXPECT_FALSE(t.after_odo);
  EXPECT_FALSE(field(l, "E").after_odo);
  EXPECT_TRUE(field(l, "TAIL").after_odo);
  EXPECT_TRUE(field(l, "X1").after_odo);
  EXPECT_EQ(field(l, "X1").offset, 32u);
  EXPECT_EQ(field(l, "R").length, 33u);
  EXPECT_TRUE(l.hasOdo(l.find("R")));
}

TEST(CopybookOccurs, NestedOdo) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 NO PIC 9.\n"
      " 05 ORD OCCURS 0 TO 3 DEPENDING ON NO.\n"
      "  10 NL PIC 9.\n"
      "  10 LN OCCURS 0 TO 4 DEPENDING ON NL OF ORD.\n"
      "   15 Q PIC 9(2).\n"
      "  10 AFTER-LN PIC X.\n"
      " 05 AFTER-ORD PIC X.\n");
  EXPECT_EQ(field(l, "LN").depending_field, l.find("NL"));
  EXPECT_EQ(field(l, "LN").depending_on, "NL OF ORD");
  EXPECT_FALSE(field(l, "Q").after_odo);
  EXPECT_TRUE(field(l, "AFTER-LN").after_odo);
  EXPECT_EQ(field(l, "AFTER-LN").offset, 10u);
  EXPECT_EQ(field(l, "ORD").length, 10u);
  EXPECT_EQ(field(l, "AFTER-ORD").offset, 31u);
  EXPECT_TRUE(field(l, "AFTER-ORD").after_odo);
}

TEST(CopybookOccurs, DependingOnResolvedInOwnRecord) {
  Layout l = parseOk(
      "01 R1.\n 05 N PIC 9.\n 05 T PIC X OCCURS 1 TO 5 DEPENDING ON N.\n"
      "01 R2.\n 05 N PIC 9.\n 05 U PIC X OCCURS 1 TO 5 DEPENDING ON N.\n");
  EXPECT_EQ(field(l, "T").depending_field, 1);
  EXPECT_EQ(field(l, "U").depending_field, 4);
}

// ---- renames ------------------------------------------------------------------------

TEST(CopybookRenames, SingleAndThru) {
  Layout l = parseOk(
      "01 R.\n"
      " 05 A PIC X(2).\n"
      " 05 B PIC S9(3) COMP-3.\n"
      " 05 C PIC X(4).\n"
      "66 B-ALIAS RENAMES B.\n"
      "66 A-TO-C RENAMES A THROUGH C.\n");
  const Field& alias = field(l, "B-ALIAS");
  EXPECT_EQ(alias.renames_first, l.find("B"));
  EXPECT_EQ(alias.renames_last, l.find("B"));
  EXPECT_EQ(alias.offset, 2u);
  EXPECT_EQ(alias.length, 2u);
  EXPECT_EQ(alias.usage, Usage::kPacked);
  const Field& span = field(l, "A-TO-C");
  EXPECT_EQ(span.length, 8u);
  EXPECT_EQ(span.category, Category::kGroup);
  EXPECT_TRUE(field(l, "R").children.size() == 3u);  // 66s are not children
}

// ---- COPY ------------------------------------------------------------------------------

TEST(CopybookCopy, SearchPathNamesAndReplacing) {
  TempDir dir;
  dir.write("inner.cpy", "10 :TAG:-ID PIC 9(4).\n10 OLD-NAME PIC X(3).\n10 W PIC X(:LEN:).\n");
  dir.write("OUTER",
            "05 G.\n COPY INNER REPLACING ==:TAG:== BY ==CUST==\n"
            "   OLD-NAME BY NEW-NAME ==:LEN:== BY ==7==.\n");
  CopybookOptions o;
  o.search_path = {dir.path()};
  Layout l = parseOk("01 R.\n COPY OUTER.\n 05 Z PIC X.\n", o);
  EXPECT_EQ(field(l, "CUST-ID").offset, 0u);
  EXPECT_EQ(field(l, "NEW-NAME").offset, 4u);
  EXPECT_EQ(field(l, "W").length, 7u);
  EXPECT_EQ(field(l, "Z").offset, 14u);
  EXPECT_EQ(field(l, "CUST-ID").source, (fs::path(dir.path()) / "inner.cpy").string());
}

TEST(CopybookCopy, LiteralOperandsAndNestedMembers) {
  TempDir dir;
  dir.write("LEAF.cpy", "05 L PIC X(3) VALUE 'OLD'.\n");
  dir.write("MID.cpy", "05 M PIC X.\nCOPY LEAF.\n");
  CopybookOptions o;
  o.search_path = {dir.path()};
  Layout l = parseOk("01 R.\n COPY MID REPLACING 'OLD' BY 'NEW'.\n", o);
  EXPECT_EQ(field(l, "L").value, "NEW");
  EXPECT_EQ(field(l, "L").offset, 1u);
}

TEST(CopybookCopy, LeadingTrailingAndOfLibrary) {
  TempDir dir;
  fs::create_directories(fs::path(dir.path()) / "MYLIB");
  dir.write("MYLIB/ITEMS.cob", "05 XX-A PIC X.\n05 B-XX PIC X.\n");
  CopybookOptions o;
  o.search_path = {dir.path()};
  Layout l = parseOk(
      "01 R.\n COPY ITEMS OF MYLIB REPLACING LEADING ==XX== BY ==YY== TRAILING ==XX== BY ==ZZ==.\n",
      o);
  EXPECT_NE(l.find("YY-A"), kNoIndex);
  EXPECT_NE(l.find("B-ZZ"), kNoIndex);
}

TEST(CopybookCopy, IncludingFilesDirectoryIsSearched) {
  TempDir dir;
  dir.write("PART.cpy", "05 P PIC X(2).\n");
  std::string main = dir.write("MAIN.cpy", "01 R.\n COPY PART.\n");
  auto r = parseCopybookFile(main, {});
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->fields.size(), 2u);
}

TEST(CopybookCopy, CycleIsAnError) {
  TempDir dir;
  dir.write("A.cpy", "05 A1 PIC X.\n COPY B.\n");
  dir.write("B.cpy", "05 B1 PIC X.\n COPY A.\n");
  CopybookOptions o;
  o.search_path = {dir.path()};
  std::string m = parseError("01 R.\n COPY A.\n", o);
  EXPECT_NE(m.find("COPY cycle"), std::string::npos) << m;
  EXPECT_EQ(m.rfind((fs::path(dir.path()) / "B.cpy").string() + ":2:7: ", 0), 0u) << m;
}

TEST(CopybookCopy, MissingMember) {
  EXPECT_EQ(parseError("01 R.\n   COPY NOSUCH.\n"),
            "test.cpy:2:9: COPY member 'NOSUCH' not found in the including file's directory or "
            "the search path");
}

// ---- errors: exact positions -------------------------------------------------------------

TEST(CopybookErrors, SyntaxErrorsNamePositionAndToken) {
  EXPECT_EQ(parseError("01 R.\n  05 A PIX X.\n"),
            "test.cpy:2:8: expected a data description clause or '.', found 'PIX'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X\n 05 B PIC X.\n"),
            "test.cpy:3:2: expected a data description clause or '.', found '05'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X"),
            "test.cpy:2:12: expected a data description clause or '.', found 'end of file'");
  EXPECT_EQ(parseError("R.\n"), "test.cpy:1:1: expected a level number, found 'R'");
  EXPECT_EQ(parseError("01 R.\n 50 A PIC X.\n"),
            "test.cpy:2:2: expected a level number (01-49, 66, 77 or 88), found '50'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X(3.\n"),
            "test.cpy:2:11: expected a valid PICTURE character-string (a malformed repetition), "
            "found 'X(3'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC 9 USAGE COMP-9.\n"),
            "test.cpy:2:19: expected a USAGE (DISPLAY, COMP, COMP-1...5, BINARY, PACKED-DECIMAL, "
            "POINTER, INDEX, NATIONAL), found 'COMP-9'");
  EXPECT_EQ(
      parseError("01 R.\n 05 A PIC X VALUE 'abc.\n"),
      "test.cpy:2:19: expected a closing quote for the literal starting here, found 'end of line'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X OCCURS X.\n"),
            "test.cpy:2:20: expected an OCCURS count, found 'X'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X OCCURS 1 TO 3.\n"),
            "test.cpy:2:26: expected DEPENDING ON after OCCURS m TO n, found '.'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X.\n 88 C VALUE.\n"),
            "test.cpy:3:12: expected a literal, found '.'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X SIGN IS UP.\n"),
            "test.cpy:2:21: expected LEADING or TRAILING, found 'UP'");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X VALUE X'C1C'.\n"),
            "test.cpy:2:19: expected an even number of hex digits, found 'X'C1C''");
  EXPECT_EQ(parseError("88 C VALUE 1.\n"), "test.cpy:1:1: level 88 without a data item");
}

TEST(CopybookErrors, FixedFormatPositions) {
  EXPECT_EQ(parseError("000100 01  REC.\n000200     05  A  PIC Q.\n", fixedFormat()),
            "test.cpy:2:23: expected a valid PICTURE character-string (unknown symbol 'Q'), "
            "found 'Q'");
  EXPECT_EQ(
      parseError("000100X01  REC.\n", fixedFormat()),
      "test.cpy:1:7: expected an indicator (' ', '*', '/', '-' or 'D') in column 7, found 'X'");
}

TEST(CopybookErrors, SemanticErrorsNamePosition) {
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X.\n 05 B REDEFINES Q PIC X.\n"),
            "test.cpy:3:17: REDEFINES target Q is not a preceding item at the same level as B");
  EXPECT_EQ(parseError("01 R.\n 05 T PIC X OCCURS 1 TO 5 DEPENDING ON CNT.\n"),
            "test.cpy:2:40: DEPENDING ON object CNT is not defined (or not unique)");
  EXPECT_EQ(parseError("01 R.\n 05 CNT PIC X.\n 05 T PIC X OCCURS 1 TO 5 DEPENDING CNT.\n"),
            "test.cpy:3:37: DEPENDING ON object CNT is not a numeric integer item");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X.\n66 Z RENAMES NOPE.\n"),
            "test.cpy:3:14: RENAMES object NOPE is not an item of record R before Z");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC S9(39).\n"),
            "test.cpy:2:11: item A has 39 digits; at most 38 are supported");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC S9(19) COMP.\n"),
            "test.cpy:2:11: binary item A has more than 18 digits");
  EXPECT_EQ(parseError("01 R.\n 05 A.\n"), "test.cpy:2:2: elementary item A has no PICTURE clause");
  EXPECT_EQ(parseError("01 R PIC X.\n 05 A PIC X.\n"),
            "test.cpy:1:10: group item R may not have a PICTURE");
  EXPECT_EQ(parseError("01 R PIC X OCCURS 2.\n"), "test.cpy:1:1: OCCURS is not allowed at level 1");
  EXPECT_EQ(parseError("01 R.\n 05 A PIC X COMP-3.\n"),
            "test.cpy:2:11: USAGE PACKED-DECIMAL item A needs a numeric PICTURE");
}

TEST(CopybookErrors, EmptyInput) {
  EXPECT_EQ(parseError("      * only a comment\n"),
            "test.cpy:1:1: expected a level number, found 'end of file'");
}

TEST(LayoutFindTest, PlainQualifiedLowerCaseAmbiguousAndFillerNames) {
  Layout l = parseOk(
      "01 R.\n"
      "  05 A.\n"
      "    10 AMT PIC 9(3).\n"
      "  05 B.\n"
      "    10 AMT PIC 9(3).\n"
      "  05 ONLY-ONE PIC X.\n"
      "  05 FILLER PIC X.\n");
  const int only = l.find("ONLY-ONE");
  ASSERT_NE(only, kNoIndex);
  EXPECT_EQ(l.fields[only].name, "ONLY-ONE");
  EXPECT_EQ(l.find("only-one"), only);    // lower case takes the qualifier path
  EXPECT_EQ(l.find(" ONLY-ONE "), only);  // so do surrounding spaces
  EXPECT_EQ(l.find("AMT"), kNoIndex);     // two of them: ambiguous
  const int a_amt = l.find("AMT OF A");
  const int b_amt = l.find("B.AMT");
  ASSERT_NE(a_amt, kNoIndex);
  ASSERT_NE(b_amt, kNoIndex);
  EXPECT_NE(a_amt, b_amt);
  EXPECT_EQ(l.fields[a_amt].parent, l.find("A"));
  EXPECT_EQ(l.find("amt in b"), b_amt);
  EXPECT_EQ(l.find("FILLER"), kNoIndex);  // fillers have no name to find
  EXPECT_EQ(l.find("NONE"), kNoIndex);
  EXPECT_EQ(l.find(""), kNoIndex);
}

}  // namespace
}  // namespace corebridge::mappings

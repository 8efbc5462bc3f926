// Differential tests: GnuCOBOL writes records, corebridge reads them.
//
// Each test compiles a COBOL program from tests/cobol/ with `cobc -x` at test
// time, runs it, and reads two things it produces: a data file of records
// and, on stdout, the value of every item of every record as COBOL DISPLAYs
// it ("RECNO|NAME|VALUE"). Then, through the same copybook compiled by
// parseCopybookFile and the RecordCodec:
//   1. decoding each record gives the values COBOL displayed;
//   2. encoding the values COBOL displayed gives the bytes COBOL wrote.
// The compile flags and the dialect that must match them are listed in
// kVariants; docs/testing.md explains each choice.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mappings/copybook.h"
#include "mappings/framing.h"
#include "mappings/layout.h"
#include "mappings/mapped_file.h"
#include "mappings/record_codec.h"

namespace corebridge::mappings {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = CB_SOURCE_DIR;

struct RunResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command; stdout is captured, stderr goes to the test log.
RunResult run(const std::string& cmd) {
  RunResult r;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool haveCobc() {
  static const bool have = run("cobc --version >/dev/null 2>&1").exit_code == 0;
  return have;
}

// A scratch directory for the whole test binary, removed at exit.
const std::string& workDir() {
  static const std::string dir = [] {
    fs::path p = fs::path(::testing::TempDir()) / ("cobol_diff_" + std::to_string(::getpid()));
    fs::create_directories(p);
    static struct Cleanup {
      fs::path p;
      ~Cleanup() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } cleanup{p};
    return p.string();
  }();
  return dir;
}

// Compiles tests/cobol/<program>.cbl with `flags` (once per flag set) and
// returns the executable's path, or "" after reporting the compiler output.
std::string compile(const std::string& program, const std::string& flags) {
  static std::map<std::string, std::string> built;
  std::string key = program + " " + flags;
  auto it = built.find(key);
  if (it != built.end()) return it->second;
  std::string exe = workDir() + "/" + program + "_" + std::to_string(built.size());
  std::string cmd = "cobc -x " + flags + " -I " + kSourceDir + "/tests/cobol -I " + kSourceDir +
                    "/legacy/cobol/copybooks -o " + exe + " " + kSourceDir + "/tests/cobol/" +
                    program + ".cbl 2>&1";
  RunResult r = run(cmd);
  if (r.exit_code != 0) {
    ADD_FAILURE() << cmd << "\n" << r.out;
    return "";
  }
  built[key] = exe;
  return exe;
}

// One line of the programs' output: record number, item name, value.
struct Shown {
  std::string name;  // "DF-T-FLAGS(2,1)"
  std::string value;
};

// RECNO -> the items displayed for that record, in order; *declared gets
// the count of the "END|RECORDS|N" line.
std::map<int, std::vector<Shown>> parseDisplay(const std::string& out, int* declared) {
  std::map<int, std::vector<Shown>> recs;
  std::istringstream in(out);
  std::string line;
  *declared = -1;
  while (std::getline(in, line)) {
    size_t a = line.find('|');
    size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    std::string head = line.substr(0, a);
    if (head == "END") {
      *declared = std::atoi(line.c_str() + b + 1);
      continue;
    }
    recs[std::atoi(head.c_str())].push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return recs;
}

// "DF-T-FLAGS(2,1)" -> "DIFF-REC.DF-TABLE[2].DF-T-FLAGS[1]": the dotted path
// Record::find takes, subscripts given to the OCCURS items outermost first.
std::string pathOf(const Layout& layout, const std::string& shown, int* field) {
  std::string base = shown;
  std::vector<int> subs;
  size_t paren = shown.find('(');
  if (paren != std::string::npos) {
    base = shown.substr(0, paren);
    std::string list = shown.substr(paren + 1, shown.size() - paren - 2);
    std::istringstream in(list);
    std::string s;
    while (std::getline(in, s, ',')) subs.push_back(std::atoi(s.c_str()));
  }
  *field = layout.find(base);
  if (*field == kNoIndex) return "";
  std::vector<int> chain;
  for (int f = *field; f != kNoIndex; f = layout.fields[f].parent) chain.insert(chain.begin(), f);
  std::string path;
  size_t next = 0;
  for (int f : chain) {
    if (!path.empty()) path += ".";
    path += layout.fields[f].name;
    if (layout.fields[f].has_occurs && next < subs.size()) {
      path += "[" + std::to_string(subs[next++]) + "]";
    }
  }
  return path;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// A number as GnuCOBOL DISPLAYs it: "-00123.45", "+.0001", "09876.5-",
// "0123456789" -> Decimal.
Result<Decimal> displayedNumber(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == ' ') t.pop_back();
  char sign = '+';
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    sign = t.front();
    t.erase(0, 1);
  } else if (!t.empty() && (t.back() == '+' || t.back() == '-')) {
    sign = t.back();
    t.pop_back();
  }
  if (!t.empty() && t.front() == '.') t.insert(0, "0");
  return Decimal::parse(std::string(1, sign) + t);
}

std::string hex(std::string_view s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool isNumber(const Field& f) {
  return f.category == Category::kNumeric || f.category == Category::kNumericEdited;
}

// Compares one record's decoded values with what COBOL displayed, then
// encodes the displayed values and compares the bytes with COBOL's.
void checkRecord(const RecordCodec& codec, std::string_view bytes, const std::vector<Shown>& shown,
                 const std::string& where) {
  const Layout& layout = codec.layout();
  Record rec;
  Status st = codec.decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_TRUE(st.ok()) << where << ": decode: " << st.toString() << "\nbytes: " << hex(bytes);
  EXPECT_EQ(rec.length(), bytes.size()) << where;

  ASSERT_FALSE(shown.empty()) << where << ": COBOL displayed nothing";
  Record expected = rec;
  std::vector<bool> covered(rec.slots().size(), false);
  for (const Shown& s : shown) {
    int field = kNoIndex;
    std::string path = pathOf(layout, s.name, &field);
    ASSERT_NE(field, kNoIndex) << where << ": " << s.name << " is not in the copybook";
    const Value* got = rec.find(layout, path);
    if (got == nullptr) {
      ADD_FAILURE() << where << ": " << path << " is not in the decoded record";
      continue;
    }
    const Field& f = layout.fields[field];
    std::string what = where + " " + s.name + " (" + f.picture + ")";
    // The slot to overwrite with COBOL's value in `expected`.
    auto slots = expected.mutableSlots();
    Slot* target = nullptr;
    for (size_t i = 0; i < rec.slots().size(); ++i) {
      if (&rec.slots()[i].value == got) {
        target = &slots[i];
        covered[i] = true;
      }
    }
    ASSERT_NE(target, nullptr) << what;
    if (f.category == Category::kFloat) {
      double want = std::strtod(s.value.c_str(), nullptr);
      EXPECT_EQ(got->kind, Value::Kind::kFloat) << what;
      EXPECT_EQ(got->real, want) << what << ": COBOL shows " << s.value;
      target->value = Value{};
      target->value.kind = Value::Kind::kFloat;
      target->value.real = want;
    } else if (isNumber(f)) {
      auto want = displayedNumber(s.value);
      ASSERT_TRUE(want.ok()) << what << ": " << want.status().toString();
      EXPECT_EQ(got->kind, Value::Kind::kNumber) << what;
      EXPECT_TRUE(got->number == *want)
          << what << ": decoded " << got->number.toString() << ", COBOL shows " << s.value
          << " (bytes " << hex(bytes.substr(target->offset, target->length)) << ")";
      target->value = Value{};
      target->value.kind = Value::Kind::kNumber;
      target->value.number = *want;
    } else {
      EXPECT_EQ(got->kind, Value::Kind::kText) << what;
      EXPECT_EQ(rtrim(got->text), rtrim(s.value)) << what;
      target->value = Value{};
      target->value.kind = Value::Kind::kText;
      target->value.text = s.value;
    }
  }

  // Every value but FILLER's raw bytes comes from COBOL's side.
  for (size_t i = 0; i < covered.size(); ++i) {
    const Slot& s = rec.slots()[i];
    EXPECT_TRUE(covered[i] || s.value.kind == Value::Kind::kRaw)
        << where << ": " << layout.path(s.field) << " at offset " << s.offset
        << " was not displayed by the COBOL program";
  }

  std::string encoded;
  st = codec.encode(expected, &encoded);
  ASSERT_TRUE(st.ok()) << where << ": encode: " << st.toString();
  if (encoded == bytes) return;
  ASSERT_EQ(encoded.size(), bytes.size()) << where;
  for (const Slot& s : expected.slots()) {
    std::string_view want = bytes.substr(s.offset, s.length);
    std::string_view got = std::string_view(encoded).substr(s.offset, s.length);
    if (want != got) {
      ADD_FAILURE() << where << ": encoding " << layout.path(s.field) << " at offset " << s.offset
                    << " gives " << hex(got) << ", GnuCOBOL wrote " << hex(want);
    }
  }
}

struct Variant {
  const char* name;
  const char* cobc_flags;
  const char* mode;  // DIFFGEN's second argument
  int varseq;        // COB_VARSEQ_FORMAT at run time
  Dialect dialect;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  Dialect gnu = Dialect::gnuCobol();
  for (int varseq = 0; varseq < 4; ++varseq) {
    v.push_back({"ascii_default", "", "ASCII", varseq, gnu});
  }
  Dialect overpunch = gnu;
  overpunch.ascii_sign = AsciiSign::kOverpunch;
  v.push_back({"ascii_sign_ebcdic", "-fsign=ebcdic", "ASCII", 0, overpunch});
  Dialect ibm_sizes = gnu;
  ibm_sizes.binary_size = BinarySizeRule::kIbm248;
  ibm_sizes.native_binary_size = BinarySizeRule::kGnu1248;  // what cobc does to COMP-5
  v.push_back({"ascii_binary_248", "-fbinary-size=2-4-8", "ASCII", 0, ibm_sizes});
  // EBCDIC: text and zoned translated to cp037 by the program; binary
  // big-endian in IBM's 2-4-8 sizes; COMP-5 and floats stay as GnuCOBOL
  // stores them (little-endian IEEE), which no compile flag changes.
  Dialect ebcdic = ibm_sizes;
  ebcdic.code_page = &CodePage::cp037();
  v.push_back({"ebcdic_cp037", "-fsign=ebcdic -fbinary-size=2-4-8", "EBCDIC", 0, ebcdic});
  return v;
}

// The ASCII variants compiled once each (COB_VARSEQ_FORMAT 0).
std::vector<Variant> asciiVariants() {
  std::vector<Variant> out;
  for (const Variant& v : variants()) {
    if (std::string(v.mode) == "ASCII" && v.varseq == 0) out.push_back(v);
  }
  return out;
}

class DiffAllTest : public ::testing::TestWithParam<Variant> {};

TEST_P(DiffAllTest, DecodesAndEncodesWhatGnuCobolWrote) {
  ASSERT_TRUE(haveCobc()) << "cobc is not installed: run make deps (package gnucobol3)";
  const Variant& v = GetParam();
  std::string exe = compile("DIFFGEN", v.cobc_flags);
  ASSERT_FALSE(exe.empty());
  std::string data = workDir() + "/diff_" + v.name + "_" + std::to_string(v.varseq) + ".dat";
  RunResult r =
      run("COB_VARSEQ_FORMAT=" + std::to_string(v.varseq) + " " + exe + " " + data + " " + v.mode);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int declared = 0;
  auto shown = parseDisplay(r.out, &declared);
  ASSERT_EQ(declared, 3);

  CopybookOptions copts;
  copts.dialect = v.dialect;
  auto layout = parseCopybookFile(kSourceDir + "/tests/cobol/DIFFALL.cpy", copts);
  ASSERT_TRUE(layout.ok()) << layout.status().toString();
  CodecOptions options;
  options.select = {{"DF-REDEF-KIND", {"N"}, "DF-REDEF-NUMBER"},
                    {"DF-REDEF-KIND", {"T"}, "DF-REDEF-TEXT"}};
  auto codec = RecordCodec::create(std::make_shared<const Layout>(std::move(*layout)), options);
  ASSERT_TRUE(codec.ok()) << codec.status().toString();

  auto file = MappedFile::open(data);
  ASSERT_TRUE(file.ok()) << file.status().toString();
  FramingOptions framing;
  framing.format = RecordFormat::kGnuVariable;
  framing.gnu_varseq = static_cast<GnuVarseq>(v.varseq);
  auto records = readAllRecords(file->view(), framing);
  ASSERT_TRUE(records.ok()) << records.status().toString();
  ASSERT_EQ(records->size(), 3u);
  for (size_t i = 0; i < records->size(); ++i) {
    std::string where = std::string(v.name) + " record " + std::to_string(i + 1);
    checkRecord(**codec, (*records)[i].data, shown[static_cast<int>(i + 1)], where);
  }
}

INSTANTIATE_TEST_SUITE_P(GnuCobol, DiffAllTest, ::testing::ValuesIn(variants()),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return std::string(info.param.name) + "_varseq" +
                                  std::to_string(info.param.varseq);
                         });

// More item kinds (edited pictures, SYNC, COMP-5 beyond its picture, P-scaled
// binary, JUSTIFIED, USAGE on a group) in a fixed-length file.
class DiffMoreTest : public ::testing::TestWithParam<Variant> {};

TEST_P(DiffMoreTest, DecodesAndEncodesWhatGnuCobolWrote) {
  ASSERT_TRUE(haveCobc()) << "cobc is not installed: run make deps (package gnucobol3)";
  const Variant& v = GetParam();
  std::string exe = compile("DIFFMORP", v.cobc_flags);
  ASSERT_FALSE(exe.empty());
  std::string data = workDir() + "/more_" + v.name + ".dat";
  RunResult r = run(exe + " " + data);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int declared = 0;
  auto shown = parseDisplay(r.out, &declared);
  ASSERT_EQ(declared, 2);

  CopybookOptions copts;
  copts.dialect = v.dialect;
  auto layout = parseCopybookFile(kSourceDir + "/tests/cobol/DIFFMORE.cpy", copts);
  ASSERT_TRUE(layout.ok()) << layout.status().toString();
  const size_t length = layout->maxLength();
  auto codec = RecordCodec::create(std::make_shared<const Layout>(std::move(*layout)), {});
  ASSERT_TRUE(codec.ok()) << codec.status().toString();

  auto file = MappedFile::open(data);
  ASSERT_TRUE(file.ok()) << file.status().toString();
  FramingOptions framing;
  framing.format = RecordFormat::kFixed;
  framing.record_length = length;
  auto records = readAllRecords(file->view(), framing);
  ASSERT_TRUE(records.ok()) << records.status().toString() << " (layout length " << length
                            << ", file size " << file->size() << ")";
  ASSERT_EQ(records->size(), 2u);
  for (size_t i = 0; i < records->size(); ++i) {
    std::string where = std::string(v.name) + " DIFFMORE record " + std::to_string(i + 1);
    checkRecord(**codec, (*records)[i].data, shown[static_cast<int>(i + 1)], where);
  }
}

// Under -fbinary-size=2-4-8 GnuCOBOL keeps COMP-5 at 1-2-4-8 (IBM gives
// PIC S9(2) COMP-5 two bytes): the variant says so with
// Dialect::native_binary_size.
INSTANTIATE_TEST_SUITE_P(GnuCobol, DiffMoreTest, ::testing::ValuesIn(asciiVariants()),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return std::string(info.param.name);
                         });

// The layout itself: a COBOL program generated from the compiled layout
// asks GnuCOBOL where each named item is (ADDRESS OF minus the record's
// address) and how long it is (FUNCTION LENGTH), with every ODO table at its
// maximum, and the answers must equal Field::offset and Field::length.
struct LayoutCase {
  const char* name;
  const char* dir;     // under the source root
  const char* member;  // copybook file name
  const char* cobc_flags;
  BinarySizeRule rule;
};

class LayoutMatchTest : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(LayoutMatchTest, OffsetsAndLengthsMatchCobc) {
  ASSERT_TRUE(haveCobc()) << "cobc is not installed: run make deps (package gnucobol3)";
  const LayoutCase& c = GetParam();
  CopybookOptions copts;
  copts.dialect = Dialect::gnuCobol();
  copts.dialect.binary_size = c.rule;
  std::string dir = kSourceDir + "/" + c.dir;
  auto layout = parseCopybookFile(dir + "/" + c.member, copts);
  ASSERT_TRUE(layout.ok()) << layout.status().toString();
  const Layout& l = *layout;

  std::vector<std::string> lines = {
      "       IDENTIFICATION DIVISION.",
      "       PROGRAM-ID. LAYCHK.",
      "       DATA DIVISION.",
      "       WORKING-STORAGE SECTION.",
      "       01  ZZLC-ADDR.",
      "           05  ZZLC-PTR USAGE POINTER.",
      "           05  ZZLC-INT REDEFINES ZZLC-PTR PIC S9(18) COMP-5.",
      "       01  ZZLC-BASE PIC S9(18) COMP-5.",
      "       01  ZZLC-OFF PIC 9(9).",
      "       01  ZZLC-LEN PIC 9(9).",
      std::string("       COPY ") + fs::path(c.member).stem().string() + ".",
      "       PROCEDURE DIVISION."};
  for (const Field& f : l.fields) {
    if (f.has_occurs && !f.depending_on.empty()) {
      lines.push_back("           MOVE " + std::to_string(f.occurs_max) + " TO " + f.depending_on);
    }
  }
  size_t checked = 0;
  for (int r : l.records) {
    lines.push_back("           SET ZZLC-PTR TO ADDRESS OF " + l.fields[r].name);
    lines.push_back("           MOVE ZZLC-INT TO ZZLC-BASE");
    for (size_t i = 0; i < l.fields.size(); ++i) {
      const Field& f = l.fields[i];
      int top = static_cast<int>(i);
      while (l.fields[top].parent != kNoIndex) top = l.fields[top].parent;
      if (top != r || f.filler || f.name.empty() || f.level == 66) continue;
      int subs = 0;
      for (int a = static_cast<int>(i); a != kNoIndex; a = l.fields[a].parent) {
        if (l.fields[a].has_occurs) ++subs;
      }
      std::string ref = f.name;
      if (subs > 0) {
        ref += " (1";
        for (int k = 1; k < subs; ++k) ref += ", 1";
        ref += ")";
      }
      lines.push_back("           SET ZZLC-PTR TO ADDRESS OF");
      lines.push_back("               " + ref);
      lines.push_back("           COMPUTE ZZLC-OFF = ZZLC-INT - ZZLC-BASE");
      lines.push_back("           MOVE FUNCTION LENGTH (");
      lines.push_back("               " + ref + ") TO ZZLC-LEN");
      lines.push_back("           DISPLAY '" + std::to_string(i) + "|' ZZLC-OFF '|' ZZLC-LEN");
      ++checked;
    }
  }
  lines.push_back("           STOP RUN.");
  std::string src = workDir() + "/LAYCHK_" + c.name + ".cbl";
  {
    std::ofstream out(src);
    for (const auto& line : lines) out << line << "\n";
  }
  std::string exe = workDir() + "/LAYCHK_" + c.name;
  RunResult built = run("cobc -x " + std::string(c.cobc_flags) + " -I " + dir + " -o " + exe + " " +
                        src + " 2>&1");
  ASSERT_EQ(built.exit_code, 0) << built.out;
  RunResult r = run(exe);
  ASSERT_EQ(r.exit_code, 0) << r.out;

  std::istringstream in(r.out);
  std::string line;
  size_t seen = 0;
  while (std::getline(in, line)) {
    size_t a = line.find('|');
    size_t b = line.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const Field& f = l.fields[std::stoul(line.substr(0, a))];
    size_t offset = std::stoul(line.substr(a + 1, b - a - 1));
    size_t length = std::stoul(line.substr(b + 1));
    EXPECT_EQ(f.offset, offset) << c.name << " " << f.name << " (line " << f.line << ")";
    EXPECT_EQ(f.length, length) << c.name << " " << f.name << " (line " << f.line << ")";
    ++seen;
  }
  EXPECT_EQ(seen, checked) << r.out;
  EXPECT_GT(checked, 10u);
}

INSTANTIATE_TEST_SUITE_P(
    GnuCobol, LayoutMatchTest,
    ::testing::Values(
        LayoutCase{"acctmast", "legacy/cobol/copybooks", "ACCTMAST.cpy", "",
                   BinarySizeRule::kGnu1248},
        LayoutCase{"postrec", "legacy/cobol/copybooks", "POSTREC.cpy", "",
                   BinarySizeRule::kGnu1248},
        LayoutCase{"custrec", "legacy/cobol/copybooks", "CUSTREC.cpy", "",
                   BinarySizeRule::kGnu1248},
        LayoutCase{"extrrec", "legacy/cobol/copybooks", "EXTRREC.cpy", "",
                   BinarySizeRule::kGnu1248},
        LayoutCase{"diffall", "tests/cobol", "DIFFALL.cpy", "", BinarySizeRule::kGnu1248},
        LayoutCase{"diffall_248", "tests/cobol", "DIFFALL.cpy", "-fbinary-size=2-4-8",
                   BinarySizeRule::kIbm248},
        LayoutCase{"diffmore", "tests/cobol", "DIFFMORE.cpy", "", BinarySizeRule::kGnu1248},
        LayoutCase{"laystres", "tests/cobol", "LAYSTRES.cpy", "", BinarySizeRule::kGnu1248},
        LayoutCase{"laystres_248", "tests/cobol", "LAYSTRES.cpy", "-fbinary-size=2-4-8",
                   BinarySizeRule::kIbm248}),
    [](const ::testing::TestParamInfo<LayoutCase>& info) { return std::string(info.param.name); });

// The demo bank's extract: a multi-record file selected by EX-REC-TYPE.
TEST(CobolDiff, ExtractFileOfTheDemoBank) {
  ASSERT_TRUE(haveCobc()) << "cobc is not installed: run make deps (package gnucobol3)";
  std::string exe = compile("MKEXTR", "");
  ASSERT_FALSE(exe.empty());
  std::string data = workDir() + "/extract.dat";
  RunResult r = run(exe + " " + data);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int declared = 0;
  auto shown = parseDisplay(r.out, &declared);

  CopybookOptions copts;
  copts.dialect = Dialect::gnuCobol();
  auto layout = parseCopybookFile(kSourceDir + "/legacy/cobol/copybooks/EXTRREC.cpy", copts);
  ASSERT_TRUE(layout.ok()) << layout.status().toString();
  ASSERT_EQ(layout->maxLength(), 150u);
  CodecOptions options;
  options.select = {{"EX-REC-TYPE", {"H"}, "EX-HEADER-BODY"},
                    {"EX-REC-TYPE", {"A"}, "EX-ACCOUNT-BODY"},
                    {"EX-REC-TYPE", {"P"}, "EX-POSTING-BODY"},
                    {"EX-REC-TYPE", {"T"}, "EX-TRAILER-BODY"}};
  auto codec = RecordCodec::create(std::make_shared<const Layout>(std::move(*layout)), options);
  ASSERT_TRUE(codec.ok()) << codec.status().toString();

  auto file = MappedFile::open(data);
  ASSERT_TRUE(file.ok()) << file.status().toString();
  FramingOptions framing;
  framing.format = RecordFormat::kFixedBlocked;
  framing.record_length = 150;
  auto records = readAllRecords(file->view(), framing);
  ASSERT_TRUE(records.ok()) << records.status().toString();
  ASSERT_EQ(static_cast<int>(records->size()), declared);
  ASSERT_EQ(records->size(), 17u);

  // Control totals recomputed from the decoded records match the trailer.
  Decimal balances, debits, credits;
  int128 hash = 0;
  int accounts = 0, postings = 0;
  const Layout& l = (*codec)->layout();
  for (size_t i = 0; i < records->size(); ++i) {
    std::string where = "extract record " + std::to_string(i + 1);
    const auto& bytes = (*records)[i].data;
    checkRecord(**codec, bytes, shown[static_cast<int>(i + 1)], where);
    Record rec;
    ASSERT_TRUE(
        (*codec)->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
    auto num = [&](const char* name) {
      const Value* v = rec.find(l, name);
      return v == nullptr ? Decimal{} : v->number;
    };
    auto add = [](Decimal a, Decimal b) {
      int s = std::max(a.scale, b.scale);
      return Decimal::of(a.rescale(s)->unscaled + b.rescale(s)->unscaled, s);
    };
    switch (bytes[0]) {
      case 'A':
        ++accounts;
        balances = add(balances, num("EX-ACCOUNT-BODY.EXA-LEDGER-BALANCE"));
        hash += num("EX-ACCOUNT-BODY.EXA-ACCT-NUMBER").unscaled;
        break;
      case 'P': {
        ++postings;
        const Value* dc = rec.find(l, "EX-POSTING-BODY.EXP-DR-CR-CODE");
        ASSERT_NE(dc, nullptr);
        Decimal amount = num("EX-POSTING-BODY.EXP-AMOUNT");
        if (dc->text == "D") {
          debits = add(debits, amount);
        } else {
          credits = add(credits, amount);
        }
        break;
      }
      case 'T':
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-RECORD-COUNT"), Decimal::of(records->size(), 0));
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-ACCOUNT-COUNT"), Decimal::of(accounts, 0));
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-POSTING-COUNT"), Decimal::of(postings, 0));
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-BALANCE-TOTAL"), balances) << balances.toString();
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-DEBIT-TOTAL"), debits) << debits.toString();
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-CREDIT-TOTAL"), credits) << credits.toString();
        EXPECT_EQ(num("EX-TRAILER-BODY.EXT-HASH-TOTAL"), Decimal::of(hash, 0));
        break;
    }
  }
  EXPECT_EQ(accounts, 5);
  EXPECT_EQ(postings, 10);
}

}  // namespace
}  // namespace corebridge::mappings

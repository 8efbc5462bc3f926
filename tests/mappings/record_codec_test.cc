#include "mappings/record_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mappings/copybook.h"
#include "mappings/field_codec.h"

namespace corebridge::mappings {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const Layout> compile(const char* text, Dialect dialect = Dialect{}) {
  CopybookOptions options;
  options.dialect = dialect;
  Result<Layout> layout = parseCopybook(text, "test.cpy", options);
  EXPECT_TRUE(layout.ok()) << layout.status().toString();
  return std::make_shared<const Layout>(std::move(*layout));
}

std::unique_ptr<RecordCodec> codecFor(std::shared_ptr<const Layout> layout,
                                      CodecOptions options = {}) {
  auto codec = RecordCodec::create(std::move(layout), std::move(options));
  EXPECT_TRUE(codec.ok()) << codec.status().toString();
  return std::move(*codec);
}

std::string bytesOf(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// JSON -> bytes -> JSON, returning the bytes.
std::string roundTrip(const RecordCodec& codec, const std::string& json) {
  Record rec;
  Status st = codec.fromJson(json, &rec);
  EXPECT_TRUE(st.ok()) << st.toString();
  std::string bytes;
  st = codec.encode(rec, &bytes);
  EXPECT_TRUE(st.ok()) << st.toString();
  Record back;
  st = codec.decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &back);
  EXPECT_TRUE(st.ok()) << st.toString();
  std::string out;
  codec.toJson(back, &out);
  EXPECT_EQ(out, json);
  return bytes;
}

constexpr const char kAccount[] = R"(
       01  ACCOUNT.
           05  ACCT-NO          PIC X(6).
           05  BALANCE          PIC S9(5)V99 COMP-3.
           05  RATE             PIC S9V9(4).
           05  SEQ              PIC 9(4) COMP.
           05  FILLER           PIC X(3).
           05  HOLDS OCCURS 2 TIMES.
               10  HOLD-AMT     PIC S9(3)V99 COMP-3.
               10  HOLD-CODE    PIC XX.
)";

TEST(RecordCodecTest, DecodesEveryLeafAndWritesJson) {
  auto codec = codecFor(compile(kAccount));
  // cp037: "A12345", -1234.50 packed, +1.2500 zoned, 7 binary, filler, holds.
  std::string bytes = bytesOf({0xC1, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5,  // ACCT-NO
                               0x00, 0x12, 0x34, 0x5D,              // BALANCE -123.45? see below
                               0xF1, 0xF2, 0xF5, 0xF0, 0xC0,        // RATE +1.2500
                               0x00, 0x07,                          // SEQ 7
                               0x40, 0x00, 0xFF,                    // FILLER (kept as is)
                               0x00, 0x10, 0x0C, 0xC1, 0xC2,        // HOLDS(1) 1.00 "AB"
                               0x99, 0x99, 0x9D, 0x40, 0x40});      // HOLDS(2) -999.99 ""
  Record rec;
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
  std::string json;
  codec->toJson(rec, &json);
  EXPECT_EQ(json,
            R"({"ACCT-NO":"A12345","BALANCE":-123.45,"RATE":1.2500,"SEQ":7,)"
            R"("HOLDS":[{"HOLD-AMT":1.00,"HOLD-CODE":"AB"},{"HOLD-AMT":-999.99,"HOLD-CODE":""}]})");
  std::string again;
  ASSERT_TRUE(codec->encode(rec, &again).ok());
  EXPECT_EQ(again, bytes);  // FILLER bytes 40 00 FF survive
  const Value* v = rec.find(codec->layout(), "HOLDS[2].HOLD-AMT");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->number.toString(), "-999.99");
  EXPECT_NE(rec.find(codec->layout(), "ACCOUNT.ACCT-NO"), nullptr);
  EXPECT_EQ(rec.find(codec->layout(), "HOLDS[3].HOLD-AMT"), nullptr);
}

TEST(RecordCodecTest, BadPackedNamesPathOffsetAndBytes) {
  auto codec = codecFor(compile(kAccount));
  Record rec;
  std::string json =
      R"({"ACCT-NO":"A1","BALANCE":1.00,"RATE":0.0000,"SEQ":1,)"
      R"("HOLDS":[{"HOLD-AMT":1.00,"HOLD-CODE":"AB"},{"HOLD-AMT":2.00,"HOLD-CODE":"CD"}]})";
  ASSERT_TRUE(codec->fromJson(json, &rec).ok());
  std::string bytes;
  ASSERT_TRUE(codec->encode(rec, &bytes).ok());
  bytes[26] = static_cast<char>(0xA0);  // HOLDS(2).HOLD-AMT first byte: nibble A
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("ACCOUNT.HOLDS[2].HOLD-AMT"));
  EXPECT_THAT(st.message(), HasSubstr("offset 25"));
  EXPECT_THAT(st.message(), HasSubstr("A0"));
}

TEST(RecordCodecTest, LenientModeGivesNullAndCounts) {
  CodecOptions options;
  options.lenient = true;
  auto codec = codecFor(compile(kAccount), options);
  std::string bytes(30, '\x40');  // spaces everywhere: numeric fields are invalid
  Record rec;
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_TRUE(st.ok()) << st.toString();
  EXPECT_EQ(rec.warnings(), 5);  // BALANCE, RATE, 2 x HOLD-AMT ... SEQ is binary: valid
  std::string json;
  codec->toJson(rec, &json);
  EXPECT_THAT(json, HasSubstr(R"("BALANCE":null)"));
  std::string out;
  st = codec->encode(rec, &out);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("null"));
}

TEST(RecordCodecTest, WrongLengthIsAnError) {
  auto codec = codecFor(compile(kAccount));
  std::string bytes(29, '\x40');
  Record rec;
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("record is 29 bytes"));
  bytes.assign(31, '\x40');
  st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("describes 30"));
}

constexpr const char kOdo[] = R"(
       01  STATEMENT.
           05  ACCT-NO          PIC X(4).
           05  LINE-COUNT       PIC 9(2).
           05  LINES OCCURS 1 TO 5 TIMES DEPENDING ON LINE-COUNT.
               10  LINE-AMT     PIC S9(5)V99 COMP-3.
               10  LINE-TEXT    PIC X(3).
           05  CLOSING-BAL      PIC S9(7)V99 COMP-3.
)";

TEST(RecordCodecTest, OdoTableMovesTheFieldsAfterIt) {
  auto codec = codecFor(compile(kOdo));
  std::string json =
      R"({"ACCT-NO":"S001","LINE-COUNT":2,"LINES":[{"LINE-AMT":10.00,"LINE-TEXT":"DEP"},)"
      R"({"LINE-AMT":-2.50,"LINE-TEXT":"FEE"}],"CLOSING-BAL":7.50})";
  std::string bytes = roundTrip(*codec, json);
  EXPECT_EQ(bytes.size(), 4u + 2 + 2 * 7 + 5);
  // CLOSING-BAL sits right after the second line: 0000000750C at offset 20.
  EXPECT_EQ(bytes.substr(20), bytesOf({0x00, 0x00, 0x00, 0x75, 0x0C}));
}

TEST(RecordCodecTest, OdoAreaSizedForTheMaximumKeepsItsTail) {
  // A COMMAREA is as long as its longest form: the bytes after a short ODO
  // table are kept as they came.
  auto codec = codecFor(compile(kOdo));
  Record rec;
  ASSERT_TRUE(codec
                  ->fromJson(R"({"ACCT-NO":"S001","LINE-COUNT":1,"LINES":[{"LINE-AMT":1.00,)"
                             R"("LINE-TEXT":"A"}],"CLOSING-BAL":1.00})",
                             &rec)
                  .ok());
  std::string bytes;
  ASSERT_TRUE(codec->encode(rec, &bytes).ok());
  ASSERT_EQ(bytes.size(), 18u);
  bytes.append(codec->layout().maxLength() - bytes.size(), '\x5C');
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
  EXPECT_EQ(rec.length(), codec->layout().maxLength());
  std::string back;
  ASSERT_TRUE(codec->encode(rec, &back).ok());
  EXPECT_EQ(back, bytes);
  bytes.push_back('\x5C');  // longer than the longest form: an error
  EXPECT_FALSE(
      codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
}

TEST(RecordCodecTest, OdoCountOutOfRangeAndMismatch) {
  auto codec = codecFor(compile(kOdo));
  std::string bytes = bytesOf({0xE2, 0xF0, 0xF0, 0xF1, 0xF0, 0xF9});  // LINE-COUNT 09 > 5
  bytes.append(40, '\0');
  Record rec;
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("LINE-COUNT = 9 is outside 1 TO 5"));

  st = codec->fromJson(
      R"({"ACCT-NO":"S001","LINE-COUNT":3,"LINES":[{"LINE-AMT":1,"LINE-TEXT":"A"}],"CLOSING-BAL":0})",
      &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("1 elements given but LINE-COUNT says 3"));
}

TEST(RecordCodecTest, OdoObjectInAnUnusedAlternativeIsAnError) {
  CodecOptions options;
  options.select = {{"KIND", {"A"}, "PLAIN"}, {"KIND", {"B"}, "COUNTED"}};
  auto codec = codecFor(compile(R"(
       01  REC.
           05  KIND             PIC X.
           05  PLAIN            PIC X(2).
           05  COUNTED REDEFINES PLAIN.
               10  CNT          PIC 9.
               10  FILLER       PIC X.
           05  TAB OCCURS 0 TO 3 TIMES DEPENDING ON CNT PIC X.
)"),
                        options);
  Record rec;
  std::string counted = bytesOf({0xC2, 0xF2, 0x40, 0xC1, 0xC2});  // B, CNT 2, "AB"
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(counted.data()), counted.size(), &rec).ok());
  std::string plain = bytesOf({0xC1, 0xF2, 0x40, 0xC1, 0xC2});  // A: CNT is not decoded
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(plain.data()), plain.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("REC.COUNTED.CNT was not decoded"));
}

constexpr const char kMulti[] = R"(
       01  TXN-REC.
           05  REC-TYPE         PIC X.
           05  BODY             PIC X(10).
           05  DEPOSIT REDEFINES BODY.
               10  DEP-AMT      PIC S9(7)V99 COMP-3.
               10  DEP-REF      PIC X(5).
           05  MEMO REDEFINES BODY.
               10  MEMO-TEXT    PIC X(6).
)";

TEST(RecordCodecTest, SelectRulesPickTheRedefinesAlternative) {
  CodecOptions options;
  options.select = {{"REC-TYPE", {"D"}, "DEPOSIT"},
                    {"REC-TYPE", {"M"}, "MEMO"},
                    {"REC-TYPE", {"X", "Y"}, "BODY"}};
  auto codec = codecFor(compile(kMulti), options);
  roundTrip(*codec, R"({"REC-TYPE":"D","DEPOSIT":{"DEP-AMT":-12.34,"DEP-REF":"R1"}})");
  // MEMO covers 6 of the 10 bytes: the other 4 are kept raw, byte-exact.
  std::string memo = bytesOf({0xD4, 0xC8, 0xC9, 0x40, 0x40, 0x40, 0x40, 0x01, 0x02, 0x03, 0x04});
  Record rec;
  ASSERT_TRUE(codec->decode(reinterpret_cast<const uint8_t*>(memo.data()), memo.size(), &rec).ok());
  std::string json;
  codec->toJson(rec, &json);
  EXPECT_EQ(json, R"({"REC-TYPE":"M","MEMO":{"MEMO-TEXT":"HI"}})");
  std::string back;
  ASSERT_TRUE(codec->encode(rec, &back).ok());
  EXPECT_EQ(back, memo);
  // A type no rule names is an error, not a guess.
  memo[0] = static_cast<char>(0xE9);  // 'Z'
  Status st = codec->decode(reinterpret_cast<const uint8_t*>(memo.data()), memo.size(), &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("no select rule matches TXN-REC.REC-TYPE at offset 0"));
  EXPECT_THAT(st.message(), HasSubstr("E9"));
}

TEST(RecordCodecTest, JsonMustAgreeWithTheSelectRules) {
  CodecOptions options;
  options.select = {{"REC-TYPE", {"D"}, "DEPOSIT"}, {"REC-TYPE", {"M"}, "MEMO"}};
  auto codec = codecFor(compile(kMulti), options);
  Record rec;
  Status st =
      codec->fromJson(R"({"REC-TYPE":"M","DEPOSIT":{"DEP-AMT":1.00,"DEP-REF":"R1"}})", &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("gives TXN-REC.DEPOSIT"));
  EXPECT_THAT(st.message(), HasSubstr("pick TXN-REC.MEMO"));
  st = codec->fromJson(R"({"REC-TYPE":"Q","MEMO":{"MEMO-TEXT":"X"}})", &rec);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("no select rule matches TXN-REC.REC-TYPE"));
}

TEST(RecordCodecTest, BadSelectRulesAreRefused) {
  auto layout = compile(kMulti);
  CodecOptions options;
  options.select = {{"NOPE", {"D"}, "DEPOSIT"}};
  EXPECT_THAT(RecordCodec::create(layout, options).status().message(), HasSubstr("NOPE"));
  options.select = {{"REC-TYPE", {"D"}, "DEP-AMT"}};
  EXPECT_THAT(RecordCodec::create(layout, options).status().message(),
              HasSubstr("neither redefines"));
  options.select = {{"DEP-AMT", {"abc"}, "DEPOSIT"}};
  EXPECT_THAT(RecordCodec::create(layout, options).status().message(), HasSubstr("not a number"));
}

TEST(RecordCodecTest, JsonInputErrorsNameThePath) {
  auto codec = codecFor(compile(kAccount));
  Record rec;
  const std::string good_holds =
      R"("HOLDS":[{"HOLD-AMT":1.00,"HOLD-CODE":"AB"},{"HOLD-AMT":2.00,"HOLD-CODE":"CD"}])";
  auto err = [&](const std::string& json) {
    Status st = codec->fromJson(json, &rec);
    EXPECT_FALSE(st.ok()) << json;
    return st.message();
  };
  EXPECT_THAT(err(R"({"ACCT-NO":"A1","BALANCE":1,"RATE":0,"SEQ":1,"HOLDS":[]})"),
              HasSubstr("ACCOUNT.HOLDS: expected 2 elements"));
  EXPECT_THAT(err(R"({"ACCT-NO":"A1","BALANCE":1,"RATE":0,"SEQ":1,"EXTRA":1,)" + good_holds + "}"),
              HasSubstr("\"EXTRA\" is not a field of ACCOUNT"));
  EXPECT_THAT(err(R"({"ACCT-NO":"A1","RATE":0,"SEQ":1,)" + good_holds + "}"),
              HasSubstr("ACCOUNT.BALANCE: missing"));
  EXPECT_THAT(err(R"({"ACCT-NO":1,"BALANCE":1,"RATE":0,"SEQ":1,)" + good_holds + "}"),
              HasSubstr("ACCOUNT.ACCT-NO: expected a string, found number"));
  EXPECT_THAT(err(R"({"ACCT-NO":"TOOLONG","BALANCE":1,"RATE":0,"SEQ":1,)" + good_holds + "}"),
              HasSubstr("ACCOUNT.ACCT-NO"));
  EXPECT_THAT(err(R"({"ACCT-NO":"A1","BALANCE":123456.00,"RATE":0,"SEQ":1,)" + good_holds + "}"),
              HasSubstr("ACCOUNT.BALANCE"));
  EXPECT_THAT(err(R"({"ACCT-NO":"A1","BALANCE":1.001,"RATE":0,"SEQ":1,)" + good_holds + "}"),
              HasSubstr("ACCOUNT.BALANCE"));
  EXPECT_THAT(
      err(R"({"ACCT-NO":"A1","BALANCE":1,"RATE":0,"SEQ":1,"HOLDS":[{"HOLD-AMT":1,"HOLD-CODE":"AB"},{"HOLD-AMT":"x","HOLD-CODE":"CD"}]})"),
      HasSubstr("ACCOUNT.HOLDS[2].HOLD-AMT: expected a number"));
  EXPECT_THAT(err(R"({"ACCT-NO":"A1",})"), HasSubstr("column 17"));
}

constexpr const char kTwoRecords[] = R"(
       01  HEADER-REC.
           05  H-TYPE           PIC X.
           05  H-DATE           PIC 9(8).
       01  DETAIL-REC.
           05  D-TYPE           PIC X.
           05  D-AMOUNT         PIC S9(9)V99 COMP-3.
           05  D-NAME           PIC X(10).
)";

TEST(RecordCodecTest, SeveralRecordsAreWrappedAndPadded) {
  CodecOptions options;
  options.select = {{"H-TYPE", {"H"}, "HEADER-REC"}, {"H-TYPE", {"D"}, "DETAIL-REC"}};
  auto codec = codecFor(compile(kTwoRecords), options);
  std::string detail =
      roundTrip(*codec, R"({"DETAIL-REC":{"D-TYPE":"D","D-AMOUNT":100.25,"D-NAME":"X"}})");
  EXPECT_EQ(detail.size(), 17u);
  std::string header = roundTrip(*codec, R"({"HEADER-REC":{"H-TYPE":"H","H-DATE":20261125}})");
  EXPECT_EQ(header.size(), 9u);
  // In an FB file the header is padded to 17 bytes: the padding is kept.
  header.append(8, '\x40');
  Record rec;
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(header.data()), header.size(), &rec).ok());
  std::string back;
  ASSERT_TRUE(codec->encode(rec, &back).ok());
  EXPECT_EQ(back, header);
}

TEST(RecordCodecTest, SyncSlackIsKept) {
  auto codec = codecFor(compile(R"(
       01  SYNCED.
           05  CODE             PIC X.
           05  COUNTER          PIC S9(9) COMP SYNC.
)"));
  EXPECT_EQ(codec->layout().maxLength(), 8u);
  std::string bytes = bytesOf({0xC1, 0x11, 0x22, 0x33, 0x00, 0x00, 0x01, 0x00});
  Record rec;
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
  std::string json;
  codec->toJson(rec, &json);
  EXPECT_EQ(json, R"({"CODE":"A","COUNTER":256})");
  std::string back;
  ASSERT_TRUE(codec->encode(rec, &back).ok());
  EXPECT_EQ(back, bytes);
}

TEST(RecordCodecTest, TextEscapesAndLowValues) {
  auto codec = codecFor(compile(R"(
       01  NOTE.
           05  NOTE-TEXT        PIC X(6).
)"));
  std::string bytes = bytesOf({0x7F, 0xE0, 0x00, 0xC1, 0x40, 0x40});  // " \ NUL A
  Record rec;
  ASSERT_TRUE(
      codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec).ok());
  std::string json;
  codec->toJson(rec, &json);
  EXPECT_EQ(json, R"({"NOTE-TEXT":"\"\\\u0000A"})");
  std::string back;
  Record again;
  ASSERT_TRUE(codec->fromJson(json, &again).ok());
  ASSERT_TRUE(codec->encode(again, &back).ok());
  EXPECT_EQ(back, bytes);
}

}  // namespace
}  // namespace corebridge::mappings

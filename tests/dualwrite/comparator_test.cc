// The comparator over the demo bank's COMMAREAs (legacy/cobol/copybooks),
// compiled in the IBM dialect (cp037), with PackTransactions built by hand.
#include "dualwrite/comparator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "mappings/codepage.h"
#include "mappings/copybook.h"
#include "mappings/pack.h"
#include "mappings/record_codec.h"
#include "tests/dualwrite/demobank_fixtures.h"

namespace corebridge::dualwrite {
namespace {

namespace mp = mappings;
using ::testing::HasSubstr;
using ::testing::Not;
using Kind = FieldDifference::Kind;
using testing::commarea;
using testing::comparatorFor;
using testing::kPost;
using testing::replace;
using testing::transaction;

size_t offsetOf(const mp::PackTransaction& t, const std::string& field) {
  const int fi = t.layout->find(field);
  EXPECT_NE(fi, mp::kNoIndex) << field;
  return fi == mp::kNoIndex ? 0 : t.layout->fields[fi].offset;
}

std::string ebcdic(const std::string& text) {
  std::string out(text.size(), '\0');
  Status s = mp::CodePage::cp037().encode(text, reinterpret_cast<uint8_t*>(out.data()), out.size());
  EXPECT_TRUE(s.ok()) << s.toString();
  return out;
}

mp::NoiseRule rule(const std::string& field, mp::NoiseRule::Kind kind) {
  mp::NoiseRule r;
  r.field = field;
  r.kind = kind;
  return r;
}

mp::NoiseRule window(const std::string& field, const std::string& format, int64_t seconds) {
  mp::NoiseRule r = rule(field, mp::NoiseRule::Kind::kTimeWindow);
  r.format = format;
  r.window_seconds = seconds;
  return r;
}

mp::NoiseRule tolerance(const std::string& field, int64_t minor_units) {
  mp::NoiseRule r = rule(field, mp::NoiseRule::Kind::kTolerance);
  r.tolerance_minor_units = minor_units;
  return r;
}

class PostTest : public ::testing::Test {
 protected:
  mp::PackTransaction post_ = transaction("ACCTPOST", "CAPOST", {}, {"PST-ACCT-NUMBER"});
};

TEST_F(PostTest, EqualRepliesAreEqual) {
  auto c = comparatorFor(post_);
  const std::string reply = commarea(post_, kPost);
  ASSERT_EQ(reply.size(), 200u);
  Comparison r = c->compare(reply, reply);
  EXPECT_TRUE(r.equal());
  EXPECT_EQ(r.fields_compared, 15);  // every named leaf: 6 header, 5 request, 4 reply
  EXPECT_EQ(r.fields_ignored, 0);
}

TEST_F(PostTest, MoneyDifferenceNamesTheFieldAndBothValues) {
  auto c = comparatorFor(post_);
  Comparison r = c->compare(commarea(post_, kPost),
                            commarea(post_, replace(kPost, R"("PST-LEDGER-BALANCE":874.50)",
                                                    R"("PST-LEDGER-BALANCE":874.51)")));
  ASSERT_EQ(r.differences.size(), 1u);
  const FieldDifference& d = r.differences[0];
  EXPECT_EQ(d.kind, Kind::kValue);
  EXPECT_EQ(d.path, "PST-COMMAREA.PST-REPLY.PST-LEDGER-BALANCE");
  EXPECT_EQ(d.field, "PST-LEDGER-BALANCE");
  EXPECT_EQ(d.legacy, "874.50");
  EXPECT_EQ(d.new_value, "874.51");
}

TEST_F(PostTest, NegativeZeroEqualsZeroInPackedAndZoned) {
  auto c = comparatorFor(post_);
  const std::string zero = commarea(
      post_,
      replace(replace(kPost, R"("PST-LEDGER-BALANCE":874.50)", R"("PST-LEDGER-BALANCE":0.00)"),
              R"("PST-AVAILABLE-BALANCE":874.50)", R"("PST-AVAILABLE-BALANCE":0.00)"));
  std::string negative = zero;
  // PIC S9(13)V99 COMP-3: 8 bytes, sign nibble D; zoned S9(13)V99: zone D in the last byte.
  const size_t packed = offsetOf(post_, "PST-LEDGER-BALANCE") + 7;
  const size_t zoned = offsetOf(post_, "PST-AVAILABLE-BALANCE") + 14;
  ASSERT_EQ(static_cast<uint8_t>(negative[packed]), 0x0C);
  negative[packed] = '\x0D';
  negative[zoned] = '\xD0';
  EXPECT_TRUE(c->compare(zero, negative).equal());
  // An unsigned-looking F sign and a C sign are the same positive number.
  std::string f_sign = zero;
  f_sign[packed] = '\x0F';
  f_sign[zoned] = '\xF0';
  EXPECT_TRUE(c->compare(zero, f_sign).equal());
  // But -0.01 is not 0.
  std::string cent = negative;
  cent[packed - 1] = '\x00';
  cent[packed] = '\x1D';
  Comparison r = c->compare(zero, cent);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].legacy, "0.00");
  EXPECT_EQ(r.differences[0].new_value, "-0.01");
}

TEST_F(PostTest, IgnoreRuleOnAFieldAndOnAGroup) {
  const std::string legacy = commarea(post_, kPost);
  const std::string fresh =
      commarea(post_, replace(replace(kPost, "20240315", "20240316"), "ATM00017", "ATM00099"));
  EXPECT_EQ(comparatorFor(post_)->compare(legacy, fresh).differences.size(), 2u);

  auto t = post_;
  t.noise = {rule("CA-BUSINESS-DATE", mp::NoiseRule::Kind::kIgnore)};
  Comparison r = comparatorFor(t)->compare(legacy, fresh);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].field, "CA-TERMINAL-ID");
  EXPECT_EQ(r.fields_ignored, 1);

  t.noise = {rule("CA-HEADER", mp::NoiseRule::Kind::kIgnore)};
  r = comparatorFor(t)->compare(legacy, fresh);
  EXPECT_TRUE(r.equal());
  EXPECT_EQ(r.fields_ignored, 6);
}

TEST_F(PostTest, TrimRuleForgivesTrailingSpacesAndLowValues) {
  const std::string legacy = commarea(post_, kPost);
  std::string fresh = legacy;
  const size_t reason = offsetOf(post_, "CA-REASON-TEXT");
  for (size_t i = reason + 2; i < reason + 40; ++i) {
    fresh[i] = '\0';  // "OK" then low-values instead of spaces
  }
  Comparison exact = comparatorFor(post_)->compare(legacy, fresh);
  ASSERT_EQ(exact.differences.size(), 1u);
  EXPECT_EQ(exact.differences[0].field, "CA-REASON-TEXT");
  // Trailing spaces are not shown; low-values are, escaped.
  EXPECT_EQ(exact.differences[0].legacy, "OK");
  EXPECT_THAT(exact.differences[0].new_value, HasSubstr("OK\\x00\\x00"));

  auto t = post_;
  t.noise = {rule("CA-REASON-TEXT", mp::NoiseRule::Kind::kTrim)};
  EXPECT_TRUE(comparatorFor(t)->compare(legacy, fresh).equal());
  // Trim does not hide a real difference.
  EXPECT_FALSE(comparatorFor(t)
                   ->compare(legacy, commarea(post_, replace(kPost, "\"OK\"", "\"OK!\"")))
                   .equal());
}

TEST_F(PostTest, TimeWindowOnJulianAndCalendarDates) {
  auto t = post_;
  t.noise = {window("PST-LAST-ACTIVITY-DATE", "YYDDD", 86400),
             window("CA-BUSINESS-DATE", "YYYYMMDD", 86400)};
  auto c = comparatorFor(t);
  auto with = [&](const std::string& julian, const std::string& date) {
    return commarea(post_, replace(replace(kPost, "24075", julian), "20240315", date));
  };
  EXPECT_TRUE(c->compare(with("24075", "20240315"), with("24076", "20240316")).equal());
  Comparison r = c->compare(with("24075", "20240315"), with("24077", "20240317"));
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_EQ(r.differences[0].field, "CA-BUSINESS-DATE");
  EXPECT_EQ(r.differences[1].field, "PST-LAST-ACTIVITY-DATE");
  // Across a year end (2023 has 365 days) and a month end.
  EXPECT_TRUE(c->compare(with("23365", "20240229"), with("24001", "20240301")).equal());
  // Values that are not dates in the format are compared exactly.
  EXPECT_FALSE(c->compare(with("24000", "20240315"), with("24001", "20240315")).equal());
  EXPECT_TRUE(c->compare(with("0", "0"), with("0", "0")).equal());
}

TEST(ComparatorTimeTest, TimeWindowOnTimesAndTimestamps) {
  // The demo bank's COMMAREAs carry no times: a small record of the formats
  // they lack.
  const std::string path = ::testing::TempDir() + "/timerec.cpy";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(
      "       01  TIME-REC.\n"
      "           05  T-TIME   PIC 9(6).\n"
      "           05  T-STAMP  PIC X(14).\n",
      f);
  std::fclose(f);
  auto layout = mp::parseCopybookFile(path, {});
  ASSERT_TRUE(layout.ok()) << layout.status().toString();
  mp::PackTransaction t;
  t.trancode = "TIMETEST";
  t.layout = std::make_shared<const mp::Layout>(std::move(layout).value());
  t.codec = std::shared_ptr<const mp::RecordCodec>(mp::RecordCodec::create(t.layout, {}).value());
  t.noise = {window("T-TIME", "HHMMSS", 5), window("T-STAMP", "YYYYMMDDHHMMSS", 60)};
  auto c = comparatorFor(t);
  auto rec = [&](const std::string& time, const std::string& stamp) {
    return commarea(t, R"({"T-TIME":)" + time + R"(,"T-STAMP":")" + stamp + "\"}");
  };
  EXPECT_TRUE(c->compare(rec("120000", "20241231235930"), rec("120005", "20250101000030")).equal());
  EXPECT_TRUE(c->compare(rec("235959", "20240101000000"), rec("3", "20240101000000")).equal())
      << "across midnight";
  Comparison r = c->compare(rec("120000", "20241231235930"), rec("120006", "20250101000031"));
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_EQ(r.differences[0].path, "TIME-REC.T-TIME");
  EXPECT_EQ(r.differences[0].legacy, "120000");
  EXPECT_EQ(r.differences[1].new_value, "20250101000031");
}

TEST_F(PostTest, ToleranceInMinorUnits) {
  auto t = post_;
  t.noise = {tolerance("PST-LEDGER-BALANCE", 2)};
  auto c = comparatorFor(t);
  const std::string legacy = commarea(post_, kPost);
  auto balance = [&](const std::string& v) {
    return commarea(
        post_, replace(kPost, R"("PST-LEDGER-BALANCE":874.50)", R"("PST-LEDGER-BALANCE":)" + v));
  };
  EXPECT_TRUE(c->compare(legacy, balance("874.52")).equal());
  EXPECT_TRUE(c->compare(legacy, balance("874.48")).equal());
  Comparison r = c->compare(legacy, balance("874.53"));
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].new_value, "874.53");
  // The tolerance is per field: the zoned balance is still exact.
  EXPECT_FALSE(
      c->compare(legacy, commarea(post_, replace(kPost, R"("PST-AVAILABLE-BALANCE":874.50)",
                                                 R"("PST-AVAILABLE-BALANCE":874.51)")))
          .equal());
}

TEST_F(PostTest, AccountValuesAreMaskedInDifferencesAndPayloads) {
  auto c = comparatorFor(post_);
  const std::string legacy = commarea(post_, kPost);
  const std::string fresh = commarea(post_, replace(kPost, "100000012345", "100000012346"));
  Comparison r = c->compare(legacy, fresh);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].field, "PST-ACCT-NUMBER");
  EXPECT_EQ(r.differences[0].legacy, "100******345");
  EXPECT_EQ(r.differences[0].new_value, "100******346");

  const std::string json = c->payloadJson({0, legacy});
  EXPECT_THAT(json, HasSubstr(R"("PST-ACCT-NUMBER":"100******345")"));
  EXPECT_THAT(json, Not(HasSubstr("100000012345")));
  EXPECT_THAT(json, HasSubstr(R"("PST-LEDGER-BALANCE":874.50)"));
  EXPECT_EQ(c->maskedAccount(legacy), "100******345");
}

TEST(ComparatorMaskTest, AccountFieldNamesAndFreeText) {
  EXPECT_TRUE(isAccountFieldName("PST-ACCT-NUMBER", {}));
  EXPECT_TRUE(isAccountFieldName("XFR-TO-ACCOUNT", {}));
  EXPECT_TRUE(isAccountFieldName("ATM-CARD-NO", {}));
  EXPECT_TRUE(isAccountFieldName("CUST-KEY", {"CUST-KEY"}));
  EXPECT_FALSE(isAccountFieldName("PST-AMOUNT", {"PST-ACCT-NUMBER"}));
  EXPECT_EQ(maskFreeText("account 4000001234567899 not found at 12:00", false),
            "account 400000******7899 not found at 12:00");
  EXPECT_EQ(maskFreeText("field X at offset 80 (bytes: F1F0 F0F0)", true),
            "field X at offset 80 (bytes: <masked>)");
  EXPECT_EQ(maskFreeText("record is 120 bytes but X needs 200 (bytes C1F0)", true),
            "record is 120 bytes but X needs 200 (bytes <masked>)");
}

constexpr const char kStmtHead[] =
    R"({"CA-HEADER":{"CA-TXN-ID":"HBK0000000000007","CA-CHANNEL-CODE":"HBK",)"
    R"("CA-TERMINAL-ID":"WEB00001","CA-RETURN-CODE":0,"CA-REASON-TEXT":"",)"
    R"("CA-BUSINESS-DATE":20240315},)"
    R"("STM-REQUEST":{"STM-ACCT-NUMBER":100000012345,"STM-MAX-POSTINGS":10},)"
    R"("STM-REPLY":{"STM-LEDGER-BALANCE":874.50,"STM-AVAILABLE-BALANCE":874.50,)"
    R"("STM-LAST-POSTING-SEQ":42,)";

std::string posting(int seq, const std::string& amount) {
  return R"({"STM-PST-SEQ":)" + std::to_string(seq) +
         R"(,"STM-PST-BUSINESS-DATE":20240315,"STM-PST-TXN-CODE":1001,"STM-PST-DR-CR-CODE":"D",)"
         R"("STM-PST-AMOUNT":)" +
         amount +
         R"(,"STM-PST-RUNNING-BALANCE":874.50,"STM-PST-CHANNEL-TXN-ID":"ATM0000000000001",)"
         R"("STM-PST-DESCRIPTION":"ATM WITHDRAWAL"})";
}

std::string statement(const std::vector<std::string>& amounts) {
  std::string s = std::string(kStmtHead) + R"("STM-POSTING-COUNT":)" +
                  std::to_string(amounts.size()) + R"(,"STM-POSTINGS":[)";
  for (size_t i = 0; i < amounts.size(); ++i) {
    s += (i == 0 ? "" : ",") + posting(static_cast<int>(42 - i), amounts[i]);
  }
  return s + "]}}";
}

class StatementTest : public ::testing::Test {
 protected:
  mp::PackTransaction stmt_ = transaction("ACCTSTMT", "CASTMT", {}, {"STM-ACCT-NUMBER"});
};

TEST_F(StatementTest, TableDifferenceCarriesItsSubscript) {
  auto c = comparatorFor(stmt_);
  const std::string legacy = commarea(stmt_, statement({"125.50", "20.00", "5.00"}), 1150);
  const std::string fresh = commarea(stmt_, statement({"125.50", "20.01", "5.00"}), 1150);
  ASSERT_EQ(legacy.size(), 1150u);
  EXPECT_TRUE(c->compare(legacy, legacy).equal());
  Comparison r = c->compare(legacy, fresh);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "STM-COMMAREA.STM-REPLY.STM-POSTINGS[2].STM-PST-AMOUNT");
  EXPECT_EQ(r.differences[0].field, "STM-PST-AMOUNT");
  EXPECT_EQ(r.differences[0].legacy, "20.00");
  EXPECT_EQ(r.differences[0].new_value, "20.01");
}

TEST_F(StatementTest, ShorterTableLeavesTheMissingEntriesAbsent) {
  auto c = comparatorFor(stmt_);
  const std::string legacy = commarea(stmt_, statement({"125.50", "20.00", "5.00"}), 1150);
  const std::string fresh = commarea(stmt_, statement({"125.50", "20.00"}), 1150);
  Comparison r = c->compare(legacy, fresh);
  ASSERT_EQ(r.differences.size(), 9u);  // the count, then the 8 leaves of entry 3
  EXPECT_EQ(r.differences[0].field, "STM-POSTING-COUNT");
  EXPECT_EQ(r.differences[0].legacy, "3");
  EXPECT_EQ(r.differences[0].new_value, "2");
  EXPECT_EQ(r.differences[1].kind, Kind::kAbsent);
  EXPECT_EQ(r.differences[1].path, "STM-COMMAREA.STM-REPLY.STM-POSTINGS[3].STM-PST-SEQ");
  EXPECT_EQ(r.differences[1].legacy, "40");
  EXPECT_EQ(r.differences[1].new_value, "(absent)");
}

TEST_F(StatementTest, FillerAndTheUnusedTableTailAreNotComparedUnlessAsked) {
  const std::string legacy = commarea(stmt_, statement({"125.50"}), 1150);
  std::string fresh = legacy;
  fresh[1149] = '\0';  // past the one entry: the unused table area
  const size_t filler = offsetOf(stmt_, "STM-LAST-POSTING-SEQ") + 9;
  fresh[filler] = '\xC1';  // the 12-byte FILLER of STM-REPLY
  EXPECT_TRUE(comparatorFor(stmt_)->compare(legacy, fresh).equal());

  ComparatorOptions all;
  all.compare_filler = true;
  Comparison r = comparatorFor(stmt_, all)->compare(legacy, fresh);
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_EQ(r.differences[0].field, "FILLER");
  EXPECT_THAT(r.differences[0].new_value, HasSubstr("C1"));
  EXPECT_THAT(r.differences[1].path, HasSubstr("at offset"));
}

TEST_F(StatementTest, IgnoreRuleOnATableIgnoresEveryEntry) {
  auto t = stmt_;
  t.noise = {rule("STM-PST-DESCRIPTION", mp::NoiseRule::Kind::kIgnore),
             tolerance("STM-POSTINGS", 1)};
  auto c = comparatorFor(t);
  std::string a = statement({"125.50", "20.00"});
  std::string b = replace(statement({"125.50", "20.01"}), "ATM WITHDRAWAL", "ATM CASH");
  Comparison r = c->compare(commarea(stmt_, a, 1150), commarea(stmt_, b, 1150));
  EXPECT_TRUE(r.equal());
  EXPECT_EQ(r.fields_ignored, 2);
}

TEST(ComparatorInquiryTest, InquiryRepliesAndAccountMasking) {
  auto inq = transaction("ACCTINQ", "CAINQ", {}, {"INQ-ACCT-NUMBER"});
  auto c = comparatorFor(inq);
  const std::string json =
      R"({"CA-HEADER":{"CA-TXN-ID":"TLR0000000000003","CA-CHANNEL-CODE":"TLR",)"
      R"("CA-TERMINAL-ID":"TLR00001","CA-RETURN-CODE":0,"CA-REASON-TEXT":"",)"
      R"("CA-BUSINESS-DATE":20240315},"INQ-REQUEST":{"INQ-ACCT-NUMBER":200000000777},)"
      R"("INQ-REPLY":{"INQ-PRODUCT-CODE":"CHK1","INQ-CUSTOMER-ID":1234,"INQ-STATUS":"A",)"
      R"("INQ-CURRENCY":"USD","INQ-LEDGER-BALANCE":-12.34,"INQ-AVAILABLE-BALANCE":-12.34,)"
      R"("INQ-OVERDRAFT-LIMIT":500.00,"INQ-ACCRUED-INTEREST":0.00,"INQ-INTEREST-RATE":1.250000,)"
      R"("INQ-OPEN-DATE":20200101,"INQ-MATURITY-DATE":0,"INQ-CLOSE-DATE":0,)"
      R"("INQ-LAST-ACTIVITY-DATE":24075,"INQ-LAST-POSTING-SEQ":9,"INQ-HOLD-COUNT":0}})";
  const std::string legacy = commarea(inq, json);
  Comparison r = c->compare(legacy, commarea(inq, replace(json, "1.250000", "1.250001")));
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].path, "INQ-COMMAREA.INQ-REPLY.INQ-INTEREST-RATE");
  EXPECT_EQ(r.differences[0].legacy, "1.250000");
  EXPECT_EQ(r.differences[0].new_value, "1.250001");
  EXPECT_EQ(c->maskedAccount(legacy), "200******777");
}

TEST_F(PostTest, UndecodableReplyIsADifferenceNotAnError) {
  auto c = comparatorFor(post_);
  const std::string legacy = commarea(post_, kPost);
  Comparison r = c->compare(legacy, legacy.substr(0, 120));
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].kind, Kind::kUndecodable);
  EXPECT_EQ(r.differences[0].path, "(commarea)");
  EXPECT_EQ(r.differences[0].legacy, "decoded");
  EXPECT_THAT(r.differences[0].new_value, HasSubstr("undecodable"));
  EXPECT_THAT(r.differences[0].new_value, HasSubstr("120 bytes"));

  // A bad digit in the account number: the error names the field and its
  // offset, but not the account's bytes.
  std::string bad = legacy;
  bad[offsetOf(post_, "PST-ACCT-NUMBER") + 3] = '\xC1';
  r = c->compare(bad, legacy);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].kind, Kind::kUndecodable);
  EXPECT_THAT(r.differences[0].legacy, HasSubstr("PST-ACCT-NUMBER"));
  EXPECT_THAT(r.differences[0].legacy, HasSubstr("offset 80"));
  EXPECT_THAT(r.differences[0].legacy, Not(HasSubstr("F1F0F0")));
  EXPECT_EQ(r.differences[0].new_value, "decoded");
  EXPECT_THAT(c->payloadJson({0, bad}), HasSubstr("\"undecodable\":"));
}

TEST_F(PostTest, SystemErrorAgainstNormalReplyIsAnOutcomeDifference) {
  auto c = comparatorFor(post_);
  adapters::BackendReply normal{0, commarea(post_, kPost)};
  adapters::BackendReply error{8, ebcdic("AEY9 NEWCORE UNAVAILABLE")};
  Comparison r = c->compare(normal, error);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].kind, Kind::kOutcome);
  EXPECT_EQ(r.differences[0].path, "(frame)");
  EXPECT_EQ(r.differences[0].legacy, "normal reply");
  EXPECT_EQ(r.differences[0].new_value, "system error (ZZ=8): AEY9 NEWCORE UNAVAILABLE");
  EXPECT_TRUE(c->compare(error, adapters::BackendReply{4, ebcdic("ASRA")}).equal());
  EXPECT_TRUE(c->compare(normal, normal).equal());
  EXPECT_EQ(c->payloadJson(error),
            R"({"system_error":{"zz":8,"text":"AEY9 NEWCORE UNAVAILABLE"}})");
}

TEST_F(PostTest, BadNoiseRulesAreRefused) {
  auto t = post_;
  t.noise = {rule("PST-NO-SUCH-FIELD", mp::NoiseRule::Kind::kIgnore)};
  t.noise[0].line = 17;
  auto c = Comparator::create(t);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("PST-NO-SUCH-FIELD"));
  EXPECT_THAT(c.status().message(), HasSubstr("line 17"));

  t.noise = {window("PST-LAST-ACTIVITY-DATE", "DDMMYY", 60)};
  EXPECT_FALSE(Comparator::create(t).ok());
  t.noise = {tolerance("PST-DESCRIPTION", 1)};
  EXPECT_FALSE(Comparator::create(t).ok());
  t.noise = {rule("CA-TXN-ID", mp::NoiseRule::Kind::kIgnore),
             rule("CA-TXN-ID", mp::NoiseRule::Kind::kTrim)};
  EXPECT_FALSE(Comparator::create(t).ok());
  mp::PackTransaction no_codec;
  no_codec.trancode = "ACCTPOST";
  EXPECT_FALSE(Comparator::create(no_codec).ok());
}

TEST_F(PostTest, ComparesFromManyThreads) {
  auto c = comparatorFor(post_);
  const std::string legacy = commarea(post_, kPost);
  const std::string fresh =
      commarea(post_, replace(kPost, "874.50,\"PST-AVAILABLE", "1.00,\"PST-AVAILABLE"));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        Comparison r = c->compare(legacy, i % 2 == 0 ? legacy : fresh);
        if (r.differences.size() != (i % 2 == 0 ? 0u : 1u)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

// The demo bank's own pack, when its loader can read it: every transaction's
// noise rules are accepted.
TEST(ComparatorPackTest, EveryDemoBankTransactionHasAComparator) {
  auto pack = mp::loadPack(std::string(CB_SOURCE_DIR) + "/mappings/packs/demobank/pack.yaml");
  ASSERT_TRUE(pack.ok()) << pack.status().toString();
  ASSERT_FALSE((*pack)->transactions.empty());
  for (const mp::PackTransaction& t : (*pack)->transactions) {
    auto c = Comparator::create(t);
    EXPECT_TRUE(c.ok()) << t.trancode << ": " << c.status().toString();
  }
}

}  // namespace
}  // namespace corebridge::dualwrite

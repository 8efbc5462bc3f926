// End-to-end tests of the demo bank (legacy/cobol/, docs/legacy.md).
//
// The COBOL is compiled with legacy/cobol/build.sh into a scratch directory,
// SEED creates 100 accounts there, and each online program is called
// in-process through libcob with a COMMAREA that corebridge's RecordCodec
// builds from the transaction's copybook (gnucobol dialect: ASCII, binary
// 1-2-4-8 big-endian), as legacy-host will call it. Replies are decoded
// through the same copybooks. The batch programs run as processes.
//
// The steps build on each other (postings change balances), so the whole
// scenario is one fixture with the steps in order.
#include <gtest/gtest.h>
#include <libcob.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "mappings/copybook.h"
#include "mappings/framing.h"
#include "mappings/layout.h"
#include "mappings/mapped_file.h"
#include "mappings/record_codec.h"

namespace corebridge::mappings {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = CB_SOURCE_DIR;
const char kBusinessDate[] = "20261125";

int runCommand(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The account number of a seeded account: prefix, branch, serial and the
// mod-10 check digit (docs/legacy.md).
int64_t accountNumber(int prefix, int branch, int serial) {
  int64_t payload = prefix * 1000000000LL + branch * 1000000LL + serial;
  int sum = 0;
  bool dbl = true;
  for (int64_t p = payload; p > 0; p /= 10, dbl = !dbl) {
    int d = static_cast<int>(p % 10);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return payload * 10 + (10 - sum % 10) % 10;
}

std::unique_ptr<RecordCodec> makeCodec(const std::string& member, CodecOptions options = {}) {
  CopybookOptions copts;
  copts.dialect = Dialect::gnuCobol();
  auto layout = parseCopybookFile(kSourceDir + "/legacy/cobol/copybooks/" + member, copts);
  EXPECT_TRUE(layout.ok()) << member << ": " << layout.status().toString();
  if (!layout.ok()) return nullptr;
  auto codec = RecordCodec::create(std::make_shared<const Layout>(std::move(*layout)), options);
  EXPECT_TRUE(codec.ok()) << codec.status().toString();
  return codec.ok() ? std::move(*codec) : nullptr;
}

// A decoded reply with typed accessors.
struct Reply {
  std::string bytes;
  Record rec;
  const RecordCodec* codec = nullptr;

  const Value* at(const std::string& path) const {
    const Value* v = rec.find(codec->layout(), path);
    EXPECT_NE(v, nullptr) << path;
    return v;
  }
  int rc() const { return static_cast<int>(at("CA-HEADER.CA-RETURN-CODE")->number.unscaled); }
  std::string text(const std::string& path) const { return at(path)->text; }
  std::string num(const std::string& path) const { return at(path)->number.toString(); }
  std::string json() const {
    std::string out;
    codec->toJson(rec, &out);
    return out;
  }
};

std::string header(const std::string& txn_id) {
  return R"("CA-HEADER":{"CA-TXN-ID":")" + txn_id +
         R"(","CA-CHANNEL-CODE":"ATM","CA-TERMINAL-ID":"T0001","CA-RETURN-CODE":0,)"
         R"("CA-REASON-TEXT":"","CA-BUSINESS-DATE":0})";
}

class DemoBankTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::path(::testing::TempDir()) / ("demobank_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "data");
    ok_ = runCommand(kSourceDir + "/legacy/cobol/build.sh " + (dir_ / "bin").string()) == 0;
    if (!ok_) return;
    ::setenv("BANK_DATA_DIR", (dir_ / "data").c_str(), 1);
    ::setenv("BANK_BUSINESS_DATE", kBusinessDate, 1);
    ::setenv("COB_LIBRARY_PATH", (dir_ / "bin").c_str(), 1);
    ok_ = runCommand((dir_ / "bin" / "SEED").string() + " 100 20200101 >/dev/null") == 0;
    cob_init(0, nullptr);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SetUp() override {
    ASSERT_TRUE(ok_) << "legacy/cobol/build.sh or SEED failed (is cobc installed?)";
  }

  // Encodes `json` through the copybook, pads to `length` with spaces, calls
  // the program as CICS LINK would and decodes the reply.
  Reply call(const std::string& program, const std::string& member, size_t length,
             const std::string& json) {
    Reply r;
    auto& codec = codecs_[member];
    if (!codec) codec = makeCodec(member);
    r.codec = codec.get();
    Record req;
    Status st = codec->fromJson(json, &req);
    EXPECT_TRUE(st.ok()) << st.toString() << "\n" << json;
    EXPECT_TRUE(codec->encode(req, &r.bytes).ok());
    r.bytes.resize(length, ' ');
    callRaw(program, &r.bytes);
    st = codec->decode(reinterpret_cast<const uint8_t*>(r.bytes.data()), r.bytes.size(), &r.rec);
    EXPECT_TRUE(st.ok()) << st.toString();
    return r;
  }

  static void callRaw(const std::string& program, std::string* commarea) {
    auto fn = reinterpret_cast<int (*)(void*)>(cob_resolve(program.c_str()));
    ASSERT_NE(fn, nullptr) << program << ": " << cob_resolve_error();
    fn(commarea->data());
  }

  Reply inquire(int64_t acct) {
    return call("CBINQ", "CAINQ.cpy", 200,
                "{" + header("INQ") + R"(,"INQ-REQUEST":{"INQ-ACCT-NUMBER":)" +
                    std::to_string(acct) +
                    R"(},"INQ-REPLY":{"INQ-PRODUCT-CODE":"","INQ-CUSTOMER-ID":0,"INQ-STATUS":"",)"
                    R"("INQ-CURRENCY":"","INQ-LEDGER-BALANCE":0,"INQ-AVAILABLE-BALANCE":0,)"
                    R"("INQ-OVERDRAFT-LIMIT":0,"INQ-ACCRUED-INTEREST":0,"INQ-INTEREST-RATE":0,)"
                    R"("INQ-OPEN-DATE":0,"INQ-MATURITY-DATE":0,"INQ-CLOSE-DATE":0,)"
                    R"("INQ-LAST-ACTIVITY-DATE":0,"INQ-LAST-POSTING-SEQ":0,"INQ-HOLD-COUNT":0}})");
  }
  std::string ledger(int64_t acct) { return inquire(acct).num("INQ-REPLY.INQ-LEDGER-BALANCE"); }

  Reply post(const std::string& id, int64_t acct, const std::string& dc, const std::string& amount,
             const std::string& desc = "TEST POSTING") {
    return call("CBPOST", "CAPOST.cpy", 200,
                "{" + header(id) + R"(,"PST-REQUEST":{"PST-ACCT-NUMBER":)" + std::to_string(acct) +
                    R"(,"PST-DR-CR-CODE":")" + dc + R"(","PST-TXN-CODE":0,"PST-AMOUNT":)" + amount +
                    R"(,"PST-DESCRIPTION":")" + desc +
                    R"("},"PST-REPLY":{"PST-POSTING-SEQ":0,"PST-LEDGER-BALANCE":0,)"
                    R"("PST-AVAILABLE-BALANCE":0,"PST-LAST-ACTIVITY-DATE":0}})");
  }

  Reply transfer(const std::string& id, int64_t from, int64_t to, const std::string& amount) {
    return call("CBXFER", "CAXFER.cpy", 200,
                "{" + header(id) + R"(,"XFR-REQUEST":{"XFR-FROM-ACCT":)" + std::to_string(from) +
                    R"(,"XFR-TO-ACCT":)" + std::to_string(to) + R"(,"XFR-AMOUNT":)" + amount +
                    R"(,"XFR-DESCRIPTION":"TRANSFER"},"XFR-REPLY":{"XFR-FAILED-LEG":"",)"
                    R"("XFR-FROM-POSTING-SEQ":0,"XFR-FROM-LEDGER-BALANCE":0,)"
                    R"("XFR-TO-POSTING-SEQ":0,"XFR-TO-LEDGER-BALANCE":0}})");
  }

  Reply statement(int64_t acct, int max) {
    return call("CBSTMT", "CASTMT.cpy", 1150,
                "{" + header("STM") + R"(,"STM-REQUEST":{"STM-ACCT-NUMBER":)" +
                    std::to_string(acct) + R"(,"STM-MAX-POSTINGS":)" + std::to_string(max) +
                    R"(},"STM-REPLY":{"STM-LEDGER-BALANCE":0,"STM-AVAILABLE-BALANCE":0,)"
                    R"("STM-LAST-POSTING-SEQ":0,"STM-POSTING-COUNT":0,"STM-POSTINGS":[]}})");
  }

  Reply open(const std::string& id, const std::string& product, int branch,
             const std::string& amount, const std::string& overdraft = "0") {
    return call("CBOPEN", "CAOPEN.cpy", 200,
                "{" + header(id) + R"(,"OPN-REQUEST":{"OPN-PRODUCT-CODE":")" + product +
                    R"(","OPN-BRANCH":)" + std::to_string(branch) +
                    R"(,"OPN-CUSTOMER-ID":1000000042,"OPN-CURRENCY":"USD","OPN-INITIAL-AMOUNT":)" +
                    amount + R"(,"OPN-OVERDRAFT-LIMIT":)" + overdraft +
                    R"(},"OPN-REPLY":{"OPN-ACCT-NUMBER":0,"OPN-OPEN-DATE":0,)"
                    R"("OPN-MATURITY-DATE":0,"OPN-INTEREST-RATE":0,"OPN-LEDGER-BALANCE":0,)"
                    R"("OPN-LAST-POSTING-SEQ":0}})");
  }

  Reply close(const std::string& id, int64_t acct) {
    return call("CBCLOSE", "CACLOSE.cpy", 200,
                "{" + header(id) + R"(,"CLS-REQUEST":{"CLS-ACCT-NUMBER":)" + std::to_string(acct) +
                    R"(},"CLS-REPLY":{"CLS-CLOSE-DATE":0,"CLS-LEDGER-BALANCE":0,)"
                    R"("CLS-ACCRUED-INTEREST":0}})");
  }

  static std::string bin(const std::string& name) { return (dir_ / "bin" / name).string(); }

  static inline fs::path dir_;
  static inline bool ok_ = false;
  std::map<std::string, std::unique_ptr<RecordCodec>> codecs_;
};

// Seeded: 100 accounts, 25 per product line, q = 3 per branch. Account g=1 is
// savings 10-001-000001 (ledger 100 + 7919/100), g=2 checking (158.38 - 500,
// overdraft 1000), g=3 term deposit (1000 + 314187/100), g=4 loan
// -(1000 + 418916/100).
const int64_t kSavings = accountNumber(10, 1, 1);
const int64_t kChecking = accountNumber(20, 1, 1);
const int64_t kTermDeposit = accountNumber(30, 1, 1);
const int64_t kLoan = accountNumber(40, 1, 1);

TEST_F(DemoBankTest, EveryTransactionEndToEnd) {
  // Inquiry.
  {
    SCOPED_TRACE("inquiry");
    Reply r = inquire(kSavings);
    ASSERT_EQ(r.rc(), 0) << r.json();
    EXPECT_EQ(kSavings, 100010000014);
    EXPECT_EQ(r.text("INQ-REPLY.INQ-PRODUCT-CODE"), "SAVB");
    EXPECT_EQ(r.num("INQ-REPLY.INQ-LEDGER-BALANCE"), "179.19");
    EXPECT_EQ(r.num("INQ-REPLY.INQ-AVAILABLE-BALANCE"), "179.19");
    EXPECT_EQ(r.num("CA-HEADER.CA-BUSINESS-DATE"), kBusinessDate);
    EXPECT_EQ(ledger(kChecking), "-341.62");
    EXPECT_EQ(ledger(kTermDeposit), "4141.87");
    EXPECT_EQ(ledger(kLoan), "-5189.16");
    EXPECT_EQ(inquire(accountNumber(10, 9, 9)).rc(), 10);
  }
  // Post, replay, duplicate.
  {
    SCOPED_TRACE("post");
    Reply r = post("ATM0000000000001", kSavings, "C", "100.00");
    ASSERT_EQ(r.rc(), 0) << r.json();
    EXPECT_EQ(r.num("PST-REPLY.PST-POSTING-SEQ"), "1");
    EXPECT_EQ(r.num("PST-REPLY.PST-LEDGER-BALANCE"), "279.19");
    Reply again = post("ATM0000000000001", kSavings, "C", "100.00");
    EXPECT_EQ(again.bytes, r.bytes) << "a replay returns the first reply byte for byte";
    EXPECT_EQ(ledger(kSavings), "279.19");
    Reply dup = post("ATM0000000000001", kSavings, "C", "100.01");
    EXPECT_EQ(dup.rc(), 50) << dup.json();
    EXPECT_EQ(ledger(kSavings), "279.19");

    EXPECT_EQ(post("ATM0000000000002", kSavings, "D", "1000000.00").rc(), 20);
    EXPECT_EQ(post("ATM0000000000003", kSavings, "D", "0").rc(), 40);
    EXPECT_EQ(post("ATM0000000000004", kSavings, "D", "-5.00").rc(), 40);
    EXPECT_EQ(post("ATM0000000000005", kSavings, "X", "5.00").rc(), 60);
    EXPECT_EQ(post("", kSavings, "D", "5.00").rc(), 60);
    EXPECT_EQ(post("ATM0000000000006", accountNumber(10, 9, 9), "D", "5.00").rc(), 10);
    EXPECT_EQ(post("ATM0000000000007", kLoan, "D", "5.00").rc(), 20) << "loans take credits only";
    // A refusal is recorded too: its replay gives the same refusal.
    Reply refused = post("ATM0000000000002", kSavings, "D", "1000000.00");
    EXPECT_EQ(refused.rc(), 20);
    EXPECT_EQ(ledger(kSavings), "279.19");
    // Checking may go into its overdraft: -341.62 - 600 = -941.62 (limit 1000).
    Reply od = post("ATM0000000000008", kChecking, "D", "600.00");
    EXPECT_EQ(od.rc(), 0) << od.json();
    EXPECT_EQ(od.num("PST-REPLY.PST-AVAILABLE-BALANCE"), "-941.62");
    EXPECT_EQ(post("ATM0000000000009", kChecking, "D", "58.39").rc(), 20);
  }
  // Transfer across product lines: savings to loan (a repayment).
  {
    SCOPED_TRACE("transfer");
    Reply r = transfer("HBK0000000000001", kSavings, kLoan, "50.00");
    ASSERT_EQ(r.rc(), 0) << r.json();
    EXPECT_EQ(r.num("XFR-REPLY.XFR-FROM-LEDGER-BALANCE"), "229.19");
    EXPECT_EQ(r.num("XFR-REPLY.XFR-TO-LEDGER-BALANCE"), "-5139.16");
    EXPECT_EQ(r.num("XFR-REPLY.XFR-FROM-POSTING-SEQ"), "2");
    EXPECT_EQ(r.num("XFR-REPLY.XFR-TO-POSTING-SEQ"), "1");
    EXPECT_EQ(transfer("HBK0000000000001", kSavings, kLoan, "50.00").bytes, r.bytes);
    EXPECT_EQ(ledger(kSavings), "229.19");

    Reply nofunds = transfer("HBK0000000000002", kLoan, kSavings, "1.00");
    EXPECT_EQ(nofunds.rc(), 20);
    EXPECT_EQ(nofunds.text("XFR-REPLY.XFR-FAILED-LEG"), "F");
    Reply noto = transfer("HBK0000000000003", kSavings, accountNumber(20, 9, 9), "1.00");
    EXPECT_EQ(noto.rc(), 10);
    EXPECT_EQ(noto.text("XFR-REPLY.XFR-FAILED-LEG"), "T");
    EXPECT_EQ(ledger(kSavings), "229.19") << "a failed leg changes nothing";
    EXPECT_EQ(transfer("HBK0000000000004", kSavings, kSavings, "1.00").rc(), 60);
    EXPECT_EQ(transfer("HBK0000000000005", kSavings, kTermDeposit, "0").rc(), 40);
  }
  // Statement: newest first.
  {
    SCOPED_TRACE("statement");
    Reply r = statement(kSavings, 0);
    ASSERT_EQ(r.rc(), 0) << r.json();
    EXPECT_EQ(r.num("STM-REPLY.STM-POSTING-COUNT"), "2");
    EXPECT_EQ(r.num("STM-REPLY.STM-POSTINGS[1].STM-PST-SEQ"), "2");
    EXPECT_EQ(r.text("STM-REPLY.STM-POSTINGS[1].STM-PST-DR-CR-CODE"), "D");
    EXPECT_EQ(r.num("STM-REPLY.STM-POSTINGS[1].STM-PST-AMOUNT"), "50.00");
    EXPECT_EQ(r.text("STM-REPLY.STM-POSTINGS[1].STM-PST-CHANNEL-TXN-ID"), "HBK0000000000001");
    EXPECT_EQ(r.num("STM-REPLY.STM-POSTINGS[2].STM-PST-RUNNING-BALANCE"), "279.19");
    EXPECT_EQ(r.num("STM-REPLY.STM-POSTINGS[2].STM-PST-TXN-CODE"), "1010");
    EXPECT_EQ(statement(kSavings, 1).num("STM-REPLY.STM-POSTING-COUNT"), "1");
    EXPECT_EQ(statement(kSavings, 11).rc(), 60);
    EXPECT_EQ(statement(accountNumber(10, 9, 9), 5).rc(), 10);
  }
  // Open and close.
  {
    SCOPED_TRACE("open and close");
    // Branch 11 has no seeded accounts: its serials start at 1.
    Reply o = open("TLR0000000000001", "CHKP", 11, "0", "250.00");
    ASSERT_EQ(o.rc(), 0) << o.json();
    const int64_t acct = accountNumber(20, 11, 1);
    EXPECT_EQ(o.num("OPN-REPLY.OPN-ACCT-NUMBER"), std::to_string(acct));
    EXPECT_EQ(open("TLR0000000000001", "CHKP", 11, "0", "250.00").bytes, o.bytes);
    Reply o2 = open("TLR0000000000002", "CHKP", 5, "0");
    EXPECT_EQ(o2.num("OPN-REPLY.OPN-ACCT-NUMBER"), std::to_string(accountNumber(20, 5, 4)))
        << "the next serial after the seeded ones";
    Reply td = open("TLR0000000000003", "TD06", 1, "1000.00");
    ASSERT_EQ(td.rc(), 0) << td.json();
    EXPECT_EQ(td.num("OPN-REPLY.OPN-ACCT-NUMBER"), std::to_string(accountNumber(30, 1, 4)))
        << "the next serial after the seeded ones";
    EXPECT_EQ(td.num("OPN-REPLY.OPN-MATURITY-DATE"), "20270525");
    EXPECT_EQ(td.num("OPN-REPLY.OPN-LEDGER-BALANCE"), "1000.00");
    Reply loan = open("TLR0000000000004", "LNPL", 1, "2500.00");
    EXPECT_EQ(loan.num("OPN-REPLY.OPN-LEDGER-BALANCE"), "-2500.00");
    EXPECT_EQ(loan.num("OPN-REPLY.OPN-LAST-POSTING-SEQ"), "1");
    EXPECT_EQ(open("TLR0000000000005", "XXXX", 1, "0").rc(), 60);
    EXPECT_EQ(open("TLR0000000000006", "TD12", 1, "0").rc(), 40);
    EXPECT_EQ(open("TLR0000000000007", "SAVB", 1, "0", "10.00").rc(), 60);

    Reply c = close("TLR0000000000010", acct);
    ASSERT_EQ(c.rc(), 0) << c.json();
    EXPECT_EQ(c.num("CLS-REPLY.CLS-CLOSE-DATE"), kBusinessDate);
    EXPECT_EQ(inquire(acct).text("INQ-REPLY.INQ-STATUS"), "C");
    EXPECT_EQ(close("TLR0000000000010", acct).bytes, c.bytes);
    EXPECT_EQ(close("TLR0000000000011", acct).rc(), 30);
    EXPECT_EQ(post("TLR0000000000012", acct, "C", "1.00").rc(), 30);
    EXPECT_EQ(transfer("TLR0000000000013", kSavings, acct, "1.00").rc(), 30);
    Reply busy = close("TLR0000000000014", kSavings);
    EXPECT_EQ(busy.rc(), 35);
    EXPECT_EQ(busy.num("CLS-REPLY.CLS-LEDGER-BALANCE"), "229.19");
    EXPECT_EQ(close("TLR0000000000015", accountNumber(10, 9, 9)).rc(), 10);
  }
  // The extract of the business date: every account, today's postings,
  // control totals that match the records.
  {
    SCOPED_TRACE("extract");
    const std::string out = (dir_ / "extract.dat").string();
    ASSERT_EQ(runCommand(bin("EXTRACT") + " " + kBusinessDate + " " + out + " >/dev/null"), 0);
    CodecOptions options;
    options.select = {{"EX-REC-TYPE", {"H"}, "EX-HEADER-BODY"},
                      {"EX-REC-TYPE", {"A"}, "EX-ACCOUNT-BODY"},
                      {"EX-REC-TYPE", {"P"}, "EX-POSTING-BODY"},
                      {"EX-REC-TYPE", {"T"}, "EX-TRAILER-BODY"}};
    auto codec = makeCodec("EXTRREC.cpy", options);
    ASSERT_NE(codec, nullptr);
    auto file = MappedFile::open(out);
    ASSERT_TRUE(file.ok()) << file.status().toString();
    FramingOptions framing;
    framing.format = RecordFormat::kFixedBlocked;
    framing.record_length = 150;
    auto records = readAllRecords(file->view(), framing);
    ASSERT_TRUE(records.ok()) << records.status().toString();
    int accounts = 0, postings = 0;
    int128 balance = 0, debits = 0, credits = 0, hash = 0;
    const Layout& l = codec->layout();
    for (size_t i = 0; i < records->size(); ++i) {
      const auto& bytes = (*records)[i].data;
      Record rec;
      Status st = codec->decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &rec);
      ASSERT_TRUE(st.ok()) << "record " << i + 1 << ": " << st.toString();
      auto cents = [&](const char* path) {
        const Value* v = rec.find(l, path);
        EXPECT_NE(v, nullptr) << path;
        return v == nullptr ? int128{0} : v->number.rescale(2)->unscaled;
      };
      auto whole = [&](const char* path) { return cents(path) / 100; };
      if (i == 0) {
        ASSERT_EQ(bytes[0], 'H');
        EXPECT_TRUE(whole("EX-HEADER-BODY.EXH-BUSINESS-DATE") == int128{20261125});
      } else if (bytes[0] == 'A') {
        ++accounts;
        balance += cents("EX-ACCOUNT-BODY.EXA-LEDGER-BALANCE");
        hash += whole("EX-ACCOUNT-BODY.EXA-ACCT-NUMBER");
      } else if (bytes[0] == 'P') {
        ++postings;
        const Value* dc = rec.find(l, "EX-POSTING-BODY.EXP-DR-CR-CODE");
        ASSERT_NE(dc, nullptr);
        (dc->text == "D" ? debits : credits) += cents("EX-POSTING-BODY.EXP-AMOUNT");
      } else {
        ASSERT_EQ(bytes[0], 'T');
        ASSERT_EQ(i + 1, records->size()) << "the trailer is last";
        EXPECT_TRUE(whole("EX-TRAILER-BODY.EXT-RECORD-COUNT") == int128(records->size()));
        EXPECT_TRUE(whole("EX-TRAILER-BODY.EXT-ACCOUNT-COUNT") == int128{accounts});
        EXPECT_TRUE(whole("EX-TRAILER-BODY.EXT-POSTING-COUNT") == int128{postings});
        EXPECT_TRUE(cents("EX-TRAILER-BODY.EXT-BALANCE-TOTAL") == balance);
        EXPECT_TRUE(cents("EX-TRAILER-BODY.EXT-DEBIT-TOTAL") == debits);
        EXPECT_TRUE(cents("EX-TRAILER-BODY.EXT-CREDIT-TOTAL") == credits);
        EXPECT_TRUE(whole("EX-TRAILER-BODY.EXT-HASH-TOTAL") == hash);
      }
    }
    EXPECT_EQ(accounts, 104) << "100 seeded + 4 opened";
    // 1 credit + 1 overdraft debit + 2 transfer legs + TD deposit + loan disbursement.
    EXPECT_EQ(postings, 6);
    EXPECT_TRUE(debits == int128{60000 + 5000 + 250000});
    EXPECT_TRUE(credits == int128{10000 + 5000 + 100000});
  }
  // Interest: term deposit g=3 at 4.75 %: 4141.87 * 4.75 / 36500 = 0.539...
  // -> 0.54; loan g=4 (LNMT, even g) at 6.50 % on -5139.16: -0.915... -> -0.92.
  {
    SCOPED_TRACE("interest");
    ASSERT_EQ(runCommand(bin("EODINT") + " " + kBusinessDate + " >/dev/null"), 0);
    EXPECT_EQ(inquire(kTermDeposit).num("INQ-REPLY.INQ-ACCRUED-INTEREST"), "0.54");
    EXPECT_EQ(inquire(kLoan).num("INQ-REPLY.INQ-ACCRUED-INTEREST"), "-0.92");
    EXPECT_EQ(inquire(kChecking).num("INQ-REPLY.INQ-ACCRUED-INTEREST"), "0.00");
    EXPECT_EQ(runCommand(bin("EODINT") + " " + kBusinessDate + " 2>/dev/null"), 4)
        << "the same date twice is refused";
    EXPECT_EQ(inquire(kTermDeposit).num("INQ-REPLY.INQ-ACCRUED-INTEREST"), "0.54");
  }
}

}  // namespace
}  // namespace corebridge::mappings

// The demobank pack's six transactions through the Translator against the
// real CoreBankingHandler over an InMemoryLedgerStore: requests built in the
// wire dialect (IBM, cp037) from the copybooks, replies checked field by
// field and, where the data is known, byte for byte against the reply the
// legacy program would have written.
#include "adapters/newcore/translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <thrift/transport/TTransportException.h>

#include "mappings/field_codec.h"
#include "newcore/core_banking_handler.h"
#include "newcore/in_memory_ledger_store.h"
#include "newcore/products.h"

namespace corebridge::adapters::newcore {
namespace {

using mappings::Decimal;
using mappings::Field;
using mappings::Layout;
using mappings::PackTransaction;
using ::testing::HasSubstr;

const std::string kPack = std::string(CB_SOURCE_DIR) + "/mappings/packs/demobank/pack.yaml";
constexpr int32_t kBusinessDate = 20240315;  // Julian 24075

// A COMMAREA of one transaction, read and written by COBOL name (table items
// by occurrence, from 0).
class Area {
 public:
  explicit Area(const PackTransaction& t) : l_(t.layout.get()) {
    bytes_.assign(l_->maxLength(), static_cast<char>(l_->dialect.code_page->space()));
    for (size_t i = 0; i < l_->fields.size(); ++i) {
      const Field& f = l_->fields[i];
      if (!f.isGroup() && f.level != 88 && f.level != 66 && table(static_cast<int>(i)) < 0) {
        EXPECT_TRUE(mappings::encodeInitial(f, l_->dialect, at(f.offset)).ok());
      }
    }
  }
  Area(const PackTransaction& t, std::string bytes)
      : l_(t.layout.get()), bytes_(std::move(bytes)) {}

  Area& set(const std::string& name, const std::string& text, size_t occ = 0) {
    const Field& f = field(name);
    EXPECT_TRUE(mappings::encodeText(f, l_->dialect, text, at(offset(name, occ))).ok()) << name;
    return *this;
  }
  Area& num(const std::string& name, const std::string& value, size_t occ = 0) {
    const Field& f = field(name);
    Result<Decimal> d = Decimal::parse(value);
    EXPECT_TRUE(d.ok()) << value;
    Status st = mappings::encodeNumber(f, l_->dialect, *d, at(offset(name, occ)));
    EXPECT_TRUE(st.ok()) << name << ": " << st.toString();
    return *this;
  }
  std::string text(const std::string& name, size_t occ = 0) const {
    std::string s;
    Status st = mappings::decodeText(
        field(name), l_->dialect,
        reinterpret_cast<const uint8_t*>(bytes_.data()) + offset(name, occ), &s);
    EXPECT_TRUE(st.ok()) << name << ": " << st.toString();
    while (!s.empty() && s.back() == ' ') {
      s.pop_back();
    }
    return s;
  }
  std::string number(const std::string& name, size_t occ = 0) const {
    Decimal d;
    Status st = mappings::decodeNumber(
        field(name), l_->dialect,
        reinterpret_cast<const uint8_t*>(bytes_.data()) + offset(name, occ), &d);
    EXPECT_TRUE(st.ok()) << name << ": " << st.toString();
    return d.toString();
  }
  // The raw bytes of a field (all occurrences of a table from `occ` on).
  std::string raw(const std::string& name) const {
    const Field& f = field(name);
    return bytes_.substr(f.offset, f.totalLength());
  }
  const std::string& bytes() const { return bytes_; }
  std::string& bytes() { return bytes_; }
  size_t offsetOf(const std::string& name) const { return field(name).offset; }

 private:
  const Field& field(const std::string& name) const {
    const int i = l_->find(name);
    EXPECT_NE(i, mappings::kNoIndex) << name;
    return l_->fields[i];
  }
  int table(int i) const {
    for (; i != mappings::kNoIndex; i = l_->fields[i].parent) {
      if (l_->fields[i].has_occurs) {
        return i;
      }
    }
    return -1;
  }
  size_t offset(const std::string& name, size_t occ) const {
    const int i = l_->find(name);
    const int t = table(i);
    return l_->fields[i].offset + (t < 0 ? 0 : occ * l_->fields[t].length);
  }
  uint8_t* at(size_t offset) { return reinterpret_cast<uint8_t*>(bytes_.data() + offset); }

  const Layout* l_;
  std::string bytes_;
};

// The handler, counting calls; optionally failing them as a transport or the
// service would.
class Api : public idl::CoreBankingIf {
 public:
  explicit Api(idl::CoreBankingIf& real) : real_(real) {}
  enum class Fail { kNone, kServiceUnavailable, kTimeout, kBrokenPipe };
  Fail fail = Fail::kNone;
  int calls = 0;

  void getAccount(idl::Account& out, const idl::AccountId& id) override {
    before();
    real_.getAccount(out, id);
  }
  void openAccount(idl::OpenAccountResult& out, const idl::OpenAccountRequest& r) override {
    before();
    last_open = r;
    real_.openAccount(out, r);
  }
  void post(idl::PostingResult& out, const idl::PostingRequest& r) override {
    before();
    last_post = r;
    real_.post(out, r);
  }
  void transfer(idl::TransferResult& out, const idl::TransferRequest& r) override {
    before();
    last_transfer = r;
    real_.transfer(out, r);
  }
  void getStatement(idl::Statement& out, const idl::AccountId& id, int32_t n) override {
    before();
    real_.getStatement(out, id, n);
  }
  void closeAccount(idl::CloseAccountResult& out, const idl::CloseAccountRequest& r) override {
    before();
    last_close = r;
    real_.closeAccount(out, r);
  }
  void upsertSnapshots(idl::UpsertResult& out,
                       const std::vector<idl::AccountSnapshot>& s) override {
    real_.upsertSnapshots(out, s);
  }
  void extractAccounts(idl::ExtractPage& out, const idl::ExtractRequest& r) override {
    real_.extractAccounts(out, r);
  }

  idl::OpenAccountRequest last_open;
  idl::PostingRequest last_post;
  idl::TransferRequest last_transfer;
  idl::CloseAccountRequest last_close;

 private:
  void before() {
    ++calls;
    using apache::thrift::transport::TTransportException;
    switch (fail) {
      case Fail::kNone:
        return;
      case Fail::kServiceUnavailable: {
        idl::ServiceUnavailable e;
        e.message = "store down";
        throw e;
      }
      case Fail::kTimeout:
        throw TTransportException(TTransportException::TIMED_OUT, "timed out");
      case Fail::kBrokenPipe:
        throw TTransportException(TTransportException::NOT_OPEN, "broken pipe");
    }
  }
  idl::CoreBankingIf& real_;
};

class TranslatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::shared_ptr<const mappings::Pack>> pack = mappings::loadPack(kPack);
    ASSERT_TRUE(pack.ok()) << pack.status().toString();
    pack_ = *pack;
    Result<std::unique_ptr<Translator>> t = Translator::create(pack_);
    ASSERT_TRUE(t.ok()) << t.status().toString();
    translator_ = std::move(*t);
  }

  const PackTransaction& txn(const char* trancode) { return *pack_->find(trancode); }

  // A request with the header every channel fills, and the business date
  // the bridge passes.
  Area request(const char* trancode, const std::string& txn_id) {
    Area a(txn(trancode));
    a.set("CA-TXN-ID", txn_id).set("CA-CHANNEL-CODE", "TLR").set("CA-TERMINAL-ID", "T0001");
    a.num("CA-BUSINESS-DATE", std::to_string(kBusinessDate));
    return a;
  }

  Area call(const char* trancode, const Area& req,
            std::optional<std::string_view> primary = std::nullopt) {
    Result<std::string> r = translator_->call(txn(trancode), req.bytes(), api_, primary);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return Area(txn(trancode), r.ok() ? *r : req.bytes());
  }

  std::string open(const std::string& txn_id, const std::string& product, const std::string& amount,
                   const std::string& overdraft = "0") {
    Area req = request("ACCTOPEN", txn_id);
    req.set("OPN-PRODUCT-CODE", product)
        .num("OPN-BRANCH", "1")
        .num("OPN-CUSTOMER-ID", "1000000001");
    req.set("OPN-CURRENCY", "USD").num("OPN-INITIAL-AMOUNT", amount);
    req.num("OPN-OVERDRAFT-LIMIT", overdraft);
    Area reply = call("ACCTOPEN", req);
    EXPECT_EQ(reply.number("CA-RETURN-CODE"), "0") << reply.text("CA-REASON-TEXT");
    std::string id = reply.number("OPN-ACCT-NUMBER");
    id.insert(0, 12 - id.size(), '0');
    return id;
  }

  Area post(const std::string& txn_id, const std::string& account, const char* dc,
            const std::string& amount, const std::string& description = "CASH") {
    Area req = request("ACCTPOST", txn_id);
    req.num("PST-ACCT-NUMBER", account).set("PST-DR-CR-CODE", dc).num("PST-TXN-CODE", "0");
    req.num("PST-AMOUNT", amount).set("PST-DESCRIPTION", description);
    return call("ACCTPOST", req);
  }

  // An account as a backfill would load it: any status and balances.
  void snapshot(const std::string& id, idl::ProductLine::type line, const std::string& product,
                idl::AccountStatus::type status, int64_t ledger, int64_t accrued = 0,
                int32_t holds = 0) {
    idl::AccountSnapshot s;
    idl::Account& a = s.account;
    a.account_id = id;
    a.product_line = line;
    a.product_code = product;
    a.customer_id = 1000000002;
    a.status = status;
    for (idl::Money* m :
         {&a.ledger_balance, &a.available_balance, &a.overdraft_limit, &a.accrued_interest}) {
      m->currency = "USD";
    }
    a.ledger_balance.minor_units = ledger;
    a.available_balance.minor_units = ledger;
    a.accrued_interest.minor_units = accrued;
    a.interest_rate_pct_micros = 1250000;
    a.open_date = 20200101;
    a.hold_count = holds;
    a.last_posting_seq = 7;
    s.watermark = 7;
    idl::UpsertResult r;
    handler_.upsertSnapshots(r, {s});
  }

  corebridge::newcore::InMemoryLedgerStore store_;
  corebridge::newcore::CoreBankingHandler handler_{store_};
  Api api_{handler_};
  std::shared_ptr<const mappings::Pack> pack_;
  std::unique_ptr<Translator> translator_;
};

// --- ACCTOPEN ---------------------------------------------------------------

TEST_F(TranslatorTest, OpenIsByteIdenticalToLegacy) {
  Area req = request("ACCTOPEN", "OPEN-0001");
  req.set("OPN-PRODUCT-CODE", "SAVB").num("OPN-BRANCH", "1").num("OPN-CUSTOMER-ID", "1000000001");
  req.set("OPN-CURRENCY", "USD").num("OPN-INITIAL-AMOUNT", "250.00");
  Area reply = call("ACCTOPEN", req);
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0") << reply.text("CA-REASON-TEXT");
  const std::string id = corebridge::newcore::makeAccountNumber(idl::ProductLine::SAVINGS, 1, 1);
  EXPECT_EQ(api_.last_open.idempotency_key, "OPEN-0001");
  EXPECT_EQ(api_.last_open.business_date, kBusinessDate);
  EXPECT_EQ(api_.last_open.channel.code, "TLR");
  EXPECT_EQ(api_.last_open.channel.terminal_id, "T0001");
  EXPECT_FALSE(api_.last_open.__isset.account_id);
  EXPECT_EQ(api_.last_open.initial_amount.minor_units, 25000);
  EXPECT_EQ(api_.last_open.initial_amount.currency, "USD");

  // What CBOPEN writes: header filled, OPN-REPLY from the new master.
  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "");
  legacy.num("OPN-ACCT-NUMBER", id).num("OPN-OPEN-DATE", "20240315").num("OPN-MATURITY-DATE", "0");
  legacy.num("OPN-INTEREST-RATE", "1.250000").num("OPN-LEDGER-BALANCE", "250.00");
  legacy.num("OPN-LAST-POSTING-SEQ", "1");
  EXPECT_EQ(reply.bytes(), legacy.bytes());
  EXPECT_EQ(reply.text("CA-TXN-ID"), "OPEN-0001");
  EXPECT_EQ(reply.text("CA-TERMINAL-ID"), "T0001");
}

TEST_F(TranslatorTest, OpenTermDepositHasMaturity) {
  Area req = request("ACCTOPEN", "OPEN-TD");
  req.set("OPN-PRODUCT-CODE", "TD12").num("OPN-BRANCH", "7").num("OPN-CUSTOMER-ID", "1000000001");
  req.set("OPN-CURRENCY", "USD").num("OPN-INITIAL-AMOUNT", "5000.00");
  Area reply = call("ACCTOPEN", req);
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0");
  EXPECT_EQ(reply.number("OPN-MATURITY-DATE"), "20250315");
  EXPECT_EQ(reply.number("OPN-INTEREST-RATE"), "4.750000");
  EXPECT_EQ(reply.number("OPN-ACCT-NUMBER").substr(0, 5), "30007");
}

TEST_F(TranslatorTest, SecondaryOpenTakesLegacyNumber) {
  const std::string legacy_id =
      corebridge::newcore::makeAccountNumber(idl::ProductLine::CHECKING, 12, 345);
  Area req = request("ACCTOPEN", "OPEN-0002");
  req.set("OPN-PRODUCT-CODE", "CHKP").num("OPN-BRANCH", "12").num("OPN-CUSTOMER-ID", "1000000009");
  req.set("OPN-CURRENCY", "USD").num("OPN-INITIAL-AMOUNT", "0").num("OPN-OVERDRAFT-LIMIT", "500");
  Area primary = req;
  primary.num("CA-RETURN-CODE", "0").num("CA-BUSINESS-DATE", "20240316");
  primary.num("OPN-ACCT-NUMBER", legacy_id);
  Area reply = call("ACCTOPEN", req, primary.bytes());
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0") << reply.text("CA-REASON-TEXT");
  EXPECT_EQ(api_.last_open.account_id, legacy_id);
  EXPECT_EQ(api_.last_open.business_date, 20240316) << "the primary's business date wins";
  EXPECT_EQ(reply.number("OPN-ACCT-NUMBER"), legacy_id);
  EXPECT_EQ(reply.number("OPN-OPEN-DATE"), "20240316");
  EXPECT_EQ(reply.number("CA-BUSINESS-DATE"), "20240316");
  EXPECT_EQ(reply.number("OPN-LAST-POSTING-SEQ"), "0");
}

TEST_F(TranslatorTest, OpenRefusalsUseLegacyReasons) {
  struct Case {
    const char* product;
    const char* amount;
    const char* overdraft;
    const char* code;
    const char* reason;
  };
  for (const Case& c : {Case{"XXXX", "1.00", "0", "60", "UNKNOWN PRODUCT CODE"},
                        Case{"TD12", "0", "0", "40", "AMOUNT REQUIRED FOR THIS PRODUCT"},
                        Case{"SAVB", "1.00", "10.00", "60", "OVERDRAFT ONLY ON CHECKING"},
                        Case{"CHKP", "1.00", "-1.00", "60", "OVERDRAFT LIMIT NEGATIVE"}}) {
    Area req = request("ACCTOPEN", std::string("OPEN-") + c.product + c.overdraft);
    req.set("OPN-PRODUCT-CODE", c.product).num("OPN-BRANCH", "1");
    req.num("OPN-CUSTOMER-ID", "1000000001").set("OPN-CURRENCY", "USD");
    req.num("OPN-INITIAL-AMOUNT", c.amount).num("OPN-OVERDRAFT-LIMIT", c.overdraft);
    req.num("OPN-ACCT-NUMBER", "999");  // garbage in the reply area: zeroed, as CBOPEN does
    Area reply = call("ACCTOPEN", req);
    EXPECT_EQ(reply.number("CA-RETURN-CODE"), std::to_string(std::stoi(c.code))) << c.product;
    EXPECT_EQ(reply.text("CA-REASON-TEXT"), c.reason);
    Area legacy = req;
    legacy.num("CA-RETURN-CODE", c.code).set("CA-REASON-TEXT", c.reason);
    legacy.num("OPN-ACCT-NUMBER", "0");
    EXPECT_EQ(reply.bytes(), legacy.bytes()) << c.reason;
  }
  Area req = request("ACCTOPEN", "OPEN-CUR");
  req.set("OPN-PRODUCT-CODE", "SAVB").num("OPN-BRANCH", "1").set("OPN-CURRENCY", "");
  EXPECT_EQ(call("ACCTOPEN", req).text("CA-REASON-TEXT"), "CURRENCY MISSING");
  req = request("ACCTOPEN", "OPEN-BR");
  req.set("OPN-PRODUCT-CODE", "SAVB").num("OPN-BRANCH", "0").set("OPN-CURRENCY", "USD");
  EXPECT_EQ(call("ACCTOPEN", req).text("CA-REASON-TEXT"), "BRANCH MUST BE 001 TO 999");
}

TEST_F(TranslatorTest, BlankTxnIdLeavesReplyAsReceived) {
  Area req = request("ACCTOPEN", "");
  req.set("OPN-PRODUCT-CODE", "SAVB").num("OPN-BRANCH", "1").set("OPN-CURRENCY", "USD");
  req.num("OPN-ACCT-NUMBER", "123");
  Area reply = call("ACCTOPEN", req);
  EXPECT_EQ(reply.number("CA-RETURN-CODE"), "60");
  EXPECT_EQ(reply.text("CA-REASON-TEXT"), "TXN ID MISSING");
  EXPECT_EQ(reply.number("OPN-ACCT-NUMBER"), "123");
}

TEST_F(TranslatorTest, ReplayAndDuplicate) {
  const std::string id = open("OPEN-R", "SAVB", "100.00");
  Area first = post("POST-R", id, "C", "10.00");
  Area again = post("POST-R", id, "C", "10.00");
  EXPECT_EQ(again.bytes(), first.bytes()) << "a replay answers the first reply";
  Area other = request("ACCTPOST", "POST-R");
  other.num("PST-ACCT-NUMBER", id).set("PST-DR-CR-CODE", "D").num("PST-AMOUNT", "5.00");
  other.num("PST-POSTING-SEQ", "77");
  Area dup = call("ACCTPOST", other);
  EXPECT_EQ(dup.number("CA-RETURN-CODE"), "50");
  EXPECT_EQ(dup.text("CA-REASON-TEXT"), "TXN ID USED FOR ANOTHER REQUEST");
  EXPECT_EQ(dup.number("PST-POSTING-SEQ"), "77") << "reply area left as received";
  Area legacy = other;
  legacy.num("CA-RETURN-CODE", "50").set("CA-REASON-TEXT", "TXN ID USED FOR ANOTHER REQUEST");
  EXPECT_EQ(dup.bytes(), legacy.bytes());
}

// --- ACCTINQ ----------------------------------------------------------------

TEST_F(TranslatorTest, InquiryIsByteIdenticalToLegacy) {
  const std::string id = open("OPEN-I", "CHKP", "75.50", "1000.00");
  Area req = request("ACCTINQ", "INQ-1");
  req.num("INQ-ACCT-NUMBER", id);
  const int calls = api_.calls;
  Area reply = call("ACCTINQ", req);
  EXPECT_EQ(api_.calls, calls + 1);
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0");
  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "");
  legacy.set("INQ-PRODUCT-CODE", "CHKP").num("INQ-CUSTOMER-ID", "1000000001");
  legacy.set("INQ-STATUS", "A").set("INQ-CURRENCY", "USD");
  legacy.num("INQ-LEDGER-BALANCE", "75.50").num("INQ-AVAILABLE-BALANCE", "75.50");
  legacy.num("INQ-OVERDRAFT-LIMIT", "1000.00").num("INQ-ACCRUED-INTEREST", "0");
  legacy.num("INQ-INTEREST-RATE", "0").num("INQ-OPEN-DATE", "20240315");
  legacy.num("INQ-MATURITY-DATE", "0").num("INQ-CLOSE-DATE", "0");
  legacy.num("INQ-LAST-POSTING-SEQ", "1").num("INQ-HOLD-COUNT", "0");
  // INQ-LAST-ACTIVITY-DATE: not kept by the new core (a noise rule); legacy
  // would show 24075 here.
  legacy.num("INQ-LAST-ACTIVITY-DATE", "0");
  EXPECT_EQ(reply.bytes(), legacy.bytes());
}

TEST_F(TranslatorTest, InquiryStatusCodesAndNotFound) {
  const std::string frozen = corebridge::newcore::makeAccountNumber(idl::ProductLine::LOAN, 3, 9);
  snapshot(frozen, idl::ProductLine::LOAN, "LNPL", idl::AccountStatus::FROZEN, -123456);
  Area req = request("ACCTINQ", "INQ-2");
  req.num("INQ-ACCT-NUMBER", frozen);
  Area reply = call("ACCTINQ", req);
  EXPECT_EQ(reply.text("INQ-STATUS"), "F");
  EXPECT_EQ(reply.number("INQ-LEDGER-BALANCE"), "-1234.56");
  EXPECT_EQ(reply.number("INQ-AVAILABLE-BALANCE"), "-1234.56");
  EXPECT_EQ(reply.number("INQ-LAST-POSTING-SEQ"), "7");

  req.num("INQ-ACCT-NUMBER", "100010000999");
  reply = call("ACCTINQ", req);
  EXPECT_EQ(reply.number("CA-RETURN-CODE"), "10");
  EXPECT_EQ(reply.text("CA-REASON-TEXT"), "ACCOUNT NOT FOUND");
  Area legacy(txn("ACCTINQ"), req.bytes());
  legacy.num("CA-RETURN-CODE", "10").set("CA-REASON-TEXT", "ACCOUNT NOT FOUND");
  EXPECT_EQ(reply.bytes(), legacy.bytes());

  req.num("INQ-ACCT-NUMBER", "990010000999");  // no such product line: legacy finds nothing
  EXPECT_EQ(call("ACCTINQ", req).number("CA-RETURN-CODE"), "10");
}

// --- ACCTPOST ---------------------------------------------------------------

TEST_F(TranslatorTest, PostIsByteIdenticalToLegacy) {
  const std::string id = open("OPEN-P", "SAVB", "100.00");
  Area req = request("ACCTPOST", "POST-1");
  req.num("PST-ACCT-NUMBER", id).set("PST-DR-CR-CODE", "D").num("PST-TXN-CODE", "0");
  req.num("PST-AMOUNT", "30.25").set("PST-DESCRIPTION", "ATM WITHDRAWAL");
  Area reply = call("ACCTPOST", req);
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0") << reply.text("CA-REASON-TEXT");
  EXPECT_EQ(api_.last_post.direction, idl::Direction::DEBIT);
  EXPECT_EQ(api_.last_post.amount.minor_units, 3025);
  EXPECT_EQ(api_.last_post.description, "ATM WITHDRAWAL");
  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "");
  legacy.num("PST-POSTING-SEQ", "2").num("PST-LEDGER-BALANCE", "69.75");
  legacy.num("PST-AVAILABLE-BALANCE", "69.75").num("PST-LAST-ACTIVITY-DATE", "24075");
  EXPECT_EQ(reply.bytes(), legacy.bytes());
}

// The watermark rule (docs/backfill.md): the secondary call of a write
// carries legacy's posting sequence from its reply, when legacy answered 00.
TEST_F(TranslatorTest, SecondaryWritesCarryLegacysPostingSequences) {
  const std::string id = corebridge::newcore::makeAccountNumber(idl::ProductLine::SAVINGS, 9, 1);
  snapshot(id, idl::ProductLine::SAVINGS, "SAVB", idl::AccountStatus::ACTIVE, 10000);  // seq 7
  Area req = request("ACCTPOST", "WM-POST-1");
  req.num("PST-ACCT-NUMBER", id).set("PST-DR-CR-CODE", "C").num("PST-TXN-CODE", "0");
  req.num("PST-AMOUNT", "5.00").set("PST-DESCRIPTION", "CASH");
  // Legacy posted it as 7: the snapshot already holds it.
  Area primary = req;
  primary.num("CA-RETURN-CODE", "0").num("PST-POSTING-SEQ", "7");
  Area reply = call("ACCTPOST", req, primary.bytes());
  ASSERT_EQ(reply.number("CA-RETURN-CODE"), "0") << reply.text("CA-REASON-TEXT");
  ASSERT_TRUE(api_.last_post.__isset.source_posting_seq);
  EXPECT_EQ(api_.last_post.source_posting_seq, 7);
  EXPECT_EQ(reply.number("PST-POSTING-SEQ"), "7");
  EXPECT_EQ(reply.number("PST-LEDGER-BALANCE"), "100.00") << "included: nothing moved";
  // As 8: applied, numbered as legacy did.
  req.set("CA-TXN-ID", "WM-POST-2");
  primary = req;
  primary.num("CA-RETURN-CODE", "0").num("PST-POSTING-SEQ", "8");
  reply = call("ACCTPOST", req, primary.bytes());
  EXPECT_EQ(reply.number("PST-POSTING-SEQ"), "8");
  EXPECT_EQ(reply.number("PST-LEDGER-BALANCE"), "105.00");
  // A refusal's reply shows the master's last sequence, not a posting: none sent.
  req.set("CA-TXN-ID", "WM-POST-3");
  primary = req;
  primary.num("CA-RETURN-CODE", "20").num("PST-POSTING-SEQ", "8");
  call("ACCTPOST", req, primary.bytes());
  EXPECT_FALSE(api_.last_post.__isset.source_posting_seq);
  // No primary (the new core is primary): none either.
  post("WM-POST-4", id, "C", "1.00");
  EXPECT_FALSE(api_.last_post.__isset.source_posting_seq);
  // Legacy's 12 while the new core holds 9: postings 10 and 11 are missing.
  req.set("CA-TXN-ID", "WM-POST-5");
  primary = req;
  primary.num("CA-RETURN-CODE", "0").num("PST-POSTING-SEQ", "12");
  Result<std::string> gap = translator_->call(txn("ACCTPOST"), req.bytes(), api_, primary.bytes());
  EXPECT_EQ(gap.status().code(), StatusCode::kUnavailable) << gap.status().toString();
  // Legacy posted to an account the backfill has not loaded yet: a call to
  // retry later (the bridge's repair queue), not a reply to compare.
  Area early = request("ACCTPOST", "WM-POST-6");
  early.num("PST-ACCT-NUMBER", "100010000999").set("PST-DR-CR-CODE", "C").num("PST-TXN-CODE", "0");
  early.num("PST-AMOUNT", "1.00").set("PST-DESCRIPTION", "CASH");
  Area early_primary = early;
  early_primary.num("CA-RETURN-CODE", "0").num("PST-POSTING-SEQ", "3");
  Result<std::string> not_loaded =
      translator_->call(txn("ACCTPOST"), early.bytes(), api_, early_primary.bytes());
  EXPECT_EQ(not_loaded.status().code(), StatusCode::kUnavailable) << not_loaded.status().toString();
  EXPECT_NE(not_loaded.status().message().find("not loaded yet"), std::string::npos);

  // Transfers carry both legs; closes say legacy closed.
  const std::string to = corebridge::newcore::makeAccountNumber(idl::ProductLine::CHECKING, 9, 1);
  snapshot(to, idl::ProductLine::CHECKING, "CHKP", idl::AccountStatus::ACTIVE, 0);
  Area x = request("ACCTXFER", "WM-XFER");
  x.num("XFR-FROM-ACCT", id).num("XFR-TO-ACCT", to).num("XFR-AMOUNT", "1.00");
  Area xp = x;
  xp.num("CA-RETURN-CODE", "0").num("XFR-FROM-POSTING-SEQ", "10").num("XFR-TO-POSTING-SEQ", "8");
  Area xr = call("ACCTXFER", x, xp.bytes());
  ASSERT_EQ(xr.number("CA-RETURN-CODE"), "0") << xr.text("CA-REASON-TEXT");
  EXPECT_EQ(api_.last_transfer.source_from_posting_seq, 10);
  EXPECT_EQ(api_.last_transfer.source_to_posting_seq, 8);
  Area c = request("ACCTCLOS", "WM-CLOSE");
  c.num("CLS-ACCT-NUMBER", to);
  Area cp = c;
  cp.num("CA-RETURN-CODE", "0");
  call("ACCTCLOS", c, cp.bytes());
  EXPECT_TRUE(api_.last_close.__isset.source_closed && api_.last_close.source_closed);
}

TEST_F(TranslatorTest, PostRefusals) {
  const std::string id = open("OPEN-PR", "CHKB", "10.00", "20.00");
  Area r = post("POST-NSF", id, "D", "30.01");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "20");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "INSUFFICIENT FUNDS");
  // CBPOST shows the master's balances and sequence beside a 20.
  EXPECT_EQ(r.number("PST-POSTING-SEQ"), "1");
  EXPECT_EQ(r.number("PST-LEDGER-BALANCE"), "10.00");
  EXPECT_EQ(r.number("PST-AVAILABLE-BALANCE"), "10.00");

  r = post("POST-NF", "200010000999", "C", "1.00");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "10");
  EXPECT_EQ(r.number("PST-LEDGER-BALANCE"), "0.00");

  r = post("POST-ZERO", id, "C", "0");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "40");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "AMOUNT MUST BE POSITIVE");

  const int calls = api_.calls;
  r = post("POST-DC", id, "X", "1.00");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "60");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "DR/CR CODE MUST BE D OR C");
  EXPECT_EQ(api_.calls, calls) << "answered without a call";

  const std::string frozen =
      corebridge::newcore::makeAccountNumber(idl::ProductLine::SAVINGS, 2, 5);
  snapshot(frozen, idl::ProductLine::SAVINGS, "SAVB", idl::AccountStatus::FROZEN, 5000);
  r = post("POST-FRZ", frozen, "C", "1.00");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "30");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "ACCOUNT NOT POSTABLE, STATUS F");
  EXPECT_EQ(r.number("PST-LEDGER-BALANCE"), "50.00");
  EXPECT_EQ(r.number("PST-POSTING-SEQ"), "7");

  const std::string closed =
      corebridge::newcore::makeAccountNumber(idl::ProductLine::SAVINGS, 2, 6);
  snapshot(closed, idl::ProductLine::SAVINGS, "SAVB", idl::AccountStatus::CLOSED, 0);
  r = post("POST-CLS", closed, "C", "1.00");
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "30");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "ACCOUNT CLOSED");
}

// --- ACCTXFER ---------------------------------------------------------------

TEST_F(TranslatorTest, TransferAndItsLegs) {
  const std::string from = open("OPEN-XF", "SAVP", "100.00");
  const std::string to = open("OPEN-XT", "LNPL", "500.00");
  auto xfer = [&](const std::string& id, const std::string& a, const std::string& b,
                  const std::string& amount) {
    Area req = request("ACCTXFER", id);
    req.num("XFR-FROM-ACCT", a).num("XFR-TO-ACCT", b).num("XFR-AMOUNT", amount);
    req.set("XFR-DESCRIPTION", "LOAN REPAYMENT");
    return std::make_pair(req, call("ACCTXFER", req));
  };
  auto [req, r] = xfer("XFER-1", from, to, "40.00");
  ASSERT_EQ(r.number("CA-RETURN-CODE"), "0") << r.text("CA-REASON-TEXT");
  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "").set("XFR-FAILED-LEG", "");
  legacy.num("XFR-FROM-POSTING-SEQ", "2").num("XFR-FROM-LEDGER-BALANCE", "60.00");
  legacy.num("XFR-TO-POSTING-SEQ", "2").num("XFR-TO-LEDGER-BALANCE", "-460.00");
  EXPECT_EQ(r.bytes(), legacy.bytes());

  r = xfer("XFER-2", from, to, "60.01").second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "20");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "FROM INSUFFICIENT FUNDS");
  EXPECT_EQ(r.text("XFR-FAILED-LEG"), "F");
  EXPECT_EQ(r.number("XFR-FROM-LEDGER-BALANCE"), "0.00");

  r = xfer("XFER-3", from, "200010000999", "1.00").second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "10");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "TO ACCOUNT NOT FOUND");
  EXPECT_EQ(r.text("XFR-FAILED-LEG"), "T");

  r = xfer("XFER-4", to, from, "1.00").second;  // a loan takes no debit
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "FROM INSUFFICIENT FUNDS");

  r = xfer("XFER-5", from, from, "1.00").second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "60");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "FROM AND TO ACCOUNT ARE THE SAME");
  EXPECT_EQ(r.text("XFR-FAILED-LEG"), "");
}

// --- ACCTSTMT ---------------------------------------------------------------

TEST_F(TranslatorTest, StatementNewestFirstRestSpaces) {
  const std::string id = open("OPEN-S", "SAVB", "100.00");
  post("POST-S1", id, "D", "10.00", "FIRST");
  post("POST-S2", id, "C", "2.50", "SECOND");
  Area req = request("ACCTSTMT", "STMT-1");
  req.num("STM-ACCT-NUMBER", id).num("STM-MAX-POSTINGS", "2");
  Area r = call("ACCTSTMT", req);
  ASSERT_EQ(r.number("CA-RETURN-CODE"), "0") << r.text("CA-REASON-TEXT");
  EXPECT_EQ(r.bytes().size(), 1150u);

  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "");
  legacy.num("STM-LEDGER-BALANCE", "92.50").num("STM-AVAILABLE-BALANCE", "92.50");
  legacy.num("STM-LAST-POSTING-SEQ", "3").num("STM-POSTING-COUNT", "2");
  legacy.num("STM-PST-SEQ", "3", 0).num("STM-PST-BUSINESS-DATE", "20240315", 0);
  legacy.num("STM-PST-TXN-CODE", "1010", 0).set("STM-PST-DR-CR-CODE", "C", 0);
  legacy.num("STM-PST-AMOUNT", "2.50", 0).num("STM-PST-RUNNING-BALANCE", "92.50", 0);
  legacy.set("STM-PST-CHANNEL-TXN-ID", "POST-S2", 0).set("STM-PST-DESCRIPTION", "SECOND", 0);
  legacy.num("STM-PST-SEQ", "2", 1).num("STM-PST-BUSINESS-DATE", "20240315", 1);
  legacy.num("STM-PST-TXN-CODE", "1001", 1).set("STM-PST-DR-CR-CODE", "D", 1);
  legacy.num("STM-PST-AMOUNT", "10.00", 1).num("STM-PST-RUNNING-BALANCE", "90.00", 1);
  legacy.set("STM-PST-CHANNEL-TXN-ID", "POST-S1", 1).set("STM-PST-DESCRIPTION", "FIRST", 1);
  EXPECT_EQ(r.bytes(), legacy.bytes());
  const size_t entry = legacy.offsetOf("STM-PST-SEQ") + 2 * 101;  // 101 bytes an entry
  EXPECT_EQ(r.bytes().substr(entry), std::string(1150 - entry, '\x40'))
      << "entries past the count are EBCDIC spaces";

  req.num("STM-MAX-POSTINGS", "0");  // 0 = 10: all three
  EXPECT_EQ(call("ACCTSTMT", req).number("STM-POSTING-COUNT"), "3");

  const int calls = api_.calls;
  req.num("STM-MAX-POSTINGS", "11");
  r = call("ACCTSTMT", req);
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "60");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "MAX POSTINGS ABOVE 10");
  EXPECT_EQ(r.number("STM-POSTING-COUNT"), "0");
  EXPECT_EQ(api_.calls, calls);

  req.num("STM-ACCT-NUMBER", "100010000999").num("STM-MAX-POSTINGS", "5");
  EXPECT_EQ(call("ACCTSTMT", req).number("CA-RETURN-CODE"), "10");
}

// --- ACCTCLOS ---------------------------------------------------------------

TEST_F(TranslatorTest, CloseRules) {
  const std::string id = open("OPEN-C", "SAVB", "12.34");
  auto close = [&](const std::string& txn_id, const std::string& account) {
    Area req = request("ACCTCLOS", txn_id);
    req.num("CLS-ACCT-NUMBER", account);
    return std::make_pair(req, call("ACCTCLOS", req));
  };
  Area r = close("CLOSE-1", id).second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "35");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "LEDGER BALANCE NOT ZERO");
  EXPECT_EQ(r.number("CLS-LEDGER-BALANCE"), "12.34");
  EXPECT_EQ(r.number("CLS-CLOSE-DATE"), "0");

  post("POST-C", id, "D", "12.34");
  auto [req, ok] = close("CLOSE-2", id);
  ASSERT_EQ(ok.number("CA-RETURN-CODE"), "0") << ok.text("CA-REASON-TEXT");
  Area legacy = req;
  legacy.num("CA-RETURN-CODE", "0").set("CA-REASON-TEXT", "");
  legacy.num("CLS-CLOSE-DATE", "20240315").num("CLS-LEDGER-BALANCE", "0");
  legacy.num("CLS-ACCRUED-INTEREST", "0");
  EXPECT_EQ(ok.bytes(), legacy.bytes());

  r = close("CLOSE-3", id).second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "30");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "ACCOUNT ALREADY CLOSED");
  EXPECT_EQ(r.number("CLS-CLOSE-DATE"), "20240315") << "from the account read after the refusal";

  const std::string accrued =
      corebridge::newcore::makeAccountNumber(idl::ProductLine::TERM_DEPOSIT, 4, 4);
  snapshot(accrued, idl::ProductLine::TERM_DEPOSIT, "TD12", idl::AccountStatus::ACTIVE, 0, 321);
  r = close("CLOSE-4", accrued).second;
  EXPECT_EQ(r.number("CA-RETURN-CODE"), "35");
  EXPECT_EQ(r.text("CA-REASON-TEXT"), "ACCRUED INTEREST NOT ZERO");
  EXPECT_EQ(r.number("CLS-ACCRUED-INTEREST"), "3.21");

  const std::string held = corebridge::newcore::makeAccountNumber(idl::ProductLine::SAVINGS, 4, 8);
  snapshot(held, idl::ProductLine::SAVINGS, "SAVB", idl::AccountStatus::ACTIVE, 0, 0, 2);
  EXPECT_EQ(close("CLOSE-5", held).second.text("CA-REASON-TEXT"), "HOLDS ON ACCOUNT");

  EXPECT_EQ(close("CLOSE-6", "100010000999").second.number("CA-RETURN-CODE"), "10");
}

// --- what cannot be translated ------------------------------------------------

TEST_F(TranslatorTest, BadPackedFieldIsInvalidArgumentAndNothingCalled) {
  Area req = request("ACCTPOST", "POST-BAD");
  req.num("PST-ACCT-NUMBER", "100010000011").set("PST-DR-CR-CODE", "C");
  const size_t at = req.offsetOf("PST-AMOUNT");
  req.bytes()[at] = '\xAB';  // digit nibbles A and B
  Result<std::string> r = translator_->call(txn("ACCTPOST"), req.bytes(), api_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("PST-AMOUNT"));
  EXPECT_THAT(r.status().message(), HasSubstr("offset " + std::to_string(at)));
  EXPECT_EQ(api_.calls, 0);
}

TEST_F(TranslatorTest, UnknownTrancodeAndShortCommarea) {
  Area req = request("ACCTINQ", "X");
  Result<std::string> r = translator_->call("ACCTNONE", req.bytes(), api_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("ACCTNONE"));
  r = translator_->call("ACCTINQ ", req.bytes().substr(0, 100), api_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api_.calls, 0);
}

TEST_F(TranslatorTest, ServiceAndTransportFailuresAreStatuses) {
  Area req = request("ACCTINQ", "INQ-F");
  req.num("INQ-ACCT-NUMBER", "100010000011");
  api_.fail = Api::Fail::kServiceUnavailable;
  EXPECT_EQ(translator_->call(txn("ACCTINQ"), req.bytes(), api_).status().code(),
            StatusCode::kUnavailable);
  api_.fail = Api::Fail::kBrokenPipe;
  EXPECT_EQ(translator_->call(txn("ACCTINQ"), req.bytes(), api_).status().code(),
            StatusCode::kUnavailable);
  api_.fail = Api::Fail::kTimeout;
  EXPECT_EQ(translator_->call(txn("ACCTINQ"), req.bytes(), api_).status().code(),
            StatusCode::kDeadlineExceeded);
}

TEST(TranslatorCreateTest, RefusesAnApiFieldTheCallLacks) {
  Result<std::shared_ptr<const mappings::Pack>> loaded = mappings::loadPack(kPack);
  ASSERT_TRUE(loaded.ok());
  auto pack = std::make_shared<mappings::Pack>(**loaded);
  mappings::PackTransaction& post = pack->transactions[2];
  ASSERT_EQ(post.trancode, "ACCTPOST");
  post.request[3].api = "acount_id";
  Result<std::unique_ptr<Translator>> t = Translator::create(pack);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("pack.yaml:"));
  EXPECT_THAT(t.status().message(), HasSubstr("'acount_id'"));

  pack = std::make_shared<mappings::Pack>(**loaded);
  pack->transactions[2].outcomes.erase("InsufficientFunds");
  t = Translator::create(pack);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("no outcome for InsufficientFunds"));
}

}  // namespace
}  // namespace corebridge::adapters::newcore

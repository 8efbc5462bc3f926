// CoreBankingHandler over every LedgerStore: the in-memory store and the SQL
// store on SQLite, a real PostgreSQL and a real MariaDB server (started on
// loopback by tests/support, see docs/testing-databases.md). Every operation
// and exception of idl/corebanking.thrift, idempotent replay, conflicts,
// concurrency, the backfill watermark and the paged extract; on the SQL
// stores also double entry (the trial balance) after each test.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "adapters/odbc/connection.h"
#include "newcore/core_banking_handler.h"
#include "newcore/in_memory_ledger_store.h"
#include "newcore/products.h"
#include "newcore/sql_ledger_store.h"
#include "tests/adapters/odbc_targets.h"

namespace corebridge::newcore {
namespace {

idl::Money usd(int64_t minor) {
  idl::Money m;
  m.minor_units = minor;
  m.currency = "USD";
  return m;
}

idl::OpenAccountRequest openReq(const std::string& key, const std::string& product, int64_t initial,
                                int32_t branch = 1) {
  idl::OpenAccountRequest r;
  r.idempotency_key = key;
  r.product_code = product;
  r.branch = branch;
  r.customer_id = 1000000001;
  r.initial_amount = usd(initial);
  r.__set_business_date(20261125);
  return r;
}

idl::PostingRequest postReq(const std::string& key, const std::string& account,
                            idl::Direction::type dir, int64_t amount) {
  idl::PostingRequest r;
  r.idempotency_key = key;
  r.account_id = account;
  r.direction = dir;
  r.amount = usd(amount);
  r.__set_description("CASH");
  r.__set_business_date(20261125);
  return r;
}

idl::TransferRequest xferReq(const std::string& key, const std::string& from, const std::string& to,
                             int64_t amount) {
  idl::TransferRequest r;
  r.idempotency_key = key;
  r.from_account_id = from;
  r.to_account_id = to;
  r.amount = usd(amount);
  return r;
}

idl::CloseAccountRequest closeReq(const std::string& key, const std::string& account) {
  idl::CloseAccountRequest r;
  r.idempotency_key = key;
  r.account_id = account;
  r.__set_business_date(20261130);
  return r;
}

idl::AccountSnapshot snapshot(const std::string& id, const std::string& product, int64_t balance,
                              int64_t watermark) {
  idl::AccountSnapshot s;
  idl::Account& a = s.account;
  a.account_id = id;
  a.product_line = *productLineOfPrefix(id);
  a.product_code = product;
  a.customer_id = 1000000007;
  a.status = idl::AccountStatus::ACTIVE;
  a.ledger_balance = usd(balance);
  a.available_balance = usd(balance);
  a.overdraft_limit = usd(0);
  a.accrued_interest = usd(0);
  a.open_date = 20200101;
  s.watermark = watermark;
  return s;
}

// Runs `f` and returns the exception of type E it throws (fails otherwise).
template <typename E, typename F>
E expectThrow(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another exception: " << e.what();
    return E();
  }
  ADD_FAILURE() << "did not throw";
  return E();
}

// "memory" and the ODBC targets: sqlite, postgres, mariadb.
std::vector<std::string> storeTargets() {
  std::vector<std::string> targets = {"memory"};
  for (const std::string& t : adapters::odbc::testing::odbcTestTargets()) {
    targets.push_back(t);
  }
  return targets;
}

// Drops what a previous test in this process left, so each test starts from
// an empty ledger at the newest schema.
void dropSchema(const std::string& connection_string) {
  auto c = adapters::odbc::Connection::open(connection_string);
  ASSERT_TRUE(c.ok()) << c.status().toString();
  for (const char* table : {"nc_idempotency_keys", "nc_postings", "nc_gl_postings",
                            "nc_account_serials", "nc_accounts", "nc_schema_migrations"}) {
    ASSERT_TRUE((*c)->execute(std::string("DROP TABLE IF EXISTS ") + table).ok()) << table;
  }
}

class HandlerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      memory_ = std::make_unique<InMemoryLedgerStore>();
      store_ = memory_.get();
    } else {
      auto cs = adapters::odbc::testing::odbcConnectionString(GetParam());
      ASSERT_TRUE(cs.ok()) << cs.status().toString();
      ASSERT_NO_FATAL_FAILURE(dropSchema(*cs));
      SqlStoreOptions options;
      options.pool_size = 10;
      auto sql = SqlLedgerStore::open(*cs, options);
      ASSERT_TRUE(sql.ok()) << sql.status().toString();
      sql_ = std::move(*sql);
      store_ = sql_.get();
    }
    handler_ = std::make_unique<CoreBankingHandler>(*store_);
  }
  void TearDown() override {
    if (sql_ != nullptr) {
      // Double entry: customer balances and GL legs sum to zero.
      auto totals = sql_->trialBalance();
      ASSERT_TRUE(totals.ok()) << totals.status().toString();
      for (const auto& [currency, total] : *totals) {
        EXPECT_EQ(total, 0) << "trial balance in " << currency;
      }
    }
  }
  size_t keyCount() {
    if (memory_ != nullptr) {
      return memory_->keyCount();
    }
    auto n = sql_->keyCount();
    EXPECT_TRUE(n.ok()) << n.status().toString();
    return n.ok() ? *n : 0;
  }

  std::string open(const std::string& key, const std::string& product, int64_t initial) {
    idl::OpenAccountResult r;
    handler_->openAccount(r, openReq(key, product, initial));
    return r.account.account_id;
  }
  idl::Account account(const std::string& id) {
    idl::Account a;
    handler_->getAccount(a, id);
    return a;
  }
  idl::PostingResult post(const std::string& key, const std::string& id, idl::Direction::type d,
                          int64_t amount) {
    idl::PostingResult r;
    handler_->post(r, postReq(key, id, d, amount));
    return r;
  }

  std::unique_ptr<InMemoryLedgerStore> memory_;
  std::unique_ptr<SqlLedgerStore> sql_;
  LedgerStore* store_ = nullptr;
  std::unique_ptr<CoreBankingHandler> handler_;
};

TEST_P(HandlerTest, OpenAssignsALegacyNumberAndPostsTheOpeningDeposit) {
  const std::string id = open("K-OPEN-1", "SAVB", 10000);
  EXPECT_EQ(id.substr(0, 11), "10001000001");
  EXPECT_EQ(id[11], luhnCheckDigit(id.substr(0, 11)));
  const idl::Account a = account(id);
  EXPECT_EQ(a.product_line, idl::ProductLine::SAVINGS);
  EXPECT_EQ(a.status, idl::AccountStatus::ACTIVE);
  EXPECT_EQ(a.ledger_balance.minor_units, 10000);
  EXPECT_EQ(a.ledger_balance.currency, "USD");
  EXPECT_EQ(a.interest_rate_pct_micros, 1'250'000);
  EXPECT_EQ(a.open_date, 20261125);
  EXPECT_EQ(a.last_posting_seq, 1);
  idl::Statement s;
  handler_->getStatement(s, id, 0);
  ASSERT_EQ(s.postings.size(), 1u);
  EXPECT_EQ(s.postings[0].txn_code, 1002);
  EXPECT_EQ(s.postings[0].direction, idl::Direction::CREDIT);
  EXPECT_EQ(s.postings[0].idempotency_key, "K-OPEN-1");
  EXPECT_EQ(open("K-OPEN-2", "SAVP", 0).substr(0, 11), "10001000002");
}

TEST_P(HandlerTest, OpenLoanDisbursesAndTermDepositMatures) {
  const idl::Account loan = account(open("K-LOAN", "LNPL", 500000));
  EXPECT_EQ(loan.ledger_balance.minor_units, -500000);
  idl::Statement s;
  handler_->getStatement(s, loan.account_id, 1);
  ASSERT_EQ(s.postings.size(), 1u);
  EXPECT_EQ(s.postings[0].txn_code, 2050);
  EXPECT_EQ(s.postings[0].direction, idl::Direction::DEBIT);
  const idl::Account td = account(open("K-TD", "TD06", 100000));
  EXPECT_EQ(td.maturity_date, 20270525);
}

TEST_P(HandlerTest, OpenWithTheNumberLegacyAssigned) {
  idl::OpenAccountRequest r = openReq("K-DW-OPEN", "CHKP", 0);
  r.__set_account_id(makeAccountNumber(idl::ProductLine::CHECKING, 7, 42));
  r.__set_overdraft_limit(usd(100000));
  idl::OpenAccountResult out;
  handler_->openAccount(out, r);
  EXPECT_EQ(out.account.account_id, r.account_id);
  EXPECT_EQ(out.account.overdraft_limit.minor_units, 100000);
  r.idempotency_key = "K-DW-OPEN-2";
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->openAccount(out, r); }).field,
            "account_id");
}

TEST_P(HandlerTest, OpenRejectsBadRequestsAndRecordsNothing) {
  idl::OpenAccountResult out;
  auto field = [&](idl::OpenAccountRequest r) {
    return expectThrow<idl::InvalidRequest>([&] { handler_->openAccount(out, r); }).field;
  };
  EXPECT_EQ(field(openReq("K1", "XXXX", 0)), "product_code");
  EXPECT_EQ(field(openReq("K1", "TD12", 0)), "initial_amount.minor_units");
  EXPECT_EQ(field(openReq("K1", "SAVB", -1)), "initial_amount.minor_units");
  EXPECT_EQ(field(openReq("K1", "SAVB", 0, 0)), "branch");
  idl::OpenAccountRequest r = openReq("K1", "SAVB", 0);
  r.__set_overdraft_limit(usd(100));
  EXPECT_EQ(field(r), "overdraft_limit");
  r = openReq("K1", "SAVB", 0);
  r.__set_account_id(makeAccountNumber(idl::ProductLine::LOAN, 1, 1));
  EXPECT_EQ(field(r), "account_id");
  r = openReq("", "SAVB", 0);
  EXPECT_EQ(field(r), "idempotency_key");
  r = openReq("K1", "SAVB", 0);
  r.initial_amount.currency = "usd";
  EXPECT_EQ(field(r), "initial_amount.currency");
  EXPECT_EQ(keyCount(), 0u);
  idl::ExtractRequest x;
  x.product_line = idl::ProductLine::SAVINGS;
  x.limit = 10;
  idl::ExtractPage page;
  handler_->extractAccounts(page, x);
  EXPECT_TRUE(page.accounts.empty());
}

TEST_P(HandlerTest, PostsCreditsAndDebitsWithGaplessSequences) {
  const std::string id = open("K-O", "SAVB", 10000);
  idl::PostingResult r = post("K-P1", id, idl::Direction::CREDIT, 2550);
  EXPECT_EQ(r.posting_seq, 2);
  EXPECT_EQ(r.ledger_balance.minor_units, 12550);
  EXPECT_EQ(r.available_balance.minor_units, 12550);
  r = post("K-P2", id, idl::Direction::DEBIT, 12550);
  EXPECT_EQ(r.posting_seq, 3);
  EXPECT_EQ(r.ledger_balance.minor_units, 0);
  idl::Statement s;
  handler_->getStatement(s, id, 10);
  ASSERT_EQ(s.postings.size(), 3u);
  EXPECT_EQ(s.postings[0].seq, 3);
  EXPECT_EQ(s.postings[0].txn_code, 1001);
  EXPECT_EQ(s.postings[0].running_balance.minor_units, 0);
  EXPECT_EQ(s.postings[1].txn_code, 1010);
  EXPECT_EQ(s.postings[2].seq, 1);
}

TEST_P(HandlerTest, DebitNeedsAvailablePlusOverdraft) {
  idl::OpenAccountRequest o = openReq("K-O", "CHKP", 1000);
  o.__set_overdraft_limit(usd(5000));
  idl::OpenAccountResult opened;
  handler_->openAccount(opened, o);
  const std::string id = opened.account.account_id;
  EXPECT_EQ(post("K-P1", id, idl::Direction::DEBIT, 6000).ledger_balance.minor_units, -5000);
  const auto e =
      expectThrow<idl::InsufficientFunds>([&] { post("K-P2", id, idl::Direction::DEBIT, 1); });
  EXPECT_EQ(e.account_id, id);
  EXPECT_EQ(e.available_balance.minor_units, -5000);
  EXPECT_EQ(e.overdraft_limit.minor_units, 5000);
  EXPECT_EQ(e.requested.minor_units, 1);
  EXPECT_EQ(account(id).ledger_balance.minor_units, -5000);
  // A loan takes repayments only.
  const std::string loan = open("K-L", "LNMT", 100000);
  expectThrow<idl::InsufficientFunds>([&] { post("K-P3", loan, idl::Direction::DEBIT, 1); });
  EXPECT_EQ(post("K-P4", loan, idl::Direction::CREDIT, 100000).ledger_balance.minor_units, 0);
}

TEST_P(HandlerTest, BadPostingsGetTypedErrorsAndChangeNothing) {
  const std::string id = open("K-O", "SAVB", 10000);
  const size_t keys = keyCount();
  idl::PostingResult out;
  auto field = [&](const idl::PostingRequest& r) {
    return expectThrow<idl::InvalidRequest>([&] { handler_->post(out, r); }).field;
  };
  EXPECT_EQ(field(postReq("K1", id, idl::Direction::CREDIT, -5)), "amount.minor_units");
  EXPECT_EQ(field(postReq("K1", id, idl::Direction::CREDIT, 0)), "amount.minor_units");
  idl::PostingRequest r = postReq("K1", id, idl::Direction::CREDIT, 5);
  r.amount.currency = "EUR";
  EXPECT_EQ(field(r), "amount.currency");
  r = postReq("K1", id, idl::Direction::CREDIT, 5);
  r.__set_description(std::string(41, 'x'));
  EXPECT_EQ(field(r), "description");
  r.__set_description(std::string(40, 'x'));
  EXPECT_NO_THROW(handler_->post(out, r));
  EXPECT_EQ(field(postReq("K2", "550010000017", idl::Direction::CREDIT, 5)), "account_id");
  EXPECT_EQ(field(postReq("K2", "10001", idl::Direction::CREDIT, 5)), "account_id");
  EXPECT_EQ(field(postReq(std::string(17, 'K'), id, idl::Direction::CREDIT, 5)), "idempotency_key");
  EXPECT_EQ(field(postReq("   ", id, idl::Direction::CREDIT, 5)), "idempotency_key");
  r = postReq("K2", id, idl::Direction::CREDIT, 5);
  r.__set_txn_code(2001);
  EXPECT_EQ(field(r), "txn_code");
  r = postReq("K2", id, static_cast<idl::Direction::type>(7), 5);
  EXPECT_EQ(field(r), "direction");
  r = postReq("K2", id, idl::Direction::CREDIT, kMaxMinorUnits);
  EXPECT_EQ(field(r), "amount");  // the balance would overflow S9(13)V99

  EXPECT_EQ(account(id).ledger_balance.minor_units, 10005);
  EXPECT_EQ(account(id).last_posting_seq, 2);
  EXPECT_EQ(keyCount(), keys + 1);
  // The rejected key is still free.
  EXPECT_EQ(post("K2", id, idl::Direction::CREDIT, 5).posting_seq, 3);
}

TEST_P(HandlerTest, UnknownAccountIsNotFound) {
  const std::string missing = makeAccountNumber(idl::ProductLine::SAVINGS, 9, 9);
  EXPECT_EQ(expectThrow<idl::NotFound>([&] { account(missing); }).account_id, missing);
  EXPECT_EQ(expectThrow<idl::NotFound>([&] {
              post("K1", missing, idl::Direction::CREDIT, 5);
            }).account_id,
            missing);
  idl::Statement s;
  expectThrow<idl::NotFound>([&] { handler_->getStatement(s, missing, 5); });
}

TEST_P(HandlerTest, ReplayReturnsTheFirstResultAndAppliesOnce) {
  const std::string id = open("K-O", "SAVB", 0);
  const idl::PostingResult first = post("K-P", id, idl::Direction::CREDIT, 700);
  post("K-Q", id, idl::Direction::CREDIT, 300);
  const idl::PostingResult again = post("K-P", id, idl::Direction::CREDIT, 700);
  EXPECT_EQ(again, first);
  EXPECT_EQ(again.ledger_balance.minor_units, 700);  // the first answer, not today's balance
  EXPECT_EQ(account(id).ledger_balance.minor_units, 1000);
  EXPECT_EQ(account(id).last_posting_seq, 2);
  // Opening replays the same account rather than opening a second one.
  idl::OpenAccountResult o1;
  idl::OpenAccountResult o2;
  handler_->openAccount(o1, openReq("K-O2", "CHKB", 0));
  handler_->openAccount(o2, openReq("K-O2", "CHKB", 0));
  EXPECT_EQ(o1.account.account_id, o2.account.account_id);
}

TEST_P(HandlerTest, RefusalsAreRecordedAndReplayed) {
  const std::string id = open("K-O", "SAVB", 100);
  expectThrow<idl::InsufficientFunds>([&] { post("K-D", id, idl::Direction::DEBIT, 500); });
  post("K-C", id, idl::Direction::CREDIT, 1000);
  // As the legacy TXNLOG does: the same key answers the same refusal.
  expectThrow<idl::InsufficientFunds>([&] { post("K-D", id, idl::Direction::DEBIT, 500); });
  EXPECT_EQ(account(id).ledger_balance.minor_units, 1100);
}

TEST_P(HandlerTest, AKeyReusedWithOtherContentIsAConflict) {
  const std::string id = open("K-O", "SAVB", 0);
  post("K-P", id, idl::Direction::CREDIT, 700);
  auto e =
      expectThrow<idl::IdempotencyConflict>([&] { post("K-P", id, idl::Direction::CREDIT, 701); });
  EXPECT_EQ(e.idempotency_key, "K-P");
  const std::string other = open("K-O2", "CHKP", 0);
  idl::TransferResult t;
  expectThrow<idl::IdempotencyConflict>(
      [&] { handler_->transfer(t, xferReq("K-P", id, other, 1)); });
  expectThrow<idl::IdempotencyConflict>([&] { post("K-O", id, idl::Direction::CREDIT, 700); });
  EXPECT_EQ(account(id).ledger_balance.minor_units, 700);
  EXPECT_EQ(account(other).ledger_balance.minor_units, 0);
}

TEST_P(HandlerTest, TransfersAcrossProductLines) {
  const std::string sav = open("K-S", "SAVB", 10000);
  const std::string loan = open("K-L", "LNPL", 50000);
  idl::TransferResult t;
  handler_->transfer(t, xferReq("K-X", sav, loan, 4000));
  EXPECT_EQ(t.from_posting_seq, 2);
  EXPECT_EQ(t.from_ledger_balance.minor_units, 6000);
  EXPECT_EQ(t.to_posting_seq, 2);
  EXPECT_EQ(t.to_ledger_balance.minor_units, -46000);
  idl::Statement s;
  handler_->getStatement(s, loan, 1);
  EXPECT_EQ(s.postings[0].txn_code, 2001);
  EXPECT_EQ(s.postings[0].idempotency_key, "K-X");

  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] {
              handler_->transfer(t, xferReq("K-Y", sav, sav, 1));
            }).field,
            "to_account_id");
  const auto funds = expectThrow<idl::InsufficientFunds>(
      [&] { handler_->transfer(t, xferReq("K-Y", sav, loan, 6001)); });
  EXPECT_EQ(funds.account_id, sav);
  const std::string missing = makeAccountNumber(idl::ProductLine::CHECKING, 1, 99);
  EXPECT_EQ(expectThrow<idl::NotFound>([&] {
              handler_->transfer(t, xferReq("K-Z", sav, missing, 1));
            }).account_id,
            missing);
  EXPECT_EQ(account(sav).ledger_balance.minor_units, 6000);
  EXPECT_EQ(account(loan).ledger_balance.minor_units, -46000);
}

TEST_P(HandlerTest, StatementIsTheLastNNewestFirst) {
  const std::string id = open("K-O", "SAVB", 0);
  for (int i = 1; i <= 15; ++i) {
    post("K-" + std::to_string(i), id, idl::Direction::CREDIT, i);
  }
  idl::Statement s;
  handler_->getStatement(s, id, 0);
  ASSERT_EQ(s.postings.size(), 10u);
  EXPECT_EQ(s.postings.front().seq, 15);
  EXPECT_EQ(s.postings.back().seq, 6);
  handler_->getStatement(s, id, 3);
  ASSERT_EQ(s.postings.size(), 3u);
  EXPECT_EQ(s.postings[2].amount.minor_units, 13);
  EXPECT_EQ(s.account.ledger_balance.minor_units, 120);
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->getStatement(s, id, 101); }).field,
            "max_postings");
}

TEST_P(HandlerTest, CloseNeedsZeroBalancesAndIsFinal) {
  const std::string id = open("K-O", "SAVB", 500);
  idl::CloseAccountResult c;
  const auto nz =
      expectThrow<idl::BalanceNotZero>([&] { handler_->closeAccount(c, closeReq("K-C1", id)); });
  EXPECT_EQ(nz.ledger_balance.minor_units, 500);
  post("K-D", id, idl::Direction::DEBIT, 500);
  handler_->closeAccount(c, closeReq("K-C2", id));
  EXPECT_EQ(c.close_date, 20261130);
  EXPECT_EQ(account(id).status, idl::AccountStatus::CLOSED);
  idl::CloseAccountResult again;
  handler_->closeAccount(again, closeReq("K-C2", id));
  EXPECT_EQ(again, c);
  EXPECT_EQ(expectThrow<idl::AccountClosed>([&] {
              handler_->closeAccount(c, closeReq("K-C3", id));
            }).status,
            idl::AccountStatus::CLOSED);
  expectThrow<idl::AccountClosed>([&] { post("K-P", id, idl::Direction::CREDIT, 1); });
  idl::TransferResult t;
  const std::string other = open("K-O2", "SAVB", 100);
  EXPECT_EQ(expectThrow<idl::AccountClosed>([&] {
              handler_->transfer(t, xferReq("K-X", other, id, 1));
            }).account_id,
            id);
  EXPECT_EQ(account(other).ledger_balance.minor_units, 100);
}

TEST_P(HandlerTest, ConcurrentPostingsToOneAccountLoseNoUpdate) {
  const std::string id = open("K-O", "CHKP", 1'000'000);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "T" + std::to_string(t) + "-" + std::to_string(i);
        // Even: credit 3; odd: debit 1. Every 10th is sent twice (a retry).
        const auto dir = i % 2 == 0 ? idl::Direction::CREDIT : idl::Direction::DEBIT;
        const int64_t amount = i % 2 == 0 ? 3 : 1;
        try {
          idl::PostingResult first;
          handler_->post(first, postReq(key, id, dir, amount));
          if (i % 10 == 0) {
            idl::PostingResult replay;
            handler_->post(replay, postReq(key, id, dir, amount));
            if (!(replay == first)) {
              failures++;
            }
          }
        } catch (...) {
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  const idl::Account a = account(id);
  EXPECT_EQ(a.ledger_balance.minor_units, 1'000'000 + kThreads * (kPerThread / 2) * (3 - 1));
  EXPECT_EQ(a.last_posting_seq, 1 + kThreads * kPerThread);
}

// Many clients at once on the same few accounts: postings and transfers in
// both directions, every call retried with its key a random number of times
// (a channel that lost the reply) and some transfers refused for funds. In
// the end each account's balance is its opening amount plus exactly the
// acknowledged effects, it holds one posting per acknowledged leg (no key
// applied twice) and money is conserved; on the SQL stores TearDown checks
// double entry too.
TEST_P(HandlerTest, ConcurrentPostingsAndTransfersConserveMoney) {
  constexpr int kAccounts = 4;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::vector<std::string> ids;
  for (int i = 0; i < kAccounts; ++i) {
    ids.push_back(open("K-OPEN-" + std::to_string(i), i % 2 == 0 ? "SAVB" : "CHKP", 5'000));
  }
  struct Tally {
    std::vector<int64_t> delta = std::vector<int64_t>(kAccounts, 0);
    std::vector<int64_t> legs = std::vector<int64_t>(kAccounts, 0);
    int refused = 0;
    int errors = 0;
  };
  std::vector<Tally> tallies(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Tally& tally = tallies[t];
      uint32_t rng = 2654435761u * static_cast<uint32_t>(t + 1);
      auto next = [&rng](uint32_t n) {
        rng = rng * 1103515245u + 12345u;
        return (rng >> 8) % n;
      };
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "C" + std::to_string(t) + "-" + std::to_string(i);
        const int retries = static_cast<int>(next(3));
        const int a = static_cast<int>(next(kAccounts));
        const int64_t amount = 1 + static_cast<int64_t>(next(900));
        try {
          if (next(2) == 0) {
            const auto dir = next(2) == 0 ? idl::Direction::CREDIT : idl::Direction::DEBIT;
            idl::PostingResult first;
            idl::PostingResult again;
            bool acknowledged = true;
            for (int r = 0; r <= retries; ++r) {
              try {
                handler_->post(r == 0 ? first : again, postReq(key, ids[a], dir, amount));
              } catch (const idl::InsufficientFunds&) {
                acknowledged = false;
              }
              if (r > 0 && acknowledged && !(again == first)) {
                tally.errors++;
              }
            }
            if (acknowledged) {
              tally.delta[a] += dir == idl::Direction::CREDIT ? amount : -amount;
              tally.legs[a] += 1;
            } else {
              tally.refused++;
            }
          } else {
            const int b = (a + 1 + static_cast<int>(next(kAccounts - 1))) % kAccounts;
            idl::TransferResult first;
            idl::TransferResult again;
            bool acknowledged = true;
            for (int r = 0; r <= retries; ++r) {
              try {
                handler_->transfer(r == 0 ? first : again, xferReq(key, ids[a], ids[b], amount));
              } catch (const idl::InsufficientFunds&) {
                acknowledged = false;
              }
              if (r > 0 && acknowledged && !(again == first)) {
                tally.errors++;
              }
            }
            if (acknowledged) {
              tally.delta[a] -= amount;
              tally.delta[b] += amount;
              tally.legs[a] += 1;
              tally.legs[b] += 1;
            } else {
              tally.refused++;
            }
          }
        } catch (const std::exception& e) {
          tally.errors++;
          ADD_FAILURE() << key << ": " << e.what();
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  int64_t total = 0;
  int64_t expected_total = 0;
  for (int i = 0; i < kAccounts; ++i) {
    int64_t delta = 0;
    int64_t legs = 0;
    for (const Tally& tally : tallies) {
      EXPECT_EQ(tally.errors, 0);
      delta += tally.delta[i];
      legs += tally.legs[i];
    }
    const idl::Account a = account(ids[i]);
    EXPECT_EQ(a.ledger_balance.minor_units, 5'000 + delta) << ids[i];
    EXPECT_EQ(a.last_posting_seq, 1 + legs) << ids[i];
    idl::Statement st;
    handler_->getStatement(st, ids[i], 100);
    for (size_t k = 1; k < st.postings.size(); ++k) {
      EXPECT_EQ(st.postings[k - 1].seq, st.postings[k].seq + 1) << ids[i];
    }
    total += a.ledger_balance.minor_units;
    expected_total += 5'000 + delta;
  }
  EXPECT_EQ(total, expected_total);
  EXPECT_EQ(keyCount(), static_cast<size_t>(kAccounts + kThreads * kPerThread));
}

TEST_P(HandlerTest, SnapshotUpsertMeetsDualWriteAtTheWatermark) {
  const std::string id = makeAccountNumber(idl::ProductLine::SAVINGS, 3, 17);
  idl::UpsertResult r;
  handler_->upsertSnapshots(r, {snapshot(id, "SAVB", 10000, 41)});
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].outcome, idl::SnapshotOutcome::CREATED);
  EXPECT_EQ(r.results[0].stored_watermark, 41);
  // A dual-written posting continues the legacy numbering.
  EXPECT_EQ(post("K-DW", id, idl::Direction::CREDIT, 500).posting_seq, 42);
  // The load's snapshot taken before that posting is stale: ignored, reported.
  handler_->upsertSnapshots(r, {snapshot(id, "SAVB", 10000, 41)});
  EXPECT_EQ(r.results[0].outcome, idl::SnapshotOutcome::IGNORED_STALE);
  EXPECT_EQ(r.results[0].stored_watermark, 42);
  EXPECT_EQ(account(id).ledger_balance.minor_units, 10500);
  // A newer one (legacy moved on) replaces the master fields.
  handler_->upsertSnapshots(r, {snapshot(id, "SAVB", 12345, 45)});
  EXPECT_EQ(r.results[0].outcome, idl::SnapshotOutcome::UPDATED);
  EXPECT_EQ(account(id).ledger_balance.minor_units, 12345);
  EXPECT_EQ(post("K-DW2", id, idl::Direction::CREDIT, 5).posting_seq, 46);
  // An assigned number skips serials the backfill took.
  idl::OpenAccountResult o;
  idl::OpenAccountRequest req = openReq("K-NEW", "SAVB", 0, 3);
  handler_->upsertSnapshots(
      r, {snapshot(makeAccountNumber(idl::ProductLine::SAVINGS, 3, 1), "SAVB", 0, 0)});
  handler_->openAccount(o, req);
  EXPECT_EQ(o.account.account_id, makeAccountNumber(idl::ProductLine::SAVINGS, 3, 2));
}

// The other half of the watermark: a dual-written posting carries the
// sequence legacy gave it, and the new core skips it when a snapshot already
// includes it, applies it when it is the next one, and refuses it (nothing
// recorded) when a posting before it is missing.
TEST_P(HandlerTest, SourceSequencedPostingIsSkippedAppliedOrRefusedAtTheWatermark) {
  const std::string id = makeAccountNumber(idl::ProductLine::SAVINGS, 4, 1);
  idl::UpsertResult u;
  handler_->upsertSnapshots(u, {snapshot(id, "SAVB", 10000, 41)});
  const size_t keys = keyCount();
  auto sourced = [&](const std::string& key, int64_t amount, int64_t seq) {
    idl::PostingRequest r = postReq(key, id, idl::Direction::CREDIT, amount);
    r.__set_source_posting_seq(seq);
    return r;
  };
  idl::PostingResult out;
  // Legacy posted 41 before the extract was taken: already in the snapshot.
  handler_->post(out, sourced("K-41", 700, 41));
  EXPECT_EQ(out.posting_seq, 41);
  EXPECT_EQ(out.ledger_balance.minor_units, 10000);
  EXPECT_EQ(account(id).ledger_balance.minor_units, 10000);
  EXPECT_EQ(account(id).last_posting_seq, 41);
  EXPECT_EQ(keyCount(), keys + 1) << "recorded, so that a retry replays";
  // 43 before 42: a posting is missing; nothing recorded, retry later.
  const std::string gap = expectThrow<idl::ServiceUnavailable>([&] {
                            handler_->post(out, sourced("K-43", 30, 43));
                          }).message;
  EXPECT_NE(gap.find("watermark"), std::string::npos) << gap;
  EXPECT_EQ(keyCount(), keys + 1);
  // The next one applies and gets exactly legacy's number; then 43 does.
  handler_->post(out, sourced("K-42", 500, 42));
  EXPECT_EQ(out.posting_seq, 42);
  EXPECT_EQ(out.ledger_balance.minor_units, 10500);
  handler_->post(out, sourced("K-43", 30, 43));
  EXPECT_EQ(out.posting_seq, 43);
  EXPECT_EQ(account(id).ledger_balance.minor_units, 10530);
  // Replays answer the first reply, whatever the account did since.
  handler_->post(out, sourced("K-41", 700, 41));
  EXPECT_EQ(out.posting_seq, 41);
  EXPECT_EQ(out.ledger_balance.minor_units, 10000);
  handler_->post(out, sourced("K-42", 500, 42));
  EXPECT_EQ(out.ledger_balance.minor_units, 10500);
  EXPECT_EQ(account(id).last_posting_seq, 43);
  // Sequences outside legacy's picture are malformed.
  EXPECT_EQ(
      expectThrow<idl::InvalidRequest>([&] { handler_->post(out, sourced("K-0", 1, 0)); }).field,
      "source_posting_seq");
  // An included posting answers even when the account can no longer post.
  idl::AccountSnapshot frozen = snapshot(id, "SAVB", 10530, 44);
  frozen.account.status = idl::AccountStatus::FROZEN;
  handler_->upsertSnapshots(u, {frozen});
  handler_->post(out, sourced("K-44", 1, 44));
  EXPECT_EQ(out.posting_seq, 44);
  EXPECT_EQ(
      expectThrow<idl::AccountClosed>([&] { handler_->post(out, sourced("K-45", 1, 45)); }).status,
      idl::AccountStatus::FROZEN);
}

TEST_P(HandlerTest, SourceSequencedWriteToAnAccountNotLoadedYetIsRetriedAfterItsSnapshot) {
  const std::string id = makeAccountNumber(idl::ProductLine::CHECKING, 4, 2);
  idl::PostingRequest r = postReq("K-EARLY", id, idl::Direction::CREDIT, 250);
  r.__set_source_posting_seq(8);
  idl::PostingResult out;
  EXPECT_EQ(expectThrow<idl::NotFound>([&] { handler_->post(out, r); }).account_id, id);
  EXPECT_EQ(keyCount(), 0u) << "not recorded: the retry decides afresh";
  // Without a source sequence a missing account stays a recorded refusal.
  expectThrow<idl::NotFound>(
      [&] { handler_->post(out, postReq("K-PLAIN", id, idl::Direction::CREDIT, 1)); });
  EXPECT_EQ(keyCount(), 1u);
  // The snapshot was taken before the posting: the retry applies it.
  idl::UpsertResult u;
  handler_->upsertSnapshots(u, {snapshot(id, "CHKP", 1000, 7)});
  handler_->post(out, r);
  EXPECT_EQ(out.posting_seq, 8);
  EXPECT_EQ(account(id).ledger_balance.minor_units, 1250);
  // Taken after it (another account): the retry is skipped.
  const std::string later = makeAccountNumber(idl::ProductLine::CHECKING, 4, 3);
  r.idempotency_key = "K-EARLY-2";
  r.account_id = later;
  r.__set_source_posting_seq(3);
  expectThrow<idl::NotFound>([&] { handler_->post(out, r); });
  handler_->upsertSnapshots(u, {snapshot(later, "CHKP", 1250, 3)});
  handler_->post(out, r);
  EXPECT_EQ(out.posting_seq, 3);
  EXPECT_EQ(account(later).ledger_balance.minor_units, 1250);
  EXPECT_EQ(account(later).last_posting_seq, 3);
}

TEST_P(HandlerTest, SourceSequencedTransferDecidesEachLegOnItsOwnAccount) {
  const std::string a = makeAccountNumber(idl::ProductLine::SAVINGS, 5, 1);
  const std::string b = makeAccountNumber(idl::ProductLine::CHECKING, 5, 1);
  idl::UpsertResult u;
  // Legacy moved 100 from a (its posting 11) to b (its posting 21); the
  // extract caught a after the debit and b before the credit.
  handler_->upsertSnapshots(u, {snapshot(a, "SAVB", 900, 11), snapshot(b, "CHKP", 0, 20)});
  idl::TransferRequest r = xferReq("K-X1", a, b, 100);
  r.__set_source_from_posting_seq(11);
  r.__set_source_to_posting_seq(21);
  idl::TransferResult out;
  handler_->transfer(out, r);
  EXPECT_EQ(out.from_posting_seq, 11);
  EXPECT_EQ(out.from_ledger_balance.minor_units, 900);
  EXPECT_EQ(out.to_posting_seq, 21);
  EXPECT_EQ(out.to_ledger_balance.minor_units, 100);
  EXPECT_EQ(account(a).last_posting_seq, 11);
  EXPECT_EQ(account(b).last_posting_seq, 21);
  // Both legs next: applied as usual.
  r = xferReq("K-X2", a, b, 50);
  r.__set_source_from_posting_seq(12);
  r.__set_source_to_posting_seq(22);
  handler_->transfer(out, r);
  EXPECT_EQ(out.from_posting_seq, 12);
  EXPECT_EQ(out.to_posting_seq, 22);
  EXPECT_EQ(account(a).ledger_balance.minor_units, 850);
  EXPECT_EQ(account(b).ledger_balance.minor_units, 150);
  // A gap on either leg refuses the whole transfer, recording nothing.
  r = xferReq("K-X3", a, b, 5);
  r.__set_source_from_posting_seq(13);
  r.__set_source_to_posting_seq(24);
  expectThrow<idl::ServiceUnavailable>([&] { handler_->transfer(out, r); });
  EXPECT_EQ(account(a).last_posting_seq, 12);
  // Both included: nothing moves, the reply shows the accounts as they are.
  r = xferReq("K-X4", a, b, 5);
  r.__set_source_from_posting_seq(12);
  r.__set_source_to_posting_seq(22);
  handler_->transfer(out, r);
  EXPECT_EQ(out.from_ledger_balance.minor_units, 850);
  EXPECT_EQ(out.to_ledger_balance.minor_units, 150);
  r = xferReq("K-X5", a, b, 5);
  r.__set_source_from_posting_seq(13);
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->transfer(out, r); }).field,
            "source_to_posting_seq");
}

TEST_P(HandlerTest, SourceOpenAndCloseMeetTheBackfill) {
  const std::string id = makeAccountNumber(idl::ProductLine::SAVINGS, 6, 1);
  // Legacy opened it with a deposit (its posting 1), then the extract caught it.
  idl::UpsertResult u;
  handler_->upsertSnapshots(u, {snapshot(id, "SAVB", 2500, 1)});
  idl::OpenAccountRequest o = openReq("K-OPN", "SAVB", 2500);
  o.__set_account_id(id);
  o.__set_source_posting_seq(1);
  idl::OpenAccountResult opened;
  handler_->openAccount(opened, o);
  EXPECT_EQ(opened.account.account_id, id);
  EXPECT_EQ(opened.account.ledger_balance.minor_units, 2500);
  EXPECT_EQ(account(id).last_posting_seq, 1);
  // Not loaded yet: opened as usual, numbered as legacy did.
  const std::string fresh = makeAccountNumber(idl::ProductLine::SAVINGS, 6, 2);
  o.idempotency_key = "K-OPN-2";
  o.__set_account_id(fresh);
  handler_->openAccount(opened, o);
  EXPECT_EQ(account(fresh).last_posting_seq, 1);
  EXPECT_EQ(account(fresh).ledger_balance.minor_units, 2500);
  // Legacy closed an account; the snapshot after the close landed first.
  const std::string gone = makeAccountNumber(idl::ProductLine::SAVINGS, 6, 3);
  idl::AccountSnapshot closed = snapshot(gone, "SAVB", 0, 9);
  closed.account.status = idl::AccountStatus::CLOSED;
  closed.account.close_date = 20261130;
  handler_->upsertSnapshots(u, {closed});
  idl::CloseAccountRequest c = closeReq("K-CLS", gone);
  c.__set_source_closed(true);
  idl::CloseAccountResult res;
  handler_->closeAccount(res, c);
  EXPECT_EQ(res.close_date, 20261130);
  // Without the flag it stays legacy's 30 (already closed).
  expectThrow<idl::AccountClosed>([&] { handler_->closeAccount(res, closeReq("K-CLS-2", gone)); });
  // The close made no posting: a snapshot from before it, at the same
  // watermark, must not reopen the account.
  handler_->upsertSnapshots(u, {snapshot(gone, "SAVB", 0, 9)});
  EXPECT_EQ(u.results[0].outcome, idl::SnapshotOutcome::IGNORED_STALE);
  EXPECT_EQ(account(gone).status, idl::AccountStatus::CLOSED);
}

TEST_P(HandlerTest, AnInvalidSnapshotRejectsTheWholeCall) {
  const std::string good = makeAccountNumber(idl::ProductLine::CHECKING, 1, 1);
  idl::AccountSnapshot bad = snapshot(makeAccountNumber(idl::ProductLine::LOAN, 1, 1), "SAVB", 0,
                                      0);  // a savings product under a loan number
  idl::UpsertResult r;
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] {
              handler_->upsertSnapshots(r, {snapshot(good, "CHKP", 0, 0), bad});
            }).field,
            "account.product_code");
  expectThrow<idl::NotFound>([&] { account(good); });
  idl::AccountSnapshot neg = snapshot(good, "CHKP", 0, -1);
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->upsertSnapshots(r, {neg}); }).field,
            "watermark");
}

TEST_P(HandlerTest, ExtractPagesOneProductLineInAccountOrder) {
  std::vector<idl::AccountSnapshot> all;
  for (int serial = 7; serial >= 1; --serial) {
    all.push_back(snapshot(makeAccountNumber(idl::ProductLine::SAVINGS, 2, serial), "SAVP",
                           int64_t{serial} * 100, serial));
    all.push_back(snapshot(makeAccountNumber(idl::ProductLine::CHECKING, 2, serial), "CHKB", 0, 0));
  }
  idl::UpsertResult r;
  handler_->upsertSnapshots(r, all);
  idl::ExtractRequest x;
  x.product_line = idl::ProductLine::SAVINGS;
  x.limit = 3;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    idl::ExtractPage page;
    handler_->extractAccounts(page, x);
    for (const auto& a : page.accounts) {
      EXPECT_EQ(a.product_line, idl::ProductLine::SAVINGS);
      seen.push_back(a.account_id);
    }
    if (page.next_cursor.empty()) {
      break;
    }
    x.__set_cursor(page.next_cursor);
  }
  ASSERT_EQ(seen.size(), 7u);
  for (int serial = 1; serial <= 7; ++serial) {
    EXPECT_EQ(seen[static_cast<size_t>(serial - 1)],
              makeAccountNumber(idl::ProductLine::SAVINGS, 2, serial));
  }
  idl::ExtractPage page;
  x.limit = 0;
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->extractAccounts(page, x); }).field,
            "limit");
  x.limit = 10;
  x.__set_cursor(makeAccountNumber(idl::ProductLine::CHECKING, 1, 1));
  EXPECT_EQ(expectThrow<idl::InvalidRequest>([&] { handler_->extractAccounts(page, x); }).field,
            "cursor");
}

INSTANTIATE_TEST_SUITE_P(Stores, HandlerTest, ::testing::ValuesIn(storeTargets()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace corebridge::newcore

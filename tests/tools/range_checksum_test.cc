// The range sums of `bridgectl reconcile --method checksum` on the three
// databases (tools/bridgectl/range_checksum.h): nc_accounts created by
// newcore's own migrations, rows written the way the new core writes them,
// and the database's sums compared with the ones computed here over the
// same accounts. Equal for equal accounts, whatever the values (negative,
// near the largest balances the extract can hold); different for each
// kind of damage a migration can do, one at a time: every field of one
// row, a transfer to the wrong account, a swap of two accounts' fields, an
// account number with a stray character, text that differs only in case or
// a trailing space, an extra row, a missing row.
#include "tools/bridgectl/range_checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "newcore/sql_schema.h"
#include "tests/adapters/odbc_targets.h"
#include "tools/bridgectl/reconcile_checksum.h"

namespace corebridge::tools::reconcile {
namespace {

namespace odbc = adapters::odbc;

Account account(int i) {
  Account a;
  a.number = "10000000" + std::to_string(1000 + i * 37);  // 12 digits, ascending
  a.product_code = i % 3 == 0 ? "SV02" : "SV01";
  a.customer = 4000000000LL + i;  // above 2^31
  a.status = i % 5 == 0 ? "D" : "A";
  a.currency = "USD";
  a.ledger = i % 2 == 0 ? 999999999999999LL - i : -12345LL * i;  // S9(13)V99 at its edge
  a.available = a.ledger - 100;
  a.overdraft = i % 4 == 0 ? 50000 : 0;
  a.accrued = 17LL * i;
  a.rate_micros = 1250000 + i;
  a.open_date = 20190101 + i;
  a.maturity_date = i % 7 == 0 ? 20300101 : 0;
  a.close_date = 0;
  a.last_seq = 40 + i;
  a.holds = i % 2;
  return a;
}

int statusNumber(const std::string& s) {
  return s == "A" ? 1 : s == "D" ? 2 : s == "F" ? 3 : s == "C" ? 4 : 5;
}

class RangeChecksumTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto cs = odbc::testing::odbcConnectionString(GetParam());
    ASSERT_TRUE(cs.ok()) << cs.status().toString();  // a server that fails to start fails
    auto c = odbc::Connection::open(*cs);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    conn_ = std::move(*c);
    for (const char* table : {"nc_idempotency_keys", "nc_postings", "nc_gl_postings",
                              "nc_account_serials", "nc_accounts", "nc_schema_migrations"}) {
      ASSERT_TRUE(conn_->execute(std::string("DROP TABLE IF EXISTS ") + table).ok()) << table;
    }
    ASSERT_TRUE(newcore::applyMigrations(*conn_).ok());
    for (int i = 0; i < 40; ++i) {
      accounts_.push_back({account(i), {}});
    }
    for (const AccountRecord& r : accounts_) {
      insert(r.account);
    }
  }

  void insert(const Account& a) {
    auto st = conn_->prepare(
        "INSERT INTO nc_accounts (account_id, product_line, product_code, customer_id, status, "
        "currency, ledger_balance, available_balance, overdraft_limit, accrued_interest, "
        "interest_rate_pct_micros, open_date, maturity_date, close_date, last_posting_seq, "
        "hold_count) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ASSERT_TRUE(st.ok()) << st.status().toString();
    odbc::Statement& s = **st;
    ASSERT_TRUE(s.bindString(1, a.number).ok());
    ASSERT_TRUE(s.bindString(2, a.product_code).ok());
    ASSERT_TRUE(s.bindInt64(3, a.customer).ok());
    ASSERT_TRUE(s.bindInt64(4, statusNumber(a.status)).ok());
    ASSERT_TRUE(s.bindString(5, a.currency).ok());
    const int64_t v[] = {a.ledger,    a.available,     a.overdraft,  a.accrued,  a.rate_micros,
                         a.open_date, a.maturity_date, a.close_date, a.last_seq, a.holds};
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(s.bindInt64(6 + i, v[i]).ok());
    }
    ASSERT_TRUE(s.execute().ok()) << a.number;
  }

  void sql(const std::string& statement) {
    ASSERT_TRUE(conn_->execute(statement).ok()) << statement;
  }
  // UPDATE nc_accounts SET `set` WHERE account_id = 'account'.
  void update(const std::string& set, const std::string& account) {
    std::string statement = "UPDATE nc_accounts SET ";
    statement += set;
    statement += " WHERE account_id = '";
    statement += account;
    statement += "'";
    sql(statement);
  }

  // The database's sums over [lo, hi), or nullopt (not integers, or the
  // query failed: an overflow): a range that is compared row by row.
  std::optional<RangeSums> storeSums(const std::string& lo, const std::string& hi) {
    const RangeCodes codes = codesOf(accounts_);
    auto st = conn_->prepare(rangeSumsSql(conn_->dialect().kind(), codes.products.size(),
                                          codes.currencies.size(), !hi.empty()));
    EXPECT_TRUE(st.ok()) << st.status().toString();
    if (!st.ok()) {
      return std::nullopt;
    }
    EXPECT_TRUE(bindRangeSums(**st, codes, lo, hi).ok());
    if (!(*st)->execute().ok()) {
      return std::nullopt;
    }
    auto row = (*st)->fetch();
    EXPECT_TRUE(row.ok() && *row);
    auto sums = readRangeSums(**st);
    EXPECT_TRUE(sums.ok()) << sums.status().toString();
    return sums.ok() ? *sums : std::nullopt;
  }

  bool agree() {
    const std::optional<RangeSums> legacy = legacySums(accounts_, codesOf(accounts_));
    EXPECT_TRUE(legacy.has_value());
    const std::optional<RangeSums> store = storeSums("10", "11");
    return legacy && store && *legacy == *store;
  }

  std::unique_ptr<odbc::Connection> conn_;
  std::vector<AccountRecord> accounts_;
};

TEST_P(RangeChecksumTest, EqualAccountsSumEqual) {
  EXPECT_TRUE(agree());
  const std::optional<RangeSums> legacy = legacySums(accounts_, codesOf(accounts_));
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->count, 40);
  // An unbounded range from the first number, and one that holds nothing.
  const std::optional<RangeSums> open_ended = storeSums("10", "");
  EXPECT_TRUE(open_ended && *open_ended == *legacy);
  const std::optional<RangeSums> empty = storeSums("20", "21");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty == *legacySums({}, {}));
}

TEST_P(RangeChecksumTest, EveryFieldOfOneRowThatDiffersIsSeen) {
  const std::string n = accounts_[11].account.number;
  const std::vector<std::string> changes = {"product_code = 'SV02'",
                                            "customer_id = customer_id + 1",
                                            "status = 3",
                                            "currency = 'EUR'",
                                            "ledger_balance = ledger_balance + 1",
                                            "available_balance = available_balance - 1",
                                            "overdraft_limit = 1",
                                            "accrued_interest = accrued_interest + 2147483629",
                                            "interest_rate_pct_micros = 1",
                                            "open_date = open_date + 1",
                                            "maturity_date = 20991231",
                                            "close_date = 20261201",
                                            "last_posting_seq = last_posting_seq + 1",
                                            "hold_count = 2"};
  for (const std::string& change : changes) {
    update(change, n);
    EXPECT_FALSE(agree()) << change;
    sql("DELETE FROM nc_accounts WHERE account_id = '" + n + "'");
    insert(accounts_[11].account);
    EXPECT_TRUE(agree()) << "after undoing " << change;
  }
}

TEST_P(RangeChecksumTest, ChangesSpreadOverRowsAreSeen) {
  const std::string a = accounts_[3].account.number, b = accounts_[20].account.number;
  // A transfer posted to the wrong account: the balance total still agrees.
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance - 100 WHERE account_id = '" + a +
      "'");
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance + 100 WHERE account_id = '" + b +
      "'");
  EXPECT_FALSE(agree()) << "a transfer to the wrong account";
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance + 100 WHERE account_id = '" + a +
      "'");
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance - 100 WHERE account_id = '" + b +
      "'");
  ASSERT_TRUE(agree());
  // Two accounts' open dates swapped: every per-column sum still agrees.
  sql("UPDATE nc_accounts SET open_date = " + std::to_string(accounts_[20].account.open_date) +
      " WHERE account_id = '" + a + "'");
  sql("UPDATE nc_accounts SET open_date = " + std::to_string(accounts_[3].account.open_date) +
      " WHERE account_id = '" + b + "'");
  EXPECT_FALSE(agree()) << "two accounts' fields swapped";
}

TEST_P(RangeChecksumTest, AnAccountNumberThatIsNotTwelveDigitsIsSeen) {
  const std::string n = accounts_[5].account.number;
  // Each parses, as a number, to the same value as the real one (SQLite's
  // CAST reads the longest integer prefix).
  for (const std::string& bad : {n.substr(1) + "X", " " + n.substr(1), "+" + n.substr(1), n + "0",
                                 n.substr(1), n.substr(0, 11) + ".0"}) {
    if (bad.size() > 12 && GetParam() != "sqlite") {
      continue;  // VARCHAR(12) holds no more there
    }
    update("account_id = '" + bad + "'", n);
    EXPECT_FALSE(agree()) << "'" << bad << "'";
    update("account_id = '" + n + "'", bad);
  }
  EXPECT_TRUE(agree());
  if (GetParam() == "sqlite") {
    // A NUL after the 12 digits: SQLite's length() of the text stops there.
    sql("UPDATE nc_accounts SET account_id = account_id || char(0) || 'x' WHERE account_id = '" +
        n + "'");
    EXPECT_FALSE(agree()) << "a NUL after the digits";
  }
}

// SQLite's type affinity keeps these as text, and arithmetic reads them as
// their numeric prefix (1, 0, ...): the value the legacy side has. The
// rows method stops on them; the sums must not agree. PostgreSQL and
// MariaDB (strict mode) refuse to store them.
TEST_P(RangeChecksumTest, TextInAnIntegerColumnIsSeen) {
  const std::string n = accounts_[6].account.number;
  const std::vector<std::string> changes = {
      "status = '1x'", "maturity_date = ''", "hold_count = '0 holds'",
      "ledger_balance = '" + std::to_string(accounts_[6].account.ledger) + "x'"};
  for (const std::string& change : changes) {
    const std::string statement =
        "UPDATE nc_accounts SET " + change + " WHERE account_id = '" + n + "'";
    if (GetParam() != "sqlite") {
      EXPECT_FALSE(conn_->execute(statement).ok()) << "the column's type holds: " << change;
      continue;
    }
    sql(statement);
    EXPECT_FALSE(agree()) << change;
    sql("DELETE FROM nc_accounts WHERE account_id = '" + n + "'");
    insert(accounts_[6].account);
    ASSERT_TRUE(agree()) << "after undoing " << change;
  }
}

TEST_P(RangeChecksumTest, TwoNeighbouringFieldsChangedTogetherAreSeen) {
  // With a small base B these two would cancel: -1 * B + B = 0.
  update("last_posting_seq = last_posting_seq - 1, hold_count = hold_count + 1048573",
         accounts_[4].account.number);
  EXPECT_FALSE(agree());
}

TEST_P(RangeChecksumTest, ControlCharactersInAccountNumbersRefuseTheMethodOnMariaDb) {
  mappings::ProductLineRule lines;
  lines.prefixes = {{"10", "SAVINGS"}, {"20", "CHECKING"}};
  const std::string dsn = *odbc::testing::odbcConnectionString(GetParam());
  auto refusal = checksumRefusal(dsn, lines, "SAVINGS");
  ASSERT_TRUE(refusal.ok()) << refusal.status().toString();
  EXPECT_EQ(*refusal, "");
  // MariaDB's PAD SPACE collations sort "10\t..." below "10".
  update("account_id = '10\t000000001'", accounts_[0].account.number);  // a tab in the literal
  refusal = checksumRefusal(dsn, lines, "SAVINGS");
  ASSERT_TRUE(refusal.ok()) << refusal.status().toString();
  if (GetParam() == "mariadb") {
    EXPECT_EQ(*refusal,
              "1 account numbers in nc_accounts hold control characters, which MariaDB's "
              "collation sorts outside the ranges of their prefix");
  } else {
    EXPECT_EQ(*refusal, "") << "binary and C-collation ranges hold it";
  }
  lines.prefixes["1A"] = "SAVINGS";
  refusal = checksumRefusal(dsn, lines, "SAVINGS");
  ASSERT_TRUE(refusal.ok());
  EXPECT_NE(refusal->find("prefix '1A' is not digits"), std::string::npos) << *refusal;
}

TEST_P(RangeChecksumTest, TextThatDiffersOnlyInCaseOrTrailingSpacesIsSeen) {
  const std::string n = accounts_[7].account.number;
  for (const char* change :
       {"product_code = 'sv01'", "product_code = 'SV0'", "currency = 'usd'", "currency = 'US '"}) {
    sql(std::string("UPDATE nc_accounts SET ") + change + " WHERE account_id = '" + n + "'");
    EXPECT_FALSE(agree()) << change;
    sql("UPDATE nc_accounts SET product_code = 'SV01', currency = 'USD' WHERE account_id = '" + n +
        "'");
  }
  EXPECT_TRUE(agree());
}

TEST_P(RangeChecksumTest, AnExtraOrAMissingRowIsSeen) {
  Account extra = accounts_[0].account;
  extra.number = "100000000999";
  insert(extra);
  EXPECT_FALSE(agree()) << "a row the legacy side lacks";
  sql("DELETE FROM nc_accounts WHERE account_id = '100000000999'");
  sql("DELETE FROM nc_accounts WHERE account_id = '" + accounts_[9].account.number + "'");
  EXPECT_FALSE(agree()) << "a row missing";
}

TEST_P(RangeChecksumTest, AnOverflowNeverAgrees) {
  // Balances no extract can hold (S9(13)V99): SQLite's SUM overflows, the
  // servers' arithmetic fails; either way the sums do not agree.
  accounts_[2].account.ledger = INT64_MAX - 5;
  sql("UPDATE nc_accounts SET ledger_balance = " + std::to_string(INT64_MAX - 5) +
      " WHERE account_id = '" + accounts_[2].account.number + "'");
  EXPECT_FALSE(agree());
}

TEST(RangeChecksum, AValueTheStoreCannotCodeSendsTheRangeToTheRows) {
  AccountRecord r{account(1), {}};
  r.account.status = "X";
  EXPECT_FALSE(legacySums({r}, codesOf({r})).has_value());
  r.account = account(1);
  r.account.number = "12345";
  EXPECT_FALSE(legacySums({r}, codesOf({r})).has_value());
  // More distinct product codes than a statement binds.
  std::vector<AccountRecord> many;
  for (int i = 0; i < 300; ++i) {
    many.push_back({account(i), {}});
    many.back().account.product_code = "P" + std::to_string(i);
  }
  EXPECT_FALSE(legacySums(many, codesOf(many)).has_value());
  many.resize(200);
  EXPECT_TRUE(legacySums(many, codesOf(many)).has_value());
}

INSTANTIATE_TEST_SUITE_P(Stores, RangeChecksumTest,
                         ::testing::ValuesIn(odbc::testing::odbcTestTargets()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace corebridge::tools::reconcile

#include "newcore/sql_schema.h"

namespace corebridge::newcore {

namespace odbc = adapters::odbc;

namespace {

// Long text that is never a key: TEXT everywhere (MariaDB cannot index it
// without a prefix, and does not need to here).
constexpr const char* kText = "TEXT";

}  // namespace

std::vector<Migration> migrations(const odbc::Dialect& dialect) {
  const std::string text = kText;
  const std::string engine = odbc::tableOptions(dialect);
  std::vector<Migration> all;
  all.push_back(
      Migration{1,
                "ledger: accounts, postings, GL contra legs, idempotency keys, account serials",
                {
                    "CREATE TABLE nc_accounts ("
                    " account_id VARCHAR(12) NOT NULL PRIMARY KEY,"
                    " product_line INTEGER NOT NULL,"
                    " product_code VARCHAR(4) NOT NULL,"
                    " customer_id BIGINT NOT NULL,"
                    " status INTEGER NOT NULL,"
                    " currency CHAR(3) NOT NULL,"
                    " ledger_balance BIGINT NOT NULL,"
                    " available_balance BIGINT NOT NULL,"
                    " overdraft_limit BIGINT NOT NULL,"
                    " accrued_interest BIGINT NOT NULL,"
                    " interest_rate_pct_micros BIGINT NOT NULL,"
                    " open_date INTEGER NOT NULL,"
                    " maturity_date INTEGER NOT NULL,"
                    " close_date INTEGER NOT NULL,"
                    " last_posting_seq BIGINT NOT NULL,"
                    " hold_count INTEGER NOT NULL)" +
                        engine,
                    "CREATE INDEX nc_accounts_line ON nc_accounts (product_line, account_id)",
                    "CREATE TABLE nc_postings ("
                    " account_id VARCHAR(12) NOT NULL,"
                    " seq BIGINT NOT NULL,"
                    " business_date INTEGER NOT NULL,"
                    " txn_code INTEGER NOT NULL,"
                    " direction INTEGER NOT NULL,"
                    " amount BIGINT NOT NULL,"
                    " currency CHAR(3) NOT NULL,"
                    " running_balance BIGINT NOT NULL,"
                    " idempotency_key VARCHAR(16) NOT NULL,"
                    " channel_code VARCHAR(3) NOT NULL,"
                    " terminal_id VARCHAR(8) NOT NULL,"
                    " description VARCHAR(40) NOT NULL,"
                    " PRIMARY KEY (account_id, seq))" +
                        engine,
                    "CREATE TABLE nc_gl_postings (" + dialect.identityColumn("gl_id") +
                        ","
                        " entry_key VARCHAR(64) NOT NULL,"
                        " gl_account VARCHAR(20) NOT NULL,"
                        " account_id VARCHAR(12) NOT NULL,"
                        " business_date INTEGER NOT NULL,"
                        " signed_amount BIGINT NOT NULL,"
                        " currency CHAR(3) NOT NULL)" +
                        engine,
                    "CREATE INDEX nc_gl_postings_entry ON nc_gl_postings (entry_key)",
                    "CREATE TABLE nc_idempotency_keys ("
                    " idempotency_key VARCHAR(16) NOT NULL PRIMARY KEY,"
                    " operation VARCHAR(8) NOT NULL,"
                    " fingerprint " +
                        text +
                        " NOT NULL,"
                        " outcome_kind INTEGER NOT NULL,"
                        " outcome " +
                        text +
                        " NOT NULL,"
                        " created_at VARCHAR(20) NOT NULL)" +
                        engine,
                    "CREATE TABLE nc_account_serials ("
                    " prefix_branch VARCHAR(5) NOT NULL PRIMARY KEY,"
                    " last_serial INTEGER NOT NULL)" +
                        engine,
                }});
  return all;
}

Result<int> applyMigrations(odbc::Connection& connection) {
  return odbc::applyMigrations(connection, "nc_schema_migrations", migrations(connection.dialect()),
                               "ledger");
}

}  // namespace corebridge::newcore

#include "newcore/sql_schema.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "adapters/odbc/statement.h"

namespace corebridge::newcore {

namespace odbc = adapters::odbc;

namespace {

// Long text that is never a key: TEXT everywhere (MariaDB cannot index it
// without a prefix, and does not need to here).
constexpr const char* kText = "TEXT";

}  // namespace

std::string utcTimestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<Migration> migrations(const odbc::Dialect& dialect) {
  const std::string text = kText;
  // MariaDB: InnoDB for row locks and transactions, whatever the server's default.
  const std::string engine = dialect.kind() == odbc::DialectKind::kMariaDb ? " ENGINE=InnoDB" : "";
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
  const odbc::Dialect& dialect = connection.dialect();
  const std::string engine = dialect.kind() == odbc::DialectKind::kMariaDb ? " ENGINE=InnoDB" : "";
  CB_RETURN_IF_ERROR(
      connection.execute("CREATE TABLE IF NOT EXISTS nc_schema_migrations ("
                         " version INTEGER NOT NULL PRIMARY KEY,"
                         " description VARCHAR(200) NOT NULL,"
                         " applied_at VARCHAR(20) NOT NULL)" +
                         engine));
  if (dialect.kind() == odbc::DialectKind::kSqlite) {
    // WAL lets readers run beside the writer; it is a property of the file.
    CB_RETURN_IF_ERROR(connection.execute("PRAGMA journal_mode=WAL"));
  }

  std::set<int> applied;
  {
    CB_ASSIGN_OR_RETURN(auto select,
                        connection.prepare("SELECT version FROM nc_schema_migrations"));
    CB_RETURN_IF_ERROR(select->execute());
    while (true) {
      CB_ASSIGN_OR_RETURN(bool row, select->fetch());
      if (!row) {
        break;
      }
      CB_ASSIGN_OR_RETURN(int64_t v, select->getInt64(1));
      applied.insert(static_cast<int>(v));
    }
  }
  const std::vector<Migration> all = migrations(dialect);
  const int newest = all.empty() ? 0 : all.back().version;
  if (!applied.empty() && *applied.rbegin() > newest) {
    return failedPrecondition("the database is at schema version " +
                              std::to_string(*applied.rbegin()) + "; this newcore knows up to " +
                              std::to_string(newest) + " (a newer newcore wrote it)");
  }
  for (const Migration& m : all) {
    if (applied.count(m.version) != 0) {
      continue;
    }
    // PostgreSQL and SQLite roll DDL back with the transaction; MariaDB
    // commits each DDL statement implicitly, so a migration that fails half
    // way there leaves its first tables behind (the error names the version).
    CB_RETURN_IF_ERROR(connection.begin());
    Status s;
    for (const std::string& sql : m.statements) {
      s = connection.execute(sql);
      if (!s.ok()) {
        break;
      }
    }
    if (s.ok()) {
      auto record = connection.prepare(
          "INSERT INTO nc_schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
      s = record.status();
      if (s.ok()) {
        s = (*record)->bindInt64(1, m.version);
      }
      if (s.ok()) {
        s = (*record)->bindString(2, m.description.substr(0, 200));
      }
      if (s.ok()) {
        s = (*record)->bindString(3, utcTimestamp());
      }
      if (s.ok()) {
        s = (*record)->execute();
      }
    }
    if (s.ok()) {
      s = connection.commit();
    }
    if (!s.ok()) {
      if (connection.inTransaction()) {
        (void)connection.rollback();
      }
      return Status(s.code(), "schema migration " + std::to_string(m.version) + " (" +
                                  m.description + "): " + s.message());
    }
  }
  return newest;
}

}  // namespace corebridge::newcore

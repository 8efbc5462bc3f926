// SqlLedgerStore: the LedgerStore in a SQL database through unixODBC
// (adapters/odbc/): SQLite (the embedded default), PostgreSQL, MariaDB, and
// what speaks their wire protocols (CockroachDB, YugabyteDB, TiDB, Galera).
//
// open() connects, brings the schema to the newest version
// (sql_schema.h) and keeps a bounded connection pool. Each write is one
// database transaction run by adapters::odbc::runTransaction:
//   1. the idempotency record of the key is read; a replay returns the stored
//      outcome (Thrift binary) and writes nothing;
//   2. the accounts touched are read with a row lock (SELECT ... FOR UPDATE;
//      on SQLite the transaction began with BEGIN IMMEDIATE and holds the
//      database's write lock), two accounts in id order so that transfers in
//      opposite directions cannot deadlock each other;
//   3. the rules of ledger_rules.h decide; postings, balances, the contra
//      leg in nc_gl_postings and the idempotency record are written;
//   4. commit. A deadlock or serialization failure (Aborted) reruns the whole
//      transaction after a jittered backoff. Two racing first attempts with
//      one key cannot both commit: the key is the primary key of
//      nc_idempotency_keys, and the loser's duplicate-key error is turned
//      into Aborted, so its rerun finds the winner's record and replays it.
//
// Double entry: every customer posting but a transfer leg has a contra leg on
// a GL account (CASH, FEE-INCOME, LOAN-FUNDING; CONVERSION for the difference
// a backfill snapshot makes, and for a transfer leg applied while the
// other leg came in with a snapshot), so trialBalance() is zero per currency unless a
// row was changed behind the store's back.
//
// Errors: as LedgerStore; Unavailable when the database cannot be reached,
// DeadlineExceeded when a connection was lost during COMMIT (the outcome is
// unknown: retry with the same key), DataLoss when a stored row cannot be
// read back (a corrupt outcome, a number that is not one).
//
// Thread-safety: safe from many threads; each call leases its own connection.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "adapters/odbc/pool.h"
#include "adapters/odbc/transaction.h"
#include "newcore/ledger_store.h"

namespace corebridge::newcore {

struct SqlStoreOptions {
  // Connections held open; a write holds one for its whole transaction.
  size_t pool_size = 8;
  adapters::odbc::RetryPolicy retry{16, std::chrono::milliseconds(1),
                                    std::chrono::milliseconds(100), true};
};

class SqlLedgerStore : public LedgerStore {
 public:
  // Connects to `connection_string` (an ODBC connection string; for SQLite a
  // busy timeout of 10 s is added unless it names one) and applies the
  // migrations. Unavailable when the database cannot be reached;
  // FailedPrecondition for a schema newer than this build.
  static Result<std::unique_ptr<SqlLedgerStore>> open(const std::string& connection_string,
                                                      const SqlStoreOptions& options = {});
  ~SqlLedgerStore() override;

  // LedgerStore
  Result<idl::Account> getAccount(const std::string& account_id) override;
  Result<idl::Statement> getStatement(const std::string& account_id, int32_t max_postings) override;
  Result<Outcome<idl::OpenAccountResult>> openAccount(const WriteKey& key, const WriteContext& ctx,
                                                      const NewAccount& spec) override;
  Result<Outcome<idl::PostingResult>> post(const WriteKey& key, const WriteContext& ctx,
                                           const PostingSpec& spec) override;
  Result<Outcome<idl::TransferResult>> transfer(const WriteKey& key, const WriteContext& ctx,
                                                const TransferSpec& spec) override;
  Result<Outcome<idl::CloseAccountResult>> closeAccount(const WriteKey& key,
                                                        const WriteContext& ctx,
                                                        const CloseSpec& spec) override;
  Result<idl::SnapshotResult> upsertSnapshot(const idl::AccountSnapshot& snapshot) override;
  Result<idl::ExtractPage> extractAccounts(idl::ProductLine::type line, const std::string& after,
                                           int32_t limit) override;

  // How many idempotency keys are recorded.
  Result<size_t> keyCount();
  // Per currency: the sum of every account's ledger balance plus every GL
  // leg. Double entry holds when each value is zero.
  Result<std::map<std::string, int64_t>> trialBalance();
  // The schema version open() left the database at.
  int schemaVersion() const { return schema_version_; }
  adapters::odbc::ConnectionPool& pool() { return *pool_; }

 private:
  SqlLedgerStore(std::unique_ptr<adapters::odbc::ConnectionPool> pool, SqlStoreOptions options,
                 int schema_version);

  // Runs the write `body` for `key` in one retried transaction, with the
  // replay check before it and the idempotency record after it. A watermark
  // refusal of the body (isWatermarkRefusal) rolls back at once, unretried
  // and unrecorded.
  template <typename R, typename Body>
  Result<Outcome<R>> write(const WriteKey& key, const char* operation, Body body);

  std::unique_ptr<adapters::odbc::ConnectionPool> pool_;
  SqlStoreOptions options_;
  int schema_version_;
};

}  // namespace corebridge::newcore

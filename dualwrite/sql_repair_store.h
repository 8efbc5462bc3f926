// SqlRepairStore: the RepairStore in a SQL database through unixODBC
// (adapters/odbc/): SQLite by default ("Driver=SQLite3;Database=PATH"),
// PostgreSQL, MariaDB.
//
// Unlike the mismatch store, every write is synchronous: a mutating call is
// one transaction (adapters::odbc::runTransaction, retried on Aborted and
// Unavailable) and returns once it is committed, because a case must be
// durable before the journal record that handed it over is settled.
//
// Schema (versioned like the mismatch store's, in its own table
// dw_repair_schema_migrations, so that both stores may share a database;
// see docs/repairs.md):
//   dw_repair_ids       one row ('case', next_id): the id counter, its row
//                       lock serializing openCase across bridge instances
//   dw_repair_cases     one row per case; the COMMAREAs as base64 text
//                       (portable across the three databases), the accounts
//                       as comma-separated text, event_count for the next
//                       event's seq
//   dw_repair_accounts  (case_id, seq, account): the filter by account
//   dw_repair_events    (case_id, seq, at_ms, event, detail): the history
// Accounts are stored unmasked (replaying a call needs them): protect the
// database as the journal is protected.
//
// Errors: open() returns Unavailable when the database cannot be reached,
// FailedPrecondition for a schema newer than this build (or, read_only, no
// repair store at all); the calls return what the ODBC layer returns, and
// DataLoss for a stored row this build cannot read.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "adapters/odbc/pool.h"
#include "adapters/odbc/transaction.h"
#include "common/status.h"
#include "dualwrite/repair_store.h"

namespace corebridge::dualwrite {

struct RepairStoreOptions {
  size_t pool_size = 2;
  // Query only: no migrations; open() fails with FailedPrecondition when the
  // schema is missing. (Writes are still attempted and fail as the database
  // decides: bridgectl only reads.)
  bool read_only = false;
  adapters::odbc::RetryPolicy retry{8, std::chrono::milliseconds(5), std::chrono::milliseconds(500),
                                    true};
  UnixMillisClock clock = unixMillisNow;
};

class SqlRepairStore : public RepairStore {
 public:
  // Connects to `connection_string` and brings the schema to the newest
  // version (unless read_only).
  static Result<std::unique_ptr<SqlRepairStore>> open(const std::string& connection_string,
                                                      RepairStoreOptions options = {});

  SqlRepairStore(const SqlRepairStore&) = delete;
  SqlRepairStore& operator=(const SqlRepairStore&) = delete;

  // RepairStore
  Result<int64_t> openCase(const RepairCase& c) override;
  Status addEvent(int64_t id, std::string_view event, std::string_view detail) override;
  Status recordAttempt(int64_t id, bool ok, std::string_view detail) override;
  Status closeCase(int64_t id, std::string_view detail) override;
  Result<std::vector<RepairCase>> openCases() override;
  Result<std::vector<RepairCase>> list(const RepairFilter& f) override;
  Result<RepairCase> getCase(int64_t id) override;
  Result<std::vector<RepairEvent>> history(int64_t id) override;

  int schemaVersion() const { return schema_version_; }

 private:
  SqlRepairStore(std::unique_ptr<adapters::odbc::ConnectionPool> pool, RepairStoreOptions options,
                 int schema_version);
  // In a transaction: locks the case's row, bumps event_count and
  // updated_at, appends the event; FailedPrecondition when `must_be_open`
  // and the case is closed.
  Status appendEvent(adapters::odbc::Connection& c, int64_t id, int64_t now, std::string_view event,
                     std::string_view detail, bool must_be_open);
  Result<std::vector<RepairCase>> query(const std::string& where,
                                        const std::vector<std::string>& params,
                                        const std::string& order, size_t limit);

  std::unique_ptr<adapters::odbc::ConnectionPool> pool_;
  const RepairStoreOptions options_;
  const int schema_version_;
};

// "memory:" gives an InMemoryRepairStore; anything else is an ODBC
// connection string for SqlRepairStore::open.
Result<std::unique_ptr<RepairStore>> openRepairStore(const std::string& dsn,
                                                     RepairStoreOptions options = {});

}  // namespace corebridge::dualwrite

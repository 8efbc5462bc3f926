// SqlFlagStore: the FlagStore in a SQL database through unixODBC
// (adapters/odbc/): SQLite by default ("Driver=SQLite3;Database=PATH"),
// PostgreSQL, MariaDB. Every bridge instance opens its own SqlFlagStore on
// the same database; they share the state through it alone.
//
// commit() is one transaction (adapters::odbc::runTransaction, retried on
// Aborted and Unavailable) whose first statement UPDATEs the head row: that
// row lock serializes commits across instances (as dw_repair_ids does for
// the repair store), so the version checks, the ids and the audit chain are
// decided by one commit at a time. A refusal of the commit itself (a stale
// version, a change no longer pending) is not retried.
//
// Schema (versioned in its own table cb_flag_schema_migrations, so that the
// flag store may share a database with the other stores; see
// docs/cutover-control.md):
//   cb_flag_head             one row ('head'): generation (+1 per commit),
//                            audit_seq and audit_hash (the chain's newest
//                            entry), last_change_id, last_reconciliation_id
//   cb_flag_lines            one row per product line: stage, ramp, guard,
//                            version, changed_at_ms, stage_since_ms
//   cb_flag_changes          one row per change request; the from/to flags
//                            as columns (from_*, to_*)
//   cb_flag_audit            one row per entry, seq the primary key
//   cb_flag_reconciliations  one row per recorded reconciliation
// Rates are stored as text, the shortest decimal that reads back as the same
// double (std::to_chars), so they round-trip exactly on every database. On
// MariaDB the tables are utf8mb4 with a binary, no-pad collation: names
// compare byte for byte (the server's default collation would make
// "savings" and "SAVINGS " one line).
//
// Values: strings must be valid UTF-8 without NUL bytes (what the databases
// store unchanged, so that an entry's hash still matches when read back) and
// no longer than their column (kMax* below); rates finite in 0-1, ramp
// 0-100, window_seconds >= 1, min_samples >= 0. Anything else is
// InvalidArgument naming the field (e.g. "audit[1].actor"), before the
// database is touched.
//
// Errors: open() returns Unavailable when the database cannot be reached,
// FailedPrecondition for a schema newer than this build (or, read_only, no
// flag store at all). commit() returns Aborted when set_line's version moved
// or the change to decide is no longer pending (nothing written), NotFound
// for a change id that does not exist, DeadlineExceeded when the connection
// was lost during COMMIT (the outcome is unknown: re-read). The reads return
// what the ODBC layer returns, and DataLoss for a stored row this build
// cannot read.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/odbc/pool.h"
#include "adapters/odbc/transaction.h"
#include "bridge/flag_store.h"
#include "common/status.h"

namespace corebridge::bridge {

// Unix milliseconds now.
int64_t flagStoreNowMs();

struct SqlFlagStoreOptions {
  size_t pool_size = 2;
  // Query only: no migrations; open() fails with FailedPrecondition when the
  // schema is missing (bridgectl reading the audit log).
  bool read_only = false;
  adapters::odbc::RetryPolicy retry{8, std::chrono::milliseconds(5), std::chrono::milliseconds(500),
                                    true};
  // Unix milliseconds: the times the store sets (a line's changed_at_ms and
  // stage_since_ms, and every at_ms left 0).
  std::function<int64_t()> clock = flagStoreNowMs;
};

// Column sizes, in bytes.
inline constexpr size_t kMaxLineName = 32;
inline constexpr size_t kMaxUserName = 128;  // actor, proposed_by, decided_by, ...
inline constexpr size_t kMaxAction = 32;
inline constexpr size_t kMaxSetting = 512;  // an audit entry's from and to
inline constexpr size_t kMaxNote = 4000;    // reasons and decision notes
inline constexpr size_t kMaxBusinessDate = 16;
inline constexpr size_t kMaxJson = 1 << 20;  // evidence, summary_json

class SqlFlagStore : public FlagStore {
 public:
  // Connects to `connection_string` and brings the schema to the newest
  // version (unless read_only).
  static Result<std::unique_ptr<SqlFlagStore>> open(const std::string& connection_string,
                                                    SqlFlagStoreOptions options = {});

  SqlFlagStore(const SqlFlagStore&) = delete;
  SqlFlagStore& operator=(const SqlFlagStore&) = delete;

  // FlagStore
  Result<int64_t> generation() override;
  Result<std::vector<LineFlags>> lines() override;
  // limit 0: every one.
  Result<std::vector<ChangeRequest>> changes(std::optional<ChangeState> state,
                                             size_t limit) override;
  Result<ChangeRequest> change(int64_t id) override;
  Result<std::vector<AuditEntry>> audit(const AuditQuery& query) override;
  // From the head row, not from the audit table: an auditor compares the two
  // (verifyChain) to detect the newest entries removed.
  Result<AuditHead> auditHead() override;
  // limit 0: every one.
  Result<std::vector<ReconciliationRecord>> reconciliations(const std::string& line,
                                                            size_t limit) override;
  Result<CommitResult> commit(const FlagCommit& commit) override;

  int schemaVersion() const { return schema_version_; }

 private:
  SqlFlagStore(std::unique_ptr<adapters::odbc::ConnectionPool> pool, SqlFlagStoreOptions options,
               int schema_version);
  Result<std::vector<ChangeRequest>> queryChanges(const std::string& where, size_t limit);

  std::unique_ptr<adapters::odbc::ConnectionPool> pool_;
  const SqlFlagStoreOptions options_;
  const int schema_version_;
};

}  // namespace corebridge::bridge

// Versioned schema migrations over one Connection, for every store of the
// project (the new core's ledger, the bridge's mismatch store, later the
// flag store and the journal's index).
//
// applyMigrations() creates the store's migrations table when missing
// (`table`: version, description, applied_at UTC), then runs every
// migration whose version is not recorded there, in order, each in its own
// transaction together with the row that records it. Running it again is a
// no-op. A database recorded at a version this build does not know (written
// by a newer build) is refused with FailedPrecondition rather than used. On
// SQLite the file is switched to WAL, so that readers run beside the writer.
//
// PostgreSQL and SQLite roll DDL back with the transaction; MariaDB commits
// each DDL statement implicitly, so a migration that fails halfway there
// leaves its first tables behind (the error names the migration).
//
// Errors: what the connection returns, prefixed with `what`, the version and
// the description of the migration that failed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/pool.h"
#include "common/status.h"

namespace corebridge::adapters::odbc {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;  // DDL in the connection's dialect
};

// " ENGINE=InnoDB" on MariaDB (row locks and transactions whatever the
// server's default), "" elsewhere: the suffix of every CREATE TABLE.
std::string tableOptions(const Dialect& dialect);

// The newest version recorded after the call. `what` names the store in
// messages ("mismatch store").
Result<int> applyMigrations(Connection& connection, const std::string& table,
                            const std::vector<Migration>& migrations, const std::string& what);

// The newest version recorded in a store's migrations `table`, without
// migrating (for read-only users such as bridgectl). FailedPrecondition
// "no <what> at <where> (...)" when the table is missing or empty.
Result<int> readSchemaVersion(Connection& connection, const std::string& table,
                              const std::string& what, const std::string& where);

// A store's schema: its migrations table, its name in messages and its
// migrations in a dialect.
struct StoreSchema {
  std::string table;
  std::string what;
  std::function<std::vector<Migration>(const Dialect&)> migrations;
};

struct OpenedStore {
  std::unique_ptr<ConnectionPool> pool;
  int schema_version = 0;
};

// Opens a pool of up to `pool_size` connections (at least 1) to the store at
// `connection_string`, SQLite waiting up to 10 s for another writer's lock
// unless the string sets Timeout, and migrates its schema (with `read_only`,
// only reads its version: readSchemaVersion). Errors: a malformed
// connection string, the connection's, the migrations'.
Result<OpenedStore> openStore(const std::string& connection_string, size_t pool_size,
                              bool read_only, const StoreSchema& schema);

// Now in UTC as "CCYY-MM-DDTHH:MM:SSZ".
std::string utcTimestamp();

}  // namespace corebridge::adapters::odbc

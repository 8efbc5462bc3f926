// The new core's SQL schema and its versioned migrations.
//
// applyMigrations() brings a database to the newest schema version: it
// creates `nc_schema_migrations` when missing, then runs every migration whose
// version is not recorded there, in version order, each in its own
// transaction together with the row that records it. Running it again is a
// no-op; a database recorded at a version this build does not know (written
// by a newer newcore) is refused with FailedPrecondition rather than used.
//
// The tables (docs/newcore.md, "The SQL store"):
//   nc_accounts          one row per account: the master record, balances in
//                        BIGINT minor units, last_posting_seq
//   nc_postings          customer postings, (account_id, seq) gapless per account
//   nc_gl_postings       the contra legs that make each entry balance
//                        (double entry: cash, loan funding, conversion)
//   nc_idempotency_keys  one row per applied key: fingerprint and the first
//                        outcome (Thrift binary, hex), the primary key being
//                        what stops two racing first attempts from both committing
//   nc_account_serials   the last serial assigned per product prefix and branch
//
// Thread-safety: a function over one connection.
#pragma once

#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "common/status.h"

namespace corebridge::newcore {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;  // DDL, in the connection's dialect
};

// Every migration of this build, oldest first, for `dialect`.
std::vector<Migration> migrations(const adapters::odbc::Dialect& dialect);

// The newest version recorded in the database after the call.
Result<int> applyMigrations(adapters::odbc::Connection& connection);

// Now in UTC as "CCYY-MM-DDTHH:MM:SSZ", for the created_at / applied_at columns.
std::string utcTimestamp();

}  // namespace corebridge::newcore

// The new core's SQL schema and its versioned migrations.
//
// applyMigrations() brings a database to the newest schema version through
// the shared runner (adapters/odbc/migrations.h), recording versions in
// `nc_schema_migrations`; a database written by a newer newcore is refused.
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
#include "adapters/odbc/migrations.h"
#include "common/status.h"

namespace corebridge::newcore {

using adapters::odbc::Migration;

// Every migration of this build, oldest first, for `dialect`.
std::vector<Migration> migrations(const adapters::odbc::Dialect& dialect);

// The newest version recorded in the database after the call
// (adapters/odbc/migrations.h, table nc_schema_migrations).
Result<int> applyMigrations(adapters::odbc::Connection& connection);

using adapters::odbc::utcTimestamp;

}  // namespace corebridge::newcore

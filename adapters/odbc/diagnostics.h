// Turning a failed ODBC call into a Status.
//
// Every SQLRETURN other than SQL_SUCCESS, SQL_SUCCESS_WITH_INFO (and, where
// the caller expects it, SQL_NO_DATA) becomes a Status whose code comes from
// Dialect::classify() and whose message names the call and carries every
// diagnostic record: "SQLExecute: [40001/1213] Deadlock found ...; [...]".
//
// Thread-safety: pure functions over a handle the caller owns.
#pragma once

#include <sql.h>

#include <string_view>
#include <vector>

#include "adapters/odbc/dialect.h"
#include "common/status.h"

namespace corebridge::adapters::odbc {

// The diagnostic records of `handle` (at most 8).
std::vector<Diagnostic> readDiagnostics(SQLSMALLINT handle_type, SQLHANDLE handle);

// "[SQLSTATE/native] text; ..." for logs and messages.
std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics);

// The Status of a failed call `what` on `handle`, classified by `dialect`.
// SQL_INVALID_HANDLE is Internal (a bug of ours).
Status odbcError(const Dialect& dialect, SQLSMALLINT handle_type, SQLHANDLE handle, SQLRETURN rc,
                 std::string_view what);

}  // namespace corebridge::adapters::odbc

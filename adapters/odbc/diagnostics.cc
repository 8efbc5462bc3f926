#include "adapters/odbc/diagnostics.h"

#include <sqlext.h>

namespace corebridge::adapters::odbc {

namespace {
constexpr SQLSMALLINT kMaxRecords = 8;
}  // namespace

std::vector<Diagnostic> readDiagnostics(SQLSMALLINT handle_type, SQLHANDLE handle) {
  std::vector<Diagnostic> out;
  for (SQLSMALLINT i = 1; i <= kMaxRecords; ++i) {
    SQLCHAR state[6] = {0};
    SQLINTEGER native = 0;
    SQLCHAR text[1024] = {0};
    SQLSMALLINT text_length = 0;
    SQLRETURN rc =
        SQLGetDiagRec(handle_type, handle, i, state, &native, text, sizeof text, &text_length);
    if (!SQL_SUCCEEDED(rc)) {
      break;
    }
    Diagnostic d;
    d.sqlstate = reinterpret_cast<const char*>(state);
    d.native_error = native;
    d.message = reinterpret_cast<const char*>(text);
    out.push_back(std::move(d));
  }
  return out;
}

std::string formatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) {
      out += "; ";
    }
    out +=
        "[SQLSTATE " + d.sqlstate + ", native " + std::to_string(d.native_error) + "] " + d.message;
  }
  return out;
}

Status odbcError(const Dialect& dialect, SQLSMALLINT handle_type, SQLHANDLE handle, SQLRETURN rc,
                 std::string_view what) {
  if (rc == SQL_INVALID_HANDLE) {
    return internalError(std::string(what) + ": invalid ODBC handle");
  }
  std::vector<Diagnostic> diagnostics = readDiagnostics(handle_type, handle);
  if (diagnostics.empty()) {
    return internalError(std::string(what) + ": failed (SQLRETURN " + std::to_string(rc) +
                         ") without a diagnostic record");
  }
  return Status(dialect.classify(diagnostics),
                std::string(what) + ": " + formatDiagnostics(diagnostics));
}

}  // namespace corebridge::adapters::odbc

// A prepared statement (an RAII HSTMT) on a Connection.
//
// Prepare once, then for each use: bind parameters (1-based, by position:
// int64, string, exact decimal as text, NULL), execute(), and either read
// rowsAffected() or fetch() rows and read their columns with typed getters.
// Bindings persist across executions until rebound or clearBindings().
//
// Money never passes through a double: bind int64 minor units, or a decimal
// as text ("-1234.56"), which is bound as SQL_DECIMAL with its own precision
// and scale; read it back with getString().
//
// fetch() reads the whole row as text (the drivers convert exactly), so the
// getters may be called in any order and more than once. Strings are UTF-8.
//
// Errors: InvalidArgument for a bad parameter index, a malformed decimal, a
// NULL read through a non-optional getter or text that is not an int64;
// everything the driver reports as classified by the Connection's Dialect.
//
// Thread-safety: as its Connection (one thread at a time); must be destroyed
// before the Connection.
#pragma once

#include <sql.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace corebridge::adapters::odbc {

class Connection;

class Statement {
 public:
  // Use Connection::prepare().
  Statement(Connection* connection, SQLHSTMT stmt, std::string sql);
  ~Statement();

  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  const std::string& sql() const { return sql_; }

  Status bindInt64(int index, int64_t value);
  Status bindString(int index, std::string_view value);
  // `decimal` is [-+]digits[.digits]; InvalidArgument otherwise.
  Status bindDecimal(int index, std::string_view decimal);
  Status bindNull(int index);
  void clearBindings() { params_.clear(); }

  // Runs the statement with the current bindings (closing an open cursor).
  Status execute();

  // Rows inserted, updated or deleted by the last execute().
  Result<int64_t> rowsAffected();

  // Moves to the next row: true when there is one, false at the end.
  Result<bool> fetch();
  int columnCount() const { return static_cast<int>(row_.size()); }

  // Columns are 1-based, as in ODBC.
  Result<int64_t> getInt64(int column) const;
  Result<std::optional<int64_t>> getOptionalInt64(int column) const;
  Result<std::string> getString(int column) const;
  Result<std::optional<std::string>> getOptionalString(int column) const;
  bool isNull(int column) const;

 private:
  struct Param {
    enum class Kind { kUnbound, kInt64, kString, kDecimal, kNull } kind = Kind::kUnbound;
    int64_t int_value = 0;
    std::string text;
    SQLULEN column_size = 0;
    SQLSMALLINT decimal_digits = 0;
    SQLLEN indicator = 0;
  };

  Param* param(int index);
  Status bindAll();
  Status closeCursor();
  Result<const std::optional<std::string>*> cell(int column) const;

  Connection* connection_;  // not owned
  SQLHSTMT stmt_;
  std::string sql_;
  std::vector<Param> params_;
  bool cursor_open_ = false;
  SQLSMALLINT result_columns_ = 0;
  std::vector<std::optional<std::string>> row_;
};

}  // namespace corebridge::adapters::odbc

#include "adapters/odbc/statement.h"

#include <sqlext.h>

#include <charconv>

#include "adapters/odbc/connection.h"

namespace corebridge::adapters::odbc {

namespace {

constexpr int kMaxParams = 1000;
constexpr size_t kChunk = 512;

}  // namespace

Statement::Statement(Connection* connection, SQLHSTMT stmt, std::string sql)
    : connection_(connection), stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() { SQLFreeHandle(SQL_HANDLE_STMT, stmt_); }

Statement::Param* Statement::param(int index) {
  if (index < 1 || index > kMaxParams) {
    return nullptr;
  }
  if (params_.size() < static_cast<size_t>(index)) {
    params_.resize(index);
  }
  return &params_[index - 1];
}

Status Statement::bindInt64(int index, int64_t value) {
  Param* p = param(index);
  if (p == nullptr) {
    return invalidArgument("parameter index " + std::to_string(index) + " out of range");
  }
  p->kind = Param::Kind::kInt64;
  p->int_value = value;
  return okStatus();
}

Status Statement::bindString(int index, std::string_view value) {
  Param* p = param(index);
  if (p == nullptr) {
    return invalidArgument("parameter index " + std::to_string(index) + " out of range");
  }
  p->kind = Param::Kind::kString;
  p->text.assign(value);
  return okStatus();
}

Status Statement::bindDecimal(int index, std::string_view decimal) {
  size_t i = 0;
  if (i < decimal.size() && (decimal[i] == '-' || decimal[i] == '+')) {
    ++i;
  }
  size_t digits = 0;
  size_t scale = 0;
  bool point = false;
  bool malformed = false;
  for (; i < decimal.size(); ++i) {
    const char c = decimal[i];
    if (c >= '0' && c <= '9') {
      ++digits;
      if (point) {
        ++scale;
      }
    } else if (c == '.' && !point) {
      point = true;
    } else {
      malformed = true;
      break;
    }
  }
  if (malformed || digits == scale || (point && scale == 0) || digits > 38) {
    return invalidArgument("'" + std::string(decimal) +
                           "' is not a decimal of at most 38 digits ([-]digits[.digits])");
  }
  Param* p = param(index);
  if (p == nullptr) {
    return invalidArgument("parameter index " + std::to_string(index) + " out of range");
  }
  p->kind = Param::Kind::kDecimal;
  p->text.assign(decimal);
  p->column_size = digits;
  p->decimal_digits = static_cast<SQLSMALLINT>(scale);
  return okStatus();
}

Status Statement::bindNull(int index) {
  Param* p = param(index);
  if (p == nullptr) {
    return invalidArgument("parameter index " + std::to_string(index) + " out of range");
  }
  p->kind = Param::Kind::kNull;
  return okStatus();
}

// Binding happens here, right before SQLExecute, so that the buffers the
// driver reads from are the ones params_ holds now.
Status Statement::bindAll() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Param& p = params_[i];
    const auto n = static_cast<SQLUSMALLINT>(i + 1);
    SQLRETURN rc = SQL_SUCCESS;
    switch (p.kind) {
      case Param::Kind::kUnbound:
        return invalidArgument("parameter " + std::to_string(i + 1) + " of '" + sql_ +
                               "' is not bound");
      case Param::Kind::kInt64:
        p.indicator = 0;
        rc = SQLBindParameter(stmt_, n, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0,
                              &p.int_value, 0, &p.indicator);
        break;
      case Param::Kind::kString:
        p.indicator = static_cast<SQLLEN>(p.text.size());
        rc = SQLBindParameter(stmt_, n, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR,
                              std::max<SQLULEN>(p.text.size(), 1), 0, p.text.data(),
                              static_cast<SQLLEN>(p.text.size()), &p.indicator);
        break;
      case Param::Kind::kDecimal:
        p.indicator = static_cast<SQLLEN>(p.text.size());
        rc = SQLBindParameter(stmt_, n, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_DECIMAL, p.column_size,
                              p.decimal_digits, p.text.data(), static_cast<SQLLEN>(p.text.size()),
                              &p.indicator);
        break;
      case Param::Kind::kNull:
        p.indicator = SQL_NULL_DATA;
        rc = SQLBindParameter(stmt_, n, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 1, 0, nullptr, 0,
                              &p.indicator);
        break;
    }
    CB_RETURN_IF_ERROR(connection_->check(rc, SQL_HANDLE_STMT, stmt_,
                                          "SQLBindParameter(" + std::to_string(i + 1) + ")"));
  }
  return okStatus();
}

Status Statement::closeCursor() {
  row_.clear();
  if (!cursor_open_) {
    return okStatus();
  }
  cursor_open_ = false;
  return connection_->check(SQLFreeStmt(stmt_, SQL_CLOSE), SQL_HANDLE_STMT, stmt_,
                            "SQLFreeStmt(CLOSE)");
}

Status Statement::execute() {
  CB_RETURN_IF_ERROR(closeCursor());
  CB_RETURN_IF_ERROR(connection_->check(SQLFreeStmt(stmt_, SQL_RESET_PARAMS), SQL_HANDLE_STMT,
                                        stmt_, "SQLFreeStmt(RESET_PARAMS)"));
  CB_RETURN_IF_ERROR(bindAll());
  SQLRETURN rc = SQLExecute(stmt_);
  if (rc != SQL_NO_DATA) {
    CB_RETURN_IF_ERROR(connection_->check(rc, SQL_HANDLE_STMT, stmt_, "SQLExecute(" + sql_ + ")"));
  }
  result_columns_ = 0;
  CB_RETURN_IF_ERROR(connection_->check(SQLNumResultCols(stmt_, &result_columns_), SQL_HANDLE_STMT,
                                        stmt_, "SQLNumResultCols"));
  cursor_open_ = result_columns_ > 0;
  return okStatus();
}

Result<int64_t> Statement::rowsAffected() {
  SQLLEN rows = 0;
  CB_RETURN_IF_ERROR(
      connection_->check(SQLRowCount(stmt_, &rows), SQL_HANDLE_STMT, stmt_, "SQLRowCount"));
  return static_cast<int64_t>(rows);
}

Result<bool> Statement::fetch() {
  row_.clear();
  if (!cursor_open_) {
    return failedPrecondition("fetch: '" + sql_ + "' has no open result set");
  }
  SQLRETURN rc = SQLFetch(stmt_);
  if (rc == SQL_NO_DATA) {
    CB_RETURN_IF_ERROR(closeCursor());
    return false;
  }
  CB_RETURN_IF_ERROR(connection_->check(rc, SQL_HANDLE_STMT, stmt_, "SQLFetch"));
  row_.resize(result_columns_);
  for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(result_columns_); ++c) {
    std::string value;
    char buffer[kChunk];
    while (true) {
      SQLLEN indicator = 0;
      rc = SQLGetData(stmt_, c, SQL_C_CHAR, buffer, sizeof buffer, &indicator);
      if (rc == SQL_NO_DATA) {
        break;
      }
      CB_RETURN_IF_ERROR(
          connection_->check(rc, SQL_HANDLE_STMT, stmt_, "SQLGetData(" + std::to_string(c) + ")"));
      if (indicator == SQL_NULL_DATA) {
        break;
      }
      // SQL_SUCCESS_WITH_INFO (01004): the buffer was filled, more follows.
      const size_t available = sizeof buffer - 1;
      const bool truncated =
          rc == SQL_SUCCESS_WITH_INFO &&
          (indicator == SQL_NO_TOTAL || static_cast<size_t>(indicator) > available);
      value.append(buffer, truncated ? available : static_cast<size_t>(indicator));
      if (!truncated) {
        row_[c - 1] = std::move(value);
        break;
      }
    }
  }
  return true;
}

Result<const std::optional<std::string>*> Statement::cell(int column) const {
  if (column < 1 || column > static_cast<int>(row_.size())) {
    return invalidArgument("column " + std::to_string(column) + " out of range (row has " +
                           std::to_string(row_.size()) + " columns)");
  }
  return &row_[column - 1];
}

bool Statement::isNull(int column) const {
  Result<const std::optional<std::string>*> c = cell(column);
  return !c.ok() || !(*c)->has_value();
}

Result<std::optional<std::string>> Statement::getOptionalString(int column) const {
  CB_ASSIGN_OR_RETURN(const std::optional<std::string>* c, cell(column));
  return *c;
}

Result<std::string> Statement::getString(int column) const {
  CB_ASSIGN_OR_RETURN(const std::optional<std::string>* c, cell(column));
  if (!c->has_value()) {
    return invalidArgument("column " + std::to_string(column) + " is NULL");
  }
  return **c;
}

Result<std::optional<int64_t>> Statement::getOptionalInt64(int column) const {
  CB_ASSIGN_OR_RETURN(const std::optional<std::string>* c, cell(column));
  if (!c->has_value()) {
    return std::optional<int64_t>();
  }
  const std::string& text = **c;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return invalidArgument("column " + std::to_string(column) + " ('" + text +
                           "') is not a 64-bit integer");
  }
  return std::optional<int64_t>(value);
}

Result<int64_t> Statement::getInt64(int column) const {
  CB_ASSIGN_OR_RETURN(std::optional<int64_t> v, getOptionalInt64(column));
  if (!v) {
    return invalidArgument("column " + std::to_string(column) + " is NULL");
  }
  return *v;
}

}  // namespace corebridge::adapters::odbc

#include "adapters/odbc/dialect.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace corebridge::adapters::odbc {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += items[i];
  }
  return out;
}

Result<Dialect> fromProductName(std::string_view product, std::string_view what) {
  const std::string p = lower(product);
  if (contains(p, "sqlite")) {
    return Dialect::sqlite();
  }
  if (contains(p, "postgres") || contains(p, "psql")) {
    return Dialect::postgres();
  }
  if (contains(p, "mariadb") || contains(p, "mysql") || contains(p, "maodbc")) {
    return Dialect::mariaDb();
  }
  return invalidArgument(std::string(what) + " '" + std::string(product) +
                         "' is none of SQLite, PostgreSQL, MariaDB");
}

StatusCode classifySqlite(const Diagnostic& d, const std::string& message) {
  // sqlite3odbc reports the SQLite result code as the native error.
  const long primary = d.native_error & 0xFF;
  if (primary == 5 || primary == 6 || contains(message, "database is locked") ||
      contains(message, "database table is locked") || contains(message, "busy")) {
    return StatusCode::kAborted;
  }
  if (d.native_error == 2067 || d.native_error == 1555 || contains(message, "unique constraint") ||
      contains(message, "is not unique") || contains(message, "primary key must be unique")) {
    return StatusCode::kAlreadyExists;
  }
  if (primary == 19 || contains(message, "constraint failed")) {
    return StatusCode::kInvalidArgument;
  }
  if (primary == 1 && (contains(message, "syntax error") || contains(message, "no such"))) {
    return StatusCode::kInvalidArgument;
  }
  return StatusCode::kInternal;
}

}  // namespace

std::optional<std::string> connectionAttribute(std::string_view connection_string,
                                               std::string_view key) {
  const std::string wanted = lower(key);
  size_t pos = 0;
  while (pos < connection_string.size()) {
    size_t eq = connection_string.find('=', pos);
    if (eq == std::string_view::npos) {
      return std::nullopt;
    }
    std::string name = lower(connection_string.substr(pos, eq - pos));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    size_t value_start = eq + 1;
    size_t end;
    std::string value;
    if (value_start < connection_string.size() && connection_string[value_start] == '{') {
      end = connection_string.find('}', value_start);
      if (end == std::string_view::npos) {
        end = connection_string.size();
      }
      value = std::string(connection_string.substr(value_start + 1, end - value_start - 1));
      end = connection_string.find(';', end);
    } else {
      end = connection_string.find(';', value_start);
      value = std::string(connection_string.substr(
          value_start,
          (end == std::string_view::npos ? connection_string.size() : end) - value_start));
    }
    if (name == wanted) {
      return value;
    }
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::string withDefaultAttribute(std::string connection_string, std::string_view key,
                                 std::string_view value) {
  if (connectionAttribute(connection_string, key).has_value()) {
    return connection_string;
  }
  if (!connection_string.empty() && connection_string.back() != ';') {
    connection_string += ';';
  }
  connection_string.append(key).append("=").append(value).append(";");
  return connection_string;
}

Result<Dialect> Dialect::fromConnectionString(std::string_view connection_string) {
  std::optional<std::string> driver = connectionAttribute(connection_string, "driver");
  if (!driver) {
    return notFound("connection string has no Driver= attribute");
  }
  return fromProductName(*driver, "ODBC driver");
}

Result<Dialect> Dialect::fromDbmsName(std::string_view dbms_name) {
  return fromProductName(dbms_name, "DBMS");
}

std::string_view Dialect::name() const {
  switch (kind_) {
    case DialectKind::kSqlite:
      return "sqlite";
    case DialectKind::kPostgres:
      return "postgres";
    case DialectKind::kMariaDb:
      return "mariadb";
  }
  return "unknown";
}

std::string Dialect::upsert(std::string_view table, const std::vector<std::string>& columns,
                            const std::vector<std::string>& key_columns,
                            const std::vector<std::string>& update_columns) const {
  std::vector<std::string> marks(columns.size(), "?");
  std::string sql = "INSERT INTO " + std::string(table) + " (" + join(columns, ", ") +
                    ") VALUES (" + join(marks, ", ") + ")";
  std::vector<std::string> sets;
  if (kind_ == DialectKind::kMariaDb) {
    for (const std::string& c : update_columns) {
      sets.push_back(c);
      sets.back().append(" = VALUES(").append(c).append(")");
    }
    if (sets.empty() && !key_columns.empty()) {
      sets.push_back(key_columns.front() + " = " + key_columns.front());
    }
    return sql + " ON DUPLICATE KEY UPDATE " + join(sets, ", ");
  }
  sql += " ON CONFLICT (" + join(key_columns, ", ") + ")";
  if (update_columns.empty()) {
    return sql + " DO NOTHING";
  }
  for (const std::string& c : update_columns) {
    sets.push_back(c);
    sets.back().append(" = excluded.").append(c);
  }
  return sql + " DO UPDATE SET " + join(sets, ", ");
}

std::string Dialect::castToDecimal(std::string_view expr, int precision, int scale) const {
  const std::string ps = "(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  switch (kind_) {
    case DialectKind::kSqlite:
      return "CAST(" + std::string(expr) + " AS NUMERIC)";
    case DialectKind::kPostgres:
      return "CAST(" + std::string(expr) + " AS NUMERIC" + ps + ")";
    case DialectKind::kMariaDb:
      return "CAST(" + std::string(expr) + " AS DECIMAL" + ps + ")";
  }
  return std::string(expr);
}

std::string Dialect::castToText(std::string_view expr) const {
  switch (kind_) {
    case DialectKind::kSqlite:
      return "CAST(" + std::string(expr) + " AS TEXT)";
    case DialectKind::kPostgres:
      return "CAST(" + std::string(expr) + " AS VARCHAR)";
    case DialectKind::kMariaDb:
      return "CAST(" + std::string(expr) + " AS CHAR)";
  }
  return std::string(expr);
}

std::string_view Dialect::forUpdate() const {
  return kind_ == DialectKind::kSqlite ? "" : " FOR UPDATE";
}

std::string_view Dialect::beginTransactionSql() const {
  return kind_ == DialectKind::kSqlite ? "BEGIN IMMEDIATE" : "";
}

std::string Dialect::identityColumn(std::string_view column) const {
  switch (kind_) {
    case DialectKind::kSqlite:
      return std::string(column) + " INTEGER PRIMARY KEY AUTOINCREMENT";
    case DialectKind::kPostgres:
      return std::string(column) + " BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    case DialectKind::kMariaDb:
      return std::string(column) + " BIGINT AUTO_INCREMENT PRIMARY KEY";
  }
  return std::string(column);
}

std::string Dialect::decimalType(int precision, int scale) const {
  const std::string ps = "(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  switch (kind_) {
    case DialectKind::kSqlite:
      return "TEXT";
    case DialectKind::kPostgres:
      return "NUMERIC" + ps;
    case DialectKind::kMariaDb:
      return "DECIMAL" + ps;
  }
  return "TEXT";
}

StatusCode Dialect::classify(const Diagnostic& d) const {
  const std::string& state = d.sqlstate;
  const std::string message = lower(d.message);
  if (state == "40001" || state == "40P01" || state == "40000") {
    return StatusCode::kAborted;
  }
  if (kind_ == DialectKind::kMariaDb) {
    if (d.native_error == 1213 || d.native_error == 1205) {
      return StatusCode::kAborted;
    }
    if (d.native_error == 1062 || d.native_error == 1586) {
      return StatusCode::kAlreadyExists;
    }
    if (d.native_error == 2006 || d.native_error == 2013 || d.native_error == 2002 ||
        d.native_error == 2003) {
      return StatusCode::kUnavailable;
    }
  }
  if (startsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300") {
    return StatusCode::kUnavailable;
  }
  if (state == "HYT00" || state == "HYT01") {
    return StatusCode::kDeadlineExceeded;
  }
  if (state == "23505") {
    return StatusCode::kAlreadyExists;
  }
  if (kind_ == DialectKind::kSqlite) {
    StatusCode code = classifySqlite(d, message);
    if (code != StatusCode::kInternal) {
      return code;
    }
  }
  if (state == "22003") {
    return StatusCode::kOutOfRange;
  }
  if (startsWith(state, "22") || startsWith(state, "23") || startsWith(state, "42") ||
      startsWith(state, "07") || startsWith(state, "21")) {
    return StatusCode::kInvalidArgument;
  }
  return StatusCode::kInternal;
}

StatusCode Dialect::classify(const std::vector<Diagnostic>& diagnostics) const {
  for (const Diagnostic& d : diagnostics) {
    StatusCode code = classify(d);
    if (code != StatusCode::kInternal) {
      return code;
    }
  }
  return StatusCode::kInternal;
}

}  // namespace corebridge::adapters::odbc

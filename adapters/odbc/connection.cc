#include "adapters/odbc/connection.h"

#include <sqlext.h>

#include <cctype>

#include "adapters/odbc/diagnostics.h"
#include "adapters/odbc/environment.h"
#include "adapters/odbc/statement.h"

namespace corebridge::adapters::odbc {

std::string redacted(std::string_view connection_string) {
  std::string out;
  size_t pos = 0;
  while (pos < connection_string.size()) {
    size_t end = connection_string.find(';', pos);
    if (end == std::string_view::npos) {
      end = connection_string.size();
    }
    std::string_view part = connection_string.substr(pos, end - pos);
    const size_t eq = part.find('=');
    std::string name(part.substr(0, eq == std::string_view::npos ? part.size() : eq));
    for (char& ch : name) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    while (!name.empty() && name.front() == ' ') {
      name.erase(0, 1);
    }
    if (eq != std::string_view::npos && (name == "pwd" || name == "password")) {
      out.append(part.substr(0, eq + 1));
      out += "***";
    } else {
      out.append(part);
    }
    if (end < connection_string.size()) {
      out += ';';
    }
    pos = end + 1;
  }
  return out;
}

namespace {

std::string infoString(SQLHDBC dbc, SQLUSMALLINT type) {
  SQLCHAR buffer[256] = {0};
  SQLSMALLINT length = 0;
  if (!SQL_SUCCEEDED(SQLGetInfo(dbc, type, buffer, sizeof buffer, &length))) {
    return "";
  }
  return reinterpret_cast<const char*>(buffer);
}

// ODBC passes integer attribute values in its pointer argument.
SQLPOINTER integerAttribute(SQLULEN value) {
  return reinterpret_cast<SQLPOINTER>(value);  // NOLINT(performance-no-int-to-ptr)
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& connection_string,
                                                     const ConnectOptions& options) {
  CB_ASSIGN_OR_RETURN(OdbcEnvironment * env, OdbcEnvironment::instance());
  // The Driver= attribute tells the dialect before connecting, so that a
  // failed connect is already classified in the right dialect; a DSN is
  // resolved after connecting from SQL_DBMS_NAME.
  Result<Dialect> from_string = Dialect::fromConnectionString(connection_string);
  if (!from_string.ok() && from_string.status().code() != StatusCode::kNotFound) {
    return from_string.status();
  }
  Dialect dialect = from_string.ok() ? *from_string : Dialect::postgres();

  SQLHDBC dbc = SQL_NULL_HDBC;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_DBC, env->handle(), &dbc);
  if (!SQL_SUCCEEDED(rc)) {
    return odbcError(dialect, SQL_HANDLE_ENV, env->handle(), rc, "SQLAllocHandle(DBC)");
  }
  std::unique_ptr<Connection> conn(new Connection(dbc, dialect));
  conn->query_timeout_ = options.query_timeout;
  if (options.login_timeout.count() > 0) {
    rc =
        SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT,
                          integerAttribute(static_cast<SQLULEN>(options.login_timeout.count())), 0);
    // A driver without login timeouts says so with SQL_SUCCESS_WITH_INFO or
    // HYC00; connecting without one is better than not connecting.
    (void)rc;
  }
  rc = SQLDriverConnect(
      dbc, nullptr,
      reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())),  // NOLINT
      SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
  if (!SQL_SUCCEEDED(rc)) {
    Status s = odbcError(dialect, SQL_HANDLE_DBC, dbc, rc, "SQLDriverConnect");
    if (s.code() == StatusCode::kInternal) {
      // IM002 (no such driver) and the like: the connection string is wrong.
      std::vector<Diagnostic> d = readDiagnostics(SQL_HANDLE_DBC, dbc);
      if (!d.empty() && d.front().sqlstate.rfind("IM", 0) == 0) {
        return invalidArgument(s.message());
      }
      // Most drivers report a refused or failed connect as HY000 or 08001.
      return unavailable(s.message());
    }
    return s;
  }
  conn->connected_ = true;
  conn->dbms_name_ = infoString(dbc, SQL_DBMS_NAME);
  conn->dbms_version_ = infoString(dbc, SQL_DBMS_VER);
  if (!from_string.ok()) {
    CB_ASSIGN_OR_RETURN(conn->dialect_, Dialect::fromDbmsName(conn->dbms_name_));
  }
  return conn;
}

Connection::~Connection() {
  if (connected_) {
    if (in_transaction_) {
      (void)rollback();
    }
    SQLDisconnect(dbc_);
  }
  SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
}

Status Connection::check(SQLRETURN rc, SQLSMALLINT handle_type, SQLHANDLE handle,
                         std::string_view what) {
  if (SQL_SUCCEEDED(rc)) {
    return okStatus();
  }
  Status s = odbcError(dialect_, handle_type, handle, rc, what);
  noteError(s);
  return s;
}

void Connection::noteError(const Status& status) {
  if (status.ok()) {
    return;
  }
  suspect_ = true;
  if (status.code() == StatusCode::kUnavailable) {
    broken_ = true;
  }
}

Status Connection::setAutocommit(bool on) {
  SQLRETURN rc = SQLSetConnectAttr(
      dbc_, SQL_ATTR_AUTOCOMMIT, integerAttribute(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0);
  CB_RETURN_IF_ERROR(check(rc, SQL_HANDLE_DBC, dbc_, "SQLSetConnectAttr(AUTOCOMMIT)"));
  autocommit_ = on;
  return okStatus();
}

Status Connection::begin() {
  if (in_transaction_) {
    return failedPrecondition("begin: a transaction is already open");
  }
  std::string_view sql = dialect_.beginTransactionSql();
  if (!sql.empty()) {
    if (!autocommit_) {
      CB_RETURN_IF_ERROR(setAutocommit(true));
    }
    CB_RETURN_IF_ERROR(execute(sql));
  } else {
    CB_RETURN_IF_ERROR(setAutocommit(false));
  }
  in_transaction_ = true;
  return okStatus();
}

Status Connection::commit() { return endTransaction(true); }

Status Connection::rollback() { return endTransaction(false); }

Status Connection::endTransaction(bool commit) {
  if (!in_transaction_) {
    return failedPrecondition(commit ? "commit: no transaction is open"
                                     : "rollback: no transaction is open");
  }
  std::string_view sql = dialect_.beginTransactionSql();
  Status s;
  if (!sql.empty()) {
    s = execute(commit ? "COMMIT" : "ROLLBACK");
    // A failed COMMIT in SQLite (SQLITE_BUSY) leaves the transaction open:
    // roll it back so that the connection is clean for the next one.
    if (!s.ok() && commit) {
      (void)execute("ROLLBACK");
    }
  } else {
    SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc_, commit ? SQL_COMMIT : SQL_ROLLBACK);
    s = check(rc, SQL_HANDLE_DBC, dbc_, commit ? "SQLEndTran(COMMIT)" : "SQLEndTran(ROLLBACK)");
    if (!s.ok() && commit) {
      (void)SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
    }
    Status back = setAutocommit(true);
    if (s.ok()) {
      s = back;
    }
  }
  in_transaction_ = false;
  return s;
}

Result<std::unique_ptr<Statement>> Connection::prepare(std::string_view sql) {
  SQLHSTMT stmt = SQL_NULL_HSTMT;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
  CB_RETURN_IF_ERROR(check(rc, SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)"));
  auto statement = std::make_unique<Statement>(this, stmt, std::string(sql));
  if (query_timeout_.count() > 0) {
    (void)SQLSetStmtAttr(stmt, SQL_ATTR_QUERY_TIMEOUT,
                         integerAttribute(static_cast<SQLULEN>(query_timeout_.count())), 0);
  }
  rc = SQLPrepare(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(statement->sql().c_str())),
                  static_cast<SQLINTEGER>(statement->sql().size()));
  CB_RETURN_IF_ERROR(check(rc, SQL_HANDLE_STMT, stmt, "SQLPrepare(" + std::string(sql) + ")"));
  return statement;
}

Status Connection::execute(std::string_view sql) {
  SQLHSTMT stmt = SQL_NULL_HSTMT;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
  CB_RETURN_IF_ERROR(check(rc, SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)"));
  std::string text(sql);
  rc = SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(text.data()),
                     static_cast<SQLINTEGER>(text.size()));
  // SQL_NO_DATA: a searched UPDATE/DELETE that touched no row.
  Status s = rc == SQL_NO_DATA ? okStatus()
                               : check(rc, SQL_HANDLE_STMT, stmt, "SQLExecDirect(" + text + ")");
  SQLFreeHandle(SQL_HANDLE_STMT, stmt);
  return s;
}

Status Connection::ping() {
  SQLUINTEGER dead = SQL_CD_FALSE;
  SQLRETURN rc = SQLGetConnectAttr(dbc_, SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr);
  if (SQL_SUCCEEDED(rc) && dead == SQL_CD_TRUE) {
    broken_ = true;
    return unavailable("ping: the driver reports the connection dead");
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<Statement> stmt, prepare("SELECT 1"));
  CB_RETURN_IF_ERROR(stmt->execute());
  CB_ASSIGN_OR_RETURN(bool row, stmt->fetch());
  if (!row) {
    return internalError("ping: SELECT 1 returned no row");
  }
  suspect_ = false;
  return okStatus();
}

}  // namespace corebridge::adapters::odbc

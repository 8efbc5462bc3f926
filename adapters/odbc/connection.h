// One ODBC connection (an RAII HDBC) to SQLite, PostgreSQL or MariaDB.
//
// Connection::open() connects with a login timeout and learns the Dialect from
// the connection string's Driver= (or, for a DSN, from SQL_DBMS_NAME). The
// connection starts in autocommit mode; begin() starts a transaction in the
// dialect's way (SQLite: BEGIN IMMEDIATE; the others: autocommit off) and
// commit()/rollback() end it and return to autocommit. The destructor rolls
// back a transaction still open, disconnects and frees the handle.
//
// Errors: every failed call returns the Status of odbcError() (codes from
// Dialect::classify: Unavailable, Aborted, AlreadyExists, InvalidArgument,
// ...). An Unavailable error marks the connection broken(); any error marks it
// suspect until ping() succeeds (the pool validates suspects on checkout).
//
// Thread-safety: one thread at a time (ODBC connections are not meant to be
// shared between concurrent callers); hand it over with a ConnectionPool.
// Statements prepared on a Connection must be destroyed before it.
#pragma once

#include <sql.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/odbc/dialect.h"
#include "common/status.h"

namespace corebridge::adapters::odbc {

class Statement;

// The connection string with the values of PWD= and PASSWORD= replaced by
// "***", for logs and error messages.
std::string redacted(std::string_view connection_string);

struct ConnectOptions {
  // SQL_ATTR_LOGIN_TIMEOUT: how long connecting may take (0: the driver's).
  std::chrono::seconds login_timeout{10};
  // SQL_ATTR_QUERY_TIMEOUT of every statement (0: none).
  std::chrono::seconds query_timeout{0};
};

class Connection {
 public:
  // Unavailable when the server cannot be reached, InvalidArgument for a
  // connection string naming an unknown driver, as the driver reports.
  static Result<std::unique_ptr<Connection>> open(const std::string& connection_string,
                                                  const ConnectOptions& options = {});
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Dialect& dialect() const { return dialect_; }
  // The DBMS's own name and version (SQL_DBMS_NAME, SQL_DBMS_VER).
  const std::string& dbmsName() const { return dbms_name_; }
  const std::string& dbmsVersion() const { return dbms_version_; }

  // ODBC autocommit. Turning it off starts an implicit transaction (in the
  // driver's own way: for SQLite a deferred BEGIN); prefer begin().
  Status setAutocommit(bool on);

  // FailedPrecondition when a transaction is already open / none is open.
  Status begin();
  Status commit();
  Status rollback();
  bool inTransaction() const { return in_transaction_; }

  // A statement prepared once and executed many times.
  Result<std::unique_ptr<Statement>> prepare(std::string_view sql);
  // Executes SQL without parameters or results (DDL, SET, ...).
  Status execute(std::string_view sql);

  // Whether the connection still works: SQL_ATTR_CONNECTION_DEAD, then a
  // round trip (SELECT 1). Clears suspect() on success.
  Status ping();

  // An Unavailable error was seen: throw the connection away.
  bool broken() const { return broken_; }
  // Some error was seen since the last successful ping().
  bool suspect() const { return suspect_; }

  // The Status of a failed call on one of this connection's handles, noting
  // it in broken()/suspect(). For Statement; returns OK when rc succeeded.
  Status check(SQLRETURN rc, SQLSMALLINT handle_type, SQLHANDLE handle, std::string_view what);
  // Notes an error that did not come from a handle of ours.
  void noteError(const Status& status);

  SQLHDBC handle() const { return dbc_; }
  std::chrono::seconds queryTimeout() const { return query_timeout_; }

 private:
  Connection(SQLHDBC dbc, Dialect dialect) : dbc_(dbc), dialect_(dialect) {}
  Status endTransaction(bool commit);

  SQLHDBC dbc_;
  Dialect dialect_;
  std::string dbms_name_;
  std::string dbms_version_;
  std::chrono::seconds query_timeout_{0};
  bool connected_ = false;
  bool in_transaction_ = false;
  bool autocommit_ = true;
  bool broken_ = false;
  bool suspect_ = false;
};

}  // namespace corebridge::adapters::odbc

// The database fixtures against the real servers, through unixODBC directly
// (raw sql.h, not the project's ODBC adapter), so that a failure here points
// at the servers, the drivers or the packages, never at our wrapper.
#include "tests/support/db_servers.h"

#include <gtest/gtest.h>
#include <sql.h>
#include <sqlext.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace corebridge::test_support {
namespace {

// The Debian package that registers each driver name in odbcinst.ini.
std::string driverPackage(const std::string& conn) {
  if (conn.find("PostgreSQL") != std::string::npos) {
    return "odbc-postgresql";
  }
  if (conn.find("MariaDB") != std::string::npos) {
    return "odbc-mariadb";
  }
  return "libsqliteodbc";
}

std::string diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
  std::string out;
  SQLCHAR state[6];
  SQLCHAR text[1024];
  SQLINTEGER native = 0;
  SQLSMALLINT len = 0;
  for (SQLSMALLINT i = 1;
       SQLGetDiagRec(type, handle, i, state, &native, text, sizeof(text), &len) == SQL_SUCCESS;
       ++i) {
    out += std::string("[") + reinterpret_cast<char*>(state) + "] " +
           reinterpret_cast<char*>(text) + "\n";
  }
  return out;
}

// One environment + connection, freed in reverse order.
class Connection {
 public:
  ~Connection() {
    if (dbc_ != SQL_NULL_HDBC) {
      if (connected_) {
        SQLDisconnect(dbc_);
      }
      SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }
    if (env_ != SQL_NULL_HENV) {
      SQLFreeHandle(SQL_HANDLE_ENV, env_);
    }
  }

  // Empty on success, else what went wrong and which package may be missing.
  std::string connect(const std::string& conn) {
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_);
    SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_);
    SQLSetConnectAttr(dbc_, SQL_ATTR_LOGIN_TIMEOUT, reinterpret_cast<SQLPOINTER>(10), 0);
    std::string in = conn;
    SQLRETURN rc = SQLDriverConnect(dbc_, nullptr, reinterpret_cast<SQLCHAR*>(in.data()), SQL_NTS,
                                    nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(rc)) {
      return "SQLDriverConnect(" + conn + ") failed:\n" + diagnostics(SQL_HANDLE_DBC, dbc_) +
             "(is the driver registered? `make deps` must install `" + driverPackage(conn) +
             "` and `unixodbc-dev`)";
    }
    connected_ = true;
    return "";
  }

  // Runs `sql`; if it returns rows, the first column of the first row.
  // Empty error on success.
  std::string exec(const std::string& sql, std::string* first_value = nullptr) {
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
    std::unique_ptr<void, void (*)(void*)> guard(
        stmt, [](void* h) { SQLFreeHandle(SQL_HANDLE_STMT, static_cast<SQLHSTMT>(h)); });
    std::string text = sql;
    SQLRETURN rc = SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(text.data()), SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) {
      return sql + ": " + diagnostics(SQL_HANDLE_STMT, stmt);
    }
    if (first_value == nullptr) {
      return "";
    }
    rc = SQLFetch(stmt);
    if (!SQL_SUCCEEDED(rc)) {
      return sql + ": no row: " + diagnostics(SQL_HANDLE_STMT, stmt);
    }
    char buf[256];
    SQLLEN ind = 0;
    rc = SQLGetData(stmt, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
    if (!SQL_SUCCEEDED(rc) || ind == SQL_NULL_DATA) {
      return sql + ": SQLGetData: " + diagnostics(SQL_HANDLE_STMT, stmt);
    }
    *first_value = buf;
    return "";
  }

 private:
  SQLHENV env_ = SQL_NULL_HENV;
  SQLHDBC dbc_ = SQL_NULL_HDBC;
  bool connected_ = false;
};

// exec() and connect() return an empty string on success, else the failure.
::testing::AssertionResult sqlOk(const std::string& err) {
  if (err.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << err;
}

// SELECT 1, then CREATE TABLE + INSERT + SELECT through a fresh connection.
void roundTrip(const std::string& conn) {
  Connection c;
  ASSERT_TRUE(sqlOk(c.connect(conn)));
  std::string value;
  ASSERT_TRUE(sqlOk(c.exec("SELECT 1", &value)));
  EXPECT_EQ(value, "1");
  ASSERT_TRUE(
      sqlOk(c.exec("CREATE TABLE cb_probe (id INTEGER PRIMARY KEY, name VARCHAR(32) NOT NULL)")));
  ASSERT_TRUE(sqlOk(c.exec("INSERT INTO cb_probe (id, name) VALUES (1, 'alpha'), (2, 'beta')")));
  ASSERT_TRUE(sqlOk(c.exec("SELECT name FROM cb_probe WHERE id = 2", &value)));
  EXPECT_EQ(value, "beta");
  ASSERT_TRUE(sqlOk(c.exec("SELECT COUNT(*) FROM cb_probe", &value)));
  EXPECT_EQ(value, "2");
  ASSERT_TRUE(sqlOk(c.exec("DROP TABLE cb_probe")));
}

void printStartup(const char* what, const DbServer& s) {
  std::printf("[  figure  ] %s start-up (init + server + CREATE DATABASE): %lld ms, port %d\n",
              what, static_cast<long long>(s.startupTime().count()), s.port());
}

// Starts, round-trips, stops; the server must exit on its own and the
// directory must be gone.
template <typename Server>
void startRoundTripStop(const char* what) {
  auto started = Server::start();
  ASSERT_TRUE(started.ok()) << started.status().toString();
  std::unique_ptr<Server> server = std::move(started).value();
  printStartup(what, *server);
  EXPECT_EQ(server->host(), "127.0.0.1");
  EXPECT_GT(server->port(), 0);
  EXPECT_TRUE(std::filesystem::is_directory(server->directory()));
  roundTrip(server->odbcConnectionString());
  std::string dir = server->directory();
  Status stopped = server->stop();
  EXPECT_TRUE(stopped.ok()) << stopped.toString();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(server->stop().ok());
}

TEST(PostgresServerTest, StartsRoundTripsAndStopsCleanly) {
  startRoundTripStop<PostgresServer>("postgres");
}

TEST(MariaDbServerTest, StartsRoundTripsAndStopsCleanly) {
  startRoundTripStop<MariaDbServer>("mariadb");
}

TEST(DbServersTest, TwoServersOfEachKindRunSideBySide) {
  auto pg1 = PostgresServer::start();
  auto pg2 = PostgresServer::start();
  ASSERT_TRUE(pg1.ok()) << pg1.status().toString();
  ASSERT_TRUE(pg2.ok()) << pg2.status().toString();
  EXPECT_NE((*pg1)->port(), (*pg2)->port());
  EXPECT_NE((*pg1)->directory(), (*pg2)->directory());
  auto my1 = MariaDbServer::start();
  auto my2 = MariaDbServer::start();
  ASSERT_TRUE(my1.ok()) << my1.status().toString();
  ASSERT_TRUE(my2.ok()) << my2.status().toString();
  EXPECT_NE((*my1)->port(), (*my2)->port());
  roundTrip((*pg2)->odbcConnectionString());
  roundTrip((*my2)->odbcConnectionString());
}

TEST(DbServersTest, SharedInstancesStartOncePerProcess) {
  auto pg = sharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status().toString();
  auto pg_again = sharedPostgres();
  ASSERT_TRUE(pg_again.ok());
  EXPECT_EQ(*pg, *pg_again);
  auto my = sharedMariaDb();
  ASSERT_TRUE(my.ok()) << my.status().toString();
  auto my_again = sharedMariaDb();
  ASSERT_TRUE(my_again.ok());
  EXPECT_EQ(*my, *my_again);
  roundTrip((*pg)->odbcConnectionString());
  roundTrip((*my)->odbcConnectionString());
}

TEST(SqliteOdbcTest, RoundTrip) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/cb_sqlite_" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  roundTrip(sqliteConnectionString(path));
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

TEST(SqliteOdbcTest, ConnectionStringNamesTheDriver) {
  EXPECT_EQ(sqliteConnectionString("/tmp/x.db"), "Driver=SQLite3;Database=/tmp/x.db;");
}

}  // namespace
}  // namespace corebridge::test_support

// Real database servers for tests: PostgreSQL and MariaDB started on loopback
// from the Debian packages `make deps` installs, plus the SQLite ODBC string.
//
// Each fixture owns one server process and one fresh temporary directory
// (data files, Unix socket, log). start() returns only once the server accepts
// TCP connections on 127.0.0.1 and the database `corebridge_test` exists; the
// destructor (or stop()) shuts the server down (fast shutdown, SIGKILL after a
// deadline) and removes the directory.
//
// Errors from start():
//   FailedPrecondition  a binary is missing; the message names the Debian
//                       package `make deps` must install
//   DeadlineExceeded    the server did not accept connections in time; the
//                       message carries the tail of the server's log
//   Internal            anything else (initdb failed, the server died, ...)
// Tests must treat every error as a failure, never as a skip.
//
// Works as root (CI): PostgreSQL refuses to run as root, so initdb and the
// postmaster run as the `postgres` user through `runuser`; as another user
// they run as that user. MariaDB runs as the calling user.
//
// Thread-safety: a fixture is used from one thread; sharedPostgres() and
// sharedMariaDb() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace corebridge::test_support {

// What every server fixture exposes.
class DbServer {
 public:
  virtual ~DbServer() = default;

  // DSN-less connection string for the server's unixODBC driver, connecting as
  // the superuser to `corebridge_test` over TCP on 127.0.0.1.
  virtual std::string odbcConnectionString() const = 0;

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const std::string& database() const { return database_; }
  // The temporary directory holding data, socket and log; gone after stop().
  const std::string& directory() const { return dir_; }
  const std::string& logPath() const { return log_path_; }
  // Wall time start() took, initialisation included.
  std::chrono::milliseconds startupTime() const { return startup_time_; }

  // Stops the server and removes the directory. OK when the server exited on
  // its own after the shutdown request; an error when it had to be killed or
  // had already died. Idempotent: later calls return OK.
  Status stop();

 protected:
  DbServer() = default;
  DbServer(const DbServer&) = delete;
  DbServer& operator=(const DbServer&) = delete;

  // Sends the server its "fast shutdown" signal.
  virtual void requestShutdown() = 0;

  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string database_ = "corebridge_test";
  std::string dir_;
  std::string log_path_;
  pid_t pid_ = -1;  // our direct child (the server, or runuser in front of it)
  std::chrono::milliseconds startup_time_{0};
  bool stopped_ = false;
};

class PostgresServer : public DbServer {
 public:
  // initdb in a fresh directory, postgres on a free loopback port, CREATE
  // DATABASE corebridge_test. Binaries: /usr/lib/postgresql/*/bin (newest).
  // Durability is off (fsync, synchronous_commit, full_page_writes) unless
  // `durable`: benchmarks that measure commits ask for the server's defaults.
  static Result<std::unique_ptr<PostgresServer>> start(bool durable = false);
  ~PostgresServer() override;

  // Driver `PostgreSQL Unicode` (odbc-postgresql), user postgres, no password.
  std::string odbcConnectionString() const override;

 private:
  PostgresServer() = default;
  void requestShutdown() override;
  Status launch(const std::string& bindir, bool durable);

  std::string data_dir_;
};

class MariaDbServer : public DbServer {
 public:
  // mariadb-install-db in a fresh directory, mariadbd on a free loopback port,
  // CREATE DATABASE corebridge_test.
  static Result<std::unique_ptr<MariaDbServer>> start();
  ~MariaDbServer() override;

  // Driver `MariaDB Unicode` (odbc-mariadb), user root, empty password.
  std::string odbcConnectionString() const override;

 private:
  MariaDbServer() = default;
  void requestShutdown() override;
  Status installSystemTables();
  Status launch();

  std::string data_dir_;
};

// Driver `SQLite3` (libsqliteodbc) on the database file at `path`.
std::string sqliteConnectionString(const std::string& path);

// One server per process, started on first use and stopped at exit. A failed
// start is remembered: later calls return the same error without retrying.
Result<PostgresServer*> sharedPostgres();
Result<MariaDbServer*> sharedMariaDb();

}  // namespace corebridge::test_support

// The databases the ODBC suites run against, built in one place.
//
// odbcTestTargets() names them: "sqlite" always (the SQLite3 ODBC driver on a
// file in the temporary directory, one per test process, removed at exit),
// plus "postgres" and "mariadb" when a connection string is known for them:
//   - from the environment, CB_ODBC_TEST_POSTGRES / CB_ODBC_TEST_MARIADB
//     (any server, e.g. a Galera cluster or a CockroachDB), else
//   - from tests/support/db_servers.h, which starts a real server on
//     loopback on first use in the test process; compiled in when the build
//     defines CB_ODBC_WITH_DB_SERVERS (adapters/CMakeLists.txt does when the
//     cb_test_support library exists).
// The names are fixed when tests are registered; odbcConnectionString()
// resolves one in the test that uses it, so that listing the tests, or
// running a SQLite test, starts no server.
//
// Tests create their own tables (prefixed cb_odbc_) and drop them first.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

#if defined(CB_ODBC_WITH_DB_SERVERS)
#include "tests/support/db_servers.h"
#endif

namespace corebridge::adapters::odbc::testing {

inline const std::string& sqliteTestPath() {
  struct TempFile {
    std::string path;
    TempFile()
        : path((std::filesystem::temp_directory_path() /
                ("cb_odbc_test_" + std::to_string(::getpid()) + ".db"))
                   .string()) {
      std::filesystem::remove(path);
    }
    ~TempFile() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      std::filesystem::remove(path + "-journal", ignored);
    }
  };
  static TempFile file;
  return file.path;
}

// Timeout= is SQLite's busy timeout in ms: how long BEGIN IMMEDIATE waits for
// another writer before failing with SQLITE_BUSY (Aborted).
inline std::string sqliteTestConnectionString() {
  return "Driver=SQLite3;Database=" + sqliteTestPath() + ";Timeout=2000";
}

inline const char* environmentTarget(const std::string& target) {
  const char* value = nullptr;
  if (target == "postgres") {
    value = std::getenv("CB_ODBC_TEST_POSTGRES");
  } else if (target == "mariadb") {
    value = std::getenv("CB_ODBC_TEST_MARIADB");
  }
  return value != nullptr && *value != '\0' ? value : nullptr;
}

inline std::vector<std::string> odbcTestTargets() {
  std::vector<std::string> targets = {"sqlite"};
  for (const char* server : {"postgres", "mariadb"}) {
#if defined(CB_ODBC_WITH_DB_SERVERS)
    targets.emplace_back(server);
#else
    if (environmentTarget(server) != nullptr) {
      targets.emplace_back(server);
    }
#endif
  }
  return targets;
}

// The connection string of a target; starts its server when needed.
inline Result<std::string> odbcConnectionString(const std::string& target) {
  if (target == "sqlite") {
    return sqliteTestConnectionString();
  }
  if (const char* from_environment = environmentTarget(target)) {
    return std::string(from_environment);
  }
#if defined(CB_ODBC_WITH_DB_SERVERS)
  if (target == "postgres") {
    CB_ASSIGN_OR_RETURN(test_support::PostgresServer * server, test_support::sharedPostgres());
    return server->odbcConnectionString();
  }
  if (target == "mariadb") {
    CB_ASSIGN_OR_RETURN(test_support::MariaDbServer * server, test_support::sharedMariaDb());
    return server->odbcConnectionString();
  }
#endif
  return notFound("no connection string for ODBC test target '" + target + "'");
}

}  // namespace corebridge::adapters::odbc::testing

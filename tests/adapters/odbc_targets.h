// The databases the ODBC suites run against, built in one place.
//
// Always: SQLite through the SQLite3 ODBC driver on a file in the temporary
// directory (one per test process, removed at exit). Also, when set, the
// connection strings in CB_ODBC_TEST_POSTGRES and CB_ODBC_TEST_MARIADB, e.g.
//   Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=P;Database=postgres;Uid=postgres;
//   Driver=MariaDB Unicode;Server=127.0.0.1;Port=P;Database=test;Uid=root;Pwd=;
// Tests create their own tables (prefixed cb_odbc_) and drop them first.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

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

inline std::vector<std::string> odbcTestTargets() {
  std::vector<std::string> targets = {sqliteTestConnectionString()};
  for (const char* variable : {"CB_ODBC_TEST_POSTGRES", "CB_ODBC_TEST_MARIADB"}) {
    const char* value = std::getenv(variable);
    if (value != nullptr && *value != '\0') {
      targets.emplace_back(value);
    }
  }
  return targets;
}

}  // namespace corebridge::adapters::odbc::testing

#include "adapters/odbc/migrations.h"

#include <algorithm>
#include <ctime>
#include <optional>
#include <set>

#include "adapters/odbc/statement.h"

namespace corebridge::adapters::odbc {

std::string tableOptions(const Dialect& dialect) {
  return dialect.kind() == DialectKind::kMariaDb ? " ENGINE=InnoDB" : "";
}

std::string utcTimestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

Result<std::set<int>> appliedVersions(Connection& connection, const std::string& table) {
  std::set<int> applied;
  CB_ASSIGN_OR_RETURN(auto select, connection.prepare("SELECT version FROM " + table));
  CB_RETURN_IF_ERROR(select->execute());
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, select->fetch());
    if (!row) {
      break;
    }
    CB_ASSIGN_OR_RETURN(int64_t v, select->getInt64(1));
    applied.insert(static_cast<int>(v));
  }
  return applied;
}

// Runs one migration's statements and records it, in one transaction.
Status applyOne(Connection& connection, const std::string& table, const Migration& m) {
  CB_RETURN_IF_ERROR(connection.begin());
  Status s;
  for (const std::string& sql : m.statements) {
    s = connection.execute(sql);
    if (!s.ok()) {
      break;
    }
  }
  if (s.ok()) {
    auto record = connection.prepare("INSERT INTO " + table +
                                     " (version, description, applied_at) VALUES (?, ?, ?)");
    s = record.status();
    if (s.ok()) {
      s = (*record)->bindInt64(1, m.version);
    }
    if (s.ok()) {
      s = (*record)->bindString(2, m.description.substr(0, 200));
    }
    if (s.ok()) {
      s = (*record)->bindString(3, utcTimestamp());
    }
    if (s.ok()) {
      s = (*record)->execute();
    }
  }
  if (s.ok()) {
    s = connection.commit();
  }
  if (!s.ok() && connection.inTransaction()) {
    (void)connection.rollback();
  }
  return s;
}

}  // namespace

Result<int> applyMigrations(Connection& connection, const std::string& table,
                            const std::vector<Migration>& migrations, const std::string& what) {
  const Dialect& dialect = connection.dialect();
  CB_RETURN_IF_ERROR(connection.execute("CREATE TABLE IF NOT EXISTS " + table +
                                        " (version INTEGER NOT NULL PRIMARY KEY,"
                                        " description VARCHAR(200) NOT NULL,"
                                        " applied_at VARCHAR(32) NOT NULL)" +
                                        tableOptions(dialect)));
  if (dialect.kind() == DialectKind::kSqlite) {
    CB_RETURN_IF_ERROR(connection.execute("PRAGMA journal_mode=WAL"));
  }
  CB_ASSIGN_OR_RETURN(std::set<int> applied, appliedVersions(connection, table));
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (!applied.empty() && *applied.rbegin() > newest) {
    return failedPrecondition("the " + what + " is at schema version " +
                              std::to_string(*applied.rbegin()) + "; this build knows up to " +
                              std::to_string(newest) + " (a newer build wrote it)");
  }
  for (const Migration& m : migrations) {
    if (applied.count(m.version) != 0) {
      continue;
    }
    if (Status s = applyOne(connection, table, m); !s.ok()) {
      return Status(s.code(), what + " schema migration " + std::to_string(m.version) + " (" +
                                  m.description + "): " + s.message());
    }
  }
  return newest;
}

Result<int> readSchemaVersion(Connection& connection, const std::string& table,
                              const std::string& what, const std::string& where) {
  auto st = connection.prepare("SELECT MAX(version) FROM " + table);
  Status s = st.status();
  if (s.ok()) {
    s = (*st)->execute();
  }
  if (!s.ok()) {
    return failedPrecondition("no " + what + " at " + where + " (" + s.message() + ")");
  }
  CB_ASSIGN_OR_RETURN(bool row, (*st)->fetch());
  if (!row) {
    return failedPrecondition("no " + what + " at " + where);
  }
  CB_ASSIGN_OR_RETURN(std::optional<int64_t> v, (*st)->getOptionalInt64(1));
  if (!v) {
    return failedPrecondition("no " + what + " at " + where + " (no schema version)");
  }
  return static_cast<int>(*v);
}

Result<OpenedStore> openStore(const std::string& connection_string, size_t pool_size,
                              bool read_only, const StoreSchema& schema) {
  Result<Dialect> named = Dialect::fromConnectionString(connection_string);
  if (!named.ok() && named.status().code() != StatusCode::kNotFound) {
    return named.status();
  }
  std::string cs = connection_string;
  if (named.ok() && named->kind() == DialectKind::kSqlite) {
    // Writers (bridge instances) and readers (bridgectl) wait for each
    // other instead of failing.
    cs = withDefaultAttribute(cs, "Timeout", "10000");
  }
  PoolOptions pool_options;
  pool_options.max_size = std::max<size_t>(1, pool_size);
  OpenedStore out;
  out.pool = std::make_unique<ConnectionPool>(cs, pool_options);
  {
    CB_ASSIGN_OR_RETURN(PooledConnection lease, out.pool->acquire());
    if (read_only) {
      CB_ASSIGN_OR_RETURN(out.schema_version, readSchemaVersion(*lease, schema.table, schema.what,
                                                                redacted(connection_string)));
    } else {
      CB_ASSIGN_OR_RETURN(
          out.schema_version,
          applyMigrations(*lease, schema.table, schema.migrations(lease->dialect()), schema.what));
    }
  }
  return out;
}

}  // namespace corebridge::adapters::odbc

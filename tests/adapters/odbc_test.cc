// The ODBC layer against real drivers: SQLite always, PostgreSQL and MariaDB
// when odbc_targets.h names them.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/pool.h"
#include "adapters/odbc/statement.h"
#include "adapters/odbc/transaction.h"
#include "tests/adapters/odbc_targets.h"

namespace corebridge::adapters::odbc {
namespace {

class OdbcTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Result<std::string> resolved = testing::odbcConnectionString(GetParam());
    ASSERT_TRUE(resolved.ok()) << resolved.status().toString();
    connection_string_ = *resolved;
    Result<std::unique_ptr<Connection>> c = Connection::open(connection_string_);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    conn_ = std::move(c).value();
  }

  // The target's connection string (GetParam() is its name).
  const std::string& target() const { return connection_string_; }

  // Drops and creates `table` with the given column list.
  void createTable(const std::string& table, const std::string& columns) {
    ASSERT_TRUE(conn_->execute("DROP TABLE IF EXISTS " + table).ok());
    Status s = conn_->execute("CREATE TABLE " + table + " (" + columns + ")");
    ASSERT_TRUE(s.ok()) << s.toString();
  }

  int64_t count(const std::string& table) {
    auto stmt = conn_->prepare("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(stmt.ok()) << stmt.status().toString();
    EXPECT_TRUE((*stmt)->execute().ok());
    EXPECT_TRUE((*stmt)->fetch().value());
    return (*stmt)->getInt64(1).value();
  }

  const Dialect& dialect() const { return conn_->dialect(); }

  std::string connection_string_;
  std::unique_ptr<Connection> conn_;
};

TEST_P(OdbcTest, DetectsDialectFromDriverAndDbms) {
  Result<Dialect> from_dbms = Dialect::fromDbmsName(conn_->dbmsName());
  ASSERT_TRUE(from_dbms.ok()) << from_dbms.status().toString();
  EXPECT_EQ(from_dbms->kind(), dialect().kind());
  EXPECT_TRUE(conn_->ping().ok());
}

TEST_P(OdbcTest, PreparedRoundTripOfInt64TextDecimalAndNull) {
  createTable("cb_odbc_round", "id BIGINT PRIMARY KEY, name VARCHAR(200), amount " +
                                   dialect().decimalType(38, 2) + ", note VARCHAR(50)");
  auto insert =
      conn_->prepare("INSERT INTO cb_odbc_round (id, name, amount, note) VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status().toString();
  struct Row {
    int64_t id;
    std::string name;
    std::string amount;
    std::optional<std::string> note;
  };
  const std::vector<Row> rows = {
      {std::numeric_limits<int64_t>::max(), "Zürich – 東京 € ✓",
       "123456789012345678901234567890.12", "x"},
      {std::numeric_limits<int64_t>::min(), "", "-0.01", std::nullopt},
      {0, std::string(2000 / 10, 'a'), "7.00", "it's"},
  };
  for (const Row& r : rows) {
    ASSERT_TRUE((*insert)->bindInt64(1, r.id).ok());
    ASSERT_TRUE((*insert)->bindString(2, r.name).ok());
    ASSERT_TRUE((*insert)->bindDecimal(3, r.amount).ok());
    if (r.note) {
      ASSERT_TRUE((*insert)->bindString(4, *r.note).ok());
    } else {
      ASSERT_TRUE((*insert)->bindNull(4).ok());
    }
    Status s = (*insert)->execute();
    ASSERT_TRUE(s.ok()) << s.toString();
    EXPECT_EQ((*insert)->rowsAffected().value(), 1);
  }

  auto select = conn_->prepare("SELECT id, name, " + dialect().castToText("amount") +
                               ", note FROM cb_odbc_round WHERE id = ?");
  ASSERT_TRUE(select.ok()) << select.status().toString();
  for (const Row& r : rows) {
    ASSERT_TRUE((*select)->bindInt64(1, r.id).ok());
    Status s = (*select)->execute();
    ASSERT_TRUE(s.ok()) << s.toString();
    ASSERT_TRUE((*select)->fetch().value());
    EXPECT_EQ((*select)->getInt64(1).value(), r.id);
    EXPECT_EQ((*select)->getString(2).value(), r.name);
    EXPECT_EQ((*select)->getString(3).value(), r.amount);
    EXPECT_EQ((*select)->getOptionalString(4).value(), r.note);
    EXPECT_EQ((*select)->isNull(4), !r.note.has_value());
    EXPECT_FALSE((*select)->fetch().value());
  }
}

TEST_P(OdbcTest, NullThroughTypedGetters) {
  createTable("cb_odbc_nulls", "a BIGINT, b VARCHAR(10)");
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_nulls (a, b) VALUES (NULL, NULL)").ok());
  auto select = conn_->prepare("SELECT a, b FROM cb_odbc_nulls");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE((*select)->execute().ok());
  ASSERT_TRUE((*select)->fetch().value());
  EXPECT_EQ((*select)->getOptionalInt64(1).value(), std::nullopt);
  EXPECT_EQ((*select)->getOptionalString(2).value(), std::nullopt);
  EXPECT_EQ((*select)->getInt64(1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*select)->getString(2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*select)->getString(3).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OdbcTest, RejectsMalformedDecimalsAndUnboundParameters) {
  createTable("cb_odbc_dec", "a VARCHAR(40), b VARCHAR(40)");
  auto insert = conn_->prepare("INSERT INTO cb_odbc_dec (a, b) VALUES (?, ?)");
  ASSERT_TRUE(insert.ok());
  for (const char* bad : {"", "1.", ".5", "1e5", "12a", "--1", "1.2.3"}) {
    EXPECT_EQ((*insert)->bindDecimal(1, bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  ASSERT_TRUE((*insert)->bindString(2, "x").ok());
  EXPECT_EQ((*insert)->execute().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*insert)->bindInt64(0, 1).code(), StatusCode::kInvalidArgument);
}

TEST_P(OdbcTest, RowsAffectedByUpdateAndDelete) {
  createTable("cb_odbc_rows", "id BIGINT PRIMARY KEY, v BIGINT");
  auto insert = conn_->prepare("INSERT INTO cb_odbc_rows (id, v) VALUES (?, 0)");
  ASSERT_TRUE(insert.ok());
  for (int64_t i = 1; i <= 5; ++i) {
    ASSERT_TRUE((*insert)->bindInt64(1, i).ok());
    ASSERT_TRUE((*insert)->execute().ok());
  }
  auto update = conn_->prepare("UPDATE cb_odbc_rows SET v = v + 1 WHERE id <= ?");
  ASSERT_TRUE(update.ok());
  ASSERT_TRUE((*update)->bindInt64(1, 3).ok());
  ASSERT_TRUE((*update)->execute().ok());
  EXPECT_EQ((*update)->rowsAffected().value(), 3);
  ASSERT_TRUE((*update)->bindInt64(1, 0).ok());
  ASSERT_TRUE((*update)->execute().ok());
  EXPECT_EQ((*update)->rowsAffected().value(), 0);
}

TEST_P(OdbcTest, CommitKeepsAndRollbackDiscards) {
  createTable("cb_odbc_txn", "id BIGINT PRIMARY KEY");
  ASSERT_TRUE(conn_->begin().ok());
  EXPECT_TRUE(conn_->inTransaction());
  EXPECT_EQ(conn_->begin().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_txn (id) VALUES (1)").ok());
  ASSERT_TRUE(conn_->commit().ok());
  EXPECT_FALSE(conn_->inTransaction());

  ASSERT_TRUE(conn_->begin().ok());
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_txn (id) VALUES (2)").ok());
  ASSERT_TRUE(conn_->rollback().ok());
  EXPECT_EQ(conn_->commit().code(), StatusCode::kFailedPrecondition);

  // Another connection sees exactly the committed row.
  auto other = Connection::open(target());
  ASSERT_TRUE(other.ok());
  auto stmt = (*other)->prepare("SELECT id FROM cb_odbc_txn");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE((*stmt)->execute().ok());
  ASSERT_TRUE((*stmt)->fetch().value());
  EXPECT_EQ((*stmt)->getInt64(1).value(), 1);
  EXPECT_FALSE((*stmt)->fetch().value());
}

TEST_P(OdbcTest, UniqueViolationIsAlreadyExistsWithSqlstate) {
  createTable("cb_odbc_uniq", "id BIGINT PRIMARY KEY, k VARCHAR(20) UNIQUE");
  auto insert = conn_->prepare("INSERT INTO cb_odbc_uniq (id, k) VALUES (?, ?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE((*insert)->bindInt64(1, 1).ok());
  ASSERT_TRUE((*insert)->bindString(2, "a").ok());
  ASSERT_TRUE((*insert)->execute().ok());
  Status dup_key = (*insert)->execute();
  EXPECT_EQ(dup_key.code(), StatusCode::kAlreadyExists) << dup_key.toString();
  EXPECT_NE(dup_key.message().find("SQLSTATE "), std::string::npos) << dup_key.toString();
  ASSERT_TRUE((*insert)->bindInt64(1, 2).ok());
  Status dup_unique = (*insert)->execute();
  EXPECT_EQ(dup_unique.code(), StatusCode::kAlreadyExists) << dup_unique.toString();
  // The connection is suspect, and validates.
  EXPECT_TRUE(conn_->suspect());
  EXPECT_TRUE(conn_->ping().ok());
  EXPECT_FALSE(conn_->suspect());
  EXPECT_EQ(count("cb_odbc_uniq"), 1);
}

TEST_P(OdbcTest, NotNullViolationIsInvalidArgument) {
  createTable("cb_odbc_notnull", "id BIGINT NOT NULL");
  Status s = conn_->execute("INSERT INTO cb_odbc_notnull (id) VALUES (NULL)");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.toString();
}

TEST_P(OdbcTest, BadSqlIsInvalidArgumentWithSqlstateAndText) {
  auto stmt = conn_->prepare("SELEKT 1");
  Status s = stmt.ok() ? (*stmt)->execute() : stmt.status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.toString();
  EXPECT_NE(s.message().find("SQLSTATE "), std::string::npos) << s.toString();
  EXPECT_NE(s.message().find("SELEKT"), std::string::npos) << s.toString();
}

TEST_P(OdbcTest, UpsertInsertsThenUpdates) {
  createTable("cb_odbc_upsert", "k VARCHAR(20) PRIMARY KEY, v BIGINT");
  auto upsert = conn_->prepare(dialect().upsert("cb_odbc_upsert", {"k", "v"}, {"k"}, {"v"}));
  ASSERT_TRUE(upsert.ok()) << upsert.status().toString();
  for (int64_t v : {1, 2, 3}) {
    ASSERT_TRUE((*upsert)->bindString(1, "acct").ok());
    ASSERT_TRUE((*upsert)->bindInt64(2, v).ok());
    Status s = (*upsert)->execute();
    ASSERT_TRUE(s.ok()) << s.toString();
  }
  auto select = conn_->prepare("SELECT v FROM cb_odbc_upsert WHERE k = 'acct'");
  ASSERT_TRUE((*select)->execute().ok());
  ASSERT_TRUE((*select)->fetch().value());
  EXPECT_EQ((*select)->getInt64(1).value(), 3);
  EXPECT_EQ(count("cb_odbc_upsert"), 1);
}

TEST_P(OdbcTest, IdentityColumnNumbersRows) {
  ASSERT_TRUE(conn_->execute("DROP TABLE IF EXISTS cb_odbc_ident").ok());
  Status s = conn_->execute("CREATE TABLE cb_odbc_ident (" + dialect().identityColumn("id") +
                            ", v VARCHAR(10))");
  ASSERT_TRUE(s.ok()) << s.toString();
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_ident (v) VALUES ('a')").ok());
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_ident (v) VALUES ('b')").ok());
  auto select = conn_->prepare("SELECT id FROM cb_odbc_ident ORDER BY id");
  ASSERT_TRUE((*select)->execute().ok());
  ASSERT_TRUE((*select)->fetch().value());
  const int64_t first = (*select)->getInt64(1).value();
  ASSERT_TRUE((*select)->fetch().value());
  EXPECT_GT((*select)->getInt64(1).value(), first);
}

TEST_P(OdbcTest, PoolServesEightThreadsWithinItsBound) {
  createTable("cb_odbc_pool", "id BIGINT PRIMARY KEY, t BIGINT");
  PoolOptions options;
  options.max_size = 4;
  ConnectionPool pool(target(), options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = runTransaction(pool, [&](Connection& c) -> Status {
          CB_ASSIGN_OR_RETURN(auto stmt,
                              c.prepare("INSERT INTO cb_odbc_pool (id, t) VALUES (?, ?)"));
          CB_RETURN_IF_ERROR(stmt->bindInt64(1, t * 1000 + i));
          CB_RETURN_IF_ERROR(stmt->bindInt64(2, t));
          return stmt->execute();
        });
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.toString();
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(pool.openCount(), 4u);
  EXPECT_EQ(pool.idleCount(), pool.openCount());
  EXPECT_EQ(count("cb_odbc_pool"), kThreads * kPerThread);
}

TEST_P(OdbcTest, PoolReplacesDiscardedAndValidatesSuspectConnections) {
  PoolOptions options;
  options.max_size = 1;
  ConnectionPool pool(target(), options);
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    (*lease).discard();
  }
  EXPECT_EQ(pool.replacedCount(), 1u);
  EXPECT_EQ(pool.openCount(), 0u);
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_FALSE((*lease)->execute("SELEKT").ok());
    EXPECT_TRUE((*lease)->suspect());
  }
  auto lease = pool.acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE((*lease)->suspect());  // pinged on checkout
  EXPECT_EQ(pool.replacedCount(), 1u);
  // The only connection is leased: a second checkout times out.
  PoolOptions quick = options;
  quick.checkout_timeout = std::chrono::milliseconds(50);
  ConnectionPool small(target(), quick);
  auto held = small.acquire();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(small.acquire().status().code(), StatusCode::kUnavailable);
}

TEST_P(OdbcTest, LeaseReturnedInsideATransactionIsRolledBack) {
  createTable("cb_odbc_lease", "id BIGINT PRIMARY KEY");
  ConnectionPool pool(target());
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->begin().ok());
    ASSERT_TRUE((*lease)->execute("INSERT INTO cb_odbc_lease (id) VALUES (1)").ok());
  }
  EXPECT_EQ(count("cb_odbc_lease"), 0);
  auto lease = pool.acquire();
  EXPECT_FALSE((*lease)->inTransaction());
}

TEST_P(OdbcTest, RunTransactionRetriesInjectedAbortedAndRollsBackEachAttempt) {
  createTable("cb_odbc_retry", "id BIGINT PRIMARY KEY");
  ConnectionPool pool(target());
  int calls = 0;
  TransactionStats stats;
  RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(1);
  Status s = runTransaction(
      pool,
      [&](Connection& c) -> Status {
        ++calls;
        // Each attempt inserts the same key: only the committed one remains,
        // or the second attempt would hit a unique violation.
        CB_RETURN_IF_ERROR(c.execute("INSERT INTO cb_odbc_retry (id) VALUES (7)"));
        if (calls < 3) {
          return aborted("injected: SQLSTATE 40001 serialization failure");
        }
        return okStatus();
      },
      policy, &stats);
  ASSERT_TRUE(s.ok()) << s.toString();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(stats.aborted, 2);
  EXPECT_EQ(count("cb_odbc_retry"), 1);
}

TEST_P(OdbcTest, RunTransactionGivesUpWithTheLastError) {
  ConnectionPool pool(target());
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(1);
  int calls = 0;
  TransactionStats stats;
  Status s = runTransaction(
      pool, [&](Connection&) { return aborted("deadlock #" + std::to_string(++calls)); }, policy,
      &stats);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_NE(s.message().find("deadlock #3"), std::string::npos) << s.toString();
  EXPECT_NE(s.message().find("3 attempts"), std::string::npos) << s.toString();
  EXPECT_EQ(stats.attempts, 3);
}

TEST_P(OdbcTest, RunTransactionDoesNotRetryOtherErrors) {
  ConnectionPool pool(target());
  int calls = 0;
  Status s = runTransaction(pool, [&](Connection&) {
    ++calls;
    return alreadyExists("duplicate");
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(calls, 1);
}

// 8 threads increment one counter, each increment a transaction that reads
// (locking the row, or on SQLite the database) and writes. Whatever the
// database aborts is retried; the final value equals the increments that
// were acknowledged, so none was lost or applied twice.
TEST_P(OdbcTest, ConcurrentIncrementsAreNeitherLostNorDoubled) {
  createTable("cb_odbc_counter", "id BIGINT PRIMARY KEY, n BIGINT NOT NULL");
  ASSERT_TRUE(conn_->execute("INSERT INTO cb_odbc_counter (id, n) VALUES (1, 0)").ok());
  PoolOptions options;
  options.max_size = 8;
  ConnectionPool pool(target(), options);
  RetryPolicy policy;
  policy.max_attempts = 50;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int64_t> acknowledged{0};
  std::atomic<int64_t> aborted_attempts{0};
  std::vector<std::thread> threads;
  const std::string select =
      "SELECT n FROM cb_odbc_counter WHERE id = 1" + std::string(dialect().forUpdate());
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        TransactionStats stats;
        Status s = runTransaction(
            pool,
            [&](Connection& c) -> Status {
              CB_ASSIGN_OR_RETURN(auto read, c.prepare(select));
              CB_RETURN_IF_ERROR(read->execute());
              CB_ASSIGN_OR_RETURN(bool row, read->fetch());
              if (!row) {
                return internalError("counter row missing");
              }
              CB_ASSIGN_OR_RETURN(int64_t n, read->getInt64(1));
              CB_ASSIGN_OR_RETURN(auto write,
                                  c.prepare("UPDATE cb_odbc_counter SET n = ? WHERE id = 1"));
              CB_RETURN_IF_ERROR(write->bindInt64(1, n + 1));
              return write->execute();
            },
            policy, &stats);
        aborted_attempts += stats.aborted;
        if (s.ok()) {
          ++acknowledged;
        } else {
          ADD_FAILURE() << s.toString();
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  auto stmt = conn_->prepare("SELECT n FROM cb_odbc_counter WHERE id = 1");
  ASSERT_TRUE((*stmt)->execute().ok());
  ASSERT_TRUE((*stmt)->fetch().value());
  EXPECT_EQ((*stmt)->getInt64(1).value(), acknowledged.load());
  EXPECT_EQ(acknowledged.load(), kThreads * kPerThread);
  RecordProperty("aborted_attempts", std::to_string(aborted_attempts.load()));
}

std::string targetName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Targets, OdbcTest, ::testing::ValuesIn(testing::odbcTestTargets()),
                         targetName);

TEST(OdbcConnectTest, UnknownDriverIsInvalidArgument) {
  auto c = Connection::open("Driver=NoSuchDriver;Database=x");
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status().toString();
}

TEST(OdbcConnectTest, RefusedServerIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connect is refused at once.
  ConnectOptions options;
  options.login_timeout = std::chrono::seconds(2);
  auto c = Connection::open(
      "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=postgres;Uid=postgres;", options);
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable) << c.status().toString();
  EXPECT_NE(c.status().message().find("SQLSTATE "), std::string::npos);
}

}  // namespace
}  // namespace corebridge::adapters::odbc

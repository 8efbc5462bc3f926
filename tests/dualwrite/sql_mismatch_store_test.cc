// SqlMismatchStore on SQLite (a temp file through the SQLite3 ODBC driver):
// record and query, filters, masking of everything stored, the bounded
// queue's drop counting.
#include "dualwrite/sql_mismatch_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/statement.h"
#include "tests/dualwrite/demobank_fixtures.h"

namespace corebridge::dualwrite {
namespace {

namespace odbc = adapters::odbc;
using std::chrono::seconds;
using testing::commarea;
using testing::comparatorFor;
using ::testing::HasSubstr;
using testing::kPost;
using ::testing::Not;
using testing::replace;
using testing::transaction;

constexpr const char kAccount[] = "100000012345";

MismatchFilter filter(std::string trancode, std::string line, std::string field,
                      std::optional<std::chrono::system_clock::time_point> since, size_t limit) {
  MismatchFilter f;
  f.trancode = std::move(trancode);
  f.product_line = std::move(line);
  f.field = std::move(field);
  f.since = since;
  f.limit = limit;
  return f;
}

class SqlMismatchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("mismatch_store_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    removeFiles();
    dsn_ = "Driver=SQLite3;Database=" + path_;
  }
  void TearDown() override { removeFiles(); }

  void removeFiles() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix);
    }
  }

  std::unique_ptr<SqlMismatchStore> open(MismatchStoreOptions options = {}) {
    auto store = SqlMismatchStore::open(dsn_, options);
    EXPECT_TRUE(store.ok()) << store.status().toString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A mismatch as the executor makes it: a CAPOST reply whose ledger balance
  // (and, for `account_too`, the echoed account number) differ.
  Mismatch postMismatch(std::chrono::system_clock::time_point time, const std::string& line,
                        bool account_too = false) {
    auto c = comparatorFor(post_);
    std::string fresh_json =
        replace(kPost, R"("PST-LEDGER-BALANCE":874.50)", R"("PST-LEDGER-BALANCE":874.51)");
    if (account_too) {
      fresh_json = replace(fresh_json, kAccount, "100000012399");
    }
    adapters::BackendReply legacy{0, commarea(post_, kPost)};
    adapters::BackendReply fresh{0, commarea(post_, fresh_json)};
    MismatchContext ctx;
    ctx.time = time;
    ctx.trancode = "ACCTPOST";
    ctx.product_line = line;
    ctx.stage = "SHADOW";
    ctx.txn_id = "ATM0000000000001";
    ctx.account = kAccount;  // unmasked, as the router read it
    return makeMismatch(*c, c->compare(legacy, fresh), legacy, fresh, ctx);
  }

  // Every cell of both tables, as text.
  std::vector<std::string> allCells() {
    std::vector<std::string> cells;
    auto conn = odbc::Connection::open(dsn_);
    EXPECT_TRUE(conn.ok()) << conn.status().toString();
    for (const char* table : {"dw_mismatches", "dw_mismatch_fields"}) {
      auto st = (*conn)->prepare(std::string("SELECT * FROM ") + table);
      EXPECT_TRUE(st.ok()) << st.status().toString();
      EXPECT_TRUE((*st)->execute().ok());
      while ((*st)->fetch().value()) {
        for (int col = 1; col <= (*st)->columnCount(); ++col) {
          cells.push_back((*st)->getOptionalString(col).value().value_or(""));
        }
      }
    }
    return cells;
  }

  std::string path_;
  std::string dsn_;
  mappings::PackTransaction post_ = transaction("ACCTPOST", "CAPOST", {}, {"PST-ACCT-NUMBER"});
  const std::chrono::system_clock::time_point t0_ =
      std::chrono::system_clock::time_point(seconds(1710500000));
};

TEST_F(SqlMismatchStoreTest, RecordsAndListsNewestFirst) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schemaVersion(), 1);
  store->record(postMismatch(t0_, "SAVINGS"));
  store->record(postMismatch(t0_ + seconds(2), "CHECKING"));
  store->record(postMismatch(t0_ + seconds(1), "SAVINGS"));
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->recorded(), 3u);
  EXPECT_EQ(store->written(), 3u);
  EXPECT_EQ(store->dropped(), 0u);

  auto all = store->list();
  ASSERT_TRUE(all.ok()) << all.status().toString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].time, t0_ + seconds(2));
  EXPECT_EQ((*all)[1].time, t0_ + seconds(1));
  EXPECT_EQ((*all)[2].time, t0_);
  const Mismatch& m = (*all)[0];
  EXPECT_EQ(m.trancode, "ACCTPOST");
  EXPECT_EQ(m.product_line, "CHECKING");
  EXPECT_EQ(m.stage, "SHADOW");
  EXPECT_EQ(m.primary, Side::kLegacy);
  EXPECT_EQ(m.txn_id, "ATM0000000000001");
  EXPECT_EQ(m.account, "100******345");
  ASSERT_EQ(m.differences.size(), 1u);
  EXPECT_EQ(m.differences[0].kind, FieldDifference::Kind::kValue);
  EXPECT_EQ(m.differences[0].path, "PST-COMMAREA.PST-REPLY.PST-LEDGER-BALANCE");
  EXPECT_EQ(m.differences[0].field, "PST-LEDGER-BALANCE");
  EXPECT_EQ(m.differences[0].legacy, "874.50");
  EXPECT_EQ(m.differences[0].new_value, "874.51");
  EXPECT_THAT(m.legacy_payload, HasSubstr(R"("PST-LEDGER-BALANCE":874.50)"));
  EXPECT_THAT(m.new_payload, HasSubstr(R"("PST-LEDGER-BALANCE":874.51)"));

  // Durable: another store on the same file sees them.
  store.reset();
  MismatchStoreOptions read_only;
  read_only.read_only = true;
  auto reader = open(read_only);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->list()->size(), 3u);
  reader->record(postMismatch(t0_, "SAVINGS"));
  EXPECT_EQ(reader->dropped(), 1u);
}

TEST_F(SqlMismatchStoreTest, FiltersByTrancodeLineFieldSinceAndLimit) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 5; ++i) {
    store->record(postMismatch(t0_ + seconds(i), i % 2 == 0 ? "SAVINGS" : "CHECKING", i == 4));
  }
  Mismatch other = postMismatch(t0_ + seconds(10), "LOANS");
  other.trancode = "ACCTINQ";
  store->record(other);
  ASSERT_TRUE(store->flush());

  auto count = [&](MismatchFilter f) {
    auto r = store->list(f);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() ? r->size() : 0;
  };
  EXPECT_EQ(count({}), 6u);
  EXPECT_EQ(count(filter("ACCTPOST", "", "", std::nullopt, 100)), 5u);
  EXPECT_EQ(count(filter("ACCTINQ", "", "", std::nullopt, 100)), 1u);
  EXPECT_EQ(count(filter("", "SAVINGS", "", std::nullopt, 100)), 3u);
  EXPECT_EQ(count(filter("ACCTPOST", "CHECKING", "", std::nullopt, 100)), 2u);
  EXPECT_EQ(count(filter("", "", "PST-ACCT-NUMBER", std::nullopt, 100)), 1u);
  EXPECT_EQ(count(filter("", "", "PST-COMMAREA.PST-REQUEST.PST-ACCT-NUMBER", std::nullopt, 100)),
            1u);
  EXPECT_EQ(count(filter("", "", "PST-LEDGER-BALANCE", std::nullopt, 100)), 6u);
  EXPECT_EQ(count(filter("", "", "NO-SUCH-FIELD", std::nullopt, 100)), 0u);
  EXPECT_EQ(count(filter("", "", "", t0_ + seconds(3), 100)), 3u);
  EXPECT_EQ(count(filter("", "", "", std::nullopt, 2)), 2u);
  auto newest = store->list(filter("", "", "", std::nullopt, 1));
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ((*newest)[0].trancode, "ACCTINQ");
  auto with_account = store->list(filter("", "", "PST-ACCT-NUMBER", std::nullopt, 100));
  ASSERT_TRUE(with_account.ok());
  ASSERT_EQ((*with_account)[0].differences.size(), 2u);  // all of its differences come back

  auto counts = store->countsByField();
  ASSERT_TRUE(counts.ok()) << counts.status().toString();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].field, "PST-LEDGER-BALANCE");
  EXPECT_EQ((*counts)[0].mismatches, 6);
  EXPECT_EQ((*counts)[1].field, "PST-ACCT-NUMBER");
  EXPECT_EQ((*counts)[1].mismatches, 1);
  auto savings = store->countsByField(filter("", "SAVINGS", "", std::nullopt, 100));
  ASSERT_TRUE(savings.ok());
  ASSERT_EQ(savings->size(), 2u);
  EXPECT_EQ((*savings)[0].mismatches, 3);
}

TEST_F(SqlMismatchStoreTest, NoFullAccountNumberIsStoredAnywhere) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  store->record(postMismatch(t0_, "SAVINGS", true));
  // A careless caller: nothing masked by makeMismatch.
  Mismatch raw;
  raw.time = t0_;
  raw.trancode = "ACCTPOST";
  raw.product_line = "SAVINGS";
  raw.stage = "DUAL_WRITE";
  raw.account = kAccount;
  raw.differences.push_back({FieldDifference::Kind::kValue,
                             "PST-COMMAREA.PST-REQUEST.PST-ACCT-NUMBER", "PST-ACCT-NUMBER",
                             kAccount, "100000012399"});
  raw.differences.push_back({FieldDifference::Kind::kUndecodable, "(commarea)", "(commarea)",
                             "decoded", std::string("undecodable: account ") + kAccount});
  raw.legacy_payload = "{}";
  raw.new_payload = "{}";
  store->record(raw);
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->written(), 2u);

  const std::vector<std::string> cells = allCells();
  ASSERT_FALSE(cells.empty());
  bool masked_seen = false;
  for (const std::string& cell : cells) {
    EXPECT_THAT(cell, Not(HasSubstr(kAccount)));
    EXPECT_THAT(cell, Not(HasSubstr("100000012399")));
    masked_seen = masked_seen || cell.find("100******345") != std::string::npos;
  }
  EXPECT_TRUE(masked_seen);
  // The payload JSON keeps the account field, masked.
  auto listed = store->list(filter("", "", "", std::nullopt, 0));
  ASSERT_TRUE(listed.ok());
  bool payload_masked = false;
  for (const Mismatch& m : *listed) {
    payload_masked =
        payload_masked ||
        m.legacy_payload.find(R"("PST-ACCT-NUMBER":"100******345")") != std::string::npos;
  }
  EXPECT_TRUE(payload_masked);
}

TEST_F(SqlMismatchStoreTest, FullQueueDropsAndCounts) {
  MismatchStoreOptions options;
  options.queue_capacity = 2;
  options.batch_size = 1;
  auto store = open(options);
  ASSERT_NE(store, nullptr);
  // Another connection holds SQLite's write lock: the writer waits on it
  // (busy timeout) while record() keeps being called.
  auto blocker = odbc::Connection::open(dsn_);
  ASSERT_TRUE(blocker.ok()) << blocker.status().toString();
  ASSERT_TRUE((*blocker)->begin().ok());
  const Mismatch m = postMismatch(t0_, "SAVINGS");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    store->record(m);
  }
  // record() did not wait for the database.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(store->recorded() + store->dropped(), 20u);
  // At most the queue's two plus the one batch the writer took.
  EXPECT_GE(store->dropped(), 17u);
  EXPECT_EQ(store->written(), 0u);
  ASSERT_TRUE((*blocker)->rollback().ok());

  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->written(), store->recorded());
  EXPECT_EQ(store->writeFailures(), 0u);
  auto listed = store->list(filter("", "", "", std::nullopt, 0));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), store->recorded());
}

TEST_F(SqlMismatchStoreTest, ReadOnlyWithoutAStoreIsRefused) {
  MismatchStoreOptions read_only;
  read_only.read_only = true;
  auto store = SqlMismatchStore::open(dsn_, read_only);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("no mismatch store"));
}

TEST_F(SqlMismatchStoreTest, DestructorWritesWhatIsQueued) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 50; ++i) {
      store->record(postMismatch(t0_ + seconds(i), "SAVINGS"));
    }
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto listed = store->list(filter("", "", "", std::nullopt, 0));
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 50u);
}

TEST_F(SqlMismatchStoreTest, FailedWritesAreCountedNotRetriedForever) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  // The table goes away behind the store's back: every insert now fails
  // with an error that is not worth retrying.
  auto other = odbc::Connection::open(dsn_);
  ASSERT_TRUE(other.ok()) << other.status().toString();
  ASSERT_TRUE((*other)->execute("DROP TABLE dw_mismatch_fields").ok());
  store->record(postMismatch(t0_, "SAVINGS"));
  store->record(postMismatch(t0_, "SAVINGS"));
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->recorded(), 2u);
  EXPECT_EQ(store->written(), 0u);
  EXPECT_EQ(store->writeFailures(), 2u);
}

}  // namespace
}  // namespace corebridge::dualwrite

// The RepairStore contract on every store: the in-memory one, and
// SqlRepairStore on SQLite (a temp file), PostgreSQL and MariaDB (real
// servers from tests/support/db_servers.h, through tests/adapters/odbc_targets.h).
#include "dualwrite/sql_repair_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/odbc/connection.h"
#include "tests/adapters/odbc_targets.h"

namespace corebridge::dualwrite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> storeTargets() {
  std::vector<std::string> targets = {"memory"};
  for (const std::string& t : adapters::odbc::testing::odbcTestTargets()) {
    targets.push_back(t);
  }
  return targets;
}

// Every byte value, so that the COMMAREAs' round trip is exact.
std::string allBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) {
    s += static_cast<char>(i);
  }
  return s;
}

RepairCase makeCase(const std::string& account, const std::string& line = "SAVINGS",
                    RepairKind kind = RepairKind::kSecondaryFailed) {
  RepairCase c;
  c.kind = kind;
  c.product_line = line;
  c.account = account;
  c.trancode = "ACCTPOST";
  c.txn_id = "ATM" + account;
  c.stage = 1;
  c.primary = 0;
  c.compare = true;
  c.commarea = allBytes();
  c.primary_zz = 0;
  c.primary_reply = std::string("\x00\x01reply\xff", 8);
  c.last_error = "secondary: UNAVAILABLE: connection refused";
  return c;
}

std::vector<std::string> events(const std::vector<RepairEvent>& history) {
  std::vector<std::string> out;
  for (const RepairEvent& e : history) {
    out.push_back(e.event);
  }
  return out;
}

class RepairStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    options_.clock = [this] { return now_ms_.load(); };
    if (GetParam() == "memory") {
      store_ = std::make_unique<InMemoryRepairStore>(options_.clock);
      return;
    }
    auto cs = adapters::odbc::testing::odbcConnectionString(GetParam());
    ASSERT_TRUE(cs.ok()) << cs.status().toString();
    cs_ = *cs;
    ASSERT_NO_FATAL_FAILURE(dropSchema());
    options_.pool_size = 4;
    auto sql = SqlRepairStore::open(cs_, options_);
    ASSERT_TRUE(sql.ok()) << sql.status().toString();
    EXPECT_EQ((*sql)->schemaVersion(), 2);  // 2: the intent_seq column
    store_ = std::move(*sql);
  }

  // What a previous test of this process left behind.
  void dropSchema() {
    auto c = adapters::odbc::Connection::open(cs_);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    for (const char* table : {"dw_repair_events", "dw_repair_accounts", "dw_repair_cases",
                              "dw_repair_ids", "dw_repair_schema_migrations"}) {
      ASSERT_TRUE((*c)->execute(std::string("DROP TABLE IF EXISTS ") + table).ok()) << table;
    }
  }

  int64_t open(const RepairCase& c) {
    auto id = store_->openCase(c);
    EXPECT_TRUE(id.ok()) << id.status().toString();
    return id.ok() ? *id : 0;
  }

  std::vector<int64_t> ids(const RepairFilter& f) {
    auto listed = store_->list(f);
    EXPECT_TRUE(listed.ok()) << listed.status().toString();
    std::vector<int64_t> out;
    for (const RepairCase& c : listed.ok() ? *listed : std::vector<RepairCase>{}) {
      out.push_back(c.id);
    }
    return out;
  }

  std::atomic<int64_t> now_ms_{1710496800000};
  RepairStoreOptions options_;
  std::string cs_;
  std::unique_ptr<RepairStore> store_;
};

TEST_P(RepairStoreTest, OpenCaseKeepsEveryFieldAndWritesOpened) {
  RepairCase in = makeCase("100000012345");
  in.accounts = {"200000067890"};
  in.stage = 3;
  in.primary = 1;
  in.primary_zz = 8;
  in.intent = 4711;
  in.attempts = 7;                  // ignored
  in.state = RepairState::kClosed;  // ignored
  const int64_t first = open(in);
  const int64_t second = open(makeCase("100000099999"));
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);

  auto c = store_->getCase(first);
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->id, first);
  EXPECT_EQ(c->kind, RepairKind::kSecondaryFailed);
  EXPECT_EQ(c->state, RepairState::kOpen);
  EXPECT_EQ(c->product_line, "SAVINGS");
  EXPECT_EQ(c->account, "100000012345");
  EXPECT_THAT(c->accounts, ElementsAre("100000012345", "200000067890"));
  EXPECT_EQ(c->trancode, "ACCTPOST");
  EXPECT_EQ(c->txn_id, "ATM100000012345");
  EXPECT_EQ(c->stage, 3);
  EXPECT_EQ(c->primary, 1);
  EXPECT_TRUE(c->compare);
  EXPECT_EQ(c->commarea, allBytes());
  EXPECT_EQ(c->primary_zz, 8);
  EXPECT_EQ(c->intent, 4711u);
  EXPECT_EQ(c->primary_reply, std::string("\x00\x01reply\xff", 8));
  EXPECT_EQ(c->attempts, 0u);
  EXPECT_EQ(c->last_error, "secondary: UNAVAILABLE: connection refused");
  EXPECT_EQ(c->opened_at_ms, now_ms_.load());
  EXPECT_EQ(c->updated_at_ms, now_ms_.load());
  EXPECT_EQ(c->closed_at_ms, 0);

  auto h = store_->history(first);
  ASSERT_TRUE(h.ok()) << h.status().toString();
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].case_id, first);
  EXPECT_EQ((*h)[0].event, "opened");
  EXPECT_EQ((*h)[0].detail, "secondary: UNAVAILABLE: connection refused");
  EXPECT_EQ((*h)[0].at_ms, now_ms_.load());
}

TEST_P(RepairStoreTest, AttemptsEventsAndCloseMakeTheHistory) {
  const int64_t id = open(makeCase("100000012345"));
  now_ms_ += 1000;
  ASSERT_TRUE(store_->recordAttempt(id, false, "DEADLINE_EXCEEDED: 2000 ms").ok());
  now_ms_ += 1000;
  ASSERT_TRUE(store_->recordAttempt(id, true, "secondary answered").ok());
  ASSERT_TRUE(store_->addEvent(id, "resynced", "balance copied from legacy").ok());
  auto c = store_->getCase(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->attempts, 2u);
  EXPECT_EQ(c->last_error, "DEADLINE_EXCEEDED: 2000 ms");  // a success keeps the last error
  EXPECT_EQ(c->updated_at_ms, now_ms_.load());
  now_ms_ += 1000;
  ASSERT_TRUE(store_->closeCase(id, "replayed").ok());

  c = store_->getCase(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, RepairState::kClosed);
  EXPECT_EQ(c->closed_at_ms, now_ms_.load());
  auto h = store_->history(id);
  ASSERT_TRUE(h.ok()) << h.status().toString();
  EXPECT_THAT(events(*h), ElementsAre("opened", "retry_failed", "retried", "resynced", "closed"));
  EXPECT_EQ((*h)[1].detail, "DEADLINE_EXCEEDED: 2000 ms");
  EXPECT_EQ((*h)[4].detail, "replayed");
  EXPECT_EQ((*h)[4].at_ms, now_ms_.load());

  // Closed is final; notes may still be added.
  EXPECT_EQ(store_->recordAttempt(id, true, "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->closeCase(id, "again").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->addEvent(id, "compared_agrees", "checked later").ok());
  EXPECT_EQ(store_->history(id)->size(), 6u);
}

TEST_P(RepairStoreTest, UnknownCasesAreNotFound) {
  EXPECT_EQ(store_->addEvent(42, "resynced", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->recordAttempt(42, false, "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->closeCase(42, "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->getCase(42).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->history(42).status().code(), StatusCode::kNotFound);
}

TEST_P(RepairStoreTest, BadCasesAreRefused) {
  EXPECT_EQ(store_->openCase(makeCase("")).status().code(), StatusCode::kInvalidArgument);
  RepairCase comma = makeCase("100000012345");
  comma.accounts = {"1,2"};
  EXPECT_EQ(store_->openCase(comma).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->openCases()->empty());
}

TEST_P(RepairStoreTest, OpenCasesAndListFilters) {
  const int64_t a = open(makeCase("111"));
  RepairCase transfer = makeCase("222", "CHECKING");
  transfer.accounts = {"222", "111"};
  const int64_t b = open(transfer);
  const int64_t c = open(makeCase("333", "LOANS", RepairKind::kDivergence));
  const int64_t d = open(makeCase("111", "SAVINGS", RepairKind::kParked));
  ASSERT_TRUE(store_->closeCase(a, "done").ok());

  auto open_cases = store_->openCases();
  ASSERT_TRUE(open_cases.ok()) << open_cases.status().toString();
  ASSERT_EQ(open_cases->size(), 3u);
  EXPECT_EQ((*open_cases)[0].id, b);
  EXPECT_EQ((*open_cases)[1].id, c);
  EXPECT_EQ((*open_cases)[1].kind, RepairKind::kDivergence);
  EXPECT_EQ((*open_cases)[2].id, d);
  EXPECT_EQ((*open_cases)[2].kind, RepairKind::kParked);

  RepairFilter f;
  EXPECT_THAT(ids(f), ElementsAre(d, c, b, a));  // newest first
  f.state = RepairState::kOpen;
  EXPECT_THAT(ids(f), ElementsAre(d, c, b));
  f.state = RepairState::kClosed;
  EXPECT_THAT(ids(f), ElementsAre(a));
  f.state.reset();
  f.account = "111";  // the lane account or any other the call touches
  EXPECT_THAT(ids(f), ElementsAre(d, b, a));
  f.product_line = "SAVINGS";
  EXPECT_THAT(ids(f), ElementsAre(d, a));
  f.account.clear();
  f.product_line = "LOANS";
  EXPECT_THAT(ids(f), ElementsAre(c));
  f.product_line.clear();
  f.limit = 2;
  EXPECT_THAT(ids(f), ElementsAre(d, c));
  f.limit = 0;
  EXPECT_EQ(ids(f).size(), 4u);
  f.account = "999";
  EXPECT_TRUE(ids(f).empty());
}

TEST_P(RepairStoreTest, ConcurrentWritersGetDistinctIdsAndKeepEveryEvent) {
  const int64_t shared = open(makeCase("555"));
  constexpr int kThreads = 4, kEach = 5;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto id = store_->openCase(makeCase("6" + std::to_string(t)));
        if (!id.ok() || !store_->addEvent(shared, "resynced", std::to_string(t)).ok()) {
          failures.fetch_add(1);
          continue;
        }
        got[t].push_back(*id);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> distinct;
  for (const auto& v : got) {
    distinct.insert(v.begin(), v.end());
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(distinct.count(shared), 0u);
  auto h = store_->history(shared);
  ASSERT_TRUE(h.ok()) << h.status().toString();
  EXPECT_EQ(h->size(), static_cast<size_t>(1 + kThreads * kEach));
}

TEST_P(RepairStoreTest, SqlCasesSurviveReopening) {
  if (GetParam() == "memory") {
    GTEST_SUCCEED() << "in memory: nothing to reopen";
    return;
  }
  const int64_t id = open(makeCase("100000012345"));
  ASSERT_TRUE(store_->recordAttempt(id, false, "timeout").ok());
  store_.reset();
  RepairStoreOptions read_only = options_;
  read_only.read_only = true;
  auto again = openRepairStore(cs_, read_only);
  ASSERT_TRUE(again.ok()) << again.status().toString();
  auto open_cases = (*again)->openCases();
  ASSERT_TRUE(open_cases.ok()) << open_cases.status().toString();
  ASSERT_EQ(open_cases->size(), 1u);
  EXPECT_EQ((*open_cases)[0].attempts, 1u);
  EXPECT_EQ((*open_cases)[0].commarea, allBytes());
  EXPECT_THAT(events(*(*again)->history(id)), ElementsAre("opened", "retry_failed"));
}

INSTANTIATE_TEST_SUITE_P(Stores, RepairStoreTest, ::testing::ValuesIn(storeTargets()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(RepairStoreNames, KindsAndStatesRoundTrip) {
  for (RepairKind k : {RepairKind::kSecondaryFailed, RepairKind::kBacklog, RepairKind::kParked,
                       RepairKind::kDivergence}) {
    RepairKind back{};
    ASSERT_TRUE(parseRepairKind(repairKindName(k), &back)) << repairKindName(k);
    EXPECT_EQ(back, k);
  }
  EXPECT_EQ(repairKindName(RepairKind::kSecondaryFailed), "secondary_failed");
  EXPECT_EQ(repairKindName(RepairKind::kDivergence), "divergence");
  EXPECT_EQ(repairStateName(RepairState::kOpen), "open");
  EXPECT_EQ(repairStateName(RepairState::kClosed), "closed");
  RepairKind k{};
  EXPECT_FALSE(parseRepairKind("mystery", &k));
  RepairState s{};
  EXPECT_TRUE(parseRepairState("closed", &s));
  EXPECT_EQ(s, RepairState::kClosed);
  EXPECT_FALSE(parseRepairState("ajar", &s));
}

TEST(OpenRepairStore, MemoryDsnAndMissingSqlStore) {
  auto memory = openRepairStore("memory:");
  ASSERT_TRUE(memory.ok()) << memory.status().toString();
  EXPECT_NE(dynamic_cast<InMemoryRepairStore*>(memory->get()), nullptr);

  const std::string path = (std::filesystem::temp_directory_path() /
                            ("repair_store_missing_" + std::to_string(::getpid()) + ".db"))
                               .string();
  std::filesystem::remove(path);
  RepairStoreOptions read_only;
  read_only.read_only = true;
  auto missing = openRepairStore("Driver=SQLite3;Database=" + path, read_only);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("no repair store"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace corebridge::dualwrite

// RepairQueue over an in-memory store (wrapped to inject store failures) and,
// once, over SqlRepairStore on SQLite: parking, the per-account order of
// replays, backoff, unparking, divergence cases, store failures, restarts,
// and the worker thread. Time is a fake steady clock driven by the tests,
// which call runOnce(); only the worker test runs in real time (1 ms backoffs).
#include "dualwrite/repair_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "dualwrite/sql_repair_store.h"

namespace corebridge::dualwrite {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;

// A RepairStore that forwards to another and fails the calls it is told to,
// in the manner of LevelDB's EnvWrapper.
class FaultyRepairStore : public RepairStore {
 public:
  explicit FaultyRepairStore(RepairStore& base) : base_(base) {}

  bool fail_open = false;
  int fail_close = 0;  // how many closeCase calls fail from now on

  // RepairStore
  Result<int64_t> openCase(const RepairCase& c) override {
    if (fail_open) {
      return unavailable("store down");
    }
    return base_.openCase(c);
  }
  Status addEvent(int64_t id, std::string_view event, std::string_view detail) override {
    return base_.addEvent(id, event, detail);
  }
  Status recordAttempt(int64_t id, bool ok, std::string_view detail) override {
    return base_.recordAttempt(id, ok, detail);
  }
  Status closeCase(int64_t id, std::string_view detail) override {
    if (fail_close > 0) {
      --fail_close;
      return unavailable("store down");
    }
    return base_.closeCase(id, detail);
  }
  Result<std::vector<RepairCase>> openCases() override { return base_.openCases(); }
  Result<std::vector<RepairCase>> list(const RepairFilter& f) override { return base_.list(f); }
  Result<RepairCase> getCase(int64_t id) override { return base_.getCase(id); }
  Result<std::vector<RepairEvent>> history(int64_t id) override { return base_.history(id); }

 private:
  RepairStore& base_;
};

RepairCase pendingCase(const std::string& txn, std::vector<std::string> accounts,
                       RepairKind kind = RepairKind::kSecondaryFailed) {
  RepairCase c;
  c.kind = kind;
  c.product_line = "SAVINGS";
  c.account = accounts.front();
  c.accounts = std::move(accounts);
  c.trancode = "ACCTPOST";
  c.txn_id = txn;
  c.stage = 1;
  c.commarea = "request " + txn;
  c.primary_reply = "reply " + txn;
  c.last_error = "secondary: UNAVAILABLE";
  return c;
}

class RepairQueueTest : public ::testing::Test {
 protected:
  RepairQueueTest() : faulty_(memory_) {}

  // A queue on the faulty store whose retry answers from `outcomes_` (by
  // txn id; done and agreeing when absent) and logs every call.
  std::unique_ptr<RepairQueue> makeQueue(RepairStore* store = nullptr) {
    RepairQueueOptions options;
    options.initial_backoff = milliseconds(10);
    options.max_backoff = milliseconds(40);
    options.verify_interval = milliseconds(50);
    options.clock = [this] { return now_; };
    options.retry = [this](const RepairCase& c) { return answer(c, "retry "); };
    options.verify = [this](const RepairCase& c) { return answer(c, "verify "); };
    auto q = RepairQueue::open(store != nullptr ? *store : faulty_, options);
    EXPECT_TRUE(q.ok()) << q.status().toString();
    return q.ok() ? std::move(*q) : nullptr;
  }

  RetryOutcome answer(const RepairCase& c, const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(what + c.txn_id);
    auto it = outcomes_.find(c.txn_id);
    return it == outcomes_.end() ? RetryOutcome{true, true, "ok"} : it->second;
  }
  std::vector<std::string> takeCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(calls_, {});
  }
  void failing(const std::string& txn) { outcomes_[txn] = RetryOutcome{false, false, "timeout"}; }
  void healed(const std::string& txn) { outcomes_.erase(txn); }

  std::vector<std::string> history(int64_t id) {
    std::vector<std::string> out;
    auto h = memory_.history(id);
    EXPECT_TRUE(h.ok()) << h.status().toString();
    for (const RepairEvent& e : h.ok() ? *h : std::vector<RepairEvent>{}) {
      out.push_back(e.event);
    }
    return out;
  }
  RepairState state(int64_t id) { return memory_.getCase(id)->state; }

  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
  InMemoryRepairStore memory_;
  FaultyRepairStore faulty_;
  std::mutex mu_;
  std::vector<std::string> calls_;  // guarded by mu_
  std::map<std::string, RetryOutcome> outcomes_;
};

TEST_F(RepairQueueTest, ParkMarksEveryAccountOfTheCall) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->parked({"A"}));
  auto id = q->park(pendingCase("T1", {"A", "B"}));
  ASSERT_TRUE(id.ok()) << id.status().toString();
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_TRUE(q->parked({"C", "B"}));
  EXPECT_FALSE(q->parked({"C"}));
  EXPECT_FALSE(q->parked({}));
  const RepairStats s = q->stats();
  EXPECT_EQ(s.opened, 1u);
  EXPECT_EQ(s.open, 1u);
  EXPECT_EQ(s.parked_accounts, 2u);
  EXPECT_EQ(s.open_by_kind.at("secondary_failed"), 1u);
  EXPECT_EQ(s.open_by_kind.at("backlog"), 0u);
  EXPECT_EQ(s.open_by_kind.at("parked"), 0u);
  EXPECT_EQ(s.open_by_kind.at("divergence"), 0u);
  EXPECT_EQ(memory_.getCase(*id)->state, RepairState::kOpen);
  EXPECT_EQ(q->park(pendingCase("T2", {"A"}, RepairKind::kDivergence)).status().code(),
            StatusCode::kInvalidArgument);
}

// Which side a pending case still owes a call, and which cases keep their
// primary in doubt: the executor's fences (bridge/executor.h).
TEST_F(RepairQueueTest, ACaseOwesItsSecondarySideAndAnInDoubtCaseBothSides) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->owesSide({"A"}, 0));
  RepairCase to_new = pendingCase("T1", {"A"});
  to_new.primary = 0;  // legacy primary: the replay goes to the new core
  ASSERT_TRUE(q->park(to_new).ok());
  EXPECT_TRUE(q->owesSide({"A"}, 1));
  EXPECT_FALSE(q->owesSide({"A"}, 0));
  EXPECT_FALSE(q->owesSide({"B"}, 1));
  EXPECT_TRUE(q->inDoubtCases().empty());
  RepairCase doubt = pendingCase("T2", {"B", "C"});
  doubt.primary = 1;
  doubt.primary_zz = -1;  // the primary's call is replayed first
  doubt.intent = 9;
  ASSERT_TRUE(q->park(doubt).ok());
  EXPECT_TRUE(q->owesSide({"C"}, 1));
  EXPECT_TRUE(q->owesSide({"C"}, 0));
  const std::vector<RepairCase> in_doubt = q->inDoubtCases();
  ASSERT_EQ(in_doubt.size(), 1U);
  EXPECT_EQ(in_doubt[0].txn_id, "T2");
  EXPECT_EQ(in_doubt[0].accounts, (std::vector<std::string>{"B", "C"}));
  now_ += milliseconds(100);
  q->runOnce();  // both replay and close
  EXPECT_FALSE(q->owesSide({"A", "B", "C"}, 1));
  EXPECT_TRUE(q->inDoubtCases().empty());
}

TEST_F(RepairQueueTest, AFailingCaseHoldsBackItsAccountOnly) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  failing("A1");
  const int64_t a1 = *q->park(pendingCase("A1", {"A"}));
  const int64_t a2 = *q->park(pendingCase("A2", {"A"}, RepairKind::kParked));
  const int64_t b1 = *q->park(pendingCase("B1", {"B"}, RepairKind::kBacklog));

  EXPECT_EQ(q->runOnce(), 0u);  // the first replay waits one initial backoff
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 2u);
  EXPECT_THAT(takeCalls(), ElementsAre("retry A1", "retry B1"));
  EXPECT_THAT(history(a1), ElementsAre("opened", "retry_failed"));
  EXPECT_EQ(memory_.getCase(a1)->last_error, "timeout");
  EXPECT_THAT(history(a2), ElementsAre("opened"));
  EXPECT_THAT(history(b1), ElementsAre("opened", "retried", "closed"));
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_FALSE(q->parked({"B"}));  // unparked: nothing pending left
  EXPECT_EQ(q->stats().retries_failed, 1u);
  EXPECT_EQ(q->stats().closed, 1u);

  healed("A1");
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_EQ(q->runOnce(), 1u);  // A2 is the head now, and due at once
  EXPECT_THAT(takeCalls(), ElementsAre("retry A1", "retry A2"));
  EXPECT_EQ(state(a1), RepairState::kClosed);
  EXPECT_EQ(state(a2), RepairState::kClosed);
  EXPECT_FALSE(q->parked({"A"}));
  EXPECT_EQ(q->stats().open, 0u);
  EXPECT_EQ(q->stats().parked_accounts, 0u);
  EXPECT_TRUE(memory_.openCases()->empty());
}

// A case opened because the outbox was full is newer than the calls still
// in the outbox: those go ahead of it (parkedBefore), and if they too become
// cases they replay before it, in the order of their intents.
TEST_F(RepairQueueTest, AnAccountsCasesReplayInIntentOrderNotOpeningOrder) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  RepairCase newer = pendingCase("N9", {"A"}, RepairKind::kBacklog);
  newer.intent = 9;
  const int64_t n9 = *q->park(newer);
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_FALSE(q->parkedBefore({"A"}, 5)) << "intent 5 is older than every case of A";
  EXPECT_FALSE(q->parkedBefore({"A"}, 9));
  EXPECT_TRUE(q->parkedBefore({"A"}, 10));
  EXPECT_FALSE(q->parkedBefore({"B"}, 10));
  RepairCase older = pendingCase("O5", {"A"});
  older.intent = 5;
  const int64_t o5 = *q->park(older);
  ASSERT_GT(o5, n9);
  EXPECT_EQ(memory_.getCase(o5)->intent, 5u);
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_THAT(takeCalls(), ElementsAre("retry O5", "retry N9"));
  EXPECT_FALSE(q->parked({"A"}));
}

TEST_F(RepairQueueTest, BackoffDoublesPerAccountUpToTheMaximum) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  failing("A1");
  ASSERT_TRUE(q->park(pendingCase("A1", {"A"})).ok());
  ASSERT_TRUE(q->park(pendingCase("B1", {"B"})).ok());
  failing("B1");
  const auto t0 = now_;
  // Replays of A at +10, +20 (backoff 10), +40 (20), +80 (40), +120 (40: the maximum).
  std::vector<int> at;
  for (int ms = 0; ms <= 130; ++ms) {
    now_ = t0 + milliseconds(ms);
    q->runOnce();
    for (const std::string& call : takeCalls()) {
      if (call == "retry A1") {
        at.push_back(ms);
      }
    }
    if (ms == 15) {
      healed("B1");  // B succeeds at +20 and is unaffected by A's backoff
    }
  }
  EXPECT_THAT(at, ElementsAre(10, 20, 40, 80, 120));
  EXPECT_FALSE(q->parked({"B"}));
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_EQ(q->stats().retries_failed, 6u);  // five of A, one of B
}

TEST_F(RepairQueueTest, ACaseOfSeveralAccountsWaitsForEachOfThem) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  failing("A1");
  const int64_t a1 = *q->park(pendingCase("A1", {"A"}));
  const int64_t ab = *q->park(pendingCase("AB", {"A", "B"}, RepairKind::kParked));
  const int64_t b2 = *q->park(pendingCase("B2", {"B"}, RepairKind::kParked));
  const int64_t c1 = *q->park(pendingCase("C1", {"C"}));
  now_ += milliseconds(10);
  q->runOnce();
  EXPECT_THAT(takeCalls(), ElementsAre("retry A1", "retry C1"));
  EXPECT_TRUE(q->parked({"B"}));
  healed("A1");
  now_ += milliseconds(10);
  q->runOnce();
  q->runOnce();
  q->runOnce();
  EXPECT_THAT(takeCalls(), ElementsAre("retry A1", "retry AB", "retry B2"));
  for (int64_t id : {a1, ab, b2, c1}) {
    EXPECT_EQ(state(id), RepairState::kClosed) << id;
  }
  EXPECT_FALSE(q->parked({"A", "B", "C"}));
}

TEST_F(RepairQueueTest, DivergenceOpensOncePerAccountAndClosesOnAgreement) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->noteDivergence(pendingCase("D1", {"A"}), "PST-LEDGER-BALANCE 874.50/874.51").ok());
  ASSERT_TRUE(q->noteDivergence(pendingCase("D2", {"A"}), "PST-LEDGER-BALANCE 874.50/874.52").ok());
  ASSERT_TRUE(q->noteDivergence(pendingCase("D3", {"B"}), "PST-STATUS").ok());
  EXPECT_FALSE(q->parked({"A"}));  // a divergence does not hold calls back
  RepairStats s = q->stats();
  EXPECT_EQ(s.open, 2u);
  EXPECT_EQ(s.open_by_kind.at("divergence"), 2u);

  auto open = memory_.openCases();
  ASSERT_EQ(open->size(), 2u);
  const RepairCase& a = (*open)[0];
  EXPECT_EQ(a.kind, RepairKind::kDivergence);
  EXPECT_EQ(a.txn_id, "D1");
  EXPECT_EQ(a.last_error, "PST-LEDGER-BALANCE 874.50/874.51");
  EXPECT_THAT(history(a.id), ElementsAre("opened", "compared_differs"));

  q->noteAgreement("A", "ACCTINQ compared equal");
  q->noteAgreement("Z", "no case: nothing happens");
  EXPECT_THAT(history(a.id),
              ElementsAre("opened", "compared_differs", "compared_agrees", "closed"));
  EXPECT_EQ(state(a.id), RepairState::kClosed);
  s = q->stats();
  EXPECT_EQ(s.open, 1u);
  EXPECT_EQ(s.closed, 1u);
  // The account's next difference opens a new case.
  ASSERT_TRUE(q->noteDivergence(pendingCase("D4", {"A"}), "again").ok());
  EXPECT_EQ(q->stats().open, 2u);
}

TEST_F(RepairQueueTest, AReplayThatDiffersBecomesADivergenceAndOneThatAgreesClosesIt) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  RepairCase compared = pendingCase("A1", {"A"});
  compared.compare = true;
  outcomes_["A1"] = RetryOutcome{true, false, "PST-LEDGER-BALANCE differs"};
  const int64_t a1 = *q->park(compared);
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_THAT(history(a1), ElementsAre("opened", "retried", "closed"));
  EXPECT_FALSE(q->parked({"A"}));
  auto open = memory_.openCases();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].kind, RepairKind::kDivergence);
  EXPECT_EQ((*open)[0].txn_id, "A1");
  EXPECT_EQ((*open)[0].commarea, "request A1");
  const int64_t divergence = (*open)[0].id;

  compared.txn_id = "A2";
  ASSERT_TRUE(q->park(compared).ok());
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);  // agrees: a later comparison that agrees
  EXPECT_EQ(state(divergence), RepairState::kClosed);
  EXPECT_THAT(history(divergence), ElementsAre("opened", "compared_agrees", "closed"));
  EXPECT_TRUE(memory_.openCases()->empty());
}

TEST_F(RepairQueueTest, VerifyRunsEveryIntervalOnceTheAccountIsNotParked) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->noteDivergence(pendingCase("D1", {"A"}), "differs").ok());
  outcomes_["D1"] = RetryOutcome{true, false, "still differs"};
  EXPECT_EQ(q->runOnce(), 0u);
  now_ += milliseconds(50);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_EQ(q->runOnce(), 0u);  // not again before the next interval
  outcomes_["D1"] = RetryOutcome{false, false, "legacy unavailable"};
  now_ += milliseconds(50);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_EQ(q->stats().retries_failed, 1u);

  // While the account owes the secondary calls, comparing is pointless.
  failing("P1");
  ASSERT_TRUE(q->park(pendingCase("P1", {"A"})).ok());
  takeCalls();
  now_ += milliseconds(50);
  q->runOnce();
  EXPECT_THAT(takeCalls(), ElementsAre("retry P1"));
  healed("P1");
  outcomes_["D1"] = RetryOutcome{true, true, "balance copied from legacy", true};
  now_ += milliseconds(50);
  q->runOnce();
  EXPECT_THAT(takeCalls(), ElementsAre("retry P1", "verify D1"));
  const int64_t id = memory_.list(RepairFilter{})->back().id;
  EXPECT_THAT(history(id), ElementsAre("opened", "compared_differs", "retry_failed", "resynced",
                                       "compared_agrees", "closed"));
  EXPECT_EQ(q->stats().open, 0u);
}

TEST_F(RepairQueueTest, AStoreFailureOnParkLeavesNothingParked) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  faulty_.fail_open = true;
  auto id = q->park(pendingCase("A1", {"A", "B"}));
  EXPECT_EQ(id.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(q->parked({"A"}));
  EXPECT_FALSE(q->parked({"B"}));
  EXPECT_EQ(q->stats().open, 0u);
  EXPECT_EQ(q->stats().parked_accounts, 0u);
  EXPECT_EQ(q->noteDivergence(pendingCase("D1", {"A"}), "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(q->stats().open, 0u);
  faulty_.fail_open = false;
  ASSERT_TRUE(q->noteDivergence(pendingCase("D1", {"A"}), "x").ok());
  EXPECT_EQ(q->stats().open, 1u);
}

TEST_F(RepairQueueTest, AStoreFailureInTheWorkerKeepsTheCaseForLater) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  const int64_t a1 = *q->park(pendingCase("A1", {"A"}));
  faulty_.fail_close = 1;
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_EQ(state(a1), RepairState::kOpen);
  EXPECT_EQ(q->runOnce(), 0u);  // backing off
  now_ += milliseconds(10);
  EXPECT_EQ(q->runOnce(), 1u);
  EXPECT_EQ(state(a1), RepairState::kClosed);
  EXPECT_THAT(history(a1), ElementsAre("opened", "retried", "retried", "closed"));
  EXPECT_FALSE(q->parked({"A"}));
}

TEST_F(RepairQueueTest, ReopeningRestoresParkedAccountsAndDivergences) {
  auto q = makeQueue();
  ASSERT_NE(q, nullptr);
  failing("A1");
  ASSERT_TRUE(q->park(pendingCase("A1", {"A", "B"})).ok());
  ASSERT_TRUE(q->noteDivergence(pendingCase("D1", {"C"}), "differs").ok());
  q.reset();

  healed("A1");
  q = makeQueue();
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->parked({"A"}));
  EXPECT_TRUE(q->parked({"B"}));
  EXPECT_FALSE(q->parked({"C"}));
  EXPECT_EQ(q->stats().open, 2u);
  EXPECT_EQ(q->stats().opened, 0u);  // counters are since open()
  EXPECT_EQ(q->runOnce(), 1u);       // after a restart, replayed at once
  EXPECT_FALSE(q->parked({"A", "B"}));
  q->noteAgreement("C", "agrees");
  EXPECT_TRUE(memory_.openCases()->empty());
}

TEST_F(RepairQueueTest, ReopeningOnSqliteRestoresParkedAccounts) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("repair_queue_test_" + std::to_string(::getpid()) + ".db"))
                               .string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
  const std::string dsn = "Driver=SQLite3;Database=" + path;
  {
    auto store = SqlRepairStore::open(dsn);
    ASSERT_TRUE(store.ok()) << store.status().toString();
    auto q = makeQueue(store->get());
    ASSERT_NE(q, nullptr);
    ASSERT_TRUE(q->park(pendingCase("A1", {"A"})).ok());
  }
  {
    auto store = SqlRepairStore::open(dsn);
    ASSERT_TRUE(store.ok()) << store.status().toString();
    auto q = makeQueue(store->get());
    ASSERT_NE(q, nullptr);
    EXPECT_TRUE(q->parked({"A"}));
    EXPECT_EQ(q->runOnce(), 1u);
    EXPECT_FALSE(q->parked({"A"}));
    EXPECT_TRUE((*store)->openCases()->empty());
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix);
  }
}

TEST(RepairQueueWorker, DrainsEveryAccountInOrderInRealTime) {
  InMemoryRepairStore store;
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> replayed;  // account -> txn ids that got through
  std::map<std::string, int> failures_left = {{"A0", 2}, {"B0", 1}};
  RepairQueueOptions options;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(2);
  options.retry = [&](const RepairCase& c) {
    std::lock_guard<std::mutex> lock(mu);
    if (failures_left[c.txn_id]-- > 0) {
      return RetryOutcome{false, false, "timeout"};
    }
    replayed[c.account].push_back(c.txn_id);
    return RetryOutcome{true, true, "ok"};
  };
  auto q = RepairQueue::open(store, options);
  ASSERT_TRUE(q.ok()) << q.status().toString();
  (*q)->start();
  for (int i = 0; i < 4; ++i) {
    for (const char* account : {"A", "B", "C"}) {
      const std::string txn = account + std::to_string(i);
      ASSERT_TRUE(
          (*q)->park(pendingCase(txn, {account},
                                 i == 0 ? RepairKind::kSecondaryFailed : RepairKind::kParked))
              .ok());
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((*q)->stats().open > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  (*q)->stop();
  EXPECT_EQ((*q)->stats().open, 0u);
  EXPECT_EQ((*q)->stats().retries_failed, 3u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(replayed["A"], ElementsAre("A0", "A1", "A2", "A3"));
  EXPECT_THAT(replayed["B"], ElementsAre("B0", "B1", "B2", "B3"));
  EXPECT_THAT(replayed["C"], ElementsAre("C0", "C1", "C2", "C3"));
}

}  // namespace
}  // namespace corebridge::dualwrite

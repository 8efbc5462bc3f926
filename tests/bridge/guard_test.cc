// The traffic windows and the guard that demotes on them
// (bridge/traffic_window.h, bridge/guard.h), over a real SQLite flag store.
#include "bridge/guard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "bridge/audit_chain.h"
#include "bridge/sql_flag_store.h"
#include "tests/bridge/flag_store_testing.h"

namespace corebridge::bridge {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;
using std::chrono::steady_clock;

struct FakeClock {
  steady_clock::time_point now = steady_clock::time_point() + std::chrono::hours(1);
  TrafficWindows::Clock fn() {
    return [this] { return now; };
  }
};

TEST(TrafficWindows, CountsPerLineOverASlidingWindow) {
  FakeClock clock;
  TrafficWindows w(clock.fn());
  w.recordRequest("SAVINGS+CHECKING");
  w.recordComparison("SAVINGS", true);
  w.recordComparison("SAVINGS", false);
  w.recordNewCall("SAVINGS", true);
  clock.now += seconds(30);
  w.recordComparison("SAVINGS", false);
  WindowFigures f = w.figures("SAVINGS", 60);
  EXPECT_EQ(f.requests, 1);
  EXPECT_EQ(f.compared, 3);
  EXPECT_EQ(f.different, 1);
  EXPECT_EQ(f.new_errors, 1);
  EXPECT_DOUBLE_EQ(f.mismatchRate(), 1.0 / 3);
  EXPECT_EQ(w.figures("CHECKING", 60).requests, 1);
  // 31 s later only the second burst is within 60 s.
  clock.now += seconds(31);
  f = w.figures("SAVINGS", 60);
  EXPECT_EQ(f.compared, 1);
  EXPECT_EQ(f.different, 0);
  EXPECT_EQ(w.figures("SAVINGS", 10).compared, 0);
  // An hour later the ring's buckets are reused, not added to.
  clock.now += seconds(3600 - 31);
  w.recordComparison("SAVINGS", true);
  EXPECT_EQ(w.figures("SAVINGS", 60).compared, 1);
  w.reset("SAVINGS");
  EXPECT_EQ(w.figures("SAVINGS", 60).compared, 0);
}

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cb-guard-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto opened = SqlFlagStore::open("Driver=SQLite3;Database=" + dir_ + "/flags.db");
    ASSERT_TRUE(opened.ok()) << opened.status().toString();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void seed(Stage stage, GuardSettings g) {
    LineFlags l;
    l.line = "SAVINGS";
    l.stage = stage;
    l.guard = g;
    FlagCommit c;
    c.set_line = l;
    AuditDraft a;
    a.actor = "test";
    a.action = "seed";
    c.audit.push_back(a);
    ASSERT_TRUE(store_->commit(c).ok());
  }
  std::shared_ptr<const std::vector<LineFlags>> lines() {
    auto l = store_->lines();
    EXPECT_TRUE(l.ok());
    return std::make_shared<const std::vector<LineFlags>>(l.ok() ? *l : std::vector<LineFlags>());
  }

  std::string dir_;
  std::unique_ptr<SqlFlagStore> store_;
  FakeClock clock_;
};

GuardSettings mismatchAt(double rate, int min_samples) {
  GuardSettings g;
  g.max_mismatch_rate = rate;
  g.min_samples = min_samples;
  g.window_seconds = 60;
  return g;
}

TEST_F(GuardTest, DemotesOneStageWhenTheMismatchRateCrossesItsThresholdAndAuditsTheFigures) {
  seed(Stage::kShadow, mismatchAt(0.10, 10));
  TrafficWindows w(clock_.fn());
  Guard guard(
      *store_, w, [this] { return lines(); }, GuardOptions{"test-instance"});
  EXPECT_TRUE(guard.checkOnce().empty());
  for (int i = 0; i < 9; ++i) {
    w.recordComparison("SAVINGS", true);
  }
  EXPECT_TRUE(guard.checkOnce().empty()) << "9 samples are fewer than min_samples 10";
  for (int i = 0; i < 11; ++i) {
    w.recordComparison("SAVINGS", false);
  }
  auto trips = guard.checkOnce();  // 9 of 20 differ: 45% > 10%
  ASSERT_EQ(trips.size(), 1u);
  EXPECT_TRUE(trips[0].applied) << trips[0].refused;
  EXPECT_EQ(lines()->front().stage, Stage::kDualWrite);
  AuditQuery q;
  q.newest_first = true;
  q.limit = 1;
  auto audit = store_->audit(q);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  const AuditEntry& e = audit->front();
  EXPECT_EQ(e.actor, "system:guard");
  EXPECT_EQ(e.action, "guard_demote");
  EXPECT_EQ(e.from, "SHADOW");
  EXPECT_EQ(e.to, "DUAL_WRITE");
  EXPECT_NE(e.reason.find("45.0% (9 of 20 compared calls)"), std::string::npos) << e.reason;
  EXPECT_NE(e.evidence.find("\"instance\":\"test-instance\""), std::string::npos) << e.evidence;
  // The new stage is judged on its own samples: the old ones are cleared.
  EXPECT_TRUE(guard.checkOnce().empty());
  EXPECT_EQ(w.figures("SAVINGS", 60).compared, 0);
  AuditQuery all;
  all.limit = 0;
  EXPECT_TRUE(verifyChain(*store_->audit(all), *store_->auditHead()).ok);
}

TEST_F(GuardTest, TwoInstancesTrippingTogetherDemoteTheLineOnce) {
  seed(Stage::kNewPrimary, mismatchAt(0.10, 5));
  TrafficWindows w1(clock_.fn());
  TrafficWindows w2(clock_.fn());
  auto before = lines();
  Guard g1(
      *store_, w1, [before] { return before; }, GuardOptions{"one"});
  Guard g2(
      *store_, w2, [before] { return before; }, GuardOptions{"two"});
  (void)g1.checkOnce();
  (void)g2.checkOnce();
  for (int i = 0; i < 10; ++i) {
    w1.recordComparison("SAVINGS", true);
    w2.recordComparison("SAVINGS", true);
  }
  auto t1 = g1.checkOnce();
  auto t2 = g2.checkOnce();  // still sees the line at NEW_PRIMARY (its watcher lags)
  ASSERT_EQ(t1.size(), 1u);
  ASSERT_EQ(t2.size(), 1u);
  EXPECT_TRUE(t1[0].applied);
  EXPECT_FALSE(t2[0].applied);
  EXPECT_EQ(lines()->front().stage, Stage::kShadow) << "demoted once, not twice";
}

TEST_F(GuardTest, TheNewSideErrorRateTripsToo) {
  GuardSettings g;
  g.max_error_rate = 0.5;
  g.min_samples = 4;
  seed(Stage::kNewPrimary, g);
  TrafficWindows w(clock_.fn());
  Guard guard(
      *store_, w, [this] { return lines(); }, GuardOptions{"x"});
  (void)guard.checkOnce();
  for (int i = 0; i < 4; ++i) {
    w.recordNewCall("SAVINGS", i != 0);
  }
  auto trips = guard.checkOnce();
  ASSERT_EQ(trips.size(), 1u);
  EXPECT_NE(trips[0].reason.find("new-side error rate 75.0% (3 of 4 calls)"), std::string::npos)
      << trips[0].reason;
  EXPECT_EQ(lines()->front().stage, Stage::kShadow);
}

// Tightening the thresholds (applied at once, no approval) keeps the
// window: otherwise tightening again and again would keep the guard from
// ever having enough samples.
TEST_F(GuardTest, ATighterThresholdKeepsTheWindow) {
  seed(Stage::kShadow, mismatchAt(0.5, 5));
  TrafficWindows w(clock_.fn());
  Guard guard(
      *store_, w, [this] { return lines(); }, GuardOptions{"x"});
  (void)guard.checkOnce();
  for (int i = 0; i < 3; ++i) {
    w.recordComparison("SAVINGS", true);
  }
  LineFlags l = lines()->front();
  l.guard.max_mismatch_rate = 0.4;
  ASSERT_TRUE(testing::commitLine(*store_, l).ok());
  EXPECT_TRUE(guard.checkOnce().empty());  // 3 samples, fewer than 5
  w.recordComparison("SAVINGS", true);
  w.recordComparison("SAVINGS", true);
  auto trips = guard.checkOnce();
  ASSERT_EQ(trips.size(), 1u) << "the samples before the tightening still count";
  EXPECT_TRUE(trips[0].applied);
}

// DUAL_WRITE is the guard's floor: below it the new store would stop
// receiving the line's writes.
TEST_F(GuardTest, NeverDemotesBelowDualWrite) {
  GuardSettings g;
  g.max_error_rate = 0.1;
  g.min_samples = 2;
  seed(Stage::kDualWrite, g);
  TrafficWindows w(clock_.fn());
  Guard guard(
      *store_, w, [this] { return lines(); }, GuardOptions{"x"});
  (void)guard.checkOnce();
  for (int i = 0; i < 10; ++i) {
    w.recordNewCall("SAVINGS", true);
  }
  EXPECT_TRUE(guard.checkOnce().empty());
  EXPECT_EQ(lines()->front().stage, Stage::kDualWrite);
}

TEST_F(GuardTest, DoesNotTakeALineOutOfNewOnlyWithoutAReSync) {
  GuardSettings g;
  g.max_error_rate = 0.1;
  g.min_samples = 2;
  seed(Stage::kNewOnly, g);
  TrafficWindows w(clock_.fn());
  Guard guard(
      *store_, w, [this] { return lines(); }, GuardOptions{"x"});
  (void)guard.checkOnce();
  w.recordNewCall("SAVINGS", true);
  w.recordNewCall("SAVINGS", true);
  auto trips = guard.checkOnce();
  ASSERT_EQ(trips.size(), 1u);
  EXPECT_FALSE(trips[0].applied);
  EXPECT_NE(trips[0].refused.find("re-sync"), std::string::npos) << trips[0].refused;
  EXPECT_EQ(lines()->front().stage, Stage::kNewOnly);
}

}  // namespace
}  // namespace corebridge::bridge

// FlagWatcher (bridge/flag_watcher.h) over a real SQLite flag store: what
// it hands to `apply`, and when.
#include "bridge/flag_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "bridge/sql_flag_store.h"
#include "tests/bridge/flag_store_testing.h"

namespace corebridge::bridge {
namespace {

class FlagWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cb-flag-watcher-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto opened = SqlFlagStore::open("Driver=SQLite3;Database=" + dir_ + "/flags.db");
    ASSERT_TRUE(opened.ok()) << opened.status().toString();
    store_ = std::move(*opened);
    LineFlags l;
    l.line = "SAVINGS";
    FlagCommit c;
    c.set_line = l;
    ASSERT_TRUE(store_->commit(c).ok());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  void setStage(Stage s) {
    auto lines = store_->lines();
    ASSERT_TRUE(lines.ok());
    LineFlags l = lines->front();
    l.stage = s;
    ASSERT_TRUE(testing::commitLine(*store_, l).ok());
  }

  std::string dir_;
  std::unique_ptr<SqlFlagStore> store_;
};

TEST_F(FlagWatcherTest, AppliesWhenALineChangesAndOnlyThen) {
  std::vector<std::vector<LineFlags>> applied;
  FlagWatcher watcher(
      *store_, [&](const std::vector<LineFlags>& l) { applied.push_back(l); },
      std::chrono::milliseconds(20));
  ASSERT_TRUE(watcher.refresh().ok());
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].front().stage, Stage::kLegacyOnly);
  EXPECT_GE(watcher.ageMs(), 0);
  // An audit-only commit moves the generation, not a line: nothing applied.
  FlagCommit audit_only;
  AuditDraft a;
  a.actor = "test";
  a.action = "reconciliation";
  audit_only.audit.push_back(a);
  ASSERT_TRUE(store_->commit(audit_only).ok());
  ASSERT_TRUE(watcher.refresh().ok());
  EXPECT_EQ(applied.size(), 1u);
  EXPECT_EQ(watcher.generation(), *store_->generation());
  setStage(Stage::kDualWrite);
  ASSERT_TRUE(watcher.refresh().ok());
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[1].front().stage, Stage::kDualWrite);
  EXPECT_EQ(watcher.lines()->front().stage, Stage::kDualWrite);
}

TEST_F(FlagWatcherTest, ItsThreadPicksAChangeUpWithinThePoll) {
  std::atomic<int> stage{-1};
  FlagWatcher watcher(
      *store_, [&](const std::vector<LineFlags>& l) { stage = static_cast<int>(l.front().stage); },
      std::chrono::milliseconds(20));
  watcher.start();
  setStage(Stage::kShadow);
  for (int i = 0; i < 250 && stage.load() != static_cast<int>(Stage::kShadow); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(stage.load(), static_cast<int>(Stage::kShadow));
  watcher.stop();
  EXPECT_EQ(watcher.errors(), 0u);
}

}  // namespace
}  // namespace corebridge::bridge

// The stage table of DESIGN.md, the least-migrated rule and the sticky ramp.
#include "bridge/cutover.h"

#include <gtest/gtest.h>

#include <string>

namespace corebridge::bridge {
namespace {

StageTable table(Stage savings, Stage checking, int ramp = 100) {
  StageTable t;
  t.lines["SAVINGS"] = {savings, ramp};
  t.lines["CHECKING"] = {checking, ramp};
  return t;
}

TEST(CutoverTest, EveryStageRoutesAsTheDesignTableSays) {
  struct Row {
    Stage stage;
    bool write;
    Side primary;
    bool secondary;
    bool compare;
  };
  const Row rows[] = {
      {Stage::kLegacyOnly, true, Side::kLegacy, false, false},
      {Stage::kLegacyOnly, false, Side::kLegacy, false, false},
      {Stage::kDualWrite, true, Side::kLegacy, true, true},
      {Stage::kDualWrite, false, Side::kLegacy, false, false},
      {Stage::kShadow, true, Side::kLegacy, true, true},
      {Stage::kShadow, false, Side::kLegacy, true, true},
      {Stage::kNewPrimary, true, Side::kNew, true, true},
      {Stage::kNewPrimary, false, Side::kNew, true, true},
      {Stage::kNewOnly, true, Side::kNew, false, false},
      {Stage::kNewOnly, false, Side::kNew, false, false},
  };
  for (const Row& row : rows) {
    const Route r = route(table(row.stage, row.stage), {"SAVINGS"}, row.write, "100010000017");
    SCOPED_TRACE(std::string(stageName(row.stage)) + (row.write ? " write" : " read"));
    EXPECT_EQ(r.stage, row.stage);
    EXPECT_EQ(r.primary, row.primary);
    EXPECT_EQ(r.secondary, row.secondary);
    EXPECT_EQ(r.compare, row.compare);
  }
}

TEST(CutoverTest, SeveralLinesRunAtTheLeastMigratedStage) {
  const StageTable t = table(Stage::kNewOnly, Stage::kDualWrite);
  EXPECT_EQ(route(t, {"SAVINGS", "CHECKING"}, true, "1").stage, Stage::kDualWrite);
  EXPECT_EQ(route(t, {"CHECKING", "SAVINGS"}, true, "1").stage, Stage::kDualWrite);
  EXPECT_EQ(route(t, {"SAVINGS"}, true, "1").stage, Stage::kNewOnly);
  // A line the table does not name is at the default stage.
  EXPECT_EQ(route(t, {"SAVINGS", "LOAN"}, true, "1").stage, Stage::kLegacyOnly);
  EXPECT_EQ(route(t, {}, true, "1").stage, Stage::kLegacyOnly);
}

TEST(CutoverTest, RampIsStickyAndOnlyGrows) {
  // Each account's choice at ramp r stays the same at every higher ramp.
  int new_primary_at_30 = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string account = "1000100" + std::to_string(10000 + i);
    bool was_new = false;
    for (int ramp = 0; ramp <= 100; ramp += 10) {
      const Route r =
          route(table(Stage::kNewPrimary, Stage::kNewPrimary, ramp), {"SAVINGS"}, true, account);
      const bool is_new = r.stage == Stage::kNewPrimary;
      EXPECT_FALSE(was_new && !is_new) << account << " flipped back at ramp " << ramp;
      EXPECT_EQ(is_new, rampBucket(account) < ramp);
      if (!is_new) {
        EXPECT_EQ(r.stage, Stage::kShadow);
        EXPECT_EQ(r.primary, Side::kLegacy);
      }
      if (ramp == 30 && is_new) {
        ++new_primary_at_30;
      }
      was_new = is_new;
    }
  }
  // About 30 % of 2000 accounts; the hash spreads them.
  EXPECT_GT(new_primary_at_30, 450);
  EXPECT_LT(new_primary_at_30, 750);
}

// A transfer whose accounts the ramp splits runs as SHADOW and says so.
TEST(CutoverTest, ATransactionTheRampSplitsIsMixed) {
  std::string in;
  std::string out;
  for (int i = 0; i < 1000 && (in.empty() || out.empty()); ++i) {
    const std::string account = "1000100" + std::to_string(10000 + i);
    (rampBucket(account) < 50 ? in : out) = account;
  }
  const StageTable t = table(Stage::kNewPrimary, Stage::kNewPrimary, 50);
  const Route both_in = route(t, {"SAVINGS"}, true, std::vector<std::string>{in, in});
  EXPECT_EQ(both_in.stage, Stage::kNewPrimary);
  EXPECT_FALSE(both_in.mixed);
  const Route split = route(t, {"SAVINGS"}, true, std::vector<std::string>{in, out});
  EXPECT_EQ(split.stage, Stage::kShadow);
  EXPECT_TRUE(split.ramped_out);
  EXPECT_TRUE(split.mixed);
  const Route both_out = route(t, {"SAVINGS"}, true, std::vector<std::string>{out, out});
  EXPECT_EQ(both_out.stage, Stage::kShadow);
  EXPECT_TRUE(both_out.ramped_out);
  EXPECT_FALSE(both_out.mixed);
}

TEST(CutoverTest, StageNamesParse) {
  for (Stage s : {Stage::kLegacyOnly, Stage::kDualWrite, Stage::kShadow, Stage::kNewPrimary,
                  Stage::kNewOnly}) {
    auto parsed = parseStage(stageName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(*parseStage("shadow"), Stage::kShadow);
  EXPECT_FALSE(parseStage("HALF_WAY").ok());
}

}  // namespace
}  // namespace corebridge::bridge

// The rules of moving a product line (bridge/change_policy.h).
#include "bridge/change_policy.h"

#include <gtest/gtest.h>

namespace corebridge::bridge {
namespace {

LineFlags at(Stage stage, int ramp = 100) {
  LineFlags l;
  l.line = "SAVINGS";
  l.stage = stage;
  l.ramp_percent = ramp;
  l.version = 4;
  l.stage_since_ms = 1000;
  l.stage_since_reconciliation = 7;
  return l;
}

PolicyFacts factsAt(Stage stage, int ramp = 100) {
  PolicyFacts f;
  f.current = at(stage, ramp);
  return f;
}

TEST(ChangePolicy, ALaterStageOrAHigherRampOrALooserGuardIsAPromotion) {
  EXPECT_EQ(directionOf(at(Stage::kDualWrite), at(Stage::kShadow)), Direction::kPromotion);
  EXPECT_EQ(directionOf(at(Stage::kNewPrimary, 10), at(Stage::kNewPrimary, 25)),
            Direction::kPromotion);
  EXPECT_EQ(directionOf(at(Stage::kNewPrimary, 25), at(Stage::kNewPrimary, 10)),
            Direction::kDemotion);
  EXPECT_EQ(directionOf(at(Stage::kShadow), at(Stage::kDualWrite)), Direction::kDemotion);
  // The ramp means nothing below NEW_PRIMARY.
  EXPECT_EQ(directionOf(at(Stage::kShadow, 10), at(Stage::kShadow, 50)), Direction::kNone);
  LineFlags looser = at(Stage::kShadow);
  LineFlags tight = at(Stage::kShadow);
  tight.guard.max_mismatch_rate = 0.01;
  looser.guard.max_mismatch_rate = 0.05;
  EXPECT_EQ(directionOf(tight, looser), Direction::kPromotion);
  EXPECT_EQ(directionOf(looser, tight), Direction::kDemotion);
  LineFlags disabled = tight;
  disabled.guard.max_mismatch_rate = 0;  // disabling is the loosest of all
  EXPECT_EQ(directionOf(tight, disabled), Direction::kPromotion);
  // A demotion that also loosens the guard needs an approval.
  LineFlags back_and_loose = looser;
  back_and_loose.stage = Stage::kDualWrite;
  EXPECT_EQ(directionOf(tight, back_and_loose), Direction::kPromotion);
}

TEST(ChangePolicy, APromotionMovesOneStageAtATime) {
  const PolicyDecision d = decideChange(factsAt(Stage::kLegacyOnly), at(Stage::kShadow), true);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "skip_stage");
  EXPECT_NE(d.message.find("skip DUAL_WRITE"), std::string::npos) << d.message;
  const PolicyDecision two = decideChange(factsAt(Stage::kDualWrite), at(Stage::kNewOnly), true);
  EXPECT_NE(two.message.find("SHADOW, NEW_PRIMARY"), std::string::npos) << two.message;
  EXPECT_TRUE(decideChange(factsAt(Stage::kLegacyOnly), at(Stage::kDualWrite), true).allowed);
  // A demotion may go back several stages at once.
  EXPECT_TRUE(decideChange(factsAt(Stage::kNewPrimary), at(Stage::kLegacyOnly), true).allowed);
}

TEST(ChangePolicy, OpenRepairsAnOutOfBalanceReconciliationOrAPendingChangeStopAPromotion) {
  PolicyFacts f = factsAt(Stage::kDualWrite);
  f.open_repairs = 3;
  PolicyDecision d = decideChange(f, at(Stage::kShadow), true);
  EXPECT_EQ(d.rule, "open_repairs");
  EXPECT_NE(d.message.find("3 open repair"), std::string::npos) << d.message;
  // They do not stop a demotion.
  EXPECT_TRUE(decideChange(f, at(Stage::kLegacyOnly), true).allowed);

  f.open_repairs = 0;
  ReconciliationRecord r;
  r.id = 9;
  r.balanced = false;
  r.differences = 2;
  r.business_date = "20261130";
  f.last_reconciliation = r;
  d = decideChange(f, at(Stage::kShadow), true);
  EXPECT_EQ(d.rule, "out_of_balance");
  EXPECT_NE(d.message.find("20261130"), std::string::npos) << d.message;
  f.last_reconciliation->balanced = true;
  EXPECT_TRUE(decideChange(f, at(Stage::kShadow), true).allowed);

  f.pending_change = true;
  EXPECT_EQ(decideChange(f, at(Stage::kShadow), true).rule, "pending_change");
  // Approving that pending change re-checks the rules without this one.
  EXPECT_TRUE(decideChange(f, at(Stage::kShadow), false).allowed);
}

TEST(ChangePolicy, LeavingNewOnlyNeedsABalancedReconciliationRecordedSinceItEnteredIt) {
  PolicyFacts f = factsAt(Stage::kNewOnly);
  PolicyDecision d = decideChange(f, at(Stage::kNewPrimary), true);
  EXPECT_EQ(d.rule, "leave_new_only");
  EXPECT_NE(d.message.find("none is recorded"), std::string::npos) << d.message;
  ReconciliationRecord r;
  r.balanced = true;
  r.id = 7;          // the newest when the line entered NEW_ONLY
  r.at_ms = 999999;  // clocks do not decide it
  f.last_reconciliation = r;
  d = decideChange(f, at(Stage::kNewPrimary), true);
  EXPECT_EQ(d.rule, "leave_new_only");
  EXPECT_NE(d.message.find("predates"), std::string::npos) << d.message;
  f.last_reconciliation->id = 8;
  EXPECT_TRUE(decideChange(f, at(Stage::kNewPrimary), true).allowed);
}

TEST(ChangePolicy, NothingToChangeIsRefused) {
  EXPECT_EQ(decideChange(factsAt(Stage::kShadow), at(Stage::kShadow), true).rule, "no_change");
}

TEST(ChangePolicy, OneStageBackGoesFromNewPrimaryAtAnyRampToShadow) {
  EXPECT_EQ(oneStageBack(at(Stage::kNewPrimary, 30))->stage, Stage::kShadow);
  EXPECT_EQ(oneStageBack(at(Stage::kNewOnly))->stage, Stage::kNewPrimary);
  EXPECT_EQ(oneStageBack(at(Stage::kDualWrite))->stage, Stage::kLegacyOnly);
  EXPECT_EQ(oneStageBack(at(Stage::kLegacyOnly)).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace corebridge::bridge

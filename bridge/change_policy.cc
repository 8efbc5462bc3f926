#include "bridge/change_policy.h"

#include <string>

namespace corebridge::bridge {
namespace {

// A threshold of 0 is disabled, which is the loosest of all.
bool thresholdLooser(double from, double to) {
  if (from == 0) {
    return false;
  }
  return to == 0 || to > from;
}

bool sameSetting(const LineFlags& a, const LineFlags& b) {
  if (a.stage != b.stage) {
    return false;
  }
  return a.stage != Stage::kNewPrimary || a.ramp_percent == b.ramp_percent;
}

PolicyDecision refuse(Direction d, std::string rule, std::string message) {
  PolicyDecision out;
  out.direction = d;
  out.rule = std::move(rule);
  out.message = std::move(message);
  return out;
}

}  // namespace

std::string_view directionName(Direction d) {
  switch (d) {
    case Direction::kNone:
      return "none";
    case Direction::kDemotion:
      return "demotion";
    case Direction::kPromotion:
      return "promotion";
  }
  return "none";
}

bool guardLooser(const GuardSettings& from, const GuardSettings& to) {
  return thresholdLooser(from.max_mismatch_rate, to.max_mismatch_rate) ||
         thresholdLooser(from.max_error_rate, to.max_error_rate) ||
         to.window_seconds > from.window_seconds || to.min_samples > from.min_samples;
}

Direction directionOf(const LineFlags& from, const LineFlags& to) {
  const bool stage_up = to.stage > from.stage;
  const bool ramp_up = from.stage == Stage::kNewPrimary && to.stage == Stage::kNewPrimary &&
                       to.ramp_percent > from.ramp_percent;
  if (stage_up || ramp_up || guardLooser(from.guard, to.guard)) {
    return Direction::kPromotion;
  }
  if (!sameSetting(from, to) || !(from.guard == to.guard)) {
    return Direction::kDemotion;
  }
  return Direction::kNone;
}

PolicyDecision decideChange(const PolicyFacts& facts, const LineFlags& to, bool proposing) {
  const LineFlags& from = facts.current;
  const Direction d = directionOf(from, to);
  if (d == Direction::kNone) {
    return refuse(d, "no_change",
                  from.line + " is already at " + describeSetting(from.stage, from.ramp_percent) +
                      " with these guard thresholds: nothing to change");
  }
  if (from.stage == Stage::kNewOnly && to.stage < Stage::kNewOnly) {
    const auto& r = facts.last_reconciliation;
    if (!r || !r->balanced || r->id <= from.stage_since_reconciliation) {
      return refuse(d, "leave_new_only",
                    "leaving NEW_ONLY needs a re-sync of the legacy side first: record a balanced "
                    "reconciliation of " +
                        from.line + " taken since it entered NEW_ONLY" +
                        (r ? (r->balanced ? " (the latest predates it)"
                                          : " (the latest is out "
                                            "of balance)")
                           : " (none is recorded)"));
    }
  }
  if (d == Direction::kPromotion) {
    if (static_cast<int>(to.stage) - static_cast<int>(from.stage) > 1) {
      std::string skipped;
      for (int s = static_cast<int>(from.stage) + 1; s < static_cast<int>(to.stage); ++s) {
        skipped += (skipped.empty() ? "" : ", ") + std::string(stageName(static_cast<Stage>(s)));
      }
      return refuse(d, "skip_stage",
                    "a promotion moves one stage at a time: " + std::string(stageName(from.stage)) +
                        " to " + std::string(stageName(to.stage)) + " would skip " + skipped);
    }
    if (proposing && facts.pending_change) {
      return refuse(d, "pending_change",
                    from.line +
                        " already has a change request pending: approve or reject it "
                        "first");
    }
    if (facts.open_repairs > 0) {
      return refuse(d, "open_repairs",
                    from.line + " has " + std::to_string(facts.open_repairs) +
                        " open repair case(s): close them before promoting (bridgectl repairs)");
    }
    if (facts.last_reconciliation && !facts.last_reconciliation->balanced) {
      const auto& r = *facts.last_reconciliation;
      return refuse(d, "out_of_balance",
                    "the latest reconciliation of " + from.line + " (id " + std::to_string(r.id) +
                        ", business date " + r.business_date + ") is out of balance with " +
                        std::to_string(r.differences) +
                        " difference(s): reconcile in balance before promoting");
    }
  }
  PolicyDecision ok;
  ok.direction = d;
  ok.allowed = true;
  return ok;
}

Result<LineFlags> oneStageBack(const LineFlags& line) {
  LineFlags out = line;
  switch (line.stage) {
    case Stage::kLegacyOnly:
      return failedPrecondition(line.line + " is at LEGACY_ONLY: there is no stage further back");
    case Stage::kDualWrite:
      out.stage = Stage::kLegacyOnly;
      break;
    case Stage::kShadow:
      out.stage = Stage::kDualWrite;
      break;
    case Stage::kNewPrimary:
      out.stage = Stage::kShadow;
      break;
    case Stage::kNewOnly:
      out.stage = Stage::kNewPrimary;
      out.ramp_percent = 100;
      break;
  }
  return out;
}

}  // namespace corebridge::bridge

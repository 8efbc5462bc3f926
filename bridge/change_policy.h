// The rules of moving a product line (docs/cutover-control.md, "Rules"):
// which changes are promotions (they wait for a second person's approval),
// which are demotions (applied at once), and which are refused, with the
// rule's name and a sentence saying why.
//
// Pure functions over the facts the caller gathered (the line as stored,
// its open repair cases, its latest reconciliation); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bridge/flag_store.h"

namespace corebridge::bridge {

enum class Direction {
  kNone,       // nothing changes
  kDemotion,   // toward legacy, or a tighter guard: applied at once
  kPromotion,  // toward new, or a looser guard: needs an approval
};
std::string_view directionName(Direction d);  // "none", "demotion", "promotion"

// A guard is looser when a threshold is raised or disabled (0), the window
// is longer, or more samples are needed before it trips.
bool guardLooser(const GuardSettings& from, const GuardSettings& to);

// Promotion when any part of the change is one (a later stage, a higher
// ramp within NEW_PRIMARY, a looser guard), else demotion when anything
// changes. The ramp counts only at NEW_PRIMARY.
Direction directionOf(const LineFlags& from, const LineFlags& to);

struct PolicyFacts {
  LineFlags current;  // the line as stored now
  int64_t open_repairs = 0;
  std::optional<ReconciliationRecord> last_reconciliation;  // the line's newest
  bool pending_change = false;                              // the line has a change request pending
};

struct PolicyDecision {
  Direction direction = Direction::kNone;
  bool allowed = false;
  std::string rule;     // when refused: skip_stage, leave_new_only, open_repairs,
                        // out_of_balance, pending_change, no_change
  std::string message;  // when refused: why, in one sentence
};

// The decision on moving facts.current to `to`. `proposing` is true for a
// new proposal (pending_change then refuses a promotion), false when an
// approval re-checks one.
PolicyDecision decideChange(const PolicyFacts& facts, const LineFlags& to, bool proposing);

// The line one stage back toward legacy (NEW_PRIMARY at any ramp goes to
// SHADOW); FailedPrecondition at LEGACY_ONLY.
Result<LineFlags> oneStageBack(const LineFlags& line);

}  // namespace corebridge::bridge

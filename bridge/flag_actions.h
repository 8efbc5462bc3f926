// Writes to the flag store that both the admin API and the guard make
// (docs/cutover-control.md), so that a demotion means the same whoever
// does it.
#pragma once

#include <optional>
#include <string>

#include "bridge/flag_store.h"

namespace corebridge::bridge {

// The pending change request of `line`, if any (the newest).
Result<std::optional<ChangeRequest>> pendingChangeOf(FlagStore& store, const std::string& line);
// The newest reconciliation of `line`, if any.
Result<std::optional<ReconciliationRecord>> lastReconciliationOf(FlagStore& store,
                                                                 const std::string& line);

// Sets `current.line` to `to` at once, conditional on current.version, with
// `audit` (its from/to/line filled in here when empty). The line's pending
// change request, if any, is rejected in the same transaction by
// "system:demotion" (its base is gone), with its own audit entry.
Result<CommitResult> applyDirectly(FlagStore& store, const LineFlags& current, const LineFlags& to,
                                   AuditDraft audit);

}  // namespace corebridge::bridge

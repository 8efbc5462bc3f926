#include "bridge/flag_actions.h"

#include <utility>

namespace corebridge::bridge {

Result<std::optional<ChangeRequest>> pendingChangeOf(FlagStore& store, const std::string& line) {
  CB_ASSIGN_OR_RETURN(auto pending, store.changes(ChangeState::kPending, 0));
  for (ChangeRequest& c : pending) {
    if (c.line == line) {
      return std::optional<ChangeRequest>(std::move(c));
    }
  }
  return std::optional<ChangeRequest>();
}

Result<std::optional<ReconciliationRecord>> lastReconciliationOf(FlagStore& store,
                                                                 const std::string& line) {
  CB_ASSIGN_OR_RETURN(auto newest, store.reconciliations(line, 1));
  if (newest.empty()) {
    return std::optional<ReconciliationRecord>();
  }
  return std::optional<ReconciliationRecord>(std::move(newest.front()));
}

Result<CommitResult> applyDirectly(FlagStore& store, const LineFlags& current, const LineFlags& to,
                                   AuditDraft audit) {
  FlagCommit commit;
  commit.set_line = to;
  commit.set_line->line = current.line;
  commit.expected_version = current.version;
  audit.line = current.line;
  if (audit.from.empty()) {
    audit.from = describeSetting(current.stage, current.ramp_percent);
  }
  if (audit.to.empty()) {
    audit.to = describeSetting(to.stage, to.ramp_percent);
  }
  const std::string actor = audit.actor;
  commit.audit.push_back(std::move(audit));
  CB_ASSIGN_OR_RETURN(auto pending, pendingChangeOf(store, current.line));
  if (pending) {
    ChangeRequest decided = *pending;
    decided.state = ChangeState::kRejected;
    decided.decided_by = "system:demotion";
    decided.decision_note = "cancelled: " + current.line + " was changed directly by " + actor +
                            ", so the change no longer applies to the line as it is";
    AuditDraft reject;
    reject.actor = "system:demotion";
    reject.action = "reject";
    reject.line = current.line;
    reject.from = describeSetting(pending->from.stage, pending->from.ramp_percent);
    reject.to = describeSetting(pending->to.stage, pending->to.ramp_percent);
    reject.reason = decided.decision_note;
    reject.change_id = pending->id;
    commit.change = std::move(decided);
    commit.audit.push_back(std::move(reject));
  }
  return store.commit(commit);
}

}  // namespace corebridge::bridge

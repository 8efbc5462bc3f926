// FlagStore: the control plane's shared state (DESIGN.md, "Control plane";
// docs/cutover-control.md). Every bridge instance reads its product lines'
// stages, ramps and guard thresholds from one store and polls generation()
// to see a change within a second; the admin API writes to it.
//
// What it keeps:
//   lines            per product line: stage, ramp, guard thresholds, a
//                    version bumped by every change of that line
//   change requests  promotions waiting for a second person's approval
//   audit log        append-only and hash-chained (bridge/audit_chain.h):
//                    every entry carries the hash of the one before
//   reconciliations  the results `bridgectl reconcile` recorded, per line
//
// Every write goes through commit(): one database transaction that may set a
// line (only if its version is still the expected one), insert or decide a
// change request (deciding only a pending one), record a reconciliation,
// and append audit entries, all or nothing. The store computes the audit
// entries' seq, prev_hash and hash inside that transaction, serialized
// across instances, so the chain never forks.
//
// Errors: Unavailable (the database cannot be reached: retry), Aborted (a
// line's version moved or a change request is no longer pending: re-read
// and decide again), InvalidArgument (a value that cannot be stored),
// NotFound, DataLoss (a stored row this build cannot read).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bridge/cutover.h"
#include "common/status.h"

namespace corebridge::bridge {

// When the guard demotes a line one stage (bridge/guard.h). A rate of 0
// disables that check.
struct GuardSettings {
  double max_mismatch_rate = 0;  // of compared calls, the share that differ (0-1)
  double max_error_rate = 0;     // of new-side calls, the share that fail (0-1)
  int window_seconds = 60;       // the sliding window the rates are taken over
  int min_samples = 20;          // fewer calls than this in the window never trip
  bool operator==(const GuardSettings& o) const {
    return max_mismatch_rate == o.max_mismatch_rate && max_error_rate == o.max_error_rate &&
           window_seconds == o.window_seconds && min_samples == o.min_samples;
  }
};

struct LineFlags {
  std::string line;
  Stage stage = Stage::kLegacyOnly;
  int ramp_percent = 100;  // NEW_PRIMARY only
  GuardSettings guard;
  int64_t version = 0;         // 1 once written, +1 per change; set by the store
  int64_t changed_at_ms = 0;   // unix ms of the last change; set by the store
  int64_t stage_since_ms = 0;  // unix ms the line entered its stage; set by the store
  // The newest reconciliation id when the line entered its stage: one with a
  // higher id was recorded since (by the store's own counter, so no clock
  // decides it). Set by the store; lines() only (0 in a change's snapshot).
  int64_t stage_since_reconciliation = 0;
};

enum class ChangeState { kPending, kApplied, kRejected };
std::string_view changeStateName(ChangeState s);  // "pending", "applied", "rejected"
Result<ChangeState> parseChangeState(std::string_view name);

// A promotion proposed by one person, applied when another approves it.
struct ChangeRequest {
  int64_t id = 0;  // assigned by the store
  std::string line;
  LineFlags from;      // the line as it was when proposed (from.version: the base)
  LineFlags to;        // what approval sets (stage, ramp, guard)
  std::string reason;  // the proposer's why
  std::string proposed_by;
  int64_t proposed_at_ms = 0;
  ChangeState state = ChangeState::kPending;
  std::string decided_by;  // who approved or rejected
  int64_t decided_at_ms = 0;
  std::string decision_note;
};

// An audit entry as the caller drafts it; the store adds seq, at_ms (when
// zero), prev_hash and hash.
struct AuditDraft {
  int64_t at_ms = 0;  // 0: the store's clock
  std::string actor;  // a user name, or "system:guard" (instance in evidence)
  // propose, approve (the promotion applied), reject, demote,
  // guard_demote, guard (thresholds tightened), seed, reconciliation
  std::string action;
  std::string line;
  std::string from;  // "SHADOW", "NEW_PRIMARY 25%", thresholds ... ("" when none)
  std::string to;
  std::string reason;       // the person's why, or the guard's figures in words
  std::string approved_by;  // "" unless an approval applied it
  std::string evidence;     // JSON text: the figures a decision was taken on
  // The change request concerned, 0 for none; 0 in a commit that inserts a
  // change request becomes the new request's id (a proposal's entry cannot
  // know it before the commit).
  int64_t change_id = 0;
};

struct AuditEntry {
  int64_t seq = 0;  // 1, 2, 3 ... without gaps
  int64_t at_ms = 0;
  std::string actor;
  std::string action;
  std::string line;
  std::string from;
  std::string to;
  std::string reason;
  std::string approved_by;
  std::string evidence;
  int64_t change_id = 0;
  std::string prev_hash;  // hex SHA-256 of the entry before; 64 '0's for seq 1
  std::string hash;       // hex SHA-256 of this entry (audit_chain.h)
};

// The newest entry: what an auditor writes down to detect later truncation.
struct AuditHead {
  int64_t seq = 0;   // 0 while the log is empty
  std::string hash;  // "" while the log is empty
};

struct ReconciliationRecord {
  int64_t id = 0;  // assigned by the store
  std::string line;
  int64_t at_ms = 0;  // when recorded; 0: the store's clock
  std::string recorded_by;
  std::string business_date;  // YYYYMMDD as the extract said
  bool balanced = false;
  int64_t differences = 0;
  std::string summary_json;  // bridgectl reconcile's summary.json, whole
};

// One transaction's worth of writes (FlagStore::commit). Unset parts are
// left alone.
struct FlagCommit {
  // Set the line's stage, ramp and guard (version and times are the
  // store's). Refused with Aborted unless the line's stored version is
  // expected_version (0: the line must not exist yet).
  std::optional<LineFlags> set_line;
  int64_t expected_version = 0;
  // Insert a new change request (id 0), or decide one (id > 0: its state,
  // decided_by, decided_at_ms, decision_note are written; Aborted unless it
  // is still pending).
  std::optional<ChangeRequest> change;
  std::optional<ReconciliationRecord> reconciliation;
  std::vector<AuditDraft> audit;  // appended in order
};

struct CommitResult {
  int64_t line_version = 0;  // the line's new version when set_line was given
  int64_t change_id = 0;     // the inserted or decided change request
  int64_t reconciliation_id = 0;
  std::vector<int64_t> audit_seqs;  // of the entries appended, in order
  int64_t generation = 0;           // the store's generation after the commit
};

struct AuditQuery {
  int64_t after_seq = 0;  // entries with seq > this
  size_t limit = 100;     // 0: every one
  std::string line;       // "" any
  bool newest_first = false;
};

class FlagStore {
 public:
  virtual ~FlagStore() = default;

  // A number that grows with every commit (by any instance): cheap, polled.
  virtual Result<int64_t> generation() = 0;
  // Every line the store holds, by name.
  virtual Result<std::vector<LineFlags>> lines() = 0;
  virtual Result<std::vector<ChangeRequest>> changes(std::optional<ChangeState> state,
                                                     size_t limit) = 0;  // newest first
  virtual Result<ChangeRequest> change(int64_t id) = 0;                  // NotFound
  virtual Result<std::vector<AuditEntry>> audit(const AuditQuery& query) = 0;
  virtual Result<AuditHead> auditHead() = 0;
  // The newest reconciliations of `line` ("" any), newest first.
  virtual Result<std::vector<ReconciliationRecord>> reconciliations(const std::string& line,
                                                                    size_t limit) = 0;

  virtual Result<CommitResult> commit(const FlagCommit& commit) = 0;
};

// "SHADOW", "NEW_PRIMARY 25%": a line's stage and ramp in words, as the
// audit's from/to show them.
std::string describeSetting(Stage stage, int ramp_percent);

}  // namespace corebridge::bridge

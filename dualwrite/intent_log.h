// IntentLog: the write path's use of the journal (issue 6).
//
// Wraps a Journal (dualwrite/journal.h) in one directory and speaks in
// intents (dualwrite/intent.h): begin() before the primary call,
// primaryDone() after it, settle() once the secondary side is done. begin()
// returns only when its record is durable (group commit shares the
// fdatasync among concurrent requests). primaryDone() queues its record and
// returns: it is written with the next batch (Journal::appendDeferred), so
// the channel's reply does not wait for a second fdatasync. A crash that
// loses it leaves the intent without an outcome, which recovery treats as in
// doubt: it replays the primary under the same idempotency key, and the
// primary answers as it did the first time, a refusal included
// (../shared/DESIGN.md: both back ends apply a key at most once). Most
// settlements are queued the same way (settleWaits() says which wait).
// Since seq order is file order, a queued record is durable before any
// record appended after it is: in particular before the next intent.
//
// It also owns the directory: open() takes an exclusive flock(2) on
// `DIR/LOCK`, so a second bridge pointed at the same journal fails to start
// (naming the directory) instead of interleaving records; the lock dies
// with the process, so a SIGKILLed bridge never leaves a stale one.
//
// Truncation: the log remembers which intents are unsettled; after settles it
// deletes the journal segments older than the oldest unsettled intent
// (Journal::truncateBefore), so the journal's size follows the backlog, not
// the traffic.
//
// Recovery: open() reads the journal back and returns the unfinished
// intents in sequence order, each with its primary outcome if one was
// recorded. A primary outcome or settlement naming an intent older than the
// journal's first record (already truncated, so settled) is ignored; one
// naming an intent that is not in the journal but should be fails open()
// with DataLoss, as does a payload that does not decode.
//
// Thread-safety: begin/primaryDone/settle/stats from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dualwrite/intent.h"
#include "dualwrite/journal.h"

namespace corebridge::dualwrite {

struct UnfinishedIntent {
  uint64_t seq = 0;
  Intent intent;
  std::optional<PrimaryOutcome> primary;  // absent: the primary call's outcome is unknown
};

struct IntentLogOptions {
  JournalOptions journal;
  // Try to truncate the journal after this many settles.
  uint64_t truncate_every = 256;
};

struct IntentLogStats {
  JournalStats journal;
  uint64_t begun = 0;
  uint64_t settled = 0;
  size_t unsettled = 0;
  uint64_t oldest_unsettled = 0;  // 0 when none
};

class IntentLog {
 public:
  static Result<std::unique_ptr<IntentLog>> open(const std::string& dir,
                                                 const IntentLogOptions& options,
                                                 std::vector<UnfinishedIntent>* unfinished,
                                                 RecoveryReport* report = nullptr);
  ~IntentLog();
  IntentLog(const IntentLog&) = delete;
  IntentLog& operator=(const IntentLog&) = delete;

  // Journals the intent; returns its sequence number (the intent's id).
  // Errors: Unavailable (the journal failed closed: do not call the primary).
  Result<uint64_t> begin(const Intent& intent);
  // Queues the outcome for the next batch; does not wait (above). Errors:
  // Unavailable (the journal has failed closed).
  Status primaryDone(const PrimaryOutcome& outcome);
  // Marks the intent settled, then maybe truncates. Waits for the record to
  // be durable only when settleWaits(reason); otherwise it is queued like a
  // primary outcome, and a crash that loses it makes recovery run the
  // intent's secondary again (or find the primary's refusal again), which
  // each side answers as it did the first time.
  Status settle(const Settlement& settlement);
  // True for the reasons whose settlement must be durable before settle()
  // returns: kRepairCase (a replay would open a second case for the intent)
  // and kPrimaryFailed (the channel got CB07 for a request that was never
  // sent; a replay would apply it).
  static bool settleWaits(SettleReason reason);

  // Returns once every queued record (outcomes, settlements) is durable.
  Status flush() { return journal_->flush(); }
  Status health() const { return journal_->health(); }
  IntentLogStats stats() const;
  const std::string& dir() const { return journal_->dir(); }

 private:
  IntentLog(std::unique_ptr<Journal> journal, int lock_fd, const IntentLogOptions& options);
  // Adopts the unfinished intents found by recovery.
  void adopt(const std::vector<UnfinishedIntent>& unfinished, uint64_t last_seq);

  std::unique_ptr<Journal> journal_;
  const int lock_fd_;
  const IntentLogOptions options_;

  mutable std::mutex mu_;
  std::set<uint64_t> unsettled_;    // guarded by mu_
  uint64_t begun_ = 0;              // guarded by mu_
  uint64_t settled_ = 0;            // guarded by mu_
  uint64_t since_truncate_ = 0;     // guarded by mu_
  uint64_t highest_seen_ = 0;       // guarded by mu_: the newest sequence any append returned
  std::multiset<uint64_t> floors_;  // guarded by mu_: lower bounds of begins in flight
};

}  // namespace corebridge::dualwrite

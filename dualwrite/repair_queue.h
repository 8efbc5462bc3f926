// RepairQueue: the bridge's policy over a RepairStore (dualwrite/repair_store.h,
// docs/repairs.md).
//
// Parking. An account is PARKED while it has an open pending case (kinds
// secondary_failed, backlog, parked; every account in the case's
// `accounts`). The executor asks parked() before it sends a secondary call:
// a parked account's later calls go to park() as kParked cases instead, so
// that the secondary sees an account's calls in the order the primary did.
// open() loads the open cases, so a restart parks the same accounts.
//
// The worker (start()/stop(), or runOnce() from a test) replays pending
// cases in id order through the injected `retry` callback. A case runs only
// when it is the oldest pending case of every account it touches and those
// accounts are not backing off; so a failing case holds back the later
// cases of its accounts and nothing else. A failed replay (done=false) is
// recorded and backs its accounts off exponentially, from initial_backoff
// to max_backoff, per account; the worker never sleeps on one account. A
// replay that worked is recorded and the case closed, unless it was
// compared and the replies differ: then a divergence case is noted (as
// noteDivergence does) and the pending case closed. An agreeing compared
// replay counts as a later comparison that agrees (noteAgreement). An
// account with no pending case left is unparked.
//
// Divergence. noteDivergence() opens one divergence case per lane account
// (later differences become "compared_differs" events of it);
// noteAgreement() closes them. Every verify_interval the worker calls
// `verify` for each open divergence case whose account is not parked (the
// bridge re-reads both sides there, and re-syncs if so configured: then
// resynced adds a "resynced" event): done and agrees closes the case with
// "compared_agrees"; a difference adds "compared_differs"; not done counts
// as a failed attempt.
//
// The store is the truth: nothing is marked parked before the store has the
// case, a store error is returned by park()/noteDivergence() and logged
// (logger "dualwrite") by the worker and noteAgreement(), which keep the
// case as it was and try again later. The callbacks run on the worker
// thread, never under a lock of the queue, and may call the queue.
//
// Thread-safety: every method may be called from any thread; parked() is
// the hot path (a shared lock, none at all while nothing is parked).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "dualwrite/repair_store.h"

namespace corebridge::dualwrite {

struct RetryOutcome {
  bool done = false;      // the secondary answered (retry) / both sides were read (verify)
  bool agrees = false;    // the comparison agreed (meaningful when done)
  std::string detail;     // the error, or what was done, for the history
  bool resynced = false;  // verify: the authoritative state was copied over (a "resynced" event)
};

using RepairCallback = std::function<RetryOutcome(const RepairCase&)>;

struct RepairQueueOptions {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds verify_interval{60000};
  RepairCallback retry;   // replays a pending case's call on the secondary; none: not replayed
  RepairCallback verify;  // compares the sides of a divergence case; none: never verified
  // The worker's time (tests inject one and drive runOnce()).
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

struct RepairStats {
  uint64_t opened = 0;          // cases opened since open()
  uint64_t closed = 0;          // cases closed since open()
  uint64_t retries_failed = 0;  // replays (and verifications) that did not get through
  size_t open = 0;              // open cases now
  size_t parked_accounts = 0;   // accounts parked now
  std::map<std::string, size_t> open_by_kind;  // every kind's name, 0 included
};

class RepairQueue {
 public:
  // Loads the open cases of `store` (which must outlive the queue).
  static Result<std::unique_ptr<RepairQueue>> open(RepairStore& store,
                                                   RepairQueueOptions options = {});
  ~RepairQueue();  // stops the worker

  RepairQueue(const RepairQueue&) = delete;
  RepairQueue& operator=(const RepairQueue&) = delete;

  // Whether any of `accounts` is parked.
  bool parked(const std::vector<std::string>& accounts) const;
  // Whether any of `accounts` has a pending case of an older intent than
  // `intent`: a call of that intent must then wait behind it. A call older
  // than every pending case of its accounts (still in the bridge's outbox
  // when a newer call found it full) goes ahead of them.
  bool parkedBefore(const std::vector<std::string>& accounts, uint64_t intent) const;

  // Whether any of `accounts` has a pending case that still owes side
  // `side` (0 legacy, 1 new) a call: one whose primary is the other side, or
  // whose primary is in doubt. A write whose primary is `side` must not be
  // applied there before it (the side would see the account's history out
  // of order).
  bool owesSide(const std::vector<std::string>& accounts, int side) const;

  // Opens a pending case (kind secondary_failed, backlog or parked) and parks
  // its accounts; returns its id. InvalidArgument for kind divergence; the
  // store's error, with nothing parked.
  Result<int64_t> park(const RepairCase& c);

  // A comparison differed: opens a divergence case for c.account, or adds
  // "compared_differs" to the one already open.
  Status noteDivergence(RepairCase c, std::string detail);

  // A later comparison of `account` agreed: its open divergence cases get
  // "compared_agrees" and are closed.
  void noteAgreement(const std::string& account, const std::string& detail);

  // The worker thread: runOnce() whenever something is due or park() wakes
  // it. stop() waits for the pass in progress; both are idempotent.
  void start();
  void stop();

  // One pass over what is due now: the runnable pending cases, then the
  // divergence cases due for verification. Returns how many callbacks ran.
  // For tests with an injected clock: not while the worker runs.
  size_t runOnce();

  RepairStats stats() const;

  // The pending cases whose primary call is still in doubt (primary_zz < 0),
  // in replay order: the bridge fences their accounts until they replay.
  std::vector<RepairCase> inDoubtCases() const;

 private:
  struct Lane {                 // per parked account
    std::set<int64_t> pending;  // open pending case ids
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::milliseconds backoff{0};  // the last one applied; 0 after a success
  };

  RepairQueue(RepairStore& store, RepairQueueOptions options);

  // Whether any of `accounts` has a pending case that `match`es (takes mu_
  // shared; none at all while nothing is parked).
  bool anyPending(const std::vector<std::string>& accounts,
                  const std::function<bool(const RepairCase&)>& match) const;
  // mu_ held (exclusively). A new lane's first replay is due at `due`.
  void addPendingLocked(RepairCase c, std::chrono::steady_clock::time_point due);
  void removePendingLocked(int64_t id);
  void addDivergenceLocked(RepairCase c, std::chrono::steady_clock::time_point verify_at);
  void backOffLocked(const RepairCase& c, std::chrono::steady_clock::time_point now);
  // mu_ held (shared will do): each pending case that is the oldest of all
  // its accounts, with the time it is due (its accounts' latest next_attempt).
  void forEachHeadLocked(
      const std::function<void(const RepairCase&, std::chrono::steady_clock::time_point)>& fn)
      const;

  // The pending cases that may run now; each has its accounts to itself.
  std::vector<RepairCase> runnablePending(std::chrono::steady_clock::time_point now);
  std::vector<RepairCase> dueDivergences(std::chrono::steady_clock::time_point now);
  void replay(const RepairCase& c);
  void verifyCase(const RepairCase& c);
  // Closes divergence case `id` with "compared_agrees" (it was claimed:
  // taken out of the account's set); on a store error puts it back.
  bool closeAgreed(const RepairCase& c, const std::string& detail);
  std::chrono::steady_clock::time_point nextDue() const;
  void workerLoop();

  RepairStore& store_;
  const RepairQueueOptions options_;

  mutable std::shared_mutex mu_;
  std::map<int64_t, RepairCase> pending_;
  // pending_'s ids in replay order: by intent, then id.  guarded by mu_
  std::set<std::pair<uint64_t, int64_t>> order_;                 // guarded by mu_
  std::unordered_map<std::string, Lane> lanes_;                  // guarded by mu_
  std::map<int64_t, RepairCase> divergences_;                    // guarded by mu_
  std::unordered_map<std::string, std::set<int64_t>> diverged_;  // guarded by mu_: account -> ids
  std::map<int64_t, std::chrono::steady_clock::time_point> next_verify_;  // guarded by mu_
  std::set<std::string> opening_;  // guarded by mu_: accounts whose divergence case is being opened
  std::condition_variable_any opened_;  // noteDivergence: an opening finished
  std::atomic<size_t> parked_accounts_{0};
  std::atomic<size_t> open_divergences_{0};  // divergences_.size(), read without mu_

  std::atomic<uint64_t> opened_count_{0};
  std::atomic<uint64_t> closed_count_{0};
  std::atomic<uint64_t> retries_failed_{0};

  std::mutex worker_mu_;
  std::condition_variable wake_;  // guarded by worker_mu_
  bool stop_ = false;             // guarded by worker_mu_
  bool kicked_ = false;           // guarded by worker_mu_
  std::thread worker_;
};

}  // namespace corebridge::dualwrite

// Executor: runs one channel transaction through the stage of its product
// lines (bridge/cutover.h): checks and decodes the request, picks the route,
// calls the primary side on the request path and answers with its reply, and
// hands the secondary call to a bounded queue worked off the request path,
// so that a slow or dead secondary never adds to the channel's latency.
//
// Bad input is answered with the legacy system-error reply and nothing is
// sent to either side: an unknown TRANCODE (CB02), a COMMAREA of the wrong
// length (CB03), a COMMAREA whose fields do not decode through the copybook,
// an invalid packed field say (CB04, naming field and offset). A primary
// that cannot be reached or does not answer in time gets CB07 (resource
// unavailable), as legacy-host answers when it cannot serve.
//
// A transaction that creates its account (the pack names a
// product_code_field: ACCTOPEN) runs at NEW_PRIMARY as SHADOW: legacy stays
// the authority for account numbers until NEW_ONLY, since it cannot be told
// which number to assign and the new core can. Its new-side call is made on
// the request path (write-through), because the new core answers the
// account's next request and must hold it before the channel can send one.
// So is a transaction whose accounts the ramp splits (a transfer from a
// new-primary account to one that is not): it runs as SHADOW, and its
// secondary call is made, in order behind each account's earlier ones,
// before the channel is answered; and before its primary call it waits
// until both accounts' earlier secondary calls are done (a fence), so that
// neither account sees it at another place in its history on the two sides.
//
// Secondary calls of one account keep their order: the primary call and
// the queueing of its secondary happen under the account's stripe lock, and
// each goes to the lane
// (worker) its account hashes to, so an account's postings reach the
// secondary side in the order the primary applied them, and a shadow read is
// compared after the writes that preceded it. A transfer rides in its "from"
// account's lane; its "to" account's other calls may overtake it (the
// journal of the durability issue orders by every account touched).
//
// The secondary worker calls the other side with the primary's reply as
// context (the account number legacy assigned to an ACCTOPEN), then reports
// both replies to the ExecutorObserver, which compares them.
//
// Durable dual-write (docs/dual-write.md): with an IntentLog, a write that
// has a secondary call is journalled before its primary call (the intent),
// the primary's answer is journalled before the channel hears it, and the
// intent is settled once the secondary side is done with it. The lanes are
// then an outbox driven from the journal: the worker retries a failing
// secondary call (same transaction id, so idempotent) with backoff, and
// when it still fails, or when the outbox is full, hands the call to the
// RepairQueue, durably, before settling: nothing is dropped. An account
// with a pending repair case is parked: its later calls join the repair
// queue behind the case, so its postings reach the secondary in order. A
// primary call that timed out or broke after the request was sent is in
// doubt: the worker replays it (the primary answers a replay with its first
// answer, or applies it now) before the secondary call. Until that replay
// has a definite answer the call's accounts are fenced: their writes get
// CB07 `ACCOUNT IN DOUBT` and reach neither side, so that the primary
// cannot apply a later write of the account before the replay, and the
// order the secondary is given (the journal's) is the order the primary
// applied (docs/dual-write.md). A journal that
// fails (ENOSPC, EIO) fails closed: the request gets CB07 and nothing is
// called. recover() re-drives what a crash left unfinished, before the
// bridge serves. Without an IntentLog, a full queue drops the secondary call
// and counts it (the non-durable mode of tests and benchmarks).
//
// Thread-safety: handle() from any number of threads; setStages() from any
// thread (readers see the old or the new table, never a mix).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/backend.h"
#include "adapters/channel/frame.h"
#include "bridge/cutover.h"
#include "dualwrite/intent_log.h"
#include "dualwrite/repair_queue.h"
#include "mappings/pack.h"

namespace corebridge::bridge {

// What the bridge answers the channel.
struct ChannelReply {
  bool system_error = false;
  adapters::SystemError error = adapters::SystemError::kUnavailable;
  std::string message;           // system error text ("UNKNOWN TRANCODE ACCTXXX")
  adapters::BackendReply reply;  // the primary's reply otherwise
};

// One transaction as the bridge saw it, for metrics and the request log.
struct RequestInfo {
  std::string trancode;
  std::string product_line;  // the lines touched, joined with '+'; "" if none
  std::string account;       // the sticky (first key) account, unmasked: mask before logging
  std::string txn_id;        // the channel's transaction id (the pack's txn_id_field)
  Stage stage = Stage::kLegacyOnly;
  Side primary = Side::kLegacy;
  // "ok" (a reply), "bad_request" (CB02-CB04), "unavailable" (CB07 for the
  // primary), "timeout" (CB07, deadline), "journal_unavailable" (CB07: the
  // journal failed closed), "in_doubt" (CB07: an account of the write has a
  // primary call in doubt), "behind" (CB07: the primary lacks an earlier
  // call of an account of the write).
  std::string outcome;
  std::chrono::nanoseconds primary_latency{0};
  // When handle() began: with primary_latency, what the bridge itself added.
  std::chrono::steady_clock::time_point started{};
  bool secondary_queued = false;
  // A write the primary refused: not sent to the secondary (executor.cc).
  bool secondary_refused = false;
  bool secondary_dropped = false;
  uint64_t intent = 0;  // the journal's intent sequence, 0 when not journalled
};

// A secondary call done: both sides' answers, for the comparator.
struct SecondaryResult {
  const mappings::PackTransaction* transaction = nullptr;
  std::string product_line;
  std::string account;
  std::string txn_id;
  Stage stage = Stage::kLegacyOnly;
  Side primary = Side::kLegacy;
  bool compare = false;
  adapters::BackendReply legacy_reply;
  adapters::BackendReply new_reply;
  Status secondary_status;  // not OK: the secondary call failed (no new/legacy reply)
  std::chrono::nanoseconds secondary_latency{0};
};

// What comparing a secondary call's replies found.
enum class Verdict { kNotCompared, kEqual, kDifferent };

class ExecutorObserver {
 public:
  virtual ~ExecutorObserver() = default;
  virtual void onRequest(const RequestInfo& info) = 0;
  virtual Verdict onSecondary(const SecondaryResult& result) = 0;
};

struct ExecutorOptions {
  std::chrono::milliseconds legacy_timeout{2000};
  std::chrono::milliseconds new_timeout{2000};
  size_t secondary_queue = 10000;
  int secondary_workers = 4;
  // Durable mode: both optional, not owned, must outlive the executor.
  dualwrite::IntentLog* journal = nullptr;
  dualwrite::RepairQueue* repairs = nullptr;
  // A secondary call (or an in-doubt primary's replay) is tried this many
  // times, `retry_backoff` doubling between tries, before it becomes a
  // repair case.
  int secondary_attempts = 3;
  std::chrono::milliseconds retry_backoff{50};
  // recover(): how long to keep replaying an in-doubt primary before giving up.
  std::chrono::milliseconds recovery_timeout{60000};
};

struct RecoveryStats {
  size_t intents = 0;  // unfinished intents found
  size_t primaries_replayed = 0;
  size_t secondaries_queued = 0;
};

class Executor {
 public:
  Executor(ExecutorOptions options, std::shared_ptr<const mappings::Pack> pack,
           adapters::Backend& legacy, adapters::Backend& newcore, ExecutorObserver& observer,
           std::shared_ptr<const StageTable> stages);
  ~Executor();  // stop(): drains the queue

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  ChannelReply handle(std::string_view trancode, std::string_view commarea);

  // Re-drives the intents a crash left unfinished, in journal order: an
  // in-doubt primary is replayed now (before the bridge serves, so that no
  // later request of its account overtakes it), then every secondary call
  // is queued. Errors: FailedPrecondition (an intent names a TRANCODE the
  // pack does not know), Unavailable (a primary stayed unreachable for
  // recovery_timeout, or the journal failed).
  Result<RecoveryStats> recover(const std::vector<dualwrite::UnfinishedIntent>& unfinished);

  // A repair case replayed by the RepairQueue's worker: the primary first if
  // it was in doubt, then the secondary, compared as usual.
  dualwrite::RetryOutcome retryRepair(const dualwrite::RepairCase& c);

  // Accounts fenced because a primary call of theirs is in doubt (tests,
  // metrics).
  size_t inDoubtAccounts() const;

  void setStages(std::shared_ptr<const StageTable> stages);
  std::shared_ptr<const StageTable> stages() const;

  // Secondary calls waiting, and dropped because the queue was full.
  size_t secondaryDepth() const;
  uint64_t secondaryDropped() const { return dropped_.load(); }
  // Waits until the queue is empty and no secondary call runs (tests, shutdown).
  void drain();
  // Finishes what is queued, then stops the workers. Idempotent.
  void stop();

 private:
  // A transaction touching accounts in two lanes holds its place in both:
  // the call sits in the first account's lane, a marker in the second's.
  // The call runs once the marker reaches the head of its lane, and the
  // marker's lane waits until the call is done. Both are queued under one
  // lock, so the lanes agree on the order of such pairs and cannot deadlock.
  struct Barrier {
    bool arrived = false;  // guarded by mu_: the marker is at its lane's head
    bool done = false;     // guarded by mu_: the call has run
  };
  // A write-through caller waits for its secondary call to be done.
  struct Completion {
    bool done = false;  // guarded by mu_
  };
  struct Job {
    const mappings::PackTransaction* transaction = nullptr;
    std::string trancode;
    std::string commarea;
    adapters::BackendReply primary_reply;
    RequestInfo info;
    bool compare = false;
    std::vector<std::string> accounts;
    std::shared_ptr<Barrier> barrier;
    bool marker = false;  // only holds the place of `barrier`'s call
    std::shared_ptr<Completion> completion;
    bool fence = false;             // calls nothing: done once the lanes' earlier calls are
    uint64_t intent = 0;            // journalled: settle this intent when done
    bool primary_in_doubt = false;  // replay the primary before the secondary
  };

  // A system-error reply (nothing sent to either side), reported with `outcome`.
  ChannelReply systemError(RequestInfo& info, std::string outcome, adapters::SystemError error,
                           std::string message);
  ChannelReply badRequest(RequestInfo& info, adapters::SystemError error, std::string message);
  // CB07 for a journal that failed closed.
  ChannelReply journalUnavailable(RequestInfo& info, const Status& status);
  // Queues `job`. A journalled job is never dropped: past the bound it goes
  // to the repair queue (or, without one, is queued anyway).
  void enqueue(Job job, RequestInfo& info);
  // Queues `job` and waits (up to `timeout`) until it is done.
  void enqueueAndWait(Job job, RequestInfo& info, std::chrono::milliseconds timeout);
  void work(size_t lane);
  // Calls the secondary side for `job` and reports both replies.
  void runSecondary(Job& job);
  // A journalled job in the worker: parked accounts, the in-doubt primary,
  // retries, then the repair queue; settles the intent.
  void runDurable(Job& job);
  // How often a call is tried: at most `attempts` times, not past
  // `give_up`, waiting retry_backoff (doubled each time, up to max_backoff)
  // in between. The default is a single try.
  struct Retries {
    int attempts = 1;
    std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
    std::chrono::milliseconds max_backoff = std::chrono::hours(1);
  };
  // secondary_attempts tries.
  Retries secondaryRetries() const;
  // Calls `side` as `retries` allows; the reply, or the last error. An
  // InvalidArgument is not retried; stop() ends the waiting.
  Result<adapters::BackendReply> callWithRetries(Side side, const Job& job,
                                                 const adapters::BackendReply* primary_reply,
                                                 const Retries& retries);
  // Reports a secondary reply for comparison and feeds the verdict to the
  // repair queue.
  Verdict report(const Job& job, Result<adapters::BackendReply> reply,
                 std::chrono::nanoseconds latency, bool feed_repairs);
  dualwrite::RepairCase caseOf(const Job& job, dualwrite::RepairKind kind,
                               const std::string& why) const;
  // The call an Intent or a RepairCase describes, as a job.
  template <typename Call>
  Job jobFrom(const Call& c) const;
  // A repair case as a job (to replay it), with its primary's reply.
  Job jobOf(const dualwrite::RepairCase& c) const;
  // Opens a repair case for `job` and settles its intent on it.
  void handOver(const Job& job, dualwrite::RepairKind kind, const std::string& why);
  void settle(uint64_t intent, dualwrite::SettleReason reason, int64_t repair_case = 0);
  // The in-doubt fence: a call whose primary is in doubt fences its
  // accounts (under their stripes, before they are released) until its
  // replay has a definite answer. `key` names the call: its intent, or
  // its txn id for a repair case without one. Idempotent per key.
  static std::string doubtKey(uint64_t intent, const std::string& txn_id);
  void fenceInDoubt(const std::string& key, const std::vector<std::string>& accounts);
  void liftInDoubt(const std::string& key);
  // Whether any of `accounts` is fenced.
  bool inDoubt(const std::vector<std::string>& accounts) const;
  // Whether `primary` holds every earlier call of `accounts`: none is in the
  // outbox for it (waited for, up to the primary's timeout) nor in a pending
  // repair case that owes it one. Otherwise the write would be applied there
  // ahead of its account's history (at NEW_PRIMARY: after an ACCTOPEN whose
  // write-through to the new core timed out).
  bool primaryHasHistory(const std::vector<std::string>& accounts, Side primary,
                         const RequestInfo& info);
  // The accounts a job's lane follows: the created account of an ACCTOPEN
  // (numbered in the primary's reply), else the request's.
  void laneAccounts(Job& job) const;
  adapters::Backend& sideOf(Side side) { return side == Side::kLegacy ? legacy_ : new_; }
  std::chrono::milliseconds timeoutOf(Side side) const {
    return side == Side::kLegacy ? options_.legacy_timeout : options_.new_timeout;
  }

  const ExecutorOptions options_;
  const std::shared_ptr<const mappings::Pack> pack_;
  adapters::Backend& legacy_;
  adapters::Backend& new_;
  ExecutorObserver& observer_;
  std::shared_ptr<const StageTable> stages_;  // atomic_load/atomic_store

  mutable std::mutex mu_;
  // One lane per worker; a job's lane is fixed by its account, so the
  // secondary calls of one account run one at a time in the order their
  // primaries were answered.
  std::vector<std::deque<Job>> lanes_;          // guarded by mu_
  std::vector<std::condition_variable> ready_;  // one per lane
  std::condition_variable idle_;
  std::condition_variable barriers_;     // a Barrier changed
  std::condition_variable completions_;  // a Completion is done
  std::condition_variable stop_cv_;      // stopping_ became true (wakes retry backoffs)
  // Calls in the lanes per account, so that a repair case does not
  // overtake the account's earlier calls.
  std::unordered_map<std::string, int> in_outbox_;  // guarded by mu_
  // The same, per side the calls go to (0 legacy, 1 new); fences excluded.
  std::array<std::unordered_map<std::string, int>, 2> owed_;  // guarded by mu_
  // owed_[i].size(), written under mu_, read without it by the hot path.
  std::array<std::atomic<size_t>, 2> owed_accounts_{};
  // The in-doubt fence: fenced accounts (how many calls fence each), and
  // the accounts of each fencing call.
  mutable std::mutex doubt_mu_;
  std::unordered_map<std::string, int> in_doubt_;                          // guarded by doubt_mu_
  std::unordered_map<std::string, std::vector<std::string>> doubt_calls_;  // guarded by doubt_mu_
  std::atomic<size_t> doubt_count_{0};  // doubt_calls_.size(): the hot path reads it unlocked
  size_t queued_ = 0;                   // guarded by mu_: jobs in all lanes
  int running_ = 0;                     // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  std::atomic<uint64_t> dropped_{0};
  std::vector<std::thread> workers_;

  // Account stripes: a transaction with a secondary call holds the stripes
  // of its accounts (in index order) from its primary call until its
  // secondary is queued, so that the secondary side sees an account's
  // calls in the order the primary applied them.
  static constexpr size_t kStripes = 256;
  std::array<std::mutex, kStripes> stripes_;
};

// The account numbers of a decoded request's key fields, as text (numbers
// zero-padded to their picture). Exposed for tests.
std::vector<std::string> keyAccounts(const mappings::PackTransaction& transaction,
                                     const mappings::Record& record);

// The product line a request names through the pack's product_code_field
// (ACCTOPEN's product code), or "" when it names none the pack knows.
std::string productLineOfCode(const mappings::PackTransaction& transaction,
                              const mappings::Record& record);

}  // namespace corebridge::bridge

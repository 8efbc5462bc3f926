#include "dualwrite/repair_queue.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"

namespace corebridge::dualwrite {

namespace {

using Clock = std::chrono::steady_clock;

void logFailure(std::string_view what, const RepairCase& c, const Status& s) {
  logger("dualwrite")
      ->error("repair queue: case {} (account {}, txn {}): {}: {}", c.id, maskAccount(c.account),
              c.txn_id, what, s.toString());
}

}  // namespace

RepairQueue::RepairQueue(RepairStore& store, RepairQueueOptions options)
    : store_(store), options_(std::move(options)) {}

RepairQueue::~RepairQueue() { stop(); }

Result<std::unique_ptr<RepairQueue>> RepairQueue::open(RepairStore& store,
                                                       RepairQueueOptions options) {
  if (!options.clock) {
    options.clock = Clock::now;
  }
  options.initial_backoff = std::max(options.initial_backoff, std::chrono::milliseconds(1));
  options.max_backoff = std::max(options.max_backoff, options.initial_backoff);
  CB_ASSIGN_OR_RETURN(std::vector<RepairCase> cases, store.openCases());
  std::unique_ptr<RepairQueue> q(new RepairQueue(store, std::move(options)));
  const Clock::time_point now = q->options_.clock();
  std::unique_lock<std::shared_mutex> lock(q->mu_);
  for (RepairCase& c : cases) {
    if (isPendingKind(c.kind)) {
      q->addPendingLocked(std::move(c), now);  // replayed at once after a restart
    } else {
      q->addDivergenceLocked(std::move(c), now + q->options_.verify_interval);
    }
  }
  lock.unlock();
  return q;
}

void RepairQueue::addPendingLocked(RepairCase c, Clock::time_point due) {
  for (const std::string& a : c.accounts) {
    auto [it, fresh] = lanes_.try_emplace(a);
    if (fresh) {
      it->second.next_attempt = due;
      parked_accounts_.fetch_add(1);
    }
    it->second.pending.insert(c.id);
  }
  const int64_t id = c.id;
  order_.emplace(c.intent, id);
  pending_.emplace(id, std::move(c));
}

void RepairQueue::removePendingLocked(int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    return;
  }
  for (const std::string& a : it->second.accounts) {
    auto lane = lanes_.find(a);
    if (lane == lanes_.end()) {
      continue;
    }
    lane->second.pending.erase(id);
    lane->second.backoff = std::chrono::milliseconds(0);
    if (lane->second.pending.empty()) {
      lanes_.erase(lane);  // unparked
      parked_accounts_.fetch_sub(1);
    }
  }
  order_.erase({it->second.intent, id});
  pending_.erase(it);
}

void RepairQueue::addDivergenceLocked(RepairCase c, Clock::time_point verify_at) {
  diverged_[c.account].insert(c.id);
  next_verify_[c.id] = verify_at;
  const int64_t id = c.id;
  if (divergences_.emplace(id, std::move(c)).second) {
    open_divergences_.fetch_add(1);
  }
}

void RepairQueue::backOffLocked(const RepairCase& c, Clock::time_point now) {
  for (const std::string& a : c.accounts) {
    auto lane = lanes_.find(a);
    if (lane == lanes_.end()) {
      continue;
    }
    Lane& l = lane->second;
    l.backoff = l.backoff.count() == 0 ? options_.initial_backoff
                                       : std::min(l.backoff * 2, options_.max_backoff);
    l.next_attempt = now + l.backoff;
  }
}

void RepairQueue::forEachHeadLocked(
    const std::function<void(const RepairCase&, Clock::time_point)>& fn) const {
  // In the order of their intents (then ids), a case is at the head when no
  // older pending case touches any of its accounts; it is due when none of
  // its accounts backs off.
  std::set<std::string> behind;
  for (const auto& [intent, id] : order_) {
    const RepairCase& c = pending_.at(id);
    bool head = true;
    Clock::time_point due{};
    for (const std::string& a : c.accounts) {
      head = head && behind.count(a) == 0;
      auto lane = lanes_.find(a);
      if (lane != lanes_.end()) {
        due = std::max(due, lane->second.next_attempt);
      }
    }
    if (head) {
      fn(c, due);
    }
    behind.insert(c.accounts.begin(), c.accounts.end());
  }
}

bool RepairQueue::parked(const std::vector<std::string>& accounts) const {
  if (parked_accounts_.load() == 0) {
    return false;
  }
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::any_of(accounts.begin(), accounts.end(),
                     [&](const std::string& a) { return lanes_.count(a) != 0; });
}

bool RepairQueue::anyPending(const std::vector<std::string>& accounts,
                             const std::function<bool(const RepairCase&)>& match) const {
  if (parked_accounts_.load() == 0) {
    return false;
  }
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::any_of(accounts.begin(), accounts.end(), [&](const std::string& a) {
    auto lane = lanes_.find(a);
    return lane != lanes_.end() &&
           std::any_of(lane->second.pending.begin(), lane->second.pending.end(),
                       [&](int64_t id) { return match(pending_.at(id)); });
  });
}

bool RepairQueue::parkedBefore(const std::vector<std::string>& accounts, uint64_t intent) const {
  return anyPending(accounts, [&](const RepairCase& c) { return c.intent < intent; });
}

bool RepairQueue::owesSide(const std::vector<std::string>& accounts, int side) const {
  return anyPending(accounts,
                    [&](const RepairCase& c) { return c.primary != side || c.primary_zz < 0; });
}

Result<int64_t> RepairQueue::park(const RepairCase& c) {
  if (!isPendingKind(c.kind)) {
    return invalidArgument("park() takes a pending case, not a divergence (noteDivergence)");
  }
  CB_ASSIGN_OR_RETURN(RepairCase n, normalizedNewCase(c));
  CB_ASSIGN_OR_RETURN(n.id, store_.openCase(n));
  opened_count_.fetch_add(1);
  const int64_t id = n.id;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    // A failure just happened: the first replay waits one initial backoff.
    addPendingLocked(std::move(n), options_.clock() + options_.initial_backoff);
  }
  {
    std::lock_guard<std::mutex> lock(worker_mu_);
    kicked_ = true;
  }
  wake_.notify_one();
  return id;
}

Status RepairQueue::noteDivergence(RepairCase c, std::string detail) {
  c.kind = RepairKind::kDivergence;
  c.last_error = std::move(detail);
  CB_ASSIGN_OR_RETURN(RepairCase n, normalizedNewCase(c));
  std::unique_lock<std::shared_mutex> lock(mu_);
  opened_.wait(lock, [&] { return opening_.count(n.account) == 0; });
  auto it = diverged_.find(n.account);
  if (it != diverged_.end() && !it->second.empty()) {
    const int64_t id = *it->second.begin();
    lock.unlock();
    return store_.addEvent(id, "compared_differs", n.last_error);
  }
  opening_.insert(n.account);
  lock.unlock();
  Result<int64_t> id = store_.openCase(n);
  lock.lock();
  opening_.erase(n.account);
  if (id.ok()) {
    n.id = *id;
    opened_count_.fetch_add(1);
    addDivergenceLocked(n, options_.clock() + options_.verify_interval);
  }
  lock.unlock();
  opened_.notify_all();
  return id.status();
}

bool RepairQueue::closeAgreed(const RepairCase& c, const std::string& detail) {
  Status s = store_.addEvent(c.id, "compared_agrees", detail);
  if (s.ok()) {
    s = store_.closeCase(c.id, detail);
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (!s.ok()) {
    logFailure("closing the divergence case", c, s);
    diverged_[c.account].insert(c.id);  // claimed by the caller: give it back
    return false;
  }
  if (divergences_.erase(c.id) > 0) {
    open_divergences_.fetch_sub(1);
  }
  next_verify_.erase(c.id);
  auto it = diverged_.find(c.account);
  if (it != diverged_.end() && it->second.empty()) {
    diverged_.erase(it);
  }
  closed_count_.fetch_add(1);
  return true;
}

void RepairQueue::noteAgreement(const std::string& account, const std::string& detail) {
  // Every equal comparison lands here: without an open divergence there is
  // nothing to close, and no reason to take the lock.
  if (open_divergences_.load() == 0) {
    return;
  }
  std::vector<RepairCase> claimed;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = diverged_.find(account);
    if (it == diverged_.end()) {
      return;
    }
    for (int64_t id : it->second) {
      claimed.push_back(divergences_.at(id));
    }
    it->second.clear();
  }
  for (const RepairCase& c : claimed) {
    closeAgreed(c, detail);
  }
}

std::vector<RepairCase> RepairQueue::runnablePending(Clock::time_point now) {
  std::vector<RepairCase> out;
  std::shared_lock<std::shared_mutex> lock(mu_);
  forEachHeadLocked([&](const RepairCase& c, Clock::time_point due) {
    if (due <= now) {
      out.push_back(c);
    }
  });
  return out;
}

std::vector<RepairCase> RepairQueue::dueDivergences(Clock::time_point now) {
  std::vector<RepairCase> out;
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (auto& [id, at] : next_verify_) {
    const RepairCase& c = divergences_.at(id);
    auto claimed = diverged_.find(c.account);
    if (at > now || lanes_.count(c.account) != 0 || claimed == diverged_.end() ||
        claimed->second.count(id) == 0) {
      continue;  // not yet, its account still owes the secondary calls, or being closed
    }
    at = now + options_.verify_interval;
    out.push_back(c);
  }
  return out;
}

void RepairQueue::replay(const RepairCase& c) {
  const RetryOutcome r = options_.retry(c);
  Status s = store_.recordAttempt(c.id, r.done, r.detail);
  if (!s.ok()) {
    logFailure("recording the replay", c, s);
  }
  if (!r.done) {
    retries_failed_.fetch_add(1);
  }
  if (s.ok() && r.done && c.compare && !r.agrees) {
    s = noteDivergence(c, r.detail);
    if (!s.ok()) {
      logFailure("noting the divergence of the replay", c, s);
    }
  }
  if (s.ok() && r.done) {
    s = store_.closeCase(c.id, r.detail.empty() ? "replayed on the secondary" : r.detail);
    if (!s.ok()) {
      logFailure("closing the case", c, s);
    }
  }
  if (!s.ok() || !r.done) {
    // Tried again after the backoff; a replay that did get through is
    // answered from the secondary's idempotency key the next time.
    std::unique_lock<std::shared_mutex> lock(mu_);
    backOffLocked(c, options_.clock());
    return;
  }
  closed_count_.fetch_add(1);
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    removePendingLocked(c.id);
  }
  if (c.compare && r.agrees) {
    noteAgreement(c.account, "replayed call " + c.txn_id + " (case " + std::to_string(c.id) +
                                 ") compared equal");
  }
}

void RepairQueue::verifyCase(const RepairCase& c) {
  const RetryOutcome r = options_.verify(c);
  if (r.resynced) {
    const Status s = store_.addEvent(c.id, "resynced", r.detail);
    if (!s.ok()) {
      logFailure("recording the re-sync", c, s);
    }
  }
  if (!r.done) {
    retries_failed_.fetch_add(1);
    const Status s = store_.recordAttempt(c.id, false, r.detail);
    if (!s.ok()) {
      logFailure("recording the verification", c, s);
    }
    return;
  }
  if (!r.agrees) {
    const Status s = store_.addEvent(c.id, "compared_differs", r.detail);
    if (!s.ok()) {
      logFailure("recording the verification", c, s);
    }
    return;
  }
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = diverged_.find(c.account);
    if (it == diverged_.end() || it->second.erase(c.id) == 0) {
      return;  // closed meanwhile by noteAgreement
    }
  }
  closeAgreed(c, r.detail.empty() ? "a later comparison agreed" : r.detail);
}

size_t RepairQueue::runOnce() {
  size_t ran = 0;
  const Clock::time_point now = options_.clock();
  if (options_.retry) {
    for (const RepairCase& c : runnablePending(now)) {
      replay(c);
      ++ran;
    }
  }
  if (options_.verify) {
    for (const RepairCase& c : dueDivergences(now)) {
      verifyCase(c);
      ++ran;
    }
  }
  return ran;
}

Clock::time_point RepairQueue::nextDue() const {
  Clock::time_point next = Clock::time_point::max();
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (options_.retry) {
    forEachHeadLocked(
        [&](const RepairCase&, Clock::time_point due) { next = std::min(next, due); });
  }
  if (options_.verify) {
    for (const auto& [id, at] : next_verify_) {
      if (lanes_.count(divergences_.at(id).account) == 0) {
        next = std::min(next, at);
      }
    }
  }
  return next;
}

void RepairQueue::workerLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(worker_mu_);
      if (stop_) {
        return;
      }
      kicked_ = false;
    }
    if (runOnce() > 0) {
      continue;  // what it did may have made the next case of an account runnable
    }
    // At most a second, so that a clock other than the condition
    // variable's cannot stall the worker.
    const Clock::time_point due = nextDue();
    const Clock::time_point now = options_.clock();
    auto wait = std::chrono::milliseconds(1000);
    if (due != Clock::time_point::max()) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(due - now) +
                            std::chrono::milliseconds(1),
                        std::chrono::milliseconds(0), wait);
    }
    std::unique_lock<std::mutex> lock(worker_mu_);
    wake_.wait_for(lock, wait, [&] { return stop_ || kicked_; });
  }
}

void RepairQueue::start() {
  std::lock_guard<std::mutex> lock(worker_mu_);
  if (worker_.joinable()) {
    return;
  }
  stop_ = false;
  worker_ = std::thread([this] { workerLoop(); });
}

void RepairQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(worker_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) {
    worker_.join();
  }
}

std::vector<RepairCase> RepairQueue::inDoubtCases() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<RepairCase> out;
  for (const auto& [intent, id] : order_) {
    const RepairCase& c = pending_.at(id);
    if (c.primary_zz < 0) {
      out.push_back(c);
    }
  }
  return out;
}

RepairStats RepairQueue::stats() const {
  RepairStats s;
  s.opened = opened_count_.load();
  s.closed = closed_count_.load();
  s.retries_failed = retries_failed_.load();
  for (RepairKind k : {RepairKind::kSecondaryFailed, RepairKind::kBacklog, RepairKind::kParked,
                       RepairKind::kDivergence}) {
    s.open_by_kind[std::string(repairKindName(k))] = 0;
  }
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [id, c] : pending_) {
    ++s.open_by_kind[std::string(repairKindName(c.kind))];
  }
  s.open_by_kind["divergence"] += divergences_.size();
  s.open = pending_.size() + divergences_.size();
  s.parked_accounts = lanes_.size();
  return s;
}

}  // namespace corebridge::dualwrite

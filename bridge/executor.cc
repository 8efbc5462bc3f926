#include "bridge/executor.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <thread>

#include "bridge/crash_points.h"
#include "common/logging.h"

namespace corebridge::bridge {

namespace {

using Clock = std::chrono::steady_clock;

Side otherSide(Side side) { return side == Side::kLegacy ? Side::kNew : Side::kLegacy; }

// Sides as the journal and the repair store spell them: 0 legacy, 1 new.
int sideCode(Side side) { return side == Side::kLegacy ? 0 : 1; }
Side sideOfCode(int code) { return code == 0 ? Side::kLegacy : Side::kNew; }

// The COMMAREA length of the transaction's record.
size_t commareaLength(const mappings::PackTransaction& tx) {
  const mappings::Layout& layout = *tx.layout;
  if (!tx.record.empty()) {
    const int index = layout.find(tx.record);
    if (index != mappings::kNoIndex) {
      return layout.fields[static_cast<size_t>(index)].length;
    }
  }
  return layout.maxLength();
}

std::string trimmedRight(const std::string& text) {
  const size_t end = text.find_last_not_of(' ');
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

// The text of field `name` in `record`, trailing spaces removed; "" when
// the record does not hold it as text.
std::string textOf(const mappings::PackTransaction& transaction, const mappings::Record& record,
                   const std::string& name) {
  const int index = transaction.layout->find(name);
  const mappings::Value* v = index == mappings::kNoIndex ? nullptr : record.first(index);
  return v == nullptr || v->kind != mappings::Value::Kind::kText ? "" : trimmedRight(v->text);
}

// The business return code of a reply (the pack's return_code_field):
// 0 for success; -1 when the reply does not decode or lacks the field
// (then it is treated as not known to be a refusal).
int64_t returnCodeOf(const mappings::PackTransaction& transaction,
                     const adapters::BackendReply& reply) {
  mappings::Record record;
  if (transaction.return_code_field.empty() ||
      !transaction.codec
           ->decode(reinterpret_cast<const uint8_t*>(reply.commarea.data()), reply.commarea.size(),
                    &record)
           .ok()) {
    return -1;
  }
  const int index = transaction.layout->find(transaction.return_code_field);
  const mappings::Value* v = index == mappings::kNoIndex ? nullptr : record.first(index);
  if (v == nullptr || v->kind != mappings::Value::Kind::kNumber || v->number.scale != 0) {
    return -1;
  }
  return static_cast<int64_t>(v->number.unscaled);
}

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

}  // namespace

std::vector<std::string> keyAccounts(const mappings::PackTransaction& transaction,
                                     const mappings::Record& record) {
  std::vector<std::string> accounts;
  const mappings::Layout& layout = *transaction.layout;
  for (const std::string& name : transaction.key_fields) {
    const int index = layout.find(name);
    const mappings::Value* v = index == mappings::kNoIndex ? nullptr : record.first(index);
    if (v == nullptr) {
      continue;
    }
    if (v->kind == mappings::Value::Kind::kText) {
      accounts.push_back(trimmedRight(v->text));
    } else if (v->kind == mappings::Value::Kind::kNumber) {
      std::string digits = v->number.toString();
      const int width = layout.fields[static_cast<size_t>(index)].digits;
      if (static_cast<int>(digits.size()) < width && !v->number.isNegative()) {
        digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
      }
      accounts.push_back(digits);
    }
  }
  return accounts;
}

std::string productLineOfCode(const mappings::PackTransaction& transaction,
                              const mappings::Record& record) {
  auto it =
      transaction.product_codes.find(textOf(transaction, record, transaction.product_code_field));
  return it == transaction.product_codes.end() ? "" : it->second;
}

Executor::Executor(ExecutorOptions options, std::shared_ptr<const mappings::Pack> pack,
                   adapters::Backend& legacy, adapters::Backend& newcore,
                   ExecutorObserver& observer, std::shared_ptr<const StageTable> stages)
    : options_(options),
      pack_(std::move(pack)),
      legacy_(legacy),
      new_(newcore),
      observer_(observer),
      stages_(std::move(stages)) {
  const size_t n = static_cast<size_t>(std::max(1, options_.secondary_workers));
  lanes_.resize(n);
  ready_ = std::vector<std::condition_variable>(n);
  workers_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    workers_.emplace_back([this, i] { work(i); });
  }
  if (options_.repairs != nullptr) {
    // A repair case whose primary is still in doubt keeps its accounts
    // fenced across a restart, until the case's replay answers.
    for (const dualwrite::RepairCase& c : options_.repairs->inDoubtCases()) {
      fenceInDoubt(doubtKey(c.intent, c.txn_id), c.accounts);
    }
  }
}

Executor::~Executor() { stop(); }

void Executor::setStages(std::shared_ptr<const StageTable> stages) {
  std::atomic_store(&stages_, std::move(stages));
}

std::shared_ptr<const StageTable> Executor::stages() const { return std::atomic_load(&stages_); }

ChannelReply Executor::systemError(RequestInfo& info, std::string outcome,
                                   adapters::SystemError error, std::string message) {
  info.outcome = std::move(outcome);
  observer_.onRequest(info);
  ChannelReply r;
  r.system_error = true;
  r.error = error;
  r.message = std::move(message);
  return r;
}

ChannelReply Executor::badRequest(RequestInfo& info, adapters::SystemError error,
                                  std::string message) {
  return systemError(info, "bad_request", error, std::move(message));
}

ChannelReply Executor::journalUnavailable(RequestInfo& info, const Status& status) {
  logger("bridge")->error("txn={} trancode={}: journal failed, answering CB07: {}", info.txn_id,
                          info.trancode, status.toString());
  return systemError(info, "journal_unavailable", adapters::SystemError::kUnavailable,
                     "JOURNAL UNAVAILABLE");
}

bool Executor::primaryHasHistory(const std::vector<std::string>& accounts, Side primary,
                                 const RequestInfo& info) {
  const int side = sideCode(primary);
  auto owedInOutbox = [&] {
    if (owed_accounts_[static_cast<size_t>(side)].load() == 0) {
      return false;  // the hot path: nothing in the outbox goes to this side
    }
    std::lock_guard<std::mutex> lock(mu_);
    return std::any_of(accounts.begin(), accounts.end(),
                       [&](const std::string& a) { return owed_[side].count(a) > 0; });
  };
  if (owedInOutbox()) {
    // An earlier call of the account to this side is still in the outbox
    // (a write-through that timed out, a call from before a stage change):
    // wait for the lanes, as a transaction split by the ramp does.
    Job fence;
    fence.fence = true;
    fence.info = info;
    fence.info.primary = otherSide(primary);
    fence.accounts = accounts;
    RequestInfo ignored;
    enqueueAndWait(std::move(fence), ignored, timeoutOf(primary));
    if (owedInOutbox()) {
      return false;
    }
  }
  // A pending repair case still owes this side an earlier call.
  return options_.repairs == nullptr || !options_.repairs->owesSide(accounts, side);
}

std::string Executor::doubtKey(uint64_t intent, const std::string& txn_id) {
  return intent != 0 ? "intent " + std::to_string(intent) : "txn " + txn_id;
}

void Executor::fenceInDoubt(const std::string& key, const std::vector<std::string>& accounts) {
  std::lock_guard<std::mutex> lock(doubt_mu_);
  if (!doubt_calls_.emplace(key, accounts).second) {
    return;
  }
  for (const std::string& account : accounts) {
    ++in_doubt_[account];
  }
  doubt_count_.store(doubt_calls_.size());
}

void Executor::liftInDoubt(const std::string& key) {
  std::lock_guard<std::mutex> lock(doubt_mu_);
  auto call = doubt_calls_.find(key);
  if (call == doubt_calls_.end()) {
    return;
  }
  for (const std::string& account : call->second) {
    auto it = in_doubt_.find(account);
    if (it != in_doubt_.end() && --it->second == 0) {
      in_doubt_.erase(it);
    }
  }
  doubt_calls_.erase(call);
  doubt_count_.store(doubt_calls_.size());
}

bool Executor::inDoubt(const std::vector<std::string>& accounts) const {
  if (doubt_count_.load() == 0) {
    return false;
  }
  std::lock_guard<std::mutex> lock(doubt_mu_);
  for (const std::string& account : accounts) {
    if (in_doubt_.count(account) > 0) {
      return true;
    }
  }
  return false;
}

size_t Executor::inDoubtAccounts() const {
  std::lock_guard<std::mutex> lock(doubt_mu_);
  return in_doubt_.size();
}

void Executor::laneAccounts(Job& job) const {
  const mappings::PackTransaction* tx = job.transaction;
  if (tx == nullptr || tx->product_code_field.empty() || job.primary_in_doubt ||
      job.primary_reply.zz != 0) {
    return;
  }
  // The account an ACCTOPEN creates is numbered in the primary's reply:
  // its later calls must queue behind this one, in its lane.
  mappings::Record reply_record;
  if (tx->codec
          ->decode(reinterpret_cast<const uint8_t*>(job.primary_reply.commarea.data()),
                   job.primary_reply.commarea.size(), &reply_record)
          .ok()) {
    std::vector<std::string> created = keyAccounts(*tx, reply_record);
    if (!created.empty()) {
      job.info.account = created.front();
      job.accounts = std::move(created);
    }
  }
}

ChannelReply Executor::handle(std::string_view trancode, std::string_view commarea) {
  RequestInfo info;
  info.started = Clock::now();
  info.trancode = std::string(trancode);
  const mappings::PackTransaction* tx = pack_->find(trancode);
  if (tx == nullptr) {
    return badRequest(info, adapters::SystemError::kUnknownTrancode,
                      "UNKNOWN TRANCODE " + std::string(trancode));
  }
  const size_t expected = commareaLength(*tx);
  if (commarea.size() != expected) {
    return badRequest(
        info, adapters::SystemError::kCommareaLength,
        "COMMAREA LENGTH " + std::to_string(commarea.size()) + " NOT " + std::to_string(expected));
  }
  // Decoding checks every field (a bad packed byte names its field and
  // offset) and yields the key accounts.
  thread_local mappings::Record record;
  if (Status s = tx->codec->decode(reinterpret_cast<const uint8_t*>(commarea.data()),
                                   commarea.size(), &record);
      !s.ok()) {
    return badRequest(info, adapters::SystemError::kCommareaData, s.message());
  }
  const std::vector<std::string> accounts = keyAccounts(*tx, record);
  std::vector<std::string> lines;
  auto addLine = [&lines](std::string line) {
    if (!line.empty() && std::find(lines.begin(), lines.end(), line) == lines.end()) {
      lines.push_back(std::move(line));
    }
  };
  if (!tx->product_code_field.empty()) {
    // No account number yet (ACCTOPEN): the product code names the line.
    addLine(productLineOfCode(*tx, record));
  } else {
    for (const std::string& account : accounts) {
      addLine(pack_->product_lines.lineOf(account));
    }
  }
  info.product_line = join(lines, '+');
  if (!tx->txn_id_field.empty()) {
    info.txn_id = textOf(*tx, record, tx->txn_id_field);
  }
  info.account = accounts.empty() ? std::string() : accounts.front();
  const bool write = tx->kind == mappings::TxnKind::kWrite;
  Route r = route(*stages(), lines, write, accounts);
  // Write-through: the secondary call is made before the channel is
  // answered, queued behind the accounts' earlier secondary calls.
  bool write_through = r.mixed;
  if ((r.stage == Stage::kNewPrimary || r.ramped_out) && !tx->product_code_field.empty()) {
    // A transaction that creates its account (ACCTOPEN) keeps legacy as the
    // number authority until NEW_ONLY: legacy cannot be told which number
    // to use, the new core can (the pack's from_primary). And the new core
    // answers this account's next request, so it must hold the account
    // before the channel hears of it: the new side is called on the request
    // path (write-through), not queued.
    r.stage = Stage::kShadow;
    r.primary = Side::kLegacy;
    write_through = true;
  }
  info.stage = r.stage;
  info.primary = r.primary;

  // Hold the accounts' stripes from the primary call until the secondary
  // is queued (see executor.h); LEGACY_ONLY and NEW_ONLY take none.
  std::vector<size_t> stripes;
  if (r.secondary) {
    for (const std::string& account : accounts) {
      stripes.push_back(std::hash<std::string>{}(account) % kStripes);
    }
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  }
  std::vector<std::unique_lock<std::mutex>> held;
  held.reserve(stripes.size());
  for (size_t stripe : stripes) {
    held.emplace_back(stripes_[stripe]);
  }
  if (write && r.secondary && inDoubt(accounts)) {
    // The primary must not apply this before the in-doubt call's replay.
    return systemError(info, "in_doubt", adapters::SystemError::kUnavailable, "ACCOUNT IN DOUBT");
  }
  if (r.mixed) {
    // Both sides must have every earlier call of these accounts first.
    Job fence;
    fence.fence = true;
    fence.info = info;
    fence.accounts = accounts;
    RequestInfo ignored;
    enqueueAndWait(std::move(fence), ignored, timeoutOf(Side::kNew) + timeoutOf(Side::kLegacy));
  }
  if (write && r.secondary && !primaryHasHistory(accounts, r.primary, info)) {
    // CB07: the primary lacks an earlier call of an account of the write.
    return systemError(
        info, "behind", adapters::SystemError::kUnavailable,
        std::string("ACCOUNT BEHIND ON ") + (r.primary == Side::kLegacy ? "LEGACY" : "NEW"));
  }
  // Durable dual-write: the intent is on disk before the primary is called.
  const bool durable = options_.journal != nullptr && write && r.secondary;
  if (durable) {
    dualwrite::Intent intent;
    intent.stage = static_cast<int>(r.stage);
    intent.primary = sideCode(r.primary);
    intent.compare = r.compare;
    intent.write_through = write_through;
    intent.trancode = std::string(trancode);
    intent.product_line = info.product_line;
    intent.txn_id = info.txn_id;
    intent.account = info.account;
    intent.accounts = accounts;
    intent.commarea = std::string(commarea);
    Result<uint64_t> begun = options_.journal->begin(intent);
    if (!begun.ok()) {
      return journalUnavailable(info, begun.status());
    }
    info.intent = *begun;
    CB_CRASH_POINT("after_intent");
  }
  adapters::CallContext context;
  context.deadline = Clock::now() + timeoutOf(r.primary);
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply = sideOf(r.primary).call(trancode, commarea, context);
  info.primary_latency = Clock::now() - t0;
  if (durable) {
    CB_CRASH_POINT("after_primary");
  }
  ChannelReply out;
  if (!reply.ok()) {
    const StatusCode code = reply.status().code();
    out.system_error = true;
    if (code == StatusCode::kInvalidArgument) {
      info.outcome = "bad_request";
      out.error = adapters::SystemError::kCommareaData;
      out.message = reply.status().message();
    } else {
      info.outcome = code == StatusCode::kDeadlineExceeded ? "timeout" : "unavailable";
      out.error = adapters::SystemError::kUnavailable;
      out.message = std::string(sideName(r.primary)) + " RESOURCE UNAVAILABLE";
    }
    // Nothing the channel can rely on happened: no secondary call now.
    if (durable) {
      if (code == StatusCode::kInvalidArgument) {
        settle(info.intent, dualwrite::SettleReason::kNothingToDo);
      } else if (adapters::requestNotSent(reply.status())) {
        settle(info.intent, dualwrite::SettleReason::kPrimaryFailed);
      } else if (options_.journal
                     ->primaryDone({info.intent, dualwrite::PrimaryStatus::kInDoubt, 0, ""})
                     .ok()) {
        // The primary may have applied it: the worker replays the primary
        // (its first answer, or applied now) and then calls the secondary.
        Job job;
        job.transaction = tx;
        job.trancode = std::string(trancode);
        job.commarea = std::string(commarea);
        job.info = info;
        job.compare = r.compare;
        job.accounts = accounts;
        job.intent = info.intent;
        job.primary_in_doubt = true;
        // Fenced before the stripes are released: no later write of these
        // accounts reaches the primary until the replay has answered.
        fenceInDoubt(doubtKey(info.intent, info.txn_id), accounts);
        enqueue(std::move(job), info);
      }
      // A failed journal leaves the intent unfinished: recovery replays it.
    }
    observer_.onRequest(info);
    return out;
  }
  if (durable) {
    // The primary's answer is queued for the journal's next batch; the
    // channel does not wait for its fdatasync. A crash before that batch
    // leaves the intent without an outcome: recovery replays the primary,
    // which answers a replay of the key as it did now. If the journal has
    // already failed closed, the channel gets CB07 and recovery does the
    // same.
    if (Status s = options_.journal->primaryDone(
            {info.intent, dualwrite::PrimaryStatus::kReplied, reply->zz, reply->commarea});
        !s.ok()) {
      return journalUnavailable(info, s);
    }
  }
  info.outcome = "ok";
  out.reply = std::move(*reply);
  // A write the primary refused (a business return code) changed nothing
  // there: the secondary has nothing to follow. Sent, it would be decided
  // on the secondary's own state, which a backfill snapshot or a lagging
  // outbox may have moved past the primary's, and could be applied there.
  const bool refused = write && r.secondary && returnCodeOf(*tx, out.reply) > 0;
  if (refused) {
    info.secondary_refused = true;
    settle(info.intent, dualwrite::SettleReason::kNothingToDo);
  }
  if (r.secondary && !refused) {
    Job job;
    job.transaction = tx;
    job.trancode = std::string(trancode);
    job.commarea = std::string(commarea);
    job.primary_reply = out.reply;
    job.info = info;
    job.compare = r.compare;
    job.accounts = accounts;
    job.intent = info.intent;
    laneAccounts(job);
    if (write_through) {
      enqueueAndWait(std::move(job), info, timeoutOf(otherSide(r.primary)));
    } else {
      enqueue(std::move(job), info);
    }
  }
  if (durable) {
    CB_CRASH_POINT("after_outcome");
  }
  observer_.onRequest(info);
  return out;
}

void Executor::enqueue(Job job, RequestInfo& info) {
  auto laneOf = [this](const std::string& account) {
    return std::hash<std::string>{}(account) % lanes_.size();
  };
  const size_t lane = laneOf(job.info.account);
  size_t second_lane = lane;
  for (const std::string& account : job.accounts) {
    if (laneOf(account) != lane) {
      second_lane = laneOf(account);
      break;
    }
  }
  const size_t jobs = second_lane == lane ? 1 : 2;
  const bool durable = job.intent != 0;
  std::optional<Job> overflow;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool room = queued_ + jobs <= options_.secondary_queue;
    // A journalled call is never dropped: past the bound it becomes a
    // repair case, or without a repair queue it is queued anyway.
    if (!stopping_ && (room || (durable && options_.repairs == nullptr))) {
      info.secondary_queued = true;
      job.info.secondary_queued = true;
      for (const std::string& account : job.accounts) {
        ++in_outbox_[account];
        if (!job.fence) {
          const int to = sideCode(otherSide(job.info.primary));
          ++owed_[to][account];
          owed_accounts_[static_cast<size_t>(to)].store(owed_[to].size());
        }
      }
      if (jobs == 2) {
        job.barrier = std::make_shared<Barrier>();
        Job marker;
        marker.marker = true;
        marker.barrier = job.barrier;
        lanes_[second_lane].push_back(std::move(marker));
      }
      lanes_[lane].push_back(std::move(job));
      queued_ += jobs;
    } else if (durable && !stopping_) {
      overflow = std::move(job);
    }
  }
  if (info.secondary_queued) {
    ready_[lane].notify_one();
    ready_[second_lane].notify_one();
  } else if (overflow.has_value()) {
    handOver(*overflow, dualwrite::RepairKind::kBacklog,
             "outbox full (" + std::to_string(options_.secondary_queue) + " calls queued)");
  } else if (!durable) {
    info.secondary_dropped = true;
    dropped_.fetch_add(1);
  }
  // A journalled job refused while stopping stays unsettled: recovery
  // replays it.
}

void Executor::enqueueAndWait(Job job, RequestInfo& info, std::chrono::milliseconds timeout) {
  auto completion = std::make_shared<Completion>();
  job.completion = completion;
  enqueue(std::move(job), info);
  if (!info.secondary_queued) {
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  completions_.wait_until(lock, Clock::now() + timeout, [&] { return completion->done; });
}

void Executor::work(size_t lane) {
  std::deque<Job>& queue = lanes_[lane];
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_[lane].wait(lock, [&] { return stopping_ || !queue.empty(); });
      if (queue.empty()) {
        return;  // stopping and drained
      }
      job = std::move(queue.front());
      queue.pop_front();
      --queued_;
      ++running_;
      if (job.marker) {
        // Hold this lane until the call whose place this is has run.
        job.barrier->arrived = true;
        barriers_.notify_all();
        barriers_.wait(lock, [&] { return job.barrier->done; });
      } else if (job.barrier != nullptr) {
        barriers_.wait(lock, [&] { return job.barrier->arrived; });
      }
    }
    if (!job.marker && !job.fence) {
      if (job.intent != 0) {
        runDurable(job);
      } else {
        runSecondary(job);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!job.marker && job.info.secondary_queued) {  // calls and fences counted in enqueue
        const int to = sideCode(otherSide(job.info.primary));
        auto& owed = owed_[to];
        for (const std::string& account : job.accounts) {
          auto it = in_outbox_.find(account);
          if (it != in_outbox_.end() && --it->second == 0) {
            in_outbox_.erase(it);
          }
          auto o = owed.find(account);
          if (!job.fence && o != owed.end() && --o->second == 0) {
            owed.erase(o);
          }
        }
        owed_accounts_[static_cast<size_t>(to)].store(owed.size());
      }
      if (job.barrier != nullptr && !job.marker) {
        job.barrier->done = true;
        barriers_.notify_all();
      }
      if (job.completion != nullptr) {
        job.completion->done = true;
        completions_.notify_all();
      }
      --running_;
      if (queued_ == 0 && running_ == 0) {
        idle_.notify_all();
      }
    }
  }
}

void Executor::runSecondary(Job& job) {
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply =
      callWithRetries(otherSide(job.info.primary), job, &job.primary_reply, Retries{});
  report(job, std::move(reply), Clock::now() - t0, true);
}

Verdict Executor::report(const Job& job, Result<adapters::BackendReply> reply,
                         std::chrono::nanoseconds latency, bool feed_repairs) {
  const Side secondary = otherSide(job.info.primary);
  SecondaryResult result;
  result.secondary_latency = latency;
  result.transaction = job.transaction;
  result.product_line = job.info.product_line;
  result.account = job.info.account;
  result.txn_id = job.info.txn_id;
  result.stage = job.info.stage;
  result.primary = job.info.primary;
  result.compare = job.compare;
  result.secondary_status = reply.status();
  adapters::BackendReply& primary_slot =
      job.info.primary == Side::kLegacy ? result.legacy_reply : result.new_reply;
  primary_slot = job.primary_reply;
  const bool answered = reply.ok();
  if (answered) {
    adapters::BackendReply& secondary_slot =
        secondary == Side::kLegacy ? result.legacy_reply : result.new_reply;
    secondary_slot = std::move(*reply);
  }
  const Verdict verdict = observer_.onSecondary(result);
  if (feed_repairs && answered && options_.repairs != nullptr) {
    if (verdict == Verdict::kDifferent) {
      Status s = options_.repairs->noteDivergence(
          caseOf(job, dualwrite::RepairKind::kDivergence, "the two sides answered differently"),
          "txn " + job.info.txn_id + " " + job.trancode);
      if (!s.ok()) {
        logger("bridge")->error("txn={}: cannot record the divergence as a repair case: {}",
                                job.info.txn_id, s.toString());
      }
    } else if (verdict == Verdict::kEqual) {
      options_.repairs->noteAgreement(job.info.account,
                                      "txn " + job.info.txn_id + " " + job.trancode + " agreed");
    }
  }
  return verdict;
}

Result<adapters::BackendReply> Executor::callWithRetries(
    Side side, const Job& job, const adapters::BackendReply* primary_reply,
    const Retries& retries) {
  std::chrono::milliseconds backoff = options_.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    adapters::CallContext context;
    context.deadline = Clock::now() + timeoutOf(side);
    context.primary_reply = primary_reply;
    Result<adapters::BackendReply> reply = sideOf(side).call(job.trancode, job.commarea, context);
    if (reply.ok() || reply.status().code() == StatusCode::kInvalidArgument) {
      return reply;  // an untranslatable request does not get better by waiting
    }
    if (attempt >= retries.attempts || Clock::now() + backoff > retries.give_up) {
      return reply;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_cv_.wait_for(lock, backoff, [this] { return stopping_; })) {
      return reply;
    }
    backoff = backoff > retries.max_backoff / 2 ? retries.max_backoff : backoff * 2;
  }
}

Executor::Retries Executor::secondaryRetries() const {
  Retries r;
  r.attempts = std::max(1, options_.secondary_attempts);
  return r;
}

dualwrite::RepairCase Executor::caseOf(const Job& job, dualwrite::RepairKind kind,
                                       const std::string& why) const {
  dualwrite::RepairCase c;
  c.kind = kind;
  c.product_line = job.info.product_line;
  c.account = job.info.account;
  c.trancode = job.trancode;
  c.txn_id = job.info.txn_id;
  c.accounts = job.accounts;
  c.stage = static_cast<int>(job.info.stage);
  c.primary = sideCode(job.info.primary);
  c.compare = job.compare;
  c.commarea = job.commarea;
  // -1: the primary's outcome is in doubt, its call is replayed first.
  c.primary_zz = job.primary_in_doubt ? -1 : job.primary_reply.zz;
  c.primary_reply = job.primary_reply.commarea;
  c.last_error = why;
  c.intent = job.intent;
  return c;
}

void Executor::handOver(const Job& job, dualwrite::RepairKind kind, const std::string& why) {
  if (options_.repairs == nullptr) {
    logger("bridge")->error(
        "txn={} trancode={}: {}; no repair queue: the intent stays unfinished and is replayed "
        "when the bridge restarts",
        job.info.txn_id, job.trancode, why);
    return;
  }
  Result<int64_t> id = options_.repairs->park(caseOf(job, kind, why));
  if (!id.ok()) {
    logger("bridge")->error(
        "txn={} trancode={}: {}; cannot open a repair case ({}): the intent stays unfinished "
        "and is replayed when the bridge restarts",
        job.info.txn_id, job.trancode, why, id.status().toString());
    return;
  }
  settle(job.intent, dualwrite::SettleReason::kRepairCase, *id);
}

void Executor::settle(uint64_t intent, dualwrite::SettleReason reason, int64_t repair_case) {
  if (options_.journal == nullptr || intent == 0) {
    return;
  }
  if (Status s = options_.journal->settle({intent, reason, repair_case}); !s.ok()) {
    logger("bridge")->error(
        "intent {}: cannot journal its settlement ({}); it is replayed "
        "(idempotently) when the bridge restarts",
        intent, s.toString());
  }
}

void Executor::runDurable(Job& job) {
  // An in-doubt primary is replayed first, even when the account is parked:
  // its accounts are fenced (no later write reaches the primary) until it
  // has an answer, and the secondary order is not at stake here.
  if (job.primary_in_doubt) {
    Result<adapters::BackendReply> replayed =
        callWithRetries(job.info.primary, job, nullptr, secondaryRetries());
    if (!replayed.ok() && replayed.status().code() == StatusCode::kInvalidArgument) {
      // The primary refuses the request itself: it applied nothing.
      liftInDoubt(doubtKey(job.intent, job.info.txn_id));
      settle(job.intent, dualwrite::SettleReason::kNothingToDo);
      return;
    }
    if (!replayed.ok()) {
      handOver(job, dualwrite::RepairKind::kSecondaryFailed,
               "primary in doubt, its replay failed: " + replayed.status().toString());
      return;
    }
    job.primary_reply = std::move(*replayed);
    job.primary_in_doubt = false;
    // The primary has placed the call in the account's history: later
    // writes may follow it.
    liftInDoubt(doubtKey(job.intent, job.info.txn_id));
    (void)options_.journal->primaryDone({job.intent, dualwrite::PrimaryStatus::kReplied,
                                         job.primary_reply.zz, job.primary_reply.commarea});
    if (job.primary_reply.zz != 0) {
      // The primary answered a system error: nothing was applied.
      settle(job.intent, dualwrite::SettleReason::kNothingToDo);
      return;
    }
  }
  if (job.transaction != nullptr && returnCodeOf(*job.transaction, job.primary_reply) > 0) {
    // Refused by the primary (a replay, or an intent recovery re-queued):
    // nothing to apply, as in handle().
    settle(job.intent, dualwrite::SettleReason::kNothingToDo);
    return;
  }
  if (options_.repairs != nullptr && options_.repairs->parkedBefore(job.accounts, job.intent)) {
    handOver(job, dualwrite::RepairKind::kParked, "behind the account's pending repair case");
    return;
  }
  CB_CRASH_POINT("before_secondary");
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply =
      callWithRetries(otherSide(job.info.primary), job, &job.primary_reply, secondaryRetries());
  const auto latency = Clock::now() - t0;
  CB_CRASH_POINT("after_secondary");
  if (!reply.ok()) {
    const std::string why = reply.status().toString();
    report(job, std::move(reply), latency, false);
    handOver(job, dualwrite::RepairKind::kSecondaryFailed, why);
    return;
  }
  report(job, std::move(reply), latency, true);
  settle(job.intent, dualwrite::SettleReason::kSecondaryDone);
  CB_CRASH_POINT("after_settle");
}

// dualwrite::Intent and dualwrite::RepairCase spell the call the same way.
template <typename Call>
Executor::Job Executor::jobFrom(const Call& c) const {
  Job job;
  job.transaction = pack_->find(c.trancode);
  job.trancode = c.trancode;
  job.commarea = c.commarea;
  job.info.trancode = c.trancode;
  job.info.product_line = c.product_line;
  job.info.account = c.account;
  job.info.txn_id = c.txn_id;
  job.info.stage = static_cast<Stage>(c.stage);
  job.info.primary = sideOfCode(c.primary);
  job.compare = c.compare;
  job.accounts = c.accounts;
  return job;
}

Executor::Job Executor::jobOf(const dualwrite::RepairCase& c) const {
  Job job = jobFrom(c);
  job.primary_in_doubt = c.primary_zz < 0;
  job.primary_reply.zz = static_cast<uint16_t>(std::max(0, c.primary_zz));
  job.primary_reply.commarea = c.primary_reply;
  return job;
}

dualwrite::RetryOutcome Executor::retryRepair(const dualwrite::RepairCase& c) {
  dualwrite::RetryOutcome out;
  Job job = jobOf(c);
  if (job.transaction == nullptr) {
    out.detail = "the mapping pack has no transaction " + c.trancode;
    return out;
  }
  {
    // The outbox may still hold this account's earlier calls (the case was
    // opened because the outbox was full): they go first.
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& account : job.accounts) {
      if (in_outbox_.count(account) > 0) {
        out.detail = "waiting for the account's earlier calls in the outbox";
        return out;
      }
    }
  }
  if (job.primary_in_doubt) {
    Result<adapters::BackendReply> replayed =
        callWithRetries(job.info.primary, job, nullptr, Retries{});
    if (!replayed.ok() && replayed.status().code() == StatusCode::kInvalidArgument) {
      liftInDoubt(doubtKey(c.intent, c.txn_id));
      out.done = true;
      out.agrees = true;
      out.detail = "the primary refuses the request: nothing to apply (" +
                   replayed.status().toString() + ")";
      return out;
    }
    if (!replayed.ok()) {
      out.detail = "primary replay: " + replayed.status().toString();
      return out;
    }
    job.primary_reply = std::move(*replayed);
    job.primary_in_doubt = false;
    liftInDoubt(doubtKey(c.intent, c.txn_id));
    if (job.primary_reply.zz != 0) {
      out.done = true;
      out.agrees = true;
      out.detail = "the primary answered a system error: nothing to apply";
      return out;
    }
  }
  if (const int64_t rc = returnCodeOf(*job.transaction, job.primary_reply); rc > 0) {
    // The primary refused it, so there is nothing to apply. A late call is
    // not sent: the secondary would decide it on a later state of the
    // account (a backfill snapshot taken since, say) and could apply what
    // the primary refused.
    out.done = true;
    out.agrees = true;
    out.detail = "the primary refused it (return code " + std::to_string(rc) +
                 "): nothing to apply, not sent late";
    return out;
  }
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply =
      callWithRetries(otherSide(job.info.primary), job, &job.primary_reply, Retries{});
  if (!reply.ok()) {
    out.detail = reply.status().toString();
    return out;
  }
  const Verdict verdict = report(job, std::move(reply), Clock::now() - t0, false);
  out.done = true;
  out.agrees = verdict != Verdict::kDifferent;
  out.detail = verdict == Verdict::kDifferent ? "replayed; the replies differ" : "replayed";
  return out;
}

Result<RecoveryStats> Executor::recover(
    const std::vector<dualwrite::UnfinishedIntent>& unfinished) {
  RecoveryStats stats;
  stats.intents = unfinished.size();
  for (const dualwrite::UnfinishedIntent& u : unfinished) {
    Job job = jobFrom(u.intent);
    if (job.transaction == nullptr) {
      return Status(StatusCode::kFailedPrecondition,
                    "journal intent " + std::to_string(u.seq) + " (txn " + u.intent.txn_id +
                        ") is a " + u.intent.trancode +
                        ", which the mapping pack does not know: start with the pack it was "
                        "written under");
    }
    job.info.intent = u.seq;
    job.intent = u.seq;
    if (u.primary.has_value() && u.primary->status == dualwrite::PrimaryStatus::kReplied) {
      job.primary_reply.zz = u.primary->zz;
      job.primary_reply.commarea = u.primary->commarea;
    } else {
      // In doubt: replay the primary now, before any new request of the
      // account can reach it.
      Retries until;
      until.attempts = std::numeric_limits<int>::max();
      until.give_up = Clock::now() + options_.recovery_timeout;
      until.max_backoff = std::chrono::milliseconds(1000);
      Result<adapters::BackendReply> replayed =
          callWithRetries(job.info.primary, job, nullptr, until);
      if (replayed.ok()) {
        job.primary_reply = std::move(*replayed);
      } else if (replayed.status().code() == StatusCode::kInvalidArgument) {
        job.primary_reply.zz = 1;  // nothing was applied, nothing to do
      } else {
        return unavailable("journal intent " + std::to_string(u.seq) + " (txn " + u.intent.txn_id +
                           "): its primary stayed unreachable for " +
                           std::to_string(options_.recovery_timeout.count()) +
                           " ms: " + replayed.status().toString());
      }
      ++stats.primaries_replayed;
      CB_RETURN_IF_ERROR(
          options_.journal->primaryDone({u.seq, dualwrite::PrimaryStatus::kReplied,
                                         job.primary_reply.zz, job.primary_reply.commarea}));
      if (job.primary_reply.zz != 0) {
        settle(u.seq, dualwrite::SettleReason::kNothingToDo);
        continue;
      }
    }
    laneAccounts(job);
    RequestInfo info = job.info;
    enqueue(std::move(job), info);
    ++stats.secondaries_queued;
  }
  return stats;
}

size_t Executor::secondaryDepth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_ + static_cast<size_t>(running_);
}

void Executor::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queued_ == 0 && running_ == 0; });
}

void Executor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) {
      return;
    }
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& cv : ready_) {
    cv.notify_all();
  }
  for (auto& w : workers_) {
    if (w.joinable()) {
      w.join();
    }
  }
  workers_.clear();
}

}  // namespace corebridge::bridge

#include "bridge/executor.h"

#include <algorithm>
#include <functional>

namespace corebridge::bridge {

namespace {

using Clock = std::chrono::steady_clock;

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
}

Executor::~Executor() { stop(); }

void Executor::setStages(std::shared_ptr<const StageTable> stages) {
  std::atomic_store(&stages_, std::move(stages));
}

std::shared_ptr<const StageTable> Executor::stages() const { return std::atomic_load(&stages_); }

ChannelReply Executor::badRequest(RequestInfo& info, adapters::SystemError error,
                                  std::string message) {
  info.outcome = "bad_request";
  observer_.onRequest(info);
  ChannelReply r;
  r.system_error = true;
  r.error = error;
  r.message = std::move(message);
  return r;
}

ChannelReply Executor::handle(std::string_view trancode, std::string_view commarea) {
  RequestInfo info;
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
  if (r.mixed) {
    // Both sides must have every earlier call of these accounts first.
    Job fence;
    fence.fence = true;
    fence.info = info;
    fence.accounts = accounts;
    RequestInfo ignored;
    enqueueAndWait(std::move(fence), ignored, timeoutOf(Side::kNew) + timeoutOf(Side::kLegacy));
  }
  adapters::CallContext context;
  context.deadline = Clock::now() + timeoutOf(r.primary);
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply = sideOf(r.primary).call(trancode, commarea, context);
  info.primary_latency = Clock::now() - t0;
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
    // Nothing the channel can rely on happened: no secondary call.
    observer_.onRequest(info);
    return out;
  }
  info.outcome = "ok";
  out.reply = std::move(*reply);
  if (r.secondary) {
    Job job;
    job.transaction = tx;
    job.trancode = std::string(trancode);
    job.commarea = std::string(commarea);
    job.primary_reply = out.reply;
    job.info = info;
    job.compare = r.compare;
    job.accounts = accounts;
    if (!tx->product_code_field.empty() && out.reply.zz == 0) {
      // The account an ACCTOPEN creates is numbered in the primary's reply:
      // its later calls must queue behind this one, in its lane.
      mappings::Record reply_record;
      if (tx->codec
              ->decode(reinterpret_cast<const uint8_t*>(out.reply.commarea.data()),
                       out.reply.commarea.size(), &reply_record)
              .ok()) {
        std::vector<std::string> created = keyAccounts(*tx, reply_record);
        if (!created.empty()) {
          job.info.account = created.front();
          job.accounts = std::move(created);
        }
      }
    }
    if (write_through) {
      enqueueAndWait(std::move(job), info,
                     timeoutOf(r.primary == Side::kLegacy ? Side::kNew : Side::kLegacy));
    } else {
      enqueue(std::move(job), info);
    }
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queued_ + jobs <= options_.secondary_queue) {
      info.secondary_queued = true;
      job.info.secondary_queued = true;
      if (jobs == 2) {
        job.barrier = std::make_shared<Barrier>();
        Job marker;
        marker.marker = true;
        marker.barrier = job.barrier;
        lanes_[second_lane].push_back(std::move(marker));
      }
      lanes_[lane].push_back(std::move(job));
      queued_ += jobs;
    }
  }
  if (info.secondary_queued) {
    ready_[lane].notify_one();
    ready_[second_lane].notify_one();
  } else {
    info.secondary_dropped = true;
    dropped_.fetch_add(1);
  }
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
      runSecondary(job);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
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
  const Side secondary = job.info.primary == Side::kLegacy ? Side::kNew : Side::kLegacy;
  adapters::CallContext context;
  context.deadline = Clock::now() + timeoutOf(secondary);
  context.primary_reply = &job.primary_reply;
  const auto t0 = Clock::now();
  Result<adapters::BackendReply> reply =
      sideOf(secondary).call(job.trancode, job.commarea, context);
  SecondaryResult result;
  result.secondary_latency = Clock::now() - t0;
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
  primary_slot = std::move(job.primary_reply);
  if (reply.ok()) {
    adapters::BackendReply& secondary_slot =
        secondary == Side::kLegacy ? result.legacy_reply : result.new_reply;
    secondary_slot = std::move(*reply);
  }
  observer_.onSecondary(result);
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

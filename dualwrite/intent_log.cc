#include "dualwrite/intent_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

namespace corebridge::dualwrite {
namespace {

// Takes the directory's lock; returns the open descriptor.
Result<int> lockDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return unavailable("journal directory " + dir + ": " + ec.message());
  }
  const std::string path = dir + "/LOCK";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return unavailable(path + ": open: " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status(StatusCode::kFailedPrecondition,
                    "journal directory " + dir +
                        " is in use by another corebridge (its LOCK is held); one bridge per "
                        "journal directory");
    }
    return unavailable(path + ": flock: " + std::strerror(err));
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<IntentLog>> IntentLog::open(const std::string& dir,
                                                   const IntentLogOptions& options,
                                                   std::vector<UnfinishedIntent>* unfinished,
                                                   RecoveryReport* report) {
  CB_ASSIGN_OR_RETURN(const int fd, lockDirectory(dir));
  std::vector<Record> records;
  RecoveryReport local;
  RecoveryReport* recovery = report != nullptr ? report : &local;
  Result<std::unique_ptr<Journal>> journal =
      Journal::open(dir, options.journal, &records, recovery);
  if (!journal.ok()) {
    ::close(fd);
    return journal.status();
  }
  // Pair the records up: intent, then maybe its primary outcome, then maybe
  // its settlement.
  std::map<uint64_t, UnfinishedIntent> open_intents;
  const uint64_t first_seq = records.empty() ? 0 : records.front().seq;
  auto fail = [&](const Record& rec, const Status& s) {
    ::close(fd);
    return Status(StatusCode::kDataLoss,
                  "journal " + dir + " record " + std::to_string(rec.seq) + ": " + s.message());
  };
  for (const Record& rec : records) {
    switch (rec.type) {
      case RecordType::kIntent: {
        Result<Intent> intent = decodeIntent(rec.payload);
        if (!intent.ok()) {
          return fail(rec, intent.status());
        }
        UnfinishedIntent u;
        u.seq = rec.seq;
        u.intent = std::move(*intent);
        open_intents.emplace(rec.seq, std::move(u));
        break;
      }
      case RecordType::kPrimaryOutcome: {
        Result<PrimaryOutcome> outcome = decodePrimaryOutcome(rec.payload);
        if (!outcome.ok()) {
          return fail(rec, outcome.status());
        }
        auto it = open_intents.find(outcome->intent_seq);
        if (it != open_intents.end()) {
          it->second.primary = std::move(*outcome);
        } else if (outcome->intent_seq >= first_seq) {
          return fail(rec,
                      Status(StatusCode::kDataLoss,
                             "primary outcome for intent " + std::to_string(outcome->intent_seq) +
                                 ", which is not in the journal or already settled"));
        }
        break;
      }
      case RecordType::kSettled:
      case RecordType::kSecondaryOutcome: {
        Result<Settlement> settlement = decodeSettlement(rec.payload);
        if (!settlement.ok()) {
          return fail(rec, settlement.status());
        }
        // A second settlement of the same intent (a replay after a restart
        // settled it again) is harmless.
        open_intents.erase(settlement->intent_seq);
        break;
      }
      default:
        return fail(rec,
                    Status(StatusCode::kDataLoss,
                           "unknown record type " + std::to_string(static_cast<int>(rec.type))));
    }
  }
  std::vector<UnfinishedIntent> pending;
  pending.reserve(open_intents.size());
  for (auto& [seq, u] : open_intents) {
    pending.push_back(std::move(u));
  }
  std::unique_ptr<IntentLog> log(new IntentLog(std::move(*journal), fd, options));
  log->adopt(pending, recovery->next_seq - 1);
  if (unfinished != nullptr) {
    *unfinished = std::move(pending);
  }
  return log;
}

IntentLog::IntentLog(std::unique_ptr<Journal> journal, int lock_fd, const IntentLogOptions& options)
    : journal_(std::move(journal)), lock_fd_(lock_fd), options_(options) {}

IntentLog::~IntentLog() {
  journal_.reset();
  ::close(lock_fd_);  // releases the flock
}

void IntentLog::adopt(const std::vector<UnfinishedIntent>& unfinished, uint64_t last_seq) {
  std::lock_guard lock(mu_);
  highest_seen_ = last_seq;
  for (const UnfinishedIntent& u : unfinished) {
    unsettled_.insert(u.seq);
  }
}

Result<uint64_t> IntentLog::begin(const Intent& intent) {
  // Until the append returns, the intent's sequence number is unknown but
  // is above every number handed out so far: that floor holds truncation
  // back, so a concurrent settle cannot delete the segment it lands in.
  uint64_t floor = 0;
  {
    std::lock_guard lock(mu_);
    floor = highest_seen_ + 1;
    floors_.insert(floor);
  }
  Result<uint64_t> seq = journal_->append(RecordType::kIntent, encodeIntent(intent));
  std::lock_guard lock(mu_);
  floors_.erase(floors_.find(floor));
  if (!seq.ok()) {
    return seq.status();
  }
  highest_seen_ = std::max(highest_seen_, *seq);
  unsettled_.insert(*seq);
  ++begun_;
  return *seq;
}

Status IntentLog::primaryDone(const PrimaryOutcome& outcome) {
  CB_ASSIGN_OR_RETURN(const uint64_t seq, journal_->appendDeferred(RecordType::kPrimaryOutcome,
                                                                   encodePrimaryOutcome(outcome)));
  std::lock_guard lock(mu_);
  highest_seen_ = std::max(highest_seen_, seq);
  return okStatus();
}

Status IntentLog::settle(const Settlement& settlement) {
  const std::string payload = encodeSettlement(settlement);
  CB_ASSIGN_OR_RETURN(const uint64_t seq,
                      settleWaits(settlement.reason)
                          ? journal_->append(RecordType::kSettled, payload)
                          : journal_->appendDeferred(RecordType::kSettled, payload));
  uint64_t truncate_to = 0;
  {
    std::lock_guard lock(mu_);
    highest_seen_ = std::max(highest_seen_, seq);
    if (unsettled_.erase(settlement.intent_seq) > 0) {
      ++settled_;
    }
    if (++since_truncate_ >= options_.truncate_every) {
      since_truncate_ = 0;
      // Every record below the oldest unsettled intent (or in-flight
      // begin) belongs to settled intents.
      truncate_to = seq;
      if (!unsettled_.empty()) {
        truncate_to = std::min(truncate_to, *unsettled_.begin());
      }
      if (!floors_.empty()) {
        truncate_to = std::min(truncate_to, *floors_.begin());
      }
    }
  }
  if (truncate_to > 0) {
    // A failed deletion leaves old segments behind; the next one retries.
    (void)journal_->truncateBefore(truncate_to);
  }
  return okStatus();
}

bool IntentLog::settleWaits(SettleReason reason) {
  // Replaying a settled intent whose secondary answered, or whose primary
  // refused it, does no harm: each side answers a replayed key as it did.
  // A repair case must not be opened twice, and a request the channel was
  // told was not applied must not be applied by a replay.
  return reason == SettleReason::kRepairCase || reason == SettleReason::kPrimaryFailed;
}

IntentLogStats IntentLog::stats() const {
  IntentLogStats s;
  s.journal = journal_->stats();
  std::lock_guard lock(mu_);
  s.begun = begun_;
  s.settled = settled_;
  s.unsettled = unsettled_.size();
  s.oldest_unsettled = unsettled_.empty() ? 0 : *unsettled_.begin();
  return s;
}

}  // namespace corebridge::dualwrite

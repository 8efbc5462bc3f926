#include "tools/bridgectl/reconcile_checksum.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "adapters/odbc/connection.h"
#include "tools/bridgectl/range_checksum.h"

namespace corebridge::tools::reconcile {

namespace odbc = adapters::odbc;

namespace {

// CPU time of the calling thread: what a stage costs, however the two
// cores are shared among the stages.
int64_t threadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// One range of the line's account space and what each side holds in it.
struct Range {
  size_t index = 0;
  std::string lo, hi;  // lo <= account < hi; hi "" is no end
  std::vector<AccountRecord> legacy;
  RangeCodes codes;
  std::optional<RangeSums> legacy_sums;  // nullopt: compare row by row
  // The worker's answer.
  bool matched = false;
  std::vector<Account> fresh;  // the new store's rows of the line, when not matched
  uint64_t rows_read = 0;      // every row read, the other lines' included
  Status status;
};
using RangePtr = std::shared_ptr<Range>;

// Whether a query failed on an integer out of range: SQLSTATE 22003
// (PostgreSQL, MariaDB), SQLite's "integer overflow".
bool overflowed(const Status& s) {
  return s.message().find("SQLSTATE 22003") != std::string::npos ||
         s.message().find("integer overflow") != std::string::npos;
}

// A worker's connection and its statements, prepared on first use.
class StoreWorker {
 public:
  StoreWorker(std::unique_ptr<odbc::Connection> conn, const mappings::ProductLineRule& lines,
              const std::string& line)
      : conn_(std::move(conn)), lines_(lines), line_(line) {}

  // Fills r.matched, r.fresh, r.status.
  void answer(Range& r, std::atomic<int64_t>* sums_ns, std::atomic<int64_t>* fetch_ns) {
    if (r.legacy_sums) {
      const int64_t t0 = threadCpuNanos();
      Result<std::optional<RangeSums>> sums = storeSums(r);
      *sums_ns += threadCpuNanos() - t0;
      if (!sums.ok() && !overflowed(sums.status())) {
        r.status = sums.status().withContext("--new-store: the sums of account range " +
                                             std::to_string(r.index + 1));
        return;
      }
      // An overflow leaves the range to the rows, which name the value.
      r.matched = sums.ok() && sums->has_value() && **sums == *r.legacy_sums;
    }
    if (!r.matched) {
      const int64_t t0 = threadCpuNanos();
      r.status = storeRows(r);
      if (!r.status.ok()) {
        r.status = r.status.withContext("--new-store");
      }
      *fetch_ns += threadCpuNanos() - t0;
    }
  }

 private:
  Result<std::optional<RangeSums>> storeSums(const Range& r) {
    const bool bounded = !r.hi.empty();
    auto key = std::make_tuple(r.codes.products.size(), r.codes.currencies.size(), bounded);
    std::unique_ptr<odbc::Statement>& st = sums_[key];
    if (st == nullptr) {
      CB_ASSIGN_OR_RETURN(
          st, conn_->prepare(rangeSumsSql(conn_->dialect().kind(), r.codes.products.size(),
                                          r.codes.currencies.size(), bounded)));
    }
    CB_RETURN_IF_ERROR(bindRangeSums(*st, r.codes, r.lo, r.hi));
    CB_RETURN_IF_ERROR(st->execute());
    CB_ASSIGN_OR_RETURN(bool row, st->fetch());
    if (!row) {
      return std::optional<RangeSums>();
    }
    return readRangeSums(*st);  // the next execute() closes the cursor
  }

  Status storeRows(Range& r) {
    const bool bounded = !r.hi.empty();
    std::unique_ptr<odbc::Statement>& st = rows_[bounded ? 1 : 0];
    if (st == nullptr) {
      CB_ASSIGN_OR_RETURN(
          st, conn_->prepare(std::string("SELECT ") + kAccountColumns +
                             " FROM nc_accounts WHERE account_id >= ?" +
                             (bounded ? " AND account_id < ?" : "") + " ORDER BY account_id"));
    }
    CB_RETURN_IF_ERROR(st->bindString(1, r.lo));
    if (bounded) {
      CB_RETURN_IF_ERROR(st->bindString(2, r.hi));
    }
    CB_RETURN_IF_ERROR(st->execute());
    Account a;
    while (true) {
      CB_ASSIGN_OR_RETURN(bool more, st->fetch());
      if (!more) {
        return okStatus();
      }
      CB_RETURN_IF_ERROR(readAccountRow(*st, &a));
      ++r.rows_read;
      if (lines_.lineOf(a.number) == line_) {
        r.fresh.push_back(a);
      }
    }
  }

  std::unique_ptr<odbc::Connection> conn_;
  const mappings::ProductLineRule& lines_;
  const std::string& line_;
  std::map<std::tuple<size_t, size_t, bool>, std::unique_ptr<odbc::Statement>> sums_;
  std::unique_ptr<odbc::Statement> rows_[2];
};

// The decoder thread, the worker threads, and the ranges in order.
class Pipeline {
 public:
  Pipeline(ExtractSource& legacy, std::vector<PrefixBlock> blocks, const ChecksumOptions& options)
      : legacy_(legacy), blocks_(std::move(blocks)), options_(options) {}

  ~Pipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) {
      t.join();
    }
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  Status start(const std::string& dsn, const mappings::ProductLineRule& lines,
               const std::string& line) {
    for (int i = 0; i < std::max(1, options_.workers); ++i) {
      CB_ASSIGN_OR_RETURN(std::unique_ptr<odbc::Connection> conn, odbc::Connection::open(dsn));
      workers_.push_back(std::make_unique<StoreWorker>(std::move(conn), lines, line));
    }
    threads_.emplace_back([this] { decode(); });
    for (auto& w : workers_) {
      threads_.emplace_back([this, worker = w.get()] { work(*worker); });
    }
    return okStatus();
  }

  // The next range in order; nullptr after the last. The decoder's error,
  // after the ranges before it.
  Result<RangePtr> next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_.count(next_out_) > 0 || (decoded_ && next_out_ == made_); });
    auto it = done_.find(next_out_);
    if (it == done_.end()) {
      if (!decode_status_.ok()) {
        return decode_status_;
      }
      return RangePtr();
    }
    RangePtr r = std::move(it->second);
    done_.erase(it);
    ++next_out_;
    cv_.notify_all();
    return r;
  }

  std::atomic<int64_t> decode_ns{0}, sums_ns{0}, fetch_ns{0};

 private:
  // Cuts the legacy accounts into ranges tiling each prefix block.
  void decode() {
    Status status = okStatus();
    size_t block = 0;
    RangePtr r = fresh(blocks_.empty() ? std::string() : blocks_[0].begin);
    AccountRecord rec;
    while (!blocks_.empty()) {
      Result<bool> more = legacy_.next(&rec);
      if (!more.ok() || !*more) {
        status = more.ok() ? okStatus() : more.status();
        break;
      }
      while (block + 1 < blocks_.size() && rec.account.number >= blocks_[block + 1].begin) {
        r->hi = blocks_[block].end;
        if (!emit(std::move(r))) {
          return;
        }
        r = fresh(blocks_[++block].begin);
      }
      if (r->legacy.size() >= options_.range_accounts) {
        r->hi = rec.account.number;
        if (!emit(std::move(r))) {
          return;
        }
        r = fresh(rec.account.number);
      }
      r->legacy.push_back(std::move(rec));
      rec = AccountRecord();
    }
    if (status.ok()) {
      // The last range of the block, then the blocks with no legacy account.
      for (; block < blocks_.size(); ++block) {
        r->hi = blocks_[block].end;
        if (!emit(std::move(r))) {
          return;
        }
        r = block + 1 < blocks_.size() ? fresh(blocks_[block + 1].begin) : nullptr;
      }
    }
    decode_ns = threadCpuNanos();
    std::lock_guard<std::mutex> lock(mu_);
    decoded_ = true;
    decode_status_ = status;
    cv_.notify_all();
  }

  RangePtr fresh(std::string lo) const {
    auto r = std::make_shared<Range>();
    r->lo = std::move(lo);
    r->legacy.reserve(std::min<size_t>(options_.range_accounts, 4096));
    return r;
  }

  // Hands a range to the workers; false when the pipeline stops.
  bool emit(RangePtr r) {
    r->codes = codesOf(r->legacy);
    r->legacy_sums = legacySums(r->legacy, r->codes);
    const size_t limit = 4 * workers_.size() + 2;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || made_ - next_out_ < limit; });
    if (stop_) {
      return false;
    }
    r->index = made_++;
    todo_.push_back(std::move(r));
    cv_.notify_all();
    return true;
  }

  void work(StoreWorker& worker) {
    while (true) {
      RangePtr r;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !todo_.empty() || decoded_; });
        if (stop_ || todo_.empty()) {
          return;
        }
        r = std::move(todo_.front());
        todo_.pop_front();
      }
      worker.answer(*r, &sums_ns, &fetch_ns);
      std::lock_guard<std::mutex> lock(mu_);
      done_[r->index] = std::move(r);
      cv_.notify_all();
    }
  }

  ExtractSource& legacy_;
  const std::vector<PrefixBlock> blocks_;
  const ChecksumOptions options_;
  std::vector<std::unique_ptr<StoreWorker>> workers_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RangePtr> todo_;
  std::map<size_t, RangePtr> done_;
  size_t made_ = 0, next_out_ = 0;
  bool decoded_ = false, stop_ = false;
  Status decode_status_;
};

// Merges one range: the legacy accounts against the new side's (the
// legacy fields when the sums agreed, else the rows read), each new
// account with its postings of the day.
Status mergeRange(Range& r, Merge& merge, PostingCursor& postings, ChecksumStats* stats) {
  CB_RETURN_IF_ERROR(r.status);
  ++stats->ranges;
  ++(r.matched ? stats->ranges_matched : stats->ranges_fetched);
  stats->rows_fetched += r.rows_read;
  size_t l = 0, n = 0;
  const size_t fresh_count = r.matched ? r.legacy.size() : r.fresh.size();
  auto legacy = [&](AccountRecord* out) -> Result<bool> {
    if (l == r.legacy.size()) {
      return false;
    }
    // The account stays: a range whose sums agree gives it to the new side too.
    AccountRecord& rec = r.legacy[l++];
    out->account = rec.account;
    out->postings = std::move(rec.postings);
    stats->rows += 1 + out->postings.size();
    return true;
  };
  auto fresh = [&](AccountRecord* out) -> Result<bool> {
    if (n == fresh_count) {
      return false;
    }
    out->account = r.matched ? r.legacy[n].account : r.fresh[n];
    ++n;
    CB_RETURN_IF_ERROR(postings.postingsOf(out->account.number, &out->postings));
    stats->rows += 1 + out->postings.size();
    return true;
  };
  return merge.add(legacy, fresh);
}

Status notDigits(const std::string& line, const std::string& prefix) {
  return invalidArgument("product line " + line + ": prefix '" + prefix +
                         "' is not digits: the checksum method cuts account numbers into "
                         "ranges of digits (use --method rows)");
}

}  // namespace

Result<std::vector<PrefixBlock>> prefixBlocks(const mappings::ProductLineRule& lines,
                                              const std::string& line) {
  std::vector<PrefixBlock> blocks;
  for (const auto& [prefix, name] : lines.prefixes) {  // a std::map: sorted
    if (name != line) {
      continue;
    }
    if (prefix.empty() ||
        !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return notDigits(line, prefix);
    }
    std::string end = prefix;
    size_t i = end.size();
    while (i > 0 && end[i - 1] == '9') {
      end[--i] = '0';
    }
    if (i == 0) {
      end.clear();  // "99": no number of the same length follows
    } else {
      ++end[i - 1];
    }
    blocks.push_back({prefix, end});
  }
  return blocks;
}

Result<std::string> checksumRefusal(const std::string& dsn, const mappings::ProductLineRule& lines,
                                    const std::string& line) {
  Result<std::vector<PrefixBlock>> blocks = prefixBlocks(lines, line);
  if (!blocks.ok()) {
    return blocks.status().message();
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<odbc::Connection> conn, odbc::Connection::open(dsn));
  if (conn->dialect().kind() != odbc::DialectKind::kMariaDb) {
    return std::string();
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<odbc::Statement> st,
                      conn->prepare("SELECT COUNT(*) FROM nc_accounts WHERE account_id REGEXP "
                                    "'[[:cntrl:]]'"));
  CB_RETURN_IF_ERROR(st->execute());
  CB_ASSIGN_OR_RETURN(bool row, st->fetch());
  CB_ASSIGN_OR_RETURN(int64_t n, row ? st->getInt64(1) : Result<int64_t>(0));
  if (n == 0) {
    return std::string();
  }
  return std::to_string(n) +
         " account numbers in nc_accounts hold control characters, which MariaDB's collation "
         "sorts outside the ranges of their prefix";
}

Result<Reconciliation> runChecksum(ExtractSource& legacy, const std::string& dsn,
                                   const mappings::ProductLineRule& lines, const std::string& line,
                                   int64_t business_date, const ChecksumOptions& options,
                                   ChecksumStats* stats) {
  const int64_t cpu0 = threadCpuNanos();
  CB_ASSIGN_OR_RETURN(std::vector<PrefixBlock> blocks, prefixBlocks(lines, line));
  Result<std::unique_ptr<PostingCursor>> opened =
      PostingCursor::open(dsn, lines, line, business_date);
  if (!opened.ok()) {
    return opened.status().withContext("--new-store");
  }
  std::unique_ptr<PostingCursor> postings = std::move(*opened);
  SnapshotKeys keys(dsn);
  *stats = ChecksumStats();
  legacy.timeCalls(false);  // the decoder thread's CPU time is the decode's
  Merge merge(options.keep,
              [&](const std::string&, const Posting& p) { return keys.answeredOk(p.txn_id); });
  {
    Pipeline pipeline(legacy, std::move(blocks), options);
    if (Status s = pipeline.start(dsn, lines, line); !s.ok()) {
      return s.withContext("--new-store");
    }
    while (true) {
      CB_ASSIGN_OR_RETURN(RangePtr r, pipeline.next());
      if (r == nullptr) {
        break;
      }
      CB_RETURN_IF_ERROR(mergeRange(*r, merge, *postings, stats));
    }
    CB_RETURN_IF_ERROR(postings->finish());
    stats->decode_ns = pipeline.decode_ns;
    stats->sums_ns = pipeline.sums_ns;
    stats->fetch_ns = pipeline.fetch_ns;
  }
  Reconciliation r = merge.take();
  if (!keys.error().ok()) {
    return keys.error().withContext("--new-store");
  }
  for (const Difference& d : postings->orphans()) {
    addDifference(&r, d, options.keep);
  }
  stats->postings_ns = postings->busyNanos();
  stats->merge_ns = std::max<int64_t>(0, threadCpuNanos() - cpu0 - stats->postings_ns);
  return r;
}

}  // namespace corebridge::tools::reconcile

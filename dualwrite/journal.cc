#include "dualwrite/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "dualwrite/crc32c.h"

namespace corebridge::dualwrite {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "journal-";
constexpr std::string_view kSuffix = ".log";
constexpr size_t kCrcOffset = 4;
constexpr size_t kCoveredOffset = 8;  // the CRC covers type, seq and payload

Status ioError(const std::string& path, const char* op, int err) {
  return unavailable(path + ": " + op + ": " + std::strerror(err));
}

void putU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
  }
}

void putU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
  }
}

uint32_t getU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

uint64_t getU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

void encodeRecord(std::string* out, RecordType type, uint64_t seq, std::string_view payload) {
  const size_t start = out->size();
  putU32(out, static_cast<uint32_t>(payload.size()));
  putU32(out, 0);  // the CRC, filled in below
  out->push_back(static_cast<char>(type));
  putU64(out, seq);
  out->append(payload);
  const uint32_t crc = crc32c::mask(crc32c::extend(0, out->data() + start + kCoveredOffset,
                                                   out->size() - start - kCoveredOffset));
  for (int i = 0; i < 4; ++i) {
    (*out)[start + kCrcOffset + i] = static_cast<char>((crc >> (8 * i)) & 0xFFU);
  }
}

// Parses the frame at `off`. True only for a complete frame whose CRC matches
// and whose type is not 0.
bool parseAt(std::string_view data, size_t off, Record* rec, size_t* frame_bytes) {
  if (data.size() - off < kHeaderBytes) {
    return false;
  }
  const char* p = data.data() + off;
  const uint32_t length = getU32(p);
  if (length > kMaxPayloadBytes || length > data.size() - off - kHeaderBytes) {
    return false;
  }
  const auto type = static_cast<uint8_t>(p[kCoveredOffset]);
  if (type == 0) {
    return false;
  }
  const uint32_t crc = crc32c::unmask(getU32(p + kCrcOffset));
  if (crc != crc32c::extend(0, p + kCoveredOffset, kHeaderBytes - kCoveredOffset + length)) {
    return false;
  }
  rec->type = static_cast<RecordType>(type);
  rec->seq = getU64(p + kCoveredOffset + 1);
  rec->payload.assign(p + kHeaderBytes, length);
  *frame_bytes = kHeaderBytes + length;
  return true;
}

Status syncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ioError(dir, "open", errno);
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? okStatus() : ioError(dir, "fsync", err);
}

Result<std::string> readFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return ioError(path, "open", errno);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ioError(path, "read", err);
    }
    if (n == 0) {
      break;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

Status truncateFile(const std::string& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return ioError(path, "open", errno);
  }
  Status st;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    st = ioError(path, "ftruncate", errno);
  } else if (::fdatasync(fd) != 0) {
    st = ioError(path, "fdatasync", errno);
  }
  ::close(fd);
  return st;
}

// The first seq named by `journal-<digits>.log`, or false for any other name.
bool parseSegmentName(const std::string& name, uint64_t* first_seq) {
  if (name.size() < kPrefix.size() + 12 + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return false;
  }
  const char* begin = name.data() + kPrefix.size();
  const char* end = name.data() + name.size() - kSuffix.size();
  if (!std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [ptr, ec] = std::from_chars(begin, end, *first_seq);
  return ec == std::errc() && ptr == end;
}

Status corruptAt(const std::string& name, uint64_t offset, const std::string& what) {
  return dataLoss("journal segment " + name + " at byte offset " + std::to_string(offset) + ": " +
                  what);
}

// Recovery state carried from segment to segment.
struct Scan {
  uint64_t expected_seq = 0;  // the seq the next record must carry
  uint64_t last_file_bytes = 0;
  uint64_t last_file_records = 0;
};

// Reads one segment, appending its records. Zeros to the end are the end (in
// the last segment they are trimmed). In the last segment a bad record with
// no valid record after it is a torn tail and is cut; anything else bad is
// DataLoss.
Status scanSegment(const std::string& path, const std::string& name, uint64_t name_seq, bool last,
                   Scan* scan, std::vector<Record>* out, RecoveryReport* report) {
  if (name_seq != scan->expected_seq) {
    return corruptAt(name, 0,
                     "segment starts at seq " + std::to_string(name_seq) + " but seq " +
                         std::to_string(scan->expected_seq) +
                         " was expected (a segment is missing, or the end of the one before)");
  }
  CB_ASSIGN_OR_RETURN(const std::string data, readFile(path));
  const std::string_view view(data);
  size_t off = 0;
  uint64_t records = 0;
  Record rec;
  while (off < view.size()) {
    size_t n = 0;
    if (parseAt(view, off, &rec, &n)) {
      if (rec.seq != scan->expected_seq) {
        return corruptAt(name, off,
                         "record has seq " + std::to_string(rec.seq) + " where seq " +
                             std::to_string(scan->expected_seq) + " was expected");
      }
      if (out != nullptr) {
        out->push_back(std::move(rec));
        rec = Record();
      }
      ++scan->expected_seq;
      ++records;
      off += n;
      continue;
    }
    // Zeros to the end: where the records end, the rest preallocated (type
    // 0 is reserved, so no record starts with a zero header). A segment
    // after this one must then continue the seqs, which catches records
    // lost to zeros in a segment that is not the last.
    size_t nonzero_end = view.size();
    while (nonzero_end > off && view[nonzero_end - 1] == '\0') {
      --nonzero_end;
    }
    if (nonzero_end == off) {
      if (last) {
        CB_RETURN_IF_ERROR(truncateFile(path, off));  // appending resumes here
      }
      break;
    }
    if (!last) {
      return corruptAt(name, off,
                       "bad record (CRC, length or type) in a segment that is not the last");
    }
    // A torn write leaves garbage only at the end. A valid record further on,
    // carrying a seq that could follow, means the damage is in the middle.
    const uint64_t max_seq = scan->expected_seq + (nonzero_end - off) / kHeaderBytes + 1;
    for (size_t o = off + 1; o < nonzero_end && o + kHeaderBytes <= view.size(); ++o) {
      const uint64_t seq = getU64(view.data() + o + kCoveredOffset + 1);
      if (seq < scan->expected_seq || seq > max_seq) {
        continue;
      }
      size_t m = 0;
      Record later;
      if (parseAt(view, o, &later, &m)) {
        return corruptAt(name, off,
                         "bad record followed by a valid record (seq " + std::to_string(later.seq) +
                             ") at byte offset " + std::to_string(o));
      }
    }
    CB_RETURN_IF_ERROR(truncateFile(path, off));
    report->bytes_cut = nonzero_end - off;
    report->cut_segment = name;
    report->cut_offset = off;
    break;
  }
  report->records += records;
  scan->last_file_bytes = off;
  scan->last_file_records = records;
  return okStatus();
}

// Writes all of `data` at `offset`.
Status pwriteAll(int fd, const std::string& path, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return ioError(path, "pwrite", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return okStatus();
}

// Appends at `end_` with pwrite. With preallocation, the file is kept
// zero-filled up to `filled_` (a multiple of the step past `end_`): the
// batch that would cross it writes the next steps' zeros first, so the file
// size changes once a step, not once a batch. Closing trims the zeros.
class PosixJournalFile : public JournalFile {
 public:
  PosixJournalFile(int fd, std::string path, uint64_t end, uint64_t step)
      : fd_(fd), path_(std::move(path)), step_(step), end_(end), filled_(end) {}
  ~PosixJournalFile() override {
    if (filled_ > end_) {
      (void)::ftruncate(fd_, static_cast<off_t>(end_));  // tidiness only: recovery reads zeros
    }
    ::close(fd_);
  }
  PosixJournalFile(const PosixJournalFile&) = delete;
  PosixJournalFile& operator=(const PosixJournalFile&) = delete;

  // JournalFile
  Status append(std::string_view data) override {
    if (step_ > 0 && end_ + data.size() > filled_) {
      CB_RETURN_IF_ERROR(zeroFillPast(end_ + data.size()));
    }
    Status st = pwriteAll(fd_, path_, data, end_);
    // After a failure some prefix may be written; the journal fails closed.
    end_ += data.size();
    return st;
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) {
      return ioError(path_, "fdatasync", errno);
    }
    return okStatus();
  }

 private:
  // Zero-fills from filled_ to the first step boundary past `needed`.
  Status zeroFillPast(uint64_t needed) {
    static const std::string kZeros(64U << 10, '\0');
    const uint64_t target = (needed / step_ + 1) * step_;
    while (filled_ < target) {
      const uint64_t n = std::min<uint64_t>(kZeros.size(), target - filled_);
      CB_RETURN_IF_ERROR(pwriteAll(fd_, path_, std::string_view(kZeros).substr(0, n), filled_));
      filled_ += n;
    }
    return okStatus();
  }

  const int fd_;
  const std::string path_;
  const uint64_t step_;
  uint64_t end_;     // where the next append goes
  uint64_t filled_;  // the file's size: zeros from end_ to here
};

class PosixJournalEnv : public JournalEnv {
 public:
  // JournalEnv
  Result<std::unique_ptr<JournalFile>> openAppendable(const std::string& path,
                                                      uint64_t preallocate_bytes) override {
    constexpr int kFlags = O_WRONLY | O_CLOEXEC;
    int fd = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0644);
    const bool created = fd >= 0;
    if (fd < 0 && errno == EEXIST) {
      fd = ::open(path.c_str(), kFlags);
    }
    if (fd < 0) {
      return ioError(path, "open", errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ioError(path, "fstat", err);
    }
    auto file = std::make_unique<PosixJournalFile>(fd, path, static_cast<uint64_t>(st.st_size),
                                                   preallocate_bytes);
    if (created) {
      CB_RETURN_IF_ERROR(syncDir(fs::path(path).parent_path().string()));
    }
    return std::unique_ptr<JournalFile>(std::move(file));
  }
};

}  // namespace

JournalEnv* posixJournalEnv() {
  static PosixJournalEnv env;
  return &env;
}

struct Journal::Writer {
  RecordType type = RecordType::kIntent;
  std::string_view payload;
  uint64_t seq = 0;       // assigned when queued (none for a marker)
  bool deferred = false;  // owned by the queue, nobody waits: deleted once written
  bool marker = false;    // flush(): no record, only a place in the queue
  std::string owned;      // a deferred record's copy of its payload
  Status status;
  bool done = false;  // guarded by mu_
  std::condition_variable cv;
};

std::string Journal::segmentName(uint64_t first_seq) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "journal-%012" PRIu64 ".log", first_seq);
  return buf;
}

Journal::Journal(std::string dir, const JournalOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      env_(options.env != nullptr ? options.env : posixJournalEnv()) {}

Journal::~Journal() {
  if (flusher_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    flusher_.join();
  }
  // Deferred records still queued are written now (best effort: a failure
  // here only loses what a crash would have lost).
  (void)flush();
  std::lock_guard lock(mu_);
  for (Writer* x : queue_) {
    delete x;  // only deferred ones can be left: a failed journal queues no more
  }
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& dir,
                                               const JournalOptions& options,
                                               std::vector<Record>* recovered,
                                               RecoveryReport* report) {
  if (options.segment_bytes == 0 || options.max_batch_bytes == 0) {
    return invalidArgument("journal options: segment_bytes and max_batch_bytes must be > 0");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return unavailable(dir + ": create_directories: " + ec.message());
  }
  std::vector<Segment> segments;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    uint64_t first_seq = 0;
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && parseSegmentName(name, &first_seq)) {
      segments.push_back({first_seq, entry.path().string()});
    }
  }
  if (ec) {
    return unavailable(dir + ": directory_iterator: " + ec.message());
  }
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.first_seq < b.first_seq; });

  RecoveryReport local_report;
  RecoveryReport* rep = report != nullptr ? report : &local_report;
  *rep = RecoveryReport();
  Scan scan;
  scan.expected_seq = segments.empty() ? 1 : segments.front().first_seq;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string name = fs::path(segments[i].path).filename().string();
    CB_RETURN_IF_ERROR(scanSegment(segments[i].path, name, segments[i].first_seq,
                                   i + 1 == segments.size(), &scan, recovered, rep));
  }
  rep->segments = segments.size();
  rep->next_seq = scan.expected_seq;

  std::unique_ptr<Journal> journal(new Journal(dir, options));
  journal->next_seq_ = scan.expected_seq;
  if (segments.empty()) {
    segments.push_back(
        {scan.expected_seq, (fs::path(dir) / segmentName(scan.expected_seq)).string()});
    journal->stats_.segments_created = 1;
  }
  CB_ASSIGN_OR_RETURN(journal->file_, journal->env_->openAppendable(segments.back().path,
                                                                    options.preallocate_bytes));
  journal->file_bytes_ = scan.last_file_bytes;
  journal->file_records_ = scan.last_file_records;
  journal->segments_ = std::move(segments);
  if (options.deferred_flush_period.count() > 0) {
    Journal* j = journal.get();
    journal->flusher_ = std::thread([j] { j->flushLoop(); });
  }
  return journal;
}

Status Journal::checkRecord(RecordType type, std::string_view payload) {
  if (static_cast<uint8_t>(type) == 0) {
    return invalidArgument("journal record type 0 is reserved");
  }
  if (payload.size() > kMaxPayloadBytes) {
    return invalidArgument("journal payload of " + std::to_string(payload.size()) +
                           " bytes exceeds the maximum of " + std::to_string(kMaxPayloadBytes));
  }
  return okStatus();
}

Result<uint64_t> Journal::append(RecordType type, std::string_view payload) {
  CB_RETURN_IF_ERROR(checkRecord(type, payload));
  Writer w;
  w.type = type;
  w.payload = payload;
  CB_RETURN_IF_ERROR(queueAndWait(&w));
  return w.seq;
}

Result<uint64_t> Journal::appendDeferred(RecordType type, std::string_view payload) {
  CB_RETURN_IF_ERROR(checkRecord(type, payload));
  auto w = std::make_unique<Writer>();
  w->type = type;
  w->deferred = true;
  w->owned.assign(payload);
  w->payload = w->owned;  // the Writer does not move again: the view stays valid
  std::lock_guard lock(mu_);
  if (!failed_.ok()) {
    return failed_;
  }
  w->seq = next_seq_++;
  const uint64_t seq = w->seq;
  queue_.push_back(w.release());
  return seq;
}

void Journal::flushLoop() {
  std::unique_lock lock(mu_);
  uint64_t seen = 0;  // the newest seq handed out at the previous look
  while (!stop_cv_.wait_for(lock, options_.deferred_flush_period, [this] { return stopping_; })) {
    // A deferred record numbered before the previous look has waited a
    // whole period without a batch: nothing else is appending.
    const bool stale = std::any_of(queue_.begin(), queue_.end(), [seen](const Writer* x) {
      return x->deferred && x->seq <= seen;
    });
    seen = next_seq_ - 1;
    if (stale) {
      lock.unlock();
      (void)flush();  // a failure has failed the journal closed; appenders hear it
      lock.lock();
    }
  }
}

Status Journal::flush() {
  Writer marker;
  marker.marker = true;
  return queueAndWait(&marker);
}

Status Journal::queueAndWait(Writer* w) {
  std::unique_lock lock(mu_);
  if (!failed_.ok()) {
    return failed_;
  }
  if (w->marker && queue_.empty()) {
    return okStatus();  // nothing queued or in flight: every batch was synced
  }
  if (!w->marker) {
    w->seq = next_seq_++;
  }
  queue_.push_back(w);
  while (!w->done) {
    if (leading_) {
      w->cv.wait(lock);
    } else {
      leadBatch(lock, w);
    }
  }
  return w->status;
}

void Journal::leadBatch(std::unique_lock<std::mutex>& lock, const Writer* self) {
  // Take the queue from the front (up to max_batch_bytes, at least one), and
  // do the I/O without the lock so that new appenders can queue meanwhile.
  leading_ = true;
  size_t count = 0;
  size_t records = 0;
  size_t bytes = 0;
  uint64_t first_seq = 0;
  for (const Writer* x : queue_) {
    const size_t n = x->marker ? 0 : kHeaderBytes + x->payload.size();
    if (count > 0 && bytes + n > options_.max_batch_bytes) {
      break;
    }
    ++count;
    bytes += n;
    if (!x->marker) {
      first_seq = records == 0 ? x->seq : first_seq;
      ++records;
    }
  }
  std::vector<Writer*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
  Status st = failed_;
  lock.unlock();

  bool rotated = false;
  if (st.ok() && records > 0) {
    buffer_.clear();
    for (const Writer* x : batch) {
      if (!x->marker) {
        encodeRecord(&buffer_, x->type, x->seq, x->payload);
      }
    }
    st = writeBatch(first_seq, records, &rotated);
  }

  lock.lock();
  if (rotated) {
    segments_.push_back(pending_segment_);
    ++stats_.segments_created;
  }
  if (st.ok() && records > 0) {
    stats_.appends += records;
    ++stats_.batches;
  } else if (!st.ok() && failed_.ok()) {
    failed_ = st.withContext("journal " + dir_ + " failed closed at seq " +
                             std::to_string(first_seq) + "; reopen it on a healthy disk");
  }
  const Status result = st.ok() ? okStatus() : failed_;
  for (Writer* x : batch) {
    queue_.pop_front();
    if (x->deferred) {
      delete x;
      continue;
    }
    x->status = result;
    x->done = true;
    if (x != self) {
      x->cv.notify_one();
    }
  }
  leading_ = false;
  // The next waiting appender leads the next batch (deferred records wait
  // for one).
  for (Writer* x : queue_) {
    if (!x->deferred) {
      x->cv.notify_one();
      break;
    }
  }
}

Status Journal::writeBatch(uint64_t first_seq, size_t records, bool* rotated) {
  if (file_records_ > 0 && file_bytes_ >= options_.segment_bytes) {
    Segment seg{first_seq, (fs::path(dir_) / segmentName(first_seq)).string()};
    CB_ASSIGN_OR_RETURN(auto file, env_->openAppendable(seg.path, options_.preallocate_bytes));
    // The old segment was synced at the end of its last batch.
    file_ = std::move(file);
    file_bytes_ = 0;
    file_records_ = 0;
    pending_segment_ = std::move(seg);
    *rotated = true;
  }
  CB_RETURN_IF_ERROR(file_->append(buffer_));
  file_bytes_ += buffer_.size();
  CB_RETURN_IF_ERROR(file_->sync());
  file_records_ += records;
  return okStatus();
}

Status Journal::truncateBefore(uint64_t seq) {
  // Truncations are serialised so that deletions happen oldest first even
  // with two callers; appenders never take truncate_mu_.
  std::lock_guard truncating(truncate_mu_);
  std::vector<Segment> doomed;
  {
    std::lock_guard lock(mu_);
    size_t k = 0;
    while (k + 1 < segments_.size() && segments_[k + 1].first_seq <= seq) {
      ++k;
    }
    doomed.assign(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(k));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(k));
  }
  for (size_t i = 0; i < doomed.size(); ++i) {
    Status st;
    if (::unlink(doomed[i].path.c_str()) != 0 && errno != ENOENT) {
      st = ioError(doomed[i].path, "unlink", errno);
    } else {
      st = syncDir(dir_);
    }
    if (!st.ok()) {
      std::lock_guard lock(mu_);
      // The failed one may or may not be gone; keep it listed so a retry tries again.
      segments_.insert(segments_.begin(), doomed.begin() + static_cast<std::ptrdiff_t>(i),
                       doomed.end());
      return st;
    }
    std::lock_guard lock(mu_);
    ++stats_.segments_deleted;
  }
  return okStatus();
}

Status Journal::health() const {
  std::lock_guard lock(mu_);
  return failed_;
}

JournalStats Journal::stats() const {
  std::lock_guard lock(mu_);
  JournalStats s = stats_;
  s.queued = queue_.size();
  return s;
}

}  // namespace corebridge::dualwrite

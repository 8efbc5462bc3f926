// Journal: the bridge's append-only intent log on local disk (issue 6).
//
// The write path records an intent before the primary call and each side's
// outcome after it; nothing is acknowledged to a channel until its record is
// durable. The journal is the only thing that makes that promise, so it is
// small and strict:
//
//   * append(type, payload) returns only once the record is on disk
//     (fdatasync). It returns the record's sequence number, assigned by the
//     journal: dense, strictly increasing, starting at 1, continuing across
//     reopen.
//   * Group commit: concurrent appenders share one write and one fdatasync.
//     One waiting appender at a time (the leader) writes the queue and syncs;
//     the others (followers) wait on their own condition variable. The mutex
//     is held only to enqueue, to pick the batch and to hand out the results,
//     never across write(2) or fdatasync(2).
//   * Deferred records: appendDeferred() queues a record and returns; it
//     rides in the next batch that a waiting appender leads.
//   * Fail closed: if a write, an fdatasync or a segment creation fails (ENOSPC,
//     EIO...), every appender of that batch gets an error and the journal is
//     failed: every later append returns the same Unavailable status. A record
//     whose append returned an error is NOT acknowledged, though it may still
//     be found at the next recovery (a failed fdatasync does not unwrite
//     bytes); the bridge must treat such a recovered intent as unfinished, as
//     it treats any other. The converse is what matters: every record whose
//     append returned OK is recovered.
//     Code: Unavailable, not DataLoss. Nothing stored is known to be corrupt;
//     the request must not be answered now, and can be retried by the channel
//     (same idempotency key) once the bridge has reopened the journal on a
//     healthy disk. A Journal object never recovers from the failed state.
//   * Segments: files `journal-%012llu.log` in one directory, named by the
//     sequence number of their first record. The leader rotates to a new
//     segment before a batch when the current one holds at least
//     `segment_bytes`. truncateBefore(seq) deletes the segments all of whose
//     records have a smaller sequence number (never the segment being
//     written).
//   * Recovery (open): every segment is read in order. A torn or corrupt tail
//     of the LAST segment (a partial record, or a CRC mismatch with no valid
//     record after it) is cut: the file is truncated to the end of the last
//     good record and the RecoveryReport says how many bytes went. Anything
//     else (a bad record followed by a valid one, a bad record in an older
//     segment, a gap or disorder in sequence numbers) fails open() with
//     DataLoss naming the segment file and the byte offset; the journal does
//     not guess. Zeros from some offset to the end of a segment are where
//     its records end (preallocation: record type 0 is reserved), in any
//     segment; the last segment's zeros are trimmed, and are not a cut.
//
// Record format (docs/journal.md has the grammar): length u32 LE (of the
// payload), masked CRC-32C u32 LE over type+seq+payload, type u8, seq u64 LE,
// payload.
//
// Thread-safety: append(), appendDeferred(), flush() and truncateBefore() may be called from any
// number of threads concurrently; stats() too. open() and the destructor must not race with
// anything (destroy the journal only once no append is in flight). One Journal per directory per
// process, and one process per directory: the journal does not lock the directory against a second
// opener.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"

namespace corebridge::dualwrite {

// What a record means to the bridge. The journal stores the byte and checks
// it is not 0 (reserved so that a zero-filled tail never parses as a record);
// it does not interpret payloads.
enum class RecordType : uint8_t {
  kIntent = 1,            // the request, before the primary call
  kPrimaryOutcome = 2,    // the primary's answer; the channel may be replied to after this
  kSecondaryOutcome = 3,  // the secondary's answer (or a terminal failure) from the outbox worker
  kSettled = 4,           // both sides done; the intent needs no replay
};

struct Record {
  RecordType type = RecordType::kIntent;
  uint64_t seq = 0;
  std::string payload;
};

// Frame constants, shared with docs/journal.md and the tests.
inline constexpr size_t kHeaderBytes = 17;  // length(4) crc(4) type(1) seq(8)
inline constexpr uint32_t kMaxPayloadBytes = 16U << 20;

// The I/O seam: one segment file open for appending. Implementations need not
// be thread-safe; the journal calls a file from one thread at a time (the
// current leader).
class JournalFile {
 public:
  virtual ~JournalFile() = default;  // closes the file
  // Writes all of `data` after what was appended before (at first: at the
  // end of the file), or returns an error (after which some prefix of `data`
  // may have been written).
  virtual Status append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status sync() = 0;
};

// Opens segment files. The journal's only seam to the disk for writing, so a
// test can wrap the POSIX one and fail writes or syncs on demand (LevelDB's
// EnvWrapper style). Reading, truncating and deleting during recovery and
// truncateBefore use POSIX directly. Must be thread-safe.
class JournalEnv {
 public:
  virtual ~JournalEnv() = default;
  // Opens `path` for appending, creating it if absent; on creation the
  // directory is synced so that the new name is durable. With
  // `preallocate_bytes` > 0 the file may be zero-filled ahead of what was
  // appended, in steps of that many bytes; what is past the appended bytes
  // is zeros, and closing the file trims it (a crash may leave it).
  virtual Result<std::unique_ptr<JournalFile>> openAppendable(const std::string& path,
                                                              uint64_t preallocate_bytes) = 0;
};

// The process-wide POSIX env (open/pwrite/fdatasync; zero-fills ahead by
// writing zeros, docs/journal.md "Preallocation"). Never null; not owned.
JournalEnv* posixJournalEnv();

struct JournalOptions {
  // Rotate to a new segment before a batch once the current one holds this many bytes.
  uint64_t segment_bytes = 64ULL << 20;
  // A leader stops adding queued records to its batch past this many bytes
  // (it always takes at least one; it leads again until its own is written).
  size_t max_batch_bytes = 4U << 20;
  // Segment files are zero-filled this far ahead of the records, a step at a
  // time, so that a batch's fdatasync writes data into blocks the file
  // already has and need not commit a new file size too (on ext4, a
  // quarter to a third less per sync; docs/journal.md). The batch that
  // crosses into a new step writes the step's zeros too. 0: plain appends
  // (copy-on-write filesystems, where zero-filling saves nothing).
  uint64_t preallocate_bytes = 1ULL << 20;
  // Not owned; must outlive the journal. Null means posixJournalEnv().
  JournalEnv* env = nullptr;
  // A background thread looks this often for deferred records that no batch
  // has carried since its last look (traffic stopped), and flushes them; so
  // a deferred record waits at most about twice this. 0: no thread (records
  // wait for the next append or flush).
  std::chrono::milliseconds deferred_flush_period{20};
};

struct RecoveryReport {
  size_t segments = 0;    // segment files read
  uint64_t records = 0;   // records recovered
  uint64_t next_seq = 1;  // the sequence number the next append gets
  uint64_t bytes_cut =
      0;  // torn bytes cut off the last segment (a zero-filled rest is not counted)
  std::string cut_segment;  // that segment's file name, if bytes_cut > 0
  uint64_t cut_offset = 0;  // where it was cut (the end of the last good record)
};

struct JournalStats {
  uint64_t appends = 0;  // records made durable
  uint64_t batches = 0;  // write+sync rounds (one fdatasync each)
  uint64_t segments_created = 0;
  uint64_t segments_deleted = 0;
  size_t queued = 0;  // records (and flushes) queued or in the batch being written
};

class Journal {
 public:
  // Recovers `dir` (created if missing) and opens it for appending. Every
  // recovered record is appended to `*recovered` in sequence order (it may be
  // null to discard them). `*report`, if not null, describes the recovery.
  // Errors: DataLoss (corruption other than a torn tail; the message names the
  // file and offset), Unavailable (I/O), InvalidArgument (bad options).
  static Result<std::unique_ptr<Journal>> open(const std::string& dir,
                                               const JournalOptions& options,
                                               std::vector<Record>* recovered,
                                               RecoveryReport* report = nullptr);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one record and blocks until it is durable; returns its sequence
  // number. Errors: InvalidArgument (type 0, payload over kMaxPayloadBytes:
  // nothing written, the journal stays healthy), Unavailable (I/O failed now
  // or earlier: the journal has failed closed).
  Result<uint64_t> append(RecordType type, std::string_view payload);

  // Queues one record (a copy of `payload`) and returns its sequence number
  // at once, without waiting: the record is written and synced with the next
  // batch, led by the next append() or flush(). Until then a crash loses it,
  // and with it every later record (seq order is file order), so use it only
  // for a record whose loss recovery repairs (a primary outcome: the intent
  // is replayed under its idempotency key). Errors as append(); an I/O
  // failure of the batch that carries it fails the journal closed, which the
  // next append() reports.
  Result<uint64_t> appendDeferred(RecordType type, std::string_view payload);

  // Blocks until every record queued before the call is durable. OK at once
  // when nothing is queued. Errors: Unavailable (the journal failed closed).
  Status flush();

  // Deletes every segment whose records all have seq < `seq`, oldest first,
  // syncing the directory after each so that a crash leaves a contiguous run.
  // The segment being written is never deleted. Errors: Unavailable (I/O).
  Status truncateBefore(uint64_t seq);

  // OK, or the status that failed the journal closed.
  Status health() const;
  JournalStats stats() const;
  const std::string& dir() const { return dir_; }

  // `journal-%012llu.log` for a segment whose first record is `first_seq`.
  static std::string segmentName(uint64_t first_seq);

 private:
  struct Writer;
  struct Segment {
    uint64_t first_seq = 0;
    std::string path;
  };

  Journal(std::string dir, const JournalOptions& options);

  // Validates a record before it is queued.
  static Status checkRecord(RecordType type, std::string_view payload);
  // Queues `w` (numbering it unless it is a flush marker) and blocks until a
  // batch has carried it, leading batches while no one else does.
  Status queueAndWait(Writer* w);
  // Under `lock` (mu_), with no batch in flight: takes a batch off the front
  // of the queue, writes and syncs it without the lock, completes its writers
  // and wakes the next waiting one.
  void leadBatch(std::unique_lock<std::mutex>& lock, const Writer* self);
  // The deferred_flush_period thread.
  void flushLoop();
  // Leader only, without mu_: rotates if needed, writes and syncs `buffer_`.
  Status writeBatch(uint64_t first_seq, size_t records, bool* rotated);

  const std::string dir_;
  const JournalOptions options_;
  JournalEnv* const env_;

  std::mutex truncate_mu_;  // serialises truncateBefore; held across its unlinks
  mutable std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; in seq order, oldest first
  bool leading_ = false;       // guarded by mu_: a batch is being written
  bool stopping_ = false;      // guarded by mu_: the destructor runs
  std::condition_variable stop_cv_;
  std::thread flusher_;            // started by open() when deferred_flush_period > 0
  Status failed_;                  // guarded by mu_
  uint64_t next_seq_ = 1;          // guarded by mu_
  std::vector<Segment> segments_;  // guarded by mu_; back() is being written
  JournalStats stats_;             // guarded by mu_ (queued is computed)

  // Owned by the current leader (only one at a time: leading_), so not
  // guarded by mu_.
  std::unique_ptr<JournalFile> file_;
  uint64_t file_bytes_ = 0;
  uint64_t file_records_ = 0;
  std::string buffer_;
  Segment pending_segment_;  // created by a rotation, published under mu_ after the batch
};

}  // namespace corebridge::dualwrite

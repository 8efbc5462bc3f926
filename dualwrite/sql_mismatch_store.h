// SqlMismatchStore: the MismatchSink in a SQL database through unixODBC
// (adapters/odbc/): SQLite by default ("Driver=SQLite3;Database=PATH"),
// PostgreSQL, MariaDB.
//
// record() never waits for the database: it copies the mismatch into a
// bounded in-memory queue and returns. One writer thread drains the queue in
// batches, each batch one transaction (adapters::odbc::runTransaction,
// retried on Aborted and Unavailable). When the queue is full, record()
// drops the mismatch and counts it in dropped(); a batch that still fails
// after the retries is counted in writeFailures() and logged (logger
// "dualwrite"). flush() waits until everything queued so far is written;
// the destructor writes what is queued, then stops the writer (when a batch
// fails while closing, the rest is counted as failed rather than retried).
//
// Schema (versioned like the new core's, table dw_schema_migrations; see
// docs/comparator.md):
//   dw_mismatches        one row per mismatch: mismatch_id (text key),
//                        time_us (microseconds since the epoch, UTC), time_utc
//                        (ISO 8601 text), trancode, product_line, stage,
//                        primary_side, txn_id, account (masked),
//                        difference_count, legacy_payload, new_payload (JSON)
//   dw_mismatch_fields   one row per difference: mismatch_id, seq, kind,
//                        path, field, legacy_value, new_value
// Nothing unmasked is written: the account is masked again on the way in,
// and so are the values of account-named differences (isAccountFieldName).
//
// Errors: open() returns Unavailable when the database cannot be reached,
// FailedPrecondition for a schema newer than this build (or, read_only, no
// mismatch store at all); the queries return what the ODBC layer returns.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/odbc/pool.h"
#include "adapters/odbc/transaction.h"
#include "common/status.h"
#include "dualwrite/mismatch_sink.h"

namespace corebridge::dualwrite {

struct MismatchStoreOptions {
  size_t queue_capacity = 10000;  // mismatches waiting to be written
  size_t batch_size = 256;        // mismatches per transaction
  size_t pool_size = 2;           // the writer's connection and one for queries
  // Query only: no migrations, no writer; record() drops everything.
  // open() fails with FailedPrecondition when the schema is missing.
  bool read_only = false;
  adapters::odbc::RetryPolicy retry{8, std::chrono::milliseconds(5), std::chrono::milliseconds(500),
                                    true};
};

struct MismatchFilter {
  std::string trancode;      // "" any
  std::string product_line;  // "" any
  std::string field;         // a difference's field name or its full path; "" any
  std::optional<std::chrono::system_clock::time_point> since;  // inclusive
  size_t limit = 100;                                          // 0: no limit
};

struct FieldCount {
  std::string field;
  int64_t mismatches = 0;   // mismatches with at least one difference in the field
  int64_t differences = 0;  // differences in the field (a table counts each subscript)
};

class SqlMismatchStore : public MismatchSink {
 public:
  // Connects to `connection_string`, brings the schema to the newest version
  // and starts the writer (unless read_only).
  static Result<std::unique_ptr<SqlMismatchStore>> open(const std::string& connection_string,
                                                        MismatchStoreOptions options = {});
  ~SqlMismatchStore() override;

  SqlMismatchStore(const SqlMismatchStore&) = delete;
  SqlMismatchStore& operator=(const SqlMismatchStore&) = delete;

  // MismatchSink
  void record(const Mismatch& mismatch) override;

  // Waits until every mismatch recorded before the call is written (or has
  // failed to be); false when that took longer than `timeout`.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Mismatches matching `filter`, newest first, with their differences.
  Result<std::vector<Mismatch>> list(const MismatchFilter& filter = {});
  // Per difference field, how often it differed, most frequent first; the
  // filter's trancode, product_line and since apply (field and limit do not).
  Result<std::vector<FieldCount>> countsByField(const MismatchFilter& filter = {});

  // Counters since open().
  uint64_t recorded() const { return recorded_.load(); }             // accepted into the queue
  uint64_t dropped() const { return dropped_.load(); }               // queue full (or read_only)
  uint64_t written() const { return written_.load(); }               // committed
  uint64_t writeFailures() const { return write_failures_.load(); }  // lost after retries

  int schemaVersion() const { return schema_version_; }

 private:
  SqlMismatchStore(std::unique_ptr<adapters::odbc::ConnectionPool> pool,
                   MismatchStoreOptions options, int schema_version);
  void writerLoop();
  Status writeBatch(const std::vector<Mismatch>& batch);
  std::string nextId();

  std::unique_ptr<adapters::odbc::ConnectionPool> pool_;
  const MismatchStoreOptions options_;
  const int schema_version_;
  const uint64_t instance_;  // random, so that several bridges' ids never collide

  std::mutex mu_;
  std::condition_variable wake_;     // the writer: work or stop
  std::condition_variable drained_;  // flush(): a batch finished
  std::deque<Mismatch> queue_;       // guarded by mu_
  uint64_t enqueued_seq_ = 0;        // guarded by mu_: mismatches ever queued
  uint64_t done_seq_ = 0;            // guarded by mu_: of those, written or failed
  bool stop_ = false;                // guarded by mu_

  std::atomic<uint64_t> recorded_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> write_failures_{0};
  std::atomic<uint64_t> id_counter_{0};

  std::thread writer_;  // last: started after everything above exists
};

}  // namespace corebridge::dualwrite

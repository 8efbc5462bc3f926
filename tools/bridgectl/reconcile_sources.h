// The two sides of `bridgectl reconcile` as reconcile::Source streams
// (docs/reconcile.md): the legacy extract (ExtractSource, decoded through
// EXTRREC.cpy) and, for the rows method, the new store over ODBC
// (StoreSource: nc_accounts and the business date's nc_postings, each
// ORDER BY account, on two connections); the pieces the checksum method
// shares (PostingCursor, readAccountRow, SnapshotKeys). Each counts its
// busy time: the decode and the fetch of the benchmark's time split.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/statement.h"
#include "mappings/pack.h"
#include "tools/bridgectl/extract_reader.h"
#include "tools/bridgectl/reconcile.h"

namespace corebridge::tools::reconcile {

// The extract's A records of `line`, each with the P records after it.
class ExtractSource {
 public:
  // Money at `minor_digits` decimals (the pack's minor_digits), as the new
  // store keeps it.
  ExtractSource(const ExtractReader& x, const mappings::ProductLineRule& lines, std::string line,
                int minor_digits);

  // Reads record 1 (the header) and its business date; call first.
  Status header(int64_t* business_date);
  // The next account of the line; false after the trailer. DataLoss names
  // a record that does not decode, or a missing trailer.
  Result<bool> next(AccountRecord* out);
  int64_t busyNanos() const { return busy_ns_; }
  // Whether next() adds its time to busyNanos() (two clock reads a call;
  // the default).
  void timeCalls(bool on) { time_calls_ = on; }

 private:
  const ExtractReader& x_;
  const mappings::ProductLineRule& lines_;
  const std::string line_;
  const int minor_digits_;
  mappings::Record r_;
  size_t next_ = 1;
  int64_t busy_ns_ = 0;
  bool time_calls_ = true;
};

// The new store's postings of a business date, in account order (one
// connection of their own), handed out to the accounts of a line as they
// come: those of accounts before the one asked for are orphans (no account
// row) when they belong to the line.
class PostingCursor {
 public:
  static Result<std::unique_ptr<PostingCursor>> open(const std::string& dsn,
                                                     const mappings::ProductLineRule& lines,
                                                     std::string line, int64_t business_date);

  // The postings of `account`, which must come after the last one asked
  // for. busyNanos() counts the fetches.
  Status postingsOf(const std::string& account, std::vector<Posting>* out);
  // Passes over the rest (after the last account).
  Status finish() { return skipTo(std::string(1, '\x7f')); }
  const std::vector<Difference>& orphans() const { return orphans_; }
  int64_t busyNanos() const { return busy_ns_; }

 private:
  PostingCursor(const mappings::ProductLineRule& lines, std::string line)
      : lines_(lines), line_(std::move(line)) {}
  Status skipTo(const std::string& account);
  Status fetch();

  const mappings::ProductLineRule& lines_;
  const std::string line_;
  std::unique_ptr<adapters::odbc::Connection> conn_;
  std::unique_ptr<adapters::odbc::Statement> st_;
  bool has_ = false;
  std::string account_;
  Posting posting_;
  std::vector<Difference> orphans_;
  int64_t busy_ns_ = 0;
};

// The columns of an account row, in the order readAccountRow reads them.
extern const char* const kAccountColumns;
// The account of the current row of a SELECT kAccountColumns, as the
// extract states it (status code, trimmed text).
Status readAccountRow(const adapters::odbc::Statement& st, Account* a);

// Whether the new core answered idempotency key `txn_id` with a success
// (the watermark rule's "already included": a snapshot taken later brought
// the posting in). Opens its connection on first use; a store error is
// kept (error()) and answered false.
class SnapshotKeys {
 public:
  explicit SnapshotKeys(std::string dsn) : dsn_(std::move(dsn)) {}
  bool answeredOk(const std::string& txn_id);
  const Status& error() const { return error_; }

 private:
  std::string dsn_;
  std::unique_ptr<adapters::odbc::Connection> conn_;
  std::unique_ptr<adapters::odbc::Statement> st_;
  Status error_;
};

// The new store's accounts of `line` and their postings of `business_date`
// (the rows method: every account row, ORDER BY account_id).
class StoreSource {
 public:
  static Result<std::unique_ptr<StoreSource>> open(const std::string& dsn,
                                                   const mappings::ProductLineRule& lines,
                                                   const std::string& line, int64_t business_date);

  Result<bool> next(AccountRecord* out);
  bool answeredOk(const std::string& txn_id) { return keys_.answeredOk(txn_id); }
  const Status& error() const { return keys_.error(); }
  // Postings of the line whose account has no row in nc_accounts (found
  // while merging, and after the last account once next() returned false).
  const std::vector<Difference>& orphans() const { return postings_->orphans(); }
  int64_t busyNanos() const { return busy_ns_ + postings_->busyNanos(); }

 private:
  StoreSource(const mappings::ProductLineRule& lines, std::string line, std::string dsn)
      : lines_(lines), line_(std::move(line)), keys_(std::move(dsn)) {}

  const mappings::ProductLineRule& lines_;
  const std::string line_;
  std::unique_ptr<adapters::odbc::Connection> accounts_conn_;
  std::unique_ptr<adapters::odbc::Statement> accounts_;
  std::unique_ptr<PostingCursor> postings_;
  SnapshotKeys keys_;
  int64_t busy_ns_ = 0;
};

struct RowsStats {
  uint64_t rows = 0;     // accounts and postings reconciled, both sides
  int64_t fetch_ns = 0;  // in the store source, its queries' execute included
};

// The rows method: every account row of the new store (StoreSource) merged
// with the extract (`legacy`, header() already read), the orphan postings
// added. A store that cannot be used is named ("--new-store: ...").
Result<Reconciliation> runRows(ExtractSource& legacy, const std::string& dsn,
                               const mappings::ProductLineRule& lines, const std::string& line,
                               int64_t business_date, size_t keep, RowsStats* stats);

}  // namespace corebridge::tools::reconcile

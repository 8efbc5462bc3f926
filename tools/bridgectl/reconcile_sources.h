// The two sides of `bridgectl reconcile` as reconcile::Source streams
// (docs/reconcile.md): the legacy extract (ExtractSource, decoded through
// EXTRREC.cpy) and the new store over ODBC (StoreSource: nc_accounts and the
// business date's nc_postings, each ORDER BY account, on two connections).
// Each counts the time spent inside next(): the decode and the fetch of the
// benchmark's time split.
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

 private:
  const ExtractReader& x_;
  const mappings::ProductLineRule& lines_;
  const std::string line_;
  const int minor_digits_;
  mappings::Record r_;
  size_t next_ = 1;
  int64_t busy_ns_ = 0;
};

// The new store's accounts of `line` and their postings of `business_date`.
class StoreSource {
 public:
  static Result<std::unique_ptr<StoreSource>> open(const std::string& dsn,
                                                   const mappings::ProductLineRule& lines,
                                                   std::string line, int64_t business_date);

  Result<bool> next(AccountRecord* out);
  // Whether the new core answered `txn_id` with a success (the watermark
  // rule's "already included": a snapshot taken later brought the posting
  // in). A store error is kept (error()) and answered false.
  bool answeredOk(const std::string& txn_id);
  const Status& error() const { return error_; }
  // Postings of the line whose account has no row in nc_accounts (found
  // while merging, and after the last account once next() returned false).
  const std::vector<Difference>& orphans() const { return orphans_; }
  int64_t busyNanos() const { return busy_ns_; }

 private:
  StoreSource(const mappings::ProductLineRule& lines, std::string line)
      : lines_(lines), line_(std::move(line)) {}
  // Passes over the postings of accounts before `account`.
  Status skipTo(const std::string& account);
  Status fetchPosting();

  const mappings::ProductLineRule& lines_;
  const std::string line_;
  std::unique_ptr<adapters::odbc::Connection> accounts_conn_, postings_conn_;
  std::unique_ptr<adapters::odbc::Connection> keys_conn_;  // opened on first use
  std::unique_ptr<adapters::odbc::Statement> accounts_, postings_, key_;
  std::string dsn_;
  Status error_;
  bool has_posting_ = false;
  std::string posting_account_;
  Posting posting_;
  std::vector<Difference> orphans_;
  int64_t busy_ns_ = 0;
};

}  // namespace corebridge::tools::reconcile

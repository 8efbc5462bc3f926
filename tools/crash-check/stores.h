// crash-check's view of the two stores and of what the channels were told:
// the legacy bank's daily extract decoded through EXTRREC.cpy, the new
// store's accounts, postings and GL legs over ODBC, and channel-sim's
// --ack-log. Read once, then compared by checks.h.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace corebridge::crashcheck {

struct AccountRow {
  int64_t balance = 0;  // ledger balance, minor units
  int64_t last_seq = 0;
  bool closed = false;
};

struct PostingRow {
  std::string account;
  int64_t seq = 0;
  std::string txn_id;
  char dc = ' ';  // 'D' or 'C'
  int64_t amount = 0;
};

struct Side {
  std::string name;  // "legacy", "new"
  std::map<std::string, AccountRow> accounts;
  std::vector<PostingRow> postings;
  // The new store's trial balance per currency (balances plus GL contra
  // legs): zero when the double entry holds. Empty for legacy.
  std::map<std::string, int64_t> trial_balance;
  // The new store's idempotency keys answered with a success (outcome kind
  // 0): a posting among them without a posting row was answered as already
  // in the account (the watermark rule: its snapshot brought it). Empty
  // for legacy.
  std::set<std::string> answered_ok;
};

// One write reply channel-sim received.
struct Ack {
  std::string txn_id;
  std::string trancode;
  int rc = -1;
  std::vector<std::string> accounts;
  int64_t amount = 0;
  std::string dc;
};

// Decodes an EXTRACT file (GnuCOBOL's ASCII FB records of 150 bytes)
// through `copybook` with the record selection of `select_file`.
Result<Side> readLegacyExtract(const std::string& path, const std::string& copybook,
                               const std::string& select_file);
// Reads nc_accounts, nc_postings and the trial balance over ODBC.
Result<Side> readNewStore(const std::string& dsn);
// Appends the lines of an --ack-log file; InvalidArgument names a bad line.
Status readAckLog(const std::string& path, std::vector<Ack>* out);

}  // namespace corebridge::crashcheck

// The checksum method of `bridgectl reconcile` (docs/reconcile.md): the
// line's account space is cut into ranges of about `range_accounts` legacy
// accounts (each of the line's account-number prefixes tiled from its first
// number to the next prefix, so that an account of the new store only is in
// a range too). One thread decodes the extract into ranges; `workers`
// threads, each with its own connection, have the new store's database sum
// each range (tools/bridgectl/range_checksum.h) and fetch the rows only of
// a range whose sums differ from the legacy side's. The merge then runs the
// same engine (reconcile::Merge) over one range at a time, in order: a
// range whose sums agree gives the new side the legacy side's account
// fields, proved equal, and the new store's own postings of the day, which
// are always read.
#pragma once

#include <cstdint>
#include <string>

#include "mappings/pack.h"
#include "tools/bridgectl/reconcile.h"
#include "tools/bridgectl/reconcile_sources.h"

namespace corebridge::tools::reconcile {

struct ChecksumOptions {
  size_t range_accounts = 4096;
  int workers = 2;
  size_t keep = 100000;  // differences kept in full
};

struct ChecksumStats {
  uint64_t ranges = 0;          // ranges summed or fetched
  uint64_t ranges_matched = 0;  // whose sums agreed
  uint64_t ranges_fetched = 0;  // compared row by row
  uint64_t rows_fetched = 0;    // account rows read from those
  uint64_t rows = 0;            // accounts and postings reconciled, both sides
  // CPU time of each stage (they run at once): the decoder thread; the
  // workers' range sums and row reads; the merge thread's postings fetches
  // (wall time) and the rest of it (the merge and the comparisons).
  int64_t decode_ns = 0, sums_ns = 0, fetch_ns = 0, postings_ns = 0, merge_ns = 0;
};

// Why the checksum method cannot be used for `line` on the store at `dsn`,
// or "" when it can: a prefix of the line that is not digits; on MariaDB,
// account numbers holding control characters (its PAD SPACE collations
// sort "10\t9" below "10", outside the ranges of its prefix: one scan of
// nc_accounts finds them). The caller then reads every row (--method rows).
Result<std::string> checksumRefusal(const std::string& dsn, const mappings::ProductLineRule& lines,
                                    const std::string& line);

// Reconciles `line`: the legacy side from `legacy` (header() already
// read), the new store at `dsn`. Orphan postings are in the result.
// InvalidArgument when a prefix of the line is not digits.
Result<Reconciliation> runChecksum(ExtractSource& legacy, const std::string& dsn,
                                   const mappings::ProductLineRule& lines, const std::string& line,
                                   int64_t business_date, const ChecksumOptions& options,
                                   ChecksumStats* stats);

// The prefixes of `line`, sorted, each with the end of its block of account
// numbers ("19" ends at "20"; "" for an all-nines prefix: no end).
// InvalidArgument names a prefix that is not digits.
struct PrefixBlock {
  std::string begin, end;
};
Result<std::vector<PrefixBlock>> prefixBlocks(const mappings::ProductLineRule& lines,
                                              const std::string& line);

}  // namespace corebridge::tools::reconcile

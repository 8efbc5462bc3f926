// The reconciliation engine of `bridgectl reconcile` (docs/reconcile.md):
// the legacy side (the bank's extract) and the new side (the new store),
// each a stream of accounts in ascending account order with the account's
// postings of the business date, merged by account number. Per account the
// master fields are compared money-aware (minor units, rates in micros);
// per posting the txn id, D/C and amount at each sequence, from the start
// of the new store's history of the account (a backfilled account's earlier
// postings are in its snapshot, not in the new store: counted, not a
// difference). Control totals are summed per side as the extract's trailer
// defines them. No I/O here: the sources are callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "mappings/decimal.h"
#include "tools/bridgectl/extract_reader.h"

namespace corebridge::tools::reconcile {

// An account as both sides state it (the extract's terms: legacy's status
// code, minor units, the rate in micros).
using Account = MasterFields;

struct Posting {
  int64_t seq = 0;
  std::string txn_id;
  char dc = ' ';  // 'D' or 'C'
  int64_t amount = 0;
};

// One account and its postings of the business date, in sequence order.
struct AccountRecord {
  Account account;
  std::vector<Posting> postings;
};

// Yields the next record (true), or false at the end; an error stops the
// run. Records must come in strictly ascending account number.
using Source = std::function<Result<bool>(AccountRecord*)>;

enum class Kind { kOnlyInLegacy, kOnlyInNew, kFieldDiffers };
const char* kindName(Kind k);  // "only_in_legacy", "only_in_new", "field_differs"

struct Difference {
  Kind kind = Kind::kFieldDiffers;
  std::string record;   // "account" or "posting"
  std::string account;  // unmasked: mask before showing it
  std::string key;      // a posting's "seq N txn T"; "" for an account
  std::string field;    // the differing field (field_differs), else ""
  std::string legacy;   // values as text ("123.45" for money); "" when absent
  std::string fresh;
};

// Control totals of one side, over the product line's accounts.
struct Totals {
  uint64_t accounts = 0;
  mappings::int128 balance = 0;  // sum of ledger balances, minor units
  mappings::int128 hash = 0;     // sum of account numbers mod 10^18
  uint64_t postings = 0;         // postings compared (from each new history's start)
  mappings::int128 debits = 0, credits = 0;
};

struct Reconciliation {
  Totals legacy, fresh;
  uint64_t accounts_matched = 0;
  uint64_t postings_before_history = 0;     // legacy postings in a snapshot, not compared
  uint64_t postings_in_snapshot = 0;        // of those, inside the new history (InSnapshot)
  uint64_t differences = 0;                 // all of them
  std::map<std::string, uint64_t> by_kind;  // "field_differs ledger_balance", "only_in_new account"
  std::vector<Difference> kept;             // the first `keep`
  bool balanced() const;
};

// Whether the new side holds a legacy posting through a snapshot taken after
// it (the new core answered its dual-write as already included: no row of
// its own). Asked only for a legacy posting the new side lacks.
using InSnapshot = std::function<bool(const std::string& account, const Posting& posting)>;

// Counts `d` (its kind and field in by_kind) and keeps it while fewer than
// `keep` are kept: what the merge does with each difference it finds.
void addDifference(Reconciliation* r, Difference d, size_t keep);

// The 12 digits of `number` as an integer; -1 when it is anything else.
int64_t twelveDigits(const std::string& number);

// Merges the two sources. `keep` bounds the differences kept in full (all
// are counted). FailedPrecondition names a source whose accounts are out of
// order; a source's own error is returned as it is.
Result<Reconciliation> run(const Source& legacy, const Source& fresh, size_t keep,
                           const InSnapshot& in_snapshot = {});

// run() one stretch of accounts at a time: each add() merges the two
// sides' accounts of a stretch, which must all come after those of the
// stretches before (checked, as within a stretch).
class Merge {
 public:
  Merge(size_t keep, InSnapshot in_snapshot);
  ~Merge();
  Merge(const Merge&) = delete;
  Merge& operator=(const Merge&) = delete;

  Status add(const Source& legacy, const Source& fresh);
  Reconciliation take();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Minor units as "1234.50", "-0.07"; a rate in micros as "1.250000".
std::string money(int64_t minor);
std::string rate(int64_t micros);

}  // namespace corebridge::tools::reconcile

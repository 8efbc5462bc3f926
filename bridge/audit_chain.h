// The audit log's hash chain (docs/cutover-control.md, "Audit log").
//
// An entry's hash is the SHA-256, in lower-case hex, of its canonical form:
// every field but `hash`, in the order below, each written as its length in
// bytes in decimal, a ':', the bytes, and a '\n':
//   seq, at_ms, actor, action, line, from, to, reason, approved_by,
//   evidence, change_id, prev_hash
// (numbers in decimal). The length prefix makes the form unambiguous, so no
// two different entries share it. prev_hash of entry 1 is 64 '0's; of entry
// n it is entry n-1's hash.
//
// verifyChain() reads entries in seq order and names every problem:
//   - a gap in seq (entries removed), or a seq out of order;
//   - an entry whose hash does not match its contents (edited);
//   - an entry whose prev_hash is not its predecessor's hash (the one before
//     was replaced, or entries were removed and the rest re-linked badly);
//   - a head (the store's, or one an auditor wrote down earlier) that the
//     chain does not reach: the newest entries were removed ("truncated"),
//     or the entry at the head's seq has another hash ("head_mismatch").
//     Entries after the head are newer ones (chained to it), not a problem:
//     a head written down earlier still verifies a log that grew since.
// An attacker who can write the database can rebuild a whole consistent
// chain; only a head kept outside it (`bridgectl audit verify --head
// SEQ:HASH`) catches that, which is why `bridgectl audit` prints it.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bridge/flag_store.h"

namespace corebridge::bridge {

// 64 '0's.
const std::string& genesisHash();

// The canonical form above (exposed for tests and docs).
std::string canonicalAuditText(const AuditEntry& entry);
// Lower-case hex SHA-256 of canonicalAuditText(entry).
std::string auditHash(const AuditEntry& entry);

struct ChainProblem {
  int64_t seq = 0;      // the entry concerned (the expected one for a gap)
  std::string kind;     // "gap", "order", "edited", "relinked", "truncated", "head_mismatch"
  std::string message;  // one sentence naming the entry and what is wrong
};

struct ChainReport {
  bool ok = true;
  int64_t entries = 0;  // entries checked
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  std::string last_hash;
  std::vector<ChainProblem> problems;
};

// Checks `entries` (ascending seq; the first must be seq 1 unless
// `start_prev_hash` gives the hash the first one must follow). With `head`,
// also checks that the chain reaches it (see above). Entries given out of
// seq order are reported ("order") and then checked in seq order.
ChainReport verifyChain(const std::vector<AuditEntry>& entries,
                        const std::optional<AuditHead>& head = std::nullopt,
                        const std::string& start_prev_hash = "");

}  // namespace corebridge::bridge

// MismatchSink: where the executor sends each comparison that differed.
//
// A Mismatch is what an operator needs to judge a divergence later without
// the raw bytes: when, which transaction and product line, at which stage,
// which side was primary, the account (masked), the differences, and both
// replies decoded to JSON with account fields masked.
//
// Masking rule (the same as the Comparator's, dualwrite/comparator.h): the
// values of the pack's key_fields and of every field whose name contains
// ACCT, ACCOUNT or CARD are shown through maskAccount (at most the first six
// and last four digits); runs of 8 or more digits in free text (system-error
// messages, codec errors) are masked the same way, and codec errors that
// name an account field lose their byte dumps. makeMismatch() applies it;
// a sink may rely on the Mismatch it receives being masked already, and
// SqlMismatchStore masks the account and account-named differences again
// (masking is idempotent).
//
// record() must not block the request path: an implementation queues, drops
// and counts when it cannot keep up, and never returns an error (a lost
// mismatch record is a counter, not a failed transaction).
//
// Thread-safety: record() is called from many threads at once.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backend.h"
#include "dualwrite/comparator.h"

namespace corebridge::dualwrite {

enum class Side : uint8_t { kLegacy, kNew };

// "legacy", "new"; parseSide is the inverse.
std::string_view sideName(Side side);
bool parseSide(std::string_view name, Side* out);

struct Mismatch {
  std::chrono::system_clock::time_point time;
  std::string trancode;      // "ACCTPOST"
  std::string product_line;  // "SAVINGS"
  std::string stage;         // "DUAL_WRITE", "SHADOW", "NEW_PRIMARY"
  Side primary = Side::kLegacy;
  std::string txn_id;   // the channel's transaction id (CA-TXN-ID), "" if none
  std::string account;  // masked
  std::vector<FieldDifference> differences;
  std::string legacy_payload;  // JSON, masked (Comparator::payloadJson)
  std::string new_payload;     // JSON, masked
};

// What the executor knows of the transaction besides the two replies.
struct MismatchContext {
  std::chrono::system_clock::time_point time;
  std::string trancode;
  std::string product_line;
  std::string stage;
  Side primary = Side::kLegacy;
  std::string txn_id;
  std::string account;  // as the router read it; masked here
};

// The Mismatch of `comparison`: payloads decoded and masked by `comparator`,
// the account masked (from the context, or else the reply's first key field).
Mismatch makeMismatch(const Comparator& comparator, const Comparison& comparison,
                      const adapters::BackendReply& legacy, const adapters::BackendReply& new_reply,
                      const MismatchContext& context);

class MismatchSink {
 public:
  virtual ~MismatchSink() = default;
  // Takes a copy of the mismatch; returns without waiting for I/O.
  virtual void record(const Mismatch& mismatch) = 0;
};

}  // namespace corebridge::dualwrite

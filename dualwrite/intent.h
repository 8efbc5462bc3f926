// Intent records: what the bridge's write path journals (issue 6).
//
// A dual-written transaction leaves three records in the journal
// (dualwrite/journal.h), each durable before the next step:
//
//   kIntent          the request and its route, before the primary call
//   kPrimaryOutcome  the primary's answer (or "in doubt": it timed out or
//                    the connection broke, so it may or may not have applied
//                    the request); the channel is answered only after this
//   kSettled         the secondary side is done with it: its call succeeded,
//                    or it was handed to the repair queue (durably), or there
//                    was nothing to do (the primary refused the request as
//                    malformed)
//
// After a crash an intent without kSettled is unfinished and is driven
// again: an intent without a known primary outcome has its primary call
// replayed first (both sides are idempotent by the channel's transaction id,
// so a replay returns the first answer and applies nothing twice).
//
// Payloads are little-endian binary, version byte first; docs/journal.md has
// the grammar. decode*() checks every length against the payload and fails
// with DataLoss naming the field and offset: the journal's CRC already
// vouches for the bytes, so a decode failure means a bug or a version skew,
// and recovery stops rather than guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace corebridge::dualwrite {

inline constexpr uint8_t kIntentVersion = 1;

struct Intent {
  int stage = 0;    // bridge::Stage as int
  int primary = 0;  // 0 legacy, 1 new
  bool compare = false;
  bool write_through = false;  // the channel waited for the secondary call
  std::string trancode;
  std::string product_line;
  std::string txn_id;
  std::string account;                // the lane (sticky) account
  std::vector<std::string> accounts;  // every key account
  std::string commarea;

  bool operator==(const Intent& o) const;
};

enum class PrimaryStatus : uint8_t {
  kReplied = 0,  // `zz` and `commarea` hold the primary's reply
  kInDoubt = 1,  // timed out or lost: the primary may have applied it
};

struct PrimaryOutcome {
  uint64_t intent_seq = 0;
  PrimaryStatus status = PrimaryStatus::kReplied;
  uint16_t zz = 0;
  std::string commarea;

  bool operator==(const PrimaryOutcome& o) const;
};

enum class SettleReason : uint8_t {
  kSecondaryDone = 0,  // the secondary call answered
  kRepairCase = 1,     // handed to the repair queue as case `repair_case`
  kNothingToDo = 2,    // the primary refused the request as malformed
  kPrimaryFailed = 3,  // the primary could not be reached: the channel got CB07
};

struct Settlement {
  uint64_t intent_seq = 0;
  SettleReason reason = SettleReason::kSecondaryDone;
  int64_t repair_case = 0;

  bool operator==(const Settlement& o) const;
};

std::string encodeIntent(const Intent& intent);
Result<Intent> decodeIntent(std::string_view payload);
std::string encodePrimaryOutcome(const PrimaryOutcome& outcome);
Result<PrimaryOutcome> decodePrimaryOutcome(std::string_view payload);
std::string encodeSettlement(const Settlement& settlement);
Result<Settlement> decodeSettlement(std::string_view payload);

}  // namespace corebridge::dualwrite

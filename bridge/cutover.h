// Cutover policy: which back end answers a transaction and which is called
// second, from the stage of each product line it touches (DESIGN.md, "Product
// lines, stages, ramp").
//
//   stage        writes go to      reads go to     answer from  compared
//   LEGACY_ONLY  legacy            legacy          legacy       -
//   DUAL_WRITE   legacy, then new  legacy          legacy       writes
//   SHADOW       legacy, then new  legacy and new  legacy       writes and reads
//   NEW_PRIMARY  new, then legacy  new and legacy  new          writes and reads
//   NEW_ONLY     new               new             new          -
//
// A transaction that touches several product lines runs at the least migrated
// stage among them. NEW_PRIMARY has a ramp: a sticky share of accounts, by a
// hash of the account number into 100 buckets, is new-primary; the others run
// as SHADOW (and so does a transaction touching any of them). An account is new-primary when its
// bucket is below the ramp, so raising the ramp only ever adds accounts: none flips back and forth.
//
// Values and pure functions; StageTable is immutable once built (the bridge
// swaps a whole new table on reload).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace corebridge::bridge {

enum class Stage { kLegacyOnly = 0, kDualWrite = 1, kShadow = 2, kNewPrimary = 3, kNewOnly = 4 };

// "LEGACY_ONLY", "DUAL_WRITE", "SHADOW", "NEW_PRIMARY", "NEW_ONLY".
std::string_view stageName(Stage stage);
// The stage of a name as above (case-insensitive); InvalidArgument otherwise.
Result<Stage> parseStage(std::string_view name);

struct LineSetting {
  Stage stage = Stage::kLegacyOnly;
  int ramp_percent = 100;  // NEW_PRIMARY only: share of accounts new-primary, 0-100
};

struct StageTable {
  std::map<std::string, LineSetting> lines;  // product line -> setting
  // A product line the table does not name (or an account whose line the
  // pack cannot derive) is at this stage.
  Stage default_stage = Stage::kLegacyOnly;

  LineSetting settingOf(const std::string& line) const;
};

enum class Side { kLegacy, kNew };
std::string_view sideName(Side side);  // "legacy", "new"

struct Route {
  Stage stage = Stage::kLegacyOnly;  // after the ramp: NEW_PRIMARY or SHADOW
  Side primary = Side::kLegacy;
  bool secondary = false;  // call the other side too (off the request path)
  bool compare = false;    // compare the two answers
  // The lines are at NEW_PRIMARY but the ramp left some account out, so the
  // transaction runs as SHADOW.
  bool ramped_out = false;
  // Of those, one whose accounts the ramp splits: some new-primary, some
  // not. No single side is primary for all of them.
  bool mixed = false;
};

// The bucket 0-99 of an account for the ramp (FNV-1a of its number).
int rampBucket(std::string_view account);

// The route of a transaction touching `lines` (empty: the default stage),
// `write` or not, on `accounts`. Under a ramp it is new-primary only when
// every account it touches is: a transfer between a new-primary and a
// legacy-primary account runs as SHADOW, so no account's primary ever
// learns of a change only through the other side's secondary call.
Route route(const StageTable& table, const std::vector<std::string>& lines, bool write,
            const std::vector<std::string>& accounts);
// The same for one account.
Route route(const StageTable& table, const std::vector<std::string>& lines, bool write,
            std::string_view account);

}  // namespace corebridge::bridge

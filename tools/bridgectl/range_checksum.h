// Range checksums of accounts for `bridgectl reconcile --method checksum`
// (docs/reconcile.md, "The checksum method"): the same sums computed by the
// new store's database over its nc_accounts rows of an account range, and
// here over the legacy accounts of that range. Equal sums mean the range
// holds the same accounts with the same master fields on both sides; a
// range whose sums differ is compared row by row.
//
// Per range, exactly: the count of accounts, the smallest and largest
// account key and the longest account text (every account is 12 digits),
// the sum of account keys (the hash total), the sum of each row's greatest
// non-money integer (what catches text in them, in SQLite), the sums of the four money
// columns (the balance total among them), and the sums of the codes of the
// two text columns (an unknown value adds 2^40, which no sum of known codes
// reaches in a range of at most kMaxRangeAccounts). Per row, a polynomial
// hash h of every field modulo a prime P
// near 2^31, bound to the row by two weights taken from its account number;
// per range, the sums of h * weight mod P (two lanes). A row's field that
// changes by anything but a multiple of P changes h; two lanes catch
// changes spread over rows unless both coincide (about 2^-62 for changes
// not built to defeat it); a row with several fields changed at random
// matches by chance with probability about 2^-31 (docs/reconcile.md).
//
// The arithmetic never overflows 64 bits for values below 2^62 in size.
// Beyond, SQLite turns the integer into a REAL, which every later % and
// SUM keeps a REAL (read back as not an integer), and PostgreSQL and
// MariaDB fail the query with SQLSTATE 22003: either way the range is
// compared row by row. A REAL stored in an integer column of SQLite does
// the same, and so does text stored in one (SQLite's type affinity keeps
// '12abc' and '' as text): the sum of each row's GREATEST of the non-money
// integers is then no integer (SQLite's max() ranks text above numbers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/odbc/dialect.h"
#include "adapters/odbc/statement.h"
#include "mappings/decimal.h"
#include "tools/bridgectl/reconcile.h"

namespace corebridge::tools::reconcile {

// The most accounts a range may hold.
constexpr size_t kMaxRangeAccounts = 1000000;
// The most distinct text values (products and currencies together) a range
// is summed with: each is a parameter, twice; a range with more is
// compared row by row.
constexpr size_t kMaxRangeCodes = 256;

struct RangeSums {
  mappings::int128 count = 0, key_min = 0, key_max = 0, length_max = 0, key_sum = 0;
  mappings::int128 product_sum = 0, currency_sum = 0;
  mappings::int128 greatest_sum = 0;  // of each row's greatest non-money integer
  mappings::int128 ledger = 0, available = 0, overdraft = 0, accrued = 0;
  mappings::int128 lane1 = 0, lane2 = 0;
  bool operator==(const RangeSums& o) const;
  bool operator!=(const RangeSums& o) const { return !(*this == o); }
};

// The text values of a range's legacy accounts, each coded by its position
// + 1 (the SQL's CASE ... WHEN ? parameters, in this order).
struct RangeCodes {
  std::vector<std::string> products, currencies;
};
RangeCodes codesOf(const std::vector<AccountRecord>& accounts);

// The legacy side's sums over `accounts`; nullopt when one of them has a
// value the store's side cannot code the same way (a number that is not 12
// digits, a status other than A D F C P), or when `codes` has more than
// kMaxRangeCodes values: the range is compared row by row.
std::optional<RangeSums> legacySums(const std::vector<AccountRecord>& accounts,
                                    const RangeCodes& codes);

// The SELECT of the store side's sums over the nc_accounts rows with
// lo <= account_id (and account_id < hi when `bounded`); its parameters are
// bound by bindRangeSums.
std::string rangeSumsSql(adapters::odbc::DialectKind dialect, size_t products, size_t currencies,
                         bool bounded);
// Binds `codes` and the range (hi "" for none: the unbounded statement).
Status bindRangeSums(adapters::odbc::Statement& st, const RangeCodes& codes, const std::string& lo,
                     const std::string& hi);

// Reads the one row of a rangeSumsSql query; nullopt when a value is not an
// integer (an overflow, in SQLite).
Result<std::optional<RangeSums>> readRangeSums(adapters::odbc::Statement& st);

}  // namespace corebridge::tools::reconcile

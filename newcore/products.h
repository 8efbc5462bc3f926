// The demo bank's product table and account numbers, as docs/legacy.md
// defines them: product codes, their product lines and rates, and the
// 12-digit account number PP BBB SSSSSS C with its Luhn check digit.
//
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corebanking_types.h"

namespace corebridge::newcore {

struct Product {
  std::string_view code;
  idl::ProductLine::type line;
  int64_t rate_pct_micros;  // percent per year x 10^6
  int32_t term_months;      // TERM_DEPOSIT only, else 0
};

// The product with this code (SAVB, CHKP, TD12, LNPL ...), or nullopt.
std::optional<Product> findProduct(std::string_view code);

// The product line of an account number's two-digit prefix (10, 20, 30, 40).
std::optional<idl::ProductLine::type> productLineOfPrefix(std::string_view account_id);
// "10", "20", "30", "40".
std::string prefixOf(idl::ProductLine::type line);

// True for exactly 12 ASCII digits.
bool isAccountNumber(std::string_view s);
// The Luhn (mod 10) check digit over the first 11 digits.
char luhnCheckDigit(std::string_view first11);
// The account number of prefix, branch and serial, with its check digit.
std::string makeAccountNumber(idl::ProductLine::type line, int32_t branch, int32_t serial);

// CCYYMMDD plus `months`, the day clamped to the end of the month.
int32_t addMonths(int32_t date, int32_t months);
// Today in UTC as CCYYMMDD.
int32_t todayUtc();
// True for a plausible CCYYMMDD (month 1-12, day 1-31).
bool isDate(int32_t date);

// The largest balance magnitude the legacy picture S9(13)V99 holds.
inline constexpr int64_t kMaxMinorUnits = 999'999'999'999'999;

}  // namespace corebridge::newcore

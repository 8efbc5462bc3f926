#include "newcore/products.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace corebridge::newcore {
namespace {

using PL = idl::ProductLine;

constexpr std::array<Product, 10> kProducts = {{
    {"SAVB", PL::SAVINGS, 1'250'000, 0},
    {"SAVP", PL::SAVINGS, 2'000'000, 0},
    {"CHKP", PL::CHECKING, 0, 0},
    {"CHKB", PL::CHECKING, 0, 0},
    {"TD03", PL::TERM_DEPOSIT, 3'500'000, 3},
    {"TD06", PL::TERM_DEPOSIT, 4'000'000, 6},
    {"TD12", PL::TERM_DEPOSIT, 4'750'000, 12},
    {"TD24", PL::TERM_DEPOSIT, 5'100'000, 24},
    {"LNPL", PL::LOAN, 11'990'000, 0},
    {"LNMT", PL::LOAN, 6'500'000, 0},
}};

bool isLeap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int32_t daysInMonth(int32_t y, int32_t m) {
  static constexpr std::array<int32_t, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && isLeap(y)) {
    return 29;
  }
  return kDays[static_cast<size_t>(m - 1)];
}

}  // namespace

std::optional<Product> findProduct(std::string_view code) {
  for (const Product& p : kProducts) {
    if (p.code == code) {
      return p;
    }
  }
  return std::nullopt;
}

std::optional<idl::ProductLine::type> productLineOfPrefix(std::string_view account_id) {
  const std::string_view prefix = account_id.substr(0, 2);
  if (prefix == "10") {
    return PL::SAVINGS;
  }
  if (prefix == "20") {
    return PL::CHECKING;
  }
  if (prefix == "30") {
    return PL::TERM_DEPOSIT;
  }
  if (prefix == "40") {
    return PL::LOAN;
  }
  return std::nullopt;
}

std::string prefixOf(idl::ProductLine::type line) {
  switch (line) {
    case PL::SAVINGS:
      return "10";
    case PL::CHECKING:
      return "20";
    case PL::TERM_DEPOSIT:
      return "30";
    case PL::LOAN:
      return "40";
  }
  return "00";
}

bool isAccountNumber(std::string_view s) {
  if (s.size() != 12) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

char luhnCheckDigit(std::string_view first11) {
  int sum = 0;
  bool dbl = true;  // the rightmost payload digit is doubled
  for (size_t i = first11.size(); i-- > 0;) {
    int d = first11[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string makeAccountNumber(idl::ProductLine::type line, int32_t branch, int32_t serial) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%03d%06d", prefixOf(line).c_str(), branch, serial);
  std::string n(buf);
  n.push_back(luhnCheckDigit(n));
  return n;
}

int32_t addMonths(int32_t date, int32_t months) {
  int32_t y = date / 10000;
  int32_t m = date / 100 % 100;
  int32_t d = date % 100;
  const int32_t total = y * 12 + (m - 1) + months;
  y = total / 12;
  m = total % 12 + 1;
  if (d > daysInMonth(y, m)) {
    d = daysInMonth(y, m);
  }
  return y * 10000 + m * 100 + d;
}

int32_t todayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

bool isDate(int32_t date) {
  const int32_t m = date / 100 % 100;
  const int32_t d = date % 100;
  return date >= 19000101 && date <= 99991231 && m >= 1 && m <= 12 && d >= 1 &&
         d <= daysInMonth(date / 10000, m);
}

}  // namespace corebridge::newcore

#include "tools/bridgectl/range_checksum.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace corebridge::tools::reconcile {

namespace {

using adapters::odbc::DialectKind;
using mappings::int128;

constexpr int64_t kPrime = 2147483629;  // P: 2^31 - 19
// B: the polynomial's base, large so that two neighbouring fields cancel
// only for changes near 10^9 (|h| < P, so |h * B| < 2^61).
constexpr int64_t kBase = 1000000007;
constexpr int64_t kWeight1 = 2147483587;  // the lanes' weights: key % W + 1
constexpr int64_t kWeight2 = 2147483579;
// Above any sum of known codes: a range has at most kMaxRangeAccounts
// accounts, each coded at most kMaxRangeAccounts.
constexpr int64_t kUnknownCode = int64_t{1} << 40;
constexpr int64_t kKeyOffset = 1000000000000;  // a key is 10^12 + the 12-digit number

// The idl AccountStatus of a legacy status code, 0 when it has none.
int64_t statusNumber(const std::string& code) {
  static const std::array<const char*, 5> kCodes = {"A", "D", "F", "C", "P"};
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (code == kCodes[i]) {
      return static_cast<int64_t>(i) + 1;
    }
  }
  return 0;
}

int64_t codeOf(const std::vector<std::string>& values, const std::string& v) {
  auto it = std::lower_bound(values.begin(), values.end(), v);
  return it != values.end() && *it == v ? (it - values.begin()) + 1 : kUnknownCode;
}

// Adds `v` to the distinct values (a range has one to a few).
void addDistinct(std::vector<std::string>* values, const std::string& v) {
  if (std::find(values->begin(), values->end(), v) == values->end()) {
    values->push_back(v);
  }
}

// One step of the row hash: (h * B + f) % P, truncated as SQL's %; in 64
// bits unless f is near the end of the range (|f| > 2^62).
int64_t hashStep(int64_t h, int64_t f) {
  int64_t t = 0;
  if (!__builtin_add_overflow(h * kBase, f, &t)) {
    return t % kPrime;
  }
  return static_cast<int64_t>((static_cast<int128>(h) * kBase + f) % kPrime);
}

// What the sums' SQL says differently in each dialect.
struct DialectSql {
  // 10^12 + the account number when it is 12 digits, else outside
  // [10^12, 2 * 10^12). SQLite's CAST takes the longest integer prefix:
  // 10^12 + n exactly when the text starts with 12 digits (fewer, or a
  // non-digit among the first 12, is below 10^12; more digits is above
  // 2 * 10^12); the length check rules out anything after them.
  const char* key;
  // The account number's length; SQLite's length() of TEXT stops at a NUL,
  // of a BLOB it counts bytes.
  const char* length;
  // Each row's greatest of kNonMoney.
  const char* greatest;
  // The column a CASE compares: MariaDB compares text ignoring case and
  // trailing spaces unless it is cast to its bytes.
  const char* exact_open;
  const char* exact_close;
  // What keeps a derived table from being merged into the query around it,
  // so that its columns are computed once per row.
  const char* fence;
};

const DialectSql& sqlOf(DialectKind d) {
  static const DialectSql kSqlite = {"CAST('1' || account_id AS INTEGER)",
                                     "length(CAST(account_id AS BLOB))",
                                     "max",
                                     "",
                                     "",
                                     " LIMIT -1"};
  static const DialectSql kPostgres = {
      "CASE WHEN account_id ~ '^[0-9]{12}$' THEN 1000000000000 + CAST(account_id AS BIGINT) "
      "ELSE 0 END",
      "length(account_id)",
      "GREATEST",
      "",
      "",
      " OFFSET 0"};
  static const DialectSql kMariaDb = {
      "CASE WHEN account_id REGEXP '^[0-9]{12}$' THEN 1000000000000 + CAST(account_id AS "
      "SIGNED) ELSE 0 END",
      "CHAR_LENGTH(account_id)",
      "GREATEST",
      "CAST(",
      " AS BINARY)",
      " LIMIT 18446744073709551615"};
  switch (d) {
    case DialectKind::kSqlite:
      return kSqlite;
    case DialectKind::kPostgres:
      return kPostgres;
    case DialectKind::kMariaDb:
      return kMariaDb;
  }
  return kSqlite;
}

// The integer columns that are not money, for GREATEST: in SQLite, text
// kept in one of them (type affinity keeps '12abc' and '' as text) is
// greater than any number, so max() returns it and its SUM is no integer.
constexpr const char* kNonMoney =
    "customer_id, status, interest_rate_pct_micros, open_date, maturity_date, close_date, "
    "last_posting_seq, hold_count";

// CASE over the column's exact bytes: each of `n` values (parameters) is
// coded by its position + 1, any other value kUnknownCode.
std::string codeSql(const DialectSql& sql, const std::string& column, size_t n) {
  if (n == 0) {
    return std::to_string(kUnknownCode);
  }
  std::string s = "CASE " + std::string(sql.exact_open) + column + sql.exact_close;
  for (size_t i = 0; i < n; ++i) {
    s += " WHEN ? THEN " + std::to_string(i + 1);
  }
  return s + " ELSE " + std::to_string(kUnknownCode) + " END";
}

Result<std::optional<int128>> integerCell(adapters::odbc::Statement& st, int column) {
  CB_ASSIGN_OR_RETURN(std::optional<std::string> text, st.getOptionalString(column));
  if (!text) {
    return std::optional<int128>(0);  // an aggregate of no rows
  }
  const std::string& t = *text;
  size_t i = !t.empty() && (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size() || t.size() - i > 38) {
    return std::optional<int128>();
  }
  int128 v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') {
      return std::optional<int128>();  // "1.5e+19": an overflow became a REAL
    }
    v = v * 10 + (t[i] - '0');
  }
  return std::optional<int128>(t[0] == '-' ? -v : v);
}

}  // namespace

bool RangeSums::operator==(const RangeSums& o) const {
  return count == o.count && key_min == o.key_min && key_max == o.key_max &&
         length_max == o.length_max && key_sum == o.key_sum && product_sum == o.product_sum &&
         currency_sum == o.currency_sum && ledger == o.ledger && available == o.available &&
         overdraft == o.overdraft && accrued == o.accrued && greatest_sum == o.greatest_sum &&
         lane1 == o.lane1 && lane2 == o.lane2;
}

RangeCodes codesOf(const std::vector<AccountRecord>& accounts) {
  RangeCodes codes;
  for (const AccountRecord& r : accounts) {
    addDistinct(&codes.products, r.account.product_code);
    addDistinct(&codes.currencies, r.account.currency);
  }
  std::sort(codes.products.begin(), codes.products.end());
  std::sort(codes.currencies.begin(), codes.currencies.end());
  return codes;
}

std::optional<RangeSums> legacySums(const std::vector<AccountRecord>& accounts,
                                    const RangeCodes& codes) {
  if (codes.products.size() + codes.currencies.size() > kMaxRangeCodes) {
    return std::nullopt;
  }
  RangeSums s;
  for (const AccountRecord& r : accounts) {
    const Account& a = r.account;
    const int64_t number = twelveDigits(a.number);
    const int64_t status = statusNumber(a.status);
    if (number < 0 || status == 0) {
      return std::nullopt;
    }
    const int64_t key = kKeyOffset + number;
    const int64_t pc = codeOf(codes.products, a.product_code);
    const int64_t cu = codeOf(codes.currencies, a.currency);
    const std::array<int64_t, 14> fields = {
        pc,          a.customer, status,        cu,          a.ledger,        a.available,
        a.overdraft, a.accrued,  a.rate_micros, a.open_date, a.maturity_date, a.close_date,
        a.last_seq,  a.holds};
    int64_t h = key % kPrime;
    for (int64_t f : fields) {
      h = hashStep(h, f);
    }
    s.key_min = s.count == 0 ? key : std::min<int128>(s.key_min, key);
    s.key_max = s.count == 0 ? key : std::max<int128>(s.key_max, key);
    ++s.count;
    s.length_max = 12;
    s.key_sum += key;
    s.product_sum += pc;
    s.greatest_sum += std::max({a.customer, status, a.rate_micros, a.open_date, a.maturity_date,
                                a.close_date, a.last_seq, a.holds});
    s.currency_sum += cu;
    s.ledger += a.ledger;
    s.available += a.available;
    s.overdraft += a.overdraft;
    s.accrued += a.accrued;
    s.lane1 += h * (key % kWeight1 + 1) % kPrime;  // |h| < 2^31, weight <= 2^31
    s.lane2 += h * (key % kWeight2 + 1) % kPrime;
  }
  return s;
}

std::string rangeSumsSql(DialectKind d, size_t products, size_t currencies, bool bounded) {
  const DialectSql& sql = sqlOf(d);
  const std::string p = std::to_string(kPrime);
  const std::string key = sql.key;
  const std::string pc = codeSql(sql, "product_code", products);
  const std::string cu = codeSql(sql, "currency", currencies);
  const std::string times_base = " * " + std::to_string(kBase) + " + ";
  // The row hash over the columns themselves, in legacySums' order: one
  // derived table, computed once per row (each CASE and the key appear
  // twice, so the parameters do).
  const std::array<std::string, 14> hashed = {pc,
                                              "customer_id",
                                              "status",
                                              cu,
                                              "ledger_balance",
                                              "available_balance",
                                              "overdraft_limit",
                                              "accrued_interest",
                                              "interest_rate_pct_micros",
                                              "open_date",
                                              "maturity_date",
                                              "close_date",
                                              "last_posting_seq",
                                              "hold_count"};
  std::string h = "(" + key + ") % " + p;
  for (const std::string& field : hashed) {
    std::string step = "((";
    step += h;
    step += times_base;
    step += field;
    step += ") % ";
    step += p;
    step += ")";
    h = std::move(step);
  }
  const std::string rows = "SELECT " + key + " AS a, " + sql.length + " AS n, " + pc + " AS pc, " +
                           cu + " AS cu, " + sql.greatest + "(" + kNonMoney +
                           ") AS g, ledger_balance AS l, available_balance AS av, "
                           "overdraft_limit AS od, accrued_interest AS ai, " +
                           h + " AS h FROM nc_accounts WHERE account_id >= ?" +
                           std::string(bounded ? " AND account_id < ?" : "") + sql.fence;
  return "SELECT COUNT(*), MIN(a), MAX(a), MAX(n), SUM(a), SUM(pc), SUM(cu), SUM(g), SUM(l), "
         "SUM(av), SUM(od), SUM(ai), SUM(h * (a % " +
         std::to_string(kWeight1) + " + 1) % " + p + "), SUM(h * (a % " + std::to_string(kWeight2) +
         " + 1) % " + p + ") FROM (" + rows + ") s";
}

Status bindRangeSums(adapters::odbc::Statement& st, const RangeCodes& codes, const std::string& lo,
                     const std::string& hi) {
  int i = 1;
  for (int twice = 0; twice < 2; ++twice) {  // the CASEs of the columns, then of the hash
    for (const std::vector<std::string>* values : {&codes.products, &codes.currencies}) {
      for (const std::string& v : *values) {
        CB_RETURN_IF_ERROR(st.bindString(i++, v));
      }
    }
  }
  CB_RETURN_IF_ERROR(st.bindString(i++, lo));
  if (!hi.empty()) {
    CB_RETURN_IF_ERROR(st.bindString(i, hi));
  }
  return okStatus();
}

Result<std::optional<RangeSums>> readRangeSums(adapters::odbc::Statement& st) {
  RangeSums s;
  const std::array<int128*, 14> cells = {
      &s.count,       &s.key_min,      &s.key_max,      &s.length_max, &s.key_sum,
      &s.product_sum, &s.currency_sum, &s.greatest_sum, &s.ledger,     &s.available,
      &s.overdraft,   &s.accrued,      &s.lane1,        &s.lane2};
  for (size_t i = 0; i < cells.size(); ++i) {
    CB_ASSIGN_OR_RETURN(std::optional<int128> v, integerCell(st, static_cast<int>(i) + 1));
    if (!v) {
      return std::optional<RangeSums>();
    }
    *cells[i] = *v;
  }
  return std::optional<RangeSums>(s);
}

}  // namespace corebridge::tools::reconcile

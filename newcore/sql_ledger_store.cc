#include "newcore/sql_ledger_store.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <cstdio>
#include <type_traits>
#include <utility>

#include "adapters/odbc/statement.h"
#include "newcore/ledger_rules.h"
#include "newcore/products.h"
#include "newcore/sql_schema.h"

namespace corebridge::newcore {

namespace odbc = adapters::odbc;
using odbc::Connection;
using odbc::Statement;

namespace {

// ---- statements --------------------------------------------------------

Status bindOne(Statement& st, int index, std::string_view value) {
  return st.bindString(index, value);
}
template <typename T, typename = std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
Status bindOne(Statement& st, int index, T value) {
  return st.bindInt64(index, static_cast<int64_t>(value));
}

Status bindAll(Statement& /*st*/, int /*index*/) { return okStatus(); }
template <typename T, typename... Rest>
Status bindAll(Statement& st, int index, const T& value, const Rest&... rest) {
  CB_RETURN_IF_ERROR(bindOne(st, index, value));
  return bindAll(st, index + 1, rest...);
}

// Prepares `sql`, binds `args` to its markers in order and executes it.
template <typename... Args>
Result<std::unique_ptr<Statement>> run(Connection& c, const std::string& sql, const Args&... args) {
  CB_ASSIGN_OR_RETURN(std::unique_ptr<Statement> st, c.prepare(sql));
  CB_RETURN_IF_ERROR(bindAll(*st, 1, args...));
  CB_RETURN_IF_ERROR(st->execute());
  return st;
}

// An insert whose key another transaction committed first: rerun the whole
// transaction, which then sees that row (the idempotency record of a racing
// first attempt, an account number opened or backfilled at the same time).
Status retryOnDuplicate(Status s, const std::string& what) {
  if (s.code() == StatusCode::kAlreadyExists) {
    return aborted(what + " was inserted by a concurrent transaction: " + s.message());
  }
  return s;
}

// ---- accounts ----------------------------------------------------------

constexpr const char* kAccountColumns =
    "account_id, product_line, product_code, customer_id, status, currency, ledger_balance, "
    "available_balance, overdraft_limit, accrued_interest, interest_rate_pct_micros, open_date, "
    "maturity_date, close_date, last_posting_seq, hold_count";

Result<int32_t> getInt32(const Statement& st, int column) {
  CB_ASSIGN_OR_RETURN(int64_t v, st.getInt64(column));
  if (v < INT32_MIN || v > INT32_MAX) {
    return dataLoss("column " + std::to_string(column) + " of '" + st.sql() +
                    "': " + std::to_string(v) + " does not fit 32 bits");
  }
  return static_cast<int32_t>(v);
}

// The account in the current row of a SELECT of kAccountColumns.
Result<idl::Account> readAccount(const Statement& st) {
  idl::Account a;
  CB_ASSIGN_OR_RETURN(a.account_id, st.getString(1));
  CB_ASSIGN_OR_RETURN(int32_t line, getInt32(st, 2));
  a.product_line = static_cast<idl::ProductLine::type>(line);
  CB_ASSIGN_OR_RETURN(a.product_code, st.getString(3));
  CB_ASSIGN_OR_RETURN(a.customer_id, st.getInt64(4));
  CB_ASSIGN_OR_RETURN(int32_t status, getInt32(st, 5));
  a.status = static_cast<idl::AccountStatus::type>(status);
  CB_ASSIGN_OR_RETURN(std::string currency, st.getString(6));
  CB_ASSIGN_OR_RETURN(int64_t ledger, st.getInt64(7));
  CB_ASSIGN_OR_RETURN(int64_t available, st.getInt64(8));
  CB_ASSIGN_OR_RETURN(int64_t overdraft, st.getInt64(9));
  CB_ASSIGN_OR_RETURN(int64_t accrued, st.getInt64(10));
  a.ledger_balance = money(ledger, currency);
  a.available_balance = money(available, currency);
  a.overdraft_limit = money(overdraft, currency);
  a.accrued_interest = money(accrued, currency);
  CB_ASSIGN_OR_RETURN(a.interest_rate_pct_micros, st.getInt64(11));
  CB_ASSIGN_OR_RETURN(a.open_date, getInt32(st, 12));
  CB_ASSIGN_OR_RETURN(a.maturity_date, getInt32(st, 13));
  CB_ASSIGN_OR_RETURN(a.close_date, getInt32(st, 14));
  CB_ASSIGN_OR_RETURN(a.last_posting_seq, st.getInt64(15));
  CB_ASSIGN_OR_RETURN(a.hold_count, getInt32(st, 16));
  return a;
}

// The account, or nullopt; `lock` takes its row lock until commit.
Result<std::optional<idl::Account>> loadAccount(Connection& c, const std::string& id, bool lock) {
  const std::string sql = std::string("SELECT ") + kAccountColumns +
                          " FROM nc_accounts WHERE account_id = ?" +
                          std::string(lock ? c.dialect().forUpdate() : "");
  CB_ASSIGN_OR_RETURN(auto st, run(c, sql, id));
  CB_ASSIGN_OR_RETURN(bool found, st->fetch());
  if (!found) {
    return std::optional<idl::Account>();
  }
  CB_ASSIGN_OR_RETURN(idl::Account a, readAccount(*st));
  return std::optional<idl::Account>(std::move(a));
}

Status insertAccount(Connection& c, const idl::Account& a) {
  const std::string sql = std::string("INSERT INTO nc_accounts (") + kAccountColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  auto st =
      run(c, sql, a.account_id, a.product_line, a.product_code, a.customer_id, a.status,
          a.ledger_balance.currency, a.ledger_balance.minor_units, a.available_balance.minor_units,
          a.overdraft_limit.minor_units, a.accrued_interest.minor_units, a.interest_rate_pct_micros,
          a.open_date, a.maturity_date, a.close_date, a.last_posting_seq, a.hold_count);
  return retryOnDuplicate(st.status(), "account " + a.account_id);
}

Status updateAccount(Connection& c, const idl::Account& a) {
  auto st = run(c,
                "UPDATE nc_accounts SET product_line = ?, product_code = ?, customer_id = ?, "
                "status = ?, currency = ?, ledger_balance = ?, available_balance = ?, "
                "overdraft_limit = ?, accrued_interest = ?, interest_rate_pct_micros = ?, "
                "open_date = ?, maturity_date = ?, close_date = ?, last_posting_seq = ?, "
                "hold_count = ? WHERE account_id = ?",
                a.product_line, a.product_code, a.customer_id, a.status, a.ledger_balance.currency,
                a.ledger_balance.minor_units, a.available_balance.minor_units,
                a.overdraft_limit.minor_units, a.accrued_interest.minor_units,
                a.interest_rate_pct_micros, a.open_date, a.maturity_date, a.close_date,
                a.last_posting_seq, a.hold_count, a.account_id);
  CB_RETURN_IF_ERROR(st.status());
  CB_ASSIGN_OR_RETURN(int64_t rows, (*st)->rowsAffected());
  if (rows != 1) {
    return internalError("UPDATE of account " + a.account_id + " changed " + std::to_string(rows) +
                         " rows");
  }
  return okStatus();
}

// ---- postings and GL legs ----------------------------------------------

Status insertGlLeg(Connection& c, const std::string& entry_key, const std::string& gl_account,
                   const std::string& account_id, int32_t business_date, int64_t signed_amount,
                   const std::string& currency) {
  return run(c,
             "INSERT INTO nc_gl_postings (entry_key, gl_account, account_id, business_date, "
             "signed_amount, currency) VALUES (?, ?, ?, ?, ?, ?)",
             entry_key, gl_account, account_id, business_date, signed_amount, currency)
      .status();
}

// Applies one posting to `a` (already locked) and writes it, the account's
// new balances and the contra leg.
// `contra` overrides the GL account of the txn code (a transfer leg whose
// other leg a snapshot brought in is balanced on CONVERSION, where the
// snapshot booked that other leg's difference).
Result<idl::Posting> applyPosting(Connection& c, idl::Account& a, const WriteKey& key,
                                  const WriteContext& ctx, idl::Direction::type direction,
                                  int64_t amount, int32_t txn_code, const std::string& description,
                                  const std::string& contra = "") {
  idl::Posting p = applyToAccount(a, key.key, ctx.business_date, ctx.channel_code, direction,
                                  amount, txn_code, description);
  CB_RETURN_IF_ERROR(updateAccount(c, a));
  auto st = run(c,
                "INSERT INTO nc_postings (account_id, seq, business_date, txn_code, direction, "
                "amount, currency, running_balance, idempotency_key, channel_code, terminal_id, "
                "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                p.account_id, p.seq, p.business_date, p.txn_code, p.direction, p.amount.minor_units,
                p.amount.currency, p.running_balance.minor_units, p.idempotency_key, p.channel_code,
                ctx.terminal_id, p.description);
  CB_RETURN_IF_ERROR(
      retryOnDuplicate(st.status(), "posting " + p.account_id + "/" + std::to_string(p.seq)));
  const std::string gl = contra.empty() ? contraGlAccount(txn_code) : contra;
  if (!gl.empty()) {
    const int64_t customer = direction == idl::Direction::DEBIT ? -amount : amount;
    CB_RETURN_IF_ERROR(
        insertGlLeg(c, key.key, gl, p.account_id, ctx.business_date, -customer, p.amount.currency));
  }
  return p;
}

Result<idl::Posting> readPosting(const Statement& st) {
  idl::Posting p;
  CB_ASSIGN_OR_RETURN(p.account_id, st.getString(1));
  CB_ASSIGN_OR_RETURN(p.seq, st.getInt64(2));
  CB_ASSIGN_OR_RETURN(p.business_date, getInt32(st, 3));
  CB_ASSIGN_OR_RETURN(p.txn_code, getInt32(st, 4));
  CB_ASSIGN_OR_RETURN(int32_t direction, getInt32(st, 5));
  p.direction = static_cast<idl::Direction::type>(direction);
  CB_ASSIGN_OR_RETURN(int64_t amount, st.getInt64(6));
  CB_ASSIGN_OR_RETURN(std::string currency, st.getString(7));
  CB_ASSIGN_OR_RETURN(int64_t running, st.getInt64(8));
  p.amount = money(amount, currency);
  p.running_balance = money(running, currency);
  CB_ASSIGN_OR_RETURN(p.idempotency_key, st.getString(9));
  CB_ASSIGN_OR_RETURN(p.channel_code, st.getString(10));
  CB_ASSIGN_OR_RETURN(p.description, st.getString(11));
  return p;
}

// ---- idempotency records -----------------------------------------------

constexpr char kHex[] = "0123456789abcdef";

std::string toHex(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

Result<std::string> fromHex(const std::string& hex) {
  auto nibble = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') {
      return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
      return ch - 'a' + 10;
    }
    return -1;
  };
  if (hex.size() % 2 != 0) {
    return dataLoss("stored outcome: odd number of hex digits");
  }
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return dataLoss("stored outcome: not hex at offset " + std::to_string(2 * i));
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// A Thrift struct (a result or a business exception) in the binary protocol.
template <typename T>
std::string serialize(const T& value) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  value.write(&protocol);
  return buffer->getBufferAsString();
}

template <typename T>
Status deserialize(const std::string& bytes, T* value) {
  try {
    auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
        static_cast<uint32_t>(bytes.size()));
    apache::thrift::protocol::TBinaryProtocol protocol(buffer);
    value->read(&protocol);
  } catch (const apache::thrift::TException& e) {
    return dataLoss(std::string("stored outcome does not decode: ") + e.what());
  }
  return okStatus();
}

template <typename V, size_t I>
Result<V> decodeAlternative(const std::string& bytes) {
  std::variant_alternative_t<I, V> value;
  CB_RETURN_IF_ERROR(deserialize(bytes, &value));
  return V(std::in_place_index<I>, std::move(value));
}

// The outcome stored as alternative `kind` of Outcome<R>.
template <typename R>
Result<Outcome<R>> decodeOutcome(int64_t kind, const std::string& hex) {
  using V = Outcome<R>;
  static_assert(std::variant_size_v<V> == 5);
  CB_ASSIGN_OR_RETURN(std::string bytes, fromHex(hex));
  switch (kind) {
    case 0:
      return decodeAlternative<V, 0>(bytes);
    case 1:
      return decodeAlternative<V, 1>(bytes);
    case 2:
      return decodeAlternative<V, 2>(bytes);
    case 3:
      return decodeAlternative<V, 3>(bytes);
    case 4:
      return decodeAlternative<V, 4>(bytes);
    default:
      return dataLoss("stored outcome kind " + std::to_string(kind) + " is unknown");
  }
}

// ---- snapshots ---------------------------------------------------------

std::string snapshotEntryKey(const idl::AccountSnapshot& s) {
  return "SNAPSHOT " + s.account.account_id + " " + std::to_string(s.watermark);
}

}  // namespace

SqlLedgerStore::SqlLedgerStore(std::unique_ptr<odbc::ConnectionPool> pool, SqlStoreOptions options,
                               int schema_version)
    : pool_(std::move(pool)), options_(options), schema_version_(schema_version) {}

SqlLedgerStore::~SqlLedgerStore() = default;

Result<std::unique_ptr<SqlLedgerStore>> SqlLedgerStore::open(const std::string& connection_string,
                                                             const SqlStoreOptions& options) {
  // A DSN of odbc.ini names no driver: the connection learns the dialect
  // from the server, and the DSN's own attributes stand.
  Result<odbc::Dialect> named = odbc::Dialect::fromConnectionString(connection_string);
  if (!named.ok() && named.status().code() != StatusCode::kNotFound) {
    return named.status();
  }
  std::string cs = connection_string;
  const bool sqlite = named.ok() && named->kind() == odbc::DialectKind::kSqlite;
  const bool postgres = named.ok() && named->kind() == odbc::DialectKind::kPostgres;
  if (sqlite) {
    // BEGIN IMMEDIATE of a second writer waits for the first instead of
    // failing at once; runTransaction still retries a busy that outlasts it.
    cs = odbc::withDefaultAttribute(cs, "Timeout", "10000");
  } else if (postgres) {
    // psqlODBC's server-side prepare costs a round trip per SQLPrepare, and
    // every write prepares about seven statements: sending them as plain
    // queries with the parameters inlined by the driver doubled postings/s
    // (docs/newcore.md, "The SQL store", "Measured").
    cs = odbc::withDefaultAttribute(cs, "UseServerSidePrepare", "0");
  }
  odbc::PoolOptions pool_options;
  pool_options.max_size = std::max<size_t>(1, options.pool_size);
  auto pool = std::make_unique<odbc::ConnectionPool>(cs, pool_options);
  int version = 0;
  {
    CB_ASSIGN_OR_RETURN(odbc::PooledConnection lease, pool->acquire());
    CB_ASSIGN_OR_RETURN(version, applyMigrations(*lease));
  }
  return std::unique_ptr<SqlLedgerStore>(new SqlLedgerStore(std::move(pool), options, version));
}

template <typename R, typename Body>
Result<Outcome<R>> SqlLedgerStore::write(const WriteKey& key, const char* operation, Body body) {
  Outcome<R> out;
  Status refusal;
  Status s = odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        CB_ASSIGN_OR_RETURN(auto seen, run(c,
                                           "SELECT fingerprint, outcome_kind, outcome, operation "
                                           "FROM nc_idempotency_keys WHERE idempotency_key = ?",
                                           key.key));
        CB_ASSIGN_OR_RETURN(bool replay, seen->fetch());
        if (replay) {
          CB_ASSIGN_OR_RETURN(std::string fingerprint, seen->getString(1));
          CB_ASSIGN_OR_RETURN(std::string stored_operation, seen->getString(4));
          if (fingerprint != key.fingerprint || stored_operation != operation) {
            return alreadyExists("idempotency key '" + key.key +
                                 "' was used for a different request");
          }
          CB_ASSIGN_OR_RETURN(int64_t kind, seen->getInt64(2));
          CB_ASSIGN_OR_RETURN(std::string hex, seen->getString(3));
          CB_ASSIGN_OR_RETURN(out, decodeOutcome<R>(kind, hex));
          return okStatus();
        }
        refusal = okStatus();
        Result<Outcome<R>> applied = body(c);
        if (!applied.ok() && isWatermarkRefusal(applied.status())) {
          // Not a database error to retry: roll back, record nothing.
          refusal = applied.status();
          return failedPrecondition("watermark refusal");
        }
        CB_ASSIGN_OR_RETURN(out, std::move(applied));
        const std::string bytes = std::visit([](const auto& v) { return serialize(v); }, out);
        auto record = run(c,
                          "INSERT INTO nc_idempotency_keys (idempotency_key, operation, "
                          "fingerprint, outcome_kind, outcome, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          key.key, std::string(operation), key.fingerprint,
                          static_cast<int64_t>(out.index()), toHex(bytes), utcTimestamp());
        return retryOnDuplicate(record.status(), "idempotency key '" + key.key + "'");
      },
      options_.retry);
  if (!refusal.ok()) {
    return refusal;
  }
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<idl::Account> SqlLedgerStore::getAccount(const std::string& account_id) {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection lease, pool_->acquire());
  CB_ASSIGN_OR_RETURN(std::optional<idl::Account> a, loadAccount(*lease, account_id, false));
  if (!a) {
    return notFound("account not on file");
  }
  return *a;
}

Result<idl::Statement> SqlLedgerStore::getStatement(const std::string& account_id,
                                                    int32_t max_postings) {
  idl::Statement out;
  // One transaction, so that the balance and the postings are of one moment.
  Status s = odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        CB_ASSIGN_OR_RETURN(std::optional<idl::Account> a, loadAccount(c, account_id, false));
        if (!a) {
          return notFound("account not on file");
        }
        out.account = *a;
        out.postings.clear();
        const int32_t n = std::clamp(max_postings, 0, 1000);
        CB_ASSIGN_OR_RETURN(
            auto st, run(c,
                         "SELECT account_id, seq, business_date, txn_code, direction, amount, "
                         "currency, running_balance, idempotency_key, channel_code, description "
                         "FROM nc_postings WHERE account_id = ? ORDER BY seq DESC LIMIT " +
                             std::to_string(n),
                         account_id));
        while (true) {
          CB_ASSIGN_OR_RETURN(bool row, st->fetch());
          if (!row) {
            break;
          }
          CB_ASSIGN_OR_RETURN(idl::Posting p, readPosting(*st));
          out.postings.push_back(std::move(p));
        }
        return okStatus();
      },
      options_.retry);
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<Outcome<idl::OpenAccountResult>> SqlLedgerStore::openAccount(const WriteKey& key,
                                                                    const WriteContext& ctx,
                                                                    const NewAccount& spec) {
  using R = idl::OpenAccountResult;
  return write<R>(key, "open", [&](Connection& c) -> Result<Outcome<R>> {
    idl::Account account = spec.account;
    if (account.account_id.empty()) {
      char branch[8];
      std::snprintf(branch, sizeof branch, "%03d", spec.branch);
      const std::string counter = prefixOf(account.product_line) + branch;
      CB_ASSIGN_OR_RETURN(auto st, run(c,
                                       "SELECT last_serial FROM nc_account_serials "
                                       "WHERE prefix_branch = ?" +
                                           std::string(c.dialect().forUpdate()),
                                       counter));
      CB_ASSIGN_OR_RETURN(bool found, st->fetch());
      int64_t serial = 0;
      if (found) {
        CB_ASSIGN_OR_RETURN(serial, st->getInt64(1));
      } else {
        CB_RETURN_IF_ERROR(retryOnDuplicate(
            run(c, "INSERT INTO nc_account_serials (prefix_branch, last_serial) VALUES (?, 0)",
                counter)
                .status(),
            "serial counter " + counter));
      }
      // Backfilled accounts may already hold serials past the counter: skip them.
      while (true) {
        serial += 1;
        if (serial > 999'999) {
          return failedPrecondition("branch: no account serial left in this branch");
        }
        account.account_id =
            makeAccountNumber(account.product_line, spec.branch, static_cast<int32_t>(serial));
        CB_ASSIGN_OR_RETURN(std::optional<idl::Account> taken,
                            loadAccount(c, account.account_id, false));
        if (!taken) {
          break;
        }
      }
      CB_RETURN_IF_ERROR(
          run(c, "UPDATE nc_account_serials SET last_serial = ? WHERE prefix_branch = ?", serial,
              counter)
              .status());
    } else {
      CB_ASSIGN_OR_RETURN(std::optional<idl::Account> taken,
                          loadAccount(c, account.account_id, true));
      if (taken && spec.source_seq && *spec.source_seq <= taken->last_posting_seq) {
        // Legacy opened it first and the backfill brought it in since.
        R included;
        included.account = *taken;
        return Outcome<R>(included);
      }
      if (taken) {
        return failedPrecondition("account_id: an account with this number exists");
      }
    }
    CB_RETURN_IF_ERROR(insertAccount(c, account));
    if (spec.initial_amount > 0) {
      const bool loan = account.product_line == idl::ProductLine::LOAN;
      CB_RETURN_IF_ERROR(applyPosting(c, account, key, ctx,
                                      loan ? idl::Direction::DEBIT : idl::Direction::CREDIT,
                                      spec.initial_amount, loan ? 2050 : 1002,
                                      loan ? "LOAN DISBURSEMENT" : "OPENING DEPOSIT")
                             .status());
    }
    R result;
    result.account = account;
    return Outcome<R>(result);
  });
}

Result<Outcome<idl::PostingResult>> SqlLedgerStore::post(const WriteKey& key,
                                                         const WriteContext& ctx,
                                                         const PostingSpec& spec) {
  using R = idl::PostingResult;
  return write<R>(key, "post", [&](Connection& c) -> Result<Outcome<R>> {
    CB_ASSIGN_OR_RETURN(std::optional<idl::Account> found, loadAccount(c, spec.account_id, true));
    if (!found) {
      if (spec.source_seq) {
        return notLoaded(spec.account_id);
      }
      return Outcome<R>(notFoundError(spec.account_id));
    }
    idl::Account& a = *found;
    if (a.ledger_balance.currency != spec.amount.currency) {
      return invalidArgument("amount.currency: the account is in " + a.ledger_balance.currency);
    }
    switch (sourceVerdict(a, spec.source_seq)) {
      case SourceVerdict::kIncluded:
        return Outcome<R>(includedPosting(a, *spec.source_seq));
      case SourceVerdict::kGap:
        return sequenceGap(a, *spec.source_seq);
      case SourceVerdict::kApply:
        break;
    }
    if (!isPostable(a.status)) {
      return Outcome<R>(closedError(a));
    }
    const int64_t amount = spec.amount.minor_units;
    if (spec.direction == idl::Direction::DEBIT && !hasFunds(a, amount)) {
      return Outcome<R>(fundsError(a, amount));
    }
    if (wouldOverflow(a, spec.direction, amount)) {
      return outOfRange("amount: the balance would overflow S9(13)V99");
    }
    CB_ASSIGN_OR_RETURN(idl::Posting p, applyPosting(c, a, key, ctx, spec.direction, amount,
                                                     spec.txn_code, spec.description));
    R result;
    result.posting_seq = p.seq;
    result.ledger_balance = a.ledger_balance;
    result.available_balance = a.available_balance;
    return Outcome<R>(result);
  });
}

Result<Outcome<idl::TransferResult>> SqlLedgerStore::transfer(const WriteKey& key,
                                                              const WriteContext& ctx,
                                                              const TransferSpec& spec) {
  using R = idl::TransferResult;
  return write<R>(key, "transfer", [&](Connection& c) -> Result<Outcome<R>> {
    // Lock in id order: two transfers between the same accounts in opposite
    // directions then queue instead of deadlocking.
    const bool from_first = spec.from_account_id < spec.to_account_id;
    const std::string& first_id = from_first ? spec.from_account_id : spec.to_account_id;
    const std::string& second_id = from_first ? spec.to_account_id : spec.from_account_id;
    CB_ASSIGN_OR_RETURN(std::optional<idl::Account> first, loadAccount(c, first_id, true));
    CB_ASSIGN_OR_RETURN(std::optional<idl::Account> second, loadAccount(c, second_id, true));
    std::optional<idl::Account>& from = from_first ? first : second;
    std::optional<idl::Account>& to = from_first ? second : first;
    const bool sourced = spec.source_from_seq || spec.source_to_seq;
    if (!from) {
      if (sourced) {
        return notLoaded(spec.from_account_id);
      }
      return Outcome<R>(notFoundError(spec.from_account_id));
    }
    if (!to) {
      if (sourced) {
        return notLoaded(spec.to_account_id);
      }
      return Outcome<R>(notFoundError(spec.to_account_id));
    }
    for (const idl::Account* a : {&*from, &*to}) {
      if (a->ledger_balance.currency != spec.amount.currency) {
        return invalidArgument("amount.currency: account " + a->account_id + " is in " +
                               a->ledger_balance.currency);
      }
    }
    const SourceVerdict from_verdict = sourceVerdict(*from, spec.source_from_seq);
    const SourceVerdict to_verdict = sourceVerdict(*to, spec.source_to_seq);
    if (from_verdict == SourceVerdict::kGap) {
      return sequenceGap(*from, *spec.source_from_seq);
    }
    if (to_verdict == SourceVerdict::kGap) {
      return sequenceGap(*to, *spec.source_to_seq);
    }
    const bool debit = from_verdict == SourceVerdict::kApply;
    const bool credit = to_verdict == SourceVerdict::kApply;
    if (debit && !isPostable(from->status)) {
      return Outcome<R>(closedError(*from));
    }
    if (credit && !isPostable(to->status)) {
      return Outcome<R>(closedError(*to));
    }
    const int64_t amount = spec.amount.minor_units;
    if (debit && !hasFunds(*from, amount)) {
      return Outcome<R>(fundsError(*from, amount));
    }
    if ((debit && wouldOverflow(*from, idl::Direction::DEBIT, amount)) ||
        (credit && wouldOverflow(*to, idl::Direction::CREDIT, amount))) {
      return outOfRange("amount: a balance would overflow S9(13)V99");
    }
    // One leg alone: the other came in with a snapshot, whose difference
    // went to CONVERSION; this leg balances there too.
    const std::string contra = debit && credit ? "" : kConversionGlAccount;
    R result;
    result.from_posting_seq = debit ? 0 : *spec.source_from_seq;
    if (debit) {
      CB_ASSIGN_OR_RETURN(idl::Posting p, applyPosting(c, *from, key, ctx, idl::Direction::DEBIT,
                                                       amount, 2001, spec.description, contra));
      result.from_posting_seq = p.seq;
    }
    result.from_ledger_balance = from->ledger_balance;
    result.to_posting_seq = credit ? 0 : *spec.source_to_seq;
    if (credit) {
      CB_ASSIGN_OR_RETURN(idl::Posting p, applyPosting(c, *to, key, ctx, idl::Direction::CREDIT,
                                                       amount, 2001, spec.description, contra));
      result.to_posting_seq = p.seq;
    }
    result.to_ledger_balance = to->ledger_balance;
    return Outcome<R>(result);
  });
}

Result<Outcome<idl::CloseAccountResult>> SqlLedgerStore::closeAccount(const WriteKey& key,
                                                                      const WriteContext& ctx,
                                                                      const CloseSpec& spec) {
  using R = idl::CloseAccountResult;
  const std::string& account_id = spec.account_id;
  return write<R>(key, "close", [&](Connection& c) -> Result<Outcome<R>> {
    CB_ASSIGN_OR_RETURN(std::optional<idl::Account> found, loadAccount(c, account_id, true));
    if (!found) {
      if (spec.source_closed) {
        return notLoaded(account_id);
      }
      return Outcome<R>(notFoundError(account_id));
    }
    idl::Account& a = *found;
    if (a.status == idl::AccountStatus::CLOSED) {
      // With source_closed: legacy closed it first and the backfill brought
      // the close in since.
      return spec.source_closed ? Outcome<R>(closeResultOf(a)) : Outcome<R>(closedError(a));
    }
    if (blocksClose(a)) {
      return Outcome<R>(balanceNotZeroError(a));
    }
    a.status = idl::AccountStatus::CLOSED;
    a.close_date = ctx.business_date;
    CB_RETURN_IF_ERROR(updateAccount(c, a));
    R result;
    result.close_date = a.close_date;
    result.ledger_balance = a.ledger_balance;
    result.accrued_interest = a.accrued_interest;
    return Outcome<R>(result);
  });
}

Result<idl::SnapshotResult> SqlLedgerStore::upsertSnapshot(const idl::AccountSnapshot& snapshot) {
  idl::SnapshotResult result;
  Status s = odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        const std::string& id = snapshot.account.account_id;
        result = idl::SnapshotResult();
        result.account_id = id;
        CB_ASSIGN_OR_RETURN(std::optional<idl::Account> stored, loadAccount(c, id, true));
        if (stored && snapshotIsStale(*stored, snapshot)) {
          result.outcome = idl::SnapshotOutcome::IGNORED_STALE;
          result.stored_watermark = stored->last_posting_seq;
          return okStatus();
        }
        idl::Account a = snapshot.account;
        a.last_posting_seq = snapshot.watermark;
        int64_t difference = a.ledger_balance.minor_units;
        if (stored) {
          difference -= stored->ledger_balance.minor_units;
          CB_RETURN_IF_ERROR(updateAccount(c, a));
          result.outcome = idl::SnapshotOutcome::UPDATED;
        } else {
          CB_RETURN_IF_ERROR(insertAccount(c, a));
          result.outcome = idl::SnapshotOutcome::CREATED;
        }
        if (difference != 0) {
          CB_RETURN_IF_ERROR(insertGlLeg(c, snapshotEntryKey(snapshot), kConversionGlAccount, id,
                                         a.open_date, -difference, a.ledger_balance.currency));
        }
        result.stored_watermark = snapshot.watermark;
        return okStatus();
      },
      options_.retry);
  if (!s.ok()) {
    return s;
  }
  return result;
}

Result<idl::ExtractPage> SqlLedgerStore::extractAccounts(idl::ProductLine::type line,
                                                         const std::string& after, int32_t limit) {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection lease, pool_->acquire());
  const int32_t n = std::clamp(limit, 1, 1000);
  // One row past the page tells whether another page follows.
  CB_ASSIGN_OR_RETURN(auto st, run(*lease,
                                   std::string("SELECT ") + kAccountColumns +
                                       " FROM nc_accounts WHERE product_line = ? AND "
                                       "account_id > ? ORDER BY account_id LIMIT " +
                                       std::to_string(n + 1),
                                   line, after));
  idl::ExtractPage page;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, st->fetch());
    if (!row) {
      break;
    }
    if (static_cast<int32_t>(page.accounts.size()) == n) {
      page.next_cursor = page.accounts.back().account_id;
      break;
    }
    CB_ASSIGN_OR_RETURN(idl::Account a, readAccount(*st));
    page.accounts.push_back(std::move(a));
  }
  return page;
}

Result<size_t> SqlLedgerStore::keyCount() {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection lease, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, run(*lease, "SELECT COUNT(*) FROM nc_idempotency_keys"));
  CB_ASSIGN_OR_RETURN(bool row, st->fetch());
  if (!row) {
    return internalError("SELECT COUNT(*) returned no row");
  }
  CB_ASSIGN_OR_RETURN(int64_t n, st->getInt64(1));
  return static_cast<size_t>(n);
}

Result<std::map<std::string, int64_t>> SqlLedgerStore::trialBalance() {
  std::map<std::string, int64_t> totals;
  Status s = odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        totals.clear();
        for (const char* sql :
             {"SELECT currency, SUM(ledger_balance) FROM nc_accounts GROUP BY currency",
              "SELECT currency, SUM(signed_amount) FROM nc_gl_postings GROUP BY currency"}) {
          CB_ASSIGN_OR_RETURN(auto st, run(c, sql));
          while (true) {
            CB_ASSIGN_OR_RETURN(bool row, st->fetch());
            if (!row) {
              break;
            }
            CB_ASSIGN_OR_RETURN(std::string currency, st->getString(1));
            CB_ASSIGN_OR_RETURN(int64_t sum, st->getInt64(2));
            totals[currency] += sum;
          }
        }
        return okStatus();
      },
      options_.retry);
  if (!s.ok()) {
    return s;
  }
  return totals;
}

}  // namespace corebridge::newcore

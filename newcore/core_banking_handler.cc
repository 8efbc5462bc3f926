#include "newcore/core_banking_handler.h"

#include <thrift/TApplicationException.h>

#include <algorithm>
#include <optional>
#include <variant>

#include "newcore/ledger_rules.h"
#include "newcore/products.h"

namespace corebridge::newcore {
namespace {

constexpr int64_t kMaxLimitMinorUnits = 9'999'999'999'999;  // S9(11)V99
constexpr int64_t kMaxCustomerId = 9'999'999'999;           // 9(10)

[[noreturn]] void invalid(const std::string& field, const std::string& reason) {
  idl::InvalidRequest e;
  e.field = field;
  e.reason = reason;
  throw e;
}

bool isPrintableAscii(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

void checkText(const std::string& field, const std::string& s, size_t max) {
  if (s.size() > max) {
    invalid(field, "longer than " + std::to_string(max) + " characters");
  }
  if (!isPrintableAscii(s)) {
    invalid(field, "not printable ASCII");
  }
}

void checkKey(const std::string& key) {
  checkText("idempotency_key", key, kMaxKeyLength);
  if (key.find_first_not_of(' ') == std::string::npos) {
    invalid("idempotency_key", "blank");
  }
}

idl::ProductLine::type checkAccountId(const std::string& field, const std::string& id) {
  if (!isAccountNumber(id)) {
    invalid(field, "not a 12-digit account number");
  }
  const auto line = productLineOfPrefix(id);
  if (!line) {
    invalid(field, "unknown product prefix " + id.substr(0, 2));
  }
  return *line;
}

void checkCurrency(const std::string& field, const std::string& currency) {
  if (currency.size() != 3 ||
      !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    invalid(field, "not an ISO 4217 currency code");
  }
}

// An amount in a request: positive and within the legacy picture.
void checkAmount(const std::string& field, const idl::Money& m) {
  checkCurrency(field + ".currency", m.currency);
  if (m.minor_units <= 0) {
    invalid(field + ".minor_units", "must be positive");
  }
  if (m.minor_units > kMaxMinorUnits) {
    invalid(field + ".minor_units", "exceeds S9(13)V99");
  }
}

void checkChannel(const idl::Channel& c) {
  checkText("channel.code", c.code, 3);
  checkText("channel.terminal_id", c.terminal_id, 8);
}

int32_t businessDate(bool isset, int32_t date) {
  if (!isset || date == 0) {
    return todayUtc();
  }
  if (!isDate(date)) {
    invalid("business_date", "not a CCYYMMDD date");
  }
  return date;
}

WriteContext context(bool date_isset, int32_t date, bool channel_isset,
                     const idl::Channel& channel) {
  WriteContext ctx;
  ctx.business_date = businessDate(date_isset, date);
  if (channel_isset) {
    checkChannel(channel);
    ctx.channel_code = channel.code;
    ctx.terminal_id = channel.terminal_id;
  }
  return ctx;
}

// A canonical, unambiguous encoding of a request's business content: what
// the legacy TXNLOG compares byte for byte (the xxx-REQUEST group).
class Fingerprint {
 public:
  explicit Fingerprint(const char* operation) { add(operation); }
  Fingerprint& add(const std::string& s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
    return *this;
  }
  Fingerprint& add(int64_t v) { return add(std::to_string(v)); }
  Fingerprint& add(const idl::Money& m) { return add(m.minor_units).add(m.currency); }
  std::string str() const { return out_; }

 private:
  std::string out_;
};

[[noreturn]] void throwNotFound(const std::string& account_id) {
  idl::NotFound e;
  e.account_id = account_id;
  e.__set_message("account not on file");
  throw e;
}

// A legacy posting sequence (the watermark rule): 1 or more.
std::optional<int64_t> sourceSeq(const std::string& field, bool isset, int64_t seq,
                                 int64_t min = 1) {
  if (!isset) {
    return std::nullopt;
  }
  if (seq < min || seq > 999'999'999) {
    invalid(field, "not " + std::to_string(min) + "..999999999 (legacy PIC 9(9))");
  }
  return seq;
}

// Maps a store Status to the contract: conflict, invalid request,
// unavailable, or an internal error.
[[noreturn]] void throwStatus(const Status& s, const std::string& key) {
  switch (s.code()) {
    case StatusCode::kAlreadyExists: {
      idl::IdempotencyConflict e;
      e.idempotency_key = key;
      e.message = s.message();
      throw e;
    }
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition: {
      const size_t colon = s.message().find(": ");
      if (colon == std::string::npos) {
        invalid("", s.message());
      }
      invalid(s.message().substr(0, colon), s.message().substr(colon + 2));
    }
    case StatusCode::kNotFound:
      // The watermark rule's "not on file yet" (ledger_rules.h, notLoaded).
      throwNotFound(notLoadedAccount(s));
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
    case StatusCode::kDeadlineExceeded: {
      idl::ServiceUnavailable e;
      e.message = s.toString();
      throw e;
    }
    default:
      throw apache::thrift::TApplicationException(
          apache::thrift::TApplicationException::INTERNAL_ERROR, s.toString());
  }
}

// Returns the result of an outcome, or throws its business exception.
template <typename T>
void deliver(T& out, const Result<Outcome<T>>& r, const std::string& key) {
  if (!r.ok()) {
    throwStatus(r.status(), key);
  }
  std::visit(
      [&out](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, T>) {
          out = v;
        } else {
          throw v;
        }
      },
      *r);
}

template <typename T>
void deliverRead(T& out, const Result<T>& r, const std::string& account_id) {
  if (r.ok()) {
    out = *r;
    return;
  }
  if (r.status().code() == StatusCode::kNotFound) {
    throwNotFound(account_id);
  }
  throwStatus(r.status(), "");
}

void checkDirection(idl::Direction::type d) {
  if (d != idl::Direction::DEBIT && d != idl::Direction::CREDIT) {
    invalid("direction", "neither DEBIT nor CREDIT");
  }
}

void checkSnapshot(const idl::AccountSnapshot& s) {
  const idl::Account& a = s.account;
  const auto line = checkAccountId("account.account_id", a.account_id);
  if (a.product_line != line) {
    invalid("account.product_line", "does not match the account number's prefix");
  }
  const auto product = findProduct(a.product_code);
  if (!product || product->line != line) {
    invalid("account.product_code", "unknown for this product line");
  }
  const std::string& cur = a.ledger_balance.currency;
  checkCurrency("account.ledger_balance.currency", cur);
  for (const idl::Money* m :
       {&a.available_balance, &a.overdraft_limit, &a.accrued_interest, &a.ledger_balance}) {
    if (m->currency != cur) {
      invalid("account", "balances in different currencies");
    }
    if (m->minor_units > kMaxMinorUnits || m->minor_units < -kMaxMinorUnits) {
      invalid("account", "a balance exceeds S9(13)V99");
    }
  }
  if (a.status < idl::AccountStatus::ACTIVE || a.status > idl::AccountStatus::PENDING_OPEN) {
    invalid("account.status", "unknown status");
  }
  if (s.watermark < 0) {
    invalid("watermark", "negative");
  }
}

}  // namespace

void CoreBankingHandler::getAccount(idl::Account& out, const idl::AccountId& account_id) {
  checkAccountId("account_id", account_id);
  deliverRead(out, store_.getAccount(account_id), account_id);
}

void CoreBankingHandler::openAccount(idl::OpenAccountResult& out,
                                     const idl::OpenAccountRequest& request) {
  checkKey(request.idempotency_key);
  const auto product = findProduct(request.product_code);
  if (!product) {
    invalid("product_code", "unknown product code");
  }
  if (request.branch < 1 || request.branch > 999) {
    invalid("branch", "not 1..999");
  }
  if (request.customer_id < 0 || request.customer_id > kMaxCustomerId) {
    invalid("customer_id", "not 10 digits");
  }
  const idl::Money& initial = request.initial_amount;
  checkCurrency("initial_amount.currency", initial.currency);
  const bool needs_funds =
      product->line == idl::ProductLine::TERM_DEPOSIT || product->line == idl::ProductLine::LOAN;
  if (initial.minor_units < 0 || (needs_funds && initial.minor_units == 0)) {
    invalid("initial_amount.minor_units", needs_funds ? "must be positive" : "negative");
  }
  if (initial.minor_units > kMaxMinorUnits) {
    invalid("initial_amount.minor_units", "exceeds S9(13)V99");
  }
  int64_t overdraft = 0;
  if (request.__isset.overdraft_limit) {
    const idl::Money& od = request.overdraft_limit;
    if (od.currency != initial.currency) {
      invalid("overdraft_limit.currency", "differs from initial_amount.currency");
    }
    if (od.minor_units < 0 || od.minor_units > kMaxLimitMinorUnits) {
      invalid("overdraft_limit.minor_units", "not 0..S9(11)V99");
    }
    if (od.minor_units != 0 && product->line != idl::ProductLine::CHECKING) {
      invalid("overdraft_limit", "only a CHECKING account has an overdraft limit");
    }
    overdraft = od.minor_units;
  }
  if (request.__isset.account_id) {
    if (checkAccountId("account_id", request.account_id) != product->line) {
      invalid("account_id", "prefix does not match the product code's line");
    }
  }
  const WriteContext ctx = context(request.__isset.business_date, request.business_date,
                                   request.__isset.channel, request.channel);

  NewAccount spec;
  idl::Account& a = spec.account;
  a.account_id = request.__isset.account_id ? request.account_id : "";
  a.product_line = product->line;
  a.product_code = request.product_code;
  a.customer_id = request.customer_id;
  a.status = idl::AccountStatus::ACTIVE;
  a.ledger_balance.currency = initial.currency;
  a.available_balance.currency = initial.currency;
  a.overdraft_limit.currency = initial.currency;
  a.overdraft_limit.minor_units = overdraft;
  a.accrued_interest.currency = initial.currency;
  a.interest_rate_pct_micros = product->rate_pct_micros;
  a.open_date = ctx.business_date;
  a.maturity_date =
      product->term_months > 0 ? addMonths(ctx.business_date, product->term_months) : 0;
  spec.branch = request.branch;
  spec.initial_amount = initial.minor_units;
  spec.source_seq = sourceSeq("source_posting_seq", request.__isset.source_posting_seq,
                              request.source_posting_seq, 0);
  if (spec.source_seq && !request.__isset.account_id) {
    invalid("source_posting_seq", "needs the account_id legacy assigned");
  }

  const WriteKey key{request.idempotency_key, Fingerprint("open")
                                                  .add(request.product_code)
                                                  .add(request.branch)
                                                  .add(request.customer_id)
                                                  .add(initial)
                                                  .add(overdraft)
                                                  .add(a.account_id)
                                                  .str()};
  deliver(out, store_.openAccount(key, ctx, spec), request.idempotency_key);
}

void CoreBankingHandler::post(idl::PostingResult& out, const idl::PostingRequest& request) {
  checkKey(request.idempotency_key);
  checkAccountId("account_id", request.account_id);
  checkDirection(request.direction);
  checkAmount("amount", request.amount);
  int32_t txn_code = request.__isset.txn_code ? request.txn_code : 0;
  if (txn_code == 0) {
    txn_code = request.direction == idl::Direction::DEBIT ? 1001 : 1010;
  } else if (!(txn_code >= 1000 && txn_code <= 1099) && !(txn_code >= 4000 && txn_code <= 4099)) {
    invalid("txn_code", "not a cash (1000-1099) or fee (4000-4099) code");
  }
  checkText("description", request.description, kMaxDescriptionLength);
  const WriteContext ctx = context(request.__isset.business_date, request.business_date,
                                   request.__isset.channel, request.channel);
  PostingSpec spec{request.account_id,
                   request.direction,
                   request.amount,
                   txn_code,
                   request.description,
                   sourceSeq("source_posting_seq", request.__isset.source_posting_seq,
                             request.source_posting_seq)};
  const WriteKey key{request.idempotency_key, Fingerprint("post")
                                                  .add(request.account_id)
                                                  .add(request.direction)
                                                  .add(txn_code)
                                                  .add(request.amount)
                                                  .add(request.description)
                                                  .str()};
  deliver(out, store_.post(key, ctx, spec), request.idempotency_key);
}

void CoreBankingHandler::transfer(idl::TransferResult& out, const idl::TransferRequest& request) {
  checkKey(request.idempotency_key);
  checkAccountId("from_account_id", request.from_account_id);
  checkAccountId("to_account_id", request.to_account_id);
  if (request.from_account_id == request.to_account_id) {
    invalid("to_account_id", "the same account as from_account_id");
  }
  checkAmount("amount", request.amount);
  checkText("description", request.description, kMaxDescriptionLength);
  const WriteContext ctx = context(request.__isset.business_date, request.business_date,
                                   request.__isset.channel, request.channel);
  if (request.__isset.source_from_posting_seq != request.__isset.source_to_posting_seq) {
    invalid(request.__isset.source_from_posting_seq ? "source_to_posting_seq"
                                                    : "source_from_posting_seq",
            "set both source sequences or neither");
  }
  TransferSpec spec{request.from_account_id,
                    request.to_account_id,
                    request.amount,
                    request.description,
                    sourceSeq("source_from_posting_seq", request.__isset.source_from_posting_seq,
                              request.source_from_posting_seq),
                    sourceSeq("source_to_posting_seq", request.__isset.source_to_posting_seq,
                              request.source_to_posting_seq)};
  const WriteKey key{request.idempotency_key, Fingerprint("transfer")
                                                  .add(request.from_account_id)
                                                  .add(request.to_account_id)
                                                  .add(request.amount)
                                                  .add(request.description)
                                                  .str()};
  deliver(out, store_.transfer(key, ctx, spec), request.idempotency_key);
}

void CoreBankingHandler::getStatement(idl::Statement& out, const idl::AccountId& account_id,
                                      int32_t max_postings) {
  checkAccountId("account_id", account_id);
  if (max_postings < 0 || max_postings > kMaxStatementPostings) {
    invalid("max_postings", "not 0..100");
  }
  deliverRead(out, store_.getStatement(account_id, max_postings == 0 ? 10 : max_postings),
              account_id);
}

void CoreBankingHandler::closeAccount(idl::CloseAccountResult& out,
                                      const idl::CloseAccountRequest& request) {
  checkKey(request.idempotency_key);
  checkAccountId("account_id", request.account_id);
  const WriteContext ctx = context(request.__isset.business_date, request.business_date,
                                   request.__isset.channel, request.channel);
  const WriteKey key{request.idempotency_key, Fingerprint("close").add(request.account_id).str()};
  const CloseSpec spec{request.account_id, request.__isset.source_closed && request.source_closed};
  deliver(out, store_.closeAccount(key, ctx, spec), request.idempotency_key);
}

void CoreBankingHandler::upsertSnapshots(idl::UpsertResult& out,
                                         const std::vector<idl::AccountSnapshot>& snapshots) {
  if (snapshots.size() > kMaxSnapshotsPerCall) {
    invalid("snapshots", "more than 1000 in one call");
  }
  // Every snapshot is checked before any is applied: a bad one rejects the
  // call and changes nothing.
  for (const idl::AccountSnapshot& s : snapshots) {
    checkSnapshot(s);
  }
  out.results.clear();
  for (const idl::AccountSnapshot& s : snapshots) {
    Result<idl::SnapshotResult> r = store_.upsertSnapshot(s);
    if (!r.ok()) {
      throwStatus(r.status(), "");
    }
    out.results.push_back(*r);
  }
}

void CoreBankingHandler::extractAccounts(idl::ExtractPage& out,
                                         const idl::ExtractRequest& request) {
  if (request.product_line < idl::ProductLine::SAVINGS ||
      request.product_line > idl::ProductLine::LOAN) {
    invalid("product_line", "unknown product line");
  }
  if (request.limit < 1 || request.limit > kMaxPageSize) {
    invalid("limit", "not 1..1000");
  }
  if (!request.cursor.empty() && checkAccountId("cursor", request.cursor) != request.product_line) {
    invalid("cursor", "not an account of this product line");
  }
  deliverRead(out, store_.extractAccounts(request.product_line, request.cursor, request.limit), "");
}

}  // namespace corebridge::newcore

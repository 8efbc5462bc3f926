#include "newcore/ledger_rules.h"

#include "common/logging.h"
#include "newcore/products.h"

namespace corebridge::newcore {

idl::Money money(int64_t minor_units, const std::string& currency) {
  idl::Money m;
  m.minor_units = minor_units;
  m.currency = currency;
  return m;
}

bool isPostable(idl::AccountStatus::type status) {
  return status == idl::AccountStatus::ACTIVE || status == idl::AccountStatus::DORMANT;
}

bool hasFunds(const idl::Account& account, int64_t amount) {
  return account.available_balance.minor_units + account.overdraft_limit.minor_units >= amount;
}

bool wouldOverflow(const idl::Account& account, idl::Direction::type direction, int64_t amount) {
  const int64_t balance = account.ledger_balance.minor_units;
  const int64_t next = direction == idl::Direction::DEBIT ? balance - amount : balance + amount;
  return next > kMaxMinorUnits || next < -kMaxMinorUnits;
}

bool blocksClose(const idl::Account& account) {
  return account.ledger_balance.minor_units != 0 || account.accrued_interest.minor_units != 0 ||
         account.hold_count != 0;
}

idl::NotFound notFoundError(const std::string& account_id) {
  idl::NotFound e;
  e.account_id = account_id;
  e.__set_message("account not on file");
  return e;
}

idl::AccountClosed closedError(const idl::Account& account) {
  idl::AccountClosed e;
  e.account_id = account.account_id;
  e.status = account.status;
  return e;
}

idl::InsufficientFunds fundsError(const idl::Account& account, int64_t requested) {
  idl::InsufficientFunds e;
  e.account_id = account.account_id;
  e.available_balance = account.available_balance;
  e.overdraft_limit = account.overdraft_limit;
  e.requested = money(requested, account.ledger_balance.currency);
  return e;
}

idl::BalanceNotZero balanceNotZeroError(const idl::Account& account) {
  idl::BalanceNotZero e;
  e.account_id = account.account_id;
  e.ledger_balance = account.ledger_balance;
  e.accrued_interest = account.accrued_interest;
  e.hold_count = account.hold_count;
  return e;
}

idl::Posting applyToAccount(idl::Account& account, const std::string& idempotency_key,
                            int32_t business_date, const std::string& channel_code,
                            idl::Direction::type direction, int64_t amount, int32_t txn_code,
                            const std::string& description) {
  const int64_t delta = direction == idl::Direction::DEBIT ? -amount : amount;
  account.ledger_balance.minor_units += delta;
  account.available_balance.minor_units += delta;
  account.last_posting_seq += 1;
  idl::Posting p;
  p.account_id = account.account_id;
  p.seq = account.last_posting_seq;
  p.business_date = business_date;
  p.txn_code = txn_code;
  p.direction = direction;
  p.amount = money(amount, account.ledger_balance.currency);
  p.running_balance = account.ledger_balance;
  p.idempotency_key = idempotency_key;
  p.channel_code = channel_code;
  p.description = description;
  return p;
}

SourceVerdict sourceVerdict(const idl::Account& account, std::optional<int64_t> source_seq) {
  if (!source_seq) {
    return SourceVerdict::kApply;
  }
  if (*source_seq <= account.last_posting_seq) {
    return SourceVerdict::kIncluded;
  }
  return *source_seq == account.last_posting_seq + 1 ? SourceVerdict::kApply : SourceVerdict::kGap;
}

namespace {
constexpr const char kGapPrefix[] = "watermark: ";
}  // namespace

Status sequenceGap(const idl::Account& account, int64_t source_seq) {
  return unavailable(std::string(kGapPrefix) + "account " + maskAccount(account.account_id) +
                     " holds postings up to " + std::to_string(account.last_posting_seq) +
                     ", this one is " + std::to_string(source_seq) +
                     ": an earlier posting or the account's snapshot is still to come");
}

Status notLoaded(const std::string& account_id) {
  return notFound(account_id + ": account not on file (its backfill snapshot has not landed)");
}

bool isWatermarkRefusal(const Status& s) {
  return s.code() == StatusCode::kNotFound ||
         (s.code() == StatusCode::kUnavailable && s.message().rfind(kGapPrefix, 0) == 0);
}

std::string notLoadedAccount(const Status& s) {
  return s.message().substr(0, s.message().find(':'));
}

idl::PostingResult includedPosting(const idl::Account& account, int64_t seq) {
  idl::PostingResult r;
  r.posting_seq = seq;
  r.ledger_balance = account.ledger_balance;
  r.available_balance = account.available_balance;
  return r;
}

idl::CloseAccountResult closeResultOf(const idl::Account& account) {
  idl::CloseAccountResult r;
  r.close_date = account.close_date;
  r.ledger_balance = account.ledger_balance;
  r.accrued_interest = account.accrued_interest;
  return r;
}

bool snapshotIsStale(const idl::Account& stored, const idl::AccountSnapshot& snapshot) {
  if (snapshot.watermark != stored.last_posting_seq) {
    return snapshot.watermark < stored.last_posting_seq;
  }
  return stored.status == idl::AccountStatus::CLOSED &&
         snapshot.account.status != idl::AccountStatus::CLOSED;
}

std::string contraGlAccount(int32_t txn_code) {
  if (txn_code == 2001) {
    return "";
  }
  if (txn_code == 2050) {
    return "LOAN-FUNDING";
  }
  if (txn_code >= 4000 && txn_code <= 4099) {
    return "FEE-INCOME";
  }
  return "CASH";
}

}  // namespace corebridge::newcore

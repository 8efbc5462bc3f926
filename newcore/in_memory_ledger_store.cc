#include "newcore/in_memory_ledger_store.h"

#include <algorithm>

#include "newcore/ledger_rules.h"
#include "newcore/products.h"

namespace corebridge::newcore {

template <typename T>
Result<const Outcome<T>*> InMemoryLedgerStore::replayed(const WriteKey& key) const {
  auto it = keys_.find(key.key);
  if (it == keys_.end()) {
    return static_cast<const Outcome<T>*>(nullptr);
  }
  const auto* outcome = std::get_if<Outcome<T>>(&it->second.outcome);
  if (it->second.fingerprint != key.fingerprint || outcome == nullptr) {
    return alreadyExists("idempotency key '" + key.key + "' was used for a different request");
  }
  return outcome;
}

template <typename T>
Outcome<T> InMemoryLedgerStore::record(const WriteKey& key, Outcome<T> outcome) {
  keys_.emplace(key.key, KeyRecord{key.fingerprint, AnyOutcome(outcome)});
  return outcome;
}

idl::Posting& InMemoryLedgerStore::applyPosting(AccountRecord& rec, const WriteKey& key,
                                                const WriteContext& ctx,
                                                idl::Direction::type direction, int64_t amount,
                                                int32_t txn_code, const std::string& description) {
  rec.postings.push_back(applyToAccount(rec.account, key.key, ctx.business_date, ctx.channel_code,
                                        direction, amount, txn_code, description));
  return rec.postings.back();
}

Result<idl::Account> InMemoryLedgerStore::getAccount(const std::string& account_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(account_id);
  if (it == accounts_.end()) {
    return notFound("account not on file");
  }
  return it->second.account;
}

Result<idl::Statement> InMemoryLedgerStore::getStatement(const std::string& account_id,
                                                         int32_t max_postings) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(account_id);
  if (it == accounts_.end()) {
    return notFound("account not on file");
  }
  idl::Statement s;
  s.account = it->second.account;
  const auto& postings = it->second.postings;
  const size_t n = std::min(postings.size(), static_cast<size_t>(std::max(max_postings, 0)));
  s.postings.assign(postings.rbegin(), postings.rbegin() + static_cast<std::ptrdiff_t>(n));
  return s;
}

Result<Outcome<idl::OpenAccountResult>> InMemoryLedgerStore::openAccount(const WriteKey& key,
                                                                         const WriteContext& ctx,
                                                                         const NewAccount& spec) {
  using R = idl::OpenAccountResult;
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(const Outcome<R>* seen, replayed<R>(key));
  if (seen != nullptr) {
    return *seen;
  }
  idl::Account account = spec.account;
  if (account.account_id.empty()) {
    // Backfilled accounts may already hold serials past the counter: skip them.
    int32_t& serial = last_serial_[prefixOf(account.product_line) + std::to_string(spec.branch)];
    do {
      serial += 1;
      if (serial > 999'999) {
        return failedPrecondition("branch: no account serial left in this branch");
      }
      account.account_id = makeAccountNumber(account.product_line, spec.branch, serial);
    } while (accounts_.count(account.account_id) != 0);
  } else if (auto taken = accounts_.find(account.account_id); taken != accounts_.end()) {
    if (spec.source_seq && *spec.source_seq <= taken->second.account.last_posting_seq) {
      // Legacy opened it first and the backfill brought it in since.
      R included;
      included.account = taken->second.account;
      return record(key, Outcome<R>(included));
    }
    return failedPrecondition("account_id: an account with this number exists");
  }
  AccountRecord& rec = accounts_[account.account_id];
  rec.account = account;
  if (spec.initial_amount > 0) {
    const bool loan = account.product_line == idl::ProductLine::LOAN;
    applyPosting(rec, key, ctx, loan ? idl::Direction::DEBIT : idl::Direction::CREDIT,
                 spec.initial_amount, loan ? 2050 : 1002,
                 loan ? "LOAN DISBURSEMENT" : "OPENING DEPOSIT");
  }
  R result;
  result.account = rec.account;
  return record(key, Outcome<R>(result));
}

Result<Outcome<idl::PostingResult>> InMemoryLedgerStore::post(const WriteKey& key,
                                                              const WriteContext& ctx,
                                                              const PostingSpec& spec) {
  using R = idl::PostingResult;
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(const Outcome<R>* seen, replayed<R>(key));
  if (seen != nullptr) {
    return *seen;
  }
  auto it = accounts_.find(spec.account_id);
  if (it == accounts_.end()) {
    if (spec.source_seq) {
      return notLoaded(spec.account_id);
    }
    return record(key, Outcome<R>(notFoundError(spec.account_id)));
  }
  AccountRecord& rec = it->second;
  const idl::Account& a = rec.account;
  if (a.ledger_balance.currency != spec.amount.currency) {
    return invalidArgument("amount.currency: the account is in " + a.ledger_balance.currency);
  }
  switch (sourceVerdict(a, spec.source_seq)) {
    case SourceVerdict::kIncluded:
      return record(key, Outcome<R>(includedPosting(a, *spec.source_seq)));
    case SourceVerdict::kGap:
      return sequenceGap(a, *spec.source_seq);
    case SourceVerdict::kApply:
      break;
  }
  if (!isPostable(a.status)) {
    return record(key, Outcome<R>(closedError(a)));
  }
  const int64_t amount = spec.amount.minor_units;
  if (spec.direction == idl::Direction::DEBIT && !hasFunds(a, amount)) {
    return record(key, Outcome<R>(fundsError(a, amount)));
  }
  if (wouldOverflow(a, spec.direction, amount)) {
    return outOfRange("amount: the balance would overflow S9(13)V99");
  }
  const idl::Posting& p =
      applyPosting(rec, key, ctx, spec.direction, amount, spec.txn_code, spec.description);
  R result;
  result.posting_seq = p.seq;
  result.ledger_balance = rec.account.ledger_balance;
  result.available_balance = rec.account.available_balance;
  return record(key, Outcome<R>(result));
}

Result<Outcome<idl::TransferResult>> InMemoryLedgerStore::transfer(const WriteKey& key,
                                                                   const WriteContext& ctx,
                                                                   const TransferSpec& spec) {
  using R = idl::TransferResult;
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(const Outcome<R>* seen, replayed<R>(key));
  if (seen != nullptr) {
    return *seen;
  }
  const bool sourced = spec.source_from_seq || spec.source_to_seq;
  auto from_it = accounts_.find(spec.from_account_id);
  if (from_it == accounts_.end()) {
    if (sourced) {
      return notLoaded(spec.from_account_id);
    }
    return record(key, Outcome<R>(notFoundError(spec.from_account_id)));
  }
  auto to_it = accounts_.find(spec.to_account_id);
  if (to_it == accounts_.end()) {
    if (sourced) {
      return notLoaded(spec.to_account_id);
    }
    return record(key, Outcome<R>(notFoundError(spec.to_account_id)));
  }
  AccountRecord& from = from_it->second;
  AccountRecord& to = to_it->second;
  for (const AccountRecord* r : {&from, &to}) {
    if (r->account.ledger_balance.currency != spec.amount.currency) {
      return invalidArgument("amount.currency: account " + r->account.account_id + " is in " +
                             r->account.ledger_balance.currency);
    }
  }
  const SourceVerdict from_verdict = sourceVerdict(from.account, spec.source_from_seq);
  const SourceVerdict to_verdict = sourceVerdict(to.account, spec.source_to_seq);
  if (from_verdict == SourceVerdict::kGap) {
    return sequenceGap(from.account, *spec.source_from_seq);
  }
  if (to_verdict == SourceVerdict::kGap) {
    return sequenceGap(to.account, *spec.source_to_seq);
  }
  const bool debit = from_verdict == SourceVerdict::kApply;
  const bool credit = to_verdict == SourceVerdict::kApply;
  if (debit && !isPostable(from.account.status)) {
    return record(key, Outcome<R>(closedError(from.account)));
  }
  if (credit && !isPostable(to.account.status)) {
    return record(key, Outcome<R>(closedError(to.account)));
  }
  const int64_t amount = spec.amount.minor_units;
  if (debit && !hasFunds(from.account, amount)) {
    return record(key, Outcome<R>(fundsError(from.account, amount)));
  }
  if ((debit && wouldOverflow(from.account, idl::Direction::DEBIT, amount)) ||
      (credit && wouldOverflow(to.account, idl::Direction::CREDIT, amount))) {
    return outOfRange("amount: a balance would overflow S9(13)V99");
  }
  R result;
  result.from_posting_seq =
      debit
          ? applyPosting(from, key, ctx, idl::Direction::DEBIT, amount, 2001, spec.description).seq
          : *spec.source_from_seq;
  result.from_ledger_balance = from.account.ledger_balance;
  result.to_posting_seq =
      credit
          ? applyPosting(to, key, ctx, idl::Direction::CREDIT, amount, 2001, spec.description).seq
          : *spec.source_to_seq;
  result.to_ledger_balance = to.account.ledger_balance;
  return record(key, Outcome<R>(result));
}

Result<Outcome<idl::CloseAccountResult>> InMemoryLedgerStore::closeAccount(const WriteKey& key,
                                                                           const WriteContext& ctx,
                                                                           const CloseSpec& spec) {
  const std::string& account_id = spec.account_id;
  using R = idl::CloseAccountResult;
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(const Outcome<R>* seen, replayed<R>(key));
  if (seen != nullptr) {
    return *seen;
  }
  auto it = accounts_.find(account_id);
  if (it == accounts_.end()) {
    if (spec.source_closed) {
      return notLoaded(account_id);
    }
    return record(key, Outcome<R>(notFoundError(account_id)));
  }
  idl::Account& a = it->second.account;
  if (a.status == idl::AccountStatus::CLOSED) {
    // Legacy closed it first and the backfill brought the close in since.
    return record(key,
                  spec.source_closed ? Outcome<R>(closeResultOf(a)) : Outcome<R>(closedError(a)));
  }
  if (blocksClose(a)) {
    return record(key, Outcome<R>(balanceNotZeroError(a)));
  }
  a.status = idl::AccountStatus::CLOSED;
  a.close_date = ctx.business_date;
  R result;
  result.close_date = a.close_date;
  result.ledger_balance = a.ledger_balance;
  result.accrued_interest = a.accrued_interest;
  return record(key, Outcome<R>(result));
}

Result<idl::SnapshotResult> InMemoryLedgerStore::upsertSnapshot(
    const idl::AccountSnapshot& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  idl::SnapshotResult result;
  result.account_id = snapshot.account.account_id;
  auto it = accounts_.find(snapshot.account.account_id);
  if (it != accounts_.end() && snapshotIsStale(it->second.account, snapshot)) {
    result.outcome = idl::SnapshotOutcome::IGNORED_STALE;
    result.stored_watermark = it->second.account.last_posting_seq;
    return result;
  }
  result.outcome =
      it == accounts_.end() ? idl::SnapshotOutcome::CREATED : idl::SnapshotOutcome::UPDATED;
  AccountRecord& rec = accounts_[snapshot.account.account_id];
  rec.account = snapshot.account;
  rec.account.last_posting_seq = snapshot.watermark;
  result.stored_watermark = snapshot.watermark;
  return result;
}

Result<idl::ExtractPage> InMemoryLedgerStore::extractAccounts(idl::ProductLine::type line,
                                                              const std::string& after,
                                                              int32_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  // Account ids start with their product line's prefix, so a line is one
  // contiguous range of the id order.
  const std::string prefix = prefixOf(line);
  auto it = after.empty() ? accounts_.lower_bound(prefix) : accounts_.upper_bound(after);
  idl::ExtractPage page;
  for (; it != accounts_.end() && it->first.compare(0, 2, prefix) == 0; ++it) {
    if (static_cast<int32_t>(page.accounts.size()) == limit) {
      page.next_cursor = page.accounts.back().account_id;
      break;
    }
    page.accounts.push_back(it->second.account);
  }
  return page;
}

size_t InMemoryLedgerStore::keyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

}  // namespace corebridge::newcore

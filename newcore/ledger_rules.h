// The business rules every LedgerStore applies inside its transaction, in one
// place so that the in-memory and the SQL store cannot drift apart: which
// accounts take postings, whether a debit is covered, whether a balance still
// fits the legacy picture, the refusals' contents, and which general-ledger
// account balances a customer posting (double entry).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "corebanking_types.h"

namespace corebridge::newcore {

namespace idl = ::corebridge::idl;

idl::Money money(int64_t minor_units, const std::string& currency);

// ACTIVE and DORMANT accounts take postings; FROZEN, PENDING_OPEN and CLOSED do not.
bool isPostable(idl::AccountStatus::type status);
// available + overdraft >= amount.
bool hasFunds(const idl::Account& account, int64_t amount);
// Whether the ledger balance after the posting leaves S9(13)V99.
bool wouldOverflow(const idl::Account& account, idl::Direction::type direction, int64_t amount);
// Whether closing needs the BalanceNotZero refusal (balance, interest or holds).
bool blocksClose(const idl::Account& account);

idl::NotFound notFoundError(const std::string& account_id);
idl::AccountClosed closedError(const idl::Account& account);
idl::InsufficientFunds fundsError(const idl::Account& account, int64_t requested);
idl::BalanceNotZero balanceNotZeroError(const idl::Account& account);

// Moves the account's balances and sequence for one posting and returns the
// posting (seq = the new last_posting_seq, running balance after it).
idl::Posting applyToAccount(idl::Account& account, const std::string& idempotency_key,
                            int32_t business_date, const std::string& channel_code,
                            idl::Direction::type direction, int64_t amount, int32_t txn_code,
                            const std::string& description);

// The general-ledger account on the other side of a customer posting with
// this txn code ("CASH", "FEE-INCOME", "LOAN-FUNDING"), or "" for a transfer
// leg (2001), whose other leg is the other customer account.
std::string contraGlAccount(int32_t txn_code);
// The GL account that takes the difference a backfill snapshot makes.
inline constexpr const char* kConversionGlAccount = "CONVERSION";

}  // namespace corebridge::newcore

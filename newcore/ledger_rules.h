// The business rules every LedgerStore applies inside its transaction, in one
// place so that the in-memory and the SQL store cannot drift apart: which
// accounts take postings, whether a debit is covered, whether a balance still
// fits the legacy picture, the refusals' contents, and which general-ledger
// account balances a customer posting (double entry).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
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

// --- the watermark rule --------------------------------------------------
//
// Backfill and dual-write meet at the account's last_posting_seq, which
// continues the legacy numbering. A write dual-written while legacy is
// primary carries the sequence legacy gave its posting (source_seq); against
// the stored last_posting_seq S:
//   source_seq <= S      kIncluded: a snapshot taken after legacy applied it
//                        already holds it; nothing changes, the key is
//                        recorded with a result made from the account as it
//                        is (so that a retry replays it);
//   source_seq == S + 1  kApply: applied as usual, numbered S + 1;
//   source_seq >  S + 1  kGap: a posting before it is missing; refused with
//                        sequenceGap() and nothing recorded, so that a retry
//                        (after the missing one, or the snapshot) decides again.
// No source_seq: kApply (the new core is primary, or there is no backfill).
enum class SourceVerdict { kApply, kIncluded, kGap };
SourceVerdict sourceVerdict(const idl::Account& account, std::optional<int64_t> source_seq);

// kUnavailable "watermark: ...": the gap refusal (retry later).
Status sequenceGap(const idl::Account& account, int64_t source_seq);
// kNotFound "<account id>: ...": a write with a source sequence whose account
// is not on file yet (its snapshot has not landed). Nothing is recorded,
// unlike the NotFound outcome of a write without one.
Status notLoaded(const std::string& account_id);
// Whether `s` is one of those two: the store rolls back and records nothing.
bool isWatermarkRefusal(const Status& s);
// The account id notLoaded() names.
std::string notLoadedAccount(const Status& s);

// The result of a posting the account already includes: its sequence and
// the balances as they are now (later postings may be in them too).
idl::PostingResult includedPosting(const idl::Account& account, int64_t seq);
idl::CloseAccountResult closeResultOf(const idl::Account& account);

// Whether a snapshot is older than the stored account: a lower watermark,
// or the same watermark against a stored CLOSED account when the snapshot
// is not closed (a close makes no posting, and legacy never reopens).
bool snapshotIsStale(const idl::Account& stored, const idl::AccountSnapshot& snapshot);

// The general-ledger account on the other side of a customer posting with
// this txn code ("CASH", "FEE-INCOME", "LOAN-FUNDING"), or "" for a transfer
// leg (2001), whose other leg is the other customer account.
std::string contraGlAccount(int32_t txn_code);
// The GL account that takes the difference a backfill snapshot makes.
inline constexpr const char* kConversionGlAccount = "CONVERSION";

}  // namespace corebridge::newcore

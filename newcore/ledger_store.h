// LedgerStore: the seam between the newcore service and where its ledger lives.
//
// The handler (core_banking_handler.h) validates requests and maps outcomes to
// the contract's exceptions; a LedgerStore applies them. Implementations:
// InMemoryLedgerStore (tests, `--dsn memory:`); a SQL store over ODBC is the
// next step (docs/newcore.md).
//
// The store speaks the contract's own types (idl/corebanking.thrift): what it
// stores for an idempotency key is exactly what a replay returns.
//
// Transactional contract, which every implementation keeps:
//   - Each write (openAccount, post, transfer, closeAccount, upsertSnapshot)
//     is one atomic transaction: the postings, the balance updates of every
//     account touched and the idempotency record commit together or not at
//     all. A caller that sees a non-OK Status may retry with the same key.
//   - Concurrent writes to one account are serialised: no update is lost and
//     posting sequences per account are gapless (last_posting_seq + 1).
//   - A key is applied at most once. The first call's outcome, a result or a
//     business refusal (NotFound, InsufficientFunds, AccountClosed,
//     BalanceNotZero), is stored with a fingerprint of the request. A later
//     call with the same key and fingerprint gets that outcome back and
//     changes nothing; with another fingerprint it gets kAlreadyExists and
//     changes nothing.
//   - The replay check comes before anything else, so a replay answers the
//     same even after the account has changed or closed.
//   - The watermark rule (ledger_rules.h, sourceVerdict): a write that carries
//     the legacy posting sequence (`source_seq`) is skipped when the account
//     already includes it (recorded, with a result made from the account as
//     it is), applied when it is the next one, and refused without recording
//     anything when a posting before it is missing or the account is not on
//     file yet, so that a retry after the backfill decides afresh.
//
// Status codes (no exception crosses this seam):
//   kAlreadyExists      the key was used for a different request (conflict)
//   kInvalidArgument    the request contradicts stored state in a way the
//   kOutOfRange         handler could not check (currency, balance overflow):
//                       the message is "field: reason"; nothing recorded
//   kFailedPrecondition the same, for state (an account id already taken)
//   kNotFound           reads; and a write with a source sequence whose
//                       account is not on file yet (message "<account id>:
//                       ..."): nothing recorded, retry after the backfill
//   kUnavailable, kAborted: transient, nothing applied, retry with the key;
//                       also a source sequence past last_posting_seq + 1
//                       (message "watermark: ...")
//   kInternal           a bug
//
// Thread-safety: implementations are safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/status.h"
#include "corebanking_types.h"

namespace corebridge::newcore {

namespace idl = ::corebridge::idl;

// Identifies a write for idempotency: the channel's transaction id and a
// canonical encoding of the request's business content.
struct WriteKey {
  std::string key;
  std::string fingerprint;
};

// A write's outcome: its result or a business refusal (recorded like a result).
template <typename T>
using Outcome =
    std::variant<T, idl::NotFound, idl::InsufficientFunds, idl::AccountClosed, idl::BalanceNotZero>;

// Where a write came from and when, stored in its postings.
struct WriteContext {
  int32_t business_date = 0;
  std::string channel_code;
  std::string terminal_id;
};

struct NewAccount {
  // Complete apart from the id when account.account_id is empty: the store
  // then assigns PP BBB SSSSSS C (next serial of prefix and branch, Luhn).
  // ledger/available balances and last_posting_seq are zero on input.
  idl::Account account;
  int32_t branch = 0;          // 1..999, the BBB of an assigned number
  int64_t initial_amount = 0;  // minor units, >= 0; a loan's is a debit (disbursement)
  // Legacy's last_posting_seq after the open, when legacy opened it first:
  // an account of this number already holding it is answered as it stands.
  std::optional<int64_t> source_seq;
};

struct PostingSpec {
  std::string account_id;
  idl::Direction::type direction = idl::Direction::CREDIT;
  idl::Money amount;  // > 0
  int32_t txn_code = 0;
  std::string description;
  std::optional<int64_t> source_seq;  // the sequence legacy gave it (watermark rule)
};

struct TransferSpec {
  std::string from_account_id;
  std::string to_account_id;
  idl::Money amount;  // > 0
  std::string description;
  // The sequences legacy gave the debit and the credit (watermark rule, per leg).
  std::optional<int64_t> source_from_seq;
  std::optional<int64_t> source_to_seq;
};

// What a close knows of the primary's.
struct CloseSpec {
  std::string account_id;
  // Legacy closed it first: an account already CLOSED is answered as it stands.
  bool source_closed = false;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // Reads.
  virtual Result<idl::Account> getAccount(const std::string& account_id) = 0;
  // The account and its newest `max_postings` postings, newest first.
  virtual Result<idl::Statement> getStatement(const std::string& account_id,
                                              int32_t max_postings) = 0;

  // Writes, each one transaction (see above).
  virtual Result<Outcome<idl::OpenAccountResult>> openAccount(const WriteKey& key,
                                                              const WriteContext& ctx,
                                                              const NewAccount& spec) = 0;
  virtual Result<Outcome<idl::PostingResult>> post(const WriteKey& key, const WriteContext& ctx,
                                                   const PostingSpec& spec) = 0;
  virtual Result<Outcome<idl::TransferResult>> transfer(const WriteKey& key,
                                                        const WriteContext& ctx,
                                                        const TransferSpec& spec) = 0;
  virtual Result<Outcome<idl::CloseAccountResult>> closeAccount(const WriteKey& key,
                                                                const WriteContext& ctx,
                                                                const CloseSpec& spec) = 0;

  // Migration. One snapshot is one transaction: created, updated (its
  // watermark >= the stored last_posting_seq) or ignored as stale
  // (ledger_rules.h, snapshotIsStale).
  virtual Result<idl::SnapshotResult> upsertSnapshot(const idl::AccountSnapshot& snapshot) = 0;
  // Accounts of `line` with ids > `after` (all when empty), ascending, at most
  // `limit`; next_cursor is the last id returned when more may follow.
  virtual Result<idl::ExtractPage> extractAccounts(idl::ProductLine::type line,
                                                   const std::string& after, int32_t limit) = 0;
};

}  // namespace corebridge::newcore

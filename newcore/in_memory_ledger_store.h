// InMemoryLedgerStore: a LedgerStore held in memory, for tests and for
// `newcore --dsn memory:`. Nothing survives the process.
//
// Thread-safety: every operation runs under one mutex, which makes each write
// trivially atomic and serialises concurrent postings to one account. That is
// the whole concurrency design; the SQL store uses row locks instead.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "newcore/ledger_store.h"

namespace corebridge::newcore {

class InMemoryLedgerStore : public LedgerStore {
 public:
  // LedgerStore
  Result<idl::Account> getAccount(const std::string& account_id) override;
  Result<idl::Statement> getStatement(const std::string& account_id, int32_t max_postings) override;
  Result<Outcome<idl::OpenAccountResult>> openAccount(const WriteKey& key, const WriteContext& ctx,
                                                      const NewAccount& spec) override;
  Result<Outcome<idl::PostingResult>> post(const WriteKey& key, const WriteContext& ctx,
                                           const PostingSpec& spec) override;
  Result<Outcome<idl::TransferResult>> transfer(const WriteKey& key, const WriteContext& ctx,
                                                const TransferSpec& spec) override;
  Result<Outcome<idl::CloseAccountResult>> closeAccount(const WriteKey& key,
                                                        const WriteContext& ctx,
                                                        const CloseSpec& spec) override;
  Result<idl::SnapshotResult> upsertSnapshot(const idl::AccountSnapshot& snapshot) override;
  Result<idl::ExtractPage> extractAccounts(idl::ProductLine::type line, const std::string& after,
                                           int32_t limit) override;

  // For tests: how many idempotency keys are recorded.
  size_t keyCount() const;

 private:
  struct AccountRecord {
    idl::Account account;
    std::vector<idl::Posting> postings;  // oldest first
  };
  using AnyOutcome = std::variant<Outcome<idl::OpenAccountResult>, Outcome<idl::PostingResult>,
                                  Outcome<idl::TransferResult>, Outcome<idl::CloseAccountResult>>;
  struct KeyRecord {
    std::string fingerprint;
    AnyOutcome outcome;
  };

  // The stored outcome of `key` (found), kAlreadyExists (conflict) or
  // nullptr (a new key). Needs mu_.
  template <typename T>
  Result<const Outcome<T>*> replayed(const WriteKey& key) const;
  template <typename T>
  Outcome<T> record(const WriteKey& key, Outcome<T> outcome);
  // Appends a posting and moves the balances. Needs mu_.
  idl::Posting& applyPosting(AccountRecord& rec, const WriteKey& key, const WriteContext& ctx,
                             idl::Direction::type direction, int64_t amount, int32_t txn_code,
                             const std::string& description);

  mutable std::mutex mu_;
  std::map<std::string, AccountRecord> accounts_;    // ordered by id: the extract's order
  std::unordered_map<std::string, KeyRecord> keys_;  // idempotency records
  std::map<std::string, int32_t> last_serial_;       // "PPBBB" -> last serial assigned
};

}  // namespace corebridge::newcore

// CoreBankingHandler: the CoreBanking service of idl/corebanking.thrift over a
// LedgerStore.
//
// The handler owns the request rules (docs/newcore.md): it validates every
// field before the store sees anything, so a malformed request raises
// InvalidRequest and changes nothing; it turns each write into a WriteKey
// (the idempotency key and a fingerprint of the request's business content)
// and maps the store's outcomes and Statuses to the contract's exceptions.
// Exceptions stop here: they are the Thrift wire format of a business
// outcome, not an error path inside the service.
//
// Thread-safety: stateless apart from the store; one instance serves every
// connection.
#pragma once

#include <string>
#include <vector>

#include "CoreBanking.h"
#include "newcore/ledger_store.h"

namespace corebridge::newcore {

// Request limits, from the legacy COMMAREA fields they mirror.
inline constexpr size_t kMaxKeyLength = 16;          // CA-TXN-ID X(16)
inline constexpr size_t kMaxDescriptionLength = 40;  // PST-DESCRIPTION X(40)
inline constexpr int32_t kMaxStatementPostings = 100;
inline constexpr int32_t kMaxPageSize = 1000;
inline constexpr size_t kMaxSnapshotsPerCall = 1000;

class CoreBankingHandler : public idl::CoreBankingIf {
 public:
  // `store` must outlive the handler.
  explicit CoreBankingHandler(LedgerStore& store) : store_(store) {}

  // idl::CoreBankingIf
  void getAccount(idl::Account& out, const idl::AccountId& account_id) override;
  void openAccount(idl::OpenAccountResult& out, const idl::OpenAccountRequest& request) override;
  void post(idl::PostingResult& out, const idl::PostingRequest& request) override;
  void transfer(idl::TransferResult& out, const idl::TransferRequest& request) override;
  void getStatement(idl::Statement& out, const idl::AccountId& account_id,
                    int32_t max_postings) override;
  void closeAccount(idl::CloseAccountResult& out, const idl::CloseAccountRequest& request) override;
  void upsertSnapshots(idl::UpsertResult& out,
                       const std::vector<idl::AccountSnapshot>& snapshots) override;
  void extractAccounts(idl::ExtractPage& out, const idl::ExtractRequest& request) override;

 private:
  LedgerStore& store_;
};

}  // namespace corebridge::newcore

// DelayingHandler: a CoreBanking handler that sleeps a fixed time before
// handing each call to the handler it wraps (newcore --inject-latency-ms).
//
// A test and benchmark aid, not a production feature: it makes the new core
// look like a slow remote store (a distributed SQL engine across zones) so
// that the bridge's promise "a slow secondary never slows the channel" can be
// measured (tests/bench/bridge_bench.sh). The sleep blocks the serving
// thread, as a slow database round trip would: with the threaded server one
// connection waits, the others are served.
//
// Thread-safety: as the wrapped handler; the decorator itself is immutable.
#pragma once

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "CoreBanking.h"

namespace corebridge::newcore {

class DelayingHandler : public idl::CoreBankingIf {
 public:
  DelayingHandler(std::shared_ptr<idl::CoreBankingIf> inner, std::chrono::milliseconds delay)
      : inner_(std::move(inner)), delay_(delay) {}

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
  void delay() const;

  std::shared_ptr<idl::CoreBankingIf> inner_;
  std::chrono::milliseconds delay_;
};

}  // namespace corebridge::newcore

#include "newcore/delaying_handler.h"

#include <thread>

namespace corebridge::newcore {

void DelayingHandler::delay() const {
  if (delay_.count() > 0) {
    std::this_thread::sleep_for(delay_);
  }
}

void DelayingHandler::getAccount(idl::Account& out, const idl::AccountId& account_id) {
  delay();
  inner_->getAccount(out, account_id);
}

void DelayingHandler::openAccount(idl::OpenAccountResult& out,
                                  const idl::OpenAccountRequest& request) {
  delay();
  inner_->openAccount(out, request);
}

void DelayingHandler::post(idl::PostingResult& out, const idl::PostingRequest& request) {
  delay();
  inner_->post(out, request);
}

void DelayingHandler::transfer(idl::TransferResult& out, const idl::TransferRequest& request) {
  delay();
  inner_->transfer(out, request);
}

void DelayingHandler::getStatement(idl::Statement& out, const idl::AccountId& account_id,
                                   int32_t max_postings) {
  delay();
  inner_->getStatement(out, account_id, max_postings);
}

void DelayingHandler::closeAccount(idl::CloseAccountResult& out,
                                   const idl::CloseAccountRequest& request) {
  delay();
  inner_->closeAccount(out, request);
}

void DelayingHandler::upsertSnapshots(idl::UpsertResult& out,
                                      const std::vector<idl::AccountSnapshot>& snapshots) {
  delay();
  inner_->upsertSnapshots(out, snapshots);
}

void DelayingHandler::extractAccounts(idl::ExtractPage& out, const idl::ExtractRequest& request) {
  delay();
  inner_->extractAccounts(out, request);
}

}  // namespace corebridge::newcore

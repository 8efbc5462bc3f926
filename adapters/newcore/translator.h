// Translator: one legacy transaction through the new core, in the legacy
// reply layout.
//
// Given a transaction of a mapping pack (mappings/pack.h), a request
// COMMAREA in the pack's wire dialect and the new core's API
// (idl::CoreBankingIf: the in-process CoreBankingHandler, or a
// CoreBankingClient over the wire), call() decodes the request fields the
// pack maps, builds the Thrift request (idempotency key from txn_id_field,
// the business date from the header or the primary reply, the channel),
// makes the call and encodes the reply COMMAREA as the legacy program would:
//   - the request bytes are the starting point (CICS passes one area), so
//     the header's txn id, channel and terminal are echoed;
//   - return code and reason from the pack's `outcomes` for "ok" or for the
//     typed exception raised (most specific qualifier first), the business
//     date in effect in business_date_field;
//   - the reply group initialised (numbers zero, text and tables spaces)
//     unless the outcome keeps the reply as received, then filled from the
//     result (`reply`) or, on a refusal, from the exception or an account
//     read after it (`refusal_reply`);
//   - a transfer's failed leg named (`failed_leg`).
// A request value the pack cannot send (a code missing from a table, a
// value above a mapping's `max`) is answered without a call as the outcome
// "InvalidRequest.<api>" when the pack gives one.
//
// Errors (no exception escapes):
//   InvalidArgument   the request cannot be translated (unknown TRANCODE, a
//                     COMMAREA too short, a field whose bytes do not decode:
//                     the message names the field and its offset); nothing
//                     was called
//   Unavailable       ServiceUnavailable, or the transport failed
//   DeadlineExceeded  the transport timed out: the outcome is unknown
//   Internal          the pack cannot express the answer (an outcome or a
//                     code it has no entry for), or any other failure
//
// Thread-safety: immutable after construction; call() may run on many
// threads at once (each with its own CoreBankingIf when that is a client).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "CoreBanking.h"
#include "common/status.h"
#include "mappings/pack.h"

namespace corebridge::adapters::newcore {

class Translator {
 public:
  // InvalidArgument, naming the pack file, line and path, when a mapping
  // names an API field the transaction's call does not have, or a call can
  // raise an exception the transaction has no outcome for.
  static Result<std::unique_ptr<Translator>> create(std::shared_ptr<const mappings::Pack> pack);

  // The reply COMMAREA of `txn` for `request`. `primary_reply` is the
  // legacy reply when this is the secondary call of a write (ACCTOPEN then
  // opens the account under the number legacy assigned; and when legacy
  // answered `ok`, the pack's source_seq_from_primary fields carry legacy's
  // posting sequences, so that the new core meets the backfill at the
  // watermark: docs/backfill.md).
  Result<std::string> call(const mappings::PackTransaction& txn, std::string_view request,
                           idl::CoreBankingIf& api,
                           std::optional<std::string_view> primary_reply = std::nullopt) const;
  // The same, by TRANCODE (space-padded or not); InvalidArgument if the pack
  // has no such transaction.
  Result<std::string> call(std::string_view trancode, std::string_view request,
                           idl::CoreBankingIf& api,
                           std::optional<std::string_view> primary_reply = std::nullopt) const;

  const mappings::Pack& pack() const { return *pack_; }

 private:
  explicit Translator(std::shared_ptr<const mappings::Pack> pack) : pack_(std::move(pack)) {}
  std::shared_ptr<const mappings::Pack> pack_;
};

}  // namespace corebridge::adapters::newcore

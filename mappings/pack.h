// A mapping pack: what the bridge knows of one legacy application's online
// transactions (mappings/packs/<app>/pack.yaml, format in
// docs/mapping-packs.md).
//
// For each TRANCODE: the COMMAREA copybook (request and reply share one area,
// as CICS LINK programs do), which fields carry the transaction id, the
// return code and the account keys, whether it reads or writes, which call
// of the new core it becomes and how fields map each way (names, money
// scale and sign, date formats, code tables, return codes), and the noise
// rules the comparator applies to its reply. Plus the pack-wide rule that
// derives an account's product line from its number.
//
// loadPack() validates everything it can without a running system: the
// copybooks compile, every field named exists in its copybook, code tables
// and transforms are known. Errors are InvalidArgument (NotFound for a file
// that cannot be read) naming the file, line and field.
//
// Values; immutable and shareable between threads once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/layout.h"
#include "mappings/record_codec.h"

namespace corebridge::mappings {

enum class TxnKind { kRead, kWrite };

// One field of the comparator's noise rules, applied to the reply.
struct NoiseRule {
  enum class Kind {
    kIgnore,      // never compared
    kTrim,        // trailing spaces and low-values (X'00') do not count
    kTimeWindow,  // dates/timestamps equal within `window` (format below)
    kTolerance,   // numbers equal within `tolerance` minor units
  };
  std::string field;  // COBOL name, e.g. "PST-LAST-ACTIVITY-DATE"
  Kind kind = Kind::kIgnore;
  // kTimeWindow: "YYYYMMDD", "YYDDD" (Julian), "HHMMSS" or "YYYYMMDDHHMMSS";
  // window in seconds (a day is 86400).
  std::string format;
  int64_t window_seconds = 0;
  int64_t tolerance_minor_units = 0;  // kTolerance
  int line = 0;
};

// One field carried between a COMMAREA field and a field of the new core's
// API (a request field, or a result / exception field for the reply).
struct FieldMapping {
  std::string api;    // dotted path in the Thrift struct: "amount", "account.ledger_balance"
  std::string cobol;  // COBOL name in the COMMAREA: "PST-AMOUNT"
  // "text" (trimmed), "number" (integer), "money" (Money.minor_units at the
  // picture's scale; a currency from the pack), "code" (through `codes`),
  // "date:YYYYMMDD" | "date:YYDDD" (CCYYMMDD i32 each way), "const" (`value`).
  std::string transform = "text";
  std::map<std::string, std::string> codes;  // legacy value -> API value (reply: inverted)
  std::string value;                         // "const"
  // Request only: the largest value the API gets. A larger one is answered
  // without a call, as the outcome "InvalidRequest.<api>" (STM-MAX-POSTINGS
  // 1-10 while the new core takes up to 100).
  std::optional<int64_t> max;
  int line = 0;
};

// A return code of the legacy reply and the reason text legacy puts beside it.
struct ReturnCode {
  std::string code;    // "20"
  std::string reason;  // "INSUFFICIENT FUNDS"
  // The reply area (reply_group) is left as received instead of being
  // initialised: legacy answers a duplicate txn id (50) and a missing one
  // before touching it.
  bool keep_reply = false;
  // After this refusal the account (first key field) is read with
  // getAccount and `refusal_reply` fills the reply from it ("account.*"), as
  // legacy shows the master's balances beside a 20 or 30.
  bool read_account = false;
  int line = 0;
};

// A transfer's refusal names the failed leg: the exception's account_id is
// compared with the request's `api` field; on a match `field` gets `value`
// and the reason text is prefixed with `reason_prefix` ("FROM ").
struct LegRule {
  std::string api;            // "from_account_id"
  std::string value;          // "F"
  std::string reason_prefix;  // "FROM "
  int line = 0;
};

struct PackTransaction {
  std::string trancode;  // 1-8 characters
  std::string copybook;  // resolved path
  std::string record;    // the 01 record; empty: the first
  TxnKind kind = TxnKind::kRead;
  std::string txn_id_field;             // "CA-TXN-ID": the idempotency key of a write
  std::string return_code_field;        // "CA-RETURN-CODE"
  std::string reason_field;             // "CA-REASON-TEXT"
  std::vector<std::string> key_fields;  // account numbers, in order ("XFR-FROM-ACCT", ...)
  // The new core's call: getAccount, openAccount, post, transfer,
  // getStatement, closeAccount.
  std::string api;
  std::vector<FieldMapping> request;  // API request field <- COMMAREA
  std::vector<FieldMapping> reply;    // COMMAREA <- API result
  // Outcome -> legacy return code: "ok", "NotFound", "InsufficientFunds",
  // "AccountClosed", "BalanceNotZero", "InvalidRequest", "IdempotencyConflict",
  // each optionally qualified (looked up first): "AccountClosed.FROZEN" (the
  // status), "BalanceNotZero.accrued_interest" (the first non-zero of
  // ledger_balance, accrued_interest, hold_count), "InvalidRequest.amount"
  // (InvalidRequest.field).
  std::map<std::string, ReturnCode> outcomes;
  std::vector<NoiseRule> noise;
  int line = 0;

  // The header field where the program puts the business date it ran under
  // (CA-BUSINESS-DATE): read from the request or the primary reply to pass
  // it on, written into the reply. Empty: none.
  std::string business_date_field;
  // The group legacy initialises on every reply (numbers zero, text and
  // tables spaces) before filling it; empty: nothing is initialised.
  std::string reply_group;
  // On a refusal: reply fields from the exception ("exception.*") or from
  // the account read after it ("account.*", see ReturnCode::read_account).
  std::vector<FieldMapping> refusal_reply;
  // Secondary call of a write with the legacy reply at hand: API request
  // fields taken from the primary's reply (ACCTOPEN: the number legacy
  // assigned).
  std::vector<FieldMapping> from_primary;
  // The same, for the watermark rule (docs/backfill.md): the legacy posting
  // sequence(s) of a write from the primary's reply ("source_posting_seq" <-
  // PST-POSTING-SEQ), taken only when the primary answered the `ok` return
  // code (a refusal's reply shows the master's last sequence, not a posting).
  std::vector<FieldMapping> source_seq_from_primary;
  // A transaction whose request has no account number yet (ACCTOPEN): the
  // field naming the product line through `product_codes` ("SAVB" ->
  // "SAVINGS"). Empty: the product lines come from key_fields.
  std::string product_code_field;
  std::map<std::string, std::string> product_codes;
  std::string failed_leg_field;  // "XFR-FAILED-LEG"; empty: no legs
  std::vector<LegRule> legs;

  // Compiled from `copybook` in the pack's wire dialect by loadPack().
  std::shared_ptr<const Layout> layout;
  std::shared_ptr<const RecordCodec> codec;
};

// How an account number names its product line: its first `prefix_length`
// characters looked up in `prefixes` ("10" -> "SAVINGS").
struct ProductLineRule {
  size_t prefix_length = 2;
  std::map<std::string, std::string> prefixes;
  // The product line of `account`, or "" when no prefix matches.
  std::string lineOf(std::string_view account) const;
};

struct Pack {
  std::string source;    // the pack.yaml path
  std::string name;      // "demobank"
  std::string currency;  // ISO code of the money fields, "USD"
  int minor_digits = 2;  // decimals of a minor unit of `currency` (USD: 2)
  Dialect dialect;       // the wire dialect of the COMMAREAs (IBM, cp037)
  ProductLineRule product_lines;
  std::vector<PackTransaction> transactions;

  const PackTransaction* find(std::string_view trancode) const;
  // Every product line the pack names, sorted.
  std::vector<std::string> lines() const;
};

Result<std::shared_ptr<const Pack>> loadPack(const std::string& path);

// The outcome names `outcomes` may use (before an optional ".qualifier").
const std::vector<std::string>& outcomeNames();

}  // namespace corebridge::mappings

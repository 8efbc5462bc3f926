// corebanking.thrift: the contract of the new core-banking service (newcore).
//
// The new core mirrors the legacy demo bank (docs/legacy.md) product line by
// product line, so that the bridge can send every write to both and compare
// the answers. Rules that hold for every call:
//
// - Money is exact: i64 minor units (cents) plus an ISO 4217 currency code.
//   Never a double. Amounts in requests are positive; Direction gives the sign.
//   Balances are signed (a loan's balance is negative: owed by the customer).
//   The legacy balance picture is S9(13)V99: |balance| <= 999999999999999.
// - An account id is the legacy 12-digit account number "PPBBBSSSSSSC"
//   (product prefix 10/20/30/40, branch, serial, Luhn check digit), as a
//   string so that leading digits and width are kept exactly.
// - Every write carries an idempotency key: the channel's transaction id
//   (legacy CA-TXN-ID, at most 16 characters). A key is applied at most once.
//   Sending the same key with the same content again returns the first
//   result (the same reply, or the same business exception); the same key
//   with different content raises IdempotencyConflict and changes nothing.
// - Business refusals (NotFound, InsufficientFunds, AccountClosed,
//   BalanceNotZero) are outcomes: they are recorded against the key like a
//   success, exactly as the legacy TXNLOG records return codes 10-35, so both
//   back ends answer a replay the same way. InvalidRequest means the request
//   itself is malformed: nothing is recorded, nothing changes.
// - Dates are i32 CCYYMMDD, 0 meaning "none".
//
// docs/newcore.md explains each call and its legacy counterpart.

namespace cpp corebridge.idl
namespace py corebanking

typedef string AccountId

enum ProductLine {
  SAVINGS = 1,       // prefix 10
  CHECKING = 2,      // prefix 20
  TERM_DEPOSIT = 3,  // prefix 30
  LOAN = 4,          // prefix 40
}

// Legacy AM-STATUS: A, D, F, C, P. Only ACTIVE and DORMANT are postable.
enum AccountStatus {
  ACTIVE = 1,
  DORMANT = 2,
  FROZEN = 3,
  CLOSED = 4,
  PENDING_OPEN = 5,
}

enum Direction {
  DEBIT = 1,
  CREDIT = 2,
}

struct Money {
  1: required i64 minor_units,
  2: required string currency,  // ISO 4217, three upper-case letters
}

// Who sent a write: stored with the postings it makes (legacy CAHDR).
struct Channel {
  1: required string code,         // ATM, TLR, POS, HBK, BAT (<= 3)
  2: optional string terminal_id,  // <= 8, stored as the teller id
}

struct Account {
  1: required AccountId account_id,
  2: required ProductLine product_line,
  3: required string product_code,      // SAVB SAVP CHKP CHKB TD03 TD06 TD12 TD24 LNPL LNMT
  4: required i64 customer_id,          // legacy 9(10)
  5: required AccountStatus status,
  6: required Money ledger_balance,
  7: required Money available_balance,
  8: required Money overdraft_limit,
  9: required Money accrued_interest,
  10: required i64 interest_rate_pct_micros,  // percent per year x 10^6 (1.25 % = 1250000)
  11: required i32 open_date,
  12: required i32 maturity_date,
  13: required i32 close_date,
  // The sequence of the account's newest posting (0 for none). Postings are
  // numbered per account; the new core continues the legacy numbering, so
  // this is also the backfill watermark (legacy AM-LAST-POSTING-SEQ).
  14: required i64 last_posting_seq,
  15: required i32 hold_count,
}

struct Posting {
  1: required AccountId account_id,
  2: required i64 seq,
  3: required i32 business_date,
  4: required i32 txn_code,            // 1001 cash debit, 1010 cash credit, 1002 opening, 2001 transfer, 2050 disbursement
  5: required Direction direction,
  6: required Money amount,            // positive
  7: required Money running_balance,   // ledger balance after this posting
  8: required string idempotency_key,  // the channel transaction id that made it
  9: required string channel_code,
  10: required string description,    // <= 40 (legacy PR-DESCRIPTION)
}

// --- writes -----------------------------------------------------------------

struct OpenAccountRequest {
  1: required string idempotency_key,
  2: required string product_code,     // decides the product line
  3: required i32 branch,              // 1..999
  4: required i64 customer_id,
  5: required Money initial_amount,    // >= 0 SAVINGS/CHECKING, > 0 TERM_DEPOSIT/LOAN (a loan's is the disbursement)
  6: optional Money overdraft_limit,   // CHECKING only, >= 0
  // Set while legacy is primary: the number legacy assigned, so both stores
  // hold the same account. Unset when the new core is primary: it assigns.
  7: optional AccountId account_id,
  8: optional i32 business_date,       // the legacy business date; default: today (UTC)
  9: optional Channel channel,
  // Set while legacy is primary and opened the account: the account's
  // AM-LAST-POSTING-SEQ after the open (1 with an opening posting, 0
  // without). An account of that number already held with last_posting_seq
  // >= it came in with the backfill after the open: the open is answered
  // from the stored account and changes nothing (the watermark rule below).
  10: optional i64 source_posting_seq,
}

struct OpenAccountResult {
  1: required Account account,
}

struct PostingRequest {
  1: required string idempotency_key,
  2: required AccountId account_id,
  3: required Direction direction,
  4: required Money amount,            // > 0, in the account's currency
  5: optional i32 txn_code,            // 1000-1099 cash, 4000-4099 fee; unset/0: 1001 debit, 1010 credit
  6: optional string description,      // <= 40
  7: optional i32 business_date,
  8: optional Channel channel,
  // The watermark rule. Set on a dual-written posting while legacy is
  // primary: the sequence legacy gave this posting (its reply's posting
  // seq). Against the account's stored last_posting_seq S:
  //   seq <= S      the posting is already in the account (a backfill
  //                 snapshot taken after legacy applied it): nothing
  //                 changes; the key is recorded with a reply made from the
  //                 account as it is (posting_seq = seq, its balances), so
  //                 a retry replays it;
  //   seq == S + 1  applied as usual; the new posting gets exactly seq;
  //   seq >  S + 1  an earlier posting is missing (still to come through
  //                 the repair queue, or the snapshot is not loaded yet):
  //                 ServiceUnavailable, nothing recorded; retry later.
  // An account not on file answers NotFound without recording the key, so
  // that a retry after its snapshot lands is skipped or applied by the rule.
  // Unset (the new core is primary, or no backfill): numbered S + 1.
  9: optional i64 source_posting_seq,
}

struct PostingResult {
  1: required i64 posting_seq,
  2: required Money ledger_balance,
  3: required Money available_balance,
}

// Debit from, credit to: two postings (txn code 2001, the same key), both
// legs validated before anything is written. Any two product lines.
struct TransferRequest {
  1: required string idempotency_key,
  2: required AccountId from_account_id,
  3: required AccountId to_account_id,  // != from
  4: required Money amount,             // > 0, the currency of both accounts
  5: optional string description,       // <= 40
  6: optional i32 business_date,
  7: optional Channel channel,
  // The watermark rule of PostingRequest.source_posting_seq, per leg: the
  // sequences legacy gave the debit and the credit. Each leg is skipped,
  // applied or refused on its own account's last_posting_seq (a snapshot
  // may have caught one leg and not the other); set both or neither.
  8: optional i64 source_from_posting_seq,
  9: optional i64 source_to_posting_seq,
}

struct TransferResult {
  1: required i64 from_posting_seq,
  2: required Money from_ledger_balance,
  3: required i64 to_posting_seq,
  4: required Money to_ledger_balance,
}

struct CloseAccountRequest {
  1: required string idempotency_key,
  2: required AccountId account_id,
  3: optional i32 business_date,
  4: optional Channel channel,
  // Set (true) while legacy is primary and closed the account. A close
  // makes no posting, so the watermark cannot order it: an account the new
  // core already holds CLOSED (a snapshot taken after the close) answers
  // the close from its stored state instead of AccountClosed.
  5: optional bool source_closed,
}

struct CloseAccountResult {
  1: required i32 close_date,
  2: required Money ledger_balance,
  3: required Money accrued_interest,
}

// --- reads ------------------------------------------------------------------

struct Statement {
  1: required Account account,
  2: required list<Posting> postings,  // newest first, at most the number asked for
}

// --- migration --------------------------------------------------------------

// One account as the legacy master holds it, for the backfill. `watermark`
// is the legacy AM-LAST-POSTING-SEQ the snapshot was taken at; the stored
// account's last_posting_seq becomes it. A snapshot whose watermark is lower
// than the stored account's last_posting_seq is older than what the new core
// already has (a dual-written posting raced the load): it is ignored and
// reported as IGNORED_STALE, never applied. At an equal watermark a snapshot
// that is not CLOSED is stale against a stored CLOSED account: a close makes
// no posting, and legacy never reopens an account.
struct AccountSnapshot {
  1: required Account account,
  2: required i64 watermark,
}

enum SnapshotOutcome {
  CREATED = 1,        // the account did not exist
  UPDATED = 2,        // watermark >= stored: replaced the master fields
  IGNORED_STALE = 3,  // watermark < stored: nothing changed
}

struct SnapshotResult {
  1: required AccountId account_id,
  2: required SnapshotOutcome outcome,
  3: required i64 stored_watermark,  // the account's last_posting_seq after the call
}

struct UpsertResult {
  1: required list<SnapshotResult> results,  // one per snapshot, in request order
}

struct ExtractRequest {
  1: required ProductLine product_line,
  2: optional string cursor,  // the next_cursor of the previous page; unset/empty: from the start
  3: required i32 limit,      // 1..1000
}

// Accounts of one product line in ascending account id order.
struct ExtractPage {
  1: required list<Account> accounts,
  2: required string next_cursor,  // empty when this is the last page
}

// --- exceptions -------------------------------------------------------------

// The request is malformed (legacy 40/60): nothing recorded, nothing changed.
exception InvalidRequest {
  1: required string field,   // e.g. "amount.currency", "description"
  2: required string reason,
}

// Legacy 10.
exception NotFound {
  1: required AccountId account_id,
  2: optional string message,
}

// Legacy 20: a debit needs available balance + overdraft limit >= amount.
exception InsufficientFunds {
  1: required AccountId account_id,
  2: required Money available_balance,
  3: required Money overdraft_limit,
  4: required Money requested,
}

// Legacy 30: closed, or not postable (FROZEN, PENDING_OPEN); status says which.
exception AccountClosed {
  1: required AccountId account_id,
  2: required AccountStatus status,
}

// Legacy 35: close refused while ledger balance, accrued interest or holds are not zero.
exception BalanceNotZero {
  1: required AccountId account_id,
  2: required Money ledger_balance,
  3: required Money accrued_interest,
  4: required i32 hold_count,
}

// Legacy 50: the key was used before for a different request.
exception IdempotencyConflict {
  1: required string idempotency_key,
  2: required string message,
}

// The store is unreachable or the transaction was aborted: nothing was
// applied for the key, retry with the same key.
exception ServiceUnavailable {
  1: required string message,
}

service CoreBanking {
  Account getAccount(1: AccountId account_id)
      throws (1: InvalidRequest invalid, 2: NotFound not_found, 3: ServiceUnavailable unavailable),

  OpenAccountResult openAccount(1: OpenAccountRequest request)
      throws (1: InvalidRequest invalid, 2: IdempotencyConflict conflict,
              3: ServiceUnavailable unavailable),

  PostingResult post(1: PostingRequest request)
      throws (1: InvalidRequest invalid, 2: NotFound not_found, 3: InsufficientFunds insufficient,
              4: AccountClosed closed, 5: IdempotencyConflict conflict,
              6: ServiceUnavailable unavailable),

  TransferResult transfer(1: TransferRequest request)
      throws (1: InvalidRequest invalid, 2: NotFound not_found, 3: InsufficientFunds insufficient,
              4: AccountClosed closed, 5: IdempotencyConflict conflict,
              6: ServiceUnavailable unavailable),

  // The last `max_postings` (1..100, 0 = 10) postings, newest first.
  Statement getStatement(1: AccountId account_id, 2: i32 max_postings)
      throws (1: InvalidRequest invalid, 2: NotFound not_found, 3: ServiceUnavailable unavailable),

  CloseAccountResult closeAccount(1: CloseAccountRequest request)
      throws (1: InvalidRequest invalid, 2: NotFound not_found, 3: AccountClosed closed,
              4: BalanceNotZero not_zero, 5: IdempotencyConflict conflict,
              6: ServiceUnavailable unavailable),

  // Backfill: at most 1000 snapshots per call, each applied atomically on its own.
  UpsertResult upsertSnapshots(1: list<AccountSnapshot> snapshots)
      throws (1: InvalidRequest invalid, 2: ServiceUnavailable unavailable),

  // Reconciliation: one product line, ordered by account id, paged by cursor.
  ExtractPage extractAccounts(1: ExtractRequest request)
      throws (1: InvalidRequest invalid, 2: ServiceUnavailable unavailable),
}

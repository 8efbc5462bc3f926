// RepairStore: where the bridge keeps its repair cases, durably.
//
// A repair case is a call that the secondary side still owes, or a
// divergence between the two sides that is not resolved yet
// (docs/repairs.md). The bridge opens one when a secondary call fails after
// its retries (kSecondaryFailed), when the outbox is full (kBacklog), for a
// later call of an account that already has such a case (kParked: the calls
// of one account reach the secondary in order), and when the comparator
// finds that the two replies differ (kDivergence). RepairQueue
// (dualwrite/repair_queue.h) is the policy over a store; this is the seam.
//
// A case holds what replaying the call needs: the request COMMAREA and the
// primary's reply, raw bytes, and the lane account unmasked. A store is
// therefore as sensitive as the journal; whatever shows a case to a person
// masks the account (bridgectl repairs does).
//
// Every case has a history of events, oldest first: "opened",
// "retry_failed", "retried", "resynced", "compared_differs",
// "compared_agrees", "closed". A case is open until closeCase(); a closed
// case never opens again.
//
// Errors: NotFound for an unknown case id, FailedPrecondition for
// recordAttempt() or closeCase() on a closed case, InvalidArgument for a case
// without an account or with an account holding a comma; an implementation
// over a database adds what its connection returns (Unavailable: retry).
//
// Thread-safety: every method may be called from any thread. Every mutating
// call is durable when it returns OK.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace corebridge::dualwrite {

enum class RepairKind : uint8_t {
  kSecondaryFailed = 1,  // the secondary call failed after its retries: the call must still be made
  kBacklog = 2,          // the outbox was full: the call must still be made
  kParked = 3,      // a later call of an account that already has a pending case: made after it
  kDivergence = 4,  // the two sides answered differently: closed when a later comparison agrees
};
enum class RepairState : uint8_t { kOpen = 1, kClosed = 2 };

// "secondary_failed", "backlog", "parked", "divergence"; "open", "closed".
// The parse functions are the inverses (false for anything else).
std::string_view repairKindName(RepairKind kind);
std::string_view repairStateName(RepairState state);
bool parseRepairKind(std::string_view name, RepairKind* out);
bool parseRepairState(std::string_view name, RepairState* out);

// Kinds 1-3: a call the secondary still owes (it keeps its accounts parked).
bool isPendingKind(RepairKind kind);

struct RepairCase {
  int64_t id = 0;  // assigned by openCase
  RepairKind kind = RepairKind::kSecondaryFailed;
  RepairState state = RepairState::kOpen;
  std::string product_line, account /* the lane account, unmasked */, trancode, txn_id;
  std::vector<std::string> accounts;  // every key account the call touches
  int stage = 0;                      // bridge::Stage as int (0 LEGACY_ONLY .. 4 NEW_ONLY)
  int primary = 0;                    // 0 legacy, 1 new
  bool compare = false;
  std::string commarea;  // the request COMMAREA, raw bytes (needed to replay the call)
  int primary_zz = 0;
  std::string primary_reply;  // the primary's reply COMMAREA, raw bytes
  uint32_t attempts = 0;
  std::string last_error;
  int64_t opened_at_ms = 0, updated_at_ms = 0, closed_at_ms = 0;  // unix ms
  // The bridge journal's sequence number of the intent the call came from
  // (0: none). It is the order the primary applied an account's calls in, so
  // an account's pending cases are replayed in this order, not in the order
  // they were opened (a call still in the outbox is older than a case opened
  // because the outbox was full).
  uint64_t intent = 0;
};

struct RepairEvent {
  int64_t case_id = 0;
  int64_t at_ms = 0;  // unix ms
  std::string event;
  std::string detail;
};

struct RepairFilter {
  std::optional<RepairState> state;  // nullopt: both
  std::string account;               // a case touching this account (any of `accounts`); "" any
  std::string product_line;          // "" any
  size_t limit = 100;                // 0: no limit
};

// Unix time in milliseconds; stores take one so that tests can fix time.
using UnixMillisClock = std::function<int64_t()>;
int64_t unixMillisNow();

class RepairStore {
 public:
  virtual ~RepairStore() = default;

  // Writes the case as open with attempts 0 and the "opened" event (its
  // detail: c.last_error), and returns the new id. c.id, c.state,
  // c.attempts and the times are ignored; c.account is added to c.accounts
  // when missing.
  virtual Result<int64_t> openCase(const RepairCase& c) = 0;
  // Appends an event to the case's history (open or closed).
  virtual Status addEvent(int64_t id, std::string_view event, std::string_view detail) = 0;
  // One replay of the call: attempts + 1, and an event "retried" (ok) or
  // "retry_failed"; a failure's detail becomes last_error.
  virtual Status recordAttempt(int64_t id, bool ok, std::string_view detail) = 0;
  // State closed, closed_at now, and the "closed" event.
  virtual Status closeCase(int64_t id, std::string_view detail) = 0;
  // Every open case, in id order.
  virtual Result<std::vector<RepairCase>> openCases() = 0;
  // Cases matching `f`, newest (highest id) first.
  virtual Result<std::vector<RepairCase>> list(const RepairFilter& f) = 0;
  // One case; NotFound when there is none with that id.
  virtual Result<RepairCase> getCase(int64_t id) = 0;
  // The case's events, oldest first; NotFound for an unknown case.
  virtual Result<std::vector<RepairEvent>> history(int64_t id) = 0;
};

// The checks every store makes of a case to open, and its normal form:
// c.account among c.accounts. InvalidArgument for a case openCase refuses.
Result<RepairCase> normalizedNewCase(const RepairCase& c);

// A RepairStore in memory: for tests and the DSN "memory:" (durable only as
// long as the process lives).
class InMemoryRepairStore : public RepairStore {
 public:
  explicit InMemoryRepairStore(UnixMillisClock clock = unixMillisNow);

  // RepairStore
  Result<int64_t> openCase(const RepairCase& c) override;
  Status addEvent(int64_t id, std::string_view event, std::string_view detail) override;
  Status recordAttempt(int64_t id, bool ok, std::string_view detail) override;
  Status closeCase(int64_t id, std::string_view detail) override;
  Result<std::vector<RepairCase>> openCases() override;
  Result<std::vector<RepairCase>> list(const RepairFilter& f) override;
  Result<RepairCase> getCase(int64_t id) override;
  Result<std::vector<RepairEvent>> history(int64_t id) override;

 private:
  struct Entry {
    RepairCase c;
    std::vector<RepairEvent> events;
  };
  // The entry of `id` (mu_ held), or NotFound.
  Result<Entry*> find(int64_t id);
  void append(Entry& e, int64_t now, std::string_view event, std::string_view detail);

  const UnixMillisClock clock_;
  std::mutex mu_;
  std::map<int64_t, Entry> cases_;  // guarded by mu_
  int64_t next_id_ = 1;             // guarded by mu_
};

}  // namespace corebridge::dualwrite

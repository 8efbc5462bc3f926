// runTransaction: a unit of work in one database transaction, retried when
// the database says "retry the transaction".
//
//   Status s = runTransaction(pool, [&](Connection& c) -> Status {
//     ... prepare, bind, execute on c; return the first error ...
//   });
//
// Each attempt takes a connection from the pool, begin()s, runs `fn`, and
// commit()s. When any step returns Aborted (serialization failure, deadlock,
// lock wait timeout, SQLite busy) the attempt is rolled back and, after a
// jittered exponential backoff, the whole of `fn` runs again on a fresh
// transaction, at most max_attempts times in all. `fn` must therefore have
// no effects outside the transaction that a second run would repeat.
//
// Unavailable (connection lost, pool exhausted) before the commit is retried
// the same way when retry_unavailable is set (the broken connection is
// replaced). A connection lost *during* COMMIT is never retried: the outcome
// is unknown, and the call returns DeadlineExceeded saying so (callers
// recover through their idempotency keys). Any other error is returned at
// once. After the last attempt the last error is returned, its message
// prefixed with the number of attempts.
//
// Thread-safety: safe from many threads on one pool.
#pragma once

#include <chrono>
#include <functional>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/pool.h"
#include "common/status.h"

namespace corebridge::adapters::odbc {

struct RetryPolicy {
  int max_attempts = 8;
  // Backoff before attempt n+1 is uniform in [0, min(max, initial * 2^(n-1))]
  // ("full jitter"), so that colliding transactions spread out.
  std::chrono::milliseconds initial_backoff{2};
  std::chrono::milliseconds max_backoff{200};
  bool retry_unavailable = true;
};

struct TransactionStats {
  int attempts = 0;  // 1 when the first attempt committed
  int aborted = 0;   // attempts that ended in Aborted
};

Status runTransaction(ConnectionPool& pool, const std::function<Status(Connection&)>& fn,
                      const RetryPolicy& policy = {}, TransactionStats* stats = nullptr);

// The backoff before attempt `attempt + 1` (attempt counts from 1), drawn
// from a per-thread generator. Exposed for tests.
std::chrono::microseconds retryBackoff(const RetryPolicy& policy, int attempt);

}  // namespace corebridge::adapters::odbc

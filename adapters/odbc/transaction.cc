#include "adapters/odbc/transaction.h"

#include <algorithm>
#include <random>
#include <thread>

namespace corebridge::adapters::odbc {

namespace {

enum class Step { kBeforeCommit, kCommit };

struct Outcome {
  Status status;
  Step step = Step::kBeforeCommit;
};

Outcome attempt(ConnectionPool& pool, const std::function<Status(Connection&)>& fn) {
  Result<PooledConnection> lease = pool.acquire();
  if (!lease.ok()) {
    return {lease.status(), Step::kBeforeCommit};
  }
  Connection& conn = **lease;
  Status s = conn.begin();
  if (s.ok()) {
    s = fn(conn);
    // An error fn made up itself (not from the driver) still makes the
    // connection worth validating before reuse.
    conn.noteError(s);
  }
  if (!s.ok()) {
    if (conn.inTransaction()) {
      (void)conn.rollback();
    }
    return {s, Step::kBeforeCommit};
  }
  s = conn.commit();
  return {s, Step::kCommit};
}

}  // namespace

std::chrono::microseconds retryBackoff(const RetryPolicy& policy, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t max_us = std::chrono::microseconds(policy.max_backoff).count();
  int64_t ceiling = std::chrono::microseconds(policy.initial_backoff).count();
  for (int i = 1; i < attempt && ceiling < max_us; ++i) {
    ceiling *= 2;
  }
  ceiling = std::max<int64_t>(0, std::min(ceiling, max_us));
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return std::chrono::microseconds(dist(rng));
}

Status runTransaction(ConnectionPool& pool, const std::function<Status(Connection&)>& fn,
                      const RetryPolicy& policy, TransactionStats* stats) {
  TransactionStats local;
  TransactionStats& st = stats != nullptr ? *stats : local;
  st = TransactionStats{};
  const int max_attempts = std::max(1, policy.max_attempts);
  Status last;
  for (int n = 1; n <= max_attempts; ++n) {
    st.attempts = n;
    Outcome o = attempt(pool, fn);
    if (o.status.ok()) {
      return o.status;
    }
    last = o.status;
    const StatusCode code = o.status.code();
    if (code == StatusCode::kAborted) {
      ++st.aborted;
    } else if (code == StatusCode::kUnavailable && o.step == Step::kCommit) {
      return deadlineExceeded("commit outcome unknown (connection lost during COMMIT): " +
                              o.status.message());
    } else if (code != StatusCode::kUnavailable || !policy.retry_unavailable) {
      return o.status;
    }
    if (n < max_attempts) {
      std::this_thread::sleep_for(retryBackoff(policy, n));
    }
  }
  return last.withContext("transaction gave up after " + std::to_string(max_attempts) +
                          " attempts");
}

}  // namespace corebridge::adapters::odbc

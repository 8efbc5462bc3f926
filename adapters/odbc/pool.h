// A bounded, thread-safe pool of Connections to one connection string.
//
// acquire() hands out a PooledConnection (a move-only lease that gives the
// connection back when destroyed), waiting up to checkout_timeout when all
// max_size connections are leased. A connection that saw an error is
// validated with ping() on its next checkout and replaced when it fails; a
// broken one (an Unavailable error) is closed on return and replaced on
// demand. A lease returned with its transaction still open is rolled back.
// Connecting and validating happen outside the pool's lock.
//
// Errors of acquire(): Unavailable when no connection frees up in time or
// the server cannot be reached (retry later); what Connection::open returns
// for a bad connection string.
//
// Thread-safety: acquire() and the counters from any thread; each lease is
// used by one thread at a time. Every lease must be returned before the pool
// is destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/odbc/connection.h"
#include "common/status.h"

namespace corebridge::adapters::odbc {

struct PoolOptions {
  size_t max_size = 8;
  ConnectOptions connect;
  std::chrono::milliseconds checkout_timeout{10000};
};

class ConnectionPool;

class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&& other) noexcept = default;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  ~PooledConnection() { release(); }

  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }
  Connection* get() const { return connection_.get(); }

  // Closes the connection instead of returning it (its state is unknown).
  void discard();

 private:
  void release();

  ConnectionPool* pool_ = nullptr;
  std::unique_ptr<Connection> connection_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string connection_string, PoolOptions options = {});
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Result<PooledConnection> acquire();

  const std::string& connectionString() const { return connection_string_; }
  // Open connections (idle and leased).
  size_t openCount() const;
  size_t idleCount() const;
  // Connections closed because they were broken or failed validation.
  size_t replacedCount() const;

 private:
  friend class PooledConnection;
  void giveBack(std::unique_ptr<Connection> connection, bool discard);

  const std::string connection_string_;
  PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // guarded by mu_: idle, leased and being opened
  size_t replaced_ = 0;                            // guarded by mu_
};

}  // namespace corebridge::adapters::odbc

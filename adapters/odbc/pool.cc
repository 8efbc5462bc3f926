#include "adapters/odbc/pool.h"

namespace corebridge::adapters::odbc {

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
    other.pool_ = nullptr;
  }
  return *this;
}

void PooledConnection::discard() {
  if (pool_ != nullptr && connection_) {
    pool_->giveBack(std::move(connection_), true);
  }
  pool_ = nullptr;
}

void PooledConnection::release() {
  if (pool_ != nullptr && connection_) {
    pool_->giveBack(std::move(connection_), false);
  }
  pool_ = nullptr;
}

ConnectionPool::ConnectionPool(std::string connection_string, PoolOptions options)
    : connection_string_(std::move(connection_string)), options_(options) {
  if (options_.max_size == 0) {
    options_.max_size = 1;
  }
}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

Result<PooledConnection> ConnectionPool::acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.checkout_timeout;
  while (true) {
    std::unique_ptr<Connection> conn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const bool got = freed_.wait_until(
          lock, deadline, [this] { return !idle_.empty() || open_ < options_.max_size; });
      if (!got) {
        return unavailable("connection pool: all " + std::to_string(options_.max_size) +
                           " connections busy for " +
                           std::to_string(options_.checkout_timeout.count()) + " ms");
      }
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;  // a slot for the connection opened below, outside the lock
      }
    }
    if (conn) {
      if (!conn->suspect() || conn->ping().ok()) {
        return PooledConnection(this, std::move(conn));
      }
      giveBack(std::move(conn), true);  // failed validation: replace it
      continue;
    }
    Result<std::unique_ptr<Connection>> opened =
        Connection::open(connection_string_, options_.connect);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      freed_.notify_one();
      return opened.status();
    }
    return PooledConnection(this, std::move(opened).value());
  }
}

void ConnectionPool::giveBack(std::unique_ptr<Connection> connection, bool discard) {
  if (!discard && connection->inTransaction()) {
    discard = !connection->rollback().ok();
  }
  if (discard || connection->broken()) {
    connection.reset();  // disconnects outside the lock
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    ++replaced_;
    freed_.notify_one();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(connection));
  freed_.notify_one();
}

size_t ConnectionPool::openCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

size_t ConnectionPool::idleCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

size_t ConnectionPool::replacedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return replaced_;
}

}  // namespace corebridge::adapters::odbc

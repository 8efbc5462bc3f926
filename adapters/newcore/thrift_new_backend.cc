#include "adapters/newcore/thrift_new_backend.h"

#include <poll.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>

namespace corebridge::adapters::newcore {

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TTransportException;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool hasDeadline(Clock::time_point deadline) { return deadline.time_since_epoch().count() != 0; }

// The smaller of `limit` and the time left to `deadline`.
milliseconds budget(milliseconds limit, Clock::time_point deadline) {
  if (!hasDeadline(deadline)) {
    return limit;
  }
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return std::min(limit, left);
}

int toInt(milliseconds ms) {
  return static_cast<int>(std::clamp<int64_t>(ms.count(), 1, int64_t{24} * 3600 * 1000));
}

}  // namespace

struct ThriftNewBackend::Connection {
  std::shared_ptr<TSocket> socket;
  std::shared_ptr<TFramedTransport> transport;
  std::unique_ptr<idl::CoreBankingClient> client;

  ~Connection() {
    try {
      if (transport && transport->isOpen()) {
        transport->close();
      }
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): closing a dead socket
    }
  }

  // An idle connection whose peer closed it (or sent something unasked)
  // is readable; a healthy idle one is not.
  bool stale() const {
    if (!socket->isOpen()) {
      return true;
    }
    pollfd p{socket->getSocketFD(), POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
  }
};

ThriftNewBackend::ThriftNewBackend(std::unique_ptr<Translator> translator, Options options)
    : translator_(std::move(translator)), options_(std::move(options)) {}

ThriftNewBackend::~ThriftNewBackend() = default;

Result<std::unique_ptr<ThriftNewBackend>> ThriftNewBackend::create(
    std::shared_ptr<const mappings::Pack> pack, Options options) {
  if (options.pool_size == 0) {
    return invalidArgument("newcore client: pool_size must be at least 1");
  }
  if (options.port <= 0 || options.port > 65535) {
    return invalidArgument("newcore client: port " + std::to_string(options.port) +
                           " is not 1..65535");
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<Translator> translator, Translator::create(std::move(pack)));
  return std::unique_ptr<ThriftNewBackend>(
      new ThriftNewBackend(std::move(translator), std::move(options)));
}

size_t ThriftNewBackend::openConnections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

Result<std::unique_ptr<ThriftNewBackend::Connection>> ThriftNewBackend::connect(
    milliseconds timeout) {
  auto c = std::make_unique<Connection>();
  try {
    c->socket = std::make_shared<TSocket>(options_.host, options_.port);
    c->socket->setConnTimeout(toInt(timeout));
    c->socket->setNoDelay(true);
    c->transport = std::make_shared<TFramedTransport>(c->socket);
    c->client =
        std::make_unique<idl::CoreBankingClient>(std::make_shared<TBinaryProtocol>(c->transport));
    c->transport->open();
  } catch (const TTransportException& e) {
    if (e.getType() == TTransportException::TIMED_OUT) {
      return deadlineExceeded("newcore " + options_.host + ":" + std::to_string(options_.port) +
                              ": connect timed out; the request was not sent");
    }
    return unavailable("newcore " + options_.host + ":" + std::to_string(options_.port) +
                       ": cannot connect: " + e.what() + "; the request was not sent");
  } catch (const std::exception& e) {
    return unavailable("newcore " + options_.host + ":" + std::to_string(options_.port) +
                       ": cannot connect: " + e.what() + "; the request was not sent");
  }
  return c;
}

Result<std::unique_ptr<ThriftNewBackend::Connection>> ThriftNewBackend::acquire(
    Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->stale()) {
        return c;
      }
      --open_;  // the server went away while it was idle: open a new one
      lock.unlock();
      c.reset();
      lock.lock();
    }
    if (open_ < options_.pool_size) {
      ++open_;
      lock.unlock();
      const milliseconds timeout = budget(options_.connect_timeout, deadline);
      Result<std::unique_ptr<Connection>> c =
          timeout.count() > 0
              ? connect(timeout)
              : Result<std::unique_ptr<Connection>>(deadlineExceeded(
                    "newcore: deadline passed before connect; the request was not sent"));
      if (!c.ok()) {
        lock.lock();
        --open_;
        freed_.notify_one();
      }
      return c;
    }
    const Clock::time_point until =
        hasDeadline(deadline) ? deadline : Clock::now() + options_.call_timeout;
    if (freed_.wait_until(lock, until) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return unavailable("newcore: all " + std::to_string(options_.pool_size) +
                         " connections busy until the deadline; the request was not sent");
    }
  }
}

void ThriftNewBackend::release(std::unique_ptr<Connection> c, bool healthy) {
  if (!healthy) {
    c.reset();  // closes the socket outside the lock
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (healthy) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  freed_.notify_one();
}

Result<BackendReply> ThriftNewBackend::call(std::string_view trancode, std::string_view commarea,
                                            const CallContext& context) {
  const mappings::PackTransaction* txn = translator_->pack().find(trancode);
  if (txn == nullptr) {
    return invalidArgument("newcore: no transaction '" + std::string(trancode) +
                           "' in mapping pack " + translator_->pack().name);
  }
  if (hasDeadline(context.deadline) && Clock::now() >= context.deadline) {
    return deadlineExceeded("newcore: deadline passed before the call; the request was not sent");
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, acquire(context.deadline));
  const milliseconds timeout = budget(options_.call_timeout, context.deadline);
  if (timeout.count() <= 0) {
    release(std::move(c), true);
    return deadlineExceeded("newcore: deadline passed before the call; the request was not sent");
  }
  c->socket->setSendTimeout(toInt(timeout));
  c->socket->setRecvTimeout(toInt(timeout));
  std::optional<std::string_view> primary;
  if (context.primary_reply != nullptr && context.primary_reply->zz == 0) {
    primary = context.primary_reply->commarea;
  }
  Result<std::string> reply = translator_->call(*txn, commarea, *c->client, primary);
  // Only a translation refused before anything was sent leaves the
  // connection in a known state; anything else may have left half a frame.
  const bool healthy = reply.ok() || reply.status().code() == StatusCode::kInvalidArgument;
  release(std::move(c), healthy);
  if (!reply.ok()) {
    return reply.status();
  }
  return BackendReply{0, std::move(*reply)};
}

}  // namespace corebridge::adapters::newcore

#include "adapters/legacy/tcp_legacy_backend.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "common/logging.h"

namespace corebridge::adapters {
namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText(int e) { return std::strerror(e); }

// Milliseconds left until `deadline`, rounded up so that poll never wakes
// before it; 0 when it has passed.
int remainingMs(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) {
    return 0;
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

enum class Wait { kReady, kTimeout, kError };

// Waits until `fd` has one of `events` (or an error/hang-up) or the deadline
// passes.
Wait waitFor(int fd, short events, Clock::time_point deadline, int* error) {
  while (true) {
    const int ms = remainingMs(deadline);
    if (ms == 0) {
      return Wait::kTimeout;
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) {
      return Wait::kReady;
    }
    if (n == 0) {
      continue;  // re-checks the clock: poll's rounding may wake a hair early
    }
    if (errno != EINTR) {
      *error = errno;
      return Wait::kError;
    }
  }
}

}  // namespace

// One connected socket. Closing it (destruction) is the only way it ends.
class TcpLegacyBackend::Connection {
 public:
  Connection(int fd, uint64_t id, std::atomic<uint64_t>* connected)
      : fd_(fd), id_(id), connected_(connected) {
    connected_->fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection() {
    ::close(fd_);
    connected_->fetch_sub(1, std::memory_order_relaxed);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  uint64_t id() const { return id_; }

  // An idle connection must have nothing to read: readable means the peer
  // closed it (EOF), reset it, or sent bytes nobody asked for.
  bool stale() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;
  }

 private:
  const int fd_;
  const uint64_t id_;
  std::atomic<uint64_t>* const connected_;
};

Result<std::unique_ptr<TcpLegacyBackend>> TcpLegacyBackend::create(TcpLegacyOptions options) {
  CB_RETURN_IF_ERROR(validateFrameOptions(options.frame));
  if (options.host.empty()) {
    return invalidArgument("legacy backend: host is empty");
  }
  if (options.port == 0) {
    return invalidArgument("legacy backend: port is 0");
  }
  if (options.pool_size == 0) {
    return invalidArgument("legacy backend: pool_size is 0");
  }
  if (options.connect_timeout <= std::chrono::milliseconds::zero()) {
    return invalidArgument("legacy backend: connect_timeout must be positive");
  }
  return std::unique_ptr<TcpLegacyBackend>(new TcpLegacyBackend(std::move(options)));
}

TcpLegacyBackend::TcpLegacyBackend(TcpLegacyOptions options)
    : options_(std::move(options)), peer_(options_.host + ":" + std::to_string(options_.port)) {}

TcpLegacyBackend::~TcpLegacyBackend() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
  }
}

Status TcpLegacyBackend::countError(Status status, std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
  return status;
}

Result<BackendReply> TcpLegacyBackend::call(std::string_view trancode, std::string_view commarea,
                                            const CallContext& context) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  std::string request;
  Status encoded = encodeRequest(options_.frame, trancode, commarea, &request);
  if (!encoded.ok()) {
    return countError(encoded.withContext("legacy " + peer_), invalid_argument_);
  }
  if (Clock::now() >= context.deadline) {
    return countError(deadlineExceeded("legacy " + peer_ + ": deadline passed before the call; " +
                                       "the request was not sent"),
                      deadline_exceeded_);
  }
  Result<std::unique_ptr<Connection>> acquired = acquire(context.deadline);
  if (!acquired.ok()) {
    return acquired.status();
  }
  std::unique_ptr<Connection> connection = std::move(acquired).value();
  bool reusable = false;
  Result<BackendReply> reply = exchange(*connection, request, context.deadline, &reusable);
  release(std::move(connection), reusable);
  return reply;
}

Result<std::unique_ptr<TcpLegacyBackend::Connection>> TcpLegacyBackend::acquire(
    Clock::time_point deadline) {
  while (true) {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto available = [&] { return !idle_.empty() || open_ < options_.pool_size; };
      if (!returned_.wait_until(lock, deadline, available)) {
        return countError(
            unavailable("legacy " + peer_ + ": all " + std::to_string(options_.pool_size) +
                        " pooled connections busy until the deadline; " +
                        "the request was not sent"),
            pool_exhausted_);
      }
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;  // reserves the slot; the connect happens outside the lock
      }
    }
    if (connection == nullptr) {
      Result<std::unique_ptr<Connection>> connected = connect(deadline);
      if (!connected.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
        returned_.notify_one();
      }
      return connected;
    }
    if (!connection->stale()) {
      return connection;
    }
    logger("legacy")->debug("conn {} to {}: closed by the peer while idle, replacing it",
                            connection->id(), peer_);
    discarded_.fetch_add(1, std::memory_order_relaxed);
    connection.reset();
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
  }
}

void TcpLegacyBackend::release(std::unique_ptr<Connection> connection, bool healthy) {
  if (healthy) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(connection));
    returned_.notify_one();
    return;
  }
  discarded_.fetch_add(1, std::memory_order_relaxed);
  connection.reset();  // closes the socket outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  --open_;
  returned_.notify_one();
}

Result<std::unique_ptr<TcpLegacyBackend::Connection>> TcpLegacyBackend::connect(
    Clock::time_point deadline) {
  const Clock::time_point limit = Clock::now() + options_.connect_timeout;
  const bool deadline_first = deadline <= limit;
  const Clock::time_point until = deadline_first ? deadline : limit;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(options_.port);
  const int gai = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &addresses);
  if (gai != 0) {
    return countError(unavailable("legacy " + peer_ + ": cannot resolve host: " +
                                  ::gai_strerror(gai) + "; the request was not sent"),
                      connect_failed_);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(addresses, &::freeaddrinfo);

  std::string last_error = "no address";
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = "socket: " + errnoText(errno);
      continue;
    }
    // Owns fd from here on: every return path closes it unless connected.
    auto connection = std::make_unique<Connection>(
        fd, next_connection_id_.fetch_add(1, std::memory_order_relaxed), &connected_);
    int error = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errnoText(errno);
        continue;
      }
      const Wait w = waitFor(fd, POLLOUT, until, &error);
      if (w == Wait::kTimeout) {
        if (deadline_first) {
          return countError(deadlineExceeded("legacy " + peer_ +
                                             ": deadline passed while connecting; the request "
                                             "was not sent"),
                            deadline_exceeded_);
        }
        return countError(unavailable("legacy " + peer_ + ": connect timed out after " +
                                      std::to_string(options_.connect_timeout.count()) +
                                      " ms; the request was not sent"),
                          connect_failed_);
      }
      socklen_t len = sizeof error;
      if (w == Wait::kReady && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
        error = errno;
      }
      if (error != 0) {
        last_error = errnoText(error);
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    connects_.fetch_add(1, std::memory_order_relaxed);
    logger("legacy")->debug("conn {} to {}: connected", connection->id(), peer_);
    return connection;
  }
  return countError(unavailable("legacy " + peer_ + ": connect failed: " + last_error +
                                "; the request was not sent"),
                    connect_failed_);
}

Result<BackendReply> TcpLegacyBackend::exchange(Connection& connection, const std::string& request,
                                                Clock::time_point deadline, bool* reusable) {
  *reusable = false;
  const std::string where = "legacy " + peer_ + " conn " + std::to_string(connection.id());
  const int fd = connection.fd();
  size_t sent = 0;
  int error = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return countError(unavailable(where + ": connection lost while sending: " + errnoText(errno) +
                                    "; the request was not fully sent"),
                        connection_lost_);
    }
    const Wait w = waitFor(fd, POLLOUT, deadline, &error);
    if (w == Wait::kTimeout) {
      return countError(deadlineExceeded(where + ": deadline passed while sending; the request was "
                                                 "not fully sent"),
                        deadline_exceeded_);
    }
    if (w == Wait::kError) {
      return countError(unavailable(where + ": poll: " + errnoText(error)), connection_lost_);
    }
  }

  FrameDecoder decoder(options_.frame, Direction::kReply);
  char buffer[16384];
  while (true) {
    Frame frame;
    const FrameDecoder::Outcome outcome = decoder.next(&frame);
    if (outcome == FrameDecoder::Outcome::kFrame) {
      // The first frame on a connection with nothing pending is this call's
      // reply; bytes beyond it break the stream, so the connection goes.
      *reusable = decoder.buffered() == 0;
      if (!*reusable) {
        trailing_bytes_.fetch_add(1, std::memory_order_relaxed);
        logger("legacy")->warn("{}: {} unexpected bytes after the reply, closing", where,
                               decoder.buffered());
      }
      replies_.fetch_add(1, std::memory_order_relaxed);
      if (frame.zz != 0) {
        system_errors_.fetch_add(1, std::memory_order_relaxed);
      }
      return BackendReply{frame.zz, std::move(frame.commarea)};
    }
    if (outcome != FrameDecoder::Outcome::kNeedMore) {
      return countError(unavailable(where + ": malformed reply after the request was sent: " +
                                    decoder.error().message()),
                        bad_reply_);
    }
    // Wait first, then read: the reply is rarely there the instant the
    // request (or part of the reply) has gone, so a read first would mostly
    // be an EAGAIN, a third system call per exchange.
    const Wait w = waitFor(fd, POLLIN, deadline, &error);
    if (w == Wait::kTimeout) {
      return countError(
          deadlineExceeded(where + ": no reply before the deadline; the request was sent, "
                                   "the outcome is unknown"),
          deadline_exceeded_);
    }
    if (w == Wait::kError) {
      return countError(unavailable(where + ": poll: " + errnoText(error)), connection_lost_);
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      decoder.feed(reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return countError(unavailable(where + ": connection closed by the host after the request was "
                                            "sent; the outcome is unknown"),
                        connection_lost_);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return countError(unavailable(where + ": connection lost after the request was sent: " +
                                    errnoText(errno) + "; the outcome is unknown"),
                        connection_lost_);
    }
  }
}

TcpLegacyStats TcpLegacyBackend::stats() const {
  TcpLegacyStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.idle_connections = idle_.size();
  }
  const auto load = [](const std::atomic<uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  s.open_connections = load(connected_);
  s.connects = load(connects_);
  s.discarded = load(discarded_);
  s.calls = load(calls_);
  s.replies = load(replies_);
  s.system_errors = load(system_errors_);
  s.invalid_argument = load(invalid_argument_);
  s.connect_failed = load(connect_failed_);
  s.pool_exhausted = load(pool_exhausted_);
  s.deadline_exceeded = load(deadline_exceeded_);
  s.connection_lost = load(connection_lost_);
  s.bad_reply = load(bad_reply_);
  s.trailing_bytes = load(trailing_bytes_);
  return s;
}

}  // namespace corebridge::adapters

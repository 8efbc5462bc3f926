#include "legacy/host/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/logging.h"

namespace corebridge::legacy {

using adapters::Direction;
using adapters::Frame;
using adapters::FrameDecoder;
using adapters::SystemError;

namespace {

struct Request {
  uint64_t conn = 0;
  uint64_t seq = 0;
  const HostTransaction* txn = nullptr;
  std::string commarea;  // host dialect
};

struct Reply {
  uint64_t conn = 0;
  uint64_t seq = 0;
  const HostTransaction* txn = nullptr;
  Status status;
  std::string commarea;  // host dialect
};

struct Connection {
  Connection(int f, const adapters::FrameOptions& o) : fd(f), decoder(o, Direction::kRequest) {}
  int fd;
  FrameDecoder decoder;
  std::string out;  // bytes to write
  // Replies in request order: slot i answers request first_seq + i; nullopt
  // while its call is running.
  std::deque<std::optional<std::string>> slots;
  uint64_t first_seq = 0;
  size_t running = 0;  // requests at the dispatcher
  bool read_closed = false;
  bool close_after_flush = false;
};

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

class HostServer::Impl {
 public:
  Impl(HostOptions options, std::vector<HostTransaction> transactions,
       std::unique_ptr<ProgramExecutor> executor, HostCounters* counters)
      : options_(std::move(options)),
        transactions_(std::move(transactions)),
        executor_(std::move(executor)),
        counters_(counters) {
    for (const HostTransaction& t : transactions_) {
      by_trancode_[t.def.trancode] = &t;
    }
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      wake_[0] = wake_[1] = -1;
    }
  }

  ~Impl() {
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
    }
    for (auto& [id, c] : conns_) {
      ::close(c.fd);
    }
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  Status listen(int* port) {
    if (wake_[0] < 0) {
      return internalError("pipe2 failed");
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(options_.port));
    if (::inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr) != 1) {
      return invalidArgument("bind address '" + options_.bind_address + "' is not IPv4");
    }
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      return unavailable("cannot listen on " + options_.bind_address + ":" +
                         std::to_string(options_.port) + ": " + std::strerror(errno));
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    *port = ntohs(addr.sin_port);
    setNonBlocking(listen_fd_);
    return okStatus();
  }

  void requestStop() {
    stop_requested_.store(true);
    const char b = 's';
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &b, 1);
  }

  Status run() {
    std::thread dispatcher([this] { dispatch(); });
    ioLoop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      dispatcher_stop_ = true;
    }
    cv_.notify_all();
    dispatcher.join();
    executor_.reset();  // cob_tidy, or the worker's
    return okStatus();
  }

 private:
  // The dispatcher thread: the only one that touches the executor.
  void dispatch() {
    while (true) {
      Request req;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return dispatcher_stop_ || !requests_.empty(); });
        if (requests_.empty()) {
          return;
        }
        req = std::move(requests_.front());
        requests_.pop_front();
      }
      Reply rep;
      rep.conn = req.conn;
      rep.seq = req.seq;
      rep.txn = req.txn;
      rep.commarea = std::move(req.commarea);
      rep.status = executor_->call(req.txn->def.program, &rep.commarea);
      counters_->calls.fetch_add(1);
      if (rep.status.code() == StatusCode::kAborted) {
        counters_->abends.fetch_add(1);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        replies_.push_back(std::move(rep));
      }
      const char b = 'r';
      [[maybe_unused]] ssize_t n = ::write(wake_[1], &b, 1);
    }
  }

  // The I/O thread's loop. States: serving (accept, read, write) until a
  // stop is requested; then draining (no accept, no read) until nothing is
  // queued, running or unwritten; then return.
  void ioLoop() {
    std::vector<pollfd> fds;
    std::vector<uint64_t> ids;
    bool stopping = false;
    while (true) {
      if (stop_requested_.load() && !stopping) {
        stopping = true;
        ::close(listen_fd_);
        listen_fd_ = -1;
        logger("legacy")->info("stop requested: draining {} requests in flight", in_flight_);
      }
      if (stopping && in_flight_ == 0 && allWritten()) {
        return;
      }
      fds.clear();
      ids.clear();
      fds.push_back({wake_[0], POLLIN, 0});
      if (!stopping) {
        fds.push_back({listen_fd_, POLLIN, 0});
      }
      for (auto& [id, c] : conns_) {
        short ev = 0;
        if (!stopping && !c.read_closed && !c.close_after_flush &&
            c.slots.size() < options_.max_pending_per_connection) {
          ev |= POLLIN;
        }
        if (!c.out.empty()) {
          ev |= POLLOUT;
        }
        fds.push_back({c.fd, ev, 0});
        ids.push_back(id);
      }
      const int n = ::poll(fds.data(), fds.size(), stopping ? 100 : -1);
      if (n < 0 && errno != EINTR) {
        logger("legacy")->error("poll: {}", std::strerror(errno));
        return;
      }
      if (fds[0].revents & POLLIN) {
        char buf[256];
        while (::read(wake_[0], buf, sizeof buf) > 0) {
        }
        takeReplies();
      }
      size_t first_conn = 1;
      if (!stopping) {
        if (fds[1].revents & POLLIN) {
          acceptAll();
        }
        first_conn = 2;
      }
      for (size_t i = first_conn; i < fds.size(); ++i) {
        auto it = conns_.find(ids[i - first_conn]);
        if (it == conns_.end()) {
          continue;
        }
        Connection& c = it->second;
        if ((fds[i].revents & POLLIN) && !stopping) {
          readFrom(it->first, c);
        } else if (fds[i].revents & (POLLHUP | POLLERR)) {
          c.read_closed = true;  // nothing more will be read
        }
        if (!c.out.empty()) {
          writeTo(it->first, c);
        }
      }
      closeFinished();
    }
  }

  bool allWritten() const {
    for (const auto& [id, c] : conns_) {
      if (!c.out.empty()) {
        return false;
      }
    }
    return true;
  }

  void acceptAll() {
    while (true) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        return;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const uint64_t id = ++next_conn_;
      conns_.emplace(id, Connection(fd, options_.frame));
      counters_->connections.fetch_add(1);
      logger("legacy")->debug("conn {}: accepted", id);
    }
  }

  void readFrom(uint64_t id, Connection& c) {
    char buf[16384];
    while (!c.read_closed && !c.close_after_flush) {
      const ssize_t r = ::read(c.fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      }
      if (r <= 0) {
        c.read_closed = true;
        break;
      }
      c.decoder.feed(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(r));
      takeFrames(id, c);
      if (static_cast<size_t>(r) < sizeof buf) {
        break;
      }
    }
  }

  void takeFrames(uint64_t id, Connection& c) {
    Frame frame;
    while (!c.close_after_flush) {
      switch (c.decoder.next(&frame)) {
        case FrameDecoder::Outcome::kNeedMore:
          return;
        case FrameDecoder::Outcome::kFrame:
          handleRequest(id, c, frame);
          break;
        case FrameDecoder::Outcome::kBadFrame:
          logger("legacy")->warn("conn {}: bad frame: {}", id, c.decoder.error().message());
          answer(c, systemError(SystemError::kMalformedFrame, c.decoder.error().message()));
          break;
        case FrameDecoder::Outcome::kBrokenStream:
          logger("legacy")->warn("conn {}: frame boundary lost, closing: {}", id,
                                 c.decoder.error().message());
          answer(c, systemError(SystemError::kMalformedFrame, c.decoder.error().message()));
          c.close_after_flush = true;
          return;
      }
    }
  }

  void handleRequest(uint64_t id, Connection& c, const Frame& frame) {
    auto it = by_trancode_.find(frame.trancode);
    if (it == by_trancode_.end()) {
      logger("legacy")->warn("conn {}: unknown TRANCODE {}", id, frame.trancode);
      answer(c, systemError(SystemError::kUnknownTrancode, "UNKNOWN TRANCODE " + frame.trancode));
      return;
    }
    const HostTransaction* txn = it->second;
    if (frame.commarea.size() != txn->transcoder->length()) {
      logger("legacy")->warn("conn {}: {} COMMAREA of {} bytes, expected {}", id, frame.trancode,
                             frame.commarea.size(), txn->transcoder->length());
      answer(c, systemError(SystemError::kCommareaLength,
                            "COMMAREA LENGTH " + std::to_string(frame.commarea.size()) +
                                " INVALID FOR " + frame.trancode + ", EXPECTED " +
                                std::to_string(txn->transcoder->length())));
      return;
    }
    Request req;
    Status s = txn->transcoder->wireToHost(frame.commarea, &req.commarea);
    if (!s.ok()) {
      logger("legacy")->warn("conn {}: {}: {}", id, frame.trancode, s.message());
      answer(c, systemError(SystemError::kCommareaData, "INVALID COMMAREA: " + s.message()));
      return;
    }
    req.conn = id;
    req.seq = c.first_seq + c.slots.size();
    req.txn = txn;
    c.slots.emplace_back(std::nullopt);
    ++c.running;
    ++in_flight_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(std::move(req));
    }
    cv_.notify_one();
  }

  std::string systemError(SystemError e, const std::string& text) {
    counters_->system_errors.fetch_add(1);
    std::string out;
    adapters::encodeSystemError(options_.frame, e, text, &out);
    return out;
  }

  // Queues an immediate answer behind the replies still due on `c`.
  void answer(Connection& c, std::string bytes) {
    c.slots.emplace_back(std::move(bytes));
    flushSlots(c);
  }

  void flushSlots(Connection& c) {
    while (!c.slots.empty() && c.slots.front().has_value()) {
      c.out += *c.slots.front();
      c.slots.pop_front();
      ++c.first_seq;
    }
  }

  void takeReplies() {
    std::deque<Reply> replies;
    {
      std::lock_guard<std::mutex> lock(mu_);
      replies.swap(replies_);
    }
    for (Reply& r : replies) {
      --in_flight_;
      auto it = conns_.find(r.conn);
      if (it == conns_.end()) {
        continue;  // the channel went away; the call's effects stand
      }
      Connection& c = it->second;
      --c.running;
      c.slots[r.seq - c.first_seq] = replyBytes(r);
      flushSlots(c);
    }
  }

  std::string replyBytes(const Reply& r) {
    const std::string& program = r.txn->def.program;
    switch (r.status.code()) {
      case StatusCode::kOk: {
        std::string wire;
        Status s = r.txn->transcoder->hostToWire(r.commarea, &wire);
        if (!s.ok()) {
          logger("legacy")->error("{} reply not convertible: {}", program, s.message());
          return systemError(SystemError::kCommareaData,
                             "REPLY OF " + program + ": " + s.message());
        }
        std::string out;
        s = adapters::encodeReply(options_.frame, 0, wire, &out);
        if (!s.ok()) {
          return systemError(SystemError::kCommareaData, s.message());
        }
        return out;
      }
      case StatusCode::kNotFound:
        logger("legacy")->error("{}", r.status.message());
        return systemError(SystemError::kProgramNotFound, "PROGRAM " + program + " NOT FOUND");
      case StatusCode::kAborted:
        return systemError(SystemError::kAbend, r.status.message());
      default:
        logger("legacy")->error("{}: {}", program, r.status.toString());
        return systemError(SystemError::kUnavailable, "HOST UNAVAILABLE");
    }
  }

  void writeTo(uint64_t id, Connection& c) {
    while (!c.out.empty()) {
      const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) {
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      }
      if (w <= 0) {
        logger("legacy")->debug("conn {}: write failed: {}", id, std::strerror(errno));
        c.out.clear();
        c.read_closed = true;
        return;
      }
      c.out.erase(0, static_cast<size_t>(w));
    }
  }

  void closeFinished() {
    for (auto it = conns_.begin(); it != conns_.end();) {
      Connection& c = it->second;
      // A channel that half-closed still gets the replies it is due.
      if ((c.read_closed || c.close_after_flush) && c.running == 0 && c.out.empty()) {
        logger("legacy")->debug("conn {}: closed", it->first);
        ::close(c.fd);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }

  HostOptions options_;
  std::vector<HostTransaction> transactions_;
  std::unordered_map<std::string, const HostTransaction*> by_trancode_;
  std::unique_ptr<ProgramExecutor> executor_;
  HostCounters* counters_;

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_requested_{false};

  // I/O thread only.
  std::map<uint64_t, Connection> conns_;
  uint64_t next_conn_ = 0;
  size_t in_flight_ = 0;  // requests queued or running

  // Shared with the dispatcher.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> requests_;
  std::deque<Reply> replies_;
  bool dispatcher_stop_ = false;
};

HostServer::HostServer(HostOptions options, std::vector<HostTransaction> transactions,
                       std::unique_ptr<ProgramExecutor> executor)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(transactions), std::move(executor),
                                   &counters_)) {}

HostServer::~HostServer() = default;

Status HostServer::listen() { return impl_->listen(&port_); }

Status HostServer::run() { return impl_->run(); }

void HostServer::requestStop() { impl_->requestStop(); }

}  // namespace corebridge::legacy

#include "bridge/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/logging.h"

namespace corebridge::bridge {

ChannelListener::ChannelListener(ListenerOptions options, Executor& executor)
    : options_(std::move(options)), executor_(executor) {}

ChannelListener::~ChannelListener() { stop(); }

Status ChannelListener::listen() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    return unavailable(std::string("socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  if (::inet_pton(AF_INET, options_.address.c_str(), &addr.sin_addr) != 1) {
    return invalidArgument("listen.host: '" + options_.address + "' is not an IPv4 address");
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 512) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return unavailable("cannot listen on " + options_.address + ":" +
                       std::to_string(options_.port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  return okStatus();
}

void ChannelListener::start() {
  acceptor_ = std::thread([this] { acceptLoop(); });
}

void ChannelListener::acceptLoop() {
  auto log = logger("bridge");
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);
    if (ready <= 0) {
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    counters_.connections.fetch_add(1);
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_.load() || threads_ >= options_.max_connections) {
      lock.unlock();
      counters_.refused.fetch_add(1);
      log->warn("connection refused: {} connections open (max_connections)", threads_);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    open_fds_.insert(fd);
    ++threads_;
    lock.unlock();
    counters_.active.fetch_add(1);
    std::thread([this, fd] { serve(fd); }).detach();
  }
}

void ChannelListener::writeAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;  // the peer went away; the read side notices
    }
    done += static_cast<size_t>(n);
  }
}

void ChannelListener::serve(int fd) {
  auto log = logger("bridge");
  adapters::FrameDecoder decoder(options_.frame, adapters::Direction::kRequest);
  adapters::Frame frame;
  std::string out;
  char buf[16384];
  bool open = true;
  while (open) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    decoder.feed(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
    while (open) {
      const adapters::FrameDecoder::Outcome o = decoder.next(&frame);
      if (o == adapters::FrameDecoder::Outcome::kNeedMore) {
        break;
      }
      out.clear();
      if (o == adapters::FrameDecoder::Outcome::kFrame) {
        ChannelReply reply = executor_.handle(frame.trancode, frame.commarea);
        if (reply.system_error) {
          adapters::encodeSystemError(options_.frame, reply.error, reply.message, &out);
        } else if (Status s = adapters::encodeReply(options_.frame, reply.reply.zz,
                                                    reply.reply.commarea, &out);
                   !s.ok()) {
          out.clear();
          adapters::encodeSystemError(options_.frame, adapters::SystemError::kUnavailable,
                                      "REPLY TOO LONG", &out);
        }
      } else {
        counters_.malformed_frames.fetch_add(1);
        log->info("fd {}: {}", fd, decoder.error().message());
        adapters::encodeSystemError(options_.frame, adapters::SystemError::kMalformedFrame,
                                    decoder.error().message(), &out);
        if (o == adapters::FrameDecoder::Outcome::kBrokenStream) {
          counters_.broken_streams.fetch_add(1);
          open = false;
        }
      }
      writeAll(fd, out);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
    ::close(fd);
    --threads_;
  }
  counters_.active.fetch_sub(1);
  done_.notify_all();
}

void ChannelListener::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  std::unique_lock<std::mutex> lock(mu_);
  // A connection thread blocked in recv() sees end of stream; one running a
  // request finishes it and writes its reply first.
  for (int fd : open_fds_) {
    ::shutdown(fd, SHUT_RD);
  }
  done_.wait(lock, [this] { return threads_ == 0; });
}

}  // namespace corebridge::bridge

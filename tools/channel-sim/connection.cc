#include "tools/channel-sim/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace corebridge::sim {

Connection::Connection(std::string host, int port, adapters::FrameOptions options,
                       std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), options_(options), timeout_(timeout) {}

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  decoder_.reset();
}

Status Connection::connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(port_);
  if (int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return unavailable(host_ + ":" + port + ": " + ::gai_strerror(rc));
  }
  Status st = unavailable(host_ + ":" + port + ": no address");
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
      st = okStatus();
      break;
    }
    st = unavailable(host_ + ":" + port + ": " + std::strerror(errno));
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (st.ok()) {
    decoder_ = std::make_unique<adapters::FrameDecoder>(options_, adapters::Direction::kReply);
  }
  return st;
}

Status Connection::sendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      Status st = unavailable(std::string("send: ") + std::strerror(errno));
      close();
      return st;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

Status Connection::receive(adapters::Frame* reply) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  char buf[65536];
  while (true) {
    switch (decoder_->next(reply)) {
      case adapters::FrameDecoder::Outcome::kFrame:
        return okStatus();
      case adapters::FrameDecoder::Outcome::kBadFrame:
      case adapters::FrameDecoder::Outcome::kBrokenStream: {
        Status st = dataLoss("reply: " + decoder_->error().message());
        close();
        return st;
      }
      case adapters::FrameDecoder::Outcome::kNeedMore:
        break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      close();
      return deadlineExceeded("no reply within " + std::to_string(timeout_.count()) + " ms");
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc == 0) {
      continue;  // the deadline check above closes
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      close();
      return unavailable(n == 0 ? "connection closed by the host"
                                : std::string("recv: ") + std::strerror(errno));
    }
    decoder_->feed(reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n));
  }
}

Status Connection::call(std::string_view trancode, std::string_view commarea,
                        adapters::Frame* reply) {
  out_.clear();
  CB_RETURN_IF_ERROR(adapters::encodeRequest(options_, trancode, commarea, &out_));
  return callRaw(out_, reply);
}

Status Connection::callRaw(std::string_view bytes, adapters::Frame* reply) {
  if (fd_ < 0) {
    CB_RETURN_IF_ERROR(connect());
  }
  CB_RETURN_IF_ERROR(sendAll(bytes));
  return receive(reply);
}

}  // namespace corebridge::sim

// TcpLegacyBackend against two servers on loopback, port 0:
//  - FakeGateway, an in-test LLZZ server whose behaviour is chosen by the
//    TRANCODE (echo, system error, silence, hang-up, trailing bytes), so
//    every failure mode is reproducible;
//  - the real legacy-host binary with the demo bank seeded (ACCTINQ), the
//    way tests/legacy_host/host_test.cc starts it.
// Assertions are on statuses, replies and the backend's counters, not on
// timing (the deadline test only guards against a hang).
#include "adapters/legacy/tcp_legacy_backend.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/channel/frame.h"
#include "mappings/codepage.h"
#include "tests/support/child_process.h"

namespace corebridge::adapters {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

CallContext within(Clock::duration d) { return CallContext{Clock::now() + d, nullptr}; }

std::string toEbcdic(const std::string& s) {
  std::string out(s.size(), '\0');
  EXPECT_TRUE(mappings::CodePage::cp037()
                  .encode(s, reinterpret_cast<uint8_t*>(out.data()), out.size())
                  .ok());
  return out;
}

std::string fromEbcdic(const std::string& b) {
  std::string out;
  mappings::CodePage::cp037().decode(reinterpret_cast<const uint8_t*>(b.data()), b.size(), &out);
  return out;
}

// A loopback LLZZ server. Per request, by TRANCODE:
//   ECHO    reply ZZ 0 with the request's COMMAREA
//   SYSERR  reply CB05 (a system error)
//   SILENT  never reply (the connection stays open)
//   DROP    close the connection without replying
//   BYE     reply like ECHO, then close the connection
//   TRAIL   reply like ECHO followed by 3 stray bytes
class FakeGateway {
 public:
  FakeGateway() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 64), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    EXPECT_EQ(::pipe(stop_), 0);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~FakeGateway() {
    const char c = 'x';
    EXPECT_EQ(::write(stop_[1], &c, 1), 1);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(connections_);
    }
    for (auto& t : threads) {
      t.join();
    }
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int closed() const { return closed_.load(); }
  int requests() const { return requests_.load(); }

 private:
  // Waits for `fd` readable or the stop pipe; false when stopping.
  bool waitReadable(int fd) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    while (::poll(p, 2, -1) < 0) {
    }
    return (p[1].revents & POLLIN) == 0;
  }

  void acceptLoop() {
    while (waitReadable(listen_fd_)) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      accepted_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu_);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    FrameOptions options;
    FrameDecoder decoder(options, Direction::kRequest);
    bool open = true;
    while (open && waitReadable(fd)) {
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        break;
      }
      decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
      Frame f;
      while (open && decoder.next(&f) == FrameDecoder::Outcome::kFrame) {
        requests_.fetch_add(1);
        std::string out;
        if (f.trancode == "SILENT") {
          continue;
        }
        if (f.trancode == "DROP") {
          open = false;
          break;
        }
        if (f.trancode == "SYSERR") {
          encodeSystemError(options, SystemError::kAbend, "PROGRAM X ENDED ABNORMALLY", &out);
        } else {
          EXPECT_TRUE(encodeReply(options, 0, f.commarea, &out).ok());
        }
        if (f.trancode == "TRAIL") {
          out += std::string("\x00\x01\x02", 3);
        }
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (f.trancode == "BYE") {
          open = false;
        }
      }
    }
    ::close(fd);
    closed_.fetch_add(1);
  }

  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_{0};
  std::atomic<int> requests_{0};
};

std::unique_ptr<TcpLegacyBackend> makeBackend(uint16_t port, size_t pool_size = 4) {
  TcpLegacyOptions o;
  o.port = port;
  o.pool_size = pool_size;
  auto b = TcpLegacyBackend::create(o);
  EXPECT_TRUE(b.ok()) << b.status().toString();
  return std::move(b).value();
}

// Waits (bounded) until `pred` holds; for server-side effects the client
// cannot observe synchronously (a peer's close()).
template <typename Pred>
bool eventually(Pred pred) {
  const auto until = Clock::now() + seconds(5);
  while (!pred()) {
    if (Clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

TEST(TcpLegacyBackendOptions, RejectsUnusableOptions) {
  TcpLegacyOptions o;
  EXPECT_EQ(TcpLegacyBackend::create(o).status().code(), StatusCode::kInvalidArgument);  // port 0
  o.port = 1;
  o.pool_size = 0;
  EXPECT_EQ(TcpLegacyBackend::create(o).status().code(), StatusCode::kInvalidArgument);
  o.pool_size = 1;
  o.frame.length_bytes = 3;
  EXPECT_EQ(TcpLegacyBackend::create(o).status().code(), StatusCode::kInvalidArgument);
  o.frame.length_bytes = 2;
  o.host.clear();
  EXPECT_EQ(TcpLegacyBackend::create(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(TcpLegacyBackendFake, GoodCallIsLazyAndReusesTheConnection) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  EXPECT_EQ(backend->side(), "legacy");
  EXPECT_EQ(gateway.accepted(), 0);  // lazy: nothing before the first call
  EXPECT_EQ(backend->stats().open_connections, 0u);
  for (int i = 0; i < 5; ++i) {
    const std::string area = "COMMAREA " + std::to_string(i);
    auto r = backend->call("ECHO", area, within(seconds(5)));
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(r->zz, 0);
    EXPECT_EQ(r->commarea, area);
  }
  EXPECT_EQ(gateway.accepted(), 1);
  const TcpLegacyStats s = backend->stats();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.open_connections, 1u);
  EXPECT_EQ(s.idle_connections, 1u);
  EXPECT_EQ(s.calls, 5u);
  EXPECT_EQ(s.replies, 5u);
  EXPECT_EQ(s.system_errors, 0u);
}

TEST(TcpLegacyBackendFake, EmptyCommareaAndLargeCommarea) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  auto r = backend->call("ECHO", "", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->commarea, "");
  // Larger than one recv buffer and than a socket write in one go.
  const std::string big(32767 - 12, 'Z');
  r = backend->call("ECHO", big, within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->commarea, big);
}

TEST(TcpLegacyBackendFake, SystemErrorReplyIsAReplyNotAnError) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  auto r = backend->call("SYSERR", "X", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->zz, static_cast<uint16_t>(SystemError::kAbend));
  EXPECT_EQ(decodeSystemErrorText(FrameOptions{}, r->commarea), "CB05 PROGRAM X ENDED ABNORMALLY");
  // The connection stays usable after a system error.
  ASSERT_TRUE(backend->call("ECHO", "A", within(seconds(5))).ok());
  EXPECT_EQ(gateway.accepted(), 1);
  EXPECT_EQ(backend->stats().system_errors, 1u);
  EXPECT_EQ(backend->stats().replies, 2u);
}

TEST(TcpLegacyBackendFake, BadTrancodeIsInvalidArgumentAndSendsNothing) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  EXPECT_EQ(backend->call("", "X", within(seconds(5))).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(backend->call("TOOLONGCODE", "X", within(seconds(5))).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(backend->call("ECHO", std::string(40000, 'x'), within(seconds(5))).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(gateway.accepted(), 0);
  EXPECT_EQ(backend->stats().invalid_argument, 3u);
}

TEST(TcpLegacyBackendFake, SilentServerGivesDeadlineExceededAndTheConnectionIsClosed) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  ASSERT_TRUE(backend->call("ECHO", "A", within(seconds(5))).ok());
  const auto start = Clock::now();
  auto r = backend->call("SILENT", "A", within(milliseconds(200)));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().toString();
  EXPECT_LT(Clock::now() - start, seconds(10));  // a hang guard, not a timing assertion
  // Its stream position is unknown: closed, not back in the pool.
  EXPECT_EQ(backend->stats().open_connections, 0u);
  EXPECT_TRUE(eventually([&] { return gateway.closed() == 1; }));
  auto again = backend->call("ECHO", "B", within(seconds(5)));
  ASSERT_TRUE(again.ok()) << again.status().toString();
  EXPECT_EQ(again->commarea, "B");  // not the late reply of anything else
  EXPECT_EQ(gateway.accepted(), 2);
  const TcpLegacyStats s = backend->stats();
  EXPECT_EQ(s.deadline_exceeded, 1u);
  EXPECT_EQ(s.discarded, 1u);
  EXPECT_EQ(s.connects, 2u);
}

TEST(TcpLegacyBackendFake, DeadlineAlreadyPassedSendsNothing) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  auto r = backend->call("ECHO", "A", CallContext{Clock::now() - milliseconds(1), nullptr});
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(gateway.accepted(), 0);
}

TEST(TcpLegacyBackendFake, RefusedPortIsUnavailable) {
  // A bound socket that does not listen: connects to it are refused, and the
  // port cannot be taken by anyone else meanwhile.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto backend = makeBackend(ntohs(a.sin_port));
  for (int i = 0; i < 2; ++i) {
    auto r = backend->call("ECHO", "A", within(seconds(5)));
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
  }
  const TcpLegacyStats s = backend->stats();
  EXPECT_EQ(s.connect_failed, 2u);
  EXPECT_EQ(s.open_connections, 0u);
  ::close(fd);
}

// A listener whose accept queue is full drops further SYNs (Linux), so a
// connect neither succeeds nor fails: connect_timeout decides (Unavailable),
// or the call's deadline when that comes first (DeadlineExceeded).
TEST(TcpLegacyBackendFake, ConnectThatHangsIsBoundedByConnectTimeoutAndDeadline) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  // Fill the queue: connect until one does not complete at once.
  std::vector<int> fillers;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    fillers.push_back(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      pollfd p{fd, POLLOUT, 0};
      full = ::poll(&p, 1, 200) == 0;
    }
  }
  if (full) {
    TcpLegacyOptions o;
    o.port = ntohs(a.sin_port);
    o.connect_timeout = milliseconds(100);
    auto backend = std::move(TcpLegacyBackend::create(o)).value();
    auto r = backend->call("ECHO", "A", within(seconds(10)));
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
    EXPECT_NE(r.status().message().find("connect timed out"), std::string::npos);
    o.connect_timeout = seconds(10);
    backend = std::move(TcpLegacyBackend::create(o)).value();
    r = backend->call("ECHO", "A", within(milliseconds(100)));
    EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().toString();
    EXPECT_EQ(backend->stats().open_connections, 0u);
  }
  for (int fd : fillers) {
    ::close(fd);
  }
  ::close(listener);
  if (!full) {
    GTEST_SKIP() << "the kernel accepted every connect; cannot make one hang";
  }
}

TEST(TcpLegacyBackendFake, ConnectionClosedWhileIdleIsReplacedWithoutFailingACall) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  auto r = backend->call("BYE", "A", within(seconds(5)));  // answered, then hung up
  ASSERT_TRUE(r.ok()) << r.status().toString();
  ASSERT_TRUE(eventually([&] { return gateway.closed() == 1; }));
  r = backend->call("ECHO", "B", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->commarea, "B");
  EXPECT_EQ(gateway.accepted(), 2);
  EXPECT_EQ(backend->stats().discarded, 1u);
  EXPECT_EQ(backend->stats().open_connections, 1u);
}

TEST(TcpLegacyBackendFake, ConnectionLostMidCallIsUnavailableAndReplaced) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  auto r = backend->call("DROP", "A", within(seconds(5)));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
  EXPECT_NE(r.status().message().find("outcome is unknown"), std::string::npos);
  EXPECT_EQ(backend->stats().open_connections, 0u);
  r = backend->call("ECHO", "B", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(gateway.accepted(), 2);
  EXPECT_EQ(backend->stats().connection_lost, 1u);
}

TEST(TcpLegacyBackendFake, BytesAfterTheReplyCloseTheConnection) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port());
  // The stray bytes may arrive with the reply or just after it: either the
  // call itself or the next call's idle check must drop the connection.
  auto r = backend->call("TRAIL", "A", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->commarea, "A");
  std::this_thread::sleep_for(milliseconds(20));
  r = backend->call("ECHO", "B", within(seconds(5)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->commarea, "B");
  EXPECT_EQ(gateway.accepted(), 2);
}

TEST(TcpLegacyBackendFake, PoolExhaustedUntilTheDeadlineIsUnavailable) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port(), /*pool_size=*/1);
  std::thread blocker([&] {
    EXPECT_EQ(backend->call("SILENT", "A", within(milliseconds(800))).status().code(),
              StatusCode::kDeadlineExceeded);
  });
  ASSERT_TRUE(eventually([&] { return gateway.requests() == 1; }));
  auto r = backend->call("ECHO", "B", within(milliseconds(100)));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
  EXPECT_EQ(backend->stats().pool_exhausted, 1u);
  blocker.join();
  // The slot of the timed-out connection is free again.
  ASSERT_TRUE(backend->call("ECHO", "C", within(seconds(5))).ok());
}

TEST(TcpLegacyBackendFake, WaitersGetAConnectionWhenOneIsReturned) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port(), /*pool_size=*/1);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (backend->call("ECHO", "A", within(seconds(10))).ok()) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(gateway.accepted(), 1);
}

TEST(TcpLegacyBackendFake, EightConcurrentCallersShareABoundedPool) {
  FakeGateway gateway;
  auto backend = makeBackend(gateway.port(), /*pool_size=*/4);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string area = "T" + std::to_string(t) + " I" + std::to_string(i);
        auto r = backend->call("ECHO", area, within(seconds(10)));
        if (!r.ok()) {
          failures.fetch_add(1);
        } else if (r->commarea != area) {
          mismatches.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  const TcpLegacyStats s = backend->stats();
  EXPECT_EQ(s.calls, 400u);
  EXPECT_EQ(s.replies, 400u);
  EXPECT_LE(s.connects, 4u);
  EXPECT_LE(s.open_connections, 4u);
  EXPECT_LE(gateway.accepted(), 4);
}

// ---- the real legacy-host -------------------------------------------------

// legacy-host on port 0 (tests/support/child_process.h), stderr to `log`.
class Host {
 public:
  bool start(const std::vector<std::string>& args, const std::string& log) {
    return process_.start("legacy-host", args, log) && port() > 0;
  }
  int stop(int sig) { return process_.stop(sig); }
  uint16_t port() const { return static_cast<uint16_t>(process_.portAfter("listening on")); }

 private:
  test_support::ChildProcess process_;
};

// ACCTINQ's 200-byte COMMAREA (CAINQ.cpy) for `account`, in cp037.
std::string inquiry(const std::string& txn_id, const std::string& account) {
  std::string hdr = txn_id;
  hdr.resize(16, ' ');
  hdr += "TLRTERM0001";
  hdr.resize(80, ' ');
  hdr.replace(27, 2, "00");
  hdr.replace(69, 8, "00000000");
  std::string area = hdr + account;
  area.resize(200, ' ');
  return toEbcdic(area);
}

class LegacyHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string cobol = std::string(CB_BINARY_DIR) + "/cobol";
    // A missing host is a failure, not a skip: `make` builds both.
    ASSERT_TRUE(fs::exists(cobol + "/CBINQ.so") && fs::exists(cobol + "/SEED") &&
                fs::exists(test_support::binDir() + "/legacy-host"))
        << "legacy-host or the demo bank programs are not built (make)";
    dir_ = fs::temp_directory_path() /
           ("cb_legacy_client_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ + "/host.log";
    ASSERT_TRUE(host_.start(args(0), log_)) << "legacy-host did not start, see " << log_;
  }
  void TearDown() override {
    host_.stop(SIGTERM);
    if (!HasFailure() && !dir_.empty()) {
      fs::remove_all(dir_);
    }
  }
  std::vector<std::string> args(uint16_t port) {
    return {"--port", std::to_string(port), "--data-dir", dir_ + "/bank", "--accounts", "1000"};
  }

  Host host_;
  std::string dir_;
  std::string log_;
};

// docs/legacy.md: the first seeded account 10 001 000001 is a SAVB with a
// ledger balance of 179.19.
void expectFirstAccount(const Result<BackendReply>& r) {
  ASSERT_TRUE(r.ok()) << r.status().toString();
  ASSERT_EQ(r->zz, 0) << decodeSystemErrorText(FrameOptions{}, r->commarea);
  ASSERT_EQ(r->commarea.size(), 200u);
  EXPECT_EQ(fromEbcdic(r->commarea.substr(27, 2)), "00");
  EXPECT_EQ(fromEbcdic(r->commarea.substr(92, 4)), "SAVB");
  EXPECT_EQ(r->commarea.substr(110, 8), std::string("\x00\x00\x00\x00\x00\x17\x91\x9C", 8));
}

TEST_F(LegacyHostTest, InquiryOverOnePooledConnection) {
  auto backend = makeBackend(host_.port());
  for (int i = 0; i < 3; ++i) {
    expectFirstAccount(backend->call("ACCTINQ",
                                     inquiry("T00000000000000" + std::to_string(i), "100010000014"),
                                     within(seconds(10))));
  }
  EXPECT_EQ(backend->stats().connects, 1u);
  EXPECT_EQ(backend->stats().replies, 3u);
}

TEST_F(LegacyHostTest, SystemErrorsOfTheHostArePassedThrough) {
  auto backend = makeBackend(host_.port());
  auto r = backend->call("NOSUCH", inquiry("T1", "100010000014"), within(seconds(10)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->zz, static_cast<uint16_t>(SystemError::kUnknownTrancode));
  EXPECT_EQ(decodeSystemErrorText(FrameOptions{}, r->commarea).substr(0, 4), "CB02");
  r = backend->call("ACCTINQ", toEbcdic("SHORT"), within(seconds(10)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->zz, static_cast<uint16_t>(SystemError::kCommareaLength));
  // The host keeps the connection after a system error; so does the pool.
  expectFirstAccount(backend->call("ACCTINQ", inquiry("T2", "100010000014"), within(seconds(10))));
  EXPECT_EQ(backend->stats().connects, 1u);
  EXPECT_EQ(backend->stats().system_errors, 2u);
}

TEST_F(LegacyHostTest, EightConcurrentCallers) {
  auto backend = makeBackend(host_.port(), /*pool_size=*/4);
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r =
            backend->call("ACCTINQ", inquiry("C" + std::to_string(t * 100 + i), "100010000014"),
                          within(seconds(30)));
        if (r.ok() && r->zz == 0 && r->commarea.substr(92, 4) == toEbcdic("SAVB")) {
          good.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(good.load(), 80);
  EXPECT_LE(backend->stats().connects, 4u);
}

TEST_F(LegacyHostTest, HostRestartCostsNoCallAndHostDownIsUnavailable) {
  auto backend = makeBackend(host_.port());
  expectFirstAccount(backend->call("ACCTINQ", inquiry("R1", "100010000014"), within(seconds(10))));
  const uint16_t port = host_.port();
  ASSERT_EQ(host_.stop(SIGTERM), 0);
  // Down: the idle connection is found closed, the reconnect is refused.
  auto r = backend->call("ACCTINQ", inquiry("R2", "100010000014"), within(seconds(10)));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
  EXPECT_EQ(backend->stats().open_connections, 0u);
  // Up again on the same port and data: the next call reconnects.
  if (!host_.start(args(port), log_)) {
    GTEST_SKIP() << "port " << port << " could not be bound again";
  }
  expectFirstAccount(backend->call("ACCTINQ", inquiry("R3", "100010000014"), within(seconds(10))));
  EXPECT_EQ(backend->stats().connects, 2u);
}

}  // namespace
}  // namespace corebridge::adapters

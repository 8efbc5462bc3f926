// Integration tests of legacy-host: the real binary on port 0 with a
// temporary data directory, frames over loopback, the test COBOL program
// tests/legacy_host/cobol/ECHOPGM.cbl compiled with `cobc -m` at test time.
//
// ECHOPGM upper-cases EC-TEXT, doubles EC-AMOUNT, negates EC-BALANCE and
// writes one record per call to the indexed file ECHOFILE, returning the
// record's number in EC-COUNT: the count is how the tests see what was
// written. "ABEND..." makes it fail with a libcob runtime error, "STOPRUN"
// ends its run unit.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/channel/frame.h"

namespace corebridge::legacy {
namespace {

namespace fs = std::filesystem;
using adapters::Direction;
using adapters::Frame;
using adapters::FrameDecoder;
using adapters::FrameOptions;

const std::string kSourceDir = CB_SOURCE_DIR;
const std::string kTestDir = kSourceDir + "/tests/legacy_host/cobol";

std::string binDir() {
  const char* env = std::getenv("CB_BIN_DIR");
  return env != nullptr ? env : std::string(CB_BINARY_DIR) + "/bin";
}

int sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

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

// ECHO's 50-byte COMMAREA on the wire: text, amount 123.45 (packed),
// balance +100.55 (zoned), count 0, rc 00, filler.
std::string echoArea(const std::string& text) {
  std::string t = text;
  t.resize(20, ' ');
  return toEbcdic(t) + std::string("\x00\x00\x12\x34\x5C", 5) + toEbcdic("00000100E") +
         toEbcdic("000000000") + toEbcdic("00") + toEbcdic("     ");
}

struct EchoReply {
  std::string text;
  long count = -1;
  std::string rc;
};

EchoReply parseEcho(const std::string& area) {
  EchoReply r;
  if (area.size() != 50) {
    return r;
  }
  r.text = fromEbcdic(area.substr(0, 20));
  r.count = std::stol(fromEbcdic(area.substr(34, 9)));
  r.rc = fromEbcdic(area.substr(43, 2));
  return r;
}

class Client {
 public:
  explicit Client(int port) : decoder_(FrameOptions{}, Direction::kReply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return ok_; }

  bool sendRaw(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  bool send(const std::string& trancode, const std::string& commarea) {
    std::string f;
    EXPECT_TRUE(adapters::encodeRequest(FrameOptions{}, trancode, commarea, &f).ok());
    return sendRaw(f);
  }
  // The next reply; false on EOF or timeout.
  bool receive(Frame* f) {
    while (true) {
      if (decoder_.next(f) == FrameDecoder::Outcome::kFrame) {
        return true;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        return false;
      }
      decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  Frame call(const std::string& trancode, const std::string& commarea) {
    Frame f;
    f.zz = 0xFFFF;
    if (send(trancode, commarea)) {
      receive(&f);
    }
    return f;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  FrameDecoder decoder_;
};

std::string errorText(const Frame& f) {
  return adapters::decodeSystemErrorText(FrameOptions{}, f.commarea);
}

class Host {
 public:
  ~Host() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Starts legacy-host and reads its port; false if it did not come up.
  bool start(const std::vector<std::string>& args, const std::string& log) {
    int out[2];
    if (::pipe(out) != 0) {
      return false;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      FILE* err = std::fopen(log.c_str(), "a");
      if (err != nullptr) {
        ::dup2(fileno(err), 2);
      }
      std::vector<std::string> all = {binDir() + "/legacy-host"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') {
      line.push_back(c);
    }
    ::close(out[0]);
    const std::string prefix = "listening on 127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) {
      return false;
    }
    port_ = std::stoi(line.substr(prefix.size()));
    return true;
  }
  // Sends `sig` and returns the exit status (or 128 + signal).
  int stop(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class HostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    programs_ = new std::string(fs::temp_directory_path() /
                                ("cb_host_programs_" + std::to_string(::getpid())));
    fs::create_directories(*programs_);
    have_cobc_ = sh("cobc -m -I " + kTestDir + " -o " + *programs_ + "/ECHOPGM.so " + kTestDir +
                    "/ECHOPGM.cbl") == 0;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*programs_);
    delete programs_;
  }

  void SetUp() override {
    // make deps installs gnucobol3: a missing or failing cobc is a failure.
    ASSERT_TRUE(have_cobc_) << "cobc could not compile ECHOPGM.cbl (make deps installs gnucobol3)";
    dir_ = fs::temp_directory_path() /
           ("cb_host_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ + "/host.log";
  }
  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(dir_);
    } else {
      std::ifstream in(log_);
      std::stringstream ss;
      ss << in.rdbuf();
      std::fprintf(stderr, "--- legacy-host log ---\n%s\n", ss.str().c_str());
    }
  }

  std::vector<std::string> args(std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"--port",         "0",
                                  "--data-dir",     dir_ + "/data",
                                  "--program-dir",  *programs_,
                                  "--transactions", kTestDir + "/transactions.yaml",
                                  "--seed-command", "echo {accounts} > {data_dir}/seeded.txt"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  static std::string* programs_;
  static bool have_cobc_;
  std::string dir_;
  std::string log_;
};

std::string* HostTest::programs_ = nullptr;
bool HostTest::have_cobc_ = false;

TEST_F(HostTest, GoodTransactionIsTranscodedBothWays) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  ASSERT_TRUE(c.connected());
  Frame f = c.call("ECHO", echoArea("hello, world"));
  ASSERT_EQ(f.zz, 0) << errorText(f);
  ASSERT_EQ(f.commarea.size(), 50u);
  EchoReply r = parseEcho(f.commarea);
  EXPECT_EQ(r.text, "HELLO, WORLD        ");
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.rc, "00");
  // 123.45 * 2 packed; +100.55 negated: zoned with an EBCDIC 'N' (D5) sign.
  EXPECT_EQ(f.commarea.substr(20, 5), std::string("\x00\x00\x24\x69\x0C", 5));
  EXPECT_EQ(f.commarea.substr(25, 9), toEbcdic("00000100N"));
  EXPECT_EQ(c.call("ECHO", echoArea("again")).zz, 0);
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

TEST_F(HostTest, SeedsOnFirstStartOnly) {
  {
    Host host;
    ASSERT_TRUE(host.start(args({"--accounts", "1234"}), log_));
    EXPECT_EQ(host.stop(SIGTERM), 0);
  }
  std::ifstream in(dir_ + "/data/seeded.txt");
  std::string n;
  in >> n;
  EXPECT_EQ(n, "1234");
  fs::remove(dir_ + "/data/seeded.txt");
  Host again;
  ASSERT_TRUE(again.start(args({"--accounts", "99"}), log_));
  EXPECT_EQ(again.stop(SIGTERM), 0);
  EXPECT_FALSE(fs::exists(dir_ + "/data/seeded.txt"));
}

TEST_F(HostTest, FailedSeedStopsTheStartAndIsRetried) {
  Host host;
  EXPECT_FALSE(host.start(args({"--seed-command", "exit 3"}), log_));
  EXPECT_FALSE(fs::exists(dir_ + "/data/.legacy-host-seeded"));
}

TEST_F(HostTest, UnknownTrancodeAndWrongLengthAreSystemErrorsAndWriteNothing) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  Frame f = c.call("XYZ", echoArea("x"));
  EXPECT_EQ(f.zz, 2);
  EXPECT_EQ(errorText(f), "CB02 UNKNOWN TRANCODE XYZ");
  f = c.call("ECHO", echoArea("x").substr(0, 49));
  EXPECT_EQ(f.zz, 3);
  EXPECT_EQ(errorText(f), "CB03 COMMAREA LENGTH 49 INVALID FOR ECHO, EXPECTED 50");
  f = c.call("ECHO", echoArea("x") + "y");
  EXPECT_EQ(f.zz, 3);
  f = c.call("NOPGM", echoArea("x"));
  EXPECT_EQ(f.zz, 6);
  EXPECT_EQ(errorText(f), "CB06 PROGRAM NOSUCHPG NOT FOUND");
  // The same connection still serves, and nothing was written before.
  f = c.call("ECHO", echoArea("first"));
  ASSERT_EQ(f.zz, 0);
  EXPECT_EQ(parseEcho(f.commarea).count, 1);
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

TEST_F(HostTest, BadFramesWithAKnownBoundaryKeepTheConnection) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  // ZZ 1 on a request, then a frame too short for a TRANCODE, then a good
  // one, pipelined in one write: three replies in order.
  std::string good;
  ASSERT_TRUE(adapters::encodeRequest(FrameOptions{}, "ECHO", echoArea("ok"), &good).ok());
  std::string bytes = std::string("\x00\x0C\x00\x01", 4) + toEbcdic("ECHO    ") +
                      std::string("\x00\x06\x00\x00\xC1\xC2", 6) + good;
  ASSERT_TRUE(c.sendRaw(bytes));
  Frame f;
  ASSERT_TRUE(c.receive(&f));
  EXPECT_EQ(f.zz, 1);
  EXPECT_NE(errorText(f).find("CB01 ZZ MUST BE 0"), std::string::npos) << errorText(f);
  ASSERT_TRUE(c.receive(&f));
  EXPECT_EQ(f.zz, 1);
  ASSERT_TRUE(c.receive(&f));
  EXPECT_EQ(f.zz, 0);
  EXPECT_EQ(parseEcho(f.commarea).count, 1);
}

TEST_F(HostTest, LostFrameBoundaryIsAnsweredThenClosed) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  ASSERT_TRUE(c.sendRaw(std::string("\x00\x02\x00\x00", 4) + echoArea("x")));
  Frame f;
  ASSERT_TRUE(c.receive(&f));
  EXPECT_EQ(f.zz, 1);
  EXPECT_EQ(errorText(f), "CB01 LL 2 IS SMALLER THAN THE HEADER (4 BYTES)");
  EXPECT_FALSE(c.receive(&f));  // closed
  // Other connections are unaffected.
  Client d(host.port());
  EXPECT_EQ(d.call("ECHO", echoArea("x")).zz, 0);
  // LL above the maximum too.
  Client e(host.port());
  ASSERT_TRUE(e.sendRaw(std::string("\xFF\xFF\x00\x00", 4)));
  ASSERT_TRUE(e.receive(&f));
  EXPECT_EQ(f.zz, 1);
  EXPECT_FALSE(e.receive(&f));
}

TEST_F(HostTest, AbendIsAnErrorReplyAndTheHostKeepsServing) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  ASSERT_EQ(parseEcho(c.call("ECHO", echoArea("before")).commarea).count, 1);
  Frame f = c.call("ECHO", echoArea("ABEND please"));
  EXPECT_EQ(f.zz, 5);
  EXPECT_EQ(errorText(f), "CB05 PROGRAM ECHOPGM ENDED ABNORMALLY (EXIT STATUS 1)");
  f = c.call("ECHO", echoArea("STOPRUN"));
  EXPECT_EQ(f.zz, 5);
  f = c.call("ECHO", echoArea("after"));
  ASSERT_EQ(f.zz, 0) << errorText(f);
  EchoReply r = parseEcho(f.commarea);
  EXPECT_EQ(r.count, 2);  // the abends wrote nothing; the file is intact
  EXPECT_EQ(r.rc, "00");
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

TEST_F(HostTest, ThreadIsolationServesTheSame) {
  Host host;
  ASSERT_TRUE(host.start(args({"--isolation", "thread"}), log_));
  Client c(host.port());
  Frame f = c.call("ECHO", echoArea("thread"));
  ASSERT_EQ(f.zz, 0) << errorText(f);
  EXPECT_EQ(parseEcho(f.commarea).text, "THREAD              ");
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

TEST_F(HostTest, SigtermFinishesWhatIsInFlight) {
  Host host;
  ASSERT_TRUE(host.start(args(), log_));
  Client c(host.port());
  // Ten requests pipelined, then SIGTERM: every one is answered.
  std::string bytes;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(adapters::encodeRequest(FrameOptions{}, "ECHO", echoArea("n"), &bytes).ok());
  }
  ASSERT_TRUE(c.sendRaw(bytes));
  Frame f;
  ASSERT_TRUE(c.receive(&f));  // the host has read them
  ::kill(host.pid(), SIGTERM);
  int answered = 1;
  while (c.receive(&f)) {
    EXPECT_EQ(f.zz, 0);
    ++answered;
  }
  EXPECT_EQ(answered, 10);
  EXPECT_EQ(host.stop(SIGTERM), 0);
  // New connections are refused.
  Client late(host.port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HostTest, SigkillUnderLoadLeavesConsistentFiles) {
  std::atomic<long> acknowledged{0};
  {
    Host host;
    ASSERT_TRUE(host.start(args(), log_));
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&] {
        Client c(host.port());
        Frame f;
        while (!stop && c.send("ECHO", echoArea("load")) && c.receive(&f)) {
          if (f.zz == 0) {
            acknowledged.fetch_add(1);
          }
        }
      });
    }
    while (acknowledged.load() < 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(host.stop(SIGKILL), 128 + SIGKILL);
    stop = true;
    for (auto& t : clients) {
      t.join();
    }
  }
  // The orphaned worker finishes its call and exits when it sees the socket
  // closed; then a new host opens the same files.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Host again;
  ASSERT_TRUE(again.start(args(), log_));
  Client c(again.port());
  Frame f = c.call("ECHO", echoArea("after kill"));
  ASSERT_EQ(f.zz, 0) << errorText(f);
  EchoReply r = parseEcho(f.commarea);
  EXPECT_EQ(r.rc, "00");
  // Every acknowledged call is on file (one more may have been written
  // whose reply was lost with the host).
  EXPECT_GE(r.count, acknowledged.load() + 1);
  EXPECT_LE(r.count, acknowledged.load() + 1 + 4);
  EXPECT_EQ(again.stop(SIGTERM), 0);
}

TEST_F(HostTest, ConfigurationErrorsNameTheFile) {
  const std::string bad = dir_ + "/bad.yaml";
  std::ofstream(bad) << "transactions:\n  - {trancode: TOOLONGCODE, program: P, copybook: X}\n";
  const std::string cmd = binDir() + "/legacy-host --port 0 --data-dir " + dir_ +
                          "/data --transactions " + bad + " 2>" + dir_ + "/err.txt";
  EXPECT_EQ(sh(cmd), 2);
  std::ifstream in(dir_ + "/err.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find(bad + ":2:"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("trancode must be 1 to 8"), std::string::npos) << ss.str();
}

TEST_F(HostTest, AsciiFramingWithFourByteLength) {
  Host host;
  ASSERT_TRUE(host.start(
      args({"--codepage", "ascii", "--frame-ll-bytes", "4", "--frame-ll-excludes-header"}), log_));
  FrameOptions o;
  o.length_bytes = 4;
  o.length_includes_header = false;
  o.code_page = &mappings::CodePage::ascii();
  std::string area = "hi";
  area.resize(20, ' ');
  area += std::string("\x00\x00\x00\x01\x0C", 5) + "00000000E" + "000000000" + "00" + "     ";
  std::string req;
  ASSERT_TRUE(adapters::encodeRequest(o, "ECHO", area, &req).ok());
  // The reply: 4-byte LL of the COMMAREA alone, ZZ 0, ASCII text.
  char buf[256];
  FrameDecoder d(o, Direction::kReply);
  Frame f;
  // Read through a raw socket: Client decodes with the default options.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(host.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  while (d.next(&f) != FrameDecoder::Outcome::kFrame) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    d.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  ::close(fd);
  EXPECT_EQ(f.zz, 0);
  EXPECT_EQ(f.commarea.substr(0, 20), "HI                  ");
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

// The demo bank's real programs (legacy/cobol/, built into the build's
// cobol/ directory) behind the default transaction table: seed, then ACCTINQ
// of the first seeded account (docs/legacy.md: 10 001 000001, SAVB, 179.19).
TEST_F(HostTest, DemoBankInquiry) {
  const std::string cobol = std::string(CB_BINARY_DIR) + "/cobol";
  ASSERT_TRUE(fs::exists(cobol + "/CBINQ.so") && fs::exists(cobol + "/SEED"))
      << "demo bank programs not built in " << cobol << " (make)";
  Host host;
  ASSERT_TRUE(
      host.start({"--port", "0", "--data-dir", dir_ + "/bank", "--accounts", "1000"}, log_));
  std::string hdr = "T000000000000001TLRTERM0001";
  hdr.resize(80, ' ');
  hdr.replace(27, 2, "00");
  hdr.replace(69, 8, "00000000");
  std::string area = hdr + "100010000014";
  area.resize(200, ' ');
  Client c(host.port());
  Frame f = c.call("ACCTINQ", toEbcdic(area));
  ASSERT_EQ(f.zz, 0) << errorText(f);
  ASSERT_EQ(f.commarea.size(), 200u);
  EXPECT_EQ(fromEbcdic(f.commarea.substr(27, 2)), "00");
  EXPECT_EQ(fromEbcdic(f.commarea.substr(92, 4)), "SAVB");
  // INQ-LEDGER-BALANCE S9(13)V99 COMP-3 at 110: +179.19.
  EXPECT_EQ(f.commarea.substr(110, 8), std::string("\x00\x00\x00\x00\x00\x17\x91\x9C", 8));
  EXPECT_EQ(host.stop(SIGTERM), 0);
}

// Not a test: prints calls per second of each isolation mode. Run with
//   legacy_host_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST_F(HostTest, DISABLED_Throughput) {
  for (const char* isolation : {"thread", "process"}) {
    for (int conns : {1, 8}) {
      Host host;
      fs::remove_all(dir_ + "/data");
      ASSERT_TRUE(host.start(args({"--isolation", isolation}), log_));
      const auto secs = std::chrono::seconds(3);
      std::atomic<long> done{0};
      std::vector<std::thread> clients;
      const auto start = std::chrono::steady_clock::now();
      for (int t = 0; t < conns; ++t) {
        clients.emplace_back([&] {
          Client c(host.port());
          Frame f;
          while (std::chrono::steady_clock::now() - start < secs) {
            if (!c.send("ECHO", echoArea("bench")) || !c.receive(&f) || f.zz != 0) {
              return;
            }
            done.fetch_add(1);
          }
        });
      }
      for (auto& t : clients) {
        t.join();
      }
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("isolation=%-7s connections=%d  %.0f calls/s (%ld calls)\n", isolation, conns,
                  done.load() / s, done.load());
      host.stop(SIGTERM);
    }
  }
}

}  // namespace
}  // namespace corebridge::legacy

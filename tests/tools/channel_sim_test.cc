// channel-sim against the real legacy-host and the demo bank's COBOL, with
// and without a proxy that loses replies: the retries by transaction id must
// be answered by the bank's replay, and the ledger must still balance.
#include <arpa/inet.h>
#include <gmock/gmock.h>
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
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using ::testing::HasSubstr;

const std::string kBin = std::string(CB_BINARY_DIR) + "/bin/";

// legacy-host on port 0 with a fresh data directory; killed at the end.
class Host {
 public:
  explicit Host(const std::string& data_dir) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      execl((kBin + "legacy-host").c_str(), "legacy-host", "--port", "0", "--data-dir",
            data_dir.c_str(), "--accounts", "50", "--log-level", "warn", nullptr);
      _exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      std::string s(line);
      if (size_t at = s.find("listening on "); at != std::string::npos) {
        port_ = std::stoi(s.substr(s.rfind(':') + 1));
        break;
      }
    }
    stdout_ = f;  // keep the pipe open: the host may still write
  }
  ~Host() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (stdout_ != nullptr) {
      std::fclose(stdout_);
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* stdout_ = nullptr;
};

// Forwards connections to the host, but every `every`-th reply chunk is
// dropped together with the connection: the request was processed, the
// channel never hears of it (every 0: none is). Every reply is held
// `delay_ms` first: a slow bank.
class LossyProxy {
 public:
  LossyProxy(int upstream, int every, int delay_ms = 0)
      : upstream_(upstream), every_(every), delay_ms_(delay_ms) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_, 64), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~LossyProxy() {
    stop_ = true;
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    acceptor_.join();
    for (auto& t : pipes_) {
      t.join();
    }
  }
  int port() const { return port_; }
  int dropped() const { return dropped_.load(); }

 private:
  void acceptLoop() {
    while (!stop_) {
      int c = ::accept(listen_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      int u = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(upstream_));
      if (::connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(c);
        ::close(u);
        continue;
      }
      pipes_.emplace_back([this, c, u] { pump(c, u); });
    }
  }
  void pump(int client, int upstream) {
    char buf[65536];
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    while (!stop_) {
      if (::poll(p, 2, 100) <= 0) {
        continue;
      }
      if (p[0].revents != 0) {
        ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0 || ::send(upstream, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) {
          break;
        }
      }
      if (p[1].revents != 0) {
        ssize_t n = ::recv(upstream, buf, sizeof buf, 0);
        if (n <= 0) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        ++replies_;
        if (every_ > 0 && replies_ % every_ == 0) {
          ++dropped_;
          break;  // lose this reply and the connection
        }
        if (::send(client, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) {
          break;
        }
      }
    }
    ::close(client);
    ::close(upstream);
  }

  int upstream_;
  int every_;
  int delay_ms_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> replies_{0};
  std::atomic<int> dropped_{0};
  std::thread acceptor_;
  std::vector<std::thread> pipes_;
};

struct SimRun {
  int exit_code;
  std::string summary;  // the last line of stdout
};

SimRun runSim(int port, const std::string& extra) {
  const std::string out = ::testing::TempDir() + "channel_sim_" + std::to_string(::getpid());
  std::string cmd = kBin + "channel-sim --target 127.0.0.1:" + std::to_string(port) +
                    " --copybooks " + CB_SOURCE_DIR + "/legacy/cobol/copybooks --quiet " + extra +
                    " >" + out;
  int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::string line, last;
  while (std::getline(in, line)) {
    last = line;
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, last};
}

class ChannelSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("channel_sim_bank_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ChannelSimTest, BalancedLedgerAgainstTheDemoBank) {
  Host host(dir_.string());
  ASSERT_GT(host.port(), 0) << "legacy-host did not start";
  SimRun r = runSim(host.port(), "--duration 3 --connections 3");
  EXPECT_EQ(r.exit_code, 0) << r.summary;
  EXPECT_THAT(r.summary, HasSubstr("\"unexpected_replies\":0"));
  EXPECT_THAT(r.summary, HasSubstr("\"errors\":0"));
  EXPECT_THAT(r.summary, HasSubstr("\"ledger_balanced\":true"));
  for (const char* key : {"\"requests\":", "\"throughput_rps\":", "\"p50_us\":", "\"p99_us\":",
                          "\"p999_us\":", "\"transfer\":", "\"invalid-trancode\":"}) {
    EXPECT_THAT(r.summary, HasSubstr(key));
  }
}

TEST_F(ChannelSimTest, LostRepliesAreRetriedAndAppliedOnce) {
  Host host(dir_.string());
  ASSERT_GT(host.port(), 0) << "legacy-host did not start";
  LossyProxy proxy(host.port(), 25);
  SimRun r = runSim(proxy.port(), "--duration 3 --connections 2 --timeout-ms 1000");
  EXPECT_GT(proxy.dropped(), 0);
  EXPECT_EQ(r.exit_code, 0) << r.summary;
  EXPECT_THAT(r.summary, HasSubstr("\"ledger_balanced\":true"));
  EXPECT_THAT(r.summary, HasSubstr("\"errors\":0"));
  EXPECT_THAT(r.summary, ::testing::Not(HasSubstr("\"retries\":0,")));
}

// The number after "KEY": in a summary line, or -1.
double field(const std::string& summary, const std::string& key) {
  const size_t at = summary.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::stod(summary.substr(at + key.size() + 3));
}

// --rate: a request's latency counts from when it was due. Against a bank
// that takes ~30 ms a reply, one connection paced at 10 requests/s keeps up
// (the latency is the reply's time); paced at 60/s it falls behind, every
// request goes out later than it was due, and the wait is in its latency,
// as a channel's customer would see it.
TEST_F(ChannelSimTest, PacedLatencyCountsFromWhenTheRequestWasDue) {
  Host host(dir_.string());
  ASSERT_GT(host.port(), 0) << "legacy-host did not start";
  LossyProxy slow(host.port(), 0, 30);
  SimRun keeps_up = runSim(slow.port(), "--duration 2 --connections 1 --rate 10");
  EXPECT_EQ(keeps_up.exit_code, 0) << keeps_up.summary;
  EXPECT_EQ(field(keeps_up.summary, "offered_rps"), 10) << keeps_up.summary;
  EXPECT_GE(field(keeps_up.summary, "p50_us"), 30000) << keeps_up.summary;
  EXPECT_LT(field(keeps_up.summary, "p50_us"), 100000) << keeps_up.summary;

  SimRun behind = runSim(slow.port(), "--duration 2 --connections 1 --rate 60");
  EXPECT_EQ(behind.exit_code, 0) << behind.summary;
  EXPECT_EQ(field(behind.summary, "offered_rps"), 60) << behind.summary;
  EXPECT_LT(field(behind.summary, "throughput_rps"), 40) << behind.summary;
  // Sent when due, the latency would be ~30 ms; the n-th request is due
  // every 16.7 ms but answered every ~31 ms, so by the middle of the run
  // it waits for about half a second.
  EXPECT_GT(field(behind.summary, "p50_us"), 200000) << behind.summary;
}

// --ack-log (crash-check's input): one line per write reply, each txn id
// once however often it was resent, the 00 lines counted in the summary.
TEST_F(ChannelSimTest, AckLogHasEveryWriteReplyOnce) {
  Host host(dir_.string());
  ASSERT_GT(host.port(), 0) << "legacy-host did not start";
  LossyProxy proxy(host.port(), 25);
  const std::string log = (dir_ / "acks.tsv").string();
  SimRun r =
      runSim(proxy.port(), "--duration 2 --connections 2 --timeout-ms 1000 --ack-log " + log);
  EXPECT_EQ(r.exit_code, 0) << r.summary;
  EXPECT_GT(proxy.dropped(), 0);
  std::ifstream in(log);
  std::string line;
  std::set<std::string> ids;
  int ok = 0, lines = 0;
  std::set<std::string> trancodes;
  while (std::getline(in, line)) {
    ++lines;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) {
      cols.push_back(c);
    }
    ASSERT_EQ(cols.size(), 6u) << line;
    EXPECT_EQ(cols[0].size(), 16u) << line;
    EXPECT_TRUE(ids.insert(cols[0]).second) << "txn id twice: " << line;
    trancodes.insert(cols[1]);
    if (cols[2] == "00") {
      ++ok;
      EXPECT_FALSE(cols[3].empty()) << line;
      if (cols[1] == "ACCTXFER") {
        EXPECT_EQ(cols[3].size(), 25u) << line;  // two 12-digit accounts
      }
    }
  }
  EXPECT_GT(lines, 0);
  EXPECT_THAT(r.summary, HasSubstr("\"acknowledged_writes\":" + std::to_string(ok) + ","));
  for (const char* t : {"ACCTOPEN", "ACCTPOST", "ACCTXFER"}) {
    EXPECT_EQ(trancodes.count(t), 1u) << t;
  }
}

TEST(ChannelSimUsage, BadTargetAndHelp) {
  SimRun r = runSim(1, "--mix bogus=1");
  EXPECT_EQ(r.exit_code, 2);
  int status = std::system((kBin + "channel-sim --help >/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace

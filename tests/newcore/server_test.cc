// The real newcore binary on port 0, both server kinds, called through the
// generated C++ client and through a Python client (python3-thrift) built
// from the same IDL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "CoreBanking.h"
#include "tests/support/child_process.h"

namespace corebridge::newcore {
namespace {

namespace idl = ::corebridge::idl;
namespace fs = std::filesystem;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TSocket;

using test_support::binDir;

// A newcore process on port 0 (tests/support/child_process.h), its stderr
// discarded; killed if the test did not stop it.
class Newcore {
 public:
  bool start(const std::vector<std::string>& args) {
    return process_.start("newcore", args, "/dev/null") && port() > 0;
  }
  int stop(int sig) { return process_.stop(sig); }
  int port() const { return process_.portAfter("listening on"); }

 private:
  test_support::ChildProcess process_;
};

// A connected generated client.
struct Client {
  explicit Client(int port)
      : socket(std::make_shared<TSocket>("127.0.0.1", port)),
        transport(std::make_shared<TFramedTransport>(socket)),
        client(std::make_shared<TBinaryProtocol>(transport)) {
    transport->open();
  }
  ~Client() {
    try {
      transport->close();
    } catch (...) {  // a destructor must not throw; the socket is gone either way
    }
  }
  std::shared_ptr<TSocket> socket;
  std::shared_ptr<TFramedTransport> transport;
  idl::CoreBankingClient client;
};

idl::Money usd(int64_t minor) {
  idl::Money m;
  m.minor_units = minor;
  m.currency = "USD";
  return m;
}

// A fresh directory under the temporary directory, removed with its files.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cb-newcore-XXXXXX").string();
    path = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string path;
};

class ServerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ServerTest, CallsThroughTheGeneratedClientAndStopsOnSigterm) {
  Newcore nc;
  ASSERT_TRUE(nc.start({"--port", "0", "--dsn", "memory:", "--server", GetParam()}));
  {
    Client c(nc.port());
    idl::OpenAccountRequest open;
    open.idempotency_key = "IT-OPEN";
    open.product_code = "CHKP";
    open.branch = 5;
    open.customer_id = 1000000001;
    open.initial_amount = usd(10000);
    idl::OpenAccountResult opened;
    c.client.openAccount(opened, open);
    const std::string id = opened.account.account_id;
    EXPECT_EQ(id.substr(0, 5), "20005");

    idl::PostingRequest post;
    post.idempotency_key = "IT-POST";
    post.account_id = id;
    post.direction = idl::Direction::DEBIT;
    post.amount = usd(2500);
    idl::PostingResult first;
    idl::PostingResult again;
    c.client.post(first, post);
    c.client.post(again, post);
    EXPECT_EQ(again, first);
    EXPECT_EQ(first.ledger_balance.minor_units, 7500);

    // Typed exceptions cross the wire as themselves.
    post.idempotency_key = "IT-POST-2";
    post.amount = usd(7501);
    EXPECT_THROW(c.client.post(first, post), idl::InsufficientFunds);
    post.amount = usd(5);
    EXPECT_THROW(c.client.post(first, post), idl::IdempotencyConflict);
    post.idempotency_key = "IT-POST-3";
    post.amount = usd(-5);
    EXPECT_THROW(c.client.post(first, post), idl::InvalidRequest);
    idl::Account a;
    EXPECT_THROW(c.client.getAccount(a, "100010000017"), idl::NotFound);
    c.client.getAccount(a, id);
    EXPECT_EQ(a.ledger_balance.minor_units, 7500);
    EXPECT_EQ(a.last_posting_seq, 2);
  }
  // A second connection sees the same ledger.
  {
    Client c(nc.port());
    idl::Statement s;
    idl::ExtractRequest x;
    x.product_line = idl::ProductLine::CHECKING;
    x.limit = 10;
    idl::ExtractPage page;
    c.client.extractAccounts(page, x);
    ASSERT_EQ(page.accounts.size(), 1u);
    c.client.getStatement(s, page.accounts[0].account_id, 10);
    EXPECT_EQ(s.postings.size(), 2u);
  }
  // An idle client connection does not hold up a clean stop.
  Client idle(nc.port());
  EXPECT_EQ(nc.stop(SIGTERM), 0);
}

// Debian's python3-thrift is installed for Debian's interpreter, which is not
// necessarily the first python3 on PATH (pyenv, venvs).
std::string debianPython() {
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

TEST_P(ServerTest, PythonClientFromTheSameIdl) {
  // make deps installs python3-thrift: its absence is a failure, not a skip.
  ASSERT_EQ(std::system((debianPython() + " -c 'import thrift' 2>/dev/null").c_str()), 0)
      << "python3-thrift is not installed for " << debianPython();
  TempDir dir;
  Newcore nc;
  ASSERT_TRUE(nc.start({"--port", "0", "--dsn", "Driver=SQLite3;Database=" + dir.path + "/nc.db",
                        "--server", GetParam()}));
  const std::string cmd = debianPython() + " " + CB_SOURCE_DIR +
                          "/tests/newcore/python_client.py " + CB_SOURCE_DIR +
                          "/idl/corebanking.thrift " + std::to_string(nc.port());
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(nc.stop(SIGTERM), 0);
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerTest, ::testing::Values("threaded", "nonblocking"));

// The default store: SQLite through ODBC. What newcore acknowledged is on
// disk: after SIGKILL and a restart on the same file the balance is there
// and a retried key replays its first answer instead of posting again.
TEST(NewcoreSqlite, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string dsn = "Driver=SQLite3;Database=" + dir.path + "/ledger.db";
  idl::PostingRequest post;
  post.idempotency_key = "KILL-POST";
  post.direction = idl::Direction::CREDIT;
  post.amount = usd(1234);
  idl::PostingResult first;
  {
    Newcore nc;
    ASSERT_TRUE(nc.start({"--port", "0", "--dsn", dsn}));
    Client c(nc.port());
    idl::OpenAccountRequest open;
    open.idempotency_key = "KILL-OPEN";
    open.product_code = "SAVB";
    open.branch = 7;
    open.customer_id = 1000000002;
    open.initial_amount = usd(100);
    idl::OpenAccountResult opened;
    c.client.openAccount(opened, open);
    post.account_id = opened.account.account_id;
    c.client.post(first, post);
    EXPECT_EQ(first.ledger_balance.minor_units, 1334);
    EXPECT_EQ(nc.stop(SIGKILL), 128 + SIGKILL);
  }
  Newcore again;
  ASSERT_TRUE(again.start({"--port", "0", "--dsn", dsn}));
  Client c(again.port());
  idl::Account a;
  c.client.getAccount(a, post.account_id);
  EXPECT_EQ(a.ledger_balance.minor_units, 1334);
  EXPECT_EQ(a.last_posting_seq, 2);
  idl::PostingResult replay;
  c.client.post(replay, post);
  EXPECT_EQ(replay, first);
  c.client.getAccount(a, post.account_id);
  EXPECT_EQ(a.ledger_balance.minor_units, 1334);
  EXPECT_EQ(again.stop(SIGTERM), 0);
}

TEST(NewcoreCommandLine, RejectsBadOptionsAndStores) {
  const std::string bin = binDir() + "/newcore";
  auto exitCode = [](const std::string& cmd) { return WEXITSTATUS(std::system(cmd.c_str())); };
  EXPECT_EQ(exitCode(bin + " 2>/dev/null"), 2);
  EXPECT_EQ(exitCode(bin + " --port 0 --server forking 2>/dev/null"), 2);
  EXPECT_EQ(exitCode(bin + " --port 0 --pool 0 2>/dev/null"), 2);
  // A driver newcore has no dialect for: the operator's to fix (2).
  EXPECT_EQ(exitCode(bin + " --port 0 --dsn 'Driver=Oracle;Dbq=x' 2>/dev/null"), 2);
  // A database that is not there: start-up fails (1), it does not serve.
  EXPECT_EQ(exitCode(bin + " --port 0 --dsn 'Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;"
                           "Database=x;Uid=u;Pwd=secret' 2>/dev/null"),
            1);
}

}  // namespace
}  // namespace corebridge::newcore

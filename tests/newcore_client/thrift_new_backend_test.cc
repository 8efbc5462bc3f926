// ThriftNewBackend against a real NewcoreServer (threaded, port 0) over
// loopback: the Backend seam end to end, the pool's bound, a stopped or
// restarted server, a call past its deadline.
#include "adapters/newcore/thrift_new_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mappings/field_codec.h"
#include "newcore/core_banking_handler.h"
#include "newcore/in_memory_ledger_store.h"
#include "newcore/server.h"

namespace corebridge::adapters::newcore {
namespace {

using mappings::Decimal;
using mappings::Field;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const std::string kPack = std::string(CB_SOURCE_DIR) + "/mappings/packs/demobank/pack.yaml";

// The handler, optionally slow.
class SlowHandler : public corebridge::newcore::CoreBankingHandler {
 public:
  using CoreBankingHandler::CoreBankingHandler;
  std::atomic<int> delay_ms{0};
  void getAccount(idl::Account& out, const idl::AccountId& id) override {
    std::this_thread::sleep_for(milliseconds(delay_ms.load()));
    CoreBankingHandler::getAccount(out, id);
  }
};

class ThriftNewBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::shared_ptr<const mappings::Pack>> pack = mappings::loadPack(kPack);
    ASSERT_TRUE(pack.ok()) << pack.status().toString();
    pack_ = *pack;
    handler_ = std::make_shared<SlowHandler>(store_);
    startServer(0);
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
    }
  }

  void startServer(int port) {
    corebridge::newcore::ServerOptions options;
    options.port = port;
    server_ = std::make_unique<corebridge::newcore::NewcoreServer>(handler_, options);
    Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.toString();
  }

  std::unique_ptr<ThriftNewBackend> backend(size_t pool_size = 2) {
    ThriftNewBackend::Options o;
    o.port = server_->port();
    o.pool_size = pool_size;
    o.connect_timeout = milliseconds(500);
    o.call_timeout = milliseconds(2000);
    Result<std::unique_ptr<ThriftNewBackend>> b = ThriftNewBackend::create(pack_, o);
    EXPECT_TRUE(b.ok()) << b.status().toString();
    return b.ok() ? std::move(*b) : nullptr;
  }

  // A COMMAREA of `trancode` with the given fields (numbers when `number`).
  std::string commarea(const char* trancode,
                       std::vector<std::tuple<std::string, std::string, bool>> fields) {
    const mappings::Layout& l = *pack_->find(trancode)->layout;
    std::string bytes(l.maxLength(), '\x40');
    for (const Field& f : l.fields) {
      if (!f.isGroup() && f.level != 88 && f.parent != mappings::kNoIndex &&
          !l.fields[f.parent].has_occurs && !f.has_occurs) {
        EXPECT_TRUE(mappings::encodeInitial(f, l.dialect,
                                            reinterpret_cast<uint8_t*>(bytes.data() + f.offset))
                        .ok());
      }
    }
    for (const auto& [name, value, number] : fields) {
      const Field& f = l.fields[l.find(name)];
      auto* p = reinterpret_cast<uint8_t*>(bytes.data() + f.offset);
      Status st = number ? mappings::encodeNumber(f, l.dialect, *Decimal::parse(value), p)
                         : mappings::encodeText(f, l.dialect, value, p);
      EXPECT_TRUE(st.ok()) << name << ": " << st.toString();
    }
    return bytes;
  }
  std::string field(const char* trancode, const std::string& bytes, const std::string& name) {
    const mappings::Layout& l = *pack_->find(trancode)->layout;
    const Field& f = l.fields[l.find(name)];
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + f.offset);
    if (f.isNumeric()) {
      Decimal d;
      EXPECT_TRUE(mappings::decodeNumber(f, l.dialect, p, &d).ok()) << name;
      return d.toString();
    }
    std::string s;
    EXPECT_TRUE(mappings::decodeText(f, l.dialect, p, &s).ok()) << name;
    return s.substr(0, s.find_last_not_of(' ') + 1);
  }

  std::string openSavings(Backend& b, const std::string& txn_id) {
    const std::string req = commarea("ACCTOPEN", {{"CA-TXN-ID", txn_id, false},
                                                  {"OPN-PRODUCT-CODE", "SAVB", false},
                                                  {"OPN-BRANCH", "1", true},
                                                  {"OPN-CUSTOMER-ID", "1000000001", true},
                                                  {"OPN-CURRENCY", "USD", false},
                                                  {"OPN-INITIAL-AMOUNT", "100.00", true}});
    Result<BackendReply> r = b.call("ACCTOPEN", req, context(milliseconds(2000)));
    EXPECT_TRUE(r.ok()) << r.status().toString();
    if (!r.ok()) {
      return "";
    }
    EXPECT_EQ(field("ACCTOPEN", r->commarea, "CA-RETURN-CODE"), "0");
    std::string id = field("ACCTOPEN", r->commarea, "OPN-ACCT-NUMBER");
    return std::string(12 - id.size(), '0') + id;
  }

  static CallContext context(milliseconds timeout) {
    CallContext c;
    c.deadline = Clock::now() + timeout;
    return c;
  }

  corebridge::newcore::InMemoryLedgerStore store_;
  std::shared_ptr<SlowHandler> handler_;
  std::unique_ptr<corebridge::newcore::NewcoreServer> server_;
  std::shared_ptr<const mappings::Pack> pack_;
};

TEST_F(ThriftNewBackendTest, CallsOverThriftInTheLegacyLayout) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->side(), "new");
  const std::string id = openSavings(*b, "OPEN-1");
  ASSERT_EQ(id.size(), 12u);
  Result<BackendReply> r = b->call("ACCTINQ ", commarea("ACCTINQ", {{"INQ-ACCT-NUMBER", id, true}}),
                                   context(milliseconds(2000)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->zz, 0);
  EXPECT_EQ(r->commarea.size(), 200u);
  EXPECT_EQ(field("ACCTINQ", r->commarea, "CA-RETURN-CODE"), "0");
  EXPECT_EQ(field("ACCTINQ", r->commarea, "INQ-LEDGER-BALANCE"), "100.00");
  EXPECT_EQ(field("ACCTINQ", r->commarea, "INQ-STATUS"), "A");
  EXPECT_EQ(b->openConnections(), 1u);
}

TEST_F(ThriftNewBackendTest, SecondaryOpenUsesThePrimaryReply) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  const std::string req = commarea("ACCTOPEN", {{"CA-TXN-ID", "OPEN-2", false},
                                                {"OPN-PRODUCT-CODE", "SAVP", false},
                                                {"OPN-BRANCH", "3", true},
                                                {"OPN-CUSTOMER-ID", "1000000001", true},
                                                {"OPN-CURRENCY", "USD", false},
                                                {"OPN-INITIAL-AMOUNT", "1.00", true}});
  std::string primary = req;
  const mappings::Layout& l = *pack_->find("ACCTOPEN")->layout;
  const Field& f = l.fields[l.find("OPN-ACCT-NUMBER")];
  ASSERT_TRUE(mappings::encodeNumber(f, l.dialect, *Decimal::parse("100030000422"),
                                     reinterpret_cast<uint8_t*>(primary.data() + f.offset))
                  .ok());
  BackendReply primary_reply{0, primary};
  CallContext c = context(milliseconds(2000));
  c.primary_reply = &primary_reply;
  Result<BackendReply> r = b->call("ACCTOPEN", req, c);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(field("ACCTOPEN", r->commarea, "OPN-ACCT-NUMBER"), "100030000422");
}

TEST_F(ThriftNewBackendTest, PoolIsBoundedUnderConcurrency) {
  auto b = backend(2);
  ASSERT_NE(b, nullptr);
  const std::string id = openSavings(*b, "OPEN-3");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string req = commarea(
            "ACCTPOST", {{"CA-TXN-ID", "P" + std::to_string(t) + "-" + std::to_string(i), false},
                         {"PST-ACCT-NUMBER", id, true},
                         {"PST-DR-CR-CODE", "C", false},
                         {"PST-AMOUNT", "1.00", true}});
        Result<BackendReply> r = b->call("ACCTPOST", req, context(milliseconds(5000)));
        if (r.ok() && field("ACCTPOST", r->commarea, "CA-RETURN-CODE") == "0") {
          ++ok;
        }
        EXPECT_LE(b->openConnections(), 2u);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 40);
  EXPECT_LE(b->openConnections(), 2u);
  idl::Account a;
  handler_->getAccount(a, id);
  EXPECT_EQ(a.ledger_balance.minor_units, 10000 + 40 * 100);
}

TEST_F(ThriftNewBackendTest, StoppedServerIsUnavailableWithinTheDeadline) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  const std::string id = openSavings(*b, "OPEN-4");
  const std::string inq = commarea("ACCTINQ", {{"INQ-ACCT-NUMBER", id, true}});
  server_->stop();
  for (int i = 0; i < 2; ++i) {  // the pooled connection, then a fresh connect
    const auto start = Clock::now();
    Result<BackendReply> r = b->call("ACCTINQ", inq, context(milliseconds(1000)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().toString();
    EXPECT_LT(Clock::now() - start, milliseconds(1000) + milliseconds(500));
  }
  EXPECT_EQ(b->openConnections(), 0u);
}

TEST_F(ThriftNewBackendTest, RestartedServerGetsAFreshConnection) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  const std::string id = openSavings(*b, "OPEN-5");
  const int port = server_->port();
  server_->stop();
  startServer(port);
  Result<BackendReply> r = b->call("ACCTINQ", commarea("ACCTINQ", {{"INQ-ACCT-NUMBER", id, true}}),
                                   context(milliseconds(2000)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(field("ACCTINQ", r->commarea, "CA-RETURN-CODE"), "0");
}

TEST_F(ThriftNewBackendTest, SlowCallIsDeadlineExceededThenRecovers) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  const std::string id = openSavings(*b, "OPEN-6");
  const std::string inq = commarea("ACCTINQ", {{"INQ-ACCT-NUMBER", id, true}});
  handler_->delay_ms = 800;
  Result<BackendReply> r = b->call("ACCTINQ", inq, context(milliseconds(200)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().toString();
  handler_->delay_ms = 0;
  // The timed-out connection (with the late answer still on its way) was
  // discarded: the next call is answered correctly on a new one.
  r = b->call("ACCTINQ", inq, context(milliseconds(2000)));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(field("ACCTINQ", r->commarea, "INQ-LEDGER-BALANCE"), "100.00");
}

TEST_F(ThriftNewBackendTest, PassedDeadlineAndUntranslatableRequests) {
  auto b = backend();
  ASSERT_NE(b, nullptr);
  const std::string inq = commarea("ACCTINQ", {{"INQ-ACCT-NUMBER", "100010000011", true}});
  CallContext past;
  past.deadline = Clock::now() - milliseconds(1);
  EXPECT_EQ(b->call("ACCTINQ", inq, past).status().code(), StatusCode::kDeadlineExceeded);
  Result<BackendReply> r = b->call("ACCTNONE", inq, context(milliseconds(1000)));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("ACCTNONE"));
  EXPECT_EQ(b->call("ACCTINQ", inq.substr(0, 50), context(milliseconds(1000))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ThriftNewBackendCreateTest, RefusesBadOptions) {
  Result<std::shared_ptr<const mappings::Pack>> pack = mappings::loadPack(kPack);
  ASSERT_TRUE(pack.ok());
  ThriftNewBackend::Options o;
  o.port = 0;
  EXPECT_EQ(ThriftNewBackend::create(*pack, o).status().code(), StatusCode::kInvalidArgument);
  o.port = 9090;
  o.pool_size = 0;
  EXPECT_EQ(ThriftNewBackend::create(*pack, o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace corebridge::adapters::newcore

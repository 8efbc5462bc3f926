// corebridge end to end: the real legacy-host (the demo bank's COBOL), the
// real newcore (SQLite) and the real corebridge on port 0, driven over the
// channels' LLZZ protocol. Every stage; a deliberately wrong mapping the
// comparator catches with the exact field and values; a transfer across two
// product lines at different stages; bad input against the running bridge;
// a dead back end; a stage change by SIGHUP.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "CoreBanking.h"
#include "bridge/auth.h"
#include "dualwrite/sql_mismatch_store.h"
#include "tests/support/child_process.h"
#include "tools/channel-sim/bank_client.h"
#include "tools/channel-sim/connection.h"

namespace corebridge::bridge {
namespace {

namespace fs = std::filesystem;
using mappings::Decimal;
using sim::BankCodecs;
using sim::Txn;
using test_support::ChildProcess;

const std::string kSource = CB_SOURCE_DIR;
const std::string kCopybooks = kSource + "/legacy/cobol/copybooks";
const std::string kPack = kSource + "/mappings/packs/demobank/pack.yaml";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The three processes, a channel connection to the bridge and direct
// connections to both back ends.
class BridgeStack : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cb-bridge-it-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto codecs = BankCodecs::load(kCopybooks, mappings::Dialect());
    ASSERT_TRUE(codecs.ok()) << codecs.status().toString();
    codecs_ = std::move(*codecs);
    ASSERT_TRUE(legacy_.start("legacy-host",
                              {"--port", "0", "--data-dir", dir_ + "/bank", "--accounts", "20"},
                              dir_ + "/legacy-host.log"))
        << legacy_.log();
    legacy_port_ = legacy_.portAfter("listening on");
    ASSERT_TRUE(newcore_.start(
        "newcore", {"--port", "0", "--dsn", "Driver=SQLite3;Database=" + dir_ + "/nc.db"},
        dir_ + "/newcore.log"))
        << newcore_.log();
    new_port_ = newcore_.portAfter("listening on");
  }
  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- corebridge log ---\n%s\n", bridge_.log().c_str());
    }
    channel_.reset();
    bridge_.kill(SIGKILL);
    newcore_.kill(SIGKILL);
    legacy_.kill(SIGKILL);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Starts corebridge with these stages (and any other overrides).
  void startBridge(const std::vector<std::pair<std::string, std::string>>& stages,
                   std::vector<std::string> extra = {}, const std::string& pack = kPack) {
    std::string yaml = "pack: " + pack + "\nproduct_lines:\n";
    for (const auto& [line, stage] : stages) {
      yaml += "  " + line + ": {stage: " + stage + "}\n";
    }
    config_ = dir_ + "/corebridge.yaml";
    std::ofstream(config_) << yaml;
    std::vector<std::string> args = {
        "--config", config_, "--listen.port", "0", "--admin.port", "0", "--legacy.port",
        std::to_string(legacy_port_), "--newcore.port", std::to_string(new_port_),
        "--mismatch_store", "Driver=SQLite3;Database=" + dir_ + "/mm.db", "--dualwrite.journal",
        dir_ + "/journal", "--repairs.store", "Driver=SQLite3;Database=" + dir_ + "/repairs.db",
        // These tests move stages by SIGHUP; the
        // flag store's have their own below.
        "--control.flag_store", "", "--log.level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(bridge_.start("corebridge", args, dir_ + "/corebridge.log")) << bridge_.log();
    bridge_port_ = bridge_.portAfter("listening on");
    admin_port_ = bridge_.portAfter("admin");
    channel_ = std::make_unique<sim::Connection>(
        "127.0.0.1", bridge_port_, adapters::FrameOptions(), std::chrono::milliseconds(5000));
  }

  sim::Reply call(sim::Connection& c, Txn t, const std::vector<BankCodecs::Field>& fields) {
    std::string commarea;
    EXPECT_TRUE(codecs_->request(t, fields, &commarea).ok());
    adapters::Frame frame;
    Status s = c.call(sim::trancodeOf(t), commarea, &frame);
    EXPECT_TRUE(s.ok()) << s.toString();
    sim::Reply reply;
    EXPECT_EQ(frame.zz, 0) << "system error: "
                           << adapters::decodeSystemErrorText(adapters::FrameOptions(),
                                                              frame.commarea);
    if (s.ok() && frame.zz == 0) {
      EXPECT_TRUE(codecs_->reply(t, frame.commarea, &reply).ok());
    }
    return reply;
  }
  std::string open(sim::Connection& c, const std::string& txn, const std::string& product,
                   const std::string& amount) {
    sim::Reply r =
        call(c, Txn::kOpen,
             {BankCodecs::text("CA-TXN-ID", txn), BankCodecs::text("CA-CHANNEL-CODE", "TLR"),
              BankCodecs::text("OPN-PRODUCT-CODE", product),
              BankCodecs::number("OPN-BRANCH", *Decimal::parse("7")),
              BankCodecs::number("OPN-CUSTOMER-ID", *Decimal::parse("1000000042")),
              BankCodecs::text("OPN-CURRENCY", "USD"),
              BankCodecs::number("OPN-INITIAL-AMOUNT", *Decimal::parse(amount))});
    EXPECT_EQ(r.return_code, 0) << r.text("CA-REASON-TEXT");
    auto n = r.number("OPN-ACCT-NUMBER");
    std::string id = n ? n->toString() : "";
    if (id.size() < 12) {
      id.insert(0, 12 - id.size(), '0');
    }
    return id;
  }
  sim::Reply post(sim::Connection& c, const std::string& txn, const std::string& account,
                  const std::string& dc, const std::string& amount) {
    return call(c, Txn::kPost,
                {BankCodecs::text("CA-TXN-ID", txn), BankCodecs::text("CA-CHANNEL-CODE", "ATM"),
                 BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(account)),
                 BankCodecs::text("PST-DR-CR-CODE", dc),
                 BankCodecs::number("PST-AMOUNT", *Decimal::parse(amount)),
                 BankCodecs::text("PST-DESCRIPTION", "IT")});
  }
  sim::Reply inquiry(sim::Connection& c, const std::string& account) {
    return call(c, Txn::kInquiry,
                {BankCodecs::text("CA-TXN-ID", "INQ"),
                 BankCodecs::number("INQ-ACCT-NUMBER", *Decimal::parse(account))});
  }
  sim::Connection& legacyDirect() {
    if (!legacy_direct_) {
      legacy_direct_ = std::make_unique<sim::Connection>(
          "127.0.0.1", legacy_port_, adapters::FrameOptions(), std::chrono::milliseconds(5000));
    }
    return *legacy_direct_;
  }
  // The new core's view of an account: its ledger balance, or nullopt when
  // it does not have it.
  std::optional<int64_t> newBalance(const std::string& account) {
    auto socket = std::make_shared<apache::thrift::transport::TSocket>("127.0.0.1", new_port_);
    auto transport = std::make_shared<apache::thrift::transport::TFramedTransport>(socket);
    idl::CoreBankingClient client(
        std::make_shared<apache::thrift::protocol::TBinaryProtocol>(transport));
    transport->open();
    idl::Account a;
    try {
      client.getAccount(a, account);
    } catch (const idl::NotFound&) {
      return std::nullopt;
    }
    return a.ledger_balance.minor_units;
  }
  std::string metrics(int port = 0) {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(port == 0 ? admin_port_ : port));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(body, text);
    return text;
  }
  // A call of the control API on `port` (the bridge's admin port when 0):
  // the status and the JSON answer.
  std::pair<int, Poco::JSON::Object::Ptr> api(const std::string& method, const std::string& path,
                                              const std::string& token,
                                              const std::string& body = "", int port = 0) {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(port == 0 ? admin_port_ : port));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) {
      request.set("Authorization", "Bearer " + token);
    }
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
    Poco::JSON::Parser parser;
    return {static_cast<int>(response.getStatus()),
            parser.parse(text).extract<Poco::JSON::Object::Ptr>()};
  }
  std::string login(const std::string& user, int port = 0) {
    auto [status, json] = api("POST", "/api/v1/login", "",
                              R"({"user":")" + user + R"(","password":"pw-)" + user + "\"}", port);
    EXPECT_EQ(status, 200);
    return json->getValue<std::string>("token");
  }
  // The control plane's options: a flag store and users alice (operator)
  // and bob (approver), passwords "pw-<name>".
  std::vector<std::string> controlArgs() {
    const std::string users = dir_ + "/users.yaml";
    std::ofstream(users) << "users:\n  alice: {role: operator, password: \""
                         << hashPassword("pw-alice", 1000)
                         << "\"}\n  bob: {role: approver, password: \""
                         << hashPassword("pw-bob", 1000) << "\"}\n";
    return {"--control.flag_store", "Driver=SQLite3;Database=" + dir_ + "/flags.db",
            "--control.users_file", users,
            "--control.poll_ms",    "250"};
  }
  // The sum of a metric's series whose label text contains every `labels`
  // fragment ("trancode=\"ACCTPOST\"").
  double metric(const std::string& name, const std::vector<std::string>& labels = {},
                int port = 0) {
    std::istringstream in(metrics(port));
    std::string line;
    double sum = 0;
    while (std::getline(in, line)) {
      if (line.rfind(name, 0) != 0 ||
          (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ')) {
        continue;
      }
      bool all = true;
      for (const std::string& l : labels) {
        all = all && line.find(l) != std::string::npos;
      }
      if (all) {
        sum += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return sum;
  }
  void waitSecondaryIdle() {
    for (int i = 0; i < 200; ++i) {
      if (metric("corebridge_secondary_queue_depth") == 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the secondary queue did not drain";
  }
  std::vector<dualwrite::Mismatch> mismatches() {
    dualwrite::MismatchStoreOptions options;
    options.read_only = true;
    auto store =
        dualwrite::SqlMismatchStore::open("Driver=SQLite3;Database=" + dir_ + "/mm.db", options);
    if (!store.ok()) {
      return {};
    }
    auto list = (*store)->list();
    return list.ok() ? *list : std::vector<dualwrite::Mismatch>{};
  }

  std::string dir_;
  std::string config_;
  std::unique_ptr<BankCodecs> codecs_;
  ChildProcess legacy_;
  ChildProcess newcore_;
  ChildProcess bridge_;
  int legacy_port_ = 0;
  int new_port_ = 0;
  int bridge_port_ = 0;
  int admin_port_ = 0;
  std::unique_ptr<sim::Connection> channel_;
  std::unique_ptr<sim::Connection> legacy_direct_;
};

class StageTest : public BridgeStack, public ::testing::WithParamInterface<std::string> {};

// One account's life through the bridge at each stage: open, credit,
// debit, inquiry. The channel sees the same answers at every stage; each
// store holds what its stage sends it; nothing differs.
TEST_P(StageTest, AnAccountsLifeAtThisStage) {
  const std::string stage = GetParam();
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", stage}, {"CHECKING", "LEGACY_ONLY"}}));
  const std::string account = open(*channel_, "IT-OPEN-1", "SAVB", "100.00");
  ASSERT_EQ(account.substr(0, 2), "10");
  sim::Reply credit = post(*channel_, "IT-POST-1", account, "C", "25.00");
  EXPECT_EQ(credit.return_code, 0) << credit.text("CA-REASON-TEXT");
  EXPECT_EQ(credit.number("PST-LEDGER-BALANCE")->toString(), "125.00");
  EXPECT_EQ(credit.number("PST-POSTING-SEQ")->toString(), "2");
  sim::Reply debit = post(*channel_, "IT-POST-2", account, "D", "5.00");
  EXPECT_EQ(debit.number("PST-LEDGER-BALANCE")->toString(), "120.00");
  // A replay of the same transaction id gets the first answer.
  sim::Reply replay = post(*channel_, "IT-POST-2", account, "D", "5.00");
  EXPECT_EQ(replay.number("PST-LEDGER-BALANCE")->toString(), "120.00");
  EXPECT_EQ(replay.number("PST-POSTING-SEQ")->toString(), "3");
  sim::Reply inq = inquiry(*channel_, account);
  EXPECT_EQ(inq.return_code, 0);
  EXPECT_EQ(inq.number("INQ-LEDGER-BALANCE")->toString(), "120.00");
  waitSecondaryIdle();

  const bool legacy_has = stage != "NEW_ONLY";
  const bool new_has = stage != "LEGACY_ONLY";
  sim::Reply direct = inquiry(legacyDirect(), account);
  if (legacy_has) {
    EXPECT_EQ(direct.return_code, 0);
    EXPECT_EQ(direct.number("INQ-LEDGER-BALANCE")->toString(), "120.00");
  } else {
    EXPECT_EQ(direct.return_code, 10);  // never sent there
  }
  const std::optional<int64_t> in_new = newBalance(account);
  EXPECT_EQ(in_new.has_value(), new_has);
  if (new_has) {
    EXPECT_EQ(*in_new, 12000);
  }
  // Requests counted at this stage; the comparisons found nothing.
  EXPECT_EQ(metric("corebridge_requests_total",
                   {"trancode=\"ACCTPOST\"", "stage=\"" + stage + "\"", "outcome=\"ok\""}),
            3);
  const double compared = metric("corebridge_comparisons_total");
  EXPECT_EQ(metric("corebridge_comparisons_total", {"result=\"different\""}), 0) << metrics();
  if (stage == "DUAL_WRITE") {
    EXPECT_EQ(compared, 4);  // the writes: open, two posts, the replay
  } else if (stage == "SHADOW" || stage == "NEW_PRIMARY") {
    EXPECT_EQ(compared, 5);  // and the inquiry
  } else {
    EXPECT_EQ(compared, 0);
  }
  EXPECT_TRUE(mismatches().empty());
  EXPECT_EQ(bridge_.stop(SIGTERM), 0);
}

INSTANTIATE_TEST_SUITE_P(Stages, StageTest,
                         ::testing::Values("LEGACY_ONLY", "DUAL_WRITE", "SHADOW", "NEW_PRIMARY",
                                           "NEW_ONLY"));

// A pack whose ACCTPOST maps the debit/credit code the wrong way round: the
// new core debits what legacy credits. The comparator names the field and
// both values, and the mismatch store keeps it.
TEST_F(BridgeStack, AWrongMappingIsCaughtWithTheFieldAndBothValues) {
  std::string pack = readFile(kPack);
  const std::regex dc(R"(codes: \{D: DEBIT, C: CREDIT\})");
  ASSERT_TRUE(std::regex_search(pack, dc)) << "the demobank pack changed: update this test";
  pack = std::regex_replace(pack, dc, "codes: {D: CREDIT, C: DEBIT}");
  // Relative paths in the copy still name the demo bank's copybooks.
  pack = std::regex_replace(pack, std::regex("copybook_dir: .*"), "copybook_dir: " + kCopybooks);
  const std::string wrong = dir_ + "/wrong-pack.yaml";
  std::ofstream(wrong) << pack;
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "DUAL_WRITE"}}, {}, wrong));
  const std::string account = open(*channel_, "WM-OPEN", "SAVB", "100.00");
  sim::Reply credit = post(*channel_, "WM-POST", account, "C", "25.00");
  EXPECT_EQ(credit.number("PST-LEDGER-BALANCE")->toString(), "125.00");  // legacy answered
  waitSecondaryIdle();
  EXPECT_EQ(metric("corebridge_mismatches_total",
                   {"trancode=\"ACCTPOST\"", "field=\"PST-LEDGER-BALANCE\""}),
            1)
      << metrics();
  bool found = false;
  for (const dualwrite::Mismatch& m : mismatches()) {
    for (const dualwrite::FieldDifference& d : m.differences) {
      if (m.trancode == "ACCTPOST" && d.field == "PST-LEDGER-BALANCE") {
        found = true;
        EXPECT_EQ(d.legacy, "125.00");
        EXPECT_EQ(d.new_value, "75.00");
        EXPECT_EQ(m.stage, "DUAL_WRITE");
        EXPECT_EQ(m.account.find(account), std::string::npos) << "unmasked: " << m.account;
      }
    }
  }
  EXPECT_TRUE(found);
}

// SAVINGS in SHADOW, CHECKING in DUAL_WRITE: a transfer between them runs
// at DUAL_WRITE (legacy answers, new follows, compared).
TEST_F(BridgeStack, ATransferAcrossLinesRunsAtTheLeastMigratedStage) {
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "SHADOW"}, {"CHECKING", "DUAL_WRITE"}}));
  const std::string savings = open(*channel_, "XL-OPEN-S", "SAVB", "100.00");
  const std::string checking = open(*channel_, "XL-OPEN-C", "CHKP", "10.00");
  sim::Reply r = call(*channel_, Txn::kTransfer,
                      {BankCodecs::text("CA-TXN-ID", "XL-XFER"),
                       BankCodecs::number("XFR-FROM-ACCT", *Decimal::parse(savings)),
                       BankCodecs::number("XFR-TO-ACCT", *Decimal::parse(checking)),
                       BankCodecs::number("XFR-AMOUNT", *Decimal::parse("30.00")),
                       BankCodecs::text("XFR-DESCRIPTION", "IT TRANSFER")});
  EXPECT_EQ(r.return_code, 0) << r.text("CA-REASON-TEXT");
  waitSecondaryIdle();
  EXPECT_EQ(metric("corebridge_requests_total", {"trancode=\"ACCTXFER\"", "stage=\"DUAL_WRITE\"",
                                                 "product_line=\"SAVINGS+CHECKING\""}),
            1)
      << metrics();
  EXPECT_EQ(*newBalance(savings), 7000);
  EXPECT_EQ(*newBalance(checking), 4000);
  EXPECT_EQ(metric("corebridge_comparisons_total", {"trancode=\"ACCTXFER\"", "result=\"equal\""}),
            1);
  // What the bridge added beyond the primary call, one observation per
  // answered request, by the stage it ran at: the savings open at SHADOW,
  // the checking open and the transfer at DUAL_WRITE.
  EXPECT_EQ(metric("corebridge_bridge_added_seconds_count", {"stage=\"DUAL_WRITE\""}), 2)
      << metrics();
  EXPECT_EQ(metric("corebridge_bridge_added_seconds_count", {"stage=\"SHADOW\""}), 1);
  EXPECT_EQ(metric("corebridge_bridge_added_seconds_count"), 3) << metrics();
  EXPECT_GT(metric("corebridge_bridge_added_seconds_sum"), 0);
  EXPECT_EQ(
      metric("corebridge_bridge_added_seconds_bucket", {"stage=\"DUAL_WRITE\"", "le=\"+Inf\""}), 2);
}

// Malformed frames, an unknown TRANCODE, a wrong COMMAREA length and an
// invalid packed field: system-error replies, the connection keeps serving
// where the frame boundary is known, nothing reaches either side.
TEST_F(BridgeStack, BadInputGetsTheLegacySystemErrorAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "SHADOW"}}));
  const std::string account = open(*channel_, "BI-OPEN", "SAVB", "100.00");
  waitSecondaryIdle();
  const double legacy_calls_before = metric("corebridge_backend_duration_seconds_count");
  adapters::FrameOptions f;
  auto systemError = [&](const adapters::Frame& frame) {
    return adapters::decodeSystemErrorText(f, frame.commarea);
  };
  std::string good;
  ASSERT_TRUE(codecs_
                  ->request(Txn::kPost,
                            {BankCodecs::text("CA-TXN-ID", "BI-POST"),
                             BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(account)),
                             BankCodecs::text("PST-DR-CR-CODE", "C"),
                             BankCodecs::number("PST-AMOUNT", *Decimal::parse("1.00"))},
                            &good)
                  .ok());
  adapters::Frame reply;
  // Unknown TRANCODE: CB02, same connection goes on.
  ASSERT_TRUE(channel_->call("ACCTNOPE", good, &reply).ok());
  EXPECT_NE(reply.zz, 0);
  EXPECT_EQ(systemError(reply).substr(0, 4), "CB02");
  // Wrong length: CB03.
  ASSERT_TRUE(channel_->call("ACCTPOST", good.substr(0, good.size() - 1), &reply).ok());
  EXPECT_EQ(systemError(reply).substr(0, 4), "CB03");
  // An invalid packed field (PST-AMOUNT, after the 80-byte header, the
  // account, the code and the txn code): CB04 naming the field.
  std::string bad = good;
  bad[80 + 12 + 1 + 4] = static_cast<char>(0xAB);
  ASSERT_TRUE(channel_->call("ACCTPOST", bad, &reply).ok());
  EXPECT_EQ(systemError(reply).substr(0, 4), "CB04");
  EXPECT_NE(systemError(reply).find("PST-AMOUNT"), std::string::npos) << systemError(reply);
  // A frame with a non-zero ZZ on a request: CB01, the boundary is known.
  std::string frame;
  ASSERT_TRUE(adapters::encodeRequest(f, "ACCTPOST", good, &frame).ok());
  frame[3] = 1;
  ASSERT_TRUE(channel_->callRaw(frame, &reply).ok());
  EXPECT_EQ(systemError(reply).substr(0, 4), "CB01");
  // The connection still serves.
  EXPECT_EQ(inquiry(*channel_, account).number("INQ-LEDGER-BALANCE")->toString(), "100.00");
  // An LL below the header: the boundary is lost; answered, then closed.
  ASSERT_TRUE(channel_->callRaw(std::string("\x00\x02\x00\x00", 4), &reply).ok());
  EXPECT_EQ(systemError(reply).substr(0, 4), "CB01");
  // Another connection was never affected, and nothing was written anywhere.
  sim::Connection other("127.0.0.1", bridge_port_, f, std::chrono::milliseconds(5000));
  EXPECT_EQ(inquiry(other, account).number("INQ-LEDGER-BALANCE")->toString(), "100.00");
  waitSecondaryIdle();
  EXPECT_EQ(inquiry(legacyDirect(), account).number("INQ-LEDGER-BALANCE")->toString(), "100.00");
  EXPECT_EQ(*newBalance(account), 10000);
  EXPECT_EQ(metric("corebridge_requests_total", {"outcome=\"bad_request\""}), 3);
  EXPECT_EQ(metric("corebridge_malformed_frames_total"), 2);
  // Only the two inquiries (primary and secondary each) called a back end.
  EXPECT_EQ(metric("corebridge_backend_duration_seconds_count") - legacy_calls_before, 4);
}

// A back end that is down: the channel gets CB07 within the timeout and
// the bridge goes on serving what does not need it.
TEST_F(BridgeStack, ADeadBackEndGivesResourceUnavailableWithinTheTimeout) {
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "LEGACY_ONLY"}, {"CHECKING", "NEW_ONLY"}},
                                      {"--legacy.timeout_ms", "500"}));
  const std::string checking = open(*channel_, "DB-OPEN-C", "CHKP", "10.00");
  legacy_.kill(SIGKILL);
  std::string commarea;
  ASSERT_TRUE(
      codecs_
          ->request(Txn::kInquiry,
                    {BankCodecs::text("CA-TXN-ID", "DB-INQ"),
                     BankCodecs::number("INQ-ACCT-NUMBER", *Decimal::parse("100070000013"))},
                    &commarea)
          .ok());
  adapters::Frame reply;
  ASSERT_TRUE(channel_->call("ACCTINQ", commarea, &reply).ok());
  EXPECT_NE(reply.zz, 0);
  EXPECT_EQ(adapters::decodeSystemErrorText(adapters::FrameOptions(), reply.commarea).substr(0, 4),
            "CB07");
  // NEW_ONLY checking still works.
  EXPECT_EQ(inquiry(*channel_, checking).number("INQ-LEDGER-BALANCE")->toString(), "10.00");
  EXPECT_GE(metric("corebridge_requests_total", {"outcome=\"unavailable\""}) +
                metric("corebridge_requests_total", {"outcome=\"timeout\""}),
            1);
}

// SIGHUP re-reads the stages: no restart, the next request sees the new one.
TEST_F(BridgeStack, SighupAppliesANewStage) {
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "LEGACY_ONLY"}}));
  const std::string account = open(*channel_, "HU-OPEN", "SAVB", "100.00");
  std::ofstream(config_) << "pack: " << kPack << "\nproduct_lines:\n  SAVINGS: {stage: SHADOW}\n";
  bridge_.signal(SIGHUP);
  bool shadow = false;
  for (int i = 0; i < 50 && !shadow; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)inquiry(*channel_, account);
    shadow = metric("corebridge_requests_total", {"stage=\"SHADOW\""}) > 0;
  }
  EXPECT_TRUE(shadow) << metrics();
}

// Two bridge instances share one flag store: a promotion proposed on one
// and approved on the other is in force on both, without a restart, within
// the poll interval (the time it took is printed; docs/benchmarks.md has
// the measured figures).
TEST_F(BridgeStack, AFlagChangeReachesEveryInstanceWithoutARestart) {
  const std::vector<std::string> control = controlArgs();
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "LEGACY_ONLY"}}, control));
  std::vector<std::string> args = {"--config",
                                   config_,
                                   "--listen.port",
                                   "0",
                                   "--admin.port",
                                   "0",
                                   "--legacy.port",
                                   std::to_string(legacy_port_),
                                   "--newcore.port",
                                   std::to_string(new_port_),
                                   "--mismatch_store",
                                   "",
                                   "--dualwrite.journal",
                                   dir_ + "/journal-2",
                                   "--repairs.store",
                                   "Driver=SQLite3;Database=" + dir_ + "/repairs-2.db"};
  args.insert(args.end(), control.begin(), control.end());
  ChildProcess second;
  ASSERT_TRUE(second.start("corebridge", args, dir_ + "/corebridge-2.log")) << second.log();
  const int second_admin = second.portAfter("admin");
  sim::Connection second_channel("127.0.0.1", second.portAfter("listening on"),
                                 adapters::FrameOptions(), std::chrono::milliseconds(5000));
  const std::string account = open(*channel_, "FS-OPEN", "SAVB", "100.00");

  auto [proposed, change] = api("POST", "/api/v1/flags/SAVINGS", login("alice"),
                                R"({"stage":"DUAL_WRITE","reason":"backfill in balance"})");
  ASSERT_EQ(proposed, 202);
  const int64_t id = change->getObject("change")->getValue<int64_t>("id");
  const auto approved_at = std::chrono::steady_clock::now();
  auto [approved, applied] = api("POST", "/api/v1/changes/" + std::to_string(id) + "/approve",
                                 login("bob", second_admin), "{}", second_admin);
  ASSERT_EQ(approved, 200);
  // Both instances route SAVINGS at DUAL_WRITE now: a posting through
  // either is written to the new core too.
  bool first_moved = false;
  bool second_moved = false;
  std::chrono::milliseconds took{0};
  for (int i = 0; i < 100 && !(first_moved && second_moved); ++i) {
    (void)inquiry(second_channel, account);
    (void)inquiry(*channel_, account);
    first_moved = metric("corebridge_requests_total", {"stage=\"DUAL_WRITE\""}) > 0;
    second_moved = metric("corebridge_requests_total", {"stage=\"DUAL_WRITE\""}, second_admin) > 0;
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 approved_at);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(first_moved && second_moved) << metrics(second_admin);
  std::printf("the approval was in force on both instances %lld ms after it was answered\n",
              static_cast<long long>(took.count()));
  // An account opened through the second instance now exists on both sides.
  const std::string opened = open(second_channel, "FS-OPEN-2", "SAVB", "105.00");
  for (int i = 0; i < 100 && newBalance(opened) != std::optional<int64_t>(10500); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(newBalance(opened), std::optional<int64_t>(10500))
      << "the second instance did not dual-write after the change";
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

// The wrong ACCTPOST mapping at SHADOW with a guard of 20% over at least 4
// compared calls: the guard demotes SAVINGS to DUAL_WRITE by itself, and
// the audit says it was the system, with the figures.
TEST_F(BridgeStack, TheGuardDemotesALineWhoseMismatchRateCrossesItsThreshold) {
  std::string pack = readFile(kPack);
  pack = std::regex_replace(pack, std::regex(R"(codes: \{D: DEBIT, C: CREDIT\})"),
                            "codes: {D: CREDIT, C: DEBIT}");
  pack = std::regex_replace(pack, std::regex("copybook_dir: .*"), "copybook_dir: " + kCopybooks);
  const std::string wrong = dir_ + "/wrong-pack.yaml";
  std::ofstream(wrong) << pack;
  std::vector<std::string> args = controlArgs();
  for (const char* a : {"--control.guard.max_mismatch_rate", "0.2", "--control.guard.min_samples",
                        "4", "--control.guard_interval_ms", "200"}) {
    args.emplace_back(a);
  }
  ASSERT_NO_FATAL_FAILURE(startBridge({{"SAVINGS", "SHADOW"}}, args, wrong));
  const std::string account = open(*channel_, "GD-OPEN", "SAVB", "100.00");
  for (int i = 0; i < 4; ++i) {
    (void)post(*channel_, "GD-POST-" + std::to_string(i), account, "C", "1.00");
  }
  const std::string token = login("alice");
  std::string stage;
  for (int i = 0; i < 100 && stage != "DUAL_WRITE"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto [status, flags] = api("GET", "/api/v1/flags", token);
    auto lines = flags->getArray("lines");
    for (size_t k = 0; k < lines->size(); ++k) {
      if (lines->getObject(k)->getValue<std::string>("line") == "SAVINGS") {
        stage = lines->getObject(k)->getValue<std::string>("stage");
      }
    }
  }
  ASSERT_EQ(stage, "DUAL_WRITE") << bridge_.log();
  auto [status, audit] = api("GET", "/api/v1/audit?order=desc&limit=1", token);
  auto entry = audit->getArray("entries")->getObject(0);
  EXPECT_EQ(entry->getValue<std::string>("actor"), "system:guard");
  EXPECT_EQ(entry->getValue<std::string>("action"), "guard_demote");
  EXPECT_EQ(entry->getValue<std::string>("from"), "SHADOW");
  EXPECT_NE(entry->getValue<std::string>("reason").find("mismatch rate"), std::string::npos);
  EXPECT_NE(entry->getValue<std::string>("evidence").find("\"compared\""), std::string::npos);
}

// A pack with an error stops start-up (exit 2) naming the file, the line
// and the field; so does a configuration naming a product line the pack
// does not have. Nothing listens.
TEST(CorebridgeStartup, ABadPackOrConfigurationStopsStartUpNamingWhere) {
  char pattern[] = "/tmp/cb-bridge-start-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::string pack = readFile(kPack);
  pack = std::regex_replace(pack, std::regex("copybook_dir: .*"), "copybook_dir: " + kCopybooks);
  const std::string good = pack;
  pack = std::regex_replace(pack, std::regex("cobol: PST-AMOUNT"), "cobol: PST-AMOUNTX",
                            std::regex_constants::format_first_only);
  ASSERT_NE(pack, good) << "the demobank pack changed: update this test";
  const std::string bad = dir + "/bad-pack.yaml";
  std::ofstream(bad) << pack;
  const std::string bin = test_support::binDir() + "/corebridge";
  auto run = [&](const std::string& args, std::string* err) {
    const std::string path = dir + "/err.txt";
    const int status = std::system((bin + " --check " + args + " >/dev/null 2>" + path).c_str());
    *err = readFile(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string err;
  EXPECT_EQ(run("--pack " + bad, &err), 2);
  EXPECT_NE(err.find("bad-pack.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("PST-AMOUNTX"), std::string::npos) << err;
  EXPECT_EQ(run("--pack " + kPack + " --product_lines.MORTGAGE.stage SHADOW", &err), 2);
  EXPECT_NE(err.find("product_lines.MORTGAGE"), std::string::npos) << err;
  EXPECT_EQ(run("--legacy.port 0", &err), 2);
  EXPECT_NE(err.find("legacy.port"), std::string::npos) << err;
  EXPECT_EQ(run("--pack " + kPack, &err), 0) << err;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace corebridge::bridge

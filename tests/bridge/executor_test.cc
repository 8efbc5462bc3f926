// The executor over fake back ends: each stage calls the right sides, a
// transfer across lines runs at the least migrated stage, bad input reaches
// neither side, a dead primary gets CB07, a slow secondary does not delay
// the answer, a full queue drops and counts.
#include "bridge/executor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dualwrite/intent_log.h"
#include "dualwrite/repair_queue.h"
#include "dualwrite/repair_store.h"
#include "mappings/copybook.h"
#include "tests/fakes/fake_backend.h"
#include "tools/channel-sim/bank_client.h"

namespace corebridge::bridge {
namespace {

using fakes::FakeBackend;
using mappings::Decimal;
using sim::BankCodecs;
using sim::Txn;

const std::string kCopybooks = std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks";

mappings::PackTransaction transaction(const std::string& trancode, const std::string& copybook,
                                      mappings::TxnKind kind, std::vector<std::string> keys) {
  mappings::PackTransaction t;
  t.trancode = trancode;
  t.copybook = kCopybooks + "/" + copybook;
  t.kind = kind;
  t.key_fields = std::move(keys);
  t.txn_id_field = "CA-TXN-ID";
  t.return_code_field = "CA-RETURN-CODE";
  mappings::CopybookOptions options;
  options.search_path = {kCopybooks};
  auto layout = mappings::parseCopybookFile(t.copybook, options);
  EXPECT_TRUE(layout.ok()) << layout.status().toString();
  t.layout = std::make_shared<const mappings::Layout>(std::move(*layout));
  auto codec = mappings::RecordCodec::create(t.layout, {});
  EXPECT_TRUE(codec.ok()) << codec.status().toString();
  t.codec = std::shared_ptr<const mappings::RecordCodec>(std::move(*codec));
  return t;
}

std::shared_ptr<const mappings::Pack> demoPack() {
  auto pack = std::make_shared<mappings::Pack>();
  pack->name = "test";
  pack->product_lines.prefix_length = 2;
  pack->product_lines.prefixes = {
      {"10", "SAVINGS"}, {"20", "CHECKING"}, {"30", "TERM_DEPOSIT"}, {"40", "LOAN"}};
  pack->transactions.push_back(
      transaction("ACCTPOST", "CAPOST.cpy", mappings::TxnKind::kWrite, {"PST-ACCT-NUMBER"}));
  pack->transactions.push_back(transaction("ACCTXFER", "CAXFER.cpy", mappings::TxnKind::kWrite,
                                           {"XFR-FROM-ACCT", "XFR-TO-ACCT"}));
  pack->transactions.push_back(
      transaction("ACCTINQ", "CAINQ.cpy", mappings::TxnKind::kRead, {"INQ-ACCT-NUMBER"}));
  mappings::PackTransaction open =
      transaction("ACCTOPEN", "CAOPEN.cpy", mappings::TxnKind::kWrite, {"OPN-ACCT-NUMBER"});
  open.product_code_field = "OPN-PRODUCT-CODE";
  open.product_codes = {{"SAVB", "SAVINGS"}, {"CHKP", "CHECKING"}};
  pack->transactions.push_back(std::move(open));
  return pack;
}

class RecordingObserver : public ExecutorObserver {
 public:
  void onRequest(const RequestInfo& info) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(info);
  }
  Verdict onSecondary(const SecondaryResult& result) override {
    std::lock_guard<std::mutex> lock(mu_);
    secondaries.push_back(result);
    return verdict;
  }
  Verdict verdict = Verdict::kNotCompared;
  std::mutex mu_;
  std::vector<RequestInfo> requests;
  std::vector<SecondaryResult> secondaries;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codecs = BankCodecs::load(kCopybooks, mappings::Dialect());
    ASSERT_TRUE(codecs.ok()) << codecs.status().toString();
    codecs_ = std::move(*codecs);
  }
  std::unique_ptr<Executor> make(Stage savings, Stage checking, ExecutorOptions options = {}) {
    return makeWith(legacy_, new_, savings, checking, options);
  }
  std::unique_ptr<Executor> makeWith(FakeBackend& legacy, FakeBackend& newcore, Stage savings,
                                     Stage checking, ExecutorOptions options = {}) {
    auto table = std::make_shared<StageTable>();
    table->lines["SAVINGS"] = {savings, 100};
    table->lines["CHECKING"] = {checking, 100};
    return std::make_unique<Executor>(options, demoPack(), legacy, newcore, observer_, table);
  }
  std::string post(const std::string& account) {
    std::string c;
    EXPECT_TRUE(codecs_
                    ->request(Txn::kPost,
                              {BankCodecs::text("CA-TXN-ID", "T-1"),
                               BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(account)),
                               BankCodecs::text("PST-DR-CR-CODE", "C"),
                               BankCodecs::number("PST-AMOUNT", *Decimal::parse("12.34"))},
                              &c)
                    .ok());
    return c;
  }
  std::string transfer(const std::string& from, const std::string& to) {
    std::string c;
    EXPECT_TRUE(codecs_
                    ->request(Txn::kTransfer,
                              {BankCodecs::text("CA-TXN-ID", "T-2"),
                               BankCodecs::number("XFR-FROM-ACCT", *Decimal::parse(from)),
                               BankCodecs::number("XFR-TO-ACCT", *Decimal::parse(to)),
                               BankCodecs::number("XFR-AMOUNT", *Decimal::parse("1.00"))},
                              &c)
                    .ok());
    return c;
  }
  std::string inquiry(const std::string& account) {
    std::string c;
    EXPECT_TRUE(codecs_
                    ->request(Txn::kInquiry,
                              {BankCodecs::text("CA-TXN-ID", "T-3"),
                               BankCodecs::number("INQ-ACCT-NUMBER", *Decimal::parse(account))},
                              &c)
                    .ok());
    return c;
  }

  std::unique_ptr<BankCodecs> codecs_;
  FakeBackend legacy_{"legacy"};
  FakeBackend new_{"new"};
  RecordingObserver observer_;
};

TEST_F(ExecutorTest, EachStageCallsTheSidesOfTheDesignTable) {
  struct Row {
    Stage stage;
    size_t legacy_calls;  // a write and a read
    size_t new_calls;
    size_t compared;
  };
  const Row rows[] = {{Stage::kLegacyOnly, 2, 0, 0},
                      {Stage::kDualWrite, 2, 1, 1},
                      {Stage::kShadow, 2, 2, 2},
                      {Stage::kNewPrimary, 2, 2, 2},
                      {Stage::kNewOnly, 0, 2, 0}};
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(stageName(row.stage)));
    FakeBackend legacy("legacy");
    FakeBackend newcore("new");
    observer_.secondaries.clear();
    auto ex = makeWith(legacy, newcore, row.stage, row.stage);
    const std::string w = post("100010000017");
    ChannelReply reply = ex->handle("ACCTPOST", w);
    ASSERT_FALSE(reply.system_error) << reply.message;
    EXPECT_EQ(reply.reply.commarea, w);  // the fake echoes
    EXPECT_FALSE(ex->handle("ACCTINQ", inquiry("100010000017")).system_error);
    ex->drain();
    EXPECT_EQ(legacy.callCount(), row.legacy_calls);
    EXPECT_EQ(newcore.callCount(), row.new_calls);
    size_t compared = 0;
    for (const SecondaryResult& s : observer_.secondaries) {
      compared += s.compare ? 1 : 0;
      EXPECT_TRUE(s.secondary_status.ok());
      EXPECT_FALSE(s.legacy_reply.commarea.empty());
      EXPECT_FALSE(s.new_reply.commarea.empty());
    }
    EXPECT_EQ(compared, row.compared);
    // The secondary of a write sees the primary's reply.
    for (const FakeBackend* side : {&legacy, &newcore}) {
      const bool secondary_side =
          (row.stage == Stage::kNewPrimary) ? side == &legacy : side == &newcore;
      for (const auto& call : side->calls()) {
        EXPECT_EQ(call.had_primary_reply, secondary_side && (row.stage == Stage::kDualWrite ||
                                                             row.stage == Stage::kShadow ||
                                                             row.stage == Stage::kNewPrimary));
      }
    }
  }
}

TEST_F(ExecutorTest, ATransferAcrossLinesRunsAtTheLeastMigratedStage) {
  auto ex = make(Stage::kNewOnly, Stage::kDualWrite);
  ChannelReply r = ex->handle("ACCTXFER", transfer("100010000017", "200010000015"));
  ASSERT_FALSE(r.system_error);
  ex->drain();
  ASSERT_EQ(observer_.requests.size(), 1u);
  EXPECT_EQ(observer_.requests[0].stage, Stage::kDualWrite);
  EXPECT_EQ(observer_.requests[0].product_line, "SAVINGS+CHECKING");
  EXPECT_EQ(legacy_.callCount(), 1u);  // primary
  EXPECT_EQ(new_.callCount(), 1u);     // secondary
  // Savings alone is new-only.
  ASSERT_FALSE(ex->handle("ACCTPOST", post("100010000017")).system_error);
  ex->drain();
  EXPECT_EQ(legacy_.callCount(), 1u);
  EXPECT_EQ(new_.callCount(), 2u);
}

// ACCTOPEN names its line by product code, and at NEW_PRIMARY legacy keeps
// numbering: it runs as SHADOW.
TEST_F(ExecutorTest, AnOpenIsRoutedByProductCodeAndLegacyKeepsNumbering) {
  auto ex = make(Stage::kNewPrimary, Stage::kLegacyOnly);
  std::string c;
  ASSERT_TRUE(codecs_
                  ->request(Txn::kOpen,
                            {BankCodecs::text("CA-TXN-ID", "T-4"),
                             BankCodecs::text("OPN-PRODUCT-CODE", "SAVB"),
                             BankCodecs::number("OPN-BRANCH", *Decimal::parse("1"))},
                            &c)
                  .ok());
  ASSERT_FALSE(ex->handle("ACCTOPEN", c).system_error);
  ex->drain();
  ASSERT_EQ(observer_.requests.size(), 1u);
  EXPECT_EQ(observer_.requests[0].product_line, "SAVINGS");
  EXPECT_EQ(observer_.requests[0].stage, Stage::kShadow);
  EXPECT_EQ(observer_.requests[0].primary, Side::kLegacy);
  EXPECT_EQ(legacy_.callCount(), 1u);
  ASSERT_EQ(new_.callCount(), 1u);
  EXPECT_TRUE(new_.calls()[0].had_primary_reply);
}

// Transfers in both directions between accounts of different lanes, mixed
// with postings to each: every secondary call runs (no lane waits for
// another forever), and each account's secondary calls come in the order of
// its primaries.
TEST_F(ExecutorTest, CrossingTransfersKeepEachAccountsOrderWithoutDeadlock) {
  ExecutorOptions options;
  options.secondary_workers = 4;
  auto ex = make(Stage::kShadow, Stage::kShadow, options);
  // Two accounts in different lanes (their hash mod 4 differs).
  std::string a = "100010000017";
  std::string b;
  for (int i = 0; i < 100 && b.empty(); ++i) {
    const std::string candidate = "1000100" + std::to_string(10000 + i);
    if (std::hash<std::string>{}(candidate) % 4 != std::hash<std::string>{}(a) % 4) {
      b = candidate;
    }
  }
  ASSERT_FALSE(b.empty());
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    const std::string c = i % 3 == 0   ? transfer(a, b)
                          : i % 3 == 1 ? transfer(b, a)
                                       : post(i % 2 == 0 ? a : b);
    const std::string trancode = i % 3 == 2 ? "ACCTPOST" : "ACCTXFER";
    ASSERT_FALSE(ex->handle(trancode, c).system_error);
    sent.push_back(c);
  }
  ex->drain();
  EXPECT_EQ(ex->secondaryDepth(), 0u);
  EXPECT_EQ(new_.callCount(), sent.size());
  // Every call touches a or b or both; those touching both are ordered with
  // respect to each: the new side saw exactly the primary's order.
  std::vector<std::string> seen;
  for (const auto& call : new_.calls()) {
    seen.push_back(call.commarea);
  }
  EXPECT_EQ(seen.size(), sent.size());
  // Transfers touch both accounts, so with postings interleaved the whole
  // sequence is forced into the primary's order except for postings of the
  // other account between two transfers; check the transfers' own order.
  std::vector<std::string> sent_transfers;
  std::vector<std::string> seen_transfers;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (i % 3 != 2) {
      sent_transfers.push_back(sent[i]);
    }
  }
  for (const auto& call : new_.calls()) {
    if (call.trancode == "ACCTXFER") {
      seen_transfers.push_back(call.commarea);
    }
  }
  EXPECT_EQ(seen_transfers.size(), sent_transfers.size());
}

TEST_F(ExecutorTest, BadInputReachesNeitherSide) {
  auto ex = make(Stage::kShadow, Stage::kShadow);
  ChannelReply unknown = ex->handle("ACCTNOPE", post("100010000017"));
  EXPECT_TRUE(unknown.system_error);
  EXPECT_EQ(unknown.error, adapters::SystemError::kUnknownTrancode);

  std::string shorter = post("100010000017");
  shorter.pop_back();
  ChannelReply length = ex->handle("ACCTPOST", shorter);
  EXPECT_TRUE(length.system_error);
  EXPECT_EQ(length.error, adapters::SystemError::kCommareaLength);

  std::string bad_packed = post("100010000017");
  // PST-AMOUNT: the 8-byte COMP-3 after the header (80), account (12), code
  // (1) and txn code (4): a non-decimal nibble.
  bad_packed[80 + 12 + 1 + 4] = static_cast<char>(0xAB);
  ChannelReply data = ex->handle("ACCTPOST", bad_packed);
  EXPECT_TRUE(data.system_error);
  EXPECT_EQ(data.error, adapters::SystemError::kCommareaData);
  EXPECT_NE(data.message.find("PST-AMOUNT"), std::string::npos) << data.message;
  ex->drain();
  EXPECT_EQ(legacy_.callCount(), 0u);
  EXPECT_EQ(new_.callCount(), 0u);
  for (const RequestInfo& info : observer_.requests) {
    EXPECT_EQ(info.outcome, "bad_request");
  }
}

TEST_F(ExecutorTest, ADeadPrimaryGetsResourceUnavailableAndNoSecondary) {
  auto ex = make(Stage::kShadow, Stage::kShadow);
  legacy_.setAnswer([](std::string_view, std::string_view) -> Result<adapters::BackendReply> {
    return unavailable("connection refused");
  });
  ChannelReply r = ex->handle("ACCTPOST", post("100010000017"));
  EXPECT_TRUE(r.system_error);
  EXPECT_EQ(r.error, adapters::SystemError::kUnavailable);
  ex->drain();
  EXPECT_EQ(new_.callCount(), 0u);
  EXPECT_EQ(observer_.requests.back().outcome, "unavailable");
}

TEST_F(ExecutorTest, ASlowSecondaryDoesNotDelayTheAnswer) {
  ExecutorOptions options;
  options.secondary_workers = 1;
  auto ex = make(Stage::kShadow, Stage::kShadow, options);
  new_.setDelay(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_FALSE(ex->handle("ACCTPOST", post("100010000017")).system_error);
  const auto answered = std::chrono::steady_clock::now() - t0;
  // The answer came back while the secondary still ran: it is still queued
  // or running now (a value, not a timing assertion).
  EXPECT_EQ(ex->secondaryDepth(), 1u);
  ex->drain();
  EXPECT_EQ(ex->secondaryDepth(), 0u);
  ASSERT_EQ(observer_.secondaries.size(), 1u);
  EXPECT_GT(observer_.secondaries[0].secondary_latency, answered);
}

TEST_F(ExecutorTest, AFullQueueDropsAndCounts) {
  ExecutorOptions options;
  options.secondary_workers = 1;
  options.secondary_queue = 2;
  auto ex = make(Stage::kShadow, Stage::kShadow, options);
  new_.setDelay(std::chrono::milliseconds(200));
  for (int i = 0; i < 6; ++i) {
    ASSERT_FALSE(ex->handle("ACCTPOST", post("100010000017")).system_error);
  }
  EXPECT_GE(ex->secondaryDropped(), 3u);
  ex->drain();
  EXPECT_EQ(observer_.secondaries.size() + ex->secondaryDropped(), 6u);
}

// The durable write path (ExecutorOptions::journal and repairs).
const std::string kSavings = "100000000017";  // demoPack: 1xxx is SAVINGS

class DurableExecutorTest : public ExecutorTest {
 protected:
  void SetUp() override {
    ExecutorTest::SetUp();
    dir_ = (std::filesystem::temp_directory_path() /
            ("cb-durable-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    openJournal();
    dualwrite::RepairQueueOptions ro;
    ro.initial_backoff = std::chrono::milliseconds(0);
    ro.retry = [this](const dualwrite::RepairCase& c) { return executor_->retryRepair(c); };
    auto q = dualwrite::RepairQueue::open(store_, ro);
    ASSERT_TRUE(q.ok()) << q.status().toString();
    repairs_ = std::move(*q);
  }
  void TearDown() override {
    executor_.reset();
    repairs_.reset();
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }
  void openJournal() {
    journal_.reset();
    auto log = dualwrite::IntentLog::open(dir_, {}, &unfinished_);
    ASSERT_TRUE(log.ok()) << log.status().toString();
    journal_ = std::move(*log);
  }
  Executor& durable(Stage savings) {
    ExecutorOptions options;
    options.journal = journal_.get();
    options.repairs = repairs_.get();
    options.secondary_attempts = 2;
    options.retry_backoff = std::chrono::milliseconds(1);
    executor_ = make(savings, Stage::kLegacyOnly, options);
    return *executor_;
  }
  std::string postWithId(const std::string& txn, const std::string& account) {
    std::string c;
    EXPECT_TRUE(codecs_
                    ->request(Txn::kPost,
                              {BankCodecs::text("CA-TXN-ID", txn),
                               BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(account)),
                               BankCodecs::text("PST-DR-CR-CODE", "C"),
                               BankCodecs::number("PST-AMOUNT", *Decimal::parse("1.00"))},
                              &c)
                    .ok());
    return c;
  }

  // Legacy's reply to a 1.00 debit of kSavings it refused (return code 20).
  std::string refusedDebit(const std::string& txn) {
    std::string c;
    EXPECT_TRUE(codecs_
                    ->request(Txn::kPost,
                              {BankCodecs::text("CA-TXN-ID", txn),
                               BankCodecs::number("CA-RETURN-CODE", *Decimal::parse("20")),
                               BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(kSavings)),
                               BankCodecs::text("PST-DR-CR-CODE", "D"),
                               BankCodecs::number("PST-AMOUNT", *Decimal::parse("1.00"))},
                              &c)
                    .ok());
    return c;
  }

  std::string dir_;
  std::vector<dualwrite::UnfinishedIntent> unfinished_;
  std::unique_ptr<dualwrite::IntentLog> journal_;
  dualwrite::InMemoryRepairStore store_;
  std::unique_ptr<dualwrite::RepairQueue> repairs_;
  std::unique_ptr<Executor> executor_;
};

TEST_F(DurableExecutorTest, AWriteIsJournalledAndSettledOnceTheSecondaryAnswers) {
  Executor& ex = durable(Stage::kDualWrite);
  const ChannelReply r = ex.handle("ACCTPOST", postWithId("D-1", kSavings));
  ASSERT_FALSE(r.system_error) << r.message;
  ex.drain();
  const dualwrite::IntentLogStats stats = journal_->stats();
  EXPECT_EQ(stats.begun, 1U);
  EXPECT_EQ(stats.settled, 1U);
  EXPECT_EQ(stats.unsettled, 0U);
  // The intent waited for its fdatasync; the primary's outcome and the
  // settlement were queued for the next batch (or the journal's background
  // flush, which may already have run).
  EXPECT_GE(stats.journal.appends, 1U) << "the intent";
  EXPECT_EQ(stats.journal.appends + stats.journal.queued, 3U);
  ASSERT_TRUE(journal_->flush().ok());
  EXPECT_EQ(journal_->stats().journal.appends, 3U) << "intent, primary outcome, settlement";
  EXPECT_EQ(new_.callCount(), 1U);
  // A read is not journalled.
  ASSERT_FALSE(ex.handle("ACCTINQ", inquiry(kSavings)).system_error);
  ex.drain();
  EXPECT_EQ(journal_->stats().begun, 1U);
}

TEST_F(DurableExecutorTest, AFailingSecondaryBecomesARepairCaseAndParksTheAccountInOrder) {
  new_.setAnswer([](std::string_view, std::string_view) -> Result<adapters::BackendReply> {
    return unavailable("newcore down");
  });
  Executor& ex = durable(Stage::kDualWrite);
  ASSERT_FALSE(ex.handle("ACCTPOST", postWithId("D-1", kSavings)).system_error);
  ASSERT_FALSE(ex.handle("ACCTPOST", postWithId("D-2", kSavings)).system_error);
  ex.drain();
  // The first call was tried twice and handed over; the second went behind
  // it without a call, since the account was parked.
  EXPECT_EQ(new_.callCount(), 2U);
  dualwrite::RepairStats rs = repairs_->stats();
  EXPECT_EQ(rs.open, 2U);
  EXPECT_EQ(rs.open_by_kind["secondary_failed"], 1U);
  EXPECT_EQ(rs.open_by_kind["parked"], 1U);
  EXPECT_EQ(rs.parked_accounts, 1U);
  EXPECT_EQ(journal_->stats().unsettled, 0U) << "handed over durably, so settled";

  // The new core comes back: the repair worker replays both, in order.
  new_.setAnswer([](std::string_view, std::string_view commarea) -> Result<adapters::BackendReply> {
    return adapters::BackendReply{0, std::string(commarea)};
  });
  for (int i = 0; i < 50 && repairs_->stats().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the queue's 1 ms backoff
    repairs_->runOnce();
  }
  rs = repairs_->stats();
  EXPECT_EQ(rs.open, 0U);
  EXPECT_EQ(rs.parked_accounts, 0U);
  const auto calls = new_.calls();
  ASSERT_EQ(calls.size(), 4U);
  EXPECT_EQ(calls[2].commarea, postWithId("D-1", kSavings));
  EXPECT_EQ(calls[3].commarea, postWithId("D-2", kSavings));
}

// The outbox is full while an account still has a call in it: the newer
// call becomes a backlog case, and the older one, when its turn comes, is
// not parked behind it: the secondary sees the account's calls in order.
TEST_F(DurableExecutorTest, ACallInTheOutboxGoesAheadOfANewerBacklogCase) {
  ExecutorOptions options;
  options.journal = journal_.get();
  options.repairs = repairs_.get();
  options.secondary_workers = 1;
  options.secondary_queue = 1;
  new_.setDelay(std::chrono::milliseconds(100));
  executor_ = make(Stage::kDualWrite, Stage::kLegacyOnly, options);
  Executor& ex = *executor_;
  ASSERT_FALSE(ex.handle("ACCTPOST", postWithId("Q-1", kSavings)).system_error);
  // Q-1 runs (slowly); Q-2 waits in the outbox; Q-3 finds it full.
  for (int i = 0; i < 200 && new_.callCount() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_FALSE(ex.handle("ACCTPOST", postWithId("Q-2", kSavings)).system_error);
  ASSERT_FALSE(ex.handle("ACCTPOST", postWithId("Q-3", kSavings)).system_error);
  EXPECT_EQ(repairs_->stats().open_by_kind["backlog"], 1U);
  ex.drain();
  EXPECT_EQ(repairs_->stats().open_by_kind["parked"], 0U) << "Q-2 was not parked behind Q-3";
  for (int i = 0; i < 100 && repairs_->stats().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    repairs_->runOnce();
  }
  EXPECT_EQ(repairs_->stats().open, 0U);
  const auto calls = new_.calls();
  ASSERT_EQ(calls.size(), 3U);
  EXPECT_EQ(calls[0].commarea, postWithId("Q-1", kSavings));
  EXPECT_EQ(calls[1].commarea, postWithId("Q-2", kSavings));
  EXPECT_EQ(calls[2].commarea, postWithId("Q-3", kSavings));
}

TEST_F(DurableExecutorTest, AnInDoubtPrimaryIsReplayedBeforeTheSecondary) {
  std::atomic<int> legacy_calls{0};
  legacy_.setAnswer(
      [&](std::string_view, std::string_view commarea) -> Result<adapters::BackendReply> {
        if (legacy_calls.fetch_add(1) == 0) {
          return deadlineExceeded("legacy: no reply before the deadline; the request was sent");
        }
        return adapters::BackendReply{0, std::string(commarea)};
      });
  Executor& ex = durable(Stage::kDualWrite);
  const ChannelReply r = ex.handle("ACCTPOST", postWithId("D-1", kSavings));
  EXPECT_TRUE(r.system_error);
  ex.drain();
  EXPECT_EQ(legacy_calls.load(), 2) << "the worker replayed the primary";
  EXPECT_EQ(new_.callCount(), 1U);
  EXPECT_EQ(journal_->stats().unsettled, 0U);
}

// The crash test's deadlock: a primary call in doubt (the request was sent,
// no answer) whose replay fails for a while. Until a replay answers, the
// account's writes are refused before either side is called, so that the
// primary cannot apply them ahead of the in-doubt call: the secondary then
// sees the account's history in the primary's order.
TEST_F(DurableExecutorTest, AnAccountIsFencedWhileAPrimaryCallOfItIsInDoubt) {
  std::atomic<bool> legacy_up{false};
  std::atomic<int> legacy_calls{0};
  legacy_.setAnswer(
      [&](std::string_view, std::string_view commarea) -> Result<adapters::BackendReply> {
        if (legacy_calls.fetch_add(1) == 0) {
          return deadlineExceeded("legacy: no reply before the deadline; the request was sent");
        }
        if (!legacy_up.load()) {
          return unavailable("legacy: connection reset; the request was sent");
        }
        return adapters::BackendReply{0, std::string(commarea)};
      });
  Executor& ex = durable(Stage::kDualWrite);
  EXPECT_TRUE(ex.handle("ACCTPOST", postWithId("F-1", kSavings)).system_error);
  ex.drain();  // the worker's replays fail: a repair case, the primary still in doubt
  EXPECT_EQ(repairs_->stats().open_by_kind["secondary_failed"], 1U);
  EXPECT_EQ(ex.inDoubtAccounts(), 1U);
  legacy_up = true;
  const int calls_before = legacy_calls.load();
  const ChannelReply fenced = ex.handle("ACCTPOST", postWithId("F-2", kSavings));
  EXPECT_TRUE(fenced.system_error);
  EXPECT_EQ(fenced.error, adapters::SystemError::kUnavailable);
  EXPECT_EQ(fenced.message, "ACCOUNT IN DOUBT");
  EXPECT_EQ(observer_.requests.back().outcome, "in_doubt");
  EXPECT_EQ(legacy_calls.load(), calls_before) << "a fenced write reaches neither side";
  EXPECT_EQ(journal_->stats().begun, 1U) << "nor the journal";
  // Reads, and other accounts' writes, are not fenced.
  EXPECT_FALSE(ex.handle("ACCTINQ", inquiry(kSavings)).system_error);
  EXPECT_FALSE(ex.handle("ACCTPOST", postWithId("F-9", "100010000025")).system_error);
  ex.drain();

  // The repair worker replays F-1: its answer lifts the fence.
  for (int i = 0; i < 50 && repairs_->stats().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    repairs_->runOnce();
  }
  EXPECT_EQ(repairs_->stats().open, 0U);
  EXPECT_EQ(ex.inDoubtAccounts(), 0U);
  EXPECT_FALSE(ex.handle("ACCTPOST", postWithId("F-3", kSavings)).system_error);
  ex.drain();
  std::vector<std::string> to_new;
  for (const auto& call : new_.calls()) {
    if (call.trancode == "ACCTPOST") {
      to_new.push_back(call.commarea);
    }
  }
  ASSERT_EQ(to_new.size(), 3U);
  EXPECT_EQ(to_new[0], postWithId("F-9", "100010000025"));
  EXPECT_EQ(to_new[1], postWithId("F-1", kSavings));
  EXPECT_EQ(to_new[2], postWithId("F-3", kSavings));
}

// At NEW_PRIMARY an ACCTOPEN runs as SHADOW, its new-side call on the
// request path. When that call fails, the new core lacks the account while
// the channel holds its number: the account's writes, whose primary is now
// the new core, are refused until the repair queue has replayed the open.
TEST_F(DurableExecutorTest, AWriteWaitsUntilItsPrimaryHasTheAccountsHistory) {
  std::string opened;
  ASSERT_TRUE(codecs_
                  ->request(Txn::kOpen,
                            {BankCodecs::text("CA-TXN-ID", "O-1"),
                             BankCodecs::text("OPN-PRODUCT-CODE", "SAVB"),
                             BankCodecs::number("OPN-BRANCH", *Decimal::parse("1")),
                             BankCodecs::number("OPN-ACCT-NUMBER", *Decimal::parse(kSavings))},
                            &opened)
                  .ok());
  legacy_.setAnswer(
      [&](std::string_view trancode, std::string_view commarea) -> Result<adapters::BackendReply> {
        return adapters::BackendReply{0, trancode == "ACCTOPEN" ? opened : std::string(commarea)};
      });
  std::atomic<bool> new_up{false};
  new_.setAnswer(
      [&](std::string_view, std::string_view commarea) -> Result<adapters::BackendReply> {
        if (!new_up.load()) {
          return deadlineExceeded("newcore: timed out");
        }
        return adapters::BackendReply{0, std::string(commarea)};
      });
  Executor& ex = durable(Stage::kNewPrimary);
  std::string open;
  ASSERT_TRUE(codecs_
                  ->request(Txn::kOpen,
                            {BankCodecs::text("CA-TXN-ID", "O-1"),
                             BankCodecs::text("OPN-PRODUCT-CODE", "SAVB"),
                             BankCodecs::number("OPN-BRANCH", *Decimal::parse("1"))},
                            &open)
                  .ok());
  ASSERT_FALSE(ex.handle("ACCTOPEN", open).system_error) << "legacy opened it";
  ex.drain();
  ASSERT_EQ(repairs_->stats().open_by_kind["secondary_failed"], 1U);
  const size_t new_calls = new_.callCount();
  const ChannelReply behind = ex.handle("ACCTPOST", postWithId("O-2", kSavings));
  EXPECT_TRUE(behind.system_error);
  EXPECT_EQ(behind.message, "ACCOUNT BEHIND ON NEW");
  EXPECT_EQ(observer_.requests.back().outcome, "behind");
  EXPECT_EQ(new_.callCount(), new_calls) << "the post reached neither side";

  new_up = true;
  for (int i = 0; i < 50 && repairs_->stats().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    repairs_->runOnce();
  }
  EXPECT_EQ(repairs_->stats().open, 0U);
  EXPECT_FALSE(ex.handle("ACCTPOST", postWithId("O-3", kSavings)).system_error);
  ex.drain();
  const auto calls = new_.calls();
  ASSERT_GE(calls.size(), 2U);
  EXPECT_EQ(calls[calls.size() - 2].trancode, "ACCTOPEN");
  EXPECT_EQ(calls.back().trancode, "ACCTPOST");
}

// A write the primary refused changes nothing there; replayed late from the
// repair queue it is not sent: the secondary would decide it on a later
// state of the account (a backfill snapshot taken since) and might apply it.
TEST_F(DurableExecutorTest, ARefusalReplayedLateIsNotSent) {
  Executor& ex = durable(Stage::kDualWrite);
  const std::string refused = refusedDebit("L-1");
  dualwrite::RepairCase c;
  c.kind = dualwrite::RepairKind::kParked;
  c.account = kSavings;
  c.accounts = {kSavings};
  c.trancode = "ACCTPOST";
  c.txn_id = "L-1";
  c.stage = static_cast<int>(Stage::kDualWrite);
  c.commarea = postWithId("L-1", kSavings);
  c.primary_reply = refused;
  const dualwrite::RetryOutcome out = ex.retryRepair(c);
  EXPECT_TRUE(out.done);
  EXPECT_TRUE(out.agrees);
  EXPECT_NE(out.detail.find("return code 20"), std::string::npos) << out.detail;
  EXPECT_EQ(new_.callCount(), 0U);
  // An accepted one is sent.
  c.primary_reply = c.commarea;
  EXPECT_TRUE(ex.retryRepair(c).done);
  EXPECT_EQ(new_.callCount(), 1U);
}

// A write the primary refused changed nothing there: it is not sent to the
// secondary, which could decide it on another state of the account.
TEST_F(DurableExecutorTest, AWriteThePrimaryRefusedIsNotSentToTheSecondary) {
  const std::string refused = refusedDebit("N-1");
  legacy_.setAnswer([&](std::string_view, std::string_view) -> Result<adapters::BackendReply> {
    return adapters::BackendReply{0, refused};
  });
  Executor& ex = durable(Stage::kDualWrite);
  const ChannelReply r = ex.handle("ACCTPOST", postWithId("N-1", kSavings));
  ASSERT_FALSE(r.system_error);
  EXPECT_EQ(r.reply.commarea, refused) << "the channel gets the refusal";
  ex.drain();
  EXPECT_EQ(new_.callCount(), 0U);
  EXPECT_TRUE(observer_.requests.back().secondary_refused);
  EXPECT_FALSE(observer_.requests.back().secondary_queued);
  EXPECT_EQ(journal_->stats().unsettled, 0U) << "settled: nothing to do";
}

// A restart keeps the fence of a repair case whose primary is in doubt.
TEST_F(DurableExecutorTest, AnInDoubtRepairCaseFencesItsAccountAfterARestart) {
  dualwrite::RepairCase c;
  c.kind = dualwrite::RepairKind::kSecondaryFailed;
  c.product_line = "SAVINGS";
  c.account = kSavings;
  c.accounts = {kSavings};
  c.trancode = "ACCTPOST";
  c.txn_id = "R-1";
  c.stage = static_cast<int>(Stage::kDualWrite);
  c.primary = 0;
  c.commarea = postWithId("R-1", kSavings);
  c.primary_zz = -1;
  c.intent = 7;
  ASSERT_TRUE(repairs_->park(c).ok());
  Executor& ex = durable(Stage::kDualWrite);
  EXPECT_EQ(ex.inDoubtAccounts(), 1U);
  EXPECT_EQ(ex.handle("ACCTPOST", postWithId("R-2", kSavings)).message, "ACCOUNT IN DOUBT");
  for (int i = 0; i < 50 && repairs_->stats().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    repairs_->runOnce();
  }
  EXPECT_EQ(ex.inDoubtAccounts(), 0U);
  EXPECT_FALSE(ex.handle("ACCTPOST", postWithId("R-3", kSavings)).system_error);
  ex.drain();
  EXPECT_EQ(repairs_->stats().open, 0U);
}

TEST_F(DurableExecutorTest, ARequestThatWasNotSentIsNotReplayed) {
  legacy_.setAnswer([](std::string_view, std::string_view) -> Result<adapters::BackendReply> {
    return unavailable("legacy: connect failed: refused; the request was not sent");
  });
  Executor& ex = durable(Stage::kDualWrite);
  EXPECT_TRUE(ex.handle("ACCTPOST", postWithId("D-1", kSavings)).system_error);
  ex.drain();
  EXPECT_EQ(legacy_.callCount(), 1U);
  EXPECT_EQ(new_.callCount(), 0U);
  EXPECT_EQ(journal_->stats().unsettled, 0U);
}

TEST_F(DurableExecutorTest, RecoveryReplaysAnUnansweredPrimaryThenQueuesEverySecondary) {
  {
    // What a crash left: one intent without an outcome, one answered but
    // not settled, one settled.
    dualwrite::Intent intent;
    intent.stage = static_cast<int>(Stage::kDualWrite);
    intent.trancode = "ACCTPOST";
    intent.product_line = "SAVINGS";
    intent.account = kSavings;
    intent.accounts = {kSavings};
    intent.txn_id = "R-1";
    intent.commarea = postWithId("R-1", kSavings);
    ASSERT_TRUE(journal_->begin(intent).ok());
    intent.txn_id = "R-2";
    intent.commarea = postWithId("R-2", kSavings);
    const uint64_t answered = *journal_->begin(intent);
    ASSERT_TRUE(journal_
                    ->primaryDone({answered, dualwrite::PrimaryStatus::kReplied, 0,
                                   postWithId("R-2", kSavings)})
                    .ok());
    intent.txn_id = "R-3";
    const uint64_t settled = *journal_->begin(intent);
    ASSERT_TRUE(journal_->settle({settled, dualwrite::SettleReason::kSecondaryDone, 0}).ok());
  }
  openJournal();
  ASSERT_EQ(unfinished_.size(), 2U);
  Executor& ex = durable(Stage::kDualWrite);
  Result<RecoveryStats> stats = ex.recover(unfinished_);
  ASSERT_TRUE(stats.ok()) << stats.status().toString();
  EXPECT_EQ(stats->primaries_replayed, 1U);
  EXPECT_EQ(stats->secondaries_queued, 2U);
  ex.drain();
  EXPECT_EQ(legacy_.callCount(), 1U);
  const auto calls = new_.calls();
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[0].commarea, postWithId("R-1", kSavings)) << "journal order";
  EXPECT_EQ(calls[1].commarea, postWithId("R-2", kSavings));
  EXPECT_EQ(journal_->stats().unsettled, 0U);
}

TEST_F(DurableExecutorTest, AnIntentForATrancodeThePackLacksStopsRecovery) {
  dualwrite::Intent intent;
  intent.trancode = "ACCTGONE";
  intent.txn_id = "R-9";
  ASSERT_TRUE(journal_->begin(intent).ok());
  openJournal();
  Executor& ex = durable(Stage::kDualWrite);
  Result<RecoveryStats> stats = ex.recover(unfinished_);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stats.status().message().find("ACCTGONE"), std::string::npos);
}

class FailingEnv : public dualwrite::JournalEnv {
 public:
  Result<std::unique_ptr<dualwrite::JournalFile>> openAppendable(const std::string&,
                                                                 uint64_t) override {
    return unavailable("disk full (ENOSPC)");
  }
};

TEST_F(DurableExecutorTest, AFailedJournalFailsClosedWithoutCallingEitherSide) {
  journal_.reset();
  FailingEnv env;
  dualwrite::IntentLogOptions options;
  options.journal.env = &env;
  auto log = dualwrite::IntentLog::open(dir_ + "-full", options, nullptr);
  if (!log.ok()) {
    // The env fails at open already: that is fail-closed too (no bridge).
    EXPECT_EQ(log.status().code(), StatusCode::kUnavailable);
    return;
  }
  journal_ = std::move(*log);
  Executor& ex = durable(Stage::kDualWrite);
  const ChannelReply r = ex.handle("ACCTPOST", postWithId("D-1", kSavings));
  EXPECT_TRUE(r.system_error);
  EXPECT_EQ(r.error, adapters::SystemError::kUnavailable);
  EXPECT_EQ(r.message, "JOURNAL UNAVAILABLE");
  EXPECT_EQ(legacy_.callCount(), 0U);
  EXPECT_EQ(new_.callCount(), 0U);
  std::filesystem::remove_all(dir_ + "-full");
}

}  // namespace
}  // namespace corebridge::bridge

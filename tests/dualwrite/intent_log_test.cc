// Intent records and the intent log over a real journal directory.
#include "dualwrite/intent_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace corebridge::dualwrite {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Intent sampleIntent(const std::string& txn) {
  Intent i;
  i.stage = 1;
  i.primary = 0;
  i.compare = true;
  i.write_through = false;
  i.trancode = "ACCTPOST";
  i.product_line = "SAVINGS";
  i.txn_id = txn;
  i.account = "100000000017";
  i.accounts = {"100000000017", "200000000021"};
  i.commarea = std::string("\x00\x01\xff bytes", 9);
  return i;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("cb-intent-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(IntentCodecTest, RoundTripsEveryRecordKind) {
  const Intent intent = sampleIntent("T1");
  Result<Intent> back = decodeIntent(encodeIntent(intent));
  ASSERT_TRUE(back.ok()) << back.status().toString();
  EXPECT_EQ(*back, intent);

  PrimaryOutcome outcome{7, PrimaryStatus::kReplied, 0, "reply"};
  Result<PrimaryOutcome> o = decodePrimaryOutcome(encodePrimaryOutcome(outcome));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, outcome);

  Settlement settlement{7, SettleReason::kRepairCase, 42};
  Result<Settlement> s = decodeSettlement(encodeSettlement(settlement));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, settlement);
}

TEST(IntentCodecTest, EveryTruncationAndTrailingByteIsDataLossNamingTheField) {
  const std::string payload = encodeIntent(sampleIntent("T1"));
  for (size_t n = 0; n < payload.size(); ++n) {
    Result<Intent> r = decodeIntent(std::string_view(payload).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(r.status().message(), HasSubstr("field"));
    EXPECT_THAT(r.status().message(), HasSubstr("offset"));
  }
  Result<Intent> extra = decodeIntent(payload + "x");
  ASSERT_FALSE(extra.ok());
  EXPECT_THAT(extra.status().message(), HasSubstr("1 bytes after the last field"));
}

TEST(IntentCodecTest, RejectsUnknownVersionStageAndReason) {
  std::string payload = encodeIntent(sampleIntent("T1"));
  payload[0] = 9;
  EXPECT_THAT(decodeIntent(payload).status().message(), HasSubstr("field version"));
  payload = encodeIntent(sampleIntent("T1"));
  payload[1] = 5;
  EXPECT_THAT(decodeIntent(payload).status().message(), HasSubstr("field stage"));
  std::string settled = encodeSettlement({1, SettleReason::kSecondaryDone, 0});
  settled[9] = 8;
  EXPECT_THAT(decodeSettlement(settled).status().message(), HasSubstr("field reason"));
}

TEST(IntentLogTest, ReturnsUnfinishedIntentsInOrderWithTheirPrimaryOutcome) {
  TempDir dir;
  uint64_t a = 0;
  uint64_t b = 0;
  uint64_t c = 0;
  {
    std::vector<UnfinishedIntent> none;
    auto log = IntentLog::open(dir.str(), {}, &none);
    ASSERT_TRUE(log.ok()) << log.status().toString();
    EXPECT_TRUE(none.empty());
    a = *(*log)->begin(sampleIntent("A"));
    b = *(*log)->begin(sampleIntent("B"));
    c = *(*log)->begin(sampleIntent("C"));
    ASSERT_TRUE((*log)->primaryDone({a, PrimaryStatus::kReplied, 0, "ra"}).ok());
    ASSERT_TRUE((*log)->primaryDone({b, PrimaryStatus::kInDoubt, 0, ""}).ok());
    ASSERT_TRUE((*log)->settle({a, SettleReason::kSecondaryDone, 0}).ok());
    EXPECT_EQ((*log)->stats().unsettled, 2U);
  }
  std::vector<UnfinishedIntent> pending;
  auto log = IntentLog::open(dir.str(), {}, &pending);
  ASSERT_TRUE(log.ok()) << log.status().toString();
  ASSERT_EQ(pending.size(), 2U);
  EXPECT_EQ(pending[0].seq, b);
  EXPECT_EQ(pending[0].intent.txn_id, "B");
  ASSERT_TRUE(pending[0].primary.has_value());
  EXPECT_EQ(pending[0].primary->status, PrimaryStatus::kInDoubt);
  EXPECT_EQ(pending[1].seq, c);
  EXPECT_FALSE(pending[1].primary.has_value());
  EXPECT_EQ((*log)->stats().unsettled, 2U);
  // New intents continue the numbering.
  EXPECT_GT(*(*log)->begin(sampleIntent("D")), c);
}

// Queued records wait for the next waited one: no background flush.
IntentLogOptions noFlusher() {
  IntentLogOptions o;
  o.journal.deferred_flush_period = std::chrono::milliseconds(0);
  return o;
}

// In a child process, opens the log in `dir` without the background flush,
// runs `body` on it and dies without running a destructor (as under
// SIGKILL: nothing queued is flushed); the child exits 0 only if `body`
// returned true. Then reopens the log, as the restarted bridge would, and
// returns what its recovery found unfinished in `*recovered`.
void inACrashingChild(const TempDir& dir, const std::function<bool(IntentLog&)>& body,
                      std::vector<UnfinishedIntent>* recovered) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<UnfinishedIntent> none;
    auto log = IntentLog::open(dir.str(), noFlusher(), &none);
    ::_exit(log.ok() && body(**log) ? 0 : 1);  // before `log` would be destroyed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto log = IntentLog::open(dir.str(), {}, recovered);
  ASSERT_TRUE(log.ok()) << log.status().toString();
}

TEST(IntentLogTest, APrimaryOutcomeIsNotWaitedForAndACrashBeforeTheNextBatchLeavesItInDoubt) {
  TempDir dir;
  std::vector<UnfinishedIntent> pending;
  inACrashingChild(
      dir,
      [](IntentLog& log) {
        const uint64_t a = *log.begin(sampleIntent("A"));
        // Written with B's intent, which waits for its batch.
        if (!log.primaryDone({a, PrimaryStatus::kReplied, 0, "ra"}).ok()) {
          return false;
        }
        const uint64_t b = *log.begin(sampleIntent("B"));
        // Queued only: the crash loses it.
        return log.primaryDone({b, PrimaryStatus::kReplied, 0, "rb"}).ok() &&
               log.stats().journal.queued == 1;
      },
      &pending);
  ASSERT_EQ(pending.size(), 2U);
  EXPECT_EQ(pending[0].intent.txn_id, "A");
  ASSERT_TRUE(pending[0].primary.has_value());
  EXPECT_EQ(pending[0].primary->commarea, "ra");
  EXPECT_EQ(pending[1].intent.txn_id, "B");
  // In doubt: the executor's recovery replays the primary under B's key.
  EXPECT_FALSE(pending[1].primary.has_value());
}

TEST(IntentLogTest, ASettlementWaitsOnlyWhenAReplayWouldDoHarm) {
  EXPECT_FALSE(IntentLog::settleWaits(SettleReason::kSecondaryDone));
  EXPECT_FALSE(IntentLog::settleWaits(SettleReason::kNothingToDo));
  EXPECT_TRUE(IntentLog::settleWaits(SettleReason::kRepairCase));
  EXPECT_TRUE(IntentLog::settleWaits(SettleReason::kPrimaryFailed));
  TempDir dir;
  std::vector<UnfinishedIntent> pending;
  inACrashingChild(
      dir,
      [](IntentLog& log) {
        const uint64_t done = *log.begin(sampleIntent("DONE"));
        const uint64_t parked = *log.begin(sampleIntent("PARKED"));
        const uint64_t failed = *log.begin(sampleIntent("FAILED"));
        const uint64_t queued = *log.begin(sampleIntent("QUEUED"));
        // DONE's is written with PARKED's, which waits; QUEUED's is lost.
        return log.settle({done, SettleReason::kSecondaryDone, 0}).ok() &&
               log.settle({parked, SettleReason::kRepairCase, 7}).ok() &&
               log.settle({failed, SettleReason::kPrimaryFailed, 0}).ok() &&
               log.settle({queued, SettleReason::kSecondaryDone, 0}).ok() &&
               log.stats().journal.queued == 1;
      },
      &pending);
  ASSERT_EQ(pending.size(), 1U);
  // Its secondary answered before the crash; recovery calls it again under
  // the same key, and the secondary answers as it did.
  EXPECT_EQ(pending[0].intent.txn_id, "QUEUED");
}

TEST(IntentLogTest, ASecondBridgeOnTheSameDirectoryIsRefused) {
  TempDir dir;
  auto first = IntentLog::open(dir.str(), {}, nullptr);
  ASSERT_TRUE(first.ok());
  auto second = IntentLog::open(dir.str(), {}, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr(dir.str()));
  first->reset();
  EXPECT_TRUE(IntentLog::open(dir.str(), {}, nullptr).ok()) << "the lock dies with its holder";
}

TEST(IntentLogTest, SettledSegmentsAreDeletedAndRecoveryStillFindsTheUnsettled) {
  TempDir dir;
  IntentLogOptions options;
  options.journal.segment_bytes = 512;
  options.truncate_every = 1;
  uint64_t keep = 0;
  {
    auto log = IntentLog::open(dir.str(), options, nullptr);
    ASSERT_TRUE(log.ok());
    keep = *(*log)->begin(sampleIntent("KEEP"));
    for (int i = 0; i < 200; ++i) {
      const uint64_t s = *(*log)->begin(sampleIntent("T" + std::to_string(i)));
      ASSERT_TRUE((*log)->primaryDone({s, PrimaryStatus::kReplied, 0, "r"}).ok());
      ASSERT_TRUE((*log)->settle({s, SettleReason::kSecondaryDone, 0}).ok());
    }
    // The oldest unsettled intent pins its segment: nothing is deleted yet.
    EXPECT_EQ((*log)->stats().journal.segments_deleted, 0U);
    ASSERT_TRUE((*log)->settle({keep, SettleReason::kSecondaryDone, 0}).ok());
    const uint64_t last = *(*log)->begin(sampleIntent("LAST"));
    ASSERT_TRUE((*log)->settle({last, SettleReason::kSecondaryDone, 0}).ok());
    EXPECT_GT((*log)->stats().journal.segments_deleted, 10U);
    (void)(*log)->begin(sampleIntent("OPEN"));
  }
  size_t segments = 0;
  for (const auto& e : fs::directory_iterator(dir.str())) {
    segments += e.path().extension() == ".log" ? 1 : 0;
  }
  EXPECT_LE(segments, 3U);
  std::vector<UnfinishedIntent> pending;
  auto log = IntentLog::open(dir.str(), options, &pending);
  ASSERT_TRUE(log.ok()) << log.status().toString();
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].intent.txn_id, "OPEN");
}

TEST(IntentLogTest, ConcurrentWritersNeverLoseAnUnsettledIntentToTruncation) {
  TempDir dir;
  IntentLogOptions options;
  options.journal.segment_bytes = 256;
  options.truncate_every = 1;
  std::vector<uint64_t> left_open(4);
  {
    auto log = IntentLog::open(dir.str(), options, nullptr);
    ASSERT_TRUE(log.ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          const uint64_t s = *(*log)->begin(sampleIntent(std::to_string(t * 1000 + i)));
          if (i == 99) {
            left_open[static_cast<size_t>(t)] = s;
            continue;
          }
          (void)(*log)->settle({s, SettleReason::kSecondaryDone, 0});
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
  }
  std::vector<UnfinishedIntent> pending;
  auto log = IntentLog::open(dir.str(), options, &pending);
  ASSERT_TRUE(log.ok()) << log.status().toString();
  std::vector<uint64_t> seqs;
  for (const auto& u : pending) {
    seqs.push_back(u.seq);
  }
  std::sort(left_open.begin(), left_open.end());
  EXPECT_EQ(seqs, left_open);
}

TEST(IntentLogTest, AnOutcomeForAMissingIntentStopsRecovery) {
  TempDir dir;
  {
    auto journal = Journal::open(dir.str(), {}, nullptr);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->append(RecordType::kIntent, encodeIntent(sampleIntent("A"))).ok());
    ASSERT_TRUE((*journal)
                    ->append(RecordType::kPrimaryOutcome,
                             encodePrimaryOutcome({5, PrimaryStatus::kReplied, 0, ""}))
                    .ok());
  }
  auto log = IntentLog::open(dir.str(), {}, nullptr);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("record 2"));
  EXPECT_THAT(log.status().message(), HasSubstr("intent 5"));
}

TEST(IntentLogTest, AnUndecodablePayloadStopsRecoveryNamingTheRecord) {
  TempDir dir;
  {
    auto journal = Journal::open(dir.str(), {}, nullptr);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->append(RecordType::kIntent, "\x01garbage").ok());
  }
  auto log = IntentLog::open(dir.str(), {}, nullptr);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("record 1"));
}

}  // namespace
}  // namespace corebridge::dualwrite

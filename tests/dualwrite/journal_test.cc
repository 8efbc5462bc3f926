// The journal against the real disk (a temp dir), with a fault-injecting
// wrapper around the POSIX env (LevelDB's EnvWrapper style) that counts
// syncs, fails writes or syncs on demand, and can hold a sync at a gate.
#include "dualwrite/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dualwrite/crc32c.h"

namespace corebridge::dualwrite {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class FaultyEnv : public JournalEnv {
 public:
  std::atomic<int> syncs{0};  // successful syncs
  std::atomic<bool> fail_writes{false};
  std::atomic<bool> fail_syncs{false};
  std::atomic<int> sync_delay_us{0};  // models a slow disk so that appenders pile up

  // While held, every sync waits at the gate; `held` counts those waiting.
  void hold() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      holding_ = false;
    }
    cv_.notify_all();
  }
  int held() {
    std::lock_guard lock(mu_);
    return held_;
  }

  // JournalEnv
  Result<std::unique_ptr<JournalFile>> openAppendable(const std::string& path,
                                                      uint64_t preallocate_bytes) override {
    CB_ASSIGN_OR_RETURN(auto file, posixJournalEnv()->openAppendable(path, preallocate_bytes));
    return std::unique_ptr<JournalFile>(std::make_unique<File>(this, std::move(file)));
  }

 private:
  class File : public JournalFile {
   public:
    File(FaultyEnv* env, std::unique_ptr<JournalFile> base) : env_(env), base_(std::move(base)) {}

    // JournalFile
    Status append(std::string_view data) override {
      if (env_->fail_writes) {
        // ENOSPC after part of the batch reached the file.
        (void)base_->append(data.substr(0, data.size() / 2));
        return unavailable("injected write: No space left on device");
      }
      return base_->append(data);
    }
    Status sync() override {
      env_->waitAtGate();
      if (env_->sync_delay_us > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(env_->sync_delay_us));
      }
      if (env_->fail_syncs) {
        return unavailable("injected fdatasync: Input/output error");
      }
      CB_RETURN_IF_ERROR(base_->sync());
      ++env_->syncs;
      return okStatus();
    }

   private:
    FaultyEnv* env_;
    std::unique_ptr<JournalFile> base_;
  };

  void waitAtGate() {
    std::unique_lock lock(mu_);
    ++held_;
    cv_.wait(lock, [this] { return !holding_; });
    --held_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  int held_ = 0;
};

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::string> segmentFiles(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string payloadFor(int i) { return "posting-" + std::to_string(i) + "-" + std::string(8, 'x'); }

// A valid frame built by hand from docs/journal.md, independent of journal.cc.
std::string frame(uint8_t type, uint64_t seq, std::string_view payload) {
  std::string covered(1, static_cast<char>(type));
  for (int i = 0; i < 8; ++i) {
    covered.push_back(static_cast<char>((seq >> (8 * i)) & 0xFFU));
  }
  covered.append(payload);
  std::string out;
  const auto putU32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
    }
  };
  putU32(static_cast<uint32_t>(payload.size()));
  putU32(crc32c::mask(crc32c::value(covered)));
  return out + covered;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("cb-journal-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Journal> openOk(const JournalOptions& options, std::vector<Record>* recovered,
                                  RecoveryReport* report = nullptr) {
    auto j = Journal::open(dir_.string(), options, recovered, report);
    EXPECT_TRUE(j.ok()) << j.status().toString();
    return j.ok() ? std::move(j).value() : nullptr;
  }

  // Appends `n` records payloadFor(1..n) with a fresh journal, then closes it.
  void writeRecords(int n, const JournalOptions& options = {}) {
    auto j = openOk(options, nullptr);
    ASSERT_NE(j, nullptr);
    for (int i = 1; i <= n; ++i) {
      auto seq = j->append(RecordType::kIntent, payloadFor(i));
      ASSERT_TRUE(seq.ok()) << seq.status().toString();
      ASSERT_EQ(*seq, static_cast<uint64_t>(i));
    }
  }

  fs::path firstSegment() const { return dir_ / Journal::segmentName(1); }

  // 200-byte segments: about six 37-byte records each.
  static JournalOptions smallSegments() {
    JournalOptions options;
    options.segment_bytes = 200;
    return options;
  }
  // Appends payloadFor(1..50) in smallSegments() and returns the segment names, sorted.
  std::vector<std::string> writeFiftyInSmallSegments() {
    writeRecords(50, smallSegments());
    return segmentFiles(dir_);
  }

  // Options over `env` without the background flush, so that deferred
  // records are written only by the batches a test makes.
  static JournalOptions withoutFlusher(FaultyEnv* env) {
    JournalOptions options;
    options.env = env;
    options.deferred_flush_period = std::chrono::milliseconds(0);
    return options;
  }

  fs::path dir_;
};

TEST(JournalCrc32c, KnownVectorsAndMask) {
  EXPECT_EQ(crc32c::value("123456789"), 0xE3069283U);
  EXPECT_EQ(crc32c::value(std::string(32, '\0')), 0x8A9136AAU);    // RFC 3720 B.4
  EXPECT_EQ(crc32c::value(std::string(32, '\xff')), 0x62A8AB43U);  // RFC 3720 B.4
  const std::string s = "hello, journal";
  EXPECT_EQ(crc32c::extend(crc32c::value(s.substr(0, 5)), s.data() + 5, s.size() - 5),
            crc32c::value(s));
  EXPECT_NE(crc32c::mask(0x12345678U), 0x12345678U);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(0x12345678U)), 0x12345678U);
}

TEST_F(JournalTest, FrameIsTheDocumentedGrammar) {
  {
    auto j = openOk({}, nullptr);
    ASSERT_TRUE(j->append(RecordType::kPrimaryOutcome, "abc").ok());
  }
  const std::string bytes = readAll(firstSegment());
  ASSERT_EQ(bytes.size(), kHeaderBytes + 3);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x03\x00\x00\x00", 4));    // length LE
  EXPECT_EQ(bytes[8], '\x02');                                          // type
  EXPECT_EQ(bytes.substr(9, 8), std::string("\x01\0\0\0\0\0\0\0", 8));  // seq LE
  EXPECT_EQ(bytes.substr(17), "abc");
  uint32_t stored = 0;
  for (int i = 3; i >= 0; --i) {
    stored = (stored << 8) | static_cast<unsigned char>(bytes[4 + i]);
  }
  EXPECT_EQ(stored, crc32c::mask(crc32c::value(std::string_view(bytes).substr(8))));
}

TEST_F(JournalTest, AppendReopenRoundTrip) {
  const std::string binary("\0\x01\xff\n", 4);
  {
    std::vector<Record> recovered;
    RecoveryReport report;
    auto j = openOk({}, &recovered, &report);
    ASSERT_NE(j, nullptr);
    EXPECT_TRUE(recovered.empty());
    EXPECT_EQ(report.next_seq, 1U);
    EXPECT_EQ(*j->append(RecordType::kIntent, "intent-1"), 1U);
    EXPECT_EQ(*j->append(RecordType::kPrimaryOutcome, ""), 2U);
    EXPECT_EQ(*j->append(RecordType::kSettled, binary), 3U);
    EXPECT_EQ(j->stats().appends, 3U);
  }
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk({}, &recovered, &report);
  ASSERT_EQ(recovered.size(), 3U);
  EXPECT_EQ(recovered[0].type, RecordType::kIntent);
  EXPECT_EQ(recovered[0].payload, "intent-1");
  EXPECT_EQ(recovered[1].type, RecordType::kPrimaryOutcome);
  EXPECT_EQ(recovered[1].payload, "");
  EXPECT_EQ(recovered[2].type, RecordType::kSettled);
  EXPECT_EQ(recovered[2].payload, binary);
  for (size_t i = 0; i < recovered.size(); ++i) {
    EXPECT_EQ(recovered[i].seq, i + 1);
  }
  EXPECT_EQ(report.records, 3U);
  EXPECT_EQ(report.bytes_cut, 0U);
  EXPECT_EQ(report.next_seq, 4U);
  EXPECT_EQ(*j->append(RecordType::kSecondaryOutcome, "after reopen"), 4U);
}

TEST_F(JournalTest, RejectsBadInputWithoutFailing) {
  auto j = openOk({}, nullptr);
  EXPECT_EQ(j->append(static_cast<RecordType>(0), "x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(j->append(RecordType::kIntent, std::string(kMaxPayloadBytes + 1, 'x')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(j->health().ok());
  EXPECT_EQ(*j->append(RecordType::kIntent, "fine"), 1U);
}

TEST_F(JournalTest, GroupCommitEightThreadsShareSyncs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  FaultyEnv env;
  env.sync_delay_us = 200;
  JournalOptions options;
  options.env = &env;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  {
    auto j = openOk(options, nullptr);
    ASSERT_NE(j, nullptr);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto seq = j->append(RecordType::kIntent, payloadFor(t * kPerThread + i));
          if (!seq.ok()) {
            ++failures;
            return;
          }
          seqs[t].push_back(*seq);
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    ASSERT_EQ(failures, 0);
    EXPECT_EQ(j->stats().appends, static_cast<uint64_t>(kThreads * kPerThread));
    EXPECT_EQ(j->stats().batches, static_cast<uint64_t>(env.syncs.load()));
  }
  // Fewer fdatasyncs than records: batching happened. A count, not a timing.
  EXPECT_LT(env.syncs.load(), kThreads * kPerThread);
  RecordProperty("syncs", env.syncs.load());

  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(std::is_sorted(seqs[t].begin(), seqs[t].end()));  // per-thread order kept
    all.insert(seqs[t].begin(), seqs[t].end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));  // unique
  EXPECT_EQ(*all.begin(), 1U);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));  // dense

  std::vector<Record> recovered;
  auto j = openOk({}, &recovered);
  ASSERT_EQ(recovered.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> payloads;
  for (size_t i = 0; i < recovered.size(); ++i) {
    EXPECT_EQ(recovered[i].seq, i + 1);
    payloads.insert(recovered[i].payload);
  }
  EXPECT_EQ(payloads.size(), recovered.size());  // each append recovered exactly once
  for (int t = 0; t < kThreads; ++t) {
    // The record with seq s holds what the appender that got s wrote.
    for (int i = 0; i < kPerThread; i += 97) {
      EXPECT_EQ(recovered[seqs[t][i] - 1].payload, payloadFor(t * kPerThread + i));
    }
  }
}

TEST_F(JournalTest, FollowersQueuedBehindALeaderShareOneSync) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  auto j = openOk(options, nullptr);
  env.hold();
  std::vector<std::thread> threads;
  threads.emplace_back([&] { EXPECT_TRUE(j->append(RecordType::kIntent, "leader").ok()); });
  while (env.held() < 1) {
    std::this_thread::yield();
  }
  for (int i = 0; i < 7; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(j->append(RecordType::kIntent, "follower").ok()); });
  }
  while (j->stats().queued < 8) {
    std::this_thread::yield();
  }
  env.release();
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(env.syncs.load(), 2);  // the leader's own batch, then all seven followers at once
  EXPECT_EQ(j->stats().batches, 2U);
  EXPECT_EQ(j->stats().appends, 8U);
}

TEST_F(JournalTest, ADeferredRecordIsNumberedAtOnceAndWrittenWithTheNextBatch) {
  FaultyEnv env;
  JournalOptions options = withoutFlusher(&env);
  {
    auto j = openOk(options, nullptr);
    EXPECT_EQ(*j->appendDeferred(RecordType::kPrimaryOutcome, "first"), 1U);
    EXPECT_EQ(*j->appendDeferred(RecordType::kPrimaryOutcome, "second"), 2U);
    EXPECT_EQ(env.syncs.load(), 0);  // nothing waited, nothing written
    EXPECT_EQ(j->stats().appends, 0U);
    EXPECT_EQ(j->stats().queued, 2U);
    EXPECT_EQ(*j->append(RecordType::kIntent, "third"), 3U);
    EXPECT_EQ(env.syncs.load(), 1);  // one batch carried all three
    EXPECT_EQ(j->stats().appends, 3U);
    EXPECT_EQ(j->stats().queued, 0U);
    // The file holds them in seq order, readable while the journal is open.
    // (then the preallocated zeros).
    const std::string bytes = readAll(firstSegment());
    const size_t records = 3 * kHeaderBytes + 5 + 6 + 5;
    EXPECT_NE(bytes[records - 1], '\0');
    EXPECT_EQ(bytes.find_first_not_of('\0', records), std::string::npos);
  }
  std::vector<Record> got;
  auto j = openOk(options, &got);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].type, RecordType::kPrimaryOutcome);
  EXPECT_EQ(got[0].payload, "first");
  EXPECT_EQ(got[1].payload, "second");
  EXPECT_EQ(got[2].payload, "third");
  EXPECT_EQ(got[2].seq, 3U);
}

TEST_F(JournalTest, FlushAndCloseWriteDeferredRecords) {
  FaultyEnv env;
  JournalOptions options = withoutFlusher(&env);
  {
    auto j = openOk(options, nullptr);
    EXPECT_TRUE(j->flush().ok());  // nothing queued: no I/O
    EXPECT_EQ(env.syncs.load(), 0);
    ASSERT_TRUE(j->appendDeferred(RecordType::kPrimaryOutcome, "flushed").ok());
    EXPECT_TRUE(j->flush().ok());
    EXPECT_EQ(env.syncs.load(), 1);
    EXPECT_EQ(j->stats().appends, 1U);
    ASSERT_TRUE(j->appendDeferred(RecordType::kPrimaryOutcome, "at close").ok());
  }
  EXPECT_EQ(env.syncs.load(), 2);  // the destructor flushed the second one
  std::vector<Record> got;
  auto j = openOk(options, &got);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[1].payload, "at close");
}

TEST_F(JournalTest, DeferredRecordsAheadOfAWaiterAreWrittenEvenPastTheBatchBound) {
  // A bound of one byte makes every batch one record: the waiter leads five
  // batches of deferred records before its own.
  FaultyEnv env;
  JournalOptions options = withoutFlusher(&env);
  options.max_batch_bytes = 1;
  auto j = openOk(options, nullptr);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(j->appendDeferred(RecordType::kPrimaryOutcome, payloadFor(i)).ok());
  }
  EXPECT_EQ(*j->append(RecordType::kIntent, payloadFor(6)), 6U);
  EXPECT_EQ(env.syncs.load(), 6);
  EXPECT_EQ(j->stats().batches, 6U);
  EXPECT_EQ(j->stats().queued, 0U);
}

TEST_F(JournalTest, ADeferredRecordIsRefusedOnceTheJournalFailedAndBadInputIsRefusedAtOnce) {
  FaultyEnv env;
  JournalOptions options = withoutFlusher(&env);
  auto j = openOk(options, nullptr);
  EXPECT_EQ(j->appendDeferred(static_cast<RecordType>(0), "x").status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(j->appendDeferred(RecordType::kPrimaryOutcome, "in the failing batch").ok());
  env.fail_syncs = true;
  auto failed = j->append(RecordType::kIntent, "waiter");
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  auto refused = j->appendDeferred(RecordType::kPrimaryOutcome, "after");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("failed closed"));
  EXPECT_EQ(j->flush().code(), StatusCode::kUnavailable);
}

TEST_F(JournalTest, ADeferredRecordNoBatchCarriesIsFlushedByTheBackgroundThread) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  options.deferred_flush_period = std::chrono::milliseconds(5);
  auto j = openOk(options, nullptr);
  ASSERT_TRUE(j->appendDeferred(RecordType::kSettled, "alone").ok());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (j->stats().appends == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(j->stats().appends, 1U);
  EXPECT_EQ(j->stats().queued, 0U);
  EXPECT_EQ(env.syncs.load(), 1);
}

TEST_F(JournalTest, ThreadsMixingDeferredAndWaitedAppendsKeepADenseFileOrder) {
  FaultyEnv env;
  env.sync_delay_us = 200;
  JournalOptions options;
  options.env = &env;
  options.max_batch_bytes = 256;  // several batches per queue, so leaders lead again
  constexpr int kThreads = 4;
  constexpr int kRounds = 150;
  {
    auto j = openOk(options, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&j, t] {
        for (int r = 0; r < kRounds; ++r) {
          const std::string p = std::to_string(t) + ":" + std::to_string(r);
          auto a = j->append(RecordType::kIntent, p);
          auto d = j->appendDeferred(RecordType::kPrimaryOutcome, p);
          ASSERT_TRUE(a.ok() && d.ok());
          EXPECT_GT(*d, *a);
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
  }
  std::vector<Record> got;
  auto j = openOk(options, &got);
  ASSERT_EQ(got.size(), static_cast<size_t>(2 * kThreads * kRounds));
  std::map<std::string, int> seen;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, i + 1);
    // Each intent comes before its own deferred outcome.
    const int n = ++seen[got[i].payload];
    EXPECT_EQ(got[i].type, n == 1 ? RecordType::kIntent : RecordType::kPrimaryOutcome);
  }
}

TEST_F(JournalTest, TornTailIsCutAtEveryByteOfTheLastRecord) {
  constexpr int kRecords = 5;
  writeRecords(kRecords);
  const std::string whole = readAll(firstSegment());
  const size_t last_size = kHeaderBytes + payloadFor(kRecords).size();
  const size_t last_start = whole.size() - last_size;
  for (size_t len = last_start; len < whole.size(); ++len) {
    SCOPED_TRACE("file cut to " + std::to_string(len) + " bytes");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    writeAll(firstSegment(), std::string_view(whole).substr(0, len));
    std::vector<Record> recovered;
    RecoveryReport report;
    {
      auto j = openOk({}, &recovered, &report);
      ASSERT_NE(j, nullptr);
      ASSERT_EQ(recovered.size(), static_cast<size_t>(kRecords - 1));
      EXPECT_EQ(recovered.back().payload, payloadFor(kRecords - 1));
      // The torn bytes: a cut within the record's zero bytes leaves them
      // looking like preallocation, which is not counted.
      size_t torn_end = len;
      while (torn_end > last_start && whole[torn_end - 1] == '\0') {
        --torn_end;
      }
      EXPECT_EQ(report.bytes_cut, torn_end - last_start);
      if (torn_end > last_start) {
        EXPECT_EQ(report.cut_segment, Journal::segmentName(1));
        EXPECT_EQ(report.cut_offset, last_start);
      }
      EXPECT_EQ(fs::file_size(firstSegment()), last_start);
      EXPECT_EQ(*j->append(RecordType::kIntent, "again"), static_cast<uint64_t>(kRecords));
    }
    recovered.clear();
    auto j = openOk({}, &recovered, &report);
    ASSERT_EQ(recovered.size(), static_cast<size_t>(kRecords));
    EXPECT_EQ(recovered.back().payload, "again");
    EXPECT_EQ(report.bytes_cut, 0U);
  }
}

TEST_F(JournalTest, AZeroFilledTailIsTheEndAndIsTrimmedNotCut) {
  writeRecords(3);
  const std::string whole = readAll(firstSegment());
  writeAll(firstSegment(), whole + std::string(4096, '\0'));
  std::vector<Record> recovered;
  RecoveryReport report;
  {
    auto j = openOk({}, &recovered, &report);
    EXPECT_EQ(recovered.size(), 3U);
    EXPECT_EQ(report.bytes_cut, 0U);
    EXPECT_EQ(report.cut_segment, "");
    EXPECT_EQ(fs::file_size(firstSegment()), whole.size());
    EXPECT_EQ(*j->append(RecordType::kIntent, "after"), 4U);
  }
  recovered.clear();
  auto j = openOk({}, &recovered, &report);
  ASSERT_EQ(recovered.size(), 4U);
  EXPECT_EQ(recovered.back().payload, "after");
}

TEST_F(JournalTest, TornBytesBeforeAZeroFilledTailAreCutAndCountedWithoutTheZeros) {
  writeRecords(3);
  const std::string whole = readAll(firstSegment());
  writeAll(firstSegment(), whole + "torn" + std::string(8192, '\0'));
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk({}, &recovered, &report);
  EXPECT_EQ(recovered.size(), 3U);
  EXPECT_EQ(report.bytes_cut, 4U);
  EXPECT_EQ(report.cut_offset, whole.size());
  EXPECT_EQ(fs::file_size(firstSegment()), whole.size());
}

TEST_F(JournalTest, SegmentsAreZeroFilledAheadAStepAtATimeAndTrimmedOnClose) {
  JournalOptions options;
  options.preallocate_bytes = 4096;
  std::string written;
  {
    auto j = openOk(options, nullptr);
    ASSERT_TRUE(j->append(RecordType::kIntent, "one").ok());
    EXPECT_EQ(fs::file_size(firstSegment()), 4096U);
    ASSERT_TRUE(j->append(RecordType::kIntent, std::string(5000, 'p')).ok());
    EXPECT_EQ(fs::file_size(firstSegment()), 2 * 4096U);  // 5,037 bytes: one more step
    const std::string bytes = readAll(firstSegment());
    written = bytes.substr(0, 2 * kHeaderBytes + 3 + 5000);
    EXPECT_EQ(bytes.find_first_not_of('\0', written.size()), std::string::npos);
  }
  EXPECT_EQ(readAll(firstSegment()), written);
  options.preallocate_bytes = 0;
  auto j = openOk(options, nullptr);
  ASSERT_TRUE(j->append(RecordType::kIntent, "plain").ok());
  EXPECT_EQ(fs::file_size(firstSegment()), written.size() + kHeaderBytes + 5);
}

TEST_F(JournalTest, AProcessThatDiesLeavesItsZerosAndReopeningReadsEveryRecord) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    JournalOptions options;
    options.deferred_flush_period = std::chrono::milliseconds(0);
    auto j = Journal::open(dir_.string(), options, nullptr);
    for (int i = 1; j.ok() && i <= 3; ++i) {
      if (!(*j)->append(RecordType::kIntent, payloadFor(i)).ok()) {
        ::_exit(2);
      }
    }
    ::_exit(j.ok() ? 0 : 1);  // no destructor: the zeros stay
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(fs::file_size(firstSegment()), JournalOptions().preallocate_bytes);
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk({}, &recovered, &report);
  ASSERT_EQ(recovered.size(), 3U);
  EXPECT_EQ(recovered.back().payload, payloadFor(3));
  EXPECT_EQ(report.bytes_cut, 0U);
  EXPECT_EQ(fs::file_size(firstSegment()), 3 * (kHeaderBytes + payloadFor(1).size()));
}

TEST_F(JournalTest, ZerosEndingAnOlderSegmentAreReadAsItsEndButLostRecordsThereAreDataLoss) {
  const JournalOptions options = smallSegments();
  const auto names = writeFiftyInSmallSegments();
  ASSERT_GE(names.size(), 3U);
  const fs::path older = dir_ / names[1];
  const std::string bytes = readAll(older);
  // What a crash before the trim of a rotated segment leaves: zeros after its records.
  writeAll(older, bytes + std::string(1000, '\0'));
  {
    std::vector<Record> recovered;
    auto j = openOk(options, &recovered);
    EXPECT_EQ(recovered.size(), 50U);
  }
  // Zeros where its last record was: the next segment no longer continues the seqs.
  const int last_seq = std::stoi(names[2].substr(8, 12)) - 1;
  const size_t record = kHeaderBytes + payloadFor(last_seq).size();
  writeAll(older, bytes.substr(0, bytes.size() - record) + std::string(record, '\0'));
  auto j = Journal::open(dir_.string(), options, nullptr);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(j.status().message(), HasSubstr(names[2]));
  EXPECT_THAT(j.status().message(), HasSubstr("was expected"));
}

TEST_F(JournalTest, FlippedByteInTheMiddleIsDataLossNamingFileAndOffset) {
  constexpr int kRecords = 5;
  writeRecords(kRecords);
  const std::string whole = readAll(firstSegment());
  const size_t record_size = kHeaderBytes + payloadFor(1).size();  // all payloads equal in size
  const size_t middle = 2 * record_size;                           // the third record
  // A byte of the payload, of the CRC, and of the length field.
  for (size_t at : {middle + kHeaderBytes + 3, middle + 5, middle + 1}) {
    SCOPED_TRACE("flipped byte at " + std::to_string(at));
    std::string bad = whole;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    writeAll(firstSegment(), bad);
    auto j = Journal::open(dir_.string(), {}, nullptr);
    ASSERT_FALSE(j.ok());
    EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(j.status().message(), HasSubstr(Journal::segmentName(1)));
    EXPECT_THAT(j.status().message(), HasSubstr("offset " + std::to_string(middle)));
    EXPECT_EQ(readAll(firstSegment()), bad);  // nothing cut on a guess
  }
}

TEST_F(JournalTest, FlippedByteInTheLastPayloadIsCutAsATornTail) {
  constexpr int kRecords = 5;
  writeRecords(kRecords);
  std::string bytes = readAll(firstSegment());
  const size_t last_size = kHeaderBytes + payloadFor(kRecords).size();
  bytes[bytes.size() - 2] = static_cast<char>(bytes[bytes.size() - 2] ^ 0x01);
  writeAll(firstSegment(), bytes);
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk({}, &recovered, &report);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(recovered.size(), static_cast<size_t>(kRecords - 1));
  EXPECT_EQ(report.bytes_cut, last_size);
  EXPECT_EQ(report.cut_offset, bytes.size() - last_size);
}

TEST_F(JournalTest, RotationWritesSeveralSegmentsAndReopenReadsThemAll) {
  const JournalOptions options = smallSegments();
  constexpr int kRecords = 50;
  writeRecords(kRecords, options);
  const auto names = segmentFiles(dir_);
  ASSERT_GE(names.size(), 5U);
  EXPECT_EQ(names.front(), Journal::segmentName(1));
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk(options, &recovered, &report);
  ASSERT_EQ(recovered.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(report.segments, names.size());
  // Each segment is named by the seq of its first record.
  for (const auto& name : names) {
    const uint64_t first = std::stoull(name.substr(8, 12));
    EXPECT_EQ(recovered[first - 1].seq, first);
    EXPECT_EQ(name, Journal::segmentName(first));
  }
  EXPECT_EQ(*j->append(RecordType::kIntent, "next"), static_cast<uint64_t>(kRecords + 1));
}

TEST_F(JournalTest, TruncateBeforeRemovesOnlyWhollyOlderSegments) {
  const JournalOptions options = smallSegments();
  writeRecords(50, options);
  auto j = openOk(options, nullptr);
  const auto before = segmentFiles(dir_);
  std::vector<uint64_t> firsts;
  firsts.reserve(before.size());
  for (const auto& name : before) {
    firsts.push_back(std::stoull(name.substr(8, 12)));
  }
  ASSERT_GE(firsts.size(), 5U);
  // A seq inside the third segment: the first two go, the third stays.
  const uint64_t cut = firsts[2] + 1;
  ASSERT_TRUE(j->truncateBefore(cut).ok());
  auto after = segmentFiles(dir_);
  ASSERT_EQ(after.size(), before.size() - 2);
  EXPECT_EQ(after.front(), Journal::segmentName(firsts[2]));
  // A seq that is exactly a segment's first: the segment before it goes, it stays.
  ASSERT_TRUE(j->truncateBefore(firsts[3]).ok());
  EXPECT_EQ(segmentFiles(dir_).front(), Journal::segmentName(firsts[3]));
  // Everything settled: the segment being written survives.
  ASSERT_TRUE(j->truncateBefore(1000).ok());
  after = segmentFiles(dir_);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after.front(), before.back());
  EXPECT_EQ(j->stats().segments_deleted, before.size() - 1);
  EXPECT_EQ(*j->append(RecordType::kIntent, "51"), 51U);
  j.reset();

  std::vector<Record> recovered;
  j = openOk(options, &recovered);
  ASSERT_FALSE(recovered.empty());
  EXPECT_EQ(recovered.front().seq, firsts.back());
  EXPECT_EQ(recovered.back().seq, 51U);
}

TEST_F(JournalTest, MissingMiddleSegmentIsDataLoss) {
  const JournalOptions options = smallSegments();
  const auto names = writeFiftyInSmallSegments();
  ASSERT_GE(names.size(), 3U);
  fs::remove(dir_ / names[1]);
  auto j = Journal::open(dir_.string(), options, nullptr);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(j.status().message(), HasSubstr(names[2]));
}

TEST_F(JournalTest, TornTailOfAnOlderSegmentIsDataLoss) {
  const JournalOptions options = smallSegments();
  const auto names = writeFiftyInSmallSegments();
  const fs::path older = dir_ / names[1];
  const std::string bytes = readAll(older);
  writeAll(older, std::string_view(bytes).substr(0, bytes.size() - 1));
  auto j = Journal::open(dir_.string(), options, nullptr);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(j.status().message(), HasSubstr(names[1]));
}

TEST_F(JournalTest, WriteFailureFailsClosed) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  {
    auto j = openOk(options, nullptr);
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(j->append(RecordType::kIntent, payloadFor(i)).ok());
    }
    env.fail_writes = true;
    auto failed = j->append(RecordType::kIntent, payloadFor(4));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(failed.status().message(), HasSubstr("No space left"));
    env.fail_writes = false;  // the disk recovers; the journal stays closed
    auto later = j->append(RecordType::kIntent, payloadFor(5));
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(j->health().code(), StatusCode::kUnavailable);
    EXPECT_EQ(j->stats().appends, 3U);
  }
  // The half-written record is a torn tail; only acknowledged records come back.
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk({}, &recovered, &report);
  ASSERT_EQ(recovered.size(), 3U);
  EXPECT_GT(report.bytes_cut, 0U);
  EXPECT_EQ(*j->append(RecordType::kIntent, "after repair"), 4U);
}

TEST_F(JournalTest, SyncFailureFailsClosed) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  {
    auto j = openOk(options, nullptr);
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(j->append(RecordType::kIntent, payloadFor(i)).ok());
    }
    env.fail_syncs = true;
    auto failed = j->append(RecordType::kIntent, payloadFor(4));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
    env.fail_syncs = false;
    EXPECT_EQ(j->append(RecordType::kIntent, payloadFor(5)).status().code(),
              StatusCode::kUnavailable);
    EXPECT_EQ(env.syncs.load(), 3);
  }
  // The unsynced record may survive in the page cache; it was never
  // acknowledged, and nothing after it was written.
  std::vector<Record> recovered;
  auto j = openOk({}, &recovered);
  ASSERT_GE(recovered.size(), 3U);
  ASSERT_LE(recovered.size(), 4U);
  for (size_t i = 0; i < recovered.size(); ++i) {
    EXPECT_EQ(recovered[i].payload, payloadFor(static_cast<int>(i + 1)));
  }
}

TEST_F(JournalTest, SyncFailureFailsEveryAppenderOfTheBatch) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  auto j = openOk(options, nullptr);
  env.hold();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  auto appendOne = [&] {
    auto r = j->append(RecordType::kIntent, "x");
    if (!r.ok() && r.status().code() == StatusCode::kUnavailable) {
      ++failures;
    }
  };
  threads.emplace_back(appendOne);
  while (env.held() < 1) {
    std::this_thread::yield();
  }
  for (int i = 0; i < 7; ++i) {
    threads.emplace_back(appendOne);
  }
  while (j->stats().queued < 8) {
    std::this_thread::yield();
  }
  env.fail_syncs = true;
  env.release();
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 8);
  EXPECT_EQ(env.syncs.load(), 0);
  EXPECT_EQ(j->stats().appends, 0U);
}

TEST_F(JournalTest, RotationFailureFailsClosed) {
  JournalOptions options;
  options.segment_bytes = 1;  // rotate before every batch but the first
  auto j = openOk(options, nullptr);
  ASSERT_TRUE(j->append(RecordType::kIntent, "one").ok());
  // The next segment's name is taken by a directory: creating it fails.
  fs::create_directories(dir_ / Journal::segmentName(2));
  EXPECT_EQ(j->append(RecordType::kIntent, "two").status().code(), StatusCode::kUnavailable);
  fs::remove_all(dir_ / Journal::segmentName(2));
  EXPECT_EQ(j->append(RecordType::kIntent, "three").status().code(), StatusCode::kUnavailable);
}

TEST_F(JournalTest, HandBuiltFramesAreReadAndASeqOutOfOrderIsDataLoss) {
  fs::create_directories(dir_);
  writeAll(firstSegment(), frame(1, 1, "a") + frame(4, 2, "bb"));
  {
    std::vector<Record> recovered;
    auto j = openOk({}, &recovered);
    ASSERT_EQ(recovered.size(), 2U);
    EXPECT_EQ(recovered[1].type, RecordType::kSettled);
    EXPECT_EQ(recovered[1].payload, "bb");
  }
  // A CRC-valid record with the wrong seq is not a torn write: stop, even at the tail.
  const std::string good = frame(1, 1, "a") + frame(1, 2, "b");
  writeAll(firstSegment(), good + frame(1, 7, "c"));
  auto j = Journal::open(dir_.string(), {}, nullptr);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(j.status().message(), HasSubstr("offset " + std::to_string(good.size())));
  // Type 0 is never valid, whatever its CRC: here a torn tail.
  writeAll(firstSegment(), good + frame(0, 3, "c"));
  RecoveryReport report;
  auto k = openOk({}, nullptr, &report);
  EXPECT_EQ(report.records, 2U);
  EXPECT_EQ(report.bytes_cut, kHeaderBytes + 1);
}

TEST_F(JournalTest, WriteFailureRightAfterRotationRecoversIntoTheNewSegment) {
  FaultyEnv env;
  JournalOptions options;
  options.env = &env;
  options.segment_bytes = 1;
  {
    auto j = openOk(options, nullptr);
    ASSERT_EQ(*j->append(RecordType::kIntent, payloadFor(1)), 1U);
    env.fail_writes = true;  // journal-…2.log is created, then half a record reaches it
    EXPECT_FALSE(j->append(RecordType::kIntent, payloadFor(2)).ok());
  }
  ASSERT_EQ(segmentFiles(dir_).size(), 2U);
  std::vector<Record> recovered;
  RecoveryReport report;
  {
    auto j = openOk({}, &recovered, &report);
    ASSERT_EQ(recovered.size(), 1U);
    EXPECT_EQ(report.cut_segment, Journal::segmentName(2));
    EXPECT_EQ(report.cut_offset, 0U);
    EXPECT_EQ(*j->append(RecordType::kIntent, payloadFor(2)), 2U);
  }
  recovered.clear();
  auto j = openOk({}, &recovered);
  ASSERT_EQ(recovered.size(), 2U);
  EXPECT_EQ(recovered[1].payload, payloadFor(2));
}

TEST_F(JournalTest, TruncateWhileAppendingAcrossRotationsKeepsADenseSuffix) {
  JournalOptions options;
  options.segment_bytes = 512;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  {
    auto j = openOk(options, nullptr);
    std::atomic<bool> done{false};
    std::atomic<uint64_t> highest{0};
    std::thread truncator([&] {
      while (!done) {
        EXPECT_TRUE(j->truncateBefore(highest.load() / 2).ok());
        std::this_thread::yield();
      }
    });
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          auto seq = j->append(RecordType::kIntent, payloadFor(i));
          ASSERT_TRUE(seq.ok()) << seq.status().toString();
          uint64_t h = highest.load();
          while (*seq > h && !highest.compare_exchange_weak(h, *seq)) {
          }
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    done = true;
    truncator.join();
    EXPECT_GT(j->stats().segments_deleted, 0U);
  }
  std::vector<Record> recovered;
  RecoveryReport report;
  auto j = openOk(options, &recovered, &report);
  ASSERT_FALSE(recovered.empty());
  EXPECT_EQ(recovered.back().seq, static_cast<uint64_t>(kThreads * kPerThread));
  for (size_t i = 1; i < recovered.size(); ++i) {
    ASSERT_EQ(recovered[i].seq, recovered[i - 1].seq + 1);
  }
  EXPECT_EQ(report.bytes_cut, 0U);
}

}  // namespace
}  // namespace corebridge::dualwrite

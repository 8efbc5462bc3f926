// bridgectl backfill against a real newcore process (SQLite): the demo bank's
// own SEED and EXTRACT batch programs, resume from a checkpoint, an
// idempotent rerun, a refused checkpoint, bad extracts that send nothing,
// and a load racing dual-written postings that ends with both stores equal
// (docs/backfill.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CoreBanking.h"
#include "mappings/copybook.h"
#include "mappings/record_codec.h"
#include "tests/support/child_process.h"

namespace corebridge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kSource = CB_SOURCE_DIR;
const std::string kPack = kSource + "/mappings/packs/demobank";
const std::string kCopybook = kSource + "/legacy/cobol/copybooks/EXTRREC.cpy";

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The number after `label` in bridgectl's summary ("created   12").
long counted(const std::string& out, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(label + R"(\s+(\d+))"))) {
    return -1;
  }
  return std::stol(m[1]);
}

// --- the legacy side, simulated: accounts and the extract they make ---------

struct LegacyAccount {
  std::string id;
  std::string product;
  int64_t balance = 0;  // cents
  int64_t seq = 0;      // AM-LAST-POSTING-SEQ
};

std::string cents(int64_t c) {
  char buf[40];
  const int64_t a = c < 0 ? -c : c;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", c < 0 ? "-" : "", static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

// 12-digit PP BBB SSSSSS C with the Luhn check digit.
std::string accountNumber(int prefix, int branch, int serial) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%03d%06d", prefix, branch, serial);
  std::string s = buf;
  int sum = 0;
  for (int i = 0; i < 11; ++i) {
    int d = s[static_cast<size_t>(10 - i)] - '0';
    if (i % 2 == 0) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return s + static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Writes EXTRREC records through the copybook (GnuCOBOL ASCII), as EXTRACT does.
class ExtractWriter {
 public:
  ExtractWriter() {
    mappings::CopybookOptions copts;
    copts.dialect = mappings::Dialect::gnuCobol();
    auto layout = mappings::parseCopybookFile(kCopybook, copts);
    EXPECT_TRUE(layout.ok()) << layout.status().toString();
    layout_ = std::make_shared<const mappings::Layout>(std::move(*layout));
    mappings::CodecOptions options;
    options.select = {{"EX-REC-TYPE", {"H"}, "EX-HEADER-BODY"},
                      {"EX-REC-TYPE", {"A"}, "EX-ACCOUNT-BODY"},
                      {"EX-REC-TYPE", {"P"}, "EX-POSTING-BODY"},
                      {"EX-REC-TYPE", {"T"}, "EX-TRAILER-BODY"}};
    auto codec = mappings::RecordCodec::create(layout_, options);
    EXPECT_TRUE(codec.ok()) << codec.status().toString();
    codec_ = std::move(*codec);
  }

  // Header, the accounts in number order, trailer with the control totals.
  std::string write(std::vector<LegacyAccount> accounts, const std::string& created_time) {
    std::sort(accounts.begin(), accounts.end(),
              [](const LegacyAccount& a, const LegacyAccount& b) { return a.id < b.id; });
    std::string out;
    add(&out,
        R"({"EX-REC-TYPE":"H","EX-HEADER-BODY":{"EXH-EXTRACT-ID":"DLYEXTR1",)"
        R"("EXH-BUSINESS-DATE":20261125,"EXH-CREATED-DATE":20261125,"EXH-CREATED-TIME":)" +
            created_time +
            R"(,"EXH-SOURCE-SYSTEM":"COREDDA","EXH-FORMAT-VERSION":3,"EXH-PRODUCT-FILTER":"ALL"}})");
    int64_t balance = 0;
    __int128 hash = 0;
    for (const LegacyAccount& a : accounts) {
      std::string body = R"({"EXA-ACCT-NUMBER":)" + std::to_string(std::stoll(a.id)) +
                         R"(,"EXA-PRODUCT-CODE":")" + a.product +
                         R"(","EXA-CUSTOMER-ID":1000000001,"EXA-STATUS":"A","EXA-CURRENCY":"USD",)"
                         R"("EXA-LEDGER-BALANCE":)" +
                         cents(a.balance) + R"(,"EXA-AVAILABLE-BALANCE":)" + cents(a.balance) +
                         R"(,"EXA-OVERDRAFT-LIMIT":0.00,"EXA-INTEREST-RATE":1.250000,)"
                         R"("EXA-OPEN-DATE":20200101,"EXA-LAST-ACTIVITY-DATE":26329,)"
                         R"("EXA-LAST-POSTING-SEQ":)" +
                         std::to_string(a.seq) + R"(,"EXA-HOLD-COUNT":0)";
      for (const char* extra : {"EXA-ACCRUED-INTEREST", "EXA-MATURITY-DATE", "EXA-CLOSE-DATE"}) {
        if (layout_->find(extra) != mappings::kNoIndex) {
          body += std::string(",\"") + extra + "\":0";
        }
      }
      add(&out, R"({"EX-REC-TYPE":"A","EX-ACCOUNT-BODY":)" + body + "}}");
      balance += a.balance;
      hash += std::stoll(a.id);
    }
    const size_t records = accounts.size() + 2;
    add(&out, R"({"EX-REC-TYPE":"T","EX-TRAILER-BODY":{"EXT-RECORD-COUNT":)" +
                  std::to_string(records) + R"(,"EXT-ACCOUNT-COUNT":)" +
                  std::to_string(accounts.size()) +
                  R"(,"EXT-POSTING-COUNT":0,"EXT-BALANCE-TOTAL":)" + cents(balance) +
                  R"(,"EXT-DEBIT-TOTAL":0.00,"EXT-CREDIT-TOTAL":0.00,"EXT-HASH-TOTAL":)" +
                  std::to_string(static_cast<long long>(hash)) + "}}");
    return out;
  }

 private:
  void add(std::string* out, const std::string& json) {
    mappings::Record r;
    const Status s = codec_->fromJson(json, &r);
    ASSERT_TRUE(s.ok()) << s.toString() << "\n" << json;
    ASSERT_TRUE(codec_->encode(r, out).ok());
  }
  std::shared_ptr<const mappings::Layout> layout_;
  std::unique_ptr<mappings::RecordCodec> codec_;
};

// --- the fixture: a newcore process and bridgectl ------------------------------

class BackfillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bridgectl_backfill_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ASSERT_TRUE(newcore_.start("newcore",
                               {"--port", "0", "--dsn", "Driver=SQLite3;Database=" + path("nc.db")},
                               path("newcore.log")))
        << slurp(path("newcore.log"));
    port_ = newcore_.portAfter("listening on");
    ASSERT_GT(port_, 0) << newcore_.firstLine();
  }
  void TearDown() override {
    newcore_.stop(SIGTERM);
    if (!HasFailure()) {
      fs::remove_all(dir_);
    }
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  Outcome backfill(const std::string& args) const {
    static std::atomic<int> n{0};
    const std::string tag = std::to_string(n++);
    const std::string out = path("out" + tag), err = path("err" + tag);
    const std::string cmd = test_support::binDir() +
                            "/bridgectl backfill --newcore 127.0.0.1:" + std::to_string(port_) +
                            " --pack " + kPack + " " + args + " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  std::unique_ptr<idl::CoreBankingClient> client() const {
    using namespace apache::thrift;
    auto socket = std::make_shared<transport::TSocket>("127.0.0.1", port_);
    auto transport = std::make_shared<transport::TFramedTransport>(socket);
    auto c = std::make_unique<idl::CoreBankingClient>(
        std::make_shared<protocol::TBinaryProtocol>(transport));
    transport->open();
    return c;
  }

  // Every account of `line` the new core holds, by id.
  std::map<std::string, idl::Account> newAccounts(idl::ProductLine::type line) const {
    auto c = client();
    std::map<std::string, idl::Account> all;
    idl::ExtractRequest x;
    x.product_line = line;
    x.limit = 1000;
    while (true) {
      idl::ExtractPage page;
      c->extractAccounts(page, x);
      for (const idl::Account& a : page.accounts) {
        all[a.account_id] = a;
      }
      if (page.next_cursor.empty()) {
        return all;
      }
      x.__set_cursor(page.next_cursor);
    }
  }

  fs::path dir_;
  test_support::ChildProcess newcore_;
  int port_ = 0;
};

// The bank's own batch programs: SEED 400 accounts (100 per product line),
// EXTRACT them, load SAVINGS in batches, stopping after two and resuming
// from the checkpoint; a second run changes nothing.
TEST_F(BackfillTest, LoadsTheRealExtractResumesFromItsCheckpointAndIsIdempotent) {
  const std::string cobol = std::string(CB_BINARY_DIR) + "/cobol";
  ASSERT_TRUE(fs::exists(cobol + "/SEED")) << "the demo bank's batch programs are not built";
  fs::create_directories(path("bank"));
  const std::string env = "BANK_DATA_DIR=" + path("bank") + " BANK_BUSINESS_DATE=20261125 ";
  ASSERT_EQ(std::system((env + cobol + "/SEED 400 >/dev/null").c_str()), 0);
  ASSERT_EQ(
      std::system((env + cobol + "/EXTRACT 20261125 " + path("x.dat") + " >/dev/null").c_str()), 0);
  const std::string common =
      "--product-line SAVINGS --extract " + path("x.dat") + " --checkpoint " + path("cp");

  Outcome first = backfill(common + " --batch 30 --max-batches 2");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("60 of 100 accounts loaded in 2 batches"));
  EXPECT_THAT(first.out, HasSubstr("402 records, 400 accounts, 0 postings"));
  EXPECT_EQ(counted(first.out, "created"), 60);
  EXPECT_THAT(slurp(path("cp")), HasSubstr("accounts_done=60\n"));
  EXPECT_THAT(slurp(path("cp")), HasSubstr("complete=0\n"));
  // Not a tty: plain progress lines, none with \r.
  EXPECT_THAT(first.err, HasSubstr("60/100 accounts"));
  EXPECT_EQ(first.err.find('\r'), std::string::npos);
  EXPECT_EQ(newAccounts(idl::ProductLine::SAVINGS).size(), 60u);

  Outcome rest = backfill(common + " --batch 30 --quiet");
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_THAT(rest.out, HasSubstr("resumed after record"));
  EXPECT_EQ(counted(rest.out, "created"), 40);
  EXPECT_EQ(counted(rest.out, "updated"), 0);
  EXPECT_TRUE(rest.err.empty()) << rest.err;
  EXPECT_THAT(slurp(path("cp")), HasSubstr("complete=1\n"));
  const auto loaded = newAccounts(idl::ProductLine::SAVINGS);
  ASSERT_EQ(loaded.size(), 100u);
  EXPECT_TRUE(newAccounts(idl::ProductLine::CHECKING).empty()) << "another product line";
  // SEED's first savings account: g = 1, SAVB, 100.00 + 7919 / 100.
  const idl::Account& a = loaded.begin()->second;
  EXPECT_EQ(a.product_code, "SAVB");
  EXPECT_EQ(a.ledger_balance.minor_units, 10000 + 7919);
  EXPECT_EQ(a.status, idl::AccountStatus::ACTIVE);
  EXPECT_EQ(a.open_date, 20200101);

  // A finished checkpoint sends nothing; without one, all come back UPDATED
  // with the same values.
  Outcome done = backfill(common);
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_THAT(done.out, HasSubstr("already complete"));
  Outcome again = backfill("--product-line SAVINGS --quiet --extract " + path("x.dat"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(counted(again.out, "created"), 0);
  EXPECT_EQ(counted(again.out, "updated"), 100);
  EXPECT_EQ(counted(again.out, "ignored_stale"), 0);
  for (const auto& [id, now] : newAccounts(idl::ProductLine::SAVINGS)) {
    EXPECT_EQ(now, loaded.at(id)) << id;
  }
  // Term deposits keep their maturity (EXA-MATURITY-DATE, format version 4).
  Outcome td = backfill("--product-line TERM_DEPOSIT --quiet --extract " + path("x.dat"));
  ASSERT_EQ(td.exit_code, 0) << td.err;
  const auto deposits = newAccounts(idl::ProductLine::TERM_DEPOSIT);
  ASSERT_EQ(deposits.size(), 100u);
  EXPECT_EQ(deposits.begin()->second.product_code, "TD12");
  EXPECT_EQ(deposits.begin()->second.maturity_date, 20210101);
}

TEST_F(BackfillTest, ACheckpointOfAnotherExtractOrLineIsRefused) {
  ExtractWriter w;
  std::vector<LegacyAccount> bank;
  for (int s = 1; s <= 5; ++s) {
    bank.push_back({accountNumber(10, 1, s), "SAVB", 1000 * s, s});
  }
  std::ofstream(path("a.dat"), std::ios::binary) << w.write(bank, "101500");
  bank[0].balance += 1;
  std::ofstream(path("b.dat"), std::ios::binary) << w.write(bank, "101600");
  Outcome a = backfill("--quiet --product-line SAVINGS --extract " + path("a.dat") +
                       " --checkpoint " + path("cp") + " --batch 2 --max-batches 1");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const std::string before = slurp(path("cp"));
  Outcome b = backfill("--quiet --product-line SAVINGS --extract " + path("b.dat") +
                       " --checkpoint " + path("cp"));
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_THAT(b.err, HasSubstr("belongs to the SAVINGS backfill of " + path("a.dat")));
  Outcome line = backfill("--quiet --product-line CHECKING --extract " + path("a.dat") +
                          " --checkpoint " + path("cp"));
  EXPECT_EQ(line.exit_code, 2);
  EXPECT_THAT(line.err, HasSubstr("not to the CHECKING backfill"));
  EXPECT_EQ(slurp(path("cp")), before) << "left as it was";
  EXPECT_EQ(newAccounts(idl::ProductLine::SAVINGS).size(), 2u);
  Outcome usage = backfill("--product-line SAVINGS --extract " + path("a.dat") + " --batch 1001");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--batch"));
}

// Truncated, undecodable or out of balance: exit 1 naming the record, and
// nothing sent at all.
TEST_F(BackfillTest, ABadExtractIsNamedByRecordAndSendsNothing) {
  ExtractWriter w;
  std::vector<LegacyAccount> bank;
  for (int s = 1; s <= 8; ++s) {
    bank.push_back({accountNumber(10, 2, s), "SAVP", 500 * s, 3});
  }
  const std::string good = w.write(bank, "90000");
  auto attempt = [&](const std::string& bytes) {
    std::ofstream(path("bad.dat"), std::ios::binary | std::ios::trunc) << bytes;
    return backfill("--quiet --product-line SAVINGS --batch 2 --extract " + path("bad.dat"));
  };
  Outcome cut = attempt(good.substr(0, 150 * 6));
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_THAT(cut.err, HasSubstr("record 6 is the last and not the trailer: the extract is "
                                 "truncated; nothing was sent"));
  Outcome torn = attempt(good.substr(0, 150 * 6 + 40));
  EXPECT_EQ(torn.exit_code, 1);
  EXPECT_THAT(torn.err, HasSubstr("record 7: 40 bytes, not 150"));
  std::string packed = good;
  packed[150 * 4 + 31] = static_cast<char>(0xAB);  // record 5: EXA-LEDGER-BALANCE, packed
  Outcome undecodable = attempt(packed);
  EXPECT_EQ(undecodable.exit_code, 1);
  EXPECT_THAT(undecodable.err, HasSubstr("record 5 does not decode"));
  EXPECT_THAT(undecodable.err, HasSubstr("EXA-LEDGER-BALANCE"));
  std::vector<LegacyAccount> missing = bank;
  missing.erase(missing.begin() + 3);
  std::string short_one = w.write(missing, "90000");
  const std::string trailer = good.substr(good.size() - 150);
  short_one.replace(short_one.size() - 150, 150, trailer);  // the totals of all eight
  Outcome unbalanced = attempt(short_one);
  EXPECT_EQ(unbalanced.exit_code, 1);
  EXPECT_THAT(unbalanced.err, HasSubstr("record 9 (trailer): record count 10"));
  EXPECT_TRUE(newAccounts(idl::ProductLine::SAVINGS).empty());
  Outcome fine = attempt(good);
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(counted(fine.out, "created"), 8);
}

// The race: legacy keeps posting while the load runs, and each posting is
// dual-written to the new core with the sequence legacy gave it, as the
// bridge does (a write the new core refuses for now, NotFound or a gap,
// goes to a retry queue, as the bridge's repair queue would). Every race
// of docs/backfill.md happens at least once; at the end every account is
// equal on both sides, balance and last posting sequence.
TEST_F(BackfillTest, ABackfillRacingDualWritesEndsWithBothStoresEqual) {
  ExtractWriter w;
  std::map<std::string, LegacyAccount> legacy;
  for (int s = 1; s <= 600; ++s) {
    LegacyAccount a{accountNumber(10, 1, s), s % 2 ? "SAVB" : "SAVP", 10000 + s, s % 7};
    legacy[a.id] = a;
  }
  for (int s = 1; s <= 50; ++s) {
    LegacyAccount a{accountNumber(20, 1, s), "CHKP", 0, 0};
    legacy[a.id] = a;
  }
  auto extract = [&](const std::string& name, const std::string& time) {
    std::vector<LegacyAccount> all;
    for (const auto& [id, a] : legacy) {
      all.push_back(a);
    }
    std::ofstream(path(name), std::ios::binary) << w.write(all, time);
  };
  // A first load, from an older extract.
  extract("e0.dat", "60000");
  Outcome e0 = backfill("--quiet --product-line SAVINGS --extract " + path("e0.dat"));
  ASSERT_EQ(e0.exit_code, 0) << e0.err;

  // What legacy did next. Postings not dual-written (the product line still
  // LEGACY_ONLY) on every third account; accounts opened; and postings
  // legacy applied whose dual-writes are still in flight when the extract
  // is taken.
  struct Write {
    std::string id;
    int64_t amount;
    int64_t seq;
    std::string key;
  };
  int keys = 0;
  auto legacyPost = [&](const std::string& id, int64_t amount) {
    LegacyAccount& a = legacy.at(id);
    a.balance += amount;
    a.seq += 1;
    return Write{id, amount, a.seq, "DW" + std::to_string(keys++)};
  };
  std::vector<std::string> savings;
  for (const auto& [id, a] : legacy) {
    if (id.rfind("10", 0) == 0) {
      savings.push_back(id);
    }
  }
  for (size_t i = 0; i < savings.size(); i += 3) {
    legacyPost(savings[i], 100);
  }
  for (int s = 601; s <= 640; ++s) {
    LegacyAccount a{accountNumber(10, 1, s), "SAVB", 2500, 1};
    legacy[a.id] = a;
    savings.push_back(a.id);
  }
  std::deque<Write> in_flight;
  for (size_t i = 1; i < savings.size(); i += 5) {
    in_flight.push_back(legacyPost(savings[i], 7));
  }
  extract("e1.dat", "120000");

  auto c = client();
  int applied_or_skipped = 0, not_found = 0, gaps = 0;
  std::deque<Write> retry;
  auto deliver = [&](const Write& x) {
    idl::PostingRequest r;
    r.idempotency_key = x.key;
    r.account_id = x.id;
    r.direction = idl::Direction::CREDIT;
    r.amount.minor_units = x.amount;
    r.amount.currency = "USD";
    r.__set_business_date(20261125);
    r.__set_source_posting_seq(x.seq);
    idl::PostingResult out;
    try {
      c->post(out, r);
      EXPECT_EQ(out.posting_seq, x.seq) << x.id;
      ++applied_or_skipped;
      return true;
    } catch (const idl::NotFound&) {
      ++not_found;
    } catch (const idl::ServiceUnavailable&) {
      ++gaps;
    }
    return false;
  };
  auto send = [&](const Write& x) {
    if (!deliver(x)) {
      retry.push_back(x);
    }
  };
  auto drain = [&] {
    for (size_t n = retry.size(); n > 0; --n) {
      Write x = retry.front();
      retry.pop_front();
      send(x);
    }
  };
  // Before the load reaches them: half of the in-flight postings (a gap on
  // accounts legacy posted to meanwhile, applied on the others), a new
  // posting on an account legacy did not touch (applied: its snapshot comes
  // back IGNORED_STALE), postings to opened accounts (NotFound).
  for (size_t i = 0; i < in_flight.size() / 2; ++i) {
    send(in_flight.front());
    in_flight.pop_front();
  }
  send(legacyPost(savings[2], 11));
  for (size_t i = 600; i < savings.size(); i += 4) {
    send(legacyPost(savings[i], 13));
  }
  ASSERT_GT(gaps, 0);
  ASSERT_GT(not_found, 0);

  // The load, in small batches, while legacy keeps posting.
  Outcome load;
  std::atomic<bool> loading{true};
  std::thread loader([&] {
    load = backfill("--quiet --product-line SAVINGS --batch 10 --extract " + path("e1.dat"));
    loading = false;
  });
  std::mt19937 rng(42);
  int during = 0;
  while (loading || during < 200) {
    send(legacyPost(savings[rng() % savings.size()], 1 + static_cast<int64_t>(rng() % 500)));
    ++during;
    if (during % 10 == 0) {
      drain();
    }
  }
  loader.join();
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_GT(counted(load.out, "ignored_stale"), 0) << load.out;
  EXPECT_EQ(counted(load.out, "created"), 40) << "the opened accounts";
  // The rest of the in-flight postings arrive after their snapshots: skipped.
  while (!in_flight.empty()) {
    send(in_flight.front());
    in_flight.pop_front();
  }
  for (int round = 0; round < 50 && !retry.empty(); ++round) {
    drain();
  }
  ASSERT_TRUE(retry.empty()) << retry.size() << " postings never landed";

  const auto now = newAccounts(idl::ProductLine::SAVINGS);
  ASSERT_EQ(now.size(), savings.size());
  int differ = 0;
  for (const std::string& id : savings) {
    const LegacyAccount& a = legacy.at(id);
    const idl::Account& n = now.at(id);
    if (n.ledger_balance.minor_units != a.balance || n.last_posting_seq != a.seq) {
      ++differ;
      ADD_FAILURE() << id << ": legacy " << a.balance << " at seq " << a.seq << ", new core "
                    << n.ledger_balance.minor_units << " at seq " << n.last_posting_seq;
    }
  }
  EXPECT_EQ(differ, 0);
  EXPECT_GT(applied_or_skipped, 200);
}

}  // namespace
}  // namespace corebridge

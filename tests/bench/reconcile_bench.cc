// bridgectl reconcile end to end on a large bank: a legacy extract of N
// savings accounts (EXTRREC, written through the record codec) and a new
// store (SQLite over ODBC, newcore's schema) that agree, then one
// reconciliation of them through the same code as the command: the
// checksum method (tools/bridgectl/reconcile_checksum.h; the default) or
// the rows method (tools/bridgectl/reconcile_sources.h). Prints rows/s and
// where the time goes. Rows: every method's time splits into decode (the
// extract source), fetch (the store source), compare (the rest). Checksum:
// its stages run at once in their own threads, so it prints each stage's
// busy time beside the wall time.
//
//   reconcile_bench [--accounts N] [--postings-every K] [--dir DIR]
//                   [--method checksum|rows] [--workers W] [--range-accounts R]
//                   [--damaged D] [--keep]
//
// The sides go in DIR/cb-reconcile-bench (without --dir, a new folder in
// the temp directory); only that folder is ever removed.
// --damaged D: D accounts spread over the store have their balance off by a
// cent (undone after the run), so that D ranges are read row by row.
// N defaults to 10,000,000; every K-th account (default 10) has one posting
// of the business date on both sides. Building the two sides is timed
// separately and not counted.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "adapters/odbc/connection.h"
#include "mappings/copybook.h"
#include "mappings/pack.h"
#include "mappings/record_codec.h"
#include "mappings/select_rules.h"
#include "newcore/sql_schema.h"
#include "tools/bridgectl/extract_reader.h"
#include "tools/bridgectl/reconcile.h"
#include "tools/bridgectl/reconcile_checksum.h"
#include "tools/bridgectl/reconcile_sources.h"

namespace {

namespace fs = std::filesystem;
namespace rc = corebridge::tools::reconcile;
namespace mp = corebridge::mappings;
using Clock = std::chrono::steady_clock;
using corebridge::Status;

const std::string kSource = CB_SOURCE_DIR;
constexpr int64_t kFirst = 100000000000LL;  // "10": SAVINGS
constexpr int64_t kDate = 20261201;

// The same deterministic bank on both sides: account i's balance and whether
// it has a posting of the day (seq 1, a credit of its whole balance).
int64_t balanceOf(int64_t i) { return (i % 100000) * 7; }

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Args {
  int64_t accounts = 10'000'000;
  int64_t every = 10;
  std::string dir;
  std::string method = "checksum";
  bool keep = false;
  int64_t damaged = 0;  // accounts whose balance is off by a cent in the store
  rc::ChecksumOptions checksum;
};

bool fail(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "reconcile_bench: %s: %s\n", what, s.toString().c_str());
  }
  return !s.ok();
}

// Writes the extract through the codec: H, then per account A (and P), T.
Status writeExtract(const std::string& path, const Args& a) {
  mp::CopybookOptions copts;
  copts.dialect = mp::Dialect::gnuCobol();
  CB_ASSIGN_OR_RETURN(
      mp::Layout layout,
      mp::parseCopybookFile(kSource + "/legacy/cobol/copybooks/EXTRREC.cpy", copts));
  mp::CodecOptions options;
  CB_RETURN_IF_ERROR(
      mp::loadSelectFile(kSource + "/mappings/packs/demobank/extract-select.yaml", &options));
  auto shared = std::make_shared<const mp::Layout>(std::move(layout));
  CB_ASSIGN_OR_RETURN(auto codec, mp::RecordCodec::create(shared, options));
  auto fromJson = [&](const std::string& json, mp::Record* r) { return codec->fromJson(json, r); };
  mp::Record h, acct, post, trailer;
  CB_RETURN_IF_ERROR(fromJson(
      R"({"EX-REC-TYPE":"H","EX-HEADER-BODY":{"EXH-EXTRACT-ID":"DLYEXTR1","EXH-BUSINESS-DATE":20261201,"EXH-CREATED-DATE":20261201,"EXH-CREATED-TIME":0,"EXH-SOURCE-SYSTEM":"COREDDA","EXH-FORMAT-VERSION":4,"EXH-PRODUCT-FILTER":"ALL"}})",
      &h));
  CB_RETURN_IF_ERROR(fromJson(
      R"({"EX-REC-TYPE":"A","EX-ACCOUNT-BODY":{"EXA-ACCT-NUMBER":100000000000,"EXA-PRODUCT-CODE":"SAVB","EXA-CUSTOMER-ID":9000000,"EXA-STATUS":"A","EXA-CURRENCY":"USD","EXA-LEDGER-BALANCE":0.00,"EXA-AVAILABLE-BALANCE":0.00,"EXA-OVERDRAFT-LIMIT":0.00,"EXA-INTEREST-RATE":1.250000,"EXA-OPEN-DATE":20200101,"EXA-LAST-ACTIVITY-DATE":26335,"EXA-LAST-POSTING-SEQ":0,"EXA-HOLD-COUNT":0,"EXA-ACCRUED-INTEREST":0.00,"EXA-MATURITY-DATE":0,"EXA-CLOSE-DATE":0}})",
      &acct));
  CB_RETURN_IF_ERROR(fromJson(
      R"({"EX-REC-TYPE":"P","EX-POSTING-BODY":{"EXP-ACCT-NUMBER":100000000000,"EXP-POSTING-SEQ":1,"EXP-CHANNEL-TXN-ID":"RB00000000000000","EXP-TXN-CODE":1002,"EXP-BUSINESS-DATE":20261201,"EXP-DR-CR-CODE":"C","EXP-AMOUNT":0.00,"EXP-RUNNING-BALANCE":0.00,"EXP-DESCRIPTION":"BENCH DEPOSIT"}})",
      &post));
  // The slots the loop changes, by field. (encode appends to its output.)
  auto slotOf = [&](mp::Record& r, const char* name) -> mp::Value* {
    const int field = shared->find(name);
    for (mp::Slot& s : r.mutableSlots()) {
      if (s.field == field) {
        return &s.value;
      }
    }
    return nullptr;
  };
  mp::Value* number = slotOf(acct, "EXA-ACCT-NUMBER");
  mp::Value* ledger = slotOf(acct, "EXA-LEDGER-BALANCE");
  mp::Value* available = slotOf(acct, "EXA-AVAILABLE-BALANCE");
  mp::Value* last_seq = slotOf(acct, "EXA-LAST-POSTING-SEQ");
  mp::Value* p_number = slotOf(post, "EXP-ACCT-NUMBER");
  mp::Value* p_txn = slotOf(post, "EXP-CHANNEL-TXN-ID");
  mp::Value* p_amount = slotOf(post, "EXP-AMOUNT");
  mp::Value* p_running = slotOf(post, "EXP-RUNNING-BALANCE");
  if (!number || !ledger || !available || !last_seq || !p_number || !p_txn || !p_amount ||
      !p_running) {
    return corebridge::internalError("a template record lacks a field the bench sets");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string bytes;
  auto put = [&](const mp::Record& r) -> Status {
    bytes.clear();
    CB_RETURN_IF_ERROR(codec->encode(r, &bytes));
    out << bytes;
    return corebridge::okStatus();
  };
  CB_RETURN_IF_ERROR(put(h));
  mp::int128 balance_total = 0, credits = 0, hash = 0;
  int64_t postings = 0;
  char txn[32];
  for (int64_t i = 0; i < a.accounts; ++i) {
    const bool posted = i % a.every == 0;
    const int64_t bal = balanceOf(i);
    number->number = mp::Decimal::of(kFirst + i, 0);
    ledger->number = mp::Decimal::of(bal, 2);
    available->number = mp::Decimal::of(bal, 2);
    last_seq->number = mp::Decimal::of(posted ? 1 : 0, 0);
    CB_RETURN_IF_ERROR(put(acct));
    balance_total += bal;
    hash += kFirst + i;
    if (posted) {
      std::snprintf(txn, sizeof(txn), "RB%014lld", static_cast<long long>(i));
      p_number->number = mp::Decimal::of(kFirst + i, 0);
      p_txn->text = txn;
      p_amount->number = mp::Decimal::of(bal, 2);
      p_running->number = mp::Decimal::of(bal, 2);
      CB_RETURN_IF_ERROR(put(post));
      ++postings;
      credits += bal;
    }
  }
  const std::string t =
      "{\"EX-REC-TYPE\":\"T\",\"EX-TRAILER-BODY\":{\"EXT-RECORD-COUNT\":" +
      std::to_string(a.accounts + postings + 2) +
      ",\"EXT-ACCOUNT-COUNT\":" + std::to_string(a.accounts) +
      ",\"EXT-POSTING-COUNT\":" + std::to_string(postings) +
      ",\"EXT-BALANCE-TOTAL\":" + mp::Decimal::of(balance_total, 2).toString() +
      ",\"EXT-DEBIT-TOTAL\":0.00" +
      ",\"EXT-CREDIT-TOTAL\":" + mp::Decimal::of(credits, 2).toString() + ",\"EXT-HASH-TOTAL\":" +
      mp::Decimal::of(hash % corebridge::tools::kHashModulus, 0).toString() + "}}";
  CB_RETURN_IF_ERROR(fromJson(t, &trailer));
  CB_RETURN_IF_ERROR(put(trailer));
  out.close();
  return out ? corebridge::okStatus() : corebridge::internalError("cannot write " + path);
}

// The same bank in newcore's schema, generated inside SQLite.
Status writeStore(const std::string& dsn, const Args& a) {
  CB_ASSIGN_OR_RETURN(auto c, corebridge::adapters::odbc::Connection::open(dsn));
  CB_RETURN_IF_ERROR(corebridge::newcore::applyMigrations(*c).status());
  const std::string n = std::to_string(a.accounts), k = std::to_string(a.every);
  const std::string series =
      "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < " + n + ") ";
  CB_RETURN_IF_ERROR(c->execute("PRAGMA journal_mode=OFF"));
  CB_RETURN_IF_ERROR(c->execute("PRAGMA synchronous=OFF"));
  CB_RETURN_IF_ERROR(c->execute(
      "INSERT INTO nc_accounts " + series + "SELECT printf('%012d', " + std::to_string(kFirst) +
      " + i), 1, 'SAVB', 9000000, 1, 'USD', (i % 100000) * 7, (i % 100000) * 7, 0, 0, 1250000, "
      "20200101, 0, 0, CASE WHEN i % " +
      k + " = 0 THEN 1 ELSE 0 END, 0 FROM s"));
  CB_RETURN_IF_ERROR(c->execute(
      "INSERT INTO nc_postings " + series + "SELECT printf('%012d', " + std::to_string(kFirst) +
      " + i), 1, " + std::to_string(kDate) +
      ", 1002, 2, (i % 100000) * 7, 'USD', (i % 100000) * 7, printf('RB%014d', i), 'TLR', "
      "'BENCH', 'BENCH DEPOSIT' FROM s WHERE i % " +
      k + " = 0"));
  return corebridge::okStatus();
}

int benchMain(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--accounts" && i + 1 < argc) {
      a.accounts = std::atoll(argv[++i]);
    } else if (arg == "--postings-every" && i + 1 < argc) {
      a.every = std::max<int64_t>(1, std::atoll(argv[++i]));
    } else if (arg == "--dir" && i + 1 < argc) {
      a.dir = argv[++i];
    } else if (arg == "--method" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "checksum" || std::string(argv[i + 1]) == "rows")) {
      a.method = argv[++i];
    } else if (arg == "--damaged" && i + 1 < argc) {
      a.damaged = std::max<int64_t>(0, std::atoll(argv[++i]));
    } else if (arg == "--keep") {
      a.keep = true;
    } else if (arg == "--workers" && i + 1 < argc) {
      a.checksum.workers = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--range-accounts" && i + 1 < argc) {
      a.checksum.range_accounts = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else {
      std::fprintf(stderr,
                   "usage: reconcile_bench [--accounts N] [--postings-every K] [--dir DIR] "
                   "[--method checksum|rows] [--workers W] [--range-accounts R] [--damaged D] "
                   "[--keep]\n");
      return 2;
    }
  }
  // Its own folder under --dir (only that is ever removed), named without
  // the pid there so that --keep finds it again.
  const std::string dir =
      a.dir.empty()
          ? (fs::temp_directory_path() / ("cb-reconcile-bench-" + std::to_string(::getpid())))
                .string()
          : (fs::path(a.dir) / "cb-reconcile-bench").string();
  // --keep: the sides stay in DIR, and a later run with --keep and the same
  // --accounts and --postings-every reuses them.
  const std::string stamp =
      dir + "/built-" + std::to_string(a.accounts) + "-" + std::to_string(a.every);
  const bool reuse = a.keep && fs::exists(stamp);
  if (!reuse) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  const std::string extract = dir + "/extract.dat";
  const std::string dsn = "Driver=SQLite3;Database=" + dir + "/new.db";
  auto t0 = Clock::now();
  if (!reuse && fail(writeExtract(extract, a), "writing the extract")) {
    return 1;
  }
  const double extract_s = secondsSince(t0);
  t0 = Clock::now();
  if (!reuse && fail(writeStore(dsn, a), "writing the store")) {
    return 1;
  }
  const double store_s = secondsSince(t0);
  if (reuse) {
    std::printf("reconcile_bench: %lld savings accounts, a posting every %lld; the sides in %s\n",
                static_cast<long long>(a.accounts), static_cast<long long>(a.every), dir.c_str());
  } else {
    std::printf(
        "reconcile_bench: %lld savings accounts, a posting every %lld; built the extract "
        "(%.0f MB) in %.1f s and the SQLite store in %.1f s (not counted)\n",
        static_cast<long long>(a.accounts), static_cast<long long>(a.every),
        static_cast<double>(fs::file_size(extract)) / 1e6, extract_s, store_s);
  }

  auto pack = mp::loadPack(kSource + "/mappings/packs/demobank/pack.yaml");
  auto reader = corebridge::tools::ExtractReader::open(
      extract, kSource + "/legacy/cobol/copybooks/EXTRREC.cpy",
      kSource + "/mappings/packs/demobank/extract-select.yaml");
  if (!pack.ok() || !reader.ok()) {
    std::fprintf(stderr, "reconcile_bench: %s\n",
                 (!pack.ok() ? pack.status() : reader.status()).toString().c_str());
    return 1;
  }
  const auto damage = [&](int sign) {
    if (a.damaged == 0) {
      return true;
    }
    auto c = corebridge::adapters::odbc::Connection::open(dsn);
    return c.ok() &&
           (*c)->execute("UPDATE nc_accounts SET ledger_balance = ledger_balance + " +
                         std::to_string(sign) + " WHERE rowid % " +
                         std::to_string(std::max<int64_t>(1, a.accounts / a.damaged)) + " = 1")
               .ok();
  };
  if (!damage(+1)) {
    std::fprintf(stderr, "reconcile_bench: cannot damage the store\n");
    return 1;
  }
  t0 = Clock::now();
  rc::ExtractSource legacy(**reader, (*pack)->product_lines, "SAVINGS", (*pack)->minor_digits);
  int64_t date = 0;
  if (fail(legacy.header(&date), "the extract's header")) {
    return 1;
  }
  corebridge::Result<rc::Reconciliation> result = corebridge::invalidArgument("not run");
  uint64_t rows = 0;
  std::string split;
  if (a.method == "checksum") {
    a.checksum.keep = 1000;
    rc::ChecksumStats st;
    result = rc::runChecksum(legacy, dsn, (*pack)->product_lines, "SAVINGS", date, a.checksum, &st);
    rows = st.rows;
    auto s = [](int64_t ns) { return static_cast<double>(ns) / 1e9; };
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "checksum method, %d workers, ranges of %zu accounts: %llu ranges, %llu summed "
                  "equal, %llu read row by row\nCPU time per stage (they overlap): decode %.2f "
                  "s, range sums %.2f s (all workers), rows %.2f s, postings %.2f s, merge and "
                  "compare %.2f s",
                  a.checksum.workers, a.checksum.range_accounts,
                  static_cast<unsigned long long>(st.ranges),
                  static_cast<unsigned long long>(st.ranges_matched),
                  static_cast<unsigned long long>(st.ranges_fetched), s(st.decode_ns),
                  s(st.sums_ns), s(st.fetch_ns), s(st.postings_ns), s(st.merge_ns));
    split = buf;
  } else {
    rc::RowsStats st;
    result = rc::runRows(legacy, dsn, (*pack)->product_lines, "SAVINGS", date, 1000, &st);
    rows = st.rows;
    const double total = secondsSince(t0);
    const double decode = static_cast<double>(legacy.busyNanos()) / 1e9;
    const double fetch = static_cast<double>(st.fetch_ns) / 1e9;  // execute included
    const double compare = std::max(0.0, total - decode - fetch);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "rows method\ntime split: decode %.2f s (%.0f %%), fetch %.2f s (%.0f %%), "
                  "compare %.2f s (%.0f %%)",
                  decode, 100 * decode / total, fetch, 100 * fetch / total, compare,
                  100 * compare / total);
    split = buf;
  }
  const double total = secondsSince(t0);
  if (!result.ok()) {
    fail(result.status(), "reconciling");
    return 1;
  }
  std::printf(
      "reconciled %llu accounts (%llu rows on both sides) in %.2f s: %.0f rows/s, %s, "
      "%llu differences\n%s\n",
      static_cast<unsigned long long>(result->accounts_matched),
      static_cast<unsigned long long>(rows), total, static_cast<double>(rows) / total,
      result->balanced() ? "in balance" : "OUT OF BALANCE",
      static_cast<unsigned long long>(result->differences), split.c_str());
  damage(-1);
  if (a.keep) {
    std::ofstream(stamp) << "built\n";
  } else {
    fs::remove_all(dir);
  }
  return result->balanced() == (a.damaged == 0) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return benchMain(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reconcile_bench: %s\n", e.what());
    return 1;
  }
}

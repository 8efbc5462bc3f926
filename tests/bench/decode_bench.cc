// Decode throughput: generates at least 200 MB of mixed-type banking records
// (zoned, packed, binary, text; cp037, IBM dialect), then decodes them on one
// thread (1) to typed values in memory and (2) to JSON Lines in memory, and
// prints MB/s and records/s for each: the median of the runs and the spread.
// A third figure decodes the same records through a codec with a select rule
// (as multi-record files decode): the rule is evaluated on every record to
// pick the record's shape.
//
//   decode_bench [--mb N] [--runs N] [--only typed|json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mappings/copybook.h"
#include "mappings/record_codec.h"

using namespace corebridge;
using namespace corebridge::mappings;

namespace {

// A demo-bank account master record: 220 bytes of mixed usages.
constexpr const char kCopybook[] = R"(
       01  ACCOUNT-MASTER.
           05  ACCT-NUMBER           PIC X(12).
           05  ACCT-PRODUCT          PIC X(4).
           05  ACCT-CUSTOMER-ID      PIC 9(10).
           05  ACCT-STATUS           PIC X.
               88  ACCT-OPEN         VALUE 'O'.
               88  ACCT-CLOSED       VALUE 'C'.
           05  ACCT-CURRENCY         PIC X(3).
           05  ACCT-LEDGER-BAL       PIC S9(13)V99 COMP-3.
           05  ACCT-AVAIL-BAL        PIC S9(13)V99 COMP-3.
           05  ACCT-OD-LIMIT         PIC S9(9)V99  COMP-3.
           05  ACCT-INT-RATE         PIC S9(3)V9(6) COMP-3.
           05  ACCT-ACCRUED          PIC S9(11)V99.
           05  ACCT-OPEN-DATE        PIC 9(8).
           05  ACCT-LAST-ACT-JUL     PIC 9(5) COMP-3.
           05  ACCT-LAST-POST-SEQ    PIC 9(9) COMP.
           05  ACCT-POST-COUNT       PIC S9(4) COMP.
           05  ACCT-BRANCH           PIC 9(4).
           05  ACCT-BRANCH-X REDEFINES ACCT-BRANCH PIC X(4).
           05  ACCT-NAME             PIC X(40).
           05  ACCT-HOLDS OCCURS 3 TIMES.
               10  HOLD-AMOUNT       PIC S9(11)V99 COMP-3.
               10  HOLD-EXPIRY       PIC 9(8).
               10  HOLD-REASON       PIC X(10).
           05  ACCT-LIMIT-BIN        PIC S9(18) COMP.
           05  FILLER                PIC X(14).
)";

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Figures {
  double mb_per_s;
  double records_per_s;
};

Figures median(std::vector<Figures> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Figures& a, const Figures& b) { return a.mb_per_s < b.mb_per_s; });
  return runs[runs.size() / 2];
}

void fail(const Status& s, const char* what) {
  std::fprintf(stderr, "decode_bench: %s: %s\n", what, s.toString().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 200;
  int runs = 5;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0) mb = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
  }
  Result<Layout> layout = parseCopybook(kCopybook, "bench-account.cpy", CopybookOptions{});
  if (!layout.ok()) fail(layout.status(), "copybook");
  auto shared = std::make_shared<const Layout>(std::move(*layout));
  Result<std::unique_ptr<RecordCodec>> codec = RecordCodec::create(shared, CodecOptions{});
  if (!codec.ok()) fail(codec.status(), "codec");
  const size_t len = shared->maxLength();

  // Generate: one JSON template, then vary every numeric and text field.
  std::vector<std::string> names = {"SAVINGS CUSTOMER ONE", "CHECKING J SMITH",
                                    "TERM DEPOSIT MUELLER GMBH", "LOAN ACCOUNT 7"};
  const size_t count = (mb * 1000 * 1000 + len - 1) / len;
  std::string data;
  data.reserve(count * len);
  Record rec;
  std::string json;
  uint64_t x = 88172645463325252ull;
  auto rnd = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (size_t i = 0; i < count; ++i) {
    if (i < 4096) {
      long long bal = static_cast<long long>(rnd() % 200000000000ull) - 50000000000ll;
      json = "{\"ACCT-NUMBER\":\"" + std::to_string(100000000000ull + i) +
             "\",\"ACCT-PRODUCT\":\"SAV\",\"ACCT-CUSTOMER-ID\":" +
             std::to_string(rnd() % 9999999999ull) +
             ",\"ACCT-STATUS\":\"O\",\"ACCT-CURRENCY\":\"EUR\",\"ACCT-LEDGER-BAL\":" +
             std::to_string(bal / 100) + "." +
             std::to_string(100 + std::llabs(bal) % 100).substr(1) +
             ",\"ACCT-AVAIL-BAL\":-12.05,\"ACCT-OD-LIMIT\":5000.00,\"ACCT-INT-RATE\":1.250000,"
             "\"ACCT-ACCRUED\":-" +
             std::to_string(rnd() % 100000) +
             ".07,\"ACCT-OPEN-DATE\":20190314,"
             "\"ACCT-LAST-ACT-JUL\":26329,\"ACCT-LAST-POST-SEQ\":" +
             std::to_string(rnd() % 999999999) +
             ",\"ACCT-POST-COUNT\":-17,\"ACCT-BRANCH\":1042,\"ACCT-NAME\":\"" +
             names[i % names.size()] +
             "\",\"ACCT-HOLDS\":[{\"HOLD-AMOUNT\":100.00,\"HOLD-EXPIRY\":20261231,\"HOLD-REASON\":"
             "\"CARD\"},"
             "{\"HOLD-AMOUNT\":0.00,\"HOLD-EXPIRY\":0,\"HOLD-REASON\":\"\"},"
             "{\"HOLD-AMOUNT\":-3.50,\"HOLD-EXPIRY\":20270101,\"HOLD-REASON\":\"LEGAL\"}],"
             "\"ACCT-LIMIT-BIN\":-123456789012345678}";
      Status st = (*codec)->fromJson(json, &rec);
      if (st.ok()) st = (*codec)->encode(rec, &data);
      if (!st.ok()) fail(st, "generate");
    } else {
      data.append(data, (i % 4096) * len, len);  // repeat the varied records
    }
  }
  const double total_mb = static_cast<double>(data.size()) / 1e6;
  std::printf("decode_bench: %zu records of %zu bytes, %.1f MB, cp037 IBM dialect, 1 thread\n",
              count, len, total_mb);

  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  CodecOptions select_options;
  select_options.select.push_back({"ACCT-STATUS", {"O"}, "ACCT-BRANCH"});
  Result<std::unique_ptr<RecordCodec>> select_codec = RecordCodec::create(shared, select_options);
  if (!select_codec.ok()) fail(select_codec.status(), "codec with select rule");
  std::vector<Figures> typed, jsonl, selected;
  size_t json_bytes = 0;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < count && only != "json"; ++i) {
      Status st = (*codec)->decode(bytes + i * len, len, &rec);
      if (!st.ok()) fail(st, "decode");
    }
    double s = seconds(std::chrono::steady_clock::now() - t0);
    typed.push_back({total_mb / s, count / s});

    t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < count && only != "json"; ++i) {
      Status st = (*select_codec)->decode(bytes + i * len, len, &rec);
      if (!st.ok()) fail(st, "decode (select rule)");
    }
    s = seconds(std::chrono::steady_clock::now() - t0);
    selected.push_back({total_mb / s, count / s});

    std::string out;
    out.reserve(1 << 21);
    json_bytes = 0;
    t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < count && only != "typed"; ++i) {
      Status st = (*codec)->decode(bytes + i * len, len, &rec);
      if (!st.ok()) fail(st, "decode");
      (*codec)->toJson(rec, &out);
      out.push_back('\n');
      if (out.size() > (1 << 20)) {  // as a writer would hand it to write(2)
        json_bytes += out.size();
        out.clear();
      }
    }
    json_bytes += out.size();
    s = seconds(std::chrono::steady_clock::now() - t0);
    jsonl.push_back({total_mb / s, count / s});
  }
  auto range = [](std::vector<Figures> v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end(), [](const Figures& a, const Figures& b) {
      return a.mb_per_s < b.mb_per_s;
    });
    return std::make_pair(lo->mb_per_s, hi->mb_per_s);
  };
  Figures t = median(typed), j = median(jsonl), w = median(selected);
  auto [tlo, thi] = range(typed);
  auto [jlo, jhi] = range(jsonl);
  auto [slo, shi] = range(selected);
  std::printf(
      "to typed values: %8.1f MB/s  %10.0f records/s  (median of %d; range %.1f-%.1f MB/s)\n",
      t.mb_per_s, t.records_per_s, runs, tlo, thi);
  std::printf(
      "typed, selected:  %8.1f MB/s  %10.0f records/s  (median of %d; range %.1f-%.1f MB/s; "
      "a select rule picks each record's shape)\n",
      w.mb_per_s, w.records_per_s, runs, slo, shi);
  std::printf(
      "to JSON Lines:   %8.1f MB/s  %10.0f records/s  (median of %d; range %.1f-%.1f MB/s; "
      "%.1f MB of JSON per run)\n",
      j.mb_per_s, j.records_per_s, runs, jlo, jhi, json_bytes / 1e6);
  return 0;
}

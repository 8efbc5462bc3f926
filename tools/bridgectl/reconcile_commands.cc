// bridgectl reconcile: the legacy extract against the new store, one
// product line, for a person and for automation (docs/reconcile.md).
//
// Both sides come in account order and are merged by
// tools/bridgectl/reconcile.h. The new store is read by the checksum method
// (tools/bridgectl/reconcile_checksum.h: the database sums ranges of
// accounts, only ranges that differ are read row by row) or, with --method
// rows, ORDER BY account_id (tools/bridgectl/reconcile_sources.h); its
// postings of the business date are read row by row either way. Writes
// DIR/summary.json, DIR/differences.csv and DIR/report.html; account
// numbers are masked in all three.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/logging.h"
#include "mappings/pack.h"
#include "tools/bridgectl/admin_client.h"
#include "tools/bridgectl/args.h"
#include "tools/bridgectl/commands.h"
#include "tools/bridgectl/extract_reader.h"
#include "tools/bridgectl/range_checksum.h"
#include "tools/bridgectl/reconcile.h"
#include "tools/bridgectl/reconcile_checksum.h"
#include "tools/bridgectl/reconcile_sources.h"

namespace corebridge::tools {

namespace {

namespace fs = std::filesystem;
namespace rc = reconcile;
using Clock = std::chrono::steady_clock;

constexpr const char kReconcileHelp[] =
    R"(usage: bridgectl reconcile --product-line P --extract FILE --new-store DSN --out DIR [options]

Compares one product line of the legacy daily extract (EXTRACT, laid out by
EXTRREC.cpy) with the new store over ODBC, keyed by account: accounts on one
side only, master fields that differ (money compared in minor units), and
the business date's postings (from the start of the new store's history of
each account: a backfilled account's earlier postings are in its snapshot).
Control totals (accounts, sum of balances, hash total of account numbers,
postings, debits, credits) are computed for each side.

  --product-line P   the product line, as the pack's product_lines name it
  --extract FILE     the extract file (its header names the business date)
  --new-store DSN    the new store's ODBC connection string
  --out DIR          where report.html, differences.csv and summary.json go
                     (created if missing; the three files are replaced)
  --pack DIR         the mapping pack (default mappings/packs/demobank)
  --copybooks DIR    where EXTRREC.cpy is (default: the pack's copybook_dir)
  --max-rows N       differences kept in full for the report and the CSV
                     (default 100000; all are counted)
  --method M         checksum (the default): the new store's database sums
                     ranges of accounts and only a range whose sums differ
                     from the extract's is read row by row; rows: every
                     account row is read and compared (docs/reconcile.md)
  --range-accounts N legacy accounts per range (checksum; default 4096, at
                     most 1000000)
  --workers N        connections summing ranges at once (checksum; default 2,
                     at most 64)
  --quiet            no summary on stdout
  --record           then POST summary.json to the admin API's
                     /api/v1/reconciliations (operator role), with the
                     connection options below
  --help             this text

Exit: 0 in balance, 1 out of balance (a difference, or a control total that
differs) or --record failed, 2 the command line, a file or the store cannot
be used.

)";

int usageError(const std::string& message) {
  std::fprintf(stderr, "bridgectl reconcile: %s\n", message.c_str());
  return 2;
}

std::string str128(mappings::int128 v) { return mappings::Decimal::of(v, 0).toString(); }
std::string money128(mappings::int128 v) { return mappings::Decimal::of(v, 2).toString(); }

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct RunInfo {
  std::string line, extract, store_kind, method;
  std::string method_note;  // why the checksum method was not used
  int64_t business_date = 0;
  double seconds = 0;
  uint64_t rows = 0;         // accounts and postings reconciled on both sides
  rc::ChecksumStats ranges;  // the checksum method's
};

// The control totals side by side: name, legacy, new.
std::vector<std::array<std::string, 3>> totalsRows(const rc::Reconciliation& r) {
  return {
      {"accounts", std::to_string(r.legacy.accounts), std::to_string(r.fresh.accounts)},
      {"sum of ledger balances", money128(r.legacy.balance), money128(r.fresh.balance)},
      {"hash total of account numbers", str128(r.legacy.hash), str128(r.fresh.hash)},
      {"postings compared", std::to_string(r.legacy.postings), std::to_string(r.fresh.postings)},
      {"debits", money128(r.legacy.debits), money128(r.fresh.debits)},
      {"credits", money128(r.legacy.credits), money128(r.fresh.credits)}};
}

Status writeCsv(const std::string& path, const rc::Reconciliation& r) {
  std::ofstream out(path, std::ios::trunc);
  out << "kind,record,account,key,field,legacy,new\n";
  for (const rc::Difference& d : r.kept) {
    out << rc::kindName(d.kind) << ',' << d.record << ',' << maskAccount(d.account) << ','
        << csvField(d.key) << ',' << d.field << ',' << csvField(d.legacy) << ','
        << csvField(d.fresh) << '\n';
  }
  out.close();
  return out ? okStatus() : internalError("cannot write " + path);
}

Status writeJson(const std::string& path, const rc::Reconciliation& r, const RunInfo& info) {
  std::ostringstream j;
  auto side = [&](const rc::Totals& t) {
    j << "{\"accounts\":" << t.accounts << ",\"balance_total\":" << jsonString(money128(t.balance))
      << ",\"hash_total\":" << jsonString(str128(t.hash)) << ",\"postings\":" << t.postings
      << ",\"debit_total\":" << jsonString(money128(t.debits))
      << ",\"credit_total\":" << jsonString(money128(t.credits)) << "}";
  };
  j << "{\"product_line\":" << jsonString(info.line) << ",\"business_date\":" << info.business_date
    << ",\"extract\":" << jsonString(info.extract)
    << ",\"balanced\":" << (r.balanced() ? "true" : "false") << ",\"totals\":{\"legacy\":";
  side(r.legacy);
  j << ",\"new\":";
  side(r.fresh);
  j << "},\"accounts_matched\":" << r.accounts_matched
    << ",\"postings_before_history\":" << r.postings_before_history
    << ",\"postings_in_snapshot\":" << r.postings_in_snapshot
    << ",\"differences\":{\"total\":" << r.differences << ",\"kept\":" << r.kept.size()
    << ",\"by_kind\":{";
  bool first = true;
  for (const auto& [k, n] : r.by_kind) {
    j << (first ? "" : ",") << jsonString(k) << ":" << n;
    first = false;
  }
  j << "}},\"method\":" << jsonString(info.method);
  if (!info.method_note.empty()) {
    j << ",\"method_note\":" << jsonString(info.method_note);
  }
  if (info.method == "checksum") {
    j << ",\"ranges\":{\"total\":" << info.ranges.ranges
      << ",\"sums_agree\":" << info.ranges.ranges_matched
      << ",\"read_row_by_row\":" << info.ranges.ranges_fetched
      << ",\"account_rows_read\":" << info.ranges.rows_fetched << "}";
  }
  j << ",\"seconds\":" << info.seconds << ",\"rows_reconciled\":" << info.rows << "}\n";
  std::ofstream out(path, std::ios::trunc);
  out << j.str();
  out.close();
  return out ? okStatus() : internalError("cannot write " + path);
}

// How the new side was read, in words.
std::string methodText(const RunInfo& info) {
  if (info.method != "checksum") {
    return "Method: rows (every account row of the new store read and compared" +
           (info.method_note.empty() ? std::string() : "; not checksum: " + info.method_note) +
           ").";
  }
  const rc::ChecksumStats& c = info.ranges;
  return "Method: checksum. Account ranges: " + std::to_string(c.ranges) + " in all, " +
         std::to_string(c.ranges_matched) + " proved equal by the new store's sums, " +
         std::to_string(c.ranges_fetched) + " compared row by row (" +
         std::to_string(c.rows_fetched) + " account rows read). Postings are always read.";
}

Status writeHtml(const std::string& path, const rc::Reconciliation& r, const RunInfo& info) {
  std::ostringstream h;
  const bool ok = r.balanced();
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>Reconciliation " << html(info.line) << " " << info.business_date << "</title>\n"
    << "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
       "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}"
       ".ok{color:#11691b}.bad{color:#a40000}th{background:#f3f3f3}</style></head><body>\n";
  h << "<h1>Reconciliation: " << html(info.line) << ", business date " << info.business_date
    << "</h1>\n<p class=\"" << (ok ? "ok" : "bad") << "\" id=\"verdict\"><strong>"
    << (ok ? "IN BALANCE" : "OUT OF BALANCE") << "</strong>: " << r.differences << " differences, "
    << r.accounts_matched << " accounts on both sides, " << r.postings_before_history
    << " legacy postings in backfill snapshots (not compared).</p>\n<p>Legacy: the extract "
    << html(info.extract) << ". New: the new store (" << html(info.store_kind) << "). " << info.rows
    << " rows reconciled in " << info.seconds << " s.</p>\n<p id=\"method\">" << methodText(info)
    << "</p>\n";
  h << "<h2>Control totals</h2>\n<table id=\"totals\"><tr><th>total</th><th>legacy</th>"
       "<th>new</th><th></th></tr>\n";
  for (const auto& row : totalsRows(r)) {
    const bool same = row[1] == row[2];
    h << "<tr><td>" << row[0] << "</td><td class=\"n\">" << row[1] << "</td><td class=\"n\">"
      << row[2] << "</td><td class=\"" << (same ? "ok\">equal" : "bad\">differs") << "</td></tr>\n";
  }
  h << "</table>\n<h2>Differences by kind</h2>\n";
  if (r.by_kind.empty()) {
    h << "<p>None.</p>\n";
  } else {
    uint64_t most = 1;
    for (const auto& [k, n] : r.by_kind) {
      most = std::max(most, n);
    }
    const int bar_h = 22, label_w = 300, chart_w = 420;
    h << "<svg id=\"chart\" width=\"" << label_w + chart_w + 80 << "\" height=\""
      << bar_h * static_cast<int>(r.by_kind.size()) + 10
      << "\" role=\"img\" aria-label=\"differences by kind\">\n";
    int y = 0;
    for (const auto& [k, n] : r.by_kind) {
      const int w =
          std::max(1, static_cast<int>(static_cast<double>(chart_w) * static_cast<double>(n) /
                                       static_cast<double>(most)));
      h << "<text x=\"0\" y=\"" << y + 15 << "\">" << html(k) << "</text><rect x=\"" << label_w
        << "\" y=\"" << y + 3 << "\" width=\"" << w << "\" height=\"" << bar_h - 6
        << "\" fill=\"#a40000\"/><text x=\"" << label_w + w + 6 << "\" y=\"" << y + 15 << "\">" << n
        << "</text>\n";
      y += bar_h;
    }
    h << "</svg>\n";
  }
  const size_t shown = std::min<size_t>(r.kept.size(), 1000);
  h << "<h2>Differences</h2>\n<p>" << shown << " of " << r.differences
    << " shown here; differences.csv has " << r.kept.size()
    << " (--max-rows). Account numbers are masked.</p>\n<table id=\"differences\"><tr>"
       "<th>kind</th><th>record</th><th>account</th><th>key</th><th>field</th><th>legacy</th>"
       "<th>new</th></tr>\n";
  for (size_t i = 0; i < shown; ++i) {
    const rc::Difference& d = r.kept[i];
    h << "<tr><td>" << rc::kindName(d.kind) << "</td><td>" << d.record << "</td><td>"
      << html(maskAccount(d.account)) << "</td><td>" << html(d.key) << "</td><td>" << d.field
      << "</td><td class=\"n\">" << html(d.legacy) << "</td><td class=\"n\">" << html(d.fresh)
      << "</td></tr>\n";
  }
  h << "</table>\n</body></html>\n";
  std::ofstream out(path, std::ios::trunc);
  out << h.str();
  out.close();
  return out ? okStatus() : internalError("cannot write " + path);
}

}  // namespace

int reconcileCommand(int argc, char** argv) {
  std::vector<OptionSpec> spec = {
      {"product-line", true}, {"extract", true},   {"new-store", true},      {"out", true},
      {"pack", true},         {"copybooks", true}, {"max-rows", true},       {"quiet", false},
      {"record", false},      {"method", true},    {"range-accounts", true}, {"workers", true},
      {"help", false}};
  const std::vector<OptionSpec> connection = connectionOptions();
  spec.insert(spec.end(), connection.begin(), connection.end());
  Result<Args> args = Args::parse(argc, argv, 2, spec);
  if (!args.ok()) {
    return usageError(args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kReconcileHelp, stdout);
    std::fputs(kConnectionHelp, stdout);
    return 0;
  }
  for (const OptionSpec& o : connection) {
    if (args->has(o.name) && !args->has("record")) {
      return usageError("--" + o.name + " goes with --record");
    }
  }
  if (args->has("record")) {
    if (Result<AdminOptions> admin = adminOptionsFrom(*args); !admin.ok()) {
      return usageError(admin.status().message());
    }
  }
  if (!args->positional().empty()) {
    return usageError("unexpected argument '" + args->positional()[0] + "'");
  }
  for (const char* required : {"product-line", "extract", "new-store", "out"}) {
    if (!args->has(required)) {
      return usageError(std::string("--") + required + " is required (see --help)");
    }
  }
  const std::string line = args->get("product-line");
  unsigned long long max_rows = 0, range_accounts = 0, workers = 0;
  for (auto [name, fallback, min, max, out] :
       {std::make_tuple("max-rows", "100000", 0ULL, 1ULL << 30, &max_rows),
        std::make_tuple("range-accounts", "4096", 1ULL,
                        static_cast<unsigned long long>(rc::kMaxRangeAccounts), &range_accounts),
        std::make_tuple("workers", "2", 1ULL, 64ULL, &workers)}) {
    const std::string text = args->get(name, fallback);
    char* end = nullptr;
    *out = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || text[0] == '-' || *out < min || *out > max) {
      return usageError(std::string("--") + name + " '" + text + "' is not a count from " +
                        std::to_string(min) + " to " + std::to_string(max));
    }
  }
  std::string method = args->get("method", "checksum");
  if (method != "checksum" && method != "rows") {
    return usageError("--method '" + method + "' is not checksum or rows");
  }
  if (method == "rows" && (args->has("range-accounts") || args->has("workers"))) {
    return usageError("--range-accounts and --workers go with --method checksum");
  }
  const std::string pack_dir = args->get("pack", "mappings/packs/demobank");
  Result<std::shared_ptr<const mappings::Pack>> pack = mappings::loadPack(pack_dir + "/pack.yaml");
  if (!pack.ok()) {
    return usageError(pack.status().message());
  }
  const std::vector<std::string> lines = (*pack)->lines();
  if (std::find(lines.begin(), lines.end(), line) == lines.end()) {
    return usageError("--product-line '" + line + "' is not one of the pack's product lines");
  }
  std::string copybooks = args->get("copybooks");
  if (copybooks.empty() && !(*pack)->transactions.empty()) {
    copybooks = fs::path((*pack)->transactions.front().copybook).parent_path().string();
  }
  const std::string select = pack_dir + "/extract-select.yaml";
  auto reader = ExtractReader::open(args->get("extract"), copybooks + "/EXTRREC.cpy",
                                    fs::exists(select) ? select : std::string());
  if (!reader.ok()) {
    return usageError("--extract: " + reader.status().message());
  }
  const auto t0 = Clock::now();
  rc::ExtractSource legacy(**reader, (*pack)->product_lines, line, (*pack)->minor_digits);
  RunInfo info;
  info.line = line;
  info.extract = args->get("extract");
  if (Status s = legacy.header(&info.business_date); !s.ok()) {
    return usageError("--extract: " + s.message());
  }
  const std::string dsn = args->get("new-store");
  info.store_kind = dsn.find("SQLite") != std::string::npos       ? "SQLite"
                    : dsn.find("PostgreSQL") != std::string::npos ? "PostgreSQL"
                    : dsn.find("MariaDB") != std::string::npos    ? "MariaDB"
                                                                  : "ODBC";
  if (method == "checksum") {
    Result<std::string> refusal = rc::checksumRefusal(dsn, (*pack)->product_lines, line);
    if (!refusal.ok()) {
      return usageError("--new-store: " + refusal.status().message());
    }
    if (!refusal->empty()) {
      std::fprintf(stderr, "bridgectl reconcile: not the checksum method (%s): reading every row\n",
                   refusal->c_str());
      method = "rows";
      info.method_note = *refusal;
    }
  }
  info.method = method;
  rc::RowsStats rows_stats;
  Result<rc::Reconciliation> r =
      method == "checksum"
          ? rc::runChecksum(legacy, dsn, (*pack)->product_lines, line, info.business_date,
                            {static_cast<size_t>(range_accounts), static_cast<int>(workers),
                             static_cast<size_t>(max_rows)},
                            &info.ranges)
          : rc::runRows(legacy, dsn, (*pack)->product_lines, line, info.business_date,
                        static_cast<size_t>(max_rows), &rows_stats);
  if (!r.ok()) {
    return usageError(r.status().message());
  }
  info.rows = method == "checksum" ? info.ranges.rows : rows_stats.rows;
  info.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::string out_dir = args->get("out");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    return usageError("--out: cannot create " + out_dir + ": " + ec.message());
  }
  for (const Status& s :
       {writeCsv(out_dir + "/differences.csv", *r), writeJson(out_dir + "/summary.json", *r, info),
        writeHtml(out_dir + "/report.html", *r, info)}) {
    if (!s.ok()) {
      return usageError(s.message());
    }
  }
  if (!args->has("quiet")) {
    std::printf("reconcile %s, business date %lld: %s\n", line.c_str(),
                static_cast<long long>(info.business_date),
                r->balanced() ? "IN BALANCE" : "OUT OF BALANCE");
    std::printf("  %-32s %22s %22s\n", "control total", "legacy", "new");
    for (const auto& row : totalsRows(*r)) {
      std::printf("  %-32s %22s %22s%s\n", row[0].c_str(), row[1].c_str(), row[2].c_str(),
                  row[1] == row[2] ? "" : "  DIFFERS");
    }
    std::printf("  differences: %llu", static_cast<unsigned long long>(r->differences));
    for (const auto& [k, n] : r->by_kind) {
      std::printf("; %s %llu", k.c_str(), static_cast<unsigned long long>(n));
    }
    std::printf(
        "\n  %llu legacy postings in backfill snapshots (not compared; %llu of them "
        "answered by the new core as already included)\n",
        static_cast<unsigned long long>(r->postings_before_history),
        static_cast<unsigned long long>(r->postings_in_snapshot));
    std::printf("  %s\n  %llu rows in %.2f s (%.0f rows/s); report in %s/report.html\n",
                methodText(info).c_str(), static_cast<unsigned long long>(info.rows), info.seconds,
                info.seconds > 0 ? static_cast<double>(info.rows) / info.seconds : 0.0,
                out_dir.c_str());
  }
  if (args->has("record")) {
    if (const int rc = recordReconciliation(*args, out_dir + "/summary.json", args->has("quiet"));
        rc != 0) {
      return rc;
    }
  }
  return r->balanced() ? 0 : 1;
}

}  // namespace corebridge::tools

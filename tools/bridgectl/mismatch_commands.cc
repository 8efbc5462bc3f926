// bridgectl mismatches: what the comparator found, read from the mismatch
// store (dualwrite/sql_mismatch_store.h), as a table or JSON Lines.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "dualwrite/sql_mismatch_store.h"
#include "mappings/json.h"
#include "tools/bridgectl/args.h"

namespace corebridge::tools {

int mismatchesCommand(int argc, char** argv);

namespace {

constexpr const char kMismatchesHelp[] = R"(usage: bridgectl mismatches --store DSN [options]

Lists the mismatches the bridge's comparator recorded, newest first: one row
per field that differed (time, trancode, product line, account masked, field
path, legacy value, new value), or one JSON object per mismatch with --json.
Account numbers are stored masked; nothing here unmasks them.

  --store DSN              the mismatch store: an ODBC connection string
                           ("Driver=SQLite3;Database=mismatches.db",
                           "Driver=PostgreSQL Unicode;Server=...") or the path
                           of a SQLite file
  --trancode T             only this transaction code (ACCTPOST)
  --product-line P         only this product line (SAVINGS)
  --field F                only mismatches where this field differed: its
                           COBOL name (PST-LEDGER-BALANCE) or full path
  --since TIME             only mismatches at or after TIME, UTC
                           (2024-03-15 or 2024-03-15T10:00:00Z)
  --limit N                at most N mismatches (default 50; 0: all)
  --by-field               per field: how many mismatches and differences
  --json                   JSON Lines instead of a table
  --help                   this text

)";

int usageError(const std::string& message) {
  std::fprintf(stderr, "bridgectl mismatches: %s\n", message.c_str());
  return 2;
}

// "PATH" (no '=') means a SQLite file, which must exist.
Result<std::string> connectionString(const std::string& store) {
  if (store.find('=') != std::string::npos) {
    return store;
  }
  if (!std::filesystem::exists(store)) {
    return notFound("no mismatch store file " + store);
  }
  return "Driver=SQLite3;Database=" + store;
}

// "YYYY-MM-DD[THH:MM:SS[Z]]" (a space may replace the T) as UTC.
Result<std::chrono::system_clock::time_point> parseTime(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail[8] = {0};
  const int n =
      std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail);
  const bool date_only = n == 3 && text.size() == 10;
  const bool full = n >= 6 && (n == 6 || std::string(tail) == "Z");
  if ((!date_only && !full) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      s > 60) {
    return invalidArgument("--since '" + text +
                           "' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string formatTime(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The path without its 01 record name, which every row would repeat.
std::string shortPath(const std::string& path) {
  const size_t dot = path.find('.');
  const size_t space = path.find(' ');
  if (dot == std::string::npos || (space != std::string::npos && space < dot)) {
    return path;
  }
  return path.substr(dot + 1);
}

std::string cell(const std::string& s, size_t width) {
  if (s.size() <= width) {
    return s;
  }
  return s.substr(0, width - 3) + "...";
}

void printTable(const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMaxWidth = 48;
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], std::min(kMaxWidth, row[i].size()));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string c = cell(row[i], kMaxWidth);
      line += c;
      if (i + 1 < row.size()) {
        line.append(width[i] - c.size() + 2, ' ');
      }
    }
    std::printf("%s\n", line.c_str());
  }
}

// A stored payload is JSON written by the comparator; anything else is
// shown as a string rather than breaking the line.
void appendPayload(const std::string& payload, std::string* out) {
  if (mappings::JsonValue::parse(payload).ok()) {
    out->append(payload);
  } else {
    mappings::appendJsonString(payload, out);
  }
}

std::string jsonLine(const dualwrite::Mismatch& m) {
  std::string out = "{\"time\":";
  mappings::appendJsonString(formatTime(m.time), &out);
  auto member = [&](const char* key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    mappings::appendJsonString(value, &out);
  };
  member("trancode", m.trancode);
  member("product_line", m.product_line);
  member("stage", m.stage);
  member("primary", dualwrite::sideName(m.primary));
  member("txn_id", m.txn_id);
  member("account", m.account);
  out += ",\"differences\":[";
  for (size_t i = 0; i < m.differences.size(); ++i) {
    const dualwrite::FieldDifference& d = m.differences[i];
    out += i == 0 ? "{\"kind\":" : ",{\"kind\":";
    mappings::appendJsonString(dualwrite::differenceKindName(d.kind), &out);
    out += ",\"path\":";
    mappings::appendJsonString(d.path, &out);
    out += ",\"field\":";
    mappings::appendJsonString(d.field, &out);
    out += ",\"legacy\":";
    mappings::appendJsonString(d.legacy, &out);
    out += ",\"new\":";
    mappings::appendJsonString(d.new_value, &out);
    out += '}';
  }
  out += "],\"legacy_payload\":";
  appendPayload(m.legacy_payload, &out);
  out += ",\"new_payload\":";
  appendPayload(m.new_payload, &out);
  out += '}';
  return out;
}

int listMismatches(dualwrite::SqlMismatchStore& store, const dualwrite::MismatchFilter& filter,
                   bool json) {
  auto listed = store.list(filter);
  if (!listed.ok()) {
    std::fprintf(stderr, "bridgectl mismatches: %s\n", listed.status().toString().c_str());
    return 1;
  }
  if (json) {
    for (const dualwrite::Mismatch& m : *listed) {
      std::printf("%s\n", jsonLine(m).c_str());
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "TRANCODE", "PRODUCT LINE", "ACCOUNT", "FIELD", "LEGACY", "NEW"}};
  for (const dualwrite::Mismatch& m : *listed) {
    for (const dualwrite::FieldDifference& d : m.differences) {
      rows.push_back({formatTime(m.time), m.trancode, m.product_line, m.account, shortPath(d.path),
                      d.legacy, d.new_value});
    }
    if (m.differences.empty()) {
      rows.push_back({formatTime(m.time), m.trancode, m.product_line, m.account, "-", "", ""});
    }
  }
  printTable(rows);
  std::printf("%zu mismatches\n", listed->size());
  return 0;
}

int countFields(dualwrite::SqlMismatchStore& store, const dualwrite::MismatchFilter& filter,
                bool json) {
  auto counts = store.countsByField(filter);
  if (!counts.ok()) {
    std::fprintf(stderr, "bridgectl mismatches: %s\n", counts.status().toString().c_str());
    return 1;
  }
  if (json) {
    for (const dualwrite::FieldCount& c : *counts) {
      std::string line = "{\"field\":";
      mappings::appendJsonString(c.field, &line);
      line += fmt::format(",\"mismatches\":{},\"differences\":{}}}", c.mismatches, c.differences);
      std::printf("%s\n", line.c_str());
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"FIELD", "MISMATCHES", "DIFFERENCES"}};
  for (const dualwrite::FieldCount& c : *counts) {
    rows.push_back({c.field, std::to_string(c.mismatches), std::to_string(c.differences)});
  }
  printTable(rows);
  return 0;
}

}  // namespace

int mismatchesCommand(int argc, char** argv) {
  Result<Args> args = Args::parse(argc, argv, 2,
                                  {{"store", true},
                                   {"trancode", true},
                                   {"product-line", true},
                                   {"field", true},
                                   {"since", true},
                                   {"limit", true},
                                   {"by-field", false},
                                   {"json", false},
                                   {"help", false}});
  if (!args.ok()) {
    return usageError(args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kMismatchesHelp, stdout);
    return 0;
  }
  if (!args->positional().empty()) {
    return usageError("unexpected argument '" + args->positional()[0] + "'");
  }
  if (!args->has("store")) {
    return usageError("--store DSN is required");
  }
  dualwrite::MismatchFilter filter;
  filter.trancode = args->get("trancode");
  filter.product_line = args->get("product-line");
  filter.field = args->get("field");
  filter.limit = 50;
  if (args->has("limit")) {
    const std::string n = args->get("limit");
    if (n.empty() || n.size() > 9 ||
        !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return usageError("--limit '" + n + "' is not a number");
    }
    filter.limit = std::stoul(n);
  }
  if (args->has("since")) {
    auto since = parseTime(args->get("since"));
    if (!since.ok()) {
      return usageError(since.status().message());
    }
    filter.since = *since;
  }
  auto cs = connectionString(args->get("store"));
  if (!cs.ok()) {
    return usageError(cs.status().message());
  }
  dualwrite::MismatchStoreOptions options;
  options.read_only = true;
  options.pool_size = 1;
  auto store = dualwrite::SqlMismatchStore::open(*cs, options);
  if (!store.ok()) {
    return usageError(store.status().message());
  }
  const bool json = args->has("json");
  return args->has("by-field") ? countFields(**store, filter, json)
                               : listMismatches(**store, filter, json);
}

}  // namespace corebridge::tools

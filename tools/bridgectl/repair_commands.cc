// bridgectl repairs: the repair cases of the bridge (dualwrite/repair_store.h,
// docs/repairs.md), read from the repair store: a list as a table or JSON
// Lines, or one case with its history.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "common/logging.h"
#include "dualwrite/comparator.h"
#include "dualwrite/sql_repair_store.h"
#include "mappings/json.h"
#include "tools/bridgectl/args.h"
#include "tools/bridgectl/commands.h"

namespace corebridge::tools {

namespace {

using dualwrite::RepairCase;
using dualwrite::RepairEvent;

constexpr const char kRepairsHelp[] = R"(usage: bridgectl repairs --store DSN [options]
       bridgectl repairs --store DSN --case ID [--json]

Lists the bridge's repair cases, newest first: secondary calls still owed
(secondary_failed, backlog, parked) and divergences not yet resolved
(divergence). With --case, one case and its history (opened, retry_failed,
retried, resynced, compared_differs, compared_agrees, closed). Account
numbers are shown masked, and so are long digit runs in errors.

  --store DSN              the repair store: an ODBC connection string
                           ("Driver=SQLite3;Database=repairs.db",
                           "Driver=PostgreSQL Unicode;Server=...") or the path
                           of a SQLite file
  --open                   only open cases
  --closed                 only closed cases
  --account N              only cases whose call touches account N (the
                           full number)
  --product-line P         only this product line (SAVINGS)
  --limit N                at most N cases (default 50; 0: all)
  --case ID                this case and its history
  --json                   JSON Lines instead of a table
  --help                   this text

)";

constexpr const char* kStageNames[] = {"LEGACY_ONLY", "DUAL_WRITE", "SHADOW", "NEW_PRIMARY",
                                       "NEW_ONLY"};

int usageError(const std::string& message) {
  std::fprintf(stderr, "bridgectl repairs: %s\n", message.c_str());
  return 2;
}

int readError(const Status& status) {
  std::fprintf(stderr, "bridgectl repairs: %s\n", status.toString().c_str());
  return 1;
}

bool isNumber(const std::string& n, size_t max_digits) {
  return !n.empty() && n.size() <= max_digits &&
         std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string formatMs(int64_t ms) {
  if (ms == 0) {
    return "-";
  }
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string stageText(int stage) {
  if (stage < 0 || stage > 4) {
    return std::to_string(stage);
  }
  return fmt::format("{} ({})", stage, kStageNames[stage]);
}

std::string maskedAccounts(const std::vector<std::string>& accounts) {
  std::string out;
  for (const std::string& a : accounts) {
    out += (out.empty() ? "" : ", ") + maskAccount(a);
  }
  return out;
}

std::string masked(const std::string& text) { return dualwrite::maskFreeText(text, true); }

// Columns padded to their widest cell; cells longer than `cut` (0: none)
// cut with "...".
void printRows(const std::vector<std::vector<std::string>>& rows, size_t cut) {
  const size_t limit = cut == 0 ? std::string::npos : cut;
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], std::min(limit, row[i].size()));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string c = row[i].size() > limit ? row[i].substr(0, limit - 3) + "..." : row[i];
      if (i + 1 < row.size()) {
        c.resize(widths[i] + 2, ' ');
      }
      line += c;
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string caseJson(const RepairCase& c) {
  std::string out = fmt::format("{{\"id\":{}", c.id);
  auto member = [&](const char* key, std::string_view value) {
    out += fmt::format(",\"{}\":", key);
    mappings::appendJsonString(value, &out);
  };
  member("opened", formatMs(c.opened_at_ms));
  member("updated", formatMs(c.updated_at_ms));
  member("closed", formatMs(c.closed_at_ms));
  member("kind", dualwrite::repairKindName(c.kind));
  member("state", dualwrite::repairStateName(c.state));
  member("product_line", c.product_line);
  member("account", maskAccount(c.account));
  out += ",\"accounts\":[";
  for (size_t i = 0; i < c.accounts.size(); ++i) {
    out += i == 0 ? "" : ",";
    mappings::appendJsonString(maskAccount(c.accounts[i]), &out);
  }
  out += "]";
  member("trancode", c.trancode);
  member("txn_id", c.txn_id);
  out += fmt::format(",\"stage\":{}", c.stage);
  member("primary", c.primary == 1 ? "new" : "legacy");
  out += fmt::format(",\"compare\":{},\"attempts\":{}", c.compare ? "true" : "false", c.attempts);
  member("last_error", masked(c.last_error));
  out += fmt::format(",\"commarea_bytes\":{},\"primary_zz\":{},\"primary_reply_bytes\":{}",
                     c.commarea.size(), c.primary_zz, c.primary_reply.size());
  return out;  // the caller closes the object
}

int listCases(dualwrite::RepairStore& store, const dualwrite::RepairFilter& filter, bool json) {
  auto listed = store.list(filter);
  if (!listed.ok()) {
    return readError(listed.status());
  }
  if (json) {
    for (const RepairCase& c : *listed) {
      std::printf("%s}\n", caseJson(c).c_str());
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "OPENED", "KIND", "STATE", "PRODUCT LINE",
                                                 "ACCOUNT", "TRANCODE", "TXN ID", "ATTEMPTS",
                                                 "LAST ERROR"}};
  for (const RepairCase& c : *listed) {
    rows.push_back({std::to_string(c.id), formatMs(c.opened_at_ms),
                    std::string(dualwrite::repairKindName(c.kind)),
                    std::string(dualwrite::repairStateName(c.state)), c.product_line,
                    maskAccount(c.account), c.trancode, c.txn_id, std::to_string(c.attempts),
                    masked(c.last_error)});
  }
  printRows(rows, 48);
  std::printf("%zu cases\n", listed->size());
  return 0;
}

int showCase(dualwrite::RepairStore& store, int64_t id, bool json) {
  auto c = store.getCase(id);
  if (!c.ok()) {
    return readError(c.status());
  }
  auto history = store.history(id);
  if (!history.ok()) {
    return readError(history.status());
  }
  if (json) {
    std::string out = caseJson(*c) + ",\"history\":[";
    for (size_t i = 0; i < history->size(); ++i) {
      const RepairEvent& e = (*history)[i];
      out += i == 0 ? "{\"at\":" : ",{\"at\":";
      mappings::appendJsonString(formatMs(e.at_ms), &out);
      out += ",\"event\":";
      mappings::appendJsonString(e.event, &out);
      out += ",\"detail\":";
      mappings::appendJsonString(masked(e.detail), &out);
      out += '}';
    }
    std::printf("%s]}\n", out.c_str());
    return 0;
  }
  std::printf("case %lld: %s, %s\n", static_cast<long long>(c->id),
              std::string(dualwrite::repairKindName(c->kind)).c_str(),
              std::string(dualwrite::repairStateName(c->state)).c_str());
  printRows(
      {
          {"  product line", c->product_line},
          {"  account", maskAccount(c->account)},
          {"  accounts", maskedAccounts(c->accounts)},
          {"  trancode", c->trancode},
          {"  txn id", c->txn_id},
          {"  stage", stageText(c->stage)},
          {"  primary", c->primary == 1 ? "new" : "legacy"},
          {"  compared", c->compare ? "yes" : "no"},
          {"  request", fmt::format("{} bytes", c->commarea.size())},
          {"  primary reply",
           fmt::format("{} bytes, ZZ {}", c->primary_reply.size(), c->primary_zz)},
          {"  attempts", std::to_string(c->attempts)},
          {"  last error", masked(c->last_error)},
          {"  opened", formatMs(c->opened_at_ms)},
          {"  updated", formatMs(c->updated_at_ms)},
          {"  closed", formatMs(c->closed_at_ms)},
      },
      0);
  std::printf("history:\n");
  std::vector<std::vector<std::string>> rows;
  for (const RepairEvent& e : *history) {
    rows.push_back({"  " + formatMs(e.at_ms), e.event, masked(e.detail)});
  }
  printRows(rows, 0);
  return 0;
}

// "PATH" (no '=') means a SQLite file, which must exist.
Result<std::string> connectionString(const std::string& store) {
  if (store.find('=') != std::string::npos) {
    return store;
  }
  if (!std::filesystem::exists(store)) {
    return notFound("no repair store file " + store);
  }
  return "Driver=SQLite3;Database=" + store;
}

}  // namespace

int repairsCommand(int argc, char** argv) {
  Result<Args> args = Args::parse(argc, argv, 2,
                                  {{"store", true},
                                   {"open", false},
                                   {"closed", false},
                                   {"account", true},
                                   {"product-line", true},
                                   {"limit", true},
                                   {"case", true},
                                   {"json", false},
                                   {"help", false}});
  if (!args.ok()) {
    return usageError(args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kRepairsHelp, stdout);
    return 0;
  }
  if (!args->positional().empty()) {
    return usageError("unexpected argument '" + args->positional()[0] + "'");
  }
  if (!args->has("store")) {
    return usageError("--store DSN is required");
  }
  if (args->has("open") && args->has("closed")) {
    return usageError("--open and --closed exclude each other");
  }
  dualwrite::RepairFilter filter;
  if (args->has("open") || args->has("closed")) {
    filter.state =
        args->has("open") ? dualwrite::RepairState::kOpen : dualwrite::RepairState::kClosed;
  }
  filter.account = args->get("account");
  filter.product_line = args->get("product-line");
  filter.limit = 50;
  if (args->has("limit")) {
    const std::string n = args->get("limit");
    if (!isNumber(n, 9)) {
      return usageError("--limit '" + n + "' is not a number");
    }
    filter.limit = std::stoul(n);
  }
  int64_t case_id = 0;
  if (args->has("case")) {
    const std::string n = args->get("case");
    if (!isNumber(n, 18)) {
      return usageError("--case '" + n + "' is not a case id");
    }
    for (const char* other : {"open", "closed", "account", "product-line", "limit"}) {
      if (args->has(other)) {
        return usageError(std::string("--case shows one case: --") + other + " does not apply");
      }
    }
    case_id = std::stoll(n);
  }
  auto cs = connectionString(args->get("store"));
  if (!cs.ok()) {
    return usageError(cs.status().message());
  }
  dualwrite::RepairStoreOptions options;
  options.read_only = true;
  options.pool_size = 1;
  auto store = dualwrite::SqlRepairStore::open(*cs, options);
  if (!store.ok()) {
    return usageError(store.status().message());
  }
  const bool json = args->has("json");
  return args->has("case") ? showCase(**store, case_id, json) : listCases(**store, filter, json);
}

}  // namespace corebridge::tools

// bridgectl status, flags, audit, hash-password, hash-token and
// reconcile --record: the migration team's side of the cutover control
// plane (docs/cutover-control.md), through the admin API
// (tools/bridgectl/admin_client.h). Tables for a person by default; --json
// prints the API's own JSON for scripts.
//
// `audit verify` does not ask the server whether its log is sound: it
// fetches every entry and recomputes the chain here (bridge/audit_chain.h),
// so a server (or a database) that lies is caught.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bridge/audit_chain.h"
#include "bridge/auth.h"
#include "bridge/control_json.h"
#include "mappings/json.h"
#include "tools/bridgectl/admin_client.h"
#include "tools/bridgectl/args.h"
#include "tools/bridgectl/commands.h"

namespace corebridge::tools {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kStages[] = {"LEGACY_ONLY", "DUAL_WRITE", "SHADOW", "NEW_PRIMARY",
                                   "NEW_ONLY"};

// ---- reading the API's JSON (lenient: a missing member reads as empty) ----

std::string str(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) {
    return "";
  }
  try {
    return o->get(key).convert<std::string>();
  } catch (const Poco::Exception&) {
    return "";
  }
}

int64_t num(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) {
    return 0;
  }
  try {
    return o->get(key).convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    return 0;
  }
}

double real(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) {
    return 0;
  }
  try {
    return o->get(key).convert<double>();
  } catch (const Poco::Exception&) {
    return 0;
  }
}

bool truth(const Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) {
    return false;
  }
  try {
    return o->get(key).convert<bool>();
  } catch (const Poco::Exception&) {
    return false;
  }
}

Object::Ptr obj(const Object::Ptr& o, const std::string& key) {
  return o.isNull() ? Object::Ptr() : o->getObject(key);
}

Array::Ptr arr(const Object::Ptr& o, const std::string& key) {
  return o.isNull() ? Array::Ptr() : o->getArray(key);
}

// The objects of an array member (non-objects skipped).
std::vector<Object::Ptr> objects(const Object::Ptr& o, const std::string& key) {
  std::vector<Object::Ptr> out;
  Array::Ptr a = arr(o, key);
  if (a.isNull()) {
    return out;
  }
  for (size_t i = 0; i < a->size(); ++i) {
    if (Object::Ptr item = a->getObject(static_cast<unsigned>(i)); !item.isNull()) {
      out.push_back(item);
    }
  }
  return out;
}

// ---- formatting ----

std::string formatMs(int64_t ms) {
  if (ms <= 0) {
    return "-";
  }
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "1 entry", "3 entries".
std::string counted(size_t n, const std::string& noun) {
  if (n == 1) {
    return "1 " + noun;
  }
  const bool y = noun.size() > 1 && noun.back() == 'y';
  return std::to_string(n) + " " + (y ? noun.substr(0, noun.size() - 1) + "ies" : noun + "s");
}

// 0.005 -> "0.50%".
std::string percent(double rate) { return fmt::format("{:.2f}%", rate * 100); }

// A guard threshold: "off" for 0 (disabled).
std::string threshold(double rate) { return rate == 0 ? "off" : percent(rate); }

// "20261103" -> "2026-11-03".
std::string businessDate(const std::string& d) {
  if (d.size() == 8 &&
      std::all_of(d.begin(), d.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
  }
  return d.empty() ? "-" : d;
}

// A line's stage and ramp in words, as the audit shows them: "SHADOW",
// "NEW_PRIMARY 25%".
std::string settingText(const Object::Ptr& line) {
  const std::string stage = str(line, "stage");
  return stage == "NEW_PRIMARY" ? fmt::format("{} {}%", stage, num(line, "ramp")) : stage;
}

std::string guardText(const Object::Ptr& guard) {
  return fmt::format("mismatch {}, errors {}, {} s, {} calls",
                     threshold(real(guard, "max_mismatch_rate")),
                     threshold(real(guard, "max_error_rate")), num(guard, "window_seconds"),
                     num(guard, "min_samples"));
}

bool sameGuard(const Object::Ptr& a, const Object::Ptr& b) {
  for (const char* k : {"max_mismatch_rate", "max_error_rate", "window_seconds", "min_samples"}) {
    if (real(a, k) != real(b, k)) {
      return false;
    }
  }
  return true;
}

// "LEGACY_ONLY -> DUAL_WRITE", with the guard when it changes.
std::string transition(const Object::Ptr& from, const Object::Ptr& to) {
  std::string out = settingText(from) + " -> " + settingText(to);
  if (!sameGuard(obj(from, "guard"), obj(to, "guard"))) {
    out += "; guard " + guardText(obj(from, "guard")) + " -> " + guardText(obj(to, "guard"));
  }
  return out;
}

// What a person reads from a cell: control characters (a newline in a
// reason, a terminal escape) become spaces.
std::string printable(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  return out;
}

// Characters, not bytes, of UTF-8 text.
size_t width(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The first `n` characters of UTF-8 text.
std::string prefix(const std::string& s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) {
        return s.substr(0, i);
      }
      ++chars;
    }
  }
  return s;
}

// A table: a header row and rows, each column padded to its widest cell;
// a column with a cut shows at most that many characters ("..." at the end).
class Table {
 public:
  struct Column {
    std::string name;
    size_t cut = 0;  // 0: never cut
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void add(std::vector<std::string> row) {
    for (size_t i = 0; i < row.size() && i < columns_.size(); ++i) {
      row[i] = printable(row[i]);
      if (columns_[i].cut > 3 && width(row[i]) > columns_[i].cut) {
        row[i] = prefix(row[i], columns_[i].cut - 3) + "...";
      }
    }
    rows_.push_back(std::move(row));
  }

  std::string text() const {
    std::vector<size_t> widths(columns_.size());
    for (size_t i = 0; i < columns_.size(); ++i) {
      widths[i] = width(columns_[i].name);
      for (const auto& row : rows_) {
        widths[i] = std::max(widths[i], i < row.size() ? width(row[i]) : 0);
      }
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l;
      for (size_t i = 0; i < columns_.size(); ++i) {
        const std::string cell = i < cells.size() ? cells[i] : "";
        l += cell;
        if (i + 1 < columns_.size()) {
          l.append(widths[i] - width(cell) + 2, ' ');
        }
      }
      while (!l.empty() && l.back() == ' ') {
        l.pop_back();
      }
      out += l + "\n";
    };
    std::vector<std::string> header;
    for (const Column& c : columns_) {
      header.push_back(c.name);
    }
    line(header);
    for (const auto& row : rows_) {
      line(row);
    }
    return out;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// ---- command plumbing ----

int usageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "bridgectl %s: %s\n", command.c_str(), message.c_str());
  return 2;
}

// The server refused or failed: its error and rule on stderr (and, for
// --json, its error body on stdout). Exit 1.
int serverError(const std::string& command, const AdminClient& client, const Status& status,
                bool json) {
  const ApiError& e = client.lastError();
  if (e.http_status == 0) {
    std::fprintf(stderr, "bridgectl %s: %s\n", command.c_str(), status.message().c_str());
    return 1;
  }
  std::string where = "HTTP " + std::to_string(e.http_status);
  if (!e.rule.empty()) {
    where += ", rule " + e.rule;
  }
  if (!e.field.empty()) {
    where += ", field " + e.field;
  }
  std::fprintf(stderr, "bridgectl %s: %s by the server (%s): %s\n", command.c_str(),
               e.http_status == 409 || e.http_status == 403 ? "refused" : "failed", where.c_str(),
               status.message().c_str());
  if (json && !e.body.empty()) {
    std::printf("%s\n", e.body.c_str());
  }
  return 1;
}

std::vector<OptionSpec> withConnection(std::vector<OptionSpec> spec) {
  for (OptionSpec& o : connectionOptions()) {
    spec.push_back(std::move(o));
  }
  spec.push_back({"json", false});
  spec.push_back({"help", false});
  return spec;
}

// Parses the command line of `command` (from argv[first]); prints --help.
// nullopt with *exit_code set when the command is done (help or error).
std::optional<Args> parseCommand(const std::string& command, int argc, char** argv, int first,
                                 const std::vector<OptionSpec>& spec, const char* help,
                                 size_t max_positional, int* exit_code) {
  Result<Args> args = Args::parse(argc, argv, first, withConnection(spec));
  if (!args.ok()) {
    *exit_code = usageError(command, args.status().message());
    return std::nullopt;
  }
  if (args->has("help")) {
    std::fputs(help, stdout);
    std::fputs(kConnectionHelp, stdout);
    *exit_code = 0;
    return std::nullopt;
  }
  if (args->positional().size() > max_positional) {
    *exit_code =
        usageError(command, "unexpected argument '" + args->positional()[max_positional] + "'");
    return std::nullopt;
  }
  return std::move(*args);
}

// The client of the command's connection options, logged in: nullopt with
// *exit_code set (2 bad options, 1 the login failed).
std::optional<AdminClient> openClient(const std::string& command, const Args& args,
                                      int* exit_code) {
  Result<AdminOptions> options = adminOptionsFrom(args);
  if (!options.ok()) {
    *exit_code = usageError(command, options.status().message());
    return std::nullopt;
  }
  Result<AdminClient> client = AdminClient::create(std::move(*options));
  if (!client.ok()) {
    *exit_code = usageError(command, client.status().message());
    return std::nullopt;
  }
  if (Status s = client->logIn(); !s.ok()) {
    *exit_code = serverError(command, *client, s, args.has("json"));
    return std::nullopt;
  }
  return std::move(*client);
}

bool isCount(const std::string& s, size_t max_digits = 9) {
  return !s.empty() && s.size() <= max_digits &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A rate between 0 and 1 ("0.01"), or nullopt.
std::optional<double> parseRate(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(v >= 0 && v <= 1)) {
    return std::nullopt;
  }
  return v;
}

// Prints the JSON body as received, for --json.
int printJson(const ApiReply& reply) {
  std::printf("%s\n", reply.body.c_str());
  return 0;
}

// ---- status ----

constexpr const char kStatusHelp[] = R"(usage: bridgectl status [options]

Every product line as the answering bridge instance sees it: stage and ramp,
its live figures over the instance's guard window (requests per second,
mismatch rate of compared calls, error rate of new-side calls), open repair
cases, pending change requests and the latest reconciliation recorded.

  --json               the API's JSON (GET /api/v1/status)
  --help               this text

)";

// A count the server could not read is negative: "?".
std::string count(int64_t n) { return n < 0 ? "?" : std::to_string(n); }

std::string rateCell(int64_t of, int64_t bad, double rate) {
  return of == 0 ? "-" : fmt::format("{} ({}/{})", percent(rate), bad, of);
}

std::string reconciliationCell(const Object::Ptr& r) {
  if (r.isNull()) {
    return "none";
  }
  const std::string date = businessDate(str(r, "business_date"));
  if (truth(r, "balanced")) {
    return fmt::format("balanced, {} (#{})", date, num(r, "id"));
  }
  return fmt::format("OUT OF BALANCE, {} differences, {} (#{})", num(r, "differences"), date,
                     num(r, "id"));
}

std::string formatStatus(const Object::Ptr& status) {
  const int64_t age = num(status, "flags_age_ms");
  std::string out = fmt::format(
      "instance {}, generation {}, {}\n", str(status, "instance"), num(status, "generation"),
      age < 0 ? std::string("no flag table read yet") : fmt::format("flags read {} ms ago", age));
  Table t({{"LINE"},
           {"STAGE"},
           {"RAMP"},
           {"REQ/S"},
           {"MISMATCH"},
           {"NEW ERRORS"},
           {"REPAIRS"},
           {"PENDING"},
           {"LAST RECONCILIATION"}});
  int64_t window = 0;
  const std::vector<Object::Ptr> lines = objects(status, "lines");
  for (const Object::Ptr& l : lines) {
    window = std::max(window, num(l, "window_seconds"));
    // The instance applies a change within a poll; until then it routes by
    // the setting in force here.
    std::string stage = str(l, "stage");
    const Object::Ptr in_force = obj(l, "in_force");
    if (!in_force.isNull() && num(in_force, "version") != num(l, "version")) {
      stage += " (routing " + settingText(in_force) + " here)";
    }
    t.add({str(l, "line"), stage,
           str(l, "stage") == "NEW_PRIMARY" ? fmt::format("{}%", num(l, "ramp")) : "-",
           fmt::format("{:.1f}", real(l, "requests_per_s")),
           rateCell(num(l, "compared"), num(l, "different"), real(l, "mismatch_rate")),
           rateCell(num(l, "new_calls"), num(l, "new_errors"), real(l, "new_error_rate")),
           count(num(l, "open_repairs")), count(num(l, "pending_changes")),
           reconciliationCell(obj(l, "last_reconciliation"))});
  }
  out += t.text();
  out += fmt::format("{}; live figures over this instance's last {} s\n",
                     counted(lines.size(), "product line"), window);
  return out;
}

// GETs `route` and prints the answer: the JSON as received with --json,
// else `format`'s table. The exit code.
int getAndPrint(const std::string& command, const Args& args, const std::string& route,
                const std::function<std::string(const Object::Ptr&)>& format) {
  int rc = 0;
  auto client = openClient(command, args, &rc);
  if (!client) {
    return rc;
  }
  Result<ApiReply> reply = client->get(route);
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), args.has("json"));
  }
  if (args.has("json")) {
    return printJson(*reply);
  }
  std::fputs(format(reply->json).c_str(), stdout);
  return 0;
}

int statusCommandImpl(int argc, char** argv) {
  const std::string command = "status";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 2, {}, kStatusHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  return getAndPrint(command, *args, "/api/v1/status", formatStatus);
}

// ---- flags ----

constexpr const char kFlagsHelp[] = R"(usage: bridgectl flags list
       bridgectl flags propose --line L [--stage S] [--ramp N] [guard options] --reason TEXT
       bridgectl flags approve ID [--note TEXT]
       bridgectl flags reject ID [--note TEXT]
       bridgectl flags demote --line L --reason TEXT
       bridgectl flags changes [--state pending|applied|rejected|all]

The product lines' stages, ramps and guard thresholds in the flag store,
and the change requests that move them (docs/cutover-control.md). A
promotion (a later stage, a higher ramp, a guard loosened) waits for a
second person's approval; a demotion or a tightened guard applies at once.
`bridgectl flags SUBCOMMAND --help` describes each.

)";

constexpr const char kFlagsListHelp[] = R"(usage: bridgectl flags list [options]

Every product line in the flag store: stage, ramp, guard thresholds
(a rate of 0 is "off"), version and when it last changed.

  --json               the API's JSON (GET /api/v1/flags)
  --help               this text

)";

constexpr const char kProposeHelp[] =
    R"(usage: bridgectl flags propose --line L [--stage S] [--ramp N] [guard options] --reason TEXT

Changes a product line. A demotion (an earlier stage, a lower ramp) or a
tightened guard applies at once and prints "applied"; a promotion becomes a
change request that another person approves (bridgectl flags approve), and
prints its id. Options not given keep their current values.

  --line L                   the product line (SAVINGS)
  --stage S                  LEGACY_ONLY, DUAL_WRITE, SHADOW, NEW_PRIMARY, NEW_ONLY
  --ramp N                   NEW_PRIMARY: the share of accounts new-primary, 0-100
  --max-mismatch-rate X      guard: the share of compared calls that may differ, 0-1
                             (0: this check off)
  --max-error-rate X         guard: the share of new-side calls that may fail, 0-1
                             (0: this check off)
  --guard-window S           guard: the window the rates are taken over, seconds
  --guard-min-samples N      guard: fewer calls than this in the window never trip
  --reason TEXT              why (required; kept in the audit log)
  --json                     the API's JSON (POST /api/v1/flags/L)
  --help                     this text

Exit: 0 applied or waiting for approval; 1 refused by a rule (the rule and
why are printed), or the server failed; 2 a bad command line.

)";

constexpr const char kDecideHelp[] = R"(usage: bridgectl flags approve ID [--note TEXT]
       bridgectl flags reject ID [--note TEXT]

Approves (and so applies) or rejects a pending change request. Approving
needs the approver role and someone else's proposal; a proposer may reject
their own. The rules are checked again on approval.

  --note TEXT          a note kept with the decision
  --json               the API's JSON (POST /api/v1/changes/ID/approve|reject)
  --help               this text

Exit: 0 done; 1 refused (self_approval, stale, a rule) or failed; 2 a bad
command line.

)";

constexpr const char kDemoteHelp[] = R"(usage: bridgectl flags demote --line L --reason TEXT

Moves a product line one stage back at once (NEW_ONLY -> NEW_PRIMARY ->
SHADOW -> DUAL_WRITE -> LEGACY_ONLY); its pending change request, if any,
is rejected. No approval needed: it is the safe direction.

  --line L             the product line
  --reason TEXT        why (required; kept in the audit log)
  --json               the API's JSON (POST /api/v1/flags/L/demote)
  --help               this text

)";

constexpr const char kChangesHelp[] = R"(usage: bridgectl flags changes [--state S] [options]

Change requests, newest first.

  --state S            pending (default), applied, rejected or all
  --json               the API's JSON (GET /api/v1/changes)
  --help               this text

)";

std::string formatFlags(const Object::Ptr& flags) {
  std::string out = fmt::format("generation {}\n", num(flags, "generation"));
  Table t({{"LINE"},
           {"STAGE"},
           {"RAMP"},
           {"MAX MISMATCH"},
           {"MAX ERRORS"},
           {"WINDOW"},
           {"MIN SAMPLES"},
           {"VERSION"},
           {"CHANGED"},
           {"IN STAGE SINCE"}});
  for (const Object::Ptr& l : objects(flags, "lines")) {
    const Object::Ptr g = obj(l, "guard");
    t.add({str(l, "line"), str(l, "stage"),
           str(l, "stage") == "NEW_PRIMARY" ? fmt::format("{}%", num(l, "ramp")) : "-",
           threshold(real(g, "max_mismatch_rate")), threshold(real(g, "max_error_rate")),
           fmt::format("{} s", num(g, "window_seconds")), std::to_string(num(g, "min_samples")),
           std::to_string(num(l, "version")), formatMs(num(l, "changed_at_ms")),
           formatMs(num(l, "stage_since_ms"))});
  }
  return out + t.text();
}

std::string formatChanges(const Object::Ptr& changes) {
  Table t({{"ID"},
           {"STATE"},
           {"LINE"},
           {"CHANGE", 72},
           {"PROPOSED BY"},
           {"PROPOSED AT"},
           {"DECIDED BY"},
           {"REASON", 48}});
  const std::vector<Object::Ptr> list = objects(changes, "changes");
  for (const Object::Ptr& c : list) {
    std::string decided = str(c, "decided_by");
    t.add({std::to_string(num(c, "id")), str(c, "state"), str(c, "line"),
           transition(obj(c, "from"), obj(c, "to")), str(c, "proposed_by"),
           formatMs(num(c, "proposed_at_ms")), decided.empty() ? "-" : decided, str(c, "reason")});
  }
  return t.text() + counted(list.size(), "change request") + "\n";
}

int flagsList(int argc, char** argv) {
  const std::string command = "flags list";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 3, {}, kFlagsListHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  return getAndPrint(command, *args, "/api/v1/flags", formatFlags);
}

// The change request in an answer: {"change": {...}} or the change itself.
Object::Ptr changeOf(const Object::Ptr& body) {
  Object::Ptr c = obj(body, "change");
  return c.isNull() ? body : c;
}

// What a 200 "applied" answer says: the line before and after when given.
std::string appliedText(const std::string& line, const Object::Ptr& body) {
  Object::Ptr from = obj(body, "from");
  Object::Ptr to = obj(body, "to");
  if (to.isNull()) {
    to = obj(body, "line");
  }
  if (!from.isNull() && !to.isNull()) {
    return fmt::format("applied: {} {}", line, transition(from, to));
  }
  const std::string audit =
      num(body, "audit_seq") > 0 ? fmt::format(" (audit entry {})", num(body, "audit_seq")) : "";
  if (!to.isNull()) {
    return fmt::format("applied: {} is now {}, guard {}{}", line, settingText(to),
                       guardText(obj(to, "guard")), audit);
  }
  return "applied: " + line + audit;
}

// --line and --reason, which every change needs: the usage error's exit
// code when one is missing, else 0.
int lineAndReasonMissing(const std::string& command, const Args& args) {
  if (args.get("line").empty()) {
    return usageError(command, "--line L is required");
  }
  if (args.get("reason").empty()) {
    return usageError(command, "--reason TEXT is required: say why, for the audit log");
  }
  return 0;
}

int flagsPropose(int argc, char** argv) {
  const std::string command = "flags propose";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 3,
                           {{"line", true},
                            {"stage", true},
                            {"ramp", true},
                            {"max-mismatch-rate", true},
                            {"max-error-rate", true},
                            {"guard-window", true},
                            {"guard-min-samples", true},
                            {"reason", true}},
                           kProposeHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  if (const int bad = lineAndReasonMissing(command, *args); bad != 0) {
    return bad;
  }
  const std::string line = args->get("line");
  std::string body = "{";
  if (args->has("stage")) {
    std::string stage = args->get("stage");
    std::transform(stage.begin(), stage.end(), stage.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (std::find(std::begin(kStages), std::end(kStages), stage) == std::end(kStages)) {
      return usageError(command, "--stage '" + args->get("stage") +
                                     "' is not one of LEGACY_ONLY, DUAL_WRITE, SHADOW, "
                                     "NEW_PRIMARY, NEW_ONLY");
    }
    body += "\"stage\":";
    mappings::appendJsonString(stage, &body);
    body += ",";
  }
  if (args->has("ramp")) {
    const std::string n = args->get("ramp");
    if (!isCount(n, 3) || std::stoi(n) > 100) {
      return usageError(command, "--ramp '" + n + "' is not a percentage from 0 to 100");
    }
    body += fmt::format("\"ramp\":{},", std::stoi(n));
  }
  std::string guard;
  for (const char* rate : {"max-mismatch-rate", "max-error-rate"}) {
    if (args->has(rate)) {
      std::optional<double> v = parseRate(args->get(rate));
      if (!v) {
        return usageError(command, std::string("--") + rate + " '" + args->get(rate) +
                                       "' is not a rate from 0 to 1 (0.01 is 1%)");
      }
      std::string key = rate;
      std::replace(key.begin(), key.end(), '-', '_');
      guard += fmt::format("{}\"{}\":{}", guard.empty() ? "" : ",", key, *v);
    }
  }
  const std::pair<const char*, const char*> counts[] = {{"guard-window", "window_seconds"},
                                                        {"guard-min-samples", "min_samples"}};
  for (const auto& [option, key] : counts) {
    if (args->has(option)) {
      const std::string n = args->get(option);
      if (!isCount(n) || (std::string(option) == "guard-window" && std::stol(n) == 0)) {
        return usageError(command, std::string("--") + option + " '" + n +
                                       "' is not a whole number" +
                                       (std::string(option) == "guard-window" ? " above 0" : ""));
      }
      guard += fmt::format("{}\"{}\":{}", guard.empty() ? "" : ",", key, std::stol(n));
    }
  }
  if (!guard.empty()) {
    body += "\"guard\":{" + guard + "},";
  }
  if (body == "{") {
    return usageError(command,
                      "nothing to change: give --stage, --ramp or a guard option (see --help)");
  }
  body += "\"reason\":";
  mappings::appendJsonString(args->get("reason"), &body);
  body += "}";

  auto client = openClient(command, *args, &rc);
  if (!client) {
    return rc;
  }
  Result<ApiReply> reply = client->post("/api/v1/flags/" + urlEncode(line), body);
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), args->has("json"));
  }
  if (args->has("json")) {
    return printJson(*reply);
  }
  if (reply->http_status == 202) {
    const Object::Ptr c = changeOf(reply->json);
    std::printf("change request %lld is waiting for approval: %s %s\n",
                static_cast<long long>(num(c, "id")), line.c_str(),
                transition(obj(c, "from"), obj(c, "to")).c_str());
  } else {
    std::printf("%s\n", appliedText(line, reply->json).c_str());
  }
  return 0;
}

int flagsDecide(int argc, char** argv, bool approve) {
  const std::string command = approve ? "flags approve" : "flags reject";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 3, {{"note", true}}, kDecideHelp, 1, &rc);
  if (!args) {
    return rc;
  }
  if (args->positional().empty() || !isCount(args->positional()[0], 18) ||
      std::stoll(args->positional()[0]) == 0) {
    return usageError(command, args->positional().empty()
                                   ? "the change request's ID is required"
                                   : "'" + args->positional()[0] + "' is not a change request id");
  }
  const std::string id = args->positional()[0];
  std::string body = "{";
  if (args->has("note")) {
    body += "\"note\":";
    mappings::appendJsonString(args->get("note"), &body);
  }
  body += "}";
  auto client = openClient(command, *args, &rc);
  if (!client) {
    return rc;
  }
  Result<ApiReply> reply =
      client->post("/api/v1/changes/" + id + (approve ? "/approve" : "/reject"), body);
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), args->has("json"));
  }
  if (args->has("json")) {
    return printJson(*reply);
  }
  const Object::Ptr c = changeOf(reply->json);
  const std::string by = str(c, "decided_by").empty() ? "you" : str(c, "decided_by");
  std::printf("change request %s %s: %s %s\n", id.c_str(),
              (approve ? "approved by " + by + " and applied" : "rejected by " + by).c_str(),
              str(c, "line").c_str(), transition(obj(c, "from"), obj(c, "to")).c_str());
  return 0;
}

int flagsDemote(int argc, char** argv) {
  const std::string command = "flags demote";
  int rc = 0;
  auto args =
      parseCommand(command, argc, argv, 3, {{"line", true}, {"reason", true}}, kDemoteHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  if (const int bad = lineAndReasonMissing(command, *args); bad != 0) {
    return bad;
  }
  const std::string line = args->get("line");
  std::string body = "{\"reason\":";
  mappings::appendJsonString(args->get("reason"), &body);
  body += "}";
  auto client = openClient(command, *args, &rc);
  if (!client) {
    return rc;
  }
  Result<ApiReply> reply = client->post("/api/v1/flags/" + urlEncode(line) + "/demote", body);
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), args->has("json"));
  }
  if (args->has("json")) {
    return printJson(*reply);
  }
  std::printf("%s\n", appliedText(line, reply->json).c_str());
  return 0;
}

int flagsChanges(int argc, char** argv) {
  const std::string command = "flags changes";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 3, {{"state", true}}, kChangesHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  const std::string state = args->get("state", "pending");
  if (state != "pending" && state != "applied" && state != "rejected" && state != "all") {
    return usageError(command,
                      "--state '" + state + "' is not one of pending, applied, rejected, all");
  }
  return getAndPrint(command, *args, "/api/v1/changes?state=" + state, formatChanges);
}

// ---- audit ----

constexpr const char kAuditHelp[] = R"(usage: bridgectl audit [--line L] [--limit N] [options]
       bridgectl audit verify [--head SEQ:HASH] [options]

`audit` lists the newest entries of the flag store's audit log, oldest of
them first, and prints the log's head (seq and hash): write it down, and a
later `audit verify --head SEQ:HASH` proves no entry up to it was changed
or removed.

`audit verify` fetches the whole log and checks its hash chain here, not
trusting the server's own check: every entry's hash against its contents,
every prev_hash against the entry before, seq without gaps, and that the
chain reaches the head the server states (and --head, when given).

  --line L             audit: only this product line's entries
  --limit N            audit: the newest N entries (default 20; 0: all)
  --head SEQ:HASH      verify: a head written down earlier that the chain
                       must still hold
  --json               audit: the API's JSON (GET /api/v1/audit); verify:
                       {"ok","entries","first_seq","last_seq","head","problems"}
  --help               this text

Exit: 0 listed, or the chain is sound; 1 a problem in the chain (each is
printed, naming the entry), or the server failed; 2 a bad command line.

)";

std::string formatAudit(const Object::Ptr& audit, bool newest_first) {
  Table t({{"SEQ"},
           {"AT"},
           {"ACTOR"},
           {"ACTION"},
           {"LINE"},
           {"FROM", 32},
           {"TO", 32},
           {"REASON", 40},
           {"APPROVED BY"},
           {"CHANGE"}});
  std::vector<Object::Ptr> entries = objects(audit, "entries");
  if (newest_first) {
    std::reverse(entries.begin(), entries.end());
  }
  for (const Object::Ptr& e : entries) {
    const std::string approved = str(e, "approved_by");
    const int64_t change = num(e, "change_id");
    t.add({std::to_string(num(e, "seq")), formatMs(num(e, "at_ms")), str(e, "actor"),
           str(e, "action"), str(e, "line").empty() ? "-" : str(e, "line"),
           str(e, "from").empty() ? "-" : str(e, "from"), str(e, "to").empty() ? "-" : str(e, "to"),
           str(e, "reason"), approved.empty() ? "-" : approved,
           change == 0 ? "-" : std::to_string(change)});
  }
  const Object::Ptr head = obj(audit, "head");
  std::string out = t.text() + counted(entries.size(), "entry") + "\n";
  if (num(head, "seq") == 0) {
    return out + "head: none (the log is empty)\n";
  }
  return out + fmt::format("head: {}:{}\n", num(head, "seq"), str(head, "hash"));
}

int auditList(int argc, char** argv) {
  const std::string command = "audit";
  int rc = 0;
  auto args =
      parseCommand(command, argc, argv, 2, {{"line", true}, {"limit", true}}, kAuditHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  const std::string limit = args->get("limit", "20");
  if (!isCount(limit)) {
    return usageError(command, "--limit '" + limit + "' is not a count");
  }
  std::string route = "/api/v1/audit?order=desc&limit=" + std::to_string(std::stol(limit));
  if (args->has("line")) {
    route += "&line=" + urlEncode(args->get("line"));
  }
  return getAndPrint(command, *args, route,
                     [](const Object::Ptr& j) { return formatAudit(j, true); });
}

// "SEQ:HASH" -> a head (a 64-digit lower-case hex hash).
std::optional<bridge::AuditHead> parseHead(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || !isCount(text.substr(0, colon), 18)) {
    return std::nullopt;
  }
  bridge::AuditHead head;
  head.seq = std::stoll(text.substr(0, colon));
  head.hash = text.substr(colon + 1);
  std::transform(head.hash.begin(), head.hash.end(), head.hash.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (head.seq == 0 || head.hash.size() != 64 ||
      !std::all_of(head.hash.begin(), head.hash.end(),
                   [](unsigned char c) { return std::isxdigit(c) != 0; })) {
    return std::nullopt;
  }
  return head;
}

std::string reportJson(const bridge::ChainReport& r) {
  std::string out = fmt::format(
      "{{\"ok\":{},\"entries\":{},\"first_seq\":{},\"last_seq\":{},\"head\":{{\"seq\":{},"
      "\"hash\":",
      r.ok ? "true" : "false", r.entries, r.first_seq, r.last_seq, r.last_seq);
  mappings::appendJsonString(r.last_hash, &out);
  out += "},\"problems\":[";
  for (size_t i = 0; i < r.problems.size(); ++i) {
    const bridge::ChainProblem& p = r.problems[i];
    out += fmt::format("{}{{\"seq\":{},\"kind\":", i == 0 ? "" : ",", p.seq);
    mappings::appendJsonString(p.kind, &out);
    out += ",\"message\":";
    mappings::appendJsonString(p.message, &out);
    out += "}";
  }
  return out + "]}";
}

int auditVerify(int argc, char** argv) {
  const std::string command = "audit verify";
  int rc = 0;
  auto args = parseCommand(command, argc, argv, 3, {{"head", true}}, kAuditHelp, 0, &rc);
  if (!args) {
    return rc;
  }
  std::optional<bridge::AuditHead> written;
  if (args->has("head")) {
    written = parseHead(args->get("head"));
    if (!written) {
      return usageError(command, "--head '" + args->get("head") +
                                     "' is not SEQ:HASH (a seq above 0, 64 hex digits)");
    }
  }
  auto client = openClient(command, *args, &rc);
  if (!client) {
    return rc;
  }
  Result<ApiReply> reply = client->get("/api/v1/audit?order=asc&limit=0");
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), args->has("json"));
  }
  std::vector<bridge::AuditEntry> entries;
  const std::vector<Object::Ptr> objs = objects(reply->json, "entries");
  for (size_t i = 0; i < objs.size(); ++i) {
    Result<bridge::AuditEntry> e = bridge::auditFromJson(*objs[i]);
    if (!e.ok()) {
      std::fprintf(stderr, "bridgectl %s: entry %zu of the answer cannot be read: %s\n",
                   command.c_str(), i + 1, e.status().message().c_str());
      return 1;
    }
    entries.push_back(std::move(*e));
  }
  const Object::Ptr server_head = obj(reply->json, "head");
  bridge::AuditHead stated;
  stated.seq = num(server_head, "seq");
  stated.hash = str(server_head, "hash");
  // The head the server states must be reached; a head written down
  // earlier too (verifyChain takes one, so the other is checked here).
  bridge::ChainReport report = bridge::verifyChain(entries, written ? *written : stated);
  // The server reads its head before the entries, so a commit in between
  // may add entries after it: the head must be reached, not be the last.
  if (written && stated.seq > 0) {
    auto at = std::find_if(entries.begin(), entries.end(),
                           [&](const bridge::AuditEntry& e) { return e.seq == stated.seq; });
    if (at == entries.end() || at->hash != stated.hash) {
      report.problems.push_back(
          {stated.seq, "head_mismatch",
           fmt::format(
               "the server states head {}:{} but the log it sent {}", stated.seq, stated.hash,
               at == entries.end() ? "does not reach it" : "has another hash there, " + at->hash)});
      report.ok = false;
    }
  }
  if (args->has("json")) {
    std::printf("%s\n", reportJson(report).c_str());
    return report.ok ? 0 : 1;
  }
  if (report.ok && report.entries == 0) {
    std::printf("OK: the log is empty\n");
    return 0;
  }
  if (report.ok) {
    std::printf("OK: %s (seq %lld to %lld), head %lld:%s\n",
                counted(static_cast<size_t>(report.entries), "entry").c_str(),
                static_cast<long long>(report.first_seq), static_cast<long long>(report.last_seq),
                static_cast<long long>(report.last_seq), report.last_hash.c_str());
    if (written) {
      std::printf("the head given, %lld:%s, is in the chain\n",
                  static_cast<long long>(written->seq), written->hash.c_str());
    }
    return 0;
  }
  for (const bridge::ChainProblem& p : report.problems) {
    std::printf("PROBLEM [%s] %s\n", p.kind.c_str(), p.message.c_str());
  }
  std::printf("FAILED: %s in %s\n", counted(report.problems.size(), "problem").c_str(),
              counted(static_cast<size_t>(report.entries), "entry").c_str());
  return 1;
}

// ---- hash-password, hash-token ----

constexpr const char kHashPasswordHelp[] = R"(usage: bridgectl hash-password [--password-file F]

Prints the "password" value of a users file entry for a password
(PBKDF2-HMAC-SHA256 with a random salt): the file then holds no secret in
the clear. The password is the first line of standard input (asked twice,
without echo, on a terminal), or of --password-file.

  --password-file F    read the password from F instead
  --iterations N       PBKDF2 iterations (default 100000)
  --help               this text

)";

constexpr const char kHashTokenHelp[] = R"(usage: bridgectl hash-token [--json]

Makes a new API token (32 random bytes as hex) and prints it with its
SHA-256: give the token to the client (CB_TOKEN, --token-file) and put
the "token_sha256" value in the users file.

  --json               {"token","token_sha256"}
  --help               this text

)";

// A line from the terminal, without echo.
std::string readHidden(const char* prompt) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  }
  std::fputs("\n", stderr);
  return line;
}

int hashPasswordImpl(int argc, char** argv) {
  const std::string command = "hash-password";
  Result<Args> args =
      Args::parse(argc, argv, 2, {{"password-file", true}, {"iterations", true}, {"help", false}});
  if (!args.ok()) {
    return usageError(command, args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kHashPasswordHelp, stdout);
    return 0;
  }
  if (!args->positional().empty()) {
    return usageError(command, "unexpected argument '" + args->positional()[0] + "'");
  }
  const std::string iterations = args->get("iterations", "100000");
  if (!isCount(iterations, 8) || std::stol(iterations) < 1000) {
    return usageError(command, "--iterations '" + iterations + "' is not a count of 1000 or more");
  }
  std::string password;
  if (args->has("password-file")) {
    Result<std::string> read = readSecretFile(args->get("password-file"));
    if (!read.ok()) {
      return usageError(command, "--password-file: " + read.status().message());
    }
    password = *read;
  } else if (::isatty(STDIN_FILENO) != 0) {
    password = readHidden("password: ");
    if (readHidden("again: ") != password) {
      return usageError(command, "the two passwords differ");
    }
  } else {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') {
      password.pop_back();
    }
  }
  if (password.empty()) {
    return usageError(command, "the password is empty");
  }
  std::printf("%s\n", bridge::hashPassword(password, std::stoi(iterations)).c_str());
  return 0;
}

int hashTokenImpl(int argc, char** argv) {
  const std::string command = "hash-token";
  Result<Args> args = Args::parse(argc, argv, 2, {{"json", false}, {"help", false}});
  if (!args.ok()) {
    return usageError(command, args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kHashTokenHelp, stdout);
    return 0;
  }
  if (!args->positional().empty()) {
    return usageError(command, "unexpected argument '" + args->positional()[0] + "'");
  }
  const std::string token = bridge::newToken();
  const std::string hash = bridge::hashToken(token);
  if (args->has("json")) {
    std::printf("{\"token\":\"%s\",\"token_sha256\":\"%s\"}\n", token.c_str(), hash.c_str());
  } else {
    std::printf("token:        %s\ntoken_sha256: %s\n", token.c_str(), hash.c_str());
  }
  return 0;
}

}  // namespace

int statusCommand(int argc, char** argv) { return statusCommandImpl(argc, argv); }

int flagsCommand(int argc, char** argv) {
  const std::string sub = argc > 2 ? argv[2] : "";
  if (sub == "list") {
    return flagsList(argc, argv);
  }
  if (sub == "propose") {
    return flagsPropose(argc, argv);
  }
  if (sub == "approve" || sub == "reject") {
    return flagsDecide(argc, argv, sub == "approve");
  }
  if (sub == "demote") {
    return flagsDemote(argc, argv);
  }
  if (sub == "changes") {
    return flagsChanges(argc, argv);
  }
  if (sub == "--help" || sub == "help") {
    std::fputs(kFlagsHelp, stdout);
    return 0;
  }
  std::fputs(kFlagsHelp, stderr);
  return usageError("flags", sub.empty() || sub.rfind("--", 0) == 0
                                 ? "a subcommand is required"
                                 : "unknown subcommand '" + sub + "'");
}

int auditCommand(int argc, char** argv) {
  if (argc > 2 && std::string(argv[2]) == "verify") {
    return auditVerify(argc, argv);
  }
  return auditList(argc, argv);
}

int hashPasswordCommand(int argc, char** argv) { return hashPasswordImpl(argc, argv); }
int hashTokenCommand(int argc, char** argv) { return hashTokenImpl(argc, argv); }

int recordReconciliation(const Args& args, const std::string& summary_path, bool quiet) {
  const std::string command = "reconcile --record";
  std::ifstream in(summary_path, std::ios::binary);
  std::stringstream summary;
  summary << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "bridgectl %s: cannot read %s\n", command.c_str(), summary_path.c_str());
    return 1;
  }
  int rc = 0;
  auto client = openClient(command, args, &rc);
  if (!client) {
    return rc == 2 ? 2 : 1;
  }
  Result<ApiReply> reply = client->post("/api/v1/reconciliations", summary.str());
  if (!reply.ok()) {
    return serverError(command, *client, reply.status(), false);
  }
  if (!quiet) {
    std::printf("  recorded as reconciliation %lld at %s\n",
                static_cast<long long>(num(reply->json, "id")), client->url().c_str());
  }
  return 0;
}

}  // namespace corebridge::tools

#include "bridge/sql_flag_store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "adapters/odbc/migrations.h"
#include "adapters/odbc/statement.h"
#include "bridge/audit_chain.h"

namespace corebridge::bridge {

namespace odbc = adapters::odbc;
using odbc::Connection;
using odbc::Statement;

namespace {

// TEXT holds 64 KiB on MariaDB: the JSON columns need more.
std::string jsonType(const odbc::Dialect& d) {
  return d.kind() == odbc::DialectKind::kMariaDb ? "MEDIUMTEXT" : "TEXT";
}

// Byte-for-byte names on MariaDB, whatever the server's default collation.
std::string tableSuffix(const odbc::Dialect& d) {
  std::string out = odbc::tableOptions(d);
  if (d.kind() == odbc::DialectKind::kMariaDb) {
    out += " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";
  }
  return out;
}

// A line's stage, ramp and guard columns, `prefix` "" for a line,
// "from_"/"to_" for a change; each ends with a ','.
std::string flagColumnsDdl(const std::string& p) {
  return " " + p + "stage VARCHAR(16) NOT NULL, " + p + "ramp_percent INTEGER NOT NULL, " + p +
         "max_mismatch_rate VARCHAR(32) NOT NULL, " + p + "max_error_rate VARCHAR(32) NOT NULL, " +
         p + "window_seconds INTEGER NOT NULL, " + p + "min_samples INTEGER NOT NULL,";
}

std::vector<odbc::Migration> migrations(const odbc::Dialect& dialect) {
  const std::string suffix = tableSuffix(dialect);
  const std::string json = jsonType(dialect);
  return {odbc::Migration{
      1,
      "flag store: head, lines, change requests, audit log, reconciliations",
      {
          "CREATE TABLE cb_flag_head ("
          " name VARCHAR(16) NOT NULL PRIMARY KEY,"
          " generation BIGINT NOT NULL,"
          " audit_seq BIGINT NOT NULL,"
          " audit_hash VARCHAR(64) NOT NULL,"
          " last_change_id BIGINT NOT NULL,"
          " last_reconciliation_id BIGINT NOT NULL)" +
              suffix,
          std::string("INSERT INTO cb_flag_head (name, generation, audit_seq, audit_hash, ") +
              "last_change_id, last_reconciliation_id) VALUES ('head', 0, 0, '', 0, 0)",
          "CREATE TABLE cb_flag_lines ("
          " line VARCHAR(32) NOT NULL PRIMARY KEY," +
              flagColumnsDdl("") +
              " version BIGINT NOT NULL,"
              " changed_at_ms BIGINT NOT NULL,"
              " stage_since_ms BIGINT NOT NULL,"
              " stage_since_reconciliation BIGINT NOT NULL)" +
              suffix,
          "CREATE TABLE cb_flag_changes ("
          " change_id BIGINT NOT NULL,"
          " line VARCHAR(32) NOT NULL,"
          " state VARCHAR(8) NOT NULL,"
          " reason TEXT NOT NULL,"
          " proposed_by VARCHAR(128) NOT NULL,"
          " proposed_at_ms BIGINT NOT NULL,"
          " decided_by VARCHAR(128) NOT NULL,"
          " decided_at_ms BIGINT NOT NULL,"
          " decision_note TEXT NOT NULL," +
              flagColumnsDdl("from_") +
              " from_version BIGINT NOT NULL,"
              " from_changed_at_ms BIGINT NOT NULL,"
              " from_stage_since_ms BIGINT NOT NULL," +
              flagColumnsDdl("to_") + " PRIMARY KEY (change_id))" + suffix,
          "CREATE INDEX cb_flag_changes_state ON cb_flag_changes (state, change_id)",
          "CREATE TABLE cb_flag_audit ("
          " seq BIGINT NOT NULL PRIMARY KEY,"
          " at_ms BIGINT NOT NULL,"
          " actor VARCHAR(128) NOT NULL,"
          " action VARCHAR(32) NOT NULL,"
          " line VARCHAR(32) NOT NULL,"
          " from_setting VARCHAR(512) NOT NULL,"
          " to_setting VARCHAR(512) NOT NULL,"
          " reason TEXT NOT NULL,"
          " approved_by VARCHAR(128) NOT NULL,"
          " evidence " +
              json +
              " NOT NULL,"
              " change_id BIGINT NOT NULL,"
              " prev_hash VARCHAR(64) NOT NULL,"
              " hash VARCHAR(64) NOT NULL)" +
              suffix,
          "CREATE INDEX cb_flag_audit_line ON cb_flag_audit (line, seq)",
          "CREATE TABLE cb_flag_reconciliations ("
          " reconciliation_id BIGINT NOT NULL PRIMARY KEY,"
          " line VARCHAR(32) NOT NULL,"
          " at_ms BIGINT NOT NULL,"
          " recorded_by VARCHAR(128) NOT NULL,"
          " business_date VARCHAR(16) NOT NULL,"
          " balanced INTEGER NOT NULL,"
          " differences BIGINT NOT NULL,"
          " summary_json " +
              json + " NOT NULL)" + suffix,
          std::string("CREATE INDEX cb_flag_reconciliations_line ON cb_flag_reconciliations ") +
              "(line, reconciliation_id)",
      }}};
}

// Binds `values` from parameter 1 on, each a string or an int64.
struct Param {
  bool is_int = false;
  int64_t i = 0;
  std::string s;
};

Param text(std::string s) { return Param{false, 0, std::move(s)}; }
Param integer(int64_t i) { return Param{true, i, {}}; }

Status bindAll(Statement& st, const std::vector<Param>& values) {
  for (size_t k = 0; k < values.size(); ++k) {
    const int index = static_cast<int>(k + 1);
    CB_RETURN_IF_ERROR(values[k].is_int ? st.bindInt64(index, values[k].i)
                                        : st.bindString(index, values[k].s));
  }
  return okStatus();
}

Result<std::unique_ptr<Statement>> run(Connection& c, std::string_view sql,
                                       const std::vector<Param>& values) {
  CB_ASSIGN_OR_RETURN(auto st, c.prepare(sql));
  CB_RETURN_IF_ERROR(bindAll(*st, values));
  CB_RETURN_IF_ERROR(st->execute());
  return st;
}

// A statement without a result set; the rows it changed.
Result<int64_t> exec(Connection& c, std::string_view sql, const std::vector<Param>& values) {
  CB_ASSIGN_OR_RETURN(auto st, run(c, sql, values));
  return st->rowsAffected();
}

// The shortest text that reads back as the same double.
std::string rateText(double rate) {
  char buffer[32];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, rate);
  return std::string(buffer, r.ptr);
}

Result<double> rateOfText(const std::string& t, const std::string& what) {
  double v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) {
    return dataLoss(what + ": rate '" + t + "' is not a number");
  }
  return v;
}

bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
    if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Status checkText(const std::string& field, std::string_view value, size_t max, bool required) {
  if (required && value.empty()) {
    return invalidArgument(field + " is empty");
  }
  if (value.size() > max) {
    return invalidArgument(field + " is " + std::to_string(value.size()) +
                           " bytes long, more than the " + std::to_string(max) + " it may hold");
  }
  if (value.find('\0') != std::string_view::npos) {
    return invalidArgument(field + " holds a NUL byte");
  }
  if (!validUtf8(value)) {
    return invalidArgument(field + " is not valid UTF-8");
  }
  return okStatus();
}

Status checkRate(const std::string& field, double rate) {
  if (!std::isfinite(rate) || rate < 0 || rate > 1) {
    return invalidArgument(field + " is " + rateText(rate) + ", not a share from 0 to 1");
  }
  return okStatus();
}

// A line's stage, ramp and guard.
Status checkFlags(const std::string& prefix, const LineFlags& f) {
  const int stage = static_cast<int>(f.stage);
  if (stage < static_cast<int>(Stage::kLegacyOnly) || stage > static_cast<int>(Stage::kNewOnly)) {
    return invalidArgument(prefix + "stage " + std::to_string(stage) + " is no stage");
  }
  if (f.ramp_percent < 0 || f.ramp_percent > 100) {
    return invalidArgument(prefix + "ramp_percent " + std::to_string(f.ramp_percent) +
                           " is not from 0 to 100");
  }
  CB_RETURN_IF_ERROR(checkRate(prefix + "guard.max_mismatch_rate", f.guard.max_mismatch_rate));
  CB_RETURN_IF_ERROR(checkRate(prefix + "guard.max_error_rate", f.guard.max_error_rate));
  if (f.guard.window_seconds < 1) {
    return invalidArgument(prefix + "guard.window_seconds " +
                           std::to_string(f.guard.window_seconds) + " is below 1");
  }
  if (f.guard.min_samples < 0) {
    return invalidArgument(prefix + "guard.min_samples " + std::to_string(f.guard.min_samples) +
                           " is negative");
  }
  return okStatus();
}

// A change's from/to name the change's line, or none.
Status checkSameLine(const std::string& field, const std::string& line, const ChangeRequest& c) {
  if (!line.empty() && line != c.line) {
    return invalidArgument(field + " '" + line + "' is not change.line '" + c.line + "'");
  }
  return okStatus();
}

Status checkChange(const ChangeRequest& c) {
  if (c.id < 0) {
    return invalidArgument("change.id " + std::to_string(c.id) + " is negative");
  }
  if (c.id > 0) {  // a decision: only these fields are written
    if (c.state == ChangeState::kPending) {
      return invalidArgument("change.state of a decision is pending: applied or rejected");
    }
    CB_RETURN_IF_ERROR(checkText("change.decided_by", c.decided_by, kMaxUserName, true));
    return checkText("change.decision_note", c.decision_note, kMaxNote, false);
  }
  CB_RETURN_IF_ERROR(checkText("change.line", c.line, kMaxLineName, true));
  CB_RETURN_IF_ERROR(checkSameLine("change.from.line", c.from.line, c));
  CB_RETURN_IF_ERROR(checkSameLine("change.to.line", c.to.line, c));
  CB_RETURN_IF_ERROR(checkFlags("change.from.", c.from));
  CB_RETURN_IF_ERROR(checkFlags("change.to.", c.to));
  CB_RETURN_IF_ERROR(checkText("change.reason", c.reason, kMaxNote, false));
  CB_RETURN_IF_ERROR(checkText("change.proposed_by", c.proposed_by, kMaxUserName, true));
  CB_RETURN_IF_ERROR(checkText("change.decided_by", c.decided_by, kMaxUserName, false));
  return checkText("change.decision_note", c.decision_note, kMaxNote, false);
}

Status checkReconciliation(const ReconciliationRecord& r) {
  CB_RETURN_IF_ERROR(checkText("reconciliation.line", r.line, kMaxLineName, true));
  CB_RETURN_IF_ERROR(checkText("reconciliation.recorded_by", r.recorded_by, kMaxUserName, false));
  CB_RETURN_IF_ERROR(
      checkText("reconciliation.business_date", r.business_date, kMaxBusinessDate, false));
  return checkText("reconciliation.summary_json", r.summary_json, kMaxJson, false);
}

Status checkDraft(size_t index, const AuditDraft& d) {
  const std::string p = "audit[" + std::to_string(index) + "].";
  if (d.at_ms < 0) {
    return invalidArgument(p + "at_ms " + std::to_string(d.at_ms) + " is negative");
  }
  if (d.change_id < 0) {
    return invalidArgument(p + "change_id " + std::to_string(d.change_id) + " is negative");
  }
  CB_RETURN_IF_ERROR(checkText(p + "actor", d.actor, kMaxUserName, true));
  CB_RETURN_IF_ERROR(checkText(p + "action", d.action, kMaxAction, true));
  CB_RETURN_IF_ERROR(checkText(p + "line", d.line, kMaxLineName, false));
  CB_RETURN_IF_ERROR(checkText(p + "from", d.from, kMaxSetting, false));
  CB_RETURN_IF_ERROR(checkText(p + "to", d.to, kMaxSetting, false));
  CB_RETURN_IF_ERROR(checkText(p + "reason", d.reason, kMaxNote, false));
  CB_RETURN_IF_ERROR(checkText(p + "approved_by", d.approved_by, kMaxUserName, false));
  return checkText(p + "evidence", d.evidence, kMaxJson, false);
}

Status checkCommit(const FlagCommit& in) {
  if (in.set_line) {
    CB_RETURN_IF_ERROR(checkText("set_line.line", in.set_line->line, kMaxLineName, true));
    CB_RETURN_IF_ERROR(checkFlags("set_line.", *in.set_line));
    if (in.expected_version < 0) {
      return invalidArgument("expected_version " + std::to_string(in.expected_version) +
                             " is negative");
    }
  }
  if (in.change) {
    CB_RETURN_IF_ERROR(checkChange(*in.change));
  }
  if (in.reconciliation) {
    CB_RETURN_IF_ERROR(checkReconciliation(*in.reconciliation));
  }
  for (size_t i = 0; i < in.audit.size(); ++i) {
    CB_RETURN_IF_ERROR(checkDraft(i, in.audit[i]));
  }
  return okStatus();
}

// The stage, ramp and guard of a line or of a change's from/to, as bound
// parameters in the order of flagColumnsDdl().
std::vector<Param> flagParams(const LineFlags& f) {
  return {text(std::string(stageName(f.stage))),     integer(f.ramp_percent),
          text(rateText(f.guard.max_mismatch_rate)), text(rateText(f.guard.max_error_rate)),
          integer(f.guard.window_seconds),           integer(f.guard.min_samples)};
}

std::string flagColumns(const std::string& p) {
  return p + "stage, " + p + "ramp_percent, " + p + "max_mismatch_rate, " + p + "max_error_rate, " +
         p + "window_seconds, " + p + "min_samples";
}

Result<int> intColumn(const Statement& st, int column) {
  CB_ASSIGN_OR_RETURN(int64_t v, st.getInt64(column));
  return static_cast<int>(v);
}

// The six columns of flagColumns() from `column` on.
Status readFlags(const Statement& st, int column, const std::string& what, LineFlags* f) {
  CB_ASSIGN_OR_RETURN(std::string stage, st.getString(column));
  Result<Stage> parsed = parseStage(stage);
  if (!parsed.ok()) {
    return dataLoss(what + ": stage '" + stage + "' is unknown");
  }
  f->stage = *parsed;
  CB_ASSIGN_OR_RETURN(f->ramp_percent, intColumn(st, column + 1));
  CB_ASSIGN_OR_RETURN(std::string mismatch, st.getString(column + 2));
  CB_ASSIGN_OR_RETURN(f->guard.max_mismatch_rate, rateOfText(mismatch, what));
  CB_ASSIGN_OR_RETURN(std::string error, st.getString(column + 3));
  CB_ASSIGN_OR_RETURN(f->guard.max_error_rate, rateOfText(error, what));
  CB_ASSIGN_OR_RETURN(f->guard.window_seconds, intColumn(st, column + 4));
  CB_ASSIGN_OR_RETURN(f->guard.min_samples, intColumn(st, column + 5));
  return okStatus();
}

const std::string kLineColumns = "line, " + flagColumns("") +
                                 ", version, changed_at_ms, stage_since_ms, "
                                 "stage_since_reconciliation";

Result<LineFlags> lineOfRow(const Statement& st) {
  LineFlags f;
  CB_ASSIGN_OR_RETURN(f.line, st.getString(1));
  CB_RETURN_IF_ERROR(readFlags(st, 2, "line '" + f.line + "'", &f));
  CB_ASSIGN_OR_RETURN(f.version, st.getInt64(8));
  CB_ASSIGN_OR_RETURN(f.changed_at_ms, st.getInt64(9));
  CB_ASSIGN_OR_RETURN(f.stage_since_ms, st.getInt64(10));
  CB_ASSIGN_OR_RETURN(f.stage_since_reconciliation, st.getInt64(11));
  return f;
}

const std::string kChangeColumns =
    "change_id, line, state, reason, proposed_by, proposed_at_ms, decided_by, decided_at_ms, "
    "decision_note, " +
    flagColumns("from_") + ", from_version, from_changed_at_ms, from_stage_since_ms, " +
    flagColumns("to_");

Result<ChangeRequest> changeOfRow(const Statement& st) {
  ChangeRequest c;
  CB_ASSIGN_OR_RETURN(c.id, st.getInt64(1));
  const std::string what = "change request " + std::to_string(c.id);
  CB_ASSIGN_OR_RETURN(c.line, st.getString(2));
  CB_ASSIGN_OR_RETURN(std::string state, st.getString(3));
  Result<ChangeState> parsed = parseChangeState(state);
  if (!parsed.ok()) {
    return dataLoss(what + ": state '" + state + "' is unknown");
  }
  c.state = *parsed;
  CB_ASSIGN_OR_RETURN(c.reason, st.getString(4));
  CB_ASSIGN_OR_RETURN(c.proposed_by, st.getString(5));
  CB_ASSIGN_OR_RETURN(c.proposed_at_ms, st.getInt64(6));
  CB_ASSIGN_OR_RETURN(c.decided_by, st.getString(7));
  CB_ASSIGN_OR_RETURN(c.decided_at_ms, st.getInt64(8));
  CB_ASSIGN_OR_RETURN(c.decision_note, st.getString(9));
  CB_RETURN_IF_ERROR(readFlags(st, 10, what, &c.from));
  CB_ASSIGN_OR_RETURN(c.from.version, st.getInt64(16));
  CB_ASSIGN_OR_RETURN(c.from.changed_at_ms, st.getInt64(17));
  CB_ASSIGN_OR_RETURN(c.from.stage_since_ms, st.getInt64(18));
  CB_RETURN_IF_ERROR(readFlags(st, 19, what, &c.to));
  c.from.line = c.line;
  c.to.line = c.line;
  return c;
}

constexpr const char kAuditColumns[] =
    "seq, at_ms, actor, action, line, from_setting, to_setting, reason, approved_by, evidence, "
    "change_id, prev_hash, hash";

Result<AuditEntry> auditOfRow(const Statement& st) {
  AuditEntry e;
  CB_ASSIGN_OR_RETURN(e.seq, st.getInt64(1));
  CB_ASSIGN_OR_RETURN(e.at_ms, st.getInt64(2));
  CB_ASSIGN_OR_RETURN(e.actor, st.getString(3));
  CB_ASSIGN_OR_RETURN(e.action, st.getString(4));
  CB_ASSIGN_OR_RETURN(e.line, st.getString(5));
  CB_ASSIGN_OR_RETURN(e.from, st.getString(6));
  CB_ASSIGN_OR_RETURN(e.to, st.getString(7));
  CB_ASSIGN_OR_RETURN(e.reason, st.getString(8));
  CB_ASSIGN_OR_RETURN(e.approved_by, st.getString(9));
  CB_ASSIGN_OR_RETURN(e.evidence, st.getString(10));
  CB_ASSIGN_OR_RETURN(e.change_id, st.getInt64(11));
  CB_ASSIGN_OR_RETURN(e.prev_hash, st.getString(12));
  CB_ASSIGN_OR_RETURN(e.hash, st.getString(13));
  return e;
}

constexpr const char kReconciliationColumns[] =
    "reconciliation_id, line, at_ms, recorded_by, business_date, balanced, differences, "
    "summary_json";

Result<ReconciliationRecord> reconciliationOfRow(const Statement& st) {
  ReconciliationRecord r;
  CB_ASSIGN_OR_RETURN(r.id, st.getInt64(1));
  CB_ASSIGN_OR_RETURN(r.line, st.getString(2));
  CB_ASSIGN_OR_RETURN(r.at_ms, st.getInt64(3));
  CB_ASSIGN_OR_RETURN(r.recorded_by, st.getString(4));
  CB_ASSIGN_OR_RETURN(r.business_date, st.getString(5));
  CB_ASSIGN_OR_RETURN(int64_t balanced, st.getInt64(6));
  r.balanced = balanced != 0;
  CB_ASSIGN_OR_RETURN(r.differences, st.getInt64(7));
  CB_ASSIGN_OR_RETURN(r.summary_json, st.getString(8));
  return r;
}

// Every row of `st` (executed) through `ofRow`.
template <typename T, typename F>
Result<std::vector<T>> allRows(Statement& st, F ofRow) {
  std::vector<T> out;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, st.fetch());
    if (!row) {
      return out;
    }
    CB_ASSIGN_OR_RETURN(T value, ofRow(st));
    out.push_back(std::move(value));
  }
}

std::string limitClause(size_t limit) {
  return limit > 0 ? " LIMIT " + std::to_string(limit) : std::string();
}

// The head row as a commit holds it (locked by its first UPDATE).
struct Head {
  int64_t generation = 0;
  int64_t audit_seq = 0;
  std::string audit_hash;
  int64_t last_change_id = 0;
  int64_t last_reconciliation_id = 0;
};

Result<Head> readHead(Connection& c) {
  CB_ASSIGN_OR_RETURN(auto st, run(c,
                                   "SELECT generation, audit_seq, audit_hash, last_change_id, "
                                   "last_reconciliation_id FROM cb_flag_head WHERE name = 'head'",
                                   {}));
  CB_ASSIGN_OR_RETURN(bool row, st->fetch());
  if (!row) {
    return dataLoss("flag store: the head row is missing");
  }
  Head h;
  CB_ASSIGN_OR_RETURN(h.generation, st->getInt64(1));
  CB_ASSIGN_OR_RETURN(h.audit_seq, st->getInt64(2));
  CB_ASSIGN_OR_RETURN(h.audit_hash, st->getString(3));
  CB_ASSIGN_OR_RETURN(h.last_change_id, st->getInt64(4));
  CB_ASSIGN_OR_RETURN(h.last_reconciliation_id, st->getInt64(5));
  if (h.audit_seq > 0 && h.audit_hash.size() != 64) {
    return dataLoss("flag store: the head's audit hash '" + h.audit_hash +
                    "' is not 64 hex digits");
  }
  return h;
}

// The first statement of every commit: its row lock orders the commits of
// every instance.
Result<Head> lockHead(Connection& c) {
  CB_ASSIGN_OR_RETURN(
      int64_t rows,
      exec(c, "UPDATE cb_flag_head SET generation = generation + 1 WHERE name = 'head'", {}));
  if (rows == 0) {
    return dataLoss("flag store: the head row is missing");
  }
  return readHead(c);
}

Status writeHead(Connection& c, const Head& h) {
  return exec(c,
              "UPDATE cb_flag_head SET audit_seq = ?, audit_hash = ?, last_change_id = ?, "
              "last_reconciliation_id = ? WHERE name = 'head'",
              {integer(h.audit_seq), text(h.audit_hash), integer(h.last_change_id),
               integer(h.last_reconciliation_id)})
      .status();
}

// A refusal of the commit: kept for the caller as Aborted, handed to
// runTransaction as a code it does not retry (the attempt is rolled back).
Status refuse(Status* refusal, const std::string& message) {
  *refusal = aborted(message);
  return failedPrecondition("commit refused: " + message);
}

Status setLineIn(Connection& c, const LineFlags& f, int64_t expected, int64_t now, const Head& head,
                 CommitResult* out, Status* refusal) {
  const std::string what = "line '" + f.line + "'";
  CB_ASSIGN_OR_RETURN(auto read,
                      run(c,
                          "SELECT version, stage, stage_since_ms, stage_since_reconciliation "
                          "FROM cb_flag_lines "
                          "WHERE line = ?" +
                              std::string(c.dialect().forUpdate()),
                          {text(f.line)}));
  CB_ASSIGN_OR_RETURN(bool exists, read->fetch());
  std::vector<Param> values = {text(f.line)};
  for (Param& p : flagParams(f)) {
    values.push_back(std::move(p));
  }
  if (expected == 0) {
    if (exists) {
      CB_ASSIGN_OR_RETURN(int64_t version, read->getInt64(1));
      return refuse(refusal, what + " exists already (version " + std::to_string(version) +
                                 "): it was written since it was read");
    }
    values.push_back(integer(1));
    values.push_back(integer(now));
    values.push_back(integer(now));
    values.push_back(integer(head.last_reconciliation_id));
    CB_RETURN_IF_ERROR(exec(c,
                            "INSERT INTO cb_flag_lines (" + kLineColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            values)
                           .status());
    out->line_version = 1;
    return okStatus();
  }
  if (!exists) {
    return refuse(refusal,
                  what + " does not exist (expected at version " + std::to_string(expected) + ")");
  }
  CB_ASSIGN_OR_RETURN(int64_t version, read->getInt64(1));
  CB_ASSIGN_OR_RETURN(std::string stage, read->getString(2));
  CB_ASSIGN_OR_RETURN(int64_t stage_since, read->getInt64(3));
  CB_ASSIGN_OR_RETURN(int64_t since_reconciliation, read->getInt64(4));
  if (version != expected) {
    return refuse(refusal, what + " is at version " + std::to_string(version) + ", not " +
                               std::to_string(expected) + ": it changed since it was read");
  }
  Result<Stage> old_stage = parseStage(stage);
  if (!old_stage.ok()) {
    return dataLoss(what + ": stage '" + stage + "' is unknown");
  }
  values.erase(values.begin());  // the key goes last
  values.push_back(integer(expected + 1));
  values.push_back(integer(now));
  values.push_back(integer(*old_stage == f.stage ? stage_since : now));
  values.push_back(
      integer(*old_stage == f.stage ? since_reconciliation : head.last_reconciliation_id));
  values.push_back(text(f.line));
  values.push_back(integer(expected));
  CB_ASSIGN_OR_RETURN(int64_t rows,
                      exec(c,
                           "UPDATE cb_flag_lines SET stage = ?, ramp_percent = ?, "
                           "max_mismatch_rate = ?, max_error_rate = ?, window_seconds = ?, "
                           "min_samples = ?, version = ?, changed_at_ms = ?, stage_since_ms = ?, "
                           "stage_since_reconciliation = ? WHERE line = ? AND version = ?",
                           values));
  if (rows != 1) {
    return internalError(what + ": the locked row at version " + std::to_string(expected) +
                         " was not updated");
  }
  out->line_version = expected + 1;
  return okStatus();
}

// A pending request is inserted only while its line is still at the
// version it was proposed on and has no other request pending: checked
// here, under the head's lock, so two proposals at once cannot both wait.
// (A commit that sets the line itself checks its version there instead.)
Status insertChange(Connection& c, const ChangeRequest& in, int64_t now, bool sets_line, Head* head,
                    CommitResult* out, Status* refusal) {
  if (in.state == ChangeState::kPending) {
    const std::string what = "line '" + in.line + "'";
    CB_ASSIGN_OR_RETURN(
        auto line, run(c, "SELECT version FROM cb_flag_lines WHERE line = ?", {text(in.line)}));
    CB_ASSIGN_OR_RETURN(bool exists, line->fetch());
    if (!exists) {
      return refuse(refusal, what + " does not exist");
    }
    CB_ASSIGN_OR_RETURN(int64_t version, line->getInt64(1));
    if (!sets_line && version != in.from.version) {
      return refuse(refusal, what + " is at version " + std::to_string(version) +
                                 ", not the proposal's " + std::to_string(in.from.version) +
                                 ": it changed since it was read");
    }
    // A pending request proposed on an older version can never be approved
    // (stale) and does not block a new one; it waits to be rejected.
    CB_ASSIGN_OR_RETURN(auto pending, run(c,
                                          "SELECT change_id FROM cb_flag_changes WHERE line = ? "
                                          "AND state = 'pending' AND from_version = ?",
                                          {text(in.line), integer(version)}));
    CB_ASSIGN_OR_RETURN(bool other, pending->fetch());
    if (other) {
      CB_ASSIGN_OR_RETURN(int64_t other_id, pending->getInt64(1));
      return refuse(refusal,
                    what + " has change request " + std::to_string(other_id) + " pending already");
    }
  }
  const int64_t id = head->last_change_id + 1;
  std::vector<Param> values = {
      integer(id),
      text(in.line),
      text(std::string(changeStateName(in.state))),
      text(in.reason),
      text(in.proposed_by),
      integer(in.proposed_at_ms != 0 ? in.proposed_at_ms : now),
      text(in.decided_by),
      integer(in.decided_at_ms),
      text(in.decision_note),
  };
  for (Param& p : flagParams(in.from)) {
    values.push_back(std::move(p));
  }
  values.push_back(integer(in.from.version));
  values.push_back(integer(in.from.changed_at_ms));
  values.push_back(integer(in.from.stage_since_ms));
  for (Param& p : flagParams(in.to)) {
    values.push_back(std::move(p));
  }
  std::string marks = "?";
  for (size_t i = 1; i < values.size(); ++i) {
    marks += ", ?";
  }
  CB_RETURN_IF_ERROR(
      exec(c, "INSERT INTO cb_flag_changes (" + kChangeColumns + ") VALUES (" + marks + ")", values)
          .status());
  head->last_change_id = id;
  out->change_id = id;
  return okStatus();
}

// Writes the decision only while the request is pending.
Status decideChange(Connection& c, const ChangeRequest& in, int64_t now, CommitResult* out,
                    Status* refusal) {
  const std::string what = "change request " + std::to_string(in.id);
  CB_ASSIGN_OR_RETURN(int64_t rows,
                      exec(c,
                           "UPDATE cb_flag_changes SET state = ?, decided_by = ?, "
                           "decided_at_ms = ?, decision_note = ? "
                           "WHERE change_id = ? AND state = 'pending'",
                           {text(std::string(changeStateName(in.state))), text(in.decided_by),
                            integer(in.decided_at_ms != 0 ? in.decided_at_ms : now),
                            text(in.decision_note), integer(in.id)}));
  if (rows == 0) {
    CB_ASSIGN_OR_RETURN(auto read, run(c, "SELECT state FROM cb_flag_changes WHERE change_id = ?",
                                       {integer(in.id)}));
    CB_ASSIGN_OR_RETURN(bool exists, read->fetch());
    if (!exists) {
      return notFound("no " + what);
    }
    CB_ASSIGN_OR_RETURN(std::string state, read->getString(1));
    return refuse(refusal, what + " is " + state + ", not pending: it was decided already");
  }
  out->change_id = in.id;
  return okStatus();
}

Status reconciliationIn(Connection& c, const ReconciliationRecord& r, int64_t now, Head* head,
                        CommitResult* out) {
  const int64_t id = head->last_reconciliation_id + 1;
  CB_RETURN_IF_ERROR(exec(c,
                          std::string("INSERT INTO cb_flag_reconciliations (") +
                              kReconciliationColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          {integer(id), text(r.line), integer(r.at_ms != 0 ? r.at_ms : now),
                           text(r.recorded_by), text(r.business_date), integer(r.balanced ? 1 : 0),
                           integer(r.differences), text(r.summary_json)})
                         .status());
  head->last_reconciliation_id = id;
  out->reconciliation_id = id;
  return okStatus();
}

// Appends the entries after the head's, chained to it. A draft's change_id
// 0 becomes `inserted_change_id`: the change this commit inserts, if any.
Status auditIn(Connection& c, const std::vector<AuditDraft>& drafts, int64_t now,
               int64_t inserted_change_id, Head* head, CommitResult* out) {
  if (drafts.empty()) {
    return okStatus();
  }
  CB_ASSIGN_OR_RETURN(auto insert,
                      c.prepare(std::string("INSERT INTO cb_flag_audit (") + kAuditColumns +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const AuditDraft& d : drafts) {
    AuditEntry e;
    e.seq = head->audit_seq + 1;
    e.at_ms = d.at_ms != 0 ? d.at_ms : now;
    e.actor = d.actor;
    e.action = d.action;
    e.line = d.line;
    e.from = d.from;
    e.to = d.to;
    e.reason = d.reason;
    e.approved_by = d.approved_by;
    e.evidence = d.evidence;
    e.change_id = d.change_id != 0 ? d.change_id : inserted_change_id;
    e.prev_hash = head->audit_seq == 0 ? genesisHash() : head->audit_hash;
    e.hash = auditHash(e);
    CB_RETURN_IF_ERROR(bindAll(
        *insert, {integer(e.seq), integer(e.at_ms), text(e.actor), text(e.action), text(e.line),
                  text(e.from), text(e.to), text(e.reason), text(e.approved_by), text(e.evidence),
                  integer(e.change_id), text(e.prev_hash), text(e.hash)}));
    CB_RETURN_IF_ERROR(insert->execute());
    head->audit_seq = e.seq;
    head->audit_hash = e.hash;
    out->audit_seqs.push_back(e.seq);
  }
  return okStatus();
}

// The whole of one commit, in its transaction.
Status commitIn(Connection& c, const FlagCommit& in, int64_t now, CommitResult* out,
                Status* refusal) {
  CB_ASSIGN_OR_RETURN(Head head, lockHead(c));
  if (in.set_line) {
    CB_RETURN_IF_ERROR(setLineIn(c, *in.set_line, in.expected_version, now, head, out, refusal));
  }
  if (in.change) {
    CB_RETURN_IF_ERROR(
        in.change->id == 0
            ? insertChange(c, *in.change, now, in.set_line.has_value(), &head, out, refusal)
            : decideChange(c, *in.change, now, out, refusal));
  }
  if (in.reconciliation) {
    CB_RETURN_IF_ERROR(reconciliationIn(c, *in.reconciliation, now, &head, out));
  }
  const bool inserted = in.change && in.change->id == 0;
  CB_RETURN_IF_ERROR(auditIn(c, in.audit, now, inserted ? out->change_id : 0, &head, out));
  CB_RETURN_IF_ERROR(writeHead(c, head));
  out->generation = head.generation;
  return okStatus();
}

}  // namespace

int64_t flagStoreNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SqlFlagStore::SqlFlagStore(std::unique_ptr<odbc::ConnectionPool> pool, SqlFlagStoreOptions options,
                           int schema_version)
    : pool_(std::move(pool)), options_(std::move(options)), schema_version_(schema_version) {}

Result<std::unique_ptr<SqlFlagStore>> SqlFlagStore::open(const std::string& connection_string,
                                                         SqlFlagStoreOptions options) {
  CB_ASSIGN_OR_RETURN(odbc::OpenedStore store,
                      odbc::openStore(connection_string, options.pool_size, options.read_only,
                                      {"cb_flag_schema_migrations", "flag store", migrations}));
  if (!options.clock) {
    options.clock = flagStoreNowMs;
  }
  return std::unique_ptr<SqlFlagStore>(
      new SqlFlagStore(std::move(store.pool), std::move(options), store.schema_version));
}

Result<int64_t> SqlFlagStore::generation() {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st,
                      run(*conn, "SELECT generation FROM cb_flag_head WHERE name = 'head'", {}));
  CB_ASSIGN_OR_RETURN(bool row, st->fetch());
  if (!row) {
    return dataLoss("flag store: the head row is missing");
  }
  return st->getInt64(1);
}

Result<std::vector<LineFlags>> SqlFlagStore::lines() {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, run(*conn, "SELECT " + kLineColumns + " FROM cb_flag_lines", {}));
  CB_ASSIGN_OR_RETURN(std::vector<LineFlags> out, allRows<LineFlags>(*st, lineOfRow));
  // By name byte for byte, whatever the database's collation.
  std::sort(out.begin(), out.end(),
            [](const LineFlags& a, const LineFlags& b) { return a.line < b.line; });
  return out;
}

Result<std::vector<ChangeRequest>> SqlFlagStore::queryChanges(const std::string& where,
                                                              size_t limit) {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, run(*conn,
                                   "SELECT " + kChangeColumns + " FROM cb_flag_changes" + where +
                                       " ORDER BY change_id DESC" + limitClause(limit),
                                   {}));
  return allRows<ChangeRequest>(*st, changeOfRow);
}

Result<std::vector<ChangeRequest>> SqlFlagStore::changes(std::optional<ChangeState> state,
                                                         size_t limit) {
  // The state as a literal: one of three fixed names.
  return queryChanges(
      state ? " WHERE state = '" + std::string(changeStateName(*state)) + "'" : std::string(),
      limit);
}

Result<ChangeRequest> SqlFlagStore::change(int64_t id) {
  // The id as a literal: a number (a text parameter would not compare with
  // a BIGINT on PostgreSQL).
  CB_ASSIGN_OR_RETURN(std::vector<ChangeRequest> found,
                      queryChanges(" WHERE change_id = " + std::to_string(id), 1));
  if (found.empty()) {
    return notFound("no change request " + std::to_string(id));
  }
  return std::move(found.front());
}

Result<std::vector<AuditEntry>> SqlFlagStore::audit(const AuditQuery& q) {
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM cb_flag_audit WHERE seq > " +
                    std::to_string(q.after_seq);
  std::vector<Param> values;
  if (!q.line.empty()) {
    sql += " AND line = ?";
    values.push_back(text(q.line));
  }
  sql += q.newest_first ? " ORDER BY seq DESC" : " ORDER BY seq";
  sql += limitClause(q.limit);
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, run(*conn, sql, values));
  return allRows<AuditEntry>(*st, auditOfRow);
}

Result<AuditHead> SqlFlagStore::auditHead() {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(Head h, readHead(*conn));
  return AuditHead{h.audit_seq, h.audit_seq > 0 ? h.audit_hash : std::string()};
}

Result<std::vector<ReconciliationRecord>> SqlFlagStore::reconciliations(const std::string& line,
                                                                        size_t limit) {
  std::string sql =
      std::string("SELECT ") + kReconciliationColumns + " FROM cb_flag_reconciliations";
  std::vector<Param> values;
  if (!line.empty()) {
    sql += " WHERE line = ?";
    values.push_back(text(line));
  }
  sql += " ORDER BY reconciliation_id DESC" + limitClause(limit);
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, run(*conn, sql, values));
  return allRows<ReconciliationRecord>(*st, reconciliationOfRow);
}

Result<CommitResult> SqlFlagStore::commit(const FlagCommit& in) {
  CB_RETURN_IF_ERROR(checkCommit(in));
  const int64_t now = options_.clock();
  CommitResult result;
  Status refusal;
  Status s = odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        result = CommitResult{};
        refusal = okStatus();
        return commitIn(c, in, now, &result, &refusal);
      },
      options_.retry);
  if (!refusal.ok()) {
    return refusal;
  }
  if (!s.ok()) {
    return s;
  }
  return result;
}

}  // namespace corebridge::bridge

#include "dualwrite/sql_repair_store.h"

#include <algorithm>
#include <array>
#include <utility>

#include "adapters/odbc/migrations.h"
#include "adapters/odbc/statement.h"

namespace corebridge::dualwrite {

namespace odbc = adapters::odbc;
using odbc::Connection;
using odbc::Statement;

namespace {

constexpr size_t kMaxText = 4000;  // details and errors are clipped to this

std::vector<odbc::Migration> migrations(const odbc::Dialect& dialect) {
  const std::string engine = odbc::tableOptions(dialect);
  return {
      odbc::Migration{
          1,
          "repair cases, their accounts and their history",
          {
              "CREATE TABLE dw_repair_ids ("
              " name VARCHAR(16) NOT NULL PRIMARY KEY,"
              " next_id BIGINT NOT NULL)" +
                  engine,
              "INSERT INTO dw_repair_ids (name, next_id) VALUES ('case', 0)",
              "CREATE TABLE dw_repair_cases ("
              " case_id BIGINT NOT NULL PRIMARY KEY,"
              " kind VARCHAR(24) NOT NULL,"
              " state VARCHAR(8) NOT NULL,"
              " product_line VARCHAR(32) NOT NULL,"
              " account VARCHAR(64) NOT NULL,"
              " accounts TEXT NOT NULL,"
              " trancode VARCHAR(8) NOT NULL,"
              " txn_id VARCHAR(64) NOT NULL,"
              " stage INTEGER NOT NULL,"
              " primary_side VARCHAR(8) NOT NULL,"
              " compare_replies INTEGER NOT NULL,"
              " commarea_b64 TEXT NOT NULL,"
              " primary_zz INTEGER NOT NULL,"
              " primary_reply_b64 TEXT NOT NULL,"
              " attempts BIGINT NOT NULL,"
              " last_error TEXT NOT NULL,"
              " opened_at_ms BIGINT NOT NULL,"
              " updated_at_ms BIGINT NOT NULL,"
              " closed_at_ms BIGINT NOT NULL,"
              " event_count INTEGER NOT NULL)" +
                  engine,
              "CREATE INDEX dw_repair_cases_state ON dw_repair_cases (state, case_id)",
              "CREATE INDEX dw_repair_cases_line ON dw_repair_cases (product_line, case_id)",
              "CREATE TABLE dw_repair_accounts ("
              " case_id BIGINT NOT NULL,"
              " seq INTEGER NOT NULL,"
              " account VARCHAR(64) NOT NULL,"
              " PRIMARY KEY (case_id, seq))" +
                  engine,
              "CREATE INDEX dw_repair_accounts_account ON dw_repair_accounts (account, case_id)",
              "CREATE TABLE dw_repair_events ("
              " case_id BIGINT NOT NULL,"
              " seq INTEGER NOT NULL,"
              " at_ms BIGINT NOT NULL,"
              " event VARCHAR(24) NOT NULL,"
              " detail TEXT NOT NULL,"
              " PRIMARY KEY (case_id, seq))" +
                  engine,
          }},
      odbc::Migration{2,
                      "the journal intent of each case (the order of an account's cases)",
                      {"ALTER TABLE dw_repair_cases ADD COLUMN intent_seq BIGINT NOT NULL "
                       "DEFAULT 0"}}};
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0u);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kBase64[(v >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

Result<std::string> fromBase64(std::string_view text, int64_t case_id) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) {
    value[static_cast<uint8_t>(kBase64[i])] = i;
  }
  if (text.size() % 4 != 0) {
    return dataLoss("repair case " + std::to_string(case_id) + ": base64 of a bad length");
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    size_t pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char ch = text[i + k];
      const int d = value[static_cast<uint8_t>(ch)];
      if (ch == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
      } else if (d < 0 || pad > 0) {
        return dataLoss("repair case " + std::to_string(case_id) + ": bad base64");
      }
      v = (v << 6) | static_cast<uint32_t>(d < 0 ? 0 : d);
    }
    for (size_t k = 0; k < 3 - pad; ++k) {
      out += static_cast<char>((v >> (16 - 8 * k)) & 0xFF);
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& accounts) {
  std::string out;
  for (const std::string& a : accounts) {
    out += out.empty() ? a : "," + a;
  }
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from < text.size()) {
    size_t comma = text.find(',', from);
    if (comma == std::string::npos) {
      comma = text.size();
    }
    out.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

std::string clip(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

constexpr const char kCaseColumns[] =
    "case_id, kind, state, product_line, account, accounts, trancode, txn_id, stage, "
    "primary_side, compare_replies, commarea_b64, primary_zz, primary_reply_b64, attempts, "
    "last_error, opened_at_ms, updated_at_ms, closed_at_ms, intent_seq";

Result<RepairCase> caseOfRow(const Statement& st) {
  RepairCase c;
  CB_ASSIGN_OR_RETURN(c.id, st.getInt64(1));
  const std::string what = "repair case " + std::to_string(c.id);
  CB_ASSIGN_OR_RETURN(std::string kind, st.getString(2));
  if (!parseRepairKind(kind, &c.kind)) {
    return dataLoss(what + ": kind '" + kind + "' is unknown");
  }
  CB_ASSIGN_OR_RETURN(std::string state, st.getString(3));
  if (!parseRepairState(state, &c.state)) {
    return dataLoss(what + ": state '" + state + "' is unknown");
  }
  CB_ASSIGN_OR_RETURN(c.product_line, st.getString(4));
  CB_ASSIGN_OR_RETURN(c.account, st.getString(5));
  CB_ASSIGN_OR_RETURN(std::string accounts, st.getString(6));
  c.accounts = split(accounts);
  CB_ASSIGN_OR_RETURN(c.trancode, st.getString(7));
  CB_ASSIGN_OR_RETURN(c.txn_id, st.getString(8));
  CB_ASSIGN_OR_RETURN(int64_t stage, st.getInt64(9));
  c.stage = static_cast<int>(stage);
  CB_ASSIGN_OR_RETURN(std::string primary, st.getString(10));
  c.primary = primary == "new" ? 1 : 0;
  CB_ASSIGN_OR_RETURN(int64_t compare, st.getInt64(11));
  c.compare = compare != 0;
  CB_ASSIGN_OR_RETURN(std::string commarea, st.getString(12));
  CB_ASSIGN_OR_RETURN(c.commarea, fromBase64(commarea, c.id));
  CB_ASSIGN_OR_RETURN(int64_t zz, st.getInt64(13));
  c.primary_zz = static_cast<int>(zz);
  CB_ASSIGN_OR_RETURN(std::string reply, st.getString(14));
  CB_ASSIGN_OR_RETURN(c.primary_reply, fromBase64(reply, c.id));
  CB_ASSIGN_OR_RETURN(int64_t attempts, st.getInt64(15));
  c.attempts = static_cast<uint32_t>(attempts);
  CB_ASSIGN_OR_RETURN(c.last_error, st.getString(16));
  CB_ASSIGN_OR_RETURN(c.opened_at_ms, st.getInt64(17));
  CB_ASSIGN_OR_RETURN(c.updated_at_ms, st.getInt64(18));
  CB_ASSIGN_OR_RETURN(c.closed_at_ms, st.getInt64(19));
  CB_ASSIGN_OR_RETURN(int64_t intent, st.getInt64(20));
  c.intent = static_cast<uint64_t>(intent);
  return c;
}

// Binds `values` from parameter 1 on, each a string or an int64.
struct Param {
  bool is_int = false;
  int64_t i = 0;
  std::string s;
};

Status bindAll(Statement& st, const std::vector<Param>& values) {
  for (size_t k = 0; k < values.size(); ++k) {
    const int index = static_cast<int>(k + 1);
    CB_RETURN_IF_ERROR(values[k].is_int ? st.bindInt64(index, values[k].i)
                                        : st.bindString(index, values[k].s));
  }
  return okStatus();
}

Param text(std::string s) { return Param{false, 0, std::move(s)}; }
Param integer(int64_t i) { return Param{true, i, {}}; }

}  // namespace

SqlRepairStore::SqlRepairStore(std::unique_ptr<odbc::ConnectionPool> pool,
                               RepairStoreOptions options, int schema_version)
    : pool_(std::move(pool)), options_(std::move(options)), schema_version_(schema_version) {}

Result<std::unique_ptr<SqlRepairStore>> SqlRepairStore::open(const std::string& connection_string,
                                                             RepairStoreOptions options) {
  CB_ASSIGN_OR_RETURN(odbc::OpenedStore store,
                      odbc::openStore(connection_string, options.pool_size, options.read_only,
                                      {"dw_repair_schema_migrations", "repair store", migrations}));
  if (!options.clock) {
    options.clock = unixMillisNow;
  }
  return std::unique_ptr<SqlRepairStore>(
      new SqlRepairStore(std::move(store.pool), std::move(options), store.schema_version));
}

Result<int64_t> SqlRepairStore::openCase(const RepairCase& in) {
  CB_ASSIGN_OR_RETURN(RepairCase c, normalizedNewCase(in));
  for (const std::string& a : c.accounts) {
    if (a.size() > 64) {
      return invalidArgument("repair case account '" + a + "' is longer than 64 characters");
    }
  }
  const int64_t now = options_.clock();
  int64_t id = 0;
  CB_RETURN_IF_ERROR(odbc::runTransaction(
      *pool_,
      [&](Connection& conn) -> Status {
        CB_RETURN_IF_ERROR(
            conn.execute("UPDATE dw_repair_ids SET next_id = next_id + 1 WHERE name = 'case'"));
        CB_ASSIGN_OR_RETURN(auto next,
                            conn.prepare("SELECT next_id FROM dw_repair_ids WHERE name = 'case'"));
        CB_RETURN_IF_ERROR(next->execute());
        CB_ASSIGN_OR_RETURN(bool row, next->fetch());
        if (!row) {
          return dataLoss("repair store: the id counter row is missing");
        }
        CB_ASSIGN_OR_RETURN(id, next->getInt64(1));
        CB_ASSIGN_OR_RETURN(
            auto insert,
            conn.prepare(std::string("INSERT INTO dw_repair_cases (") + kCaseColumns +
                         ", event_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, ?, ?, ?, 1)"));
        CB_RETURN_IF_ERROR(bindAll(*insert, {integer(id),
                                             text(std::string(repairKindName(c.kind))),
                                             text("open"),
                                             text(clip(c.product_line, 32)),
                                             text(c.account),
                                             text(joined(c.accounts)),
                                             text(clip(c.trancode, 8)),
                                             text(clip(c.txn_id, 64)),
                                             integer(c.stage),
                                             text(c.primary == 1 ? "new" : "legacy"),
                                             integer(c.compare ? 1 : 0),
                                             text(base64(c.commarea)),
                                             integer(c.primary_zz),
                                             text(base64(c.primary_reply)),
                                             integer(0),
                                             text(clip(c.last_error, kMaxText)),
                                             integer(now),
                                             integer(now),
                                             integer(0),
                                             integer(static_cast<int64_t>(c.intent))}));
        CB_RETURN_IF_ERROR(insert->execute());
        CB_ASSIGN_OR_RETURN(
            auto account,
            conn.prepare(
                "INSERT INTO dw_repair_accounts (case_id, seq, account) VALUES (?, ?, ?)"));
        for (size_t k = 0; k < c.accounts.size(); ++k) {
          CB_RETURN_IF_ERROR(bindAll(
              *account, {integer(id), integer(static_cast<int64_t>(k)), text(c.accounts[k])}));
          CB_RETURN_IF_ERROR(account->execute());
        }
        CB_ASSIGN_OR_RETURN(auto event,
                            conn.prepare("INSERT INTO dw_repair_events (case_id, seq, at_ms, "
                                         "event, detail) VALUES (?, 1, ?, 'opened', ?)"));
        CB_RETURN_IF_ERROR(
            bindAll(*event, {integer(id), integer(now), text(clip(c.last_error, kMaxText))}));
        return event->execute();
      },
      options_.retry));
  return id;
}

Status SqlRepairStore::appendEvent(Connection& conn, int64_t id, int64_t now,
                                   std::string_view event, std::string_view detail,
                                   bool must_be_open) {
  const std::string what = "repair case " + std::to_string(id);
  // The UPDATE first: its row lock orders concurrent events of one case.
  CB_ASSIGN_OR_RETURN(auto bump,
                      conn.prepare("UPDATE dw_repair_cases SET event_count = event_count + 1, "
                                   "updated_at_ms = ? WHERE case_id = ?"));
  CB_RETURN_IF_ERROR(bindAll(*bump, {integer(now), integer(id)}));
  CB_RETURN_IF_ERROR(bump->execute());
  CB_ASSIGN_OR_RETURN(int64_t rows, bump->rowsAffected());
  if (rows == 0) {
    return notFound("no " + what);
  }
  CB_ASSIGN_OR_RETURN(
      auto read, conn.prepare("SELECT event_count, state FROM dw_repair_cases WHERE case_id = ?"));
  CB_RETURN_IF_ERROR(bindAll(*read, {integer(id)}));
  CB_RETURN_IF_ERROR(read->execute());
  CB_ASSIGN_OR_RETURN(bool row, read->fetch());
  if (!row) {
    return notFound("no " + what);
  }
  CB_ASSIGN_OR_RETURN(int64_t seq, read->getInt64(1));
  CB_ASSIGN_OR_RETURN(std::string state, read->getString(2));
  if (must_be_open && state != "open") {
    return failedPrecondition(what + " is closed already");
  }
  CB_ASSIGN_OR_RETURN(auto insert,
                      conn.prepare("INSERT INTO dw_repair_events (case_id, seq, at_ms, event, "
                                   "detail) VALUES (?, ?, ?, ?, ?)"));
  CB_RETURN_IF_ERROR(bindAll(*insert, {integer(id), integer(seq), integer(now),
                                       text(clip(event, 24)), text(clip(detail, kMaxText))}));
  return insert->execute();
}

Status SqlRepairStore::addEvent(int64_t id, std::string_view event, std::string_view detail) {
  const int64_t now = options_.clock();
  return odbc::runTransaction(
      *pool_, [&](Connection& conn) { return appendEvent(conn, id, now, event, detail, false); },
      options_.retry);
}

Status SqlRepairStore::recordAttempt(int64_t id, bool ok, std::string_view detail) {
  const int64_t now = options_.clock();
  return odbc::runTransaction(
      *pool_,
      [&](Connection& conn) -> Status {
        CB_RETURN_IF_ERROR(
            appendEvent(conn, id, now, ok ? "retried" : "retry_failed", detail, true));
        CB_ASSIGN_OR_RETURN(
            auto update,
            conn.prepare(ok ? "UPDATE dw_repair_cases SET attempts = attempts + 1 WHERE case_id = ?"
                            : "UPDATE dw_repair_cases SET attempts = attempts + 1, last_error = ? "
                              "WHERE case_id = ?"));
        if (ok) {
          CB_RETURN_IF_ERROR(bindAll(*update, {integer(id)}));
        } else {
          CB_RETURN_IF_ERROR(bindAll(*update, {text(clip(detail, kMaxText)), integer(id)}));
        }
        return update->execute();
      },
      options_.retry);
}

Status SqlRepairStore::closeCase(int64_t id, std::string_view detail) {
  const int64_t now = options_.clock();
  return odbc::runTransaction(
      *pool_,
      [&](Connection& conn) -> Status {
        CB_RETURN_IF_ERROR(appendEvent(conn, id, now, "closed", detail, true));
        CB_ASSIGN_OR_RETURN(auto update,
                            conn.prepare("UPDATE dw_repair_cases SET state = 'closed', "
                                         "closed_at_ms = ? WHERE case_id = ?"));
        CB_RETURN_IF_ERROR(bindAll(*update, {integer(now), integer(id)}));
        return update->execute();
      },
      options_.retry);
}

Result<std::vector<RepairCase>> SqlRepairStore::query(const std::string& where,
                                                      const std::vector<std::string>& params,
                                                      const std::string& order, size_t limit) {
  std::string sql = std::string("SELECT ") + kCaseColumns + " FROM dw_repair_cases c" + where +
                    " ORDER BY " + order;
  if (limit > 0) {
    sql += " LIMIT " + std::to_string(limit);
  }
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, conn->prepare(sql));
  std::vector<Param> bound;
  bound.reserve(params.size());
  for (const std::string& p : params) {
    bound.push_back(text(p));
  }
  CB_RETURN_IF_ERROR(bindAll(*st, bound));
  CB_RETURN_IF_ERROR(st->execute());
  std::vector<RepairCase> out;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, st->fetch());
    if (!row) {
      return out;
    }
    CB_ASSIGN_OR_RETURN(RepairCase c, caseOfRow(*st));
    out.push_back(std::move(c));
  }
}

Result<std::vector<RepairCase>> SqlRepairStore::openCases() {
  return query(" WHERE c.state = 'open'", {}, "c.case_id", 0);
}

Result<std::vector<RepairCase>> SqlRepairStore::list(const RepairFilter& f) {
  std::vector<std::string> clauses;
  std::vector<std::string> params;
  if (f.state) {
    clauses.push_back("c.state = ?");
    params.emplace_back(repairStateName(*f.state));
  }
  if (!f.product_line.empty()) {
    clauses.push_back("c.product_line = ?");
    params.push_back(f.product_line);
  }
  if (!f.account.empty()) {
    clauses.push_back(
        "EXISTS (SELECT 1 FROM dw_repair_accounts a WHERE a.case_id = c.case_id AND "
        "a.account = ?)");
    params.push_back(f.account);
  }
  std::string where;
  for (size_t i = 0; i < clauses.size(); ++i) {
    where += (i == 0 ? " WHERE " : " AND ") + clauses[i];
  }
  return query(where, params, "c.case_id DESC", f.limit);
}

Result<RepairCase> SqlRepairStore::getCase(int64_t id) {
  // The id as a literal: it is a number, and a text parameter would not
  // compare with a BIGINT on PostgreSQL.
  CB_ASSIGN_OR_RETURN(std::vector<RepairCase> found,
                      query(" WHERE c.case_id = " + std::to_string(id), {}, "c.case_id", 1));
  if (found.empty()) {
    return notFound("no repair case " + std::to_string(id));
  }
  return std::move(found.front());
}

Result<std::vector<RepairEvent>> SqlRepairStore::history(int64_t id) {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection conn, pool_->acquire());
  CB_ASSIGN_OR_RETURN(auto st, conn->prepare("SELECT at_ms, event, detail FROM dw_repair_events "
                                             "WHERE case_id = ? ORDER BY seq"));
  CB_RETURN_IF_ERROR(bindAll(*st, {integer(id)}));
  CB_RETURN_IF_ERROR(st->execute());
  std::vector<RepairEvent> out;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, st->fetch());
    if (!row) {
      break;
    }
    RepairEvent e;
    e.case_id = id;
    CB_ASSIGN_OR_RETURN(e.at_ms, st->getInt64(1));
    CB_ASSIGN_OR_RETURN(e.event, st->getString(2));
    CB_ASSIGN_OR_RETURN(e.detail, st->getString(3));
    out.push_back(std::move(e));
  }
  if (out.empty()) {
    return notFound("no repair case " + std::to_string(id));  // every case has "opened"
  }
  return out;
}

Result<std::unique_ptr<RepairStore>> openRepairStore(const std::string& dsn,
                                                     RepairStoreOptions options) {
  if (dsn == "memory:") {
    return std::unique_ptr<RepairStore>(
        std::make_unique<InMemoryRepairStore>(options.clock ? options.clock : unixMillisNow));
  }
  CB_ASSIGN_OR_RETURN(std::unique_ptr<SqlRepairStore> store,
                      SqlRepairStore::open(dsn, std::move(options)));
  return std::unique_ptr<RepairStore>(std::move(store));
}

}  // namespace corebridge::dualwrite

#include "tools/crash-check/stores.h"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "adapters/odbc/connection.h"
#include "adapters/odbc/statement.h"
#include "mappings/framing.h"
#include "mappings/record_codec.h"
#include "tools/bridgectl/args.h"
#include "tools/bridgectl/codec_setup.h"
#include "tools/bridgectl/io.h"

namespace corebridge::crashcheck {

namespace {

// A numeric field's value in minor units (scale 2), or as an integer
// (scale 0); the field must be present and decoded.
Result<int64_t> numberOf(const mappings::Layout& layout, const mappings::Record& record,
                         const char* name, int scale) {
  const int index = layout.find(name);
  const mappings::Value* v = index == mappings::kNoIndex ? nullptr : record.first(index);
  if (v == nullptr || v->kind != mappings::Value::Kind::kNumber) {
    return invalidArgument(std::string("no numeric ") + name);
  }
  CB_ASSIGN_OR_RETURN(mappings::Decimal d, v->number.rescale(scale));
  return static_cast<int64_t>(d.unscaled);
}

std::string textOf(const mappings::Layout& layout, const mappings::Record& record,
                   const char* name) {
  const int index = layout.find(name);
  const mappings::Value* v = index == mappings::kNoIndex ? nullptr : record.first(index);
  if (v == nullptr || v->kind != mappings::Value::Kind::kText) {
    return "";
  }
  const size_t end = v->text.find_last_not_of(' ');
  return end == std::string::npos ? "" : v->text.substr(0, end + 1);
}

std::string account12(int64_t n) { return fmt::format("{:012d}", n); }

}  // namespace

Result<Side> readLegacyExtract(const std::string& path, const std::string& copybook,
                               const std::string& select_file) {
  // The same codec set-up as `bridgectl decode --dialect gnucobol`.
  std::vector<std::string> words = {"crash-check", "--copybook",    copybook,   "--dialect",
                                    "gnucobol",    "--select-file", select_file};
  std::vector<char*> argv;
  argv.reserve(words.size());
  for (std::string& w : words) {
    argv.push_back(w.data());
  }
  std::vector<tools::OptionSpec> specs = tools::copybookOptionSpecs();
  for (const tools::OptionSpec& s : tools::recordOptionSpecs()) {
    specs.push_back(s);
  }
  CB_ASSIGN_OR_RETURN(tools::Args args,
                      tools::Args::parse(static_cast<int>(argv.size()), argv.data(), 1, specs));
  CB_ASSIGN_OR_RETURN(tools::CodecSetup setup, tools::loadCodec(args));
  CB_ASSIGN_OR_RETURN(tools::Input input, tools::Input::open(path));
  const mappings::Layout& layout = *setup.layout;
  mappings::RecordReader reader(input.bytes(), setup.framing);
  mappings::FramedRecord framed;
  mappings::Record record;
  Side side;
  side.name = "legacy";
  bool trailer = false;
  uint64_t n = 0;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool more, reader.next(&framed));
    if (!more) {
      break;
    }
    ++n;
    auto where = [&](const Status& s) {
      return Status(s.code(), fmt::format("{}: record {}: {}", path, n, s.message()));
    };
    if (Status s = setup.codec->decode(reinterpret_cast<const uint8_t*>(framed.data.data()),
                                       framed.data.size(), &record);
        !s.ok()) {
      return where(s);
    }
    const std::string type = textOf(layout, record, "EX-REC-TYPE");
    if (type == "A") {
      Result<int64_t> number = numberOf(layout, record, "EXA-ACCT-NUMBER", 0);
      Result<int64_t> balance = numberOf(layout, record, "EXA-LEDGER-BALANCE", 2);
      Result<int64_t> seq = numberOf(layout, record, "EXA-LAST-POSTING-SEQ", 0);
      for (const Status& s : {number.status(), balance.status(), seq.status()}) {
        if (!s.ok()) {
          return where(s);
        }
      }
      AccountRow& a = side.accounts[account12(*number)];
      a.balance = *balance;
      a.last_seq = *seq;
      a.closed = textOf(layout, record, "EXA-STATUS") == "C";
    } else if (type == "P") {
      Result<int64_t> number = numberOf(layout, record, "EXP-ACCT-NUMBER", 0);
      Result<int64_t> seq = numberOf(layout, record, "EXP-POSTING-SEQ", 0);
      Result<int64_t> amount = numberOf(layout, record, "EXP-AMOUNT", 2);
      for (const Status& s : {number.status(), seq.status(), amount.status()}) {
        if (!s.ok()) {
          return where(s);
        }
      }
      PostingRow p;
      p.account = account12(*number);
      p.seq = *seq;
      p.txn_id = textOf(layout, record, "EXP-CHANNEL-TXN-ID");
      const std::string dc = textOf(layout, record, "EXP-DR-CR-CODE");
      p.dc = dc.empty() ? '?' : dc[0];
      p.amount = *amount;
      side.postings.push_back(std::move(p));
    } else if (type == "T") {
      trailer = true;
    }
  }
  if (!trailer) {
    return Status(StatusCode::kDataLoss, path + ": no trailer record: the extract is incomplete");
  }
  return side;
}

// Runs `sql` and calls `row` for each row it returns.
Status forEachRow(adapters::odbc::Connection& c, const char* sql,
                  const std::function<Status(const adapters::odbc::Statement&)>& row) {
  CB_ASSIGN_OR_RETURN(auto st, c.prepare(sql));
  CB_RETURN_IF_ERROR(st->execute());
  while (true) {
    CB_ASSIGN_OR_RETURN(bool more, st->fetch());
    if (!more) {
      return okStatus();
    }
    CB_RETURN_IF_ERROR(row(*st));
  }
}

Result<Side> readNewStore(const std::string& dsn) {
  CB_ASSIGN_OR_RETURN(auto c, adapters::odbc::Connection::open(dsn));
  Side side;
  side.name = "new";
  CB_RETURN_IF_ERROR(
      forEachRow(*c, "SELECT account_id, ledger_balance, last_posting_seq, status FROM nc_accounts",
                 [&](const adapters::odbc::Statement& st) -> Status {
                   CB_ASSIGN_OR_RETURN(std::string id, st.getString(1));
                   AccountRow& a = side.accounts[id];
                   CB_ASSIGN_OR_RETURN(a.balance, st.getInt64(2));
                   CB_ASSIGN_OR_RETURN(a.last_seq, st.getInt64(3));
                   CB_ASSIGN_OR_RETURN(int64_t status, st.getInt64(4));
                   a.closed = status == 4;  // idl AccountStatus CLOSED
                   return okStatus();
                 }));
  CB_RETURN_IF_ERROR(
      forEachRow(*c,
                 "SELECT account_id, seq, idempotency_key, direction, amount FROM nc_postings "
                 "ORDER BY account_id, seq",
                 [&](const adapters::odbc::Statement& st) -> Status {
                   PostingRow p;
                   CB_ASSIGN_OR_RETURN(p.account, st.getString(1));
                   CB_ASSIGN_OR_RETURN(p.seq, st.getInt64(2));
                   CB_ASSIGN_OR_RETURN(p.txn_id, st.getString(3));
                   CB_ASSIGN_OR_RETURN(int64_t direction, st.getInt64(4));
                   p.dc = direction == 1 ? 'D' : direction == 2 ? 'C' : '?';  // idl Direction
                   CB_ASSIGN_OR_RETURN(p.amount, st.getInt64(5));
                   const size_t end = p.txn_id.find_last_not_of(' ');
                   p.txn_id.resize(end == std::string::npos ? 0 : end + 1);
                   side.postings.push_back(std::move(p));
                   return okStatus();
                 }));
  CB_RETURN_IF_ERROR(
      forEachRow(*c, "SELECT idempotency_key FROM nc_idempotency_keys WHERE outcome_kind = 0",
                 [&](const adapters::odbc::Statement& st) -> Status {
                   CB_ASSIGN_OR_RETURN(std::string key, st.getString(1));
                   const size_t end = key.find_last_not_of(' ');
                   key.resize(end == std::string::npos ? 0 : end + 1);
                   side.answered_ok.insert(std::move(key));
                   return okStatus();
                 }));
  // Computed here, not through SqlLedgerStore::trialBalance: the checker
  // does not trust the code it checks. Balances plus GL contra legs.
  for (const char* sql : {"SELECT currency, SUM(ledger_balance) FROM nc_accounts GROUP BY 1",
                          "SELECT currency, SUM(signed_amount) FROM nc_gl_postings GROUP BY 1"}) {
    CB_RETURN_IF_ERROR(forEachRow(*c, sql, [&](const adapters::odbc::Statement& st) -> Status {
      CB_ASSIGN_OR_RETURN(std::string currency, st.getString(1));
      CB_ASSIGN_OR_RETURN(int64_t sum, st.getInt64(2));
      side.trial_balance[currency] += sum;
      return okStatus();
    }));
  }
  return side;
}

Status readAckLog(const std::string& path, std::vector<Ack>* out) {
  std::ifstream in(path);
  if (!in) {
    return invalidArgument("--ack-log: cannot read " + path);
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      continue;
    }
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) {
      cols.push_back(col);
    }
    if (cols.size() != 6) {
      return invalidArgument(fmt::format("{}:{}: expected 6 tab-separated columns", path, n));
    }
    Ack a;
    a.txn_id = cols[0];
    a.trancode = cols[1];
    a.rc = std::atoi(cols[2].c_str());
    std::stringstream accounts(cols[3]);
    while (std::getline(accounts, col, ',')) {
      a.accounts.push_back(col);
    }
    a.amount = std::atoll(cols[4].c_str());
    a.dc = cols[5];
    out->push_back(std::move(a));
  }
  return okStatus();
}

}  // namespace corebridge::crashcheck

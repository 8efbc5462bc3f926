#include "tools/bridgectl/reconcile_sources.h"

#include <chrono>

namespace corebridge::tools::reconcile {

namespace odbc = adapters::odbc;

namespace {

using Clock = std::chrono::steady_clock;

// Adds the time until it goes out of scope to `*ns` (nothing when null).
class Timed {
 public:
  explicit Timed(int64_t* ns) : ns_(ns), t0_(ns != nullptr ? Clock::now() : Clock::time_point()) {}
  ~Timed() {
    if (ns_ != nullptr) {
      *ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
    }
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  int64_t* ns_;
  Clock::time_point t0_;
};

const char* statusCode(int64_t idl_status) {
  switch (idl_status) {  // idl AccountStatus
    case 1:
      return "A";
    case 2:
      return "D";
    case 3:
      return "F";
    case 4:
      return "C";
    case 5:
      return "P";
  }
  return "?";
}

std::string trimmed(std::string s) {
  const size_t end = s.find_last_not_of(' ');
  s.resize(end == std::string::npos ? 0 : end + 1);
  return s;
}

}  // namespace

ExtractSource::ExtractSource(const ExtractReader& x, const mappings::ProductLineRule& lines,
                             std::string line, int minor_digits)
    : x_(x), lines_(lines), line_(std::move(line)), minor_digits_(minor_digits) {}

Status ExtractSource::header(int64_t* business_date) {
  CB_RETURN_IF_ERROR(x_.decode(1, &r_));
  if (x_.bytes(1)[0] != 'H') {
    return dataLoss("record 1: the extract does not start with its header");
  }
  *business_date = static_cast<int64_t>(number(r_, x_.fields().business_date).unscaled);
  next_ = 2;
  return okStatus();
}

Result<bool> ExtractSource::next(AccountRecord* out) {
  Timed timed(time_calls_ ? &busy_ns_ : nullptr);
  const ExtractFields& f = x_.fields();
  while (next_ <= x_.count()) {
    const size_t i = next_++;
    const char type = x_.bytes(i)[0];
    if (type == 'T') {
      return false;
    }
    if (type != 'A') {
      continue;  // a P record of an account of another line
    }
    CB_RETURN_IF_ERROR(x_.decode(i, &r_));
    if (lines_.lineOf(accountNumber(number(r_, f.account))) != line_) {
      continue;
    }
    out->account = masterOf(r_, f, minor_digits_);
    out->postings.clear();
    while (next_ <= x_.count() && x_.bytes(next_)[0] == 'P') {
      CB_RETURN_IF_ERROR(x_.decode(next_, &r_));
      ++next_;
      Posting p;
      p.seq = static_cast<int64_t>(number(r_, f.posting_seq).unscaled);
      p.txn_id = text(r_, f.posting_txn);
      const std::string dc = text(r_, f.posting_dc);
      p.dc = dc.empty() ? '?' : dc[0];
      p.amount = static_cast<int64_t>(scaled(number(r_, f.posting_amount), minor_digits_));
      out->postings.push_back(std::move(p));
    }
    return true;
  }
  return dataLoss("the extract has no trailer record: it is incomplete");
}

const char* const kAccountColumns =
    "account_id, product_code, customer_id, status, currency, ledger_balance, "
    "available_balance, overdraft_limit, accrued_interest, interest_rate_pct_micros, "
    "open_date, maturity_date, close_date, last_posting_seq, hold_count";

Status readAccountRow(const odbc::Statement& st, Account* a) {
  CB_ASSIGN_OR_RETURN(a->number, st.getString(1));
  a->number = trimmed(a->number);
  CB_ASSIGN_OR_RETURN(std::string product, st.getString(2));
  a->product_code = trimmed(product);
  CB_ASSIGN_OR_RETURN(a->customer, st.getInt64(3));
  CB_ASSIGN_OR_RETURN(int64_t status, st.getInt64(4));
  a->status = statusCode(status);
  CB_ASSIGN_OR_RETURN(std::string currency, st.getString(5));
  a->currency = trimmed(currency);
  CB_ASSIGN_OR_RETURN(a->ledger, st.getInt64(6));
  CB_ASSIGN_OR_RETURN(a->available, st.getInt64(7));
  CB_ASSIGN_OR_RETURN(a->overdraft, st.getInt64(8));
  CB_ASSIGN_OR_RETURN(a->accrued, st.getInt64(9));
  CB_ASSIGN_OR_RETURN(a->rate_micros, st.getInt64(10));
  CB_ASSIGN_OR_RETURN(a->open_date, st.getInt64(11));
  CB_ASSIGN_OR_RETURN(a->maturity_date, st.getInt64(12));
  CB_ASSIGN_OR_RETURN(a->close_date, st.getInt64(13));
  CB_ASSIGN_OR_RETURN(a->last_seq, st.getInt64(14));
  CB_ASSIGN_OR_RETURN(a->holds, st.getInt64(15));
  return okStatus();
}

Result<std::unique_ptr<PostingCursor>> PostingCursor::open(const std::string& dsn,
                                                           const mappings::ProductLineRule& lines,
                                                           std::string line,
                                                           int64_t business_date) {
  std::unique_ptr<PostingCursor> c(new PostingCursor(lines, std::move(line)));
  Timed timed(&c->busy_ns_);
  CB_ASSIGN_OR_RETURN(c->conn_, odbc::Connection::open(dsn));
  CB_ASSIGN_OR_RETURN(
      c->st_, c->conn_->prepare("SELECT account_id, seq, idempotency_key, direction, "
                                "amount FROM nc_postings WHERE business_date = " +
                                std::to_string(business_date) + " ORDER BY account_id, seq"));
  CB_RETURN_IF_ERROR(c->st_->execute());
  CB_RETURN_IF_ERROR(c->fetch());
  return c;
}

Status PostingCursor::postingsOf(const std::string& account, std::vector<Posting>* out) {
  out->clear();
  CB_RETURN_IF_ERROR(skipTo(account));
  while (has_ && account_ == account) {
    out->push_back(posting_);
    CB_RETURN_IF_ERROR(fetch());
  }
  return okStatus();
}

Status PostingCursor::skipTo(const std::string& account) {
  while (has_ && account_ < account) {
    if (lines_.lineOf(account_) == line_) {
      orphans_.push_back(
          {Kind::kOnlyInNew, "posting", account_,
           "seq " + std::to_string(posting_.seq) + " txn " + posting_.txn_id + " (no account row)",
           "", "", ""});
    }
    CB_RETURN_IF_ERROR(fetch());
  }
  return okStatus();
}

Status PostingCursor::fetch() {
  Timed timed(&busy_ns_);
  CB_ASSIGN_OR_RETURN(has_, st_->fetch());
  if (!has_) {
    return okStatus();
  }
  CB_ASSIGN_OR_RETURN(std::string account, st_->getString(1));
  account_ = trimmed(account);
  CB_ASSIGN_OR_RETURN(posting_.seq, st_->getInt64(2));
  CB_ASSIGN_OR_RETURN(std::string txn, st_->getString(3));
  posting_.txn_id = trimmed(txn);
  CB_ASSIGN_OR_RETURN(int64_t direction, st_->getInt64(4));
  posting_.dc = direction == 1 ? 'D' : direction == 2 ? 'C' : '?';  // idl Direction
  CB_ASSIGN_OR_RETURN(posting_.amount, st_->getInt64(5));
  return okStatus();
}

bool SnapshotKeys::answeredOk(const std::string& txn_id) {
  if (!error_.ok()) {
    return false;
  }
  auto ask = [&]() -> Result<bool> {
    if (st_ == nullptr) {
      CB_ASSIGN_OR_RETURN(conn_, odbc::Connection::open(dsn_));
      CB_ASSIGN_OR_RETURN(st_, conn_->prepare("SELECT COUNT(*) FROM nc_idempotency_keys WHERE "
                                              "idempotency_key = ? AND outcome_kind = 0"));
    }
    CB_RETURN_IF_ERROR(st_->bindString(1, txn_id));
    CB_RETURN_IF_ERROR(st_->execute());
    CB_ASSIGN_OR_RETURN(bool row, st_->fetch());
    if (!row) {
      return false;
    }
    CB_ASSIGN_OR_RETURN(int64_t n, st_->getInt64(1));
    return n > 0;
  };
  Result<bool> r = ask();
  if (!r.ok()) {
    error_ = r.status();
    return false;
  }
  return *r;
}

Result<std::unique_ptr<StoreSource>> StoreSource::open(const std::string& dsn,
                                                       const mappings::ProductLineRule& lines,
                                                       const std::string& line,
                                                       int64_t business_date) {
  std::unique_ptr<StoreSource> s(new StoreSource(lines, line, dsn));
  {
    Timed timed(&s->busy_ns_);
    CB_ASSIGN_OR_RETURN(s->accounts_conn_, odbc::Connection::open(dsn));
    CB_ASSIGN_OR_RETURN(s->accounts_,
                        s->accounts_conn_->prepare(std::string("SELECT ") + kAccountColumns +
                                                   " FROM nc_accounts ORDER BY account_id"));
    CB_RETURN_IF_ERROR(s->accounts_->execute());
  }
  CB_ASSIGN_OR_RETURN(s->postings_, PostingCursor::open(dsn, lines, line, business_date));
  return s;
}

Result<bool> StoreSource::next(AccountRecord* out) {
  while (true) {
    {
      Timed timed(&busy_ns_);
      CB_ASSIGN_OR_RETURN(bool more, accounts_->fetch());
      if (!more) {
        break;
      }
      CB_RETURN_IF_ERROR(readAccountRow(*accounts_, &out->account));
    }
    if (lines_.lineOf(out->account.number) == line_) {
      CB_RETURN_IF_ERROR(postings_->postingsOf(out->account.number, &out->postings));
      return true;
    }
  }
  CB_RETURN_IF_ERROR(postings_->finish());
  return false;
}

Result<Reconciliation> runRows(ExtractSource& legacy, const std::string& dsn,
                               const mappings::ProductLineRule& lines, const std::string& line,
                               int64_t business_date, size_t keep, RowsStats* stats) {
  Result<std::unique_ptr<StoreSource>> opened = StoreSource::open(dsn, lines, line, business_date);
  if (!opened.ok()) {
    return opened.status().withContext("--new-store");
  }
  std::unique_ptr<StoreSource> store = std::move(*opened);
  auto counted = [stats](auto& source) {
    return [stats, &source](AccountRecord* r) -> Result<bool> {
      CB_ASSIGN_OR_RETURN(bool more, source.next(r));
      stats->rows += more ? 1 + r->postings.size() : 0;
      return more;
    };
  };
  Result<Reconciliation> r =
      run(counted(legacy), counted(*store), keep,
          [&store](const std::string&, const Posting& p) { return store->answeredOk(p.txn_id); });
  stats->fetch_ns = store->busyNanos();
  CB_RETURN_IF_ERROR(r.status());
  if (!store->error().ok()) {
    return store->error().withContext("--new-store");
  }
  for (const Difference& d : store->orphans()) {
    addDifference(&*r, d, keep);
  }
  return r;
}

}  // namespace corebridge::tools::reconcile

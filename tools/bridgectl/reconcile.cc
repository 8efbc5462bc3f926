#include "tools/bridgectl/reconcile.h"

#include <cstdlib>

namespace corebridge::tools::reconcile {

namespace {

// An account number as the hash total adds it: its leading digits (strtoll);
// 12 digits, nearly always, read without it.
int64_t accountValue(const std::string& number) {
  const int64_t v = twelveDigits(number);
  return v >= 0 ? v : std::strtoll(number.c_str(), nullptr, 10);
}

class Run {
 public:
  Run(size_t keep, const InSnapshot& in_snapshot) : keep_(keep), in_snapshot_(in_snapshot) {}

  void add(Difference d) { addDifference(&r_, std::move(d), keep_); }

  static void count(Totals& t, const Account& a) {
    ++t.accounts;
    t.balance += a.ledger;
    t.hash = (t.hash + accountValue(a.number)) % kHashModulus;
  }
  static void count(Totals& t, const Posting& p) {
    ++t.postings;
    (p.dc == 'D' ? t.debits : t.credits) += p.amount;
  }

  void onlyOne(Kind kind, const AccountRecord& rec) {
    Totals& t = kind == Kind::kOnlyInLegacy ? r_.legacy : r_.fresh;
    count(t, rec.account);
    for (const Posting& p : rec.postings) {
      count(t, p);
    }
    add({kind, "account", rec.account.number, "", "", "", ""});
  }

  void both(const AccountRecord& l, const AccountRecord& n) {
    ++r_.accounts_matched;
    count(r_.legacy, l.account);
    count(r_.fresh, n.account);
    compareFields(l.account, n.account);
    comparePostings(l, n);
  }

  Reconciliation take() { return std::move(r_); }

 private:
  void field(const std::string& account, const char* name, const std::string& legacy,
             const std::string& fresh) {
    if (legacy != fresh) {
      add({Kind::kFieldDiffers, "account", account, "", name, legacy, fresh});
    }
  }
  void field(const std::string& account, const char* name, int64_t legacy, int64_t fresh) {
    if (legacy != fresh) {
      add({Kind::kFieldDiffers, "account", account, "", name, std::to_string(legacy),
           std::to_string(fresh)});
    }
  }
  void moneyField(const std::string& account, const char* name, int64_t legacy, int64_t fresh) {
    if (legacy != fresh) {
      add({Kind::kFieldDiffers, "account", account, "", name, money(legacy), money(fresh)});
    }
  }

  void compareFields(const Account& l, const Account& n) {
    const std::string& a = l.number;
    field(a, "product_code", l.product_code, n.product_code);
    field(a, "customer_id", l.customer, n.customer);
    field(a, "status", l.status, n.status);
    field(a, "currency", l.currency, n.currency);
    moneyField(a, "ledger_balance", l.ledger, n.ledger);
    moneyField(a, "available_balance", l.available, n.available);
    moneyField(a, "overdraft_limit", l.overdraft, n.overdraft);
    moneyField(a, "accrued_interest", l.accrued, n.accrued);
    if (l.rate_micros != n.rate_micros) {
      add({Kind::kFieldDiffers, "account", a, "", "interest_rate", rate(l.rate_micros),
           rate(n.rate_micros)});
    }
    field(a, "open_date", l.open_date, n.open_date);
    field(a, "maturity_date", l.maturity_date, n.maturity_date);
    field(a, "close_date", l.close_date, n.close_date);
    field(a, "last_posting_seq", l.last_seq, n.last_seq);
    field(a, "hold_count", l.holds, n.holds);
  }

  // The new store's history of an account starts at its lowest sequence of
  // the day there, or after its last sequence when it has none that day:
  // legacy postings below that came in with the account's snapshot.
  void comparePostings(const AccountRecord& l, const AccountRecord& n) {
    const int64_t start = n.postings.empty() ? n.account.last_seq + 1 : n.postings.front().seq;
    size_t i = 0, j = 0;
    const std::string& a = l.account.number;
    auto key = [](const Posting& p) { return "seq " + std::to_string(p.seq) + " txn " + p.txn_id; };
    while (i < l.postings.size() && l.postings[i].seq < start) {
      ++r_.postings_before_history;
      ++i;
    }
    while (i < l.postings.size() || j < n.postings.size()) {
      const Posting* lp = i < l.postings.size() ? &l.postings[i] : nullptr;
      const Posting* np = j < n.postings.size() ? &n.postings[j] : nullptr;
      if (np == nullptr || (lp != nullptr && lp->seq < np->seq)) {
        if (in_snapshot_ && in_snapshot_(a, *lp)) {
          ++r_.postings_before_history;
          ++r_.postings_in_snapshot;
        } else {
          count(r_.legacy, *lp);
          add({Kind::kOnlyInLegacy, "posting", a, key(*lp), "", "", ""});
        }
        ++i;
        continue;
      }
      if (lp == nullptr || np->seq < lp->seq) {
        count(r_.fresh, *np);
        add({Kind::kOnlyInNew, "posting", a, key(*np), "", "", ""});
        ++j;
        continue;
      }
      count(r_.legacy, *lp);
      count(r_.fresh, *np);
      const std::string k = key(*lp);
      if (lp->txn_id != np->txn_id) {
        add({Kind::kFieldDiffers, "posting", a, k, "txn_id", lp->txn_id, np->txn_id});
      }
      if (lp->dc != np->dc) {
        add({Kind::kFieldDiffers, "posting", a, k, "dr_cr", std::string(1, lp->dc),
             std::string(1, np->dc)});
      }
      if (lp->amount != np->amount) {
        add({Kind::kFieldDiffers, "posting", a, k, "amount", money(lp->amount), money(np->amount)});
      }
      ++i;
      ++j;
    }
  }

  const size_t keep_;
  const InSnapshot& in_snapshot_;
  Reconciliation r_;
};

// Pulls the next record of a side and checks the order.
class Cursor {
 public:
  // `last`: the side's account before this stretch ("" for none).
  Cursor(const Source& source, const char* side, std::string last)
      : source_(source), side_(side), last_(std::move(last)) {}
  Status advance() {
    CB_ASSIGN_OR_RETURN(bool more, source_(&rec_));
    if (!more) {
      done_ = true;
      return okStatus();
    }
    if (!last_.empty() && rec_.account.number <= last_) {
      return failedPrecondition(std::string(side_) + " side: account " + rec_.account.number +
                                " after " + last_ + ": accounts must come in ascending order");
    }
    last_ = rec_.account.number;
    return okStatus();
  }
  bool done() const { return done_; }
  const AccountRecord& record() const { return rec_; }
  const std::string& last() const { return last_; }

 private:
  const Source& source_;
  const char* side_;
  AccountRecord rec_;
  std::string last_;
  bool done_ = false;
};

}  // namespace

int64_t twelveDigits(const std::string& number) {
  if (number.size() != 12) {
    return -1;
  }
  int64_t v = 0;
  for (char c : number) {
    if (c < '0' || c > '9') {
      return -1;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

void addDifference(Reconciliation* r, Difference d, size_t keep) {
  ++r->differences;
  ++r->by_kind[std::string(kindName(d.kind)) + " " + (d.field.empty() ? d.record : d.field)];
  if (r->kept.size() < keep) {
    r->kept.push_back(std::move(d));
  }
}

const char* kindName(Kind k) {
  switch (k) {
    case Kind::kOnlyInLegacy:
      return "only_in_legacy";
    case Kind::kOnlyInNew:
      return "only_in_new";
    case Kind::kFieldDiffers:
      return "field_differs";
  }
  return "?";
}

bool Reconciliation::balanced() const {
  return differences == 0 && legacy.accounts == fresh.accounts && legacy.balance == fresh.balance &&
         legacy.hash == fresh.hash && legacy.postings == fresh.postings &&
         legacy.debits == fresh.debits && legacy.credits == fresh.credits;
}

struct Merge::State {
  State(size_t keep, InSnapshot in_snapshot)
      : in_snapshot(std::move(in_snapshot)), run(keep, this->in_snapshot) {}
  InSnapshot in_snapshot;
  Run run;
  std::string legacy_last, fresh_last;
};

Merge::Merge(size_t keep, InSnapshot in_snapshot)
    : state_(std::make_unique<State>(keep, std::move(in_snapshot))) {}

Merge::~Merge() = default;

Status Merge::add(const Source& legacy, const Source& fresh) {
  Run& run = state_->run;
  Cursor l(legacy, "legacy", state_->legacy_last), n(fresh, "new", state_->fresh_last);
  CB_RETURN_IF_ERROR(l.advance());
  CB_RETURN_IF_ERROR(n.advance());
  while (!l.done() || !n.done()) {
    if (n.done() || (!l.done() && l.record().account.number < n.record().account.number)) {
      run.onlyOne(Kind::kOnlyInLegacy, l.record());
      CB_RETURN_IF_ERROR(l.advance());
    } else if (l.done() || n.record().account.number < l.record().account.number) {
      run.onlyOne(Kind::kOnlyInNew, n.record());
      CB_RETURN_IF_ERROR(n.advance());
    } else {
      run.both(l.record(), n.record());
      CB_RETURN_IF_ERROR(l.advance());
      CB_RETURN_IF_ERROR(n.advance());
    }
  }
  state_->legacy_last = l.last();
  state_->fresh_last = n.last();
  return okStatus();
}

Reconciliation Merge::take() { return state_->run.take(); }

Result<Reconciliation> run(const Source& legacy, const Source& fresh, size_t keep,
                           const InSnapshot& in_snapshot) {
  Merge merge(keep, in_snapshot);
  CB_RETURN_IF_ERROR(merge.add(legacy, fresh));
  return merge.take();
}

std::string money(int64_t minor) { return money2(minor); }

std::string rate(int64_t micros) { return mappings::Decimal::of(micros, 6).toString(); }

}  // namespace corebridge::tools::reconcile

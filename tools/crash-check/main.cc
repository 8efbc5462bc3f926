// crash-check: proves, after a crash test (docs/crash-test.md), that the
// legacy store and the new store hold every acknowledged write exactly
// once, agree account by account and posting by posting, and conserve
// money to the cent. Prints one PASS/FAIL line per check; exit 0 only if
// every check passes, 1 if one fails, 2 if the inputs cannot be read.
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/logging.h"
#include "tools/bridgectl/args.h"
#include "tools/crash-check/stores.h"

namespace {

namespace cc = corebridge::crashcheck;

constexpr const char kHelp[] = R"(usage: crash-check --legacy-extract FILE --new-store DSN [options]

  --legacy-extract FILE  the legacy EXTRACT batch program's output for the run's business date
  --new-store DSN        the new store (ODBC connection string)
  --ack-log FILE         channel-sim's --ack-log (repeatable; several runs)
  --copybook FILE        EXTRREC copybook (default legacy/cobol/copybooks/EXTRREC.cpy)
  --select-file FILE     its record selection (default mappings/packs/demobank/extract-select.yaml)
  --opening-total MINOR  the sum of all balances before the run (default 0: an empty bank)
  --backfilled           the new store was loaded by bridgectl backfill: an account's history
                         there starts at its snapshot (below)
  --max-offenders N      offenders shown per check (default 5)
  --verbose              account numbers unmasked
  --help                 this text

Checks: (a) every acknowledged write (return code 00) is in both stores
exactly once per leg, with its amount; (b) no txn id twice for an account
on either side; (c) the same accounts, and per account the same ledger
balance, last posting sequence, closed flag and postings (txn id, D/C,
amount); (d) the total of all balances equal on both sides and equal to
the opening total plus the signed postings of each side, per account too,
and the new store's trial balance zero.

With --backfilled, an account's postings before its snapshot are in legacy
only: the new store's history of an account starts at its lowest posting
sequence there (its last sequence + 1 if it has none), and the legacy
postings below that are "loaded" (in the snapshot's balance). So is a
legacy posting the new core answered with a success but holds no row for
(a snapshot taken later moved the account past it: the watermark rule's
"already included"). (a) accepts an
acknowledged leg that is loaded instead of posted on new; (c) compares the
postings from the start of the new history on; (d) counts the loaded
postings into the new side's sums. Balances, last sequences and closed flags
are compared as always, so a posting lost after the load still fails (c).
)";

struct Report {
  bool verbose = false;
  size_t max_offenders = 5;
  int failed = 0;

  std::string acct(const std::string& a) const { return verbose ? a : corebridge::maskAccount(a); }
  void line(const char* check, const std::string& what, const std::vector<std::string>& bad) {
    std::printf("%s %s %s", bad.empty() ? "PASS" : "FAIL", check, what.c_str());
    if (!bad.empty()) {
      ++failed;
      std::printf("; %zu offenders, first:", bad.size());
      for (size_t i = 0; i < bad.size() && i < max_offenders; ++i) {
        std::printf("%s %s", i == 0 ? "" : ";", bad[i].c_str());
      }
    }
    std::printf("\n");
  }
};

using Key = std::pair<std::string, std::string>;  // account, txn id

std::map<Key, std::vector<const cc::PostingRow*>> byAccountAndTxn(const cc::Side& side) {
  std::map<Key, std::vector<const cc::PostingRow*>> out;
  for (const cc::PostingRow& p : side.postings) {
    out[{p.account, p.txn_id}].push_back(&p);
  }
  return out;
}

int64_t signedAmount(const cc::PostingRow& p) { return p.dc == 'D' ? -p.amount : p.amount; }

// --backfilled: the legacy postings of each account from before the new
// store's history of it starts (loaded through its snapshot), and legacy
// with those left out.
struct Backfill {
  std::set<Key> loaded;                       // account, txn id
  std::map<std::string, int64_t> loaded_sum;  // per account, signed
  cc::Side legacy_tail;
};

Backfill splitAtSnapshots(const cc::Side& legacy, const cc::Side& fresh) {
  std::map<std::string, int64_t> first;
  for (const auto& [a, row] : fresh.accounts) {
    first[a] = row.last_seq + 1;
  }
  for (const cc::PostingRow& p : fresh.postings) {
    auto it = first.find(p.account);
    if (it == first.end() || p.seq < it->second) {
      first[p.account] = p.seq;
    }
  }
  std::set<Key> posted;
  for (const cc::PostingRow& p : fresh.postings) {
    posted.insert({p.account, p.txn_id});
  }
  Backfill b;
  b.legacy_tail.name = legacy.name;
  b.legacy_tail.accounts = legacy.accounts;
  for (const cc::PostingRow& p : legacy.postings) {
    auto it = first.find(p.account);
    // Before the new history, or answered by the new core as already in
    // the account (a later snapshot moved it past this posting) without a
    // row of its own.
    const bool in_snapshot =
        fresh.answered_ok.count(p.txn_id) > 0 && posted.count({p.account, p.txn_id}) == 0;
    if ((it != first.end() && p.seq < it->second) || in_snapshot) {
      b.loaded.insert({p.account, p.txn_id});
      b.loaded_sum[p.account] += signedAmount(p);
    } else {
      b.legacy_tail.postings.push_back(p);
    }
  }
  return b;
}

void checkAcknowledged(Report& r, const std::vector<cc::Ack>& acks, const cc::Side& legacy,
                       const cc::Side& fresh, const Backfill* backfill) {
  const auto lx = byAccountAndTxn(legacy), nx = byAccountAndTxn(fresh);
  std::vector<std::string> bad;
  size_t writes = 0, legs = 0, closes = 0, loaded = 0;
  std::set<std::string> seen;
  for (const cc::Ack& a : acks) {
    if (a.rc != 0 || !seen.insert(a.txn_id).second) {
      continue;  // refused, or the same reply logged twice
    }
    ++writes;
    struct Leg {
      std::string account;
      char dc;
    };
    std::vector<Leg> expect;
    if (a.trancode == "ACCTPOST" && a.accounts.size() == 1) {
      expect.push_back({a.accounts[0], a.dc.empty() ? '?' : a.dc[0]});
    } else if (a.trancode == "ACCTXFER" && a.accounts.size() == 2) {
      expect.push_back({a.accounts[0], 'D'});
      expect.push_back({a.accounts[1], 'C'});
    } else if (a.trancode == "ACCTOPEN" && a.accounts.size() == 1 && a.amount > 0) {
      expect.push_back({a.accounts[0], a.accounts[0].rfind("40", 0) == 0 ? 'D' : 'C'});
    } else if (a.trancode == "ACCTCLOS" && a.accounts.size() == 1) {
      ++closes;
      for (const cc::Side* side : {&legacy, &fresh}) {
        auto it = side->accounts.find(a.accounts[0]);
        if (it == side->accounts.end() || !it->second.closed) {
          bad.push_back("close " + a.txn_id + " of " + r.acct(a.accounts[0]) + ": not closed in " +
                        side->name);
        }
      }
      continue;
    } else if (a.trancode != "ACCTOPEN") {
      bad.push_back(a.txn_id + ": " + a.trancode + " with an unreadable ack line");
      continue;
    }
    for (const Leg& leg : expect) {
      ++legs;
      for (const auto* index : {&lx, &nx}) {
        const char* name = index == &lx ? "legacy" : "new";
        auto it = index->find({leg.account, a.txn_id});
        const size_t n = it == index->end() ? 0 : it->second.size();
        if (n == 0 && index == &nx && backfill != nullptr &&
            backfill->loaded.count({leg.account, a.txn_id}) > 0) {
          ++loaded;  // in the account's snapshot
          continue;
        }
        if (n != 1) {
          bad.push_back(a.trancode + " " + a.txn_id + " on " + r.acct(leg.account) + ": " +
                        std::to_string(n) + " times in " + name);
        } else if (it->second[0]->amount != a.amount || it->second[0]->dc != leg.dc) {
          bad.push_back(a.trancode + " " + a.txn_id + " on " + r.acct(leg.account) + ": " + name +
                        " has " + it->second[0]->dc + " " + std::to_string(it->second[0]->amount) +
                        ", acknowledged " + leg.dc + " " + std::to_string(a.amount));
        }
      }
    }
  }
  r.line("(a)",
         "acknowledged writes: " + std::to_string(writes) + " (" + std::to_string(legs) +
             " posting legs, " + std::to_string(closes) +
             " closes) each exactly once in legacy and in new" +
             (backfill != nullptr
                  ? " (" + std::to_string(loaded) + " legs in new through the backfill's snapshots)"
                  : std::string()),
         bad);
}

void checkNoDuplicates(Report& r, const cc::Side& legacy, const cc::Side& fresh) {
  std::vector<std::string> bad;
  for (const cc::Side* side : {&legacy, &fresh}) {
    for (const auto& [key, rows] : byAccountAndTxn(*side)) {
      if (rows.size() > 1) {
        bad.push_back(side->name + ": txn " + key.second + " " + std::to_string(rows.size()) +
                      " times on " + r.acct(key.first));
      }
    }
  }
  r.line("(b)",
         "no txn id twice on an account: " + std::to_string(legacy.postings.size()) +
             " legacy postings, " + std::to_string(fresh.postings.size()) + " new postings",
         bad);
}

void checkSameAccounts(Report& r, const cc::Side& legacy, const cc::Side& fresh) {
  std::vector<std::string> bad;
  std::set<std::string> all;
  for (const auto& [a, row] : legacy.accounts) {
    all.insert(a);
  }
  for (const auto& [a, row] : fresh.accounts) {
    all.insert(a);
  }
  for (const std::string& a : all) {
    auto l = legacy.accounts.find(a);
    auto n = fresh.accounts.find(a);
    if (l == legacy.accounts.end() || n == fresh.accounts.end()) {
      bad.push_back(r.acct(a) + ": only in " + (l == legacy.accounts.end() ? "new" : "legacy"));
      continue;
    }
    if (l->second.balance != n->second.balance || l->second.last_seq != n->second.last_seq ||
        l->second.closed != n->second.closed) {
      bad.push_back(r.acct(a) + ": legacy balance " + std::to_string(l->second.balance) + " seq " +
                    std::to_string(l->second.last_seq) + (l->second.closed ? " closed" : "") +
                    ", new balance " + std::to_string(n->second.balance) + " seq " +
                    std::to_string(n->second.last_seq) + (n->second.closed ? " closed" : ""));
    }
  }
  // The full comparison, posting by posting, keyed by account and txn id.
  const auto lx = byAccountAndTxn(legacy), nx = byAccountAndTxn(fresh);
  size_t reordered = 0;
  for (const auto* index : {&lx, &nx}) {
    const auto* other = index == &lx ? &nx : &lx;
    for (const auto& [key, rows] : *index) {
      auto it = other->find(key);
      if (it == other->end()) {
        bad.push_back("txn " + key.second + " on " + r.acct(key.first) + ": only in " +
                      (index == &lx ? "legacy" : "new"));
      } else if (index == &lx) {
        const cc::PostingRow& p = *rows[0];
        const cc::PostingRow& q = *it->second[0];
        if (p.amount != q.amount || p.dc != q.dc) {
          bad.push_back("txn " + key.second + " on " + r.acct(key.first) + ": legacy " + p.dc +
                        " " + std::to_string(p.amount) + ", new " + q.dc + " " +
                        std::to_string(q.amount));
        }
        reordered += p.seq != q.seq ? 1 : 0;
      }
    }
  }
  r.line("(c)",
         "same stores: " + std::to_string(all.size()) +
             " accounts (balance, last posting seq, closed), every posting (txn id, D/C, "
             "amount) on both sides; " +
             std::to_string(reordered) + " postings at another sequence number",
         bad);
}

void checkConserved(Report& r, const cc::Side& legacy, const cc::Side& fresh, int64_t opening,
                    const Backfill* backfill) {
  std::vector<std::string> bad;
  int64_t totals[2] = {0, 0};
  int i = 0;
  for (const cc::Side* side : {&legacy, &fresh}) {
    std::map<std::string, int64_t> posted;
    int64_t sum = 0;
    for (const cc::PostingRow& p : side->postings) {
      posted[p.account] += signedAmount(p);
      sum += signedAmount(p);
    }
    if (side == &fresh && backfill != nullptr) {
      for (const auto& [a, loaded] : backfill->loaded_sum) {
        posted[a] += loaded;
        sum += loaded;
      }
    }
    int64_t total = 0;
    for (const auto& [a, row] : side->accounts) {
      total += row.balance;
    }
    totals[i++] = total;
    if (total != opening + sum) {
      bad.push_back(side->name + ": balances total " + std::to_string(total) + " but opening " +
                    std::to_string(opening) + " + postings " + std::to_string(sum));
    }
    if (opening == 0) {  // an empty bank: every balance is its postings
      for (const auto& [a, row] : side->accounts) {
        if (row.balance != posted[a]) {
          bad.push_back(side->name + ": " + r.acct(a) + " balance " + std::to_string(row.balance) +
                        " but postings " + std::to_string(posted[a]));
        }
      }
    }
  }
  if (totals[0] != totals[1]) {
    bad.push_back("total of balances: legacy " + std::to_string(totals[0]) + ", new " +
                  std::to_string(totals[1]));
  }
  for (const auto& [currency, sum] : fresh.trial_balance) {
    if (sum != 0) {
      bad.push_back("new trial balance " + currency + " " + std::to_string(sum) + ", not 0");
    }
  }
  r.line("(d)",
         "money conserved: total of balances " + std::to_string(totals[0]) +
             " (legacy) = " + std::to_string(totals[1]) + " (new) = opening " +
             std::to_string(opening) + " + signed postings; new trial balance 0",
         bad);
}

int checkMain(int argc, char** argv) {
  corebridge::initLogging(corebridge::LogOptions{});
  auto args = corebridge::tools::Args::parse(argc, argv, 1,
                                             {{"legacy-extract", true},
                                              {"new-store", true},
                                              {"ack-log", true},
                                              {"copybook", true},
                                              {"select-file", true},
                                              {"opening-total", true},
                                              {"backfilled", false},
                                              {"max-offenders", true},
                                              {"verbose", false},
                                              {"help", false}});
  if (!args.ok()) {
    std::fprintf(stderr, "crash-check: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->has("help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!args->has("legacy-extract") || !args->has("new-store")) {
    std::fprintf(stderr, "crash-check: --legacy-extract and --new-store are required\n");
    return 2;
  }
  auto legacy = cc::readLegacyExtract(
      args->get("legacy-extract"), args->get("copybook", "legacy/cobol/copybooks/EXTRREC.cpy"),
      args->get("select-file", "mappings/packs/demobank/extract-select.yaml"));
  if (!legacy.ok()) {
    std::fprintf(stderr, "crash-check: legacy extract: %s\n", legacy.status().toString().c_str());
    return 2;
  }
  auto fresh = cc::readNewStore(args->get("new-store"));
  if (!fresh.ok()) {
    std::fprintf(stderr, "crash-check: new store: %s\n", fresh.status().toString().c_str());
    return 2;
  }
  std::vector<cc::Ack> acks;
  for (const std::string& path : args->all("ack-log")) {
    if (corebridge::Status s = cc::readAckLog(path, &acks); !s.ok()) {
      std::fprintf(stderr, "crash-check: %s\n", s.message().c_str());
      return 2;
    }
  }
  Report r;
  r.verbose = args->has("verbose");
  r.max_offenders = static_cast<size_t>(std::atoi(args->get("max-offenders", "5").c_str()));
  std::optional<Backfill> backfill;
  if (args->has("backfilled")) {
    backfill = splitAtSnapshots(*legacy, *fresh);
    std::printf("backfilled: %zu legacy postings are in the new store through snapshots\n",
                backfill->loaded.size());
  }
  const Backfill* b = backfill.has_value() ? &*backfill : nullptr;
  checkAcknowledged(r, acks, *legacy, *fresh, b);
  checkNoDuplicates(r, *legacy, *fresh);
  checkSameAccounts(r, b != nullptr ? b->legacy_tail : *legacy, *fresh);
  checkConserved(r, *legacy, *fresh, std::atoll(args->get("opening-total", "0").c_str()), b);
  std::printf("%s: %d of 4 checks failed\n", r.failed == 0 ? "PASS" : "FAIL", r.failed);
  return r.failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return checkMain(argc, argv);
  } catch (const std::exception& e) {  // a bug: nothing below main throws by design
    std::fprintf(stderr, "crash-check: internal error: %s\n", e.what());
    return 70;
  }
}

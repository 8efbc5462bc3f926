// The reconciliation engine (tools/bridgectl/reconcile.h) over in-memory
// sources: the merge by account, field and posting differences, the start
// of a backfilled account's new history, control totals, the bound on the
// differences kept, and sources out of order.
#include "tools/bridgectl/reconcile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace corebridge::tools::reconcile {
namespace {

AccountRecord rec(const std::string& number, int64_t ledger, int64_t last_seq,
                  std::vector<Posting> postings = {}) {
  AccountRecord r;
  r.account.number = number;
  r.account.product_code = "SAVB";
  r.account.status = "A";
  r.account.currency = "USD";
  r.account.ledger = ledger;
  r.account.available = ledger;
  r.account.last_seq = last_seq;
  r.postings = std::move(postings);
  return r;
}

Source from(std::vector<AccountRecord> records) {
  auto shared = std::make_shared<std::vector<AccountRecord>>(std::move(records));
  auto next = std::make_shared<size_t>(0);
  return [shared, next](AccountRecord* out) -> Result<bool> {
    if (*next >= shared->size()) {
      return false;
    }
    *out = (*shared)[(*next)++];
    return true;
  };
}

TEST(Reconcile, EqualSidesBalanceAndTheirTotalsAgree) {
  std::vector<AccountRecord> side = {
      rec("100000000017", 1050, 2, {{1, "T1", 'C', 1000}, {2, "T2", 'C', 50}}),
      rec("100000000025", -300, 1, {{1, "T3", 'D', 300}})};
  auto r = run(from(side), from(side), 100);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_TRUE(r->balanced());
  EXPECT_EQ(r->differences, 0U);
  EXPECT_EQ(r->accounts_matched, 2U);
  EXPECT_EQ(r->legacy.accounts, 2U);
  EXPECT_EQ(r->legacy.balance, 750);
  EXPECT_EQ(r->legacy.hash, static_cast<mappings::int128>(200000000042LL));
  EXPECT_EQ(r->legacy.postings, 3U);
  EXPECT_EQ(r->legacy.debits, 300);
  EXPECT_EQ(r->legacy.credits, 1050);
  EXPECT_EQ(r->fresh.balance, r->legacy.balance);
}

TEST(Reconcile, EveryKindOfDifferenceIsNamed) {
  std::vector<AccountRecord> legacy = {
      rec("100000000017", 1050, 2, {{1, "T1", 'C', 1000}, {2, "T2", 'C', 50}}),
      rec("100000000025", 0, 0), rec("100000000033", 5, 0)};
  std::vector<AccountRecord> fresh = {
      rec("100000000017", 1051, 2, {{1, "T1", 'C', 1000}, {2, "T2", 'D', 51}}),
      rec("100000000041", 0, 0)};
  fresh[0].account.status = "F";
  fresh[0].account.available = 1050;  // only the ledger balance differs
  auto r = run(from(legacy), from(fresh), 100);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->balanced());
  EXPECT_EQ(r->by_kind["field_differs ledger_balance"], 1U);
  EXPECT_EQ(r->by_kind["field_differs available_balance"], 0U);
  EXPECT_EQ(r->by_kind["field_differs status"], 1U);
  EXPECT_EQ(r->by_kind["field_differs dr_cr"], 1U);
  EXPECT_EQ(r->by_kind["field_differs amount"], 1U);
  EXPECT_EQ(r->by_kind["only_in_legacy account"], 2U);
  EXPECT_EQ(r->by_kind["only_in_new account"], 1U);
  ASSERT_GE(r->kept.size(), 2U);
  EXPECT_EQ(r->kept[0].field, "status");  // in field order, account by account
  EXPECT_EQ(r->kept[0].legacy, "A");
  EXPECT_EQ(r->kept[0].fresh, "F");
  const Difference& d = r->kept[1];
  EXPECT_EQ(d.kind, Kind::kFieldDiffers);
  EXPECT_EQ(d.field, "ledger_balance");
  EXPECT_EQ(d.legacy, "10.50");
  EXPECT_EQ(d.fresh, "10.51");
  bool amount = false;
  for (const Difference& k : r->kept) {
    if (k.field == "amount") {
      amount = true;
      EXPECT_EQ(k.key, "seq 2 txn T2");
      EXPECT_EQ(k.legacy, "0.50");
      EXPECT_EQ(k.fresh, "0.51");
    }
  }
  EXPECT_TRUE(amount);
}

// A backfilled account: the new store's history starts at its snapshot.
TEST(Reconcile, PostingsBeforeTheNewHistoryAreCountedNotCompared) {
  std::vector<AccountRecord> legacy = {
      rec("100000000017", 60, 3, {{1, "T1", 'C', 10}, {2, "T2", 'C', 20}, {3, "T3", 'C', 30}})};
  std::vector<AccountRecord> fresh = {rec("100000000017", 60, 3, {{3, "T3", 'C', 30}})};
  auto r = run(from(legacy), from(fresh), 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->balanced());
  EXPECT_EQ(r->postings_before_history, 2U);
  EXPECT_EQ(r->legacy.postings, 1U);
  // Loaded after every posting of the day: nothing to compare.
  std::vector<AccountRecord> loaded = {rec("100000000017", 60, 3)};
  r = run(from(legacy), from(loaded), 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->balanced());
  EXPECT_EQ(r->postings_before_history, 3U);
  // A lost posting after the load is a difference (and the balances differ).
  std::vector<AccountRecord> lost = {rec("100000000017", 30, 2, {{2, "T2", 'C', 20}})};
  r = run(from(legacy), from(lost), 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->by_kind["only_in_legacy posting"], 1U);
  EXPECT_EQ(r->by_kind["field_differs ledger_balance"], 1U);
}

// A snapshot taken later moved the account past postings whose dual-writes
// were still in flight: the new core answered them "already included" and
// holds no rows for them, inside its history.
TEST(Reconcile, PostingsAnsweredAsAlreadyIncludedAreInASnapshot) {
  std::vector<AccountRecord> legacy = {
      rec("100000000017", 60, 3, {{1, "T1", 'C', 10}, {2, "T2", 'C', 20}, {3, "T3", 'C', 30}})};
  std::vector<AccountRecord> fresh = {rec("100000000017", 60, 3, {{1, "T1", 'C', 10}})};
  std::vector<std::string> asked;
  auto included = [&](const std::string& account, const Posting& p) {
    asked.push_back(account + " " + p.txn_id);
    return p.txn_id == "T2" || p.txn_id == "T3";
  };
  auto r = run(from(legacy), from(fresh), 100, included);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->balanced());
  EXPECT_EQ(r->postings_in_snapshot, 2U);
  EXPECT_EQ(asked, (std::vector<std::string>{"100000000017 T2", "100000000017 T3"}));
  // Not answered as included: a posting the new store lost.
  r = run(from(legacy), from(fresh), 100,
          [](const std::string&, const Posting& p) { return p.txn_id == "T2"; });
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->balanced());
  EXPECT_EQ(r->by_kind["only_in_legacy posting"], 1U);
}

TEST(Reconcile, AllDifferencesAreCountedAndTheFirstKept) {
  std::vector<AccountRecord> legacy;
  for (int i = 0; i < 50; ++i) {
    legacy.push_back(rec("1000000001" + std::to_string(10 + i), 1, 0));
  }
  auto r = run(from(legacy), from({}), 7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->differences, 50U);
  EXPECT_EQ(r->kept.size(), 7U);
}

TEST(Reconcile, ASourceOutOfOrderStopsTheRun) {
  auto r = run(from({rec("100000000025", 0, 0), rec("100000000017", 0, 0)}), from({}), 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("legacy side: account 100000000017 after 100000000025"),
            std::string::npos)
      << r.status().message();
}

TEST(Reconcile, MoneyAndRatesPrintExactly) {
  EXPECT_EQ(money(0), "0.00");
  EXPECT_EQ(money(7), "0.07");
  EXPECT_EQ(money(-7), "-0.07");
  EXPECT_EQ(money(123456), "1234.56");
  EXPECT_EQ(money(INT64_MIN), "-92233720368547758.08");
  EXPECT_EQ(rate(1250000), "1.250000");
  EXPECT_EQ(rate(-5), "-0.000005");
}

}  // namespace
}  // namespace corebridge::tools::reconcile

// bridgectl repairs as an operator runs it: the real binary over a SQLite
// repair store seeded through SqlRepairStore (with a fixed clock).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dualwrite/sql_repair_store.h"
#include "tests/tools/bridgectl_fixture.h"

namespace {

using corebridge::tools_test::Outcome;

using corebridge::dualwrite::RepairCase;
using corebridge::dualwrite::RepairKind;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kT0 = 1710496800000;  // 2024-03-15T10:00:00Z

class BridgectlRepairsTest : public corebridge::tools_test::BridgectlFixture {
 protected:
  // Three cases: 1 a savings posting replayed and closed, 2 a transfer still
  // failing, 3 a checking divergence.
  void makeStore() {
    corebridge::dualwrite::RepairStoreOptions options;
    int64_t now = kT0;
    options.clock = [&now] { return now; };
    auto store = corebridge::dualwrite::SqlRepairStore::open(
        "Driver=SQLite3;Database=" + path("store.db"), options);
    ASSERT_TRUE(store.ok()) << store.status().toString();
    RepairCase c;
    c.kind = RepairKind::kSecondaryFailed;
    c.product_line = "SAVINGS";
    c.account = "100000012345";
    c.trancode = "ACCTPOST";
    c.txn_id = "ATM0000000000001";
    c.stage = 1;
    c.compare = true;
    c.commarea = std::string(120, '\x40');
    c.primary_reply = std::string(80, '\x40');
    c.last_error = "secondary: UNAVAILABLE: connection refused";
    auto first = (*store)->openCase(c);
    ASSERT_TRUE(first.ok()) << first.status().toString();
    now += 1000;
    ASSERT_TRUE((*store)->recordAttempt(*first, true, "replayed").ok());
    ASSERT_TRUE((*store)->closeCase(*first, "replayed on the secondary").ok());

    now = kT0 + 3600 * 1000;
    c.kind = RepairKind::kBacklog;
    c.account = "100000077777";
    c.accounts = {"100000077777", "200000088888"};
    c.trancode = "ACCTXFER";
    c.txn_id = "ATM0000000000002";
    c.last_error = "outbox full";
    auto second = (*store)->openCase(c);
    ASSERT_TRUE(second.ok()) << second.status().toString();
    ASSERT_TRUE(
        (*store)->recordAttempt(*second, false, "DEADLINE_EXCEEDED: account 100000077777").ok());

    now = kT0 + 7200 * 1000;
    c.kind = RepairKind::kDivergence;
    c.product_line = "CHECKING";
    c.account = "200000099999";
    c.accounts = {};
    c.trancode = "ACCTINQ";
    c.txn_id = "HBK0000000000003";
    c.last_error = "PST-LEDGER-BALANCE 874.50 / 874.51";
    ASSERT_TRUE((*store)->openCase(c).ok());
  }

  static size_t lines(const std::string& s) {
    return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
  }
};

TEST_F(BridgectlRepairsTest, TableNewestFirstWithAccountsMasked) {
  ASSERT_NO_FATAL_FAILURE(makeStore());
  Outcome r = run("repairs --store " + path("store.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string header, first, second, third, tail;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  std::getline(in, third);
  std::getline(in, tail);
  for (const char* column : {"ID", "OPENED", "KIND", "STATE", "PRODUCT LINE", "ACCOUNT", "TRANCODE",
                             "TXN ID", "ATTEMPTS", "LAST ERROR"}) {
    EXPECT_THAT(header, HasSubstr(column));
  }
  EXPECT_THAT(first, HasSubstr("2024-03-15T12:00:00Z"));
  EXPECT_THAT(first, HasSubstr("divergence"));
  EXPECT_THAT(first, HasSubstr("CHECKING"));
  EXPECT_THAT(first, HasSubstr("200******999"));
  EXPECT_THAT(second, HasSubstr("backlog"));
  EXPECT_THAT(second, HasSubstr("open"));
  EXPECT_THAT(second, HasSubstr("ACCTXFER"));
  EXPECT_THAT(second, HasSubstr("DEADLINE_EXCEEDED: account 100******777"));
  EXPECT_THAT(third, HasSubstr("secondary_failed"));
  EXPECT_THAT(third, HasSubstr("closed"));
  EXPECT_THAT(third, HasSubstr("ATM0000000000001"));
  EXPECT_EQ(tail, "3 cases");
  for (const char* full : {"100000012345", "100000077777", "200000099999"}) {
    EXPECT_THAT(r.out, Not(HasSubstr(full)));
  }
}

TEST_F(BridgectlRepairsTest, FiltersAndJsonLines) {
  ASSERT_NO_FATAL_FAILURE(makeStore());
  const std::string dsn = "'Driver=SQLite3;Database=" + path("store.db") + "'";
  Outcome r = run("repairs --store " + dsn + " --open --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 2u);
  EXPECT_THAT(r.out, HasSubstr(R"({"id":3,"opened":"2024-03-15T12:00:00Z")"));
  EXPECT_THAT(r.out, HasSubstr(R"("kind":"backlog","state":"open","product_line":"SAVINGS",)"
                               R"("account":"100******777",)"
                               R"("accounts":["100******777","200******888"])"));
  EXPECT_THAT(r.out, HasSubstr(R"("attempts":1)"));
  EXPECT_THAT(r.out, HasSubstr(R"("commarea_bytes":120)"));

  r = run("repairs --store " + dsn + " --closed --json");
  EXPECT_EQ(lines(r.out), 1u);
  EXPECT_THAT(r.out, HasSubstr(R"("closed":"2024-03-15T10:00:01Z")"));
  r = run("repairs --store " + dsn + " --account 200000088888 --json");
  EXPECT_EQ(lines(r.out), 1u);
  EXPECT_THAT(r.out, HasSubstr("ACCTXFER"));
  r = run("repairs --store " + dsn + " --product-line CHECKING --json");
  EXPECT_EQ(lines(r.out), 1u);
  EXPECT_THAT(r.out, HasSubstr("ACCTINQ"));
  r = run("repairs --store " + dsn + " --limit 1 --json");
  EXPECT_EQ(lines(r.out), 1u);
  EXPECT_THAT(r.out, HasSubstr(R"("id":3)"));
  r = run("repairs --store " + dsn + " --account 999");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 cases"));
}

TEST_F(BridgectlRepairsTest, OneCaseWithItsHistory) {
  ASSERT_NO_FATAL_FAILURE(makeStore());
  Outcome r = run("repairs --store " + path("store.db") + " --case 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("case 1: secondary_failed, closed"));
  EXPECT_THAT(r.out, HasSubstr("100******345"));
  EXPECT_THAT(r.out, HasSubstr("1 (DUAL_WRITE)"));
  EXPECT_THAT(r.out, HasSubstr("120 bytes"));
  const size_t history = r.out.find("history:");
  ASSERT_NE(history, std::string::npos) << r.out;
  const size_t opened = r.out.find("opened ", history);
  const size_t retried = r.out.find("retried ", history);
  const size_t closed = r.out.find("closed ", history);
  ASSERT_NE(opened, std::string::npos) << r.out;
  ASSERT_NE(retried, std::string::npos) << r.out;
  ASSERT_NE(closed, std::string::npos) << r.out;
  EXPECT_LT(opened, retried);
  EXPECT_LT(retried, closed);
  EXPECT_THAT(r.out, HasSubstr("replayed on the secondary"));
  EXPECT_THAT(r.out, Not(HasSubstr("100000012345")));

  r = run("repairs --store " + path("store.db") + " --case 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), 1u);
  EXPECT_THAT(r.out, HasSubstr(R"("history":[{"at":"2024-03-15T11:00:00Z","event":"opened",)"
                               R"("detail":"outbox full"},{"at":"2024-03-15T11:00:00Z",)"
                               R"("event":"retry_failed",)"
                               R"("detail":"DEADLINE_EXCEEDED: account 100******777"}]})"));
}

TEST_F(BridgectlRepairsTest, ErrorsExitOneOrTwo) {
  EXPECT_EQ(run("repairs").exit_code, 2);
  Outcome r = run("repairs --store " + path("missing.db"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no repair store"));
  // A SQLite file that is not a repair store.
  std::ofstream(path("empty.db")).close();
  r = run("repairs --store " + path("empty.db"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no repair store"));

  ASSERT_NO_FATAL_FAILURE(makeStore());
  const std::string store = " --store " + path("store.db");
  r = run("repairs" + store + " --case 99");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no repair case 99"));
  EXPECT_EQ(run("repairs" + store + " --case x").exit_code, 2);
  EXPECT_EQ(run("repairs" + store + " --case 1 --open").exit_code, 2);
  EXPECT_EQ(run("repairs" + store + " --open --closed").exit_code, 2);
  r = run("repairs" + store + " --limit many");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--limit"));
  r = run("repairs --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--case ID"));
  r = run("--help");
  EXPECT_THAT(r.out, HasSubstr("repairs"));
}

}  // namespace

// bridgectl reconcile end to end: the demo bank's SEED and EXTRACT, SAVINGS
// loaded into a real newcore (SQLite) by bridgectl backfill, then reconciled:
// in balance; then the store damaged one way at a time, and each damage is
// named in differences.csv, summary.json and report.html, with the exit code
// 1; bad input exits 2 and names what is wrong (docs/reconcile.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "adapters/odbc/connection.h"
#include "tests/support/child_process.h"
#include "tests/tools/bridgectl_fixture.h"

namespace corebridge::tools_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSource = CB_SOURCE_DIR;
const std::string kPack = kSource + "/mappings/packs/demobank";

class ReconcileTest : public BridgectlFixture {
 protected:
  void SetUp() override {
    BridgectlFixture::SetUp();
    const std::string cobol = std::string(CB_BINARY_DIR) + "/cobol";
    ASSERT_TRUE(std::filesystem::exists(cobol + "/SEED")) << "the demo bank is not built";
    std::filesystem::create_directories(path("bank"));
    const std::string env = "BANK_DATA_DIR=" + path("bank") + " BANK_BUSINESS_DATE=20261125 ";
    ASSERT_EQ(std::system((env + cobol + "/SEED 200 >/dev/null").c_str()), 0);
    ASSERT_EQ(
        std::system((env + cobol + "/EXTRACT 20261125 " + path("x.dat") + " >/dev/null").c_str()),
        0);
    dsn_ = "Driver=SQLite3;Database=" + path("nc.db");
    test_support::ChildProcess newcore;
    ASSERT_TRUE(newcore.start("newcore", {"--port", "0", "--dsn", dsn_}, path("newcore.log")))
        << read("newcore.log");
    const int port = newcore.portAfter("listening on");
    ASSERT_GT(port, 0);
    const Outcome loaded =
        run("backfill --product-line SAVINGS --quiet --pack " + kPack + " --extract " +
            path("x.dat") + " --newcore 127.0.0.1:" + std::to_string(port));
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    newcore.stop(SIGTERM);
  }

  Outcome reconcile(const std::string& line, const std::string& more = "") const {
    return run("reconcile --product-line " + line + " --pack " + kPack + " --extract " +
               path("x.dat") + " --new-store '" + dsn_ + "' --out " + path("out") + " " + more);
  }
  void sql(const std::string& statement) const {
    auto c = adapters::odbc::Connection::open(dsn_);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    ASSERT_TRUE((*c)->execute(statement).ok()) << statement;
  }

  std::string dsn_;
};

TEST_F(ReconcileTest, ALoadedLineIsInBalanceAndEveryOutputSaysSo) {
  const Outcome r = reconcile("SAVINGS");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("reconcile SAVINGS, business date 20261125: IN BALANCE"));
  EXPECT_THAT(r.out, HasSubstr("differences: 0"));
  const std::string json = read("out/summary.json");
  EXPECT_THAT(json, HasSubstr("\"balanced\":true"));
  EXPECT_THAT(json, HasSubstr("\"legacy\":{\"accounts\":50,"));
  EXPECT_THAT(json, HasSubstr("\"new\":{\"accounts\":50,"));
  EXPECT_EQ(read("out/differences.csv"), "kind,record,account,key,field,legacy,new\n");
  const std::string html = read("out/report.html");
  EXPECT_THAT(html, HasSubstr("IN BALANCE"));
  EXPECT_THAT(html, HasSubstr("<table id=\"totals\">"));
}

TEST_F(ReconcileTest, EachDamageIsNamedMaskedAndOutOfBalance) {
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance + 1 WHERE account_id = "
      "(SELECT MIN(account_id) FROM nc_accounts)");
  sql("UPDATE nc_accounts SET status = 3 WHERE account_id = (SELECT MAX(account_id) FROM "
      "nc_accounts)");
  sql("INSERT INTO nc_accounts SELECT '109999999999', product_line, product_code, customer_id, "
      "status, currency, ledger_balance, available_balance, overdraft_limit, accrued_interest, "
      "interest_rate_pct_micros, open_date, maturity_date, close_date, last_posting_seq, "
      "hold_count FROM nc_accounts WHERE account_id = (SELECT MIN(account_id) FROM nc_accounts)");
  const Outcome r = reconcile("SAVINGS");
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OUT OF BALANCE"));
  EXPECT_THAT(r.out, HasSubstr("DIFFERS"));
  const std::string csv = read("out/differences.csv");
  EXPECT_THAT(csv, HasSubstr(",ledger_balance,"));
  EXPECT_THAT(csv, HasSubstr(",status,A,F\n"));
  EXPECT_THAT(csv, HasSubstr("only_in_new,account,109******999,"));
  EXPECT_THAT(csv, Not(HasSubstr("109999999999"))) << "account numbers are masked";
  const std::string json = read("out/summary.json");
  EXPECT_THAT(json, HasSubstr("\"balanced\":false"));
  EXPECT_THAT(json, HasSubstr("\"only_in_new account\":1"));
  EXPECT_THAT(json, HasSubstr("\"field_differs status\":1"));
  EXPECT_THAT(read("out/report.html"), HasSubstr("<svg id=\"chart\""));
}

// The checksum method (the default) and the rows method report the same
// differences and totals for a store damaged nine ways at once; with
// ranges of 4 accounts, the undamaged ranges are proved by their sums alone.
TEST_F(ReconcileTest, BothMethodsFindTheSameDifferences) {
  // The k-th account of the store (0: the lowest), as SQL.
  const auto nth = [](int k) {
    return "(SELECT account_id FROM nc_accounts ORDER BY account_id LIMIT 1 OFFSET " +
           std::to_string(k) + ")";
  };
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance + 1 WHERE account_id = " + nth(2));
  // A transfer posted to the wrong account: the balance total agrees.
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance - 100 WHERE account_id = " + nth(5));
  sql("UPDATE nc_accounts SET ledger_balance = ledger_balance + 100 WHERE account_id = " + nth(6));
  sql("UPDATE nc_accounts SET status = 3 WHERE account_id = " + nth(12));
  sql("UPDATE nc_accounts SET product_code = lower(product_code) WHERE account_id = " + nth(20));
  sql("UPDATE nc_accounts SET account_id = substr(account_id, 1, 11) || 'X' WHERE account_id = " +
      nth(30));
  sql("DELETE FROM nc_accounts WHERE account_id = " + nth(40));
  sql("INSERT INTO nc_accounts SELECT '100000000999', product_line, product_code, customer_id, "
      "status, currency, ledger_balance, available_balance, overdraft_limit, accrued_interest, "
      "interest_rate_pct_micros, open_date, maturity_date, close_date, last_posting_seq, "
      "hold_count FROM nc_accounts WHERE account_id = " +
      nth(0));
  // A balance beyond any extract's: the range's SUM overflows and the range
  // is read row by row.
  sql("INSERT INTO nc_accounts SELECT '100000000997', product_line, product_code, customer_id, "
      "status, currency, 9223372036854775800, available_balance, overdraft_limit, "
      "accrued_interest, interest_rate_pct_micros, open_date, maturity_date, close_date, "
      "last_posting_seq, hold_count FROM nc_accounts WHERE account_id = " +
      nth(0));
  // A posting of the day the legacy side lacks, and one whose account has no row.
  const std::string posting =
      "INSERT INTO nc_postings (account_id, seq, business_date, txn_code, direction, amount, "
      "currency, running_balance, idempotency_key, channel_code, terminal_id, description) ";
  sql(posting +
      "SELECT account_id, last_posting_seq + 1, 20261125, 1, 2, 500, currency, 0, "
      "'EXTRA00000000001', 'TST', 'T1', 'extra' FROM nc_accounts WHERE account_id = " +
      nth(3));
  sql(posting +
      "VALUES ('100000000998', 1, 20261125, 1, 2, 500, 'USD', 500, 'ORPHAN0000000001', "
      "'TST', 'T1', 'orphan')");
  const Outcome rows = reconcile("SAVINGS", "--method rows");
  ASSERT_EQ(rows.exit_code, 1) << rows.out << rows.err;
  const std::string rows_csv = read("out/differences.csv");
  const std::string rows_json = read("out/summary.json");
  const Outcome sums = reconcile("SAVINGS", "--method checksum --range-accounts 4 --workers 3");
  ASSERT_EQ(sums.exit_code, 1) << sums.out << sums.err;
  EXPECT_EQ(read("out/differences.csv"), rows_csv);
  const std::string sums_json = read("out/summary.json");
  const auto upToMethod = [](const std::string& j) { return j.substr(0, j.find(",\"method\"")); };
  EXPECT_EQ(upToMethod(sums_json), upToMethod(rows_json));
  EXPECT_THAT(rows_json, HasSubstr("\"method\":\"rows\""));
  EXPECT_THAT(sums_json, HasSubstr("\"method\":\"checksum\""));
  EXPECT_THAT(rows_csv, HasSubstr(",product_code,"));
  EXPECT_THAT(rows_csv, HasSubstr(",status,A,F\n"));
  EXPECT_THAT(rows_csv, HasSubstr(",ledger_balance,"));
  EXPECT_THAT(rows_csv, HasSubstr("only_in_new,account,"));
  EXPECT_THAT(rows_csv, HasSubstr("only_in_legacy,account,"));
  EXPECT_THAT(rows_csv, HasSubstr("only_in_new,posting,"));
  EXPECT_THAT(rows_csv, HasSubstr("(no account row)"));
  // Some ranges were proved by their sums, the damaged ones read.
  EXPECT_THAT(sums.out, HasSubstr("Method: checksum."));
  EXPECT_THAT(sums_json, Not(HasSubstr("\"sums_agree\":0,")));
  EXPECT_THAT(sums_json, Not(HasSubstr("\"read_row_by_row\":0,")));
}

TEST_F(ReconcileTest, BadMethodOptionsExitTwo) {
  Outcome r = reconcile("SAVINGS", "--method fast");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--method 'fast' is not checksum or rows"));
  r = reconcile("SAVINGS", "--range-accounts 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--range-accounts '0' is not a count from 1 to 1000000"));
  r = reconcile("SAVINGS", "--method rows --workers 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("go with --method checksum"));
}

// CHECKING was not loaded: every account is on the legacy side only.
TEST_F(ReconcileTest, ALineNotLoadedIsEveryAccountOnlyInLegacy) {
  const Outcome r = reconcile("CHECKING", "--max-rows 10");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("only_in_legacy account 50"));
  EXPECT_THAT(read("out/summary.json"), HasSubstr("\"total\":50,\"kept\":10"));
}

TEST_F(ReconcileTest, BadInputExitsTwoAndNamesIt) {
  Outcome r = run("reconcile --product-line SAVINGS --extract " + path("x.dat"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--new-store is required"));
  r = reconcile("NOSUCHLINE");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("'NOSUCHLINE' is not one of the pack's product lines"));
  // A truncated extract: its trailer is gone.
  write("cut.dat", read("x.dat").substr(0, 150 * 20));
  r = run("reconcile --product-line SAVINGS --pack " + kPack + " --extract " + path("cut.dat") +
          " --new-store '" + dsn_ + "' --out " + path("out2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no trailer record"));
  r = run("reconcile --product-line SAVINGS --pack " + kPack + " --extract " + path("x.dat") +
          " --new-store 'Driver=NoSuchDriver' --out " + path("out3"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--new-store"));
}

}  // namespace
}  // namespace corebridge::tools_test

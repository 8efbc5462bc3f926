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

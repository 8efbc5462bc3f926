// bridgectl mismatches as an operator runs it: the real binary over a SQLite
// mismatch store. tools_test links the mappings library only, so the store
// is written here with Python's sqlite3 in the documented schema
// (docs/comparator.md, "The mismatch store"), which this test thereby pins.
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

#include "tests/tools/bridgectl_fixture.h"

namespace {

using corebridge::tools_test::Outcome;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char kSchemaAndRows[] = R"SQL(
CREATE TABLE dw_schema_migrations (version INTEGER NOT NULL PRIMARY KEY,
  description VARCHAR(200) NOT NULL, applied_at VARCHAR(32) NOT NULL);
INSERT INTO dw_schema_migrations VALUES (1, 'mismatches and their field differences',
  '2024-03-15T00:00:00.000000Z');
CREATE TABLE dw_mismatches (mismatch_id VARCHAR(40) NOT NULL PRIMARY KEY,
  time_us BIGINT NOT NULL, time_utc VARCHAR(32) NOT NULL, trancode VARCHAR(8) NOT NULL,
  product_line VARCHAR(32) NOT NULL, stage VARCHAR(16) NOT NULL,
  primary_side VARCHAR(8) NOT NULL, txn_id VARCHAR(64) NOT NULL, account VARCHAR(64) NOT NULL,
  difference_count INTEGER NOT NULL, legacy_payload TEXT NOT NULL, new_payload TEXT NOT NULL);
CREATE TABLE dw_mismatch_fields (mismatch_id VARCHAR(40) NOT NULL, seq INTEGER NOT NULL,
  kind VARCHAR(16) NOT NULL, path TEXT NOT NULL, field VARCHAR(64) NOT NULL,
  legacy_value TEXT NOT NULL, new_value TEXT NOT NULL, PRIMARY KEY (mismatch_id, seq));
INSERT INTO dw_mismatches VALUES ('a-1', 1710496800000000, '2024-03-15T10:00:00.000000Z',
  'ACCTPOST', 'SAVINGS', 'SHADOW', 'legacy', 'ATM0000000000001', '100******345', 1,
  '{"PST-REPLY":{"PST-LEDGER-BALANCE":874.50}}', '{"PST-REPLY":{"PST-LEDGER-BALANCE":874.51}}');
INSERT INTO dw_mismatch_fields VALUES ('a-1', 0, 'value',
  'PST-COMMAREA.PST-REPLY.PST-LEDGER-BALANCE', 'PST-LEDGER-BALANCE', '874.50', '874.51');
INSERT INTO dw_mismatches VALUES ('a-2', 1710500400000000, '2024-03-15T11:00:00.000000Z',
  'ACCTSTMT', 'CHECKING', 'NEW_PRIMARY', 'new', 'HBK0000000000007', '200******777', 2,
  '{}', '{"system_error":{"zz":8,"text":"AEY9"}}');
INSERT INTO dw_mismatch_fields VALUES ('a-2', 0, 'value',
  'STM-COMMAREA.STM-REPLY.STM-POSTINGS[2].STM-PST-AMOUNT', 'STM-PST-AMOUNT', '20.00', '20.01');
INSERT INTO dw_mismatch_fields VALUES ('a-2', 1, 'value',
  'STM-COMMAREA.STM-REPLY.STM-POSTINGS[3].STM-PST-AMOUNT', 'STM-PST-AMOUNT', '5.00', '5.10');
)SQL";

class BridgectlMismatchesTest : public corebridge::tools_test::BridgectlFixture {
 protected:
  // The store file with two mismatches (three differences).
  void makeStore() {
    std::ofstream(path("store.sql")) << kSchemaAndRows;
    const std::string cmd =
        "python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
        "c.executescript(open(sys.argv[2]).read()); c.commit()' " +
        path("store.db") + " " + path("store.sql");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
};

TEST_F(BridgectlMismatchesTest, TableNewestFirstOneRowPerDifference) {
  makeStore();
  Outcome r = run("mismatches --store " + path("store.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, first, second, third, tail;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  std::getline(lines, tail);
  EXPECT_THAT(header, HasSubstr("TIME"));
  EXPECT_THAT(header, HasSubstr("PRODUCT LINE"));
  EXPECT_THAT(header, HasSubstr("LEGACY"));
  EXPECT_THAT(first, HasSubstr("2024-03-15T11:00:00Z"));
  EXPECT_THAT(first, HasSubstr("ACCTSTMT"));
  EXPECT_THAT(first, HasSubstr("200******777"));
  EXPECT_THAT(first, HasSubstr("STM-REPLY.STM-POSTINGS[2].STM-PST-AMOUNT"));
  EXPECT_THAT(first, HasSubstr("20.00"));
  EXPECT_THAT(first, HasSubstr("20.01"));
  EXPECT_THAT(second, HasSubstr("STM-POSTINGS[3]"));
  EXPECT_THAT(third, HasSubstr("ACCTPOST"));
  EXPECT_THAT(third, HasSubstr("SAVINGS"));
  EXPECT_THAT(third, HasSubstr("PST-REPLY.PST-LEDGER-BALANCE"));
  EXPECT_EQ(tail, "2 mismatches");
}

TEST_F(BridgectlMismatchesTest, FiltersAndJsonLines) {
  makeStore();
  const std::string dsn = "'Driver=SQLite3;Database=" + path("store.db") + "'";
  Outcome r = run("mismatches --store " + dsn + " --trancode ACCTPOST --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_THAT(r.out, HasSubstr(R"("trancode":"ACCTPOST")"));
  EXPECT_THAT(r.out, HasSubstr(R"("account":"100******345")"));
  EXPECT_THAT(r.out, HasSubstr(R"("primary":"legacy")"));
  EXPECT_THAT(r.out,
              HasSubstr(R"({"kind":"value","path":"PST-COMMAREA.PST-REPLY.PST-LEDGER-BALANCE",)"
                        R"("field":"PST-LEDGER-BALANCE","legacy":"874.50","new":"874.51"})"));
  EXPECT_THAT(r.out, HasSubstr(R"("legacy_payload":{"PST-REPLY":{"PST-LEDGER-BALANCE":874.50}})"));

  r = run("mismatches --store " + dsn + " --product-line CHECKING --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_THAT(r.out, HasSubstr(R"("new_payload":{"system_error":{"zz":8,"text":"AEY9"}})"));

  r = run("mismatches --store " + dsn + " --field PST-LEDGER-BALANCE --json");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  r = run("mismatches --store " + dsn + " --limit 1 --json");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_THAT(r.out, HasSubstr("ACCTSTMT"));
  r = run("mismatches --store " + dsn + " --since 2024-03-15T10:30:00Z --json");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_THAT(r.out, HasSubstr("ACCTSTMT"));

  r = run("mismatches --store " + dsn + " --by-field");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("STM-PST-AMOUNT"));
  EXPECT_THAT(r.out, Not(HasSubstr("(absent)")));
  r = run("mismatches --store " + dsn + " --by-field --json");
  EXPECT_THAT(r.out, HasSubstr(R"({"field":"STM-PST-AMOUNT","mismatches":1,"differences":2})"));
}

TEST_F(BridgectlMismatchesTest, CommandLineErrorsExitTwo) {
  EXPECT_EQ(run("mismatches").exit_code, 2);
  Outcome r = run("mismatches --store " + path("missing.db"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no mismatch store"));
  makeStore();
  r = run("mismatches --store " + path("store.db") + " --limit many");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--limit"));
  r = run("mismatches --store " + path("store.db") + " --since yesterday");
  EXPECT_EQ(r.exit_code, 2);
  r = run("mismatches --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--product-line"));
}

}  // namespace

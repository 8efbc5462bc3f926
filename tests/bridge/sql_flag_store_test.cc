// The FlagStore contract on SqlFlagStore over SQLite (a temp file),
// PostgreSQL and MariaDB (real servers from tests/support/db_servers.h,
// through tests/adapters/odbc_targets.h): versions, change requests, all or
// nothing, the audit chain, several instances committing at once.
#include "bridge/sql_flag_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/odbc/connection.h"
#include "bridge/audit_chain.h"
#include "tests/adapters/odbc_targets.h"

namespace corebridge::bridge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kStart = 1796000000000;

LineFlags flags(const std::string& line, Stage stage, int ramp = 100) {
  LineFlags f;
  f.line = line;
  f.stage = stage;
  f.ramp_percent = ramp;
  f.guard.max_mismatch_rate = 0.01;
  f.guard.max_error_rate = 0.05;
  f.guard.window_seconds = 60;
  f.guard.min_samples = 20;
  return f;
}

AuditDraft draft(const std::string& actor, const std::string& action, const std::string& line,
                 const std::string& reason = "") {
  AuditDraft d;
  d.actor = actor;
  d.action = action;
  d.line = line;
  d.reason = reason;
  return d;
}

FlagCommit setLine(const LineFlags& f, int64_t expected_version, const std::string& action) {
  FlagCommit c;
  c.set_line = f;
  c.expected_version = expected_version;
  AuditDraft d = draft("alice", action, f.line, "because");
  d.to = describeSetting(f.stage, f.ramp_percent);
  c.audit.push_back(d);
  return c;
}

ChangeRequest proposal(const LineFlags& from, const LineFlags& to) {
  ChangeRequest c;
  c.line = from.line;
  c.from = from;
  c.to = to;
  c.reason = "error rate below 0.1% for a week";
  c.proposed_by = "alice";
  return c;
}

ChangeRequest decision(int64_t id, ChangeState state, const std::string& by) {
  ChangeRequest c;
  c.id = id;
  c.state = state;
  c.decided_by = by;
  c.decision_note = "looks right";
  return c;
}

std::vector<int64_t> changeIds(const Result<std::vector<ChangeRequest>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().toString();
  std::vector<int64_t> out;
  for (const ChangeRequest& c : r.ok() ? *r : std::vector<ChangeRequest>{}) {
    out.push_back(c.id);
  }
  return out;
}

std::vector<int64_t> seqs(const Result<std::vector<AuditEntry>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().toString();
  std::vector<int64_t> out;
  for (const AuditEntry& e : r.ok() ? *r : std::vector<AuditEntry>{}) {
    out.push_back(e.seq);
  }
  return out;
}

std::vector<std::string> problemKinds(const ChainReport& r) {
  std::vector<std::string> out;
  for (const ChainProblem& p : r.problems) {
    out.push_back(p.kind);
  }
  return out;
}

class SqlFlagStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto cs = adapters::odbc::testing::odbcConnectionString(GetParam());
    ASSERT_TRUE(cs.ok()) << cs.status().toString();  // a server that fails to start fails
    cs_ = *cs;
    ASSERT_NO_FATAL_FAILURE(dropSchema());
    options_.clock = [this] { return now_ms_.load(); };
    options_.pool_size = 4;
    auto store = SqlFlagStore::open(cs_, options_);
    ASSERT_TRUE(store.ok()) << store.status().toString();
    store_ = std::move(*store);
  }

  // What a previous test of this process left behind.
  void dropSchema() {
    for (const char* table : {"cb_flag_reconciliations", "cb_flag_audit", "cb_flag_changes",
                              "cb_flag_lines", "cb_flag_head", "cb_flag_schema_migrations"}) {
      sql(std::string("DROP TABLE IF EXISTS ") + table);
    }
  }

  // Runs SQL beside the store, as someone with write access to the database.
  void sql(const std::string& statement) {
    auto c = adapters::odbc::Connection::open(cs_);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    Status s = (*c)->execute(statement);
    ASSERT_TRUE(s.ok()) << statement << ": " << s.toString();
  }

  CommitResult mustCommit(const FlagCommit& c) {
    auto r = store_->commit(c);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() ? *r : CommitResult{};
  }

  LineFlags line(const std::string& name) {
    auto all = store_->lines();
    EXPECT_TRUE(all.ok()) << all.status().toString();
    for (const LineFlags& f : all.ok() ? *all : std::vector<LineFlags>{}) {
      if (f.line == name) {
        return f;
      }
    }
    ADD_FAILURE() << "no line " << name;
    return {};
  }

  int64_t generation() {
    auto g = store_->generation();
    EXPECT_TRUE(g.ok()) << g.status().toString();
    return g.ok() ? *g : -1;
  }

  std::vector<AuditEntry> wholeAudit() {
    AuditQuery all;
    all.limit = 0;
    auto entries = store_->audit(all);
    EXPECT_TRUE(entries.ok()) << entries.status().toString();
    return entries.ok() ? *entries : std::vector<AuditEntry>{};
  }

  AuditHead head() {
    auto h = store_->auditHead();
    EXPECT_TRUE(h.ok()) << h.status().toString();
    return h.ok() ? *h : AuditHead{};
  }

  // Nothing but the seed of SAVINGS (seq 1, generation 1) is in the store.
  void expectOnlyTheSeed() {
    EXPECT_EQ(generation(), 1);
    EXPECT_EQ(head().seq, 1);
    EXPECT_THAT(seqs(store_->audit(AuditQuery{})), ElementsAre(1));
    EXPECT_THAT(changeIds(store_->changes(std::nullopt, 0)), IsEmpty());
    auto recs = store_->reconciliations("", 0);
    ASSERT_TRUE(recs.ok()) << recs.status().toString();
    EXPECT_THAT(*recs, IsEmpty());
    EXPECT_EQ(line("SAVINGS").version, 1);
  }

  std::atomic<int64_t> now_ms_{kStart};
  SqlFlagStoreOptions options_;
  std::string cs_;
  std::unique_ptr<SqlFlagStore> store_;
};

TEST_P(SqlFlagStoreTest, OpensEmptyAtSchemaVersionOne) {
  EXPECT_EQ(store_->schemaVersion(), 1);
  EXPECT_EQ(generation(), 0);
  auto lines = store_->lines();
  ASSERT_TRUE(lines.ok()) << lines.status().toString();
  EXPECT_THAT(*lines, IsEmpty());
  EXPECT_EQ(head().seq, 0);
  EXPECT_EQ(head().hash, "");
  EXPECT_THAT(wholeAudit(), IsEmpty());
  EXPECT_THAT(changeIds(store_->changes(std::nullopt, 0)), IsEmpty());
  EXPECT_EQ(store_->change(1).status().code(), StatusCode::kNotFound);
  // Opening again migrates nothing.
  auto again = SqlFlagStore::open(cs_, options_);
  ASSERT_TRUE(again.ok()) << again.status().toString();
  EXPECT_EQ((*again)->schemaVersion(), 1);
  EXPECT_EQ(*(*again)->generation(), 0);
}

TEST_P(SqlFlagStoreTest, SeedingTwiceIsAbortedTheSecondTime) {
  const CommitResult first = mustCommit(setLine(flags("SAVINGS", Stage::kDualWrite), 0, "seed"));
  EXPECT_EQ(first.line_version, 1);
  EXPECT_EQ(first.generation, 1);
  EXPECT_THAT(first.audit_seqs, ElementsAre(1));

  now_ms_ += 1000;
  auto second = store_->commit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAborted);
  EXPECT_THAT(second.status().message(), HasSubstr("line 'SAVINGS' exists already (version 1)"));

  const LineFlags f = line("SAVINGS");
  EXPECT_EQ(f.stage, Stage::kDualWrite);
  EXPECT_EQ(f.version, 1);
  EXPECT_EQ(f.changed_at_ms, kStart);
  EXPECT_EQ(f.stage_since_ms, kStart);
  expectOnlyTheSeed();
}

TEST_P(SqlFlagStoreTest, SetLineIsConditionalOnItsVersion) {
  mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  const int64_t t1 = now_ms_ += 1000;
  EXPECT_EQ(
      mustCommit(setLine(flags("SAVINGS", Stage::kNewPrimary, 10), 1, "promote")).line_version, 2);
  LineFlags f = line("SAVINGS");
  EXPECT_EQ(f.stage, Stage::kNewPrimary);
  EXPECT_EQ(f.ramp_percent, 10);
  EXPECT_EQ(f.version, 2);
  EXPECT_EQ(f.changed_at_ms, t1);
  EXPECT_EQ(f.stage_since_ms, t1);

  // A higher ramp in the same stage: changed, but in NEW_PRIMARY since t1.
  const int64_t t2 = now_ms_ += 1000;
  EXPECT_EQ(
      mustCommit(setLine(flags("SAVINGS", Stage::kNewPrimary, 25), 2, "promote")).line_version, 3);
  f = line("SAVINGS");
  EXPECT_EQ(f.ramp_percent, 25);
  EXPECT_EQ(f.version, 3);
  EXPECT_EQ(f.changed_at_ms, t2);
  EXPECT_EQ(f.stage_since_ms, t1);

  // Decided on version 2, which moved on.
  now_ms_ += 1000;
  auto stale = store_->commit(setLine(flags("SAVINGS", Stage::kShadow), 2, "demote"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("is at version 3, not 2"));
  f = line("SAVINGS");
  EXPECT_EQ(f.stage, Stage::kNewPrimary);
  EXPECT_EQ(f.version, 3);
  EXPECT_EQ(f.changed_at_ms, t2);

  // The guard alone.
  LineFlags tighter = flags("SAVINGS", Stage::kNewPrimary, 25);
  tighter.guard.max_error_rate = 0.02;
  const int64_t t3 = now_ms_ += 1000;
  EXPECT_EQ(mustCommit(setLine(tighter, 3, "guard")).line_version, 4);
  f = line("SAVINGS");
  EXPECT_EQ(f.guard.max_error_rate, 0.02);
  EXPECT_EQ(f.changed_at_ms, t3);
  EXPECT_EQ(f.stage_since_ms, t1);

  // A demotion enters a new stage.
  const int64_t t4 = now_ms_ += 1000;
  EXPECT_EQ(mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 4, "demote")).line_version, 5);
  EXPECT_EQ(line("SAVINGS").stage_since_ms, t4);

  auto missing = store_->commit(setLine(flags("LOANS", Stage::kShadow), 4, "demote"));
  EXPECT_EQ(missing.status().code(), StatusCode::kAborted);
  EXPECT_THAT(missing.status().message(), HasSubstr("line 'LOANS' does not exist"));
  auto lines = store_->lines();
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(wholeAudit().size(), 5u);  // seed, 2 promotes, guard, demote
}

TEST_P(SqlFlagStoreTest, EveryFieldRoundTripsExactly) {
  LineFlags f = flags("SAVINGS", Stage::kNewPrimary, 25);
  f.guard.max_mismatch_rate = 0.1 + 0.2;  // 0.30000000000000004
  f.guard.max_error_rate = std::nextafter(0.05, 1.0);
  f.guard.window_seconds = 300;
  f.guard.min_samples = 0;
  FlagCommit c = setLine(f, 0, "seed");
  AuditDraft& d = c.audit[0];
  d.at_ms = kStart - 5;
  d.actor = "system:config";
  d.from = "";
  d.to = "NEW_PRIMARY 25%";
  d.reason = "Zürich: 5 € — ok, 'quoted' \"twice\"\nsecond line";
  d.approved_by = "bob";
  std::string big = "{\"rows\":[";
  while (big.size() < 200000) {
    big += "{\"n\":\"é\"},";
  }
  big += "{}]}";
  d.evidence = big;
  d.change_id = 17;
  mustCommit(c);
  mustCommit(setLine(flags("CHECKING", Stage::kLegacyOnly), 0, "seed"));
  mustCommit(setLine(flags("checking", Stage::kDualWrite), 0, "seed"));  // names are exact

  auto lines = store_->lines();
  ASSERT_TRUE(lines.ok()) << lines.status().toString();
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].line, "CHECKING");
  EXPECT_EQ((*lines)[1].line, "SAVINGS");
  EXPECT_EQ((*lines)[2].line, "checking");
  const LineFlags& got = (*lines)[1];
  EXPECT_EQ(got.stage, Stage::kNewPrimary);
  EXPECT_EQ(got.ramp_percent, 25);
  EXPECT_EQ(got.guard, f.guard);
  EXPECT_EQ(got.guard.max_mismatch_rate, 0.1 + 0.2);
  EXPECT_EQ((*lines)[2].stage, Stage::kDualWrite);

  const std::vector<AuditEntry> entries = wholeAudit();
  ASSERT_EQ(entries.size(), 3u);
  const AuditEntry& e = entries[0];
  EXPECT_EQ(e.seq, 1);
  EXPECT_EQ(e.at_ms, kStart - 5);
  EXPECT_EQ(e.actor, "system:config");
  EXPECT_EQ(e.action, "seed");
  EXPECT_EQ(e.line, "SAVINGS");
  EXPECT_EQ(e.from, "");
  EXPECT_EQ(e.to, "NEW_PRIMARY 25%");
  EXPECT_EQ(e.reason, d.reason);
  EXPECT_EQ(e.approved_by, "bob");
  EXPECT_EQ(e.evidence, big);
  EXPECT_EQ(e.change_id, 17);
  EXPECT_EQ(e.prev_hash, genesisHash());
  EXPECT_EQ(e.hash, auditHash(e));
  EXPECT_EQ(entries[1].at_ms, kStart);  // 0: the store's clock
  EXPECT_TRUE(verifyChain(entries, head()).ok);
}

TEST_P(SqlFlagStoreTest, ChangeRequestsAreInsertedAndDecidedOnce) {
  mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  const LineFlags base = line("SAVINGS");
  const int64_t proposed_at = now_ms_ += 1000;
  FlagCommit propose;
  propose.change = proposal(base, flags("SAVINGS", Stage::kNewPrimary, 10));
  propose.audit.push_back(draft("alice", "propose", "SAVINGS"));
  const CommitResult proposed = mustCommit(propose);
  EXPECT_EQ(proposed.change_id, 1);
  EXPECT_EQ(proposed.line_version, 0);  // no set_line
  EXPECT_EQ(wholeAudit().back().change_id, 1);

  auto c = store_->change(1);
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->id, 1);
  EXPECT_EQ(c->line, "SAVINGS");
  EXPECT_EQ(c->state, ChangeState::kPending);
  EXPECT_EQ(c->reason, "error rate below 0.1% for a week");
  EXPECT_EQ(c->proposed_by, "alice");
  EXPECT_EQ(c->proposed_at_ms, proposed_at);
  EXPECT_EQ(c->decided_by, "");
  EXPECT_EQ(c->decided_at_ms, 0);
  EXPECT_EQ(c->from.line, "SAVINGS");
  EXPECT_EQ(c->from.stage, Stage::kShadow);
  EXPECT_EQ(c->from.version, 1);
  EXPECT_EQ(c->from.changed_at_ms, kStart);
  EXPECT_EQ(c->from.stage_since_ms, kStart);
  EXPECT_EQ(c->from.guard, base.guard);
  EXPECT_EQ(c->to.line, "SAVINGS");
  EXPECT_EQ(c->to.stage, Stage::kNewPrimary);
  EXPECT_EQ(c->to.ramp_percent, 10);
  EXPECT_EQ(c->to.guard, flags("SAVINGS", Stage::kShadow).guard);
  EXPECT_THAT(changeIds(store_->changes(ChangeState::kPending, 10)), ElementsAre(1));

  // Approval: the line set and the change decided in one commit.
  const int64_t decided_at = now_ms_ += 1000;
  FlagCommit approve;
  approve.set_line = c->to;
  approve.expected_version = c->from.version;
  approve.change = decision(1, ChangeState::kApplied, "bob");
  approve.audit.push_back(draft("bob", "approve", "SAVINGS"));
  const CommitResult approved = mustCommit(approve);
  EXPECT_EQ(approved.change_id, 1);
  EXPECT_EQ(approved.line_version, 2);
  c = store_->change(1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, ChangeState::kApplied);
  EXPECT_EQ(c->decided_by, "bob");
  EXPECT_EQ(c->decided_at_ms, decided_at);
  EXPECT_EQ(c->decision_note, "looks right");
  EXPECT_EQ(c->to.ramp_percent, 10);            // the proposal itself is kept
  EXPECT_EQ(wholeAudit().back().change_id, 0);  // a decision's entry names it itself
  EXPECT_EQ(line("SAVINGS").stage, Stage::kNewPrimary);

  // Deciding again: refused, and the line part of that commit not written.
  now_ms_ += 1000;
  FlagCommit again;
  again.set_line = flags("SAVINGS", Stage::kShadow);
  again.expected_version = 2;
  again.change = decision(1, ChangeState::kRejected, "carol");
  again.audit.push_back(draft("carol", "reject", "SAVINGS"));
  auto refused = store_->commit(again);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAborted);
  EXPECT_THAT(refused.status().message(), HasSubstr("change request 1 is applied, not pending"));
  EXPECT_EQ(line("SAVINGS").version, 2);
  EXPECT_EQ(line("SAVINGS").stage, Stage::kNewPrimary);
  EXPECT_EQ(store_->change(1)->decided_by, "bob");
  EXPECT_EQ(wholeAudit().size(), 3u);

  FlagCommit unknown;
  unknown.change = decision(99, ChangeState::kRejected, "bob");
  EXPECT_EQ(store_->commit(unknown).status().code(), StatusCode::kNotFound);

  FlagCommit next;
  next.change = proposal(line("SAVINGS"), flags("SAVINGS", Stage::kNewPrimary, 50));
  EXPECT_EQ(mustCommit(next).change_id, 2);
  FlagCommit reject;
  reject.change = decision(2, ChangeState::kRejected, "alice");
  EXPECT_EQ(mustCommit(reject).change_id, 2);
  EXPECT_EQ(store_->change(2)->state, ChangeState::kRejected);
  FlagCommit third;
  third.change = proposal(line("SAVINGS"), flags("SAVINGS", Stage::kNewPrimary, 30));
  EXPECT_EQ(mustCommit(third).change_id, 3);

  EXPECT_THAT(changeIds(store_->changes(std::nullopt, 0)), ElementsAre(3, 2, 1));
  EXPECT_THAT(changeIds(store_->changes(std::nullopt, 2)), ElementsAre(3, 2));
  EXPECT_THAT(changeIds(store_->changes(ChangeState::kPending, 0)), ElementsAre(3));
  EXPECT_THAT(changeIds(store_->changes(ChangeState::kApplied, 0)), ElementsAre(1));
  EXPECT_THAT(changeIds(store_->changes(ChangeState::kRejected, 0)), ElementsAre(2));
  EXPECT_EQ(store_->change(42).status().code(), StatusCode::kNotFound);
}

TEST_P(SqlFlagStoreTest, ACommitWithAStaleLineWritesNothing) {
  mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  FlagCommit stale = setLine(flags("SAVINGS", Stage::kNewPrimary, 10), 7, "approve");
  stale.change = proposal(line("SAVINGS"), flags("SAVINGS", Stage::kNewPrimary, 10));
  ReconciliationRecord r;
  r.line = "SAVINGS";
  r.business_date = "20260315";
  stale.reconciliation = r;
  stale.audit.push_back(draft("bob", "reconciliation", "SAVINGS"));
  auto refused = store_->commit(stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAborted);
  expectOnlyTheSeed();

  // A bad value is refused before anything is written.
  FlagCommit bad = setLine(flags("SAVINGS", Stage::kNewPrimary, 10), 1, "promote");
  bad.audit.push_back(draft(std::string(129, 'x'), "guard", "SAVINGS"));
  auto invalid = store_->commit(bad);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.status().message(), HasSubstr("audit[1].actor"));
  expectOnlyTheSeed();

  // The refused commits used no id and no seq.
  stale.expected_version = 1;
  const CommitResult ok = mustCommit(stale);
  EXPECT_EQ(ok.line_version, 2);
  EXPECT_EQ(ok.change_id, 1);
  EXPECT_EQ(ok.reconciliation_id, 1);
  EXPECT_THAT(ok.audit_seqs, ElementsAre(2, 3));
  EXPECT_EQ(ok.generation, 2);
}

TEST_P(SqlFlagStoreTest, BadValuesAreInvalidArgumentNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(FlagCommit&)> spoil;
  };
  const std::vector<Case> cases = {
      {"set_line.line is empty", [](FlagCommit& c) { c.set_line->line.clear(); }},
      {"set_line.line is 33 bytes long",
       [](FlagCommit& c) { c.set_line->line = std::string(33, 'L'); }},
      {"set_line.ramp_percent", [](FlagCommit& c) { c.set_line->ramp_percent = 101; }},
      {"set_line.guard.max_mismatch_rate",
       [](FlagCommit& c) {
         c.set_line->guard.max_mismatch_rate = std::numeric_limits<double>::quiet_NaN();
       }},
      {"set_line.guard.max_error_rate",
       [](FlagCommit& c) { c.set_line->guard.max_error_rate = 1.5; }},
      {"set_line.guard.window_seconds",
       [](FlagCommit& c) { c.set_line->guard.window_seconds = 0; }},
      {"set_line.guard.min_samples", [](FlagCommit& c) { c.set_line->guard.min_samples = -1; }},
      {"set_line.stage", [](FlagCommit& c) { c.set_line->stage = static_cast<Stage>(7); }},
      {"expected_version", [](FlagCommit& c) { c.expected_version = -1; }},
      {"audit[0].reason is not valid UTF-8", [](FlagCommit& c) { c.audit[0].reason = "ab\xff"; }},
      {"audit[0].reason is not valid UTF-8",
       [](FlagCommit& c) { c.audit[0].reason = "\xc0\xaf"; }},  // an overlong '/'
      {"audit[0].evidence holds a NUL byte",
       [](FlagCommit& c) { c.audit[0].evidence = std::string("{\0}", 3); }},
      {"audit[0].action is empty", [](FlagCommit& c) { c.audit[0].action.clear(); }},
      {"audit[0].to", [](FlagCommit& c) { c.audit[0].to = std::string(513, 't'); }},
      {"change.proposed_by is empty",
       [](FlagCommit& c) {
         c.change = proposal(flags("SAVINGS", Stage::kShadow), flags("SAVINGS", Stage::kShadow));
         c.change->proposed_by.clear();
       }},
      {"change.to.line 'LOANS' is not change.line 'SAVINGS'",
       [](FlagCommit& c) {
         c.change = proposal(flags("SAVINGS", Stage::kShadow), flags("LOANS", Stage::kShadow));
       }},
      {"change.state", [](FlagCommit& c) { c.change = decision(1, ChangeState::kPending, "bob"); }},
      {"change.decided_by is empty",
       [](FlagCommit& c) { c.change = decision(1, ChangeState::kApplied, ""); }},
      {"reconciliation.summary_json",
       [](FlagCommit& c) {
         ReconciliationRecord r;
         r.line = "SAVINGS";
         r.summary_json = std::string(kMaxJson + 1, ' ');
         c.reconciliation = r;
       }},
      {"reconciliation.line is empty",
       [](FlagCommit& c) { c.reconciliation = ReconciliationRecord{}; }},
  };
  for (const Case& k : cases) {
    FlagCommit c = setLine(flags("SAVINGS", Stage::kShadow), 0, "seed");
    k.spoil(c);
    auto r = store_->commit(c);
    ASSERT_FALSE(r.ok()) << k.field;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << k.field;
    EXPECT_THAT(r.status().message(), HasSubstr(k.field));
  }
  EXPECT_EQ(generation(), 0);
  EXPECT_THAT(wholeAudit(), IsEmpty());
}

TEST_P(SqlFlagStoreTest, TheAuditChainVerifiesAndEndsAtTheHead) {
  mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  mustCommit(setLine(flags("CHECKING", Stage::kDualWrite), 0, "seed"));
  FlagCommit two;
  two.audit = {draft("system:guard", "guard_demote", "CHECKING", "errors 9% of 200 calls"),
               draft("system:guard", "guard", "CHECKING", "tightened")};
  two.audit[0].at_ms = kStart + 77;
  now_ms_ += 500;
  EXPECT_THAT(mustCommit(two).audit_seqs, ElementsAre(3, 4));
  for (int i = 0; i < 4; ++i) {
    now_ms_ += 500;
    mustCommit(FlagCommit{std::nullopt,
                          0,
                          std::nullopt,
                          std::nullopt,
                          {draft("alice", "demote", i % 2 == 0 ? "SAVINGS" : "CHECKING")}});
  }

  const std::vector<AuditEntry> all = wholeAudit();
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(all[i].prev_hash, i == 0 ? genesisHash() : all[i - 1].hash);
    EXPECT_EQ(all[i].hash, auditHash(all[i]));
    EXPECT_EQ(all[i].hash.size(), 64u);
  }
  EXPECT_EQ(all[2].at_ms, kStart + 77);
  EXPECT_EQ(all[3].at_ms, kStart + 500);
  const AuditHead h = head();
  EXPECT_EQ(h.seq, 8);
  EXPECT_EQ(h.hash, all.back().hash);
  const ChainReport report = verifyChain(all, h);
  EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0].message);
  EXPECT_EQ(report.entries, 8);

  // The queries.
  EXPECT_THAT(seqs(store_->audit(AuditQuery{3, 2, "", false})), ElementsAre(4, 5));
  EXPECT_THAT(seqs(store_->audit(AuditQuery{0, 0, "CHECKING", false})), ElementsAre(2, 3, 4, 6, 8));
  EXPECT_THAT(seqs(store_->audit(AuditQuery{0, 2, "CHECKING", true})), ElementsAre(8, 6));
  EXPECT_THAT(seqs(store_->audit(AuditQuery{0, 3, "", true})), ElementsAre(8, 7, 6));
  EXPECT_THAT(seqs(store_->audit(AuditQuery{5, 0, "", true})), ElementsAre(8, 7, 6));
  EXPECT_THAT(seqs(store_->audit(AuditQuery{8, 0, "", false})), IsEmpty());
  EXPECT_THAT(seqs(store_->audit(AuditQuery{0, 0, "LOANS", false})), IsEmpty());
  EXPECT_EQ(seqs(store_->audit(AuditQuery{})).size(), 8u);  // limit 100
  // A page verifies on its own from the hash before it.
  auto page = store_->audit(AuditQuery{4, 0, "", false});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(verifyChain(*page, h, all[3].hash).ok);
}

TEST_P(SqlFlagStoreTest, TamperingInTheDatabaseIsFound) {
  for (int i = 0; i < 6; ++i) {
    mustCommit(FlagCommit{std::nullopt,
                          0,
                          std::nullopt,
                          std::nullopt,
                          {draft("alice", "demote", "SAVINGS", std::to_string(i))}});
  }
  ASSERT_TRUE(verifyChain(wholeAudit(), head()).ok);

  sql("UPDATE cb_flag_audit SET reason = 'nothing happened' WHERE seq = 3");
  ChainReport r = verifyChain(wholeAudit(), head());
  EXPECT_THAT(problemKinds(r), ElementsAre("edited"));
  EXPECT_EQ(r.problems[0].seq, 3);

  sql("DELETE FROM cb_flag_audit WHERE seq = 3");
  r = verifyChain(wholeAudit(), head());
  EXPECT_THAT(problemKinds(r), ElementsAre("gap"));
  EXPECT_EQ(r.problems[0].message, "entry 3 is missing (seq jumps from 2 to 4)");

  // The head row is not the audit table: removing the newest entries shows.
  sql("DELETE FROM cb_flag_audit WHERE seq >= 5");
  r = verifyChain(wholeAudit(), head());
  EXPECT_THAT(problemKinds(r), ElementsAre("gap", "truncated"));
  EXPECT_EQ(r.problems[1].message,
            "the log ends at 4 but the head says 6: the newest entries were removed");
}

TEST_P(SqlFlagStoreTest, ConcurrentInstancesKeepOneChain) {
  // Two instances (two stores, two pools) on one database, two threads each.
  auto other = SqlFlagStore::open(cs_, options_);
  ASSERT_TRUE(other.ok()) << other.status().toString();
  std::vector<FlagStore*> instances = {store_.get(), other->get()};
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::mutex mu;
  std::vector<int64_t> got_seqs;
  std::set<int64_t> generations;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      FlagStore& store = *instances[t % 2];
      for (int i = 0; i < kEach; ++i) {
        FlagCommit c;
        c.audit.push_back(
            draft("thread" + std::to_string(t), "guard", "SAVINGS", std::to_string(i)));
        auto r = store.commit(c);
        std::lock_guard<std::mutex> lock(mu);
        if (!r.ok()) {
          failures.push_back(r.status().toString());
          continue;
        }
        got_seqs.insert(got_seqs.end(), r->audit_seqs.begin(), r->audit_seqs.end());
        generations.insert(r->generation);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_THAT(failures, IsEmpty());
  const std::set<int64_t> distinct(got_seqs.begin(), got_seqs.end());
  EXPECT_EQ(got_seqs.size(), 100u);
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), 100);
  EXPECT_EQ(generations.size(), 100u);
  EXPECT_EQ(generation(), 100);
  EXPECT_EQ(*(*other)->generation(), 100);

  const std::vector<AuditEntry> all = wholeAudit();
  ASSERT_EQ(all.size(), 100u);
  std::vector<int> next(kThreads, 0);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, static_cast<int64_t>(i + 1));
    const int t = all[i].actor.back() - '0';
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(all[i].reason, std::to_string(next[t]++));  // each thread's in its order
  }
  const ChainReport r = verifyChain(all, head());
  EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0].message);
  EXPECT_EQ(head().seq, 100);
}

TEST_P(SqlFlagStoreTest, GenerationGrowsWithEveryCommit) {
  EXPECT_EQ(generation(), 0);
  EXPECT_EQ(mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed")).generation, 1);
  EXPECT_EQ(generation(), 1);
  EXPECT_EQ(mustCommit(setLine(flags("SAVINGS", Stage::kDualWrite), 1, "demote")).generation, 2);
  FlagCommit propose;
  propose.change = proposal(line("SAVINGS"), flags("SAVINGS", Stage::kShadow));
  EXPECT_EQ(mustCommit(propose).generation, 3);
  FlagCommit rec;
  rec.reconciliation = ReconciliationRecord{};
  rec.reconciliation->line = "SAVINGS";
  EXPECT_EQ(mustCommit(rec).generation, 4);
  EXPECT_EQ(mustCommit(FlagCommit{}).generation, 5);  // even an empty one
  EXPECT_EQ(generation(), 5);
  EXPECT_FALSE(store_->commit(setLine(flags("SAVINGS", Stage::kShadow), 1, "promote")).ok());
  EXPECT_EQ(generation(), 5);  // a refused commit is no change

  auto other = SqlFlagStore::open(cs_, options_);  // another instance sees it
  ASSERT_TRUE(other.ok()) << other.status().toString();
  EXPECT_EQ(*(*other)->generation(), 5);
  EXPECT_EQ(mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 2, "promote")).generation, 6);
  EXPECT_EQ(*(*other)->generation(), 6);
}

TEST_P(SqlFlagStoreTest, ReconciliationsAreNewestFirstPerLine) {
  auto record = [&](const std::string& line, bool balanced, int64_t differences, int64_t at_ms) {
    FlagCommit c;
    ReconciliationRecord r;
    r.line = line;
    r.at_ms = at_ms;
    r.recorded_by = "ops";
    r.business_date = "20260315";
    r.balanced = balanced;
    r.differences = differences;
    r.summary_json = "{\"line\":\"" + line + "\",\"note\":\"Überweisung\"}";
    c.reconciliation = r;
    c.audit.push_back(draft("ops", "reconciliation", line));
    return mustCommit(c).reconciliation_id;
  };
  EXPECT_EQ(record("SAVINGS", true, 0, 0), 1);
  EXPECT_EQ(record("CHECKING", false, 3, kStart + 9), 2);
  now_ms_ += 1000;
  EXPECT_EQ(record("SAVINGS", false, 2, 0), 3);

  auto savings = store_->reconciliations("SAVINGS", 10);
  ASSERT_TRUE(savings.ok()) << savings.status().toString();
  ASSERT_EQ(savings->size(), 2u);
  EXPECT_EQ((*savings)[0].id, 3);
  EXPECT_EQ((*savings)[0].at_ms, kStart + 1000);
  EXPECT_FALSE((*savings)[0].balanced);
  EXPECT_EQ((*savings)[0].differences, 2);
  EXPECT_EQ((*savings)[1].id, 1);
  EXPECT_EQ((*savings)[1].at_ms, kStart);
  EXPECT_TRUE((*savings)[1].balanced);
  EXPECT_EQ((*savings)[1].recorded_by, "ops");
  EXPECT_EQ((*savings)[1].business_date, "20260315");
  EXPECT_EQ((*savings)[1].summary_json, "{\"line\":\"SAVINGS\",\"note\":\"Überweisung\"}");

  auto checking = store_->reconciliations("CHECKING", 10);
  ASSERT_TRUE(checking.ok());
  ASSERT_EQ(checking->size(), 1u);
  EXPECT_EQ((*checking)[0].at_ms, kStart + 9);
  EXPECT_EQ((*checking)[0].differences, 3);

  auto all = store_->reconciliations("", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, 3);
  EXPECT_EQ((*all)[2].id, 1);
  auto newest = store_->reconciliations("SAVINGS", 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, 3);
  EXPECT_TRUE(store_->reconciliations("LOANS", 5)->empty());
}

TEST_P(SqlFlagStoreTest, AReadOnlyStoreReadsWhatWasWritten) {
  mustCommit(setLine(flags("SAVINGS", Stage::kShadow), 0, "seed"));
  SqlFlagStoreOptions read_only = options_;
  read_only.read_only = true;
  auto reader = SqlFlagStore::open(cs_, read_only);
  ASSERT_TRUE(reader.ok()) << reader.status().toString();
  EXPECT_EQ((*reader)->schemaVersion(), 1);
  auto lines = (*reader)->lines();
  ASSERT_TRUE(lines.ok()) << lines.status().toString();
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].stage, Stage::kShadow);
  EXPECT_EQ((*reader)->auditHead()->seq, 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, SqlFlagStoreTest,
                         ::testing::ValuesIn(adapters::odbc::testing::odbcTestTargets()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(SqlFlagStoreOpenTest, ReadOnlyWithoutAStoreIsFailedPrecondition) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("flag_store_missing_" + std::to_string(::getpid()) + ".db"))
                               .string();
  std::filesystem::remove(path);
  SqlFlagStoreOptions read_only;
  read_only.read_only = true;
  auto missing = SqlFlagStore::open("Driver=SQLite3;Database=" + path, read_only);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("no flag store"));
  std::filesystem::remove(path);
}

TEST(FlagStoreNamesTest, ChangeStatesAndSettingsInWords) {
  for (ChangeState s : {ChangeState::kPending, ChangeState::kApplied, ChangeState::kRejected}) {
    auto back = parseChangeState(changeStateName(s));
    ASSERT_TRUE(back.ok()) << changeStateName(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(changeStateName(ChangeState::kPending), "pending");
  EXPECT_EQ(changeStateName(ChangeState::kApplied), "applied");
  EXPECT_EQ(changeStateName(ChangeState::kRejected), "rejected");
  EXPECT_EQ(*parseChangeState("Applied"), ChangeState::kApplied);
  EXPECT_EQ(parseChangeState("all").status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(describeSetting(Stage::kShadow, 100), "SHADOW");
  EXPECT_EQ(describeSetting(Stage::kShadow, 25), "SHADOW");  // a ramp only means NEW_PRIMARY's
  EXPECT_EQ(describeSetting(Stage::kNewPrimary, 25), "NEW_PRIMARY 25%");
  EXPECT_EQ(describeSetting(Stage::kNewPrimary, 0), "NEW_PRIMARY 0%");
  EXPECT_EQ(describeSetting(Stage::kNewPrimary, 100), "NEW_PRIMARY");
  EXPECT_EQ(describeSetting(Stage::kLegacyOnly, 100), "LEGACY_ONLY");
}

}  // namespace
}  // namespace corebridge::bridge

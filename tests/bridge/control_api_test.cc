// The control plane's admin API (bridge/control_api.h) through its route
// table, over a real SQLite flag store: who may do what, which changes wait
// for a second person, which are refused and why, and what the audit keeps.
#include "bridge/control_api.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "bridge/audit_chain.h"
#include "bridge/control_json.h"
#include "bridge/sql_flag_store.h"
#include "tests/bridge/flag_store_testing.h"

namespace corebridge::bridge {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Object;

struct Answer {
  int status = 0;
  Object::Ptr json;
  std::string body;
  std::string str(const std::string& key) const {
    return json.isNull() || !json->has(key) ? "" : json->get(key).toString();
  }
};

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cb-control-api-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto opened = SqlFlagStore::open("Driver=SQLite3;Database=" + dir_ + "/flags.db");
    ASSERT_TRUE(opened.ok()) << opened.status().toString();
    store_ = std::move(*opened);
    for (const char* line : {"SAVINGS", "CHECKING"}) {
      LineFlags l;
      l.line = line;
      FlagCommit c;
      c.set_line = l;
      AuditDraft a;
      a.actor = "system:config";
      a.action = "seed";
      a.line = line;
      c.audit.push_back(a);
      ASSERT_TRUE(store_->commit(c).ok());
    }
    std::map<std::string, User> users;
    users["alice"] = User{"alice", Role::kOperator, hashPassword("pw-alice", 1000), ""};
    users["bob"] = User{"bob", Role::kApprover, hashPassword("pw-bob", 1000), ""};
    users["carol"] = User{"carol", Role::kApprover, hashPassword("pw-carol", 1000), ""};
    users["view"] = User{"view", Role::kViewer, "", hashToken("view-token")};
    auth_ = std::make_unique<Authenticator>(users, "sixteen-bytes-or-more");
    ControlApiDeps deps;
    deps.store = store_.get();
    deps.auth = auth_.get();
    deps.windows = &windows_;
    deps.open_repairs = [this](const std::string& line) -> Result<int64_t> {
      return line == "SAVINGS" ? open_repairs_ : 0;
    };
    deps.instance = "test";
    api_ = std::make_unique<ControlApi>(std::move(deps));
    ASSERT_TRUE(api_->registerRoutes([this](std::string m, std::string p, AdminHandler h) {
                      return router_.add(std::move(m), std::move(p), std::move(h));
                    })
                    .ok());
    alice_ = login("alice", "pw-alice");
    bob_ = login("bob", "pw-bob");
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  Answer call(const std::string& method, const std::string& target, const std::string& token,
              const std::string& body = "") {
    AdminRequest req;
    req.method = method;
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (!token.empty()) {
      req.headers.emplace_back("Authorization", "Bearer " + token);
    }
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
    AdminResponse resp;
    router_.dispatch(req, &resp);
    Answer a;
    a.status = resp.status;
    a.body = resp.body;
    if (resp.content_type == "application/json") {
      Poco::JSON::Parser parser;
      a.json = parser.parse(resp.body).extract<Object::Ptr>();
    }
    return a;
  }
  std::string login(const std::string& user, const std::string& password) {
    Answer a = call("POST", "/api/v1/login", "",
                    "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    EXPECT_EQ(a.status, 200) << a.body;
    return a.str("token");
  }
  LineFlags line(const std::string& name) {
    auto all = store_->lines();  // kept: the loop must not outlive it
    for (const LineFlags& l : *all) {
      if (l.line == name) {
        return l;
      }
    }
    ADD_FAILURE() << "no line " << name;
    return {};
  }
  // Proposes; the change id.
  int64_t propose(const std::string& body, const std::string& line = "SAVINGS") {
    Answer a = call("POST", "/api/v1/flags/" + line, alice_, body);
    EXPECT_EQ(a.status, 202) << a.body;
    return a.json.isNull() ? 0 : a.json->getObject("change")->getValue<int64_t>("id");
  }
  void moveTo(Stage stage) {  // straight in the store, for the set-up of a test
    LineFlags l = line("SAVINGS");
    l.stage = stage;
    ASSERT_TRUE(testing::commitLine(*store_, l).ok());
  }

  std::string dir_;
  std::unique_ptr<SqlFlagStore> store_;
  std::unique_ptr<Authenticator> auth_;
  TrafficWindows windows_;
  int64_t open_repairs_ = 0;
  std::unique_ptr<ControlApi> api_;
  AdminRouter router_;
  std::string alice_;
  std::string bob_;
};

TEST_F(ControlApiTest, EveryRouteButLoginAndTheConsoleNeedsAToken) {
  EXPECT_EQ(call("GET", "/api/v1/flags", "").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/flags", "forged").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/flags", "view-token").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/login", "", "{\"user\":\"alice\",\"password\":\"no\"}").status,
            401);
  Answer page = call("GET", "/console", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  Answer who = call("GET", "/api/v1/whoami", alice_);
  EXPECT_EQ(who.str("user"), "alice");
  EXPECT_EQ(who.str("role"), "operator");
}

TEST_F(ControlApiTest, APromotionWaitsForASecondPersonAndIsAudited) {
  Answer viewer =
      call("POST", "/api/v1/flags/SAVINGS", "view-token", R"({"stage":"DUAL_WRITE","reason":"x"})");
  EXPECT_EQ(viewer.status, 403);
  const int64_t id = propose(R"({"stage":"DUAL_WRITE","reason":"backfill balanced"})");
  EXPECT_EQ(line("SAVINGS").stage, Stage::kLegacyOnly) << "nothing applied before approval";
  Answer self = call("POST", "/api/v1/changes/" + std::to_string(id) + "/approve", alice_, "{}");
  EXPECT_EQ(self.status, 403);
  EXPECT_EQ(self.str("rule"), "self_approval");
  Answer ok = call("POST", "/api/v1/changes/" + std::to_string(id) + "/approve", bob_,
                   R"({"note":"checked the report"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(line("SAVINGS").stage, Stage::kDualWrite);
  Answer again = call("POST", "/api/v1/changes/" + std::to_string(id) + "/approve", bob_, "{}");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.str("rule"), "not_pending");

  AuditQuery q;
  q.limit = 0;
  auto entries = store_->audit(q);
  ASSERT_TRUE(entries.ok());
  ASSERT_GE(entries->size(), 4u);
  const AuditEntry& proposed = (*entries)[entries->size() - 2];
  const AuditEntry& approved = entries->back();
  EXPECT_EQ(proposed.action, "propose");
  EXPECT_EQ(proposed.actor, "alice");
  EXPECT_EQ(proposed.change_id, id);
  EXPECT_EQ(approved.action, "approve");
  EXPECT_EQ(approved.actor, "bob");
  EXPECT_EQ(approved.approved_by, "bob");
  EXPECT_EQ(approved.from, "LEGACY_ONLY");
  EXPECT_EQ(approved.to, "DUAL_WRITE");
  EXPECT_NE(approved.reason.find("backfill balanced"), std::string::npos);
  EXPECT_NE(approved.evidence.find("\"proposed_by\":\"alice\""), std::string::npos);
  Answer verify = call("GET", "/api/v1/audit/verify", "view-token");
  EXPECT_EQ(verify.str("ok"), "true") << verify.body;
}

TEST_F(ControlApiTest, ADemotionTakesEffectAtOnceAndCancelsThePendingChange) {
  moveTo(Stage::kShadow);
  const int64_t id = propose(R"({"stage":"NEW_PRIMARY","ramp":10,"reason":"go"})");
  Answer d = call("POST", "/api/v1/flags/SAVINGS/demote", alice_, R"({"reason":"mismatches"})");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(line("SAVINGS").stage, Stage::kDualWrite);
  auto c = store_->change(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, ChangeState::kRejected);
  EXPECT_EQ(c->decided_by, "system:demotion");
  EXPECT_EQ(call("POST", "/api/v1/changes/" + std::to_string(id) + "/approve", bob_, "{}").status,
            409);
  // A lower stage through the propose route is a demotion too.
  Answer direct = call("POST", "/api/v1/flags/SAVINGS", alice_,
                       R"({"stage":"LEGACY_ONLY","reason":"back off"})");
  EXPECT_EQ(direct.status, 200) << direct.body;
  EXPECT_EQ(line("SAVINGS").stage, Stage::kLegacyOnly);
  EXPECT_EQ(call("POST", "/api/v1/flags/SAVINGS/demote", alice_, R"({"reason":"x"})").status, 409);
}

TEST_F(ControlApiTest, UnsafeTransitionsAreRefusedWithTheirRule) {
  Answer skip = call("POST", "/api/v1/flags/SAVINGS", alice_, R"({"stage":"SHADOW","reason":"x"})");
  EXPECT_EQ(skip.status, 409);
  EXPECT_EQ(skip.str("rule"), "skip_stage");

  open_repairs_ = 2;
  Answer repairs =
      call("POST", "/api/v1/flags/SAVINGS", alice_, R"({"stage":"DUAL_WRITE","reason":"x"})");
  EXPECT_EQ(repairs.str("rule"), "open_repairs");
  open_repairs_ = 0;

  Answer recorded = call("POST", "/api/v1/reconciliations", alice_,
                         R"({"product_line":"SAVINGS","business_date":20261130,"balanced":false,
                             "differences":{"total":3,"kept":3,"by_kind":{}}})");
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  Answer unbalanced =
      call("POST", "/api/v1/flags/SAVINGS", alice_, R"({"stage":"DUAL_WRITE","reason":"x"})");
  EXPECT_EQ(unbalanced.str("rule"), "out_of_balance");
  EXPECT_NE(unbalanced.str("error").find("20261130"), std::string::npos);

  // A change already pending blocks a second proposal; approval re-checks.
  const int64_t id = propose(R"({"stage":"DUAL_WRITE","reason":"x"})", "CHECKING");
  Answer second = call("POST", "/api/v1/flags/CHECKING", alice_,
                       R"({"ramp":50,"guard":{"window_seconds":120},"reason":"y"})");
  EXPECT_EQ(second.str("rule"), "pending_change") << second.body;
  EXPECT_EQ(call("POST", "/api/v1/changes/" + std::to_string(id) + "/approve", bob_, "{}").status,
            200);

  moveTo(Stage::kNewOnly);
  Answer leave = call("POST", "/api/v1/flags/SAVINGS/demote", alice_, R"({"reason":"x"})");
  EXPECT_EQ(leave.status, 409);
  EXPECT_EQ(leave.str("rule"), "leave_new_only");
  ASSERT_EQ(call("POST", "/api/v1/reconciliations", alice_,
                 R"({"product_line":"SAVINGS","business_date":20261201,"balanced":true,
                     "differences":{"total":0}})")
                .status,
            201);
  EXPECT_EQ(call("POST", "/api/v1/flags/SAVINGS/demote", alice_, R"({"reason":"x"})").status, 200);
  EXPECT_EQ(line("SAVINGS").stage, Stage::kNewPrimary);
}

TEST_F(ControlApiTest, BadInputIsA400NamingTheFieldAndWritesNothing) {
  const int64_t generation = *store_->generation();
  struct Case {
    std::string body;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"stage":"DUAL_WRITE"})", "reason"},
           {R"({"stage":"SIDEWAYS","reason":"x"})", "stage"},
           {R"({"ramp":150,"reason":"x"})", "ramp"},
           {R"({"ramp":"ten","reason":"x"})", "ramp"},
           {R"({"guard":{"max_mismatch_rate":2},"reason":"x"})", "guard.max_mismatch_rate"},
           {R"({"guard":{"colour":1},"reason":"x"})", "guard.colour"},
       }) {
    Answer a = call("POST", "/api/v1/flags/SAVINGS", alice_, c.body);
    EXPECT_EQ(a.status, 400) << c.body << " -> " << a.body;
    EXPECT_EQ(a.str("field"), c.field) << c.body << " -> " << a.body;
  }
  EXPECT_EQ(call("POST", "/api/v1/flags/SAVINGS", alice_, "{not json").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/flags/MORTGAGE", alice_, R"({"stage":"DUAL_WRITE","reason":"x"})")
                .status,
            404);
  EXPECT_EQ(call("POST", "/api/v1/reconciliations", alice_, R"({"product_line":"SAVINGS"})").status,
            400);
  EXPECT_EQ(call("GET", "/api/v1/audit?limit=-1", alice_).status, 400);
  EXPECT_EQ(*store_->generation(), generation) << "a refused request wrote something";
}

// The store itself refuses a second pending change for a line and a
// proposal on a version that moved, so two proposals racing past the API's
// own check cannot both wait.
TEST_F(ControlApiTest, TheStoreKeepsOnePendingChangePerLineOnItsCurrentVersion) {
  ChangeRequest c;
  c.line = "SAVINGS";
  c.from = line("SAVINGS");
  c.to = c.from;
  c.to.stage = Stage::kDualWrite;
  c.reason = "race";
  c.proposed_by = "alice";
  FlagCommit first;
  first.change = c;
  ASSERT_TRUE(store_->commit(first).ok());
  FlagCommit second;
  second.change = c;
  EXPECT_EQ(store_->commit(second).status().code(), StatusCode::kAborted);
  ChangeRequest stale = c;
  stale.line = "CHECKING";
  stale.from = line("CHECKING");
  stale.to = stale.from;
  stale.to.stage = Stage::kDualWrite;
  stale.from.version += 5;  // not the line's version
  FlagCommit old;
  old.change = stale;
  auto refused = store_->commit(old);
  EXPECT_EQ(refused.status().code(), StatusCode::kAborted) << refused.status().toString();
}

// A change left pending on an older version (the line moved under it
// without cancelling it) can never be approved and does not block a new
// proposal.
TEST_F(ControlApiTest, AStalePendingChangeDoesNotBlockANewProposal) {
  const int64_t old_id = propose(R"({"stage":"DUAL_WRITE","reason":"first"})");
  moveTo(Stage::kLegacyOnly);  // version moves; the change stays pending
  EXPECT_EQ(call("POST", "/api/v1/changes/" + std::to_string(old_id) + "/approve", bob_, "{}")
                .str("rule"),
            "stale");
  const int64_t new_id = propose(R"({"stage":"DUAL_WRITE","reason":"again"})");
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(
      call("POST", "/api/v1/changes/" + std::to_string(new_id) + "/approve", bob_, "{}").status,
      200);
}

TEST_F(ControlApiTest, BooleansAreNotNumbersAndBadQueriesAreA400) {
  EXPECT_EQ(call("POST", "/api/v1/flags/SAVINGS", alice_, R"({"ramp":true,"reason":"x"})").status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/flags/SAVINGS", alice_,
                 R"({"guard":{"min_samples":true},"reason":"x"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/reconciliations", alice_,
                 R"({"product_line":"SAVINGS","business_date":null,"balanced":true,
                     "differences":{"total":0}})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/reconciliations", alice_,
                 R"({"product_line":"SAVINGS","business_date":1,"balanced":true,
                     "differences":{"total":true}})")
                .status,
            400);
  Answer bad = call("GET", "/api/v1/audit?limit=%zz", alice_);
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(ControlApiTest, TenFailedLoginsFromAnAddressAreThrottled) {
  auto attempt = [this](const std::string& password) {
    AdminRequest req;
    req.method = "POST";
    req.path = "/api/v1/login";
    req.peer = "192.0.2.7:40000";
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = R"({"user":"alice","password":")" + password + "\"}";
    AdminResponse resp;
    router_.dispatch(req, &resp);
    return resp.status;
  };
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(attempt("wrong"), 401);
  }
  EXPECT_EQ(attempt("pw-alice"), 429) << "even the right password waits";
}

TEST_F(ControlApiTest, LoginTakesJsonOnly) {
  AdminRequest req;
  req.method = "POST";
  req.path = "/api/v1/login";
  req.headers.emplace_back("Content-Type", "text/plain");
  req.body = R"({"user":"alice","password":"pw-alice"})";
  AdminResponse resp;
  router_.dispatch(req, &resp);
  EXPECT_EQ(resp.status, 415) << resp.body;
}

TEST_F(ControlApiTest, AGuardChangeTighteningIsImmediateLooseningWaits) {
  Answer tighter = call("POST", "/api/v1/flags/SAVINGS", alice_,
                        R"({"guard":{"max_mismatch_rate":0.02,"min_samples":10},"reason":"x"})");
  EXPECT_EQ(tighter.status, 200) << tighter.body;
  EXPECT_DOUBLE_EQ(line("SAVINGS").guard.max_mismatch_rate, 0.02);
  Answer looser = call("POST", "/api/v1/flags/SAVINGS", alice_,
                       R"({"guard":{"max_mismatch_rate":0.2},"reason":"x"})");
  EXPECT_EQ(looser.status, 202) << looser.body;
  EXPECT_DOUBLE_EQ(line("SAVINGS").guard.max_mismatch_rate, 0.02);
}

TEST_F(ControlApiTest, StatusShowsEveryLineWithItsFigures) {
  windows_.recordComparison("SAVINGS", true);
  windows_.recordComparison("SAVINGS", false);
  (void)propose(R"({"stage":"DUAL_WRITE","reason":"x"})");
  Answer s = call("GET", "/api/v1/status", "view-token");
  ASSERT_EQ(s.status, 200);
  auto lines = s.json->getArray("lines");
  ASSERT_EQ(lines->size(), 2u);
  Object::Ptr savings;
  for (size_t i = 0; i < lines->size(); ++i) {
    if (lines->getObject(i)->getValue<std::string>("line") == "SAVINGS") {
      savings = lines->getObject(i);
    }
  }
  ASSERT_FALSE(savings.isNull());
  EXPECT_EQ(savings->getValue<int64_t>("compared"), 2);
  EXPECT_DOUBLE_EQ(savings->getValue<double>("mismatch_rate"), 0.5);
  EXPECT_EQ(savings->getValue<int64_t>("pending_changes"), 1);
  EXPECT_EQ(savings->getValue<int64_t>("open_repairs"), 0);
  EXPECT_TRUE(savings->isNull("last_reconciliation"));
  // The audit as JSON reads back into entries whose chain verifies.
  Answer audit = call("GET", "/api/v1/audit?limit=0", "view-token");
  std::vector<AuditEntry> entries;
  auto arr = audit.json->getArray("entries");
  for (size_t i = 0; i < arr->size(); ++i) {
    auto e = auditFromJson(*arr->getObject(i));
    ASSERT_TRUE(e.ok()) << e.status().toString();
    entries.push_back(*e);
  }
  EXPECT_TRUE(verifyChain(entries, *store_->auditHead()).ok);
}

}  // namespace
}  // namespace corebridge::bridge

// The web console end to end: a real corebridge (flag store on SQLite, a
// users file with an operator and an approver; its back ends need not be
// up) and Debian's headless chromium driven through chromedriver's W3C
// WebDriver protocol (tests/e2e/webdriver.h). alice proposes SAVINGS
// LEGACY_ONLY -> DUAL_WRITE and cannot approve it herself; bob approves it;
// the page, the API and the audit panel all show the change. And a refused
// proposal shows the server's rule; a demotion applies at once.
//
// chromium or chromedriver missing fails the test (packages chromium and
// chromium-driver, `make deps`): a browser test that skips proves nothing.
// On failure the page's screenshot and source are kept in the test's
// directory and their paths printed.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bridge/auth.h"
#include "tests/e2e/webdriver.h"
#include "tests/support/child_process.h"

// A Status that must be OK, its message shown when it is not.
#define E2E_ASSERT_OK(expr)                                  \
  do {                                                       \
    const ::corebridge::Status e2e_status_ = (expr);         \
    ASSERT_TRUE(e2e_status_.ok()) << e2e_status_.toString(); \
  } while (0)

namespace corebridge::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;

const std::string kPack = std::string(CB_SOURCE_DIR) + "/mappings/packs/demobank/pack.yaml";
constexpr const char* kAlicePassword = "alice-e2e-password";
constexpr const char* kBobPassword = "bob-e2e-password";
// Where the page keeps its session (bridge/console.cc).
constexpr const char* kSessionKey = "corebridge.console.session";

std::string savingsCell(const std::string& cell) {
  return "#lines tr[data-line=\"SAVINGS\"] td." + cell;
}

// A loopback port nothing listens on: the bridge's back ends stay down.
int unusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Arguments of a script run in the page.
Poco::JSON::Array::Ptr jsArgs(std::initializer_list<std::string> values) {
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;
  for (const std::string& v : values) {
    args->add(v);
  }
  return args;
}

class ConsoleE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    started_ = std::chrono::steady_clock::now();
    const Status installed = checkChromeInstalled(options_);
    ASSERT_TRUE(installed.ok()) << installed.toString();

    char pattern[] = "/tmp/cb-console-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ + "/users.yaml")
        << "users:\n"
        << "  alice: {role: operator, password: \"" << bridge::hashPassword(kAlicePassword)
        << "\"}\n"
        << "  bob: {role: approver, password: \"" << bridge::hashPassword(kBobPassword) << "\"}\n";
    std::ofstream(dir_ + "/corebridge.yaml") << "pack: " << kPack << "\n"
                                             << "product_lines:\n"
                                             << "  SAVINGS: {stage: LEGACY_ONLY}\n"
                                             << "  CHECKING: {stage: DUAL_WRITE}\n";
    const int down = unusedPort();
    ASSERT_TRUE(bridge_.start("corebridge",
                              {"--config",
                               dir_ + "/corebridge.yaml",
                               "--listen.port",
                               "0",
                               "--admin.port",
                               "0",
                               "--legacy.port",
                               std::to_string(down),
                               "--newcore.port",
                               std::to_string(down),
                               "--mismatch_store",
                               "Driver=SQLite3;Database=" + dir_ + "/mm.db",
                               "--dualwrite.journal",
                               dir_ + "/journal",
                               "--repairs.store",
                               "Driver=SQLite3;Database=" + dir_ + "/repairs.db",
                               "--control.flag_store",
                               "Driver=SQLite3;Database=" + dir_ + "/flags.db",
                               "--control.users_file",
                               dir_ + "/users.yaml"},
                              dir_ + "/corebridge.log"))
        << bridge_.log();
    admin_port_ = bridge_.portAfter("admin");
    ASSERT_GT(admin_port_, 0) << bridge_.firstLine();

    options_.log_path = dir_ + "/chromedriver.log";
    auto driver = ChromeDriver::start(options_);
    ASSERT_TRUE(driver.ok()) << driver.status().toString();
    driver_ = std::move(*driver);
    auto session = driver_->newSession(dir_ + "/chromium-profile");
    ASSERT_TRUE(session.ok()) << session.status().toString() << "\nchromedriver log "
                              << options_.log_path;
    page_ = std::move(*session);
  }

  void TearDown() override {
    if (HasFailure()) {
      keepEvidence();
    }
    page_.reset();  // closes chromium
    driver_.reset();
    bridge_.kill(SIGKILL);
    if (!HasFailure() && !dir_.empty()) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
    }
    std::fprintf(stderr, "console e2e: %lld ms\n",
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - started_)
                                            .count()));
  }

  // The screenshot and source of the page as the failure left it.
  void keepEvidence() {
    if (dir_.empty()) {
      return;
    }
    std::fprintf(stderr, "console e2e: kept %s (corebridge.log, chromedriver.log)\n", dir_.c_str());
    if (!page_) {
      return;
    }
    if (auto png = page_->screenshotPng(); png.ok()) {
      std::ofstream(dir_ + "/failure.png", std::ios::binary) << *png;
      std::fprintf(stderr, "console e2e: screenshot %s/failure.png\n", dir_.c_str());
    } else {
      std::fprintf(stderr, "console e2e: no screenshot: %s\n", png.status().toString().c_str());
    }
    if (auto html = page_->pageSource(); html.ok()) {
      std::ofstream(dir_ + "/failure.html") << *html;
      std::fprintf(stderr, "console e2e: page source %s/failure.html\n", dir_.c_str());
    }
  }

  std::string consoleUrl() const {
    return "http://127.0.0.1:" + std::to_string(admin_port_) + "/console";
  }

  void login(const std::string& user, const std::string& password, const std::string& role) {
    E2E_ASSERT_OK(page_->waitForDisplayed("#login-user", 5s));
    E2E_ASSERT_OK(page_->type("#login-user", user));
    E2E_ASSERT_OK(page_->type("#login-password", password));
    E2E_ASSERT_OK(page_->click("#login-button"));
    const Status who = page_->waitForText("#whoami", user, 5s);
    ASSERT_TRUE(who.ok()) << who.toString() << "; login error: " << errorText();
    auto text = page_->text("#whoami");
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find(role), std::string::npos) << *text;
  }
  std::string errorText() {
    auto t = page_->text("#login-error");
    return t.ok() ? *t : t.status().toString();
  }

  // The text of `css` is `want`, now or within a refresh.
  void expectText(const std::string& css, const std::string& want) {
    const Status s = page_->waitForText(css, want, 3s, /*exact=*/true);
    EXPECT_TRUE(s.ok()) << s.toString();
  }

  // #message once it shows an answer of this kind (ok, pending, error).
  std::string waitMessage(const std::string& kind) {
    const Status s = page_->waitUntil("#message of kind " + kind, 5s, [&]() -> Result<bool> {
      CB_ASSIGN_OR_RETURN(std::string k, page_->attribute("#message", "data-kind"));
      return k == kind;
    });
    auto text = page_->text("#message");
    EXPECT_TRUE(s.ok()) << s.toString() << "; #message: " << (text.ok() ? *text : "");
    return text.ok() ? *text : "";
  }

  // GET on the admin API with a bearer token: the parsed JSON object.
  Poco::JSON::Object::Ptr apiGet(const std::string& path, const std::string& token) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(admin_port_));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + token);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK) << path << ": " << body;
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }

  std::chrono::steady_clock::time_point started_;
  ChromeOptions options_;
  std::string dir_;
  ChildProcess bridge_;
  int admin_port_ = 0;
  std::unique_ptr<ChromeDriver> driver_;
  std::unique_ptr<WebDriverSession> page_;
};

TEST_F(ConsoleE2E, OperatorProposesApproverApprovesTheStageChanges) {
  E2E_ASSERT_OK(page_->navigate(consoleUrl()));
  login("alice", kAlicePassword, "operator");
  ASSERT_FALSE(HasFatalFailure());
  E2E_ASSERT_OK(page_->waitForText(savingsCell("stage"), "LEGACY_ONLY", 5s, /*exact=*/true));

  // alice proposes the promotion; a reason with markup shows as text.
  const std::string reason = "backfill reconciled <b>in balance</b> & signed off";
  E2E_ASSERT_OK(page_->waitForElement("#propose-line option[value=\"SAVINGS\"]", 5s));
  E2E_ASSERT_OK(page_->select("#propose-line", "SAVINGS"));
  E2E_ASSERT_OK(page_->select("#propose-stage", "DUAL_WRITE"));
  E2E_ASSERT_OK(page_->type("#propose-reason", reason));
  E2E_ASSERT_OK(page_->click("#propose-button"));
  const std::string proposed = waitMessage("pending");
  EXPECT_NE(proposed.find("pending approval"), std::string::npos) << proposed;
  auto status = page_->attribute("#message", "data-status");
  ASSERT_TRUE(status.ok()) << status.status().toString();
  EXPECT_EQ(*status, "202");

  E2E_ASSERT_OK(page_->waitForElement("#pending tr[data-change]", 5s));
  auto id = page_->attribute("#pending tr[data-change]", "data-change");
  ASSERT_TRUE(id.ok()) << id.status().toString();
  const std::string row = "#pending tr[data-change=\"" + *id + "\"]";
  auto proposer = page_->text(row + " td.proposed-by");
  ASSERT_TRUE(proposer.ok()) << proposer.status().toString();
  EXPECT_EQ(*proposer, "alice");
  expectText(row + " td.reason", reason);

  // Her own proposal: Approve is disabled for her, and the server refuses
  // it too when the button is forced.
  auto enabled = page_->enabled(row + " button.approve");
  ASSERT_TRUE(enabled.ok()) << enabled.status().toString();
  EXPECT_FALSE(*enabled) << "alice may not approve her own proposal";
  E2E_ASSERT_OK(page_
                    ->execute("const b = document.querySelector(arguments[0]);"
                              "b.disabled = false; b.click();",
                              jsArgs({row + " button.approve"}))
                    .status());
  const std::string refused = waitMessage("error");
  EXPECT_NE(refused.find("refused"), std::string::npos) << refused;
  auto refusal = page_->attribute("#message", "data-status");
  ASSERT_TRUE(refusal.ok()) << refusal.status().toString();
  EXPECT_EQ(*refusal, "403") << refused;
  E2E_ASSERT_OK(page_->waitForText(savingsCell("stage"), "LEGACY_ONLY", 1s, /*exact=*/true));

  // Logging out forgets the token.
  E2E_ASSERT_OK(page_->click("#logout"));
  E2E_ASSERT_OK(page_->waitForDisplayed("#login-user", 5s));
  auto kept = page_->execute("return sessionStorage.length;");
  ASSERT_TRUE(kept.ok()) << kept.status().toString();
  EXPECT_EQ(kept->convert<int>(), 0);

  // bob approves it; the row follows within a refresh.
  login("bob", kBobPassword, "approver");
  ASSERT_FALSE(HasFatalFailure());
  E2E_ASSERT_OK(page_->waitUntil("Approve enabled for bob", 5s,
                                 [&] { return page_->enabled(row + " button.approve"); }));
  E2E_ASSERT_OK(page_->click(row + " button.approve"));
  const std::string approved = waitMessage("ok");
  EXPECT_NE(approved.find("approved"), std::string::npos) << approved;
  E2E_ASSERT_OK(page_->waitForText(savingsCell("stage"), "DUAL_WRITE", 5s, /*exact=*/true));
  E2E_ASSERT_OK(page_->waitUntil("the change leaves #pending", 5s, [&]() -> Result<bool> {
    CB_ASSIGN_OR_RETURN(auto rows, page_->findAll(row));
    return rows.empty();
  }));

  // The API agrees, asked with the token the page holds.
  auto token = page_->execute("return JSON.parse(sessionStorage.getItem(arguments[0])).token;",
                              jsArgs({kSessionKey}));
  ASSERT_TRUE(token.ok()) << token.status().toString();
  Poco::JSON::Object::Ptr flags = apiGet("/api/v1/flags", token->toString());
  std::string stage;
  Poco::JSON::Array::Ptr lines = flags->getArray("lines");
  ASSERT_TRUE(lines);
  for (size_t i = 0; i < lines->size(); ++i) {
    auto line = lines->getObject(static_cast<unsigned>(i));
    if (line->getValue<std::string>("line") == "SAVINGS") {
      stage = line->getValue<std::string>("stage");
    }
  }
  EXPECT_EQ(stage, "DUAL_WRITE");

  // The audit panel: alice's proposal and bob's approval, with the reason as
  // text.
  E2E_ASSERT_OK(page_->waitForElement("#audit tr[data-action=\"approve\"]", 5s));
  const std::string propose = "#audit tr[data-action=\"propose\"]";
  const std::string approve = "#audit tr[data-action=\"approve\"]";
  expectText(propose + " td.actor", "alice");
  expectText(propose + " td.line", "SAVINGS");
  expectText(propose + " td.from-to", "LEGACY_ONLY \u2192 DUAL_WRITE");
  expectText(propose + " td.reason", reason);
  expectText(approve + " td.actor", "bob");
  expectText(approve + " td.approved-by", "bob");
  expectText(approve + " td.from-to", "LEGACY_ONLY \u2192 DUAL_WRITE");
  expectText(approve + " td.change", "#" + *id);
  auto hash = page_->text(approve + " td.hash");
  ASSERT_TRUE(hash.ok()) << hash.status().toString();
  EXPECT_EQ(hash->size(), 10U) << *hash;
}

// What the server refuses shows with its rule; a demotion applies at once.
TEST_F(ConsoleE2E, RefusalShowsTheRuleAndADemotionAppliesAtOnce) {
  E2E_ASSERT_OK(page_->navigate(consoleUrl()));
  login("alice", kAlicePassword, "operator");
  ASSERT_FALSE(HasFatalFailure());
  E2E_ASSERT_OK(page_->waitForText(savingsCell("stage"), "LEGACY_ONLY", 5s, /*exact=*/true));

  // LEGACY_ONLY -> SHADOW skips DUAL_WRITE.
  E2E_ASSERT_OK(page_->waitForElement("#propose-line option[value=\"SAVINGS\"]", 5s));
  E2E_ASSERT_OK(page_->select("#propose-line", "SAVINGS"));
  E2E_ASSERT_OK(page_->select("#propose-stage", "SHADOW"));
  E2E_ASSERT_OK(page_->type("#propose-reason", "too fast"));
  E2E_ASSERT_OK(page_->click("#propose-button"));
  const std::string refused = waitMessage("error");
  EXPECT_NE(refused.find("skip_stage"), std::string::npos) << refused;
  auto rule = page_->attribute("#message", "data-rule");
  ASSERT_TRUE(rule.ok()) << rule.status().toString();
  EXPECT_EQ(*rule, "skip_stage");
  auto pending = page_->findAll("#pending tr[data-change]");
  ASSERT_TRUE(pending.ok()) << pending.status().toString();
  EXPECT_TRUE(pending->empty());

  // Nothing to demote at LEGACY_ONLY; CHECKING goes back one stage.
  auto savings = page_->enabled("#lines tr[data-line=\"SAVINGS\"] button.demote");
  ASSERT_TRUE(savings.ok()) << savings.status().toString();
  EXPECT_FALSE(*savings);
  const std::string checking = "#lines tr[data-line=\"CHECKING\"]";
  E2E_ASSERT_OK(page_->waitForText(checking + " td.stage", "DUAL_WRITE", 5s, /*exact=*/true));
  E2E_ASSERT_OK(page_->type(checking + " input.demote-reason", "mismatches on statements"));
  E2E_ASSERT_OK(page_->click(checking + " button.demote"));
  const std::string demoted = waitMessage("ok");
  EXPECT_NE(demoted.find("LEGACY_ONLY"), std::string::npos) << demoted;
  E2E_ASSERT_OK(page_->waitForText(checking + " td.stage", "LEGACY_ONLY", 5s, /*exact=*/true));
  const std::string entry = "#audit tr[data-action=\"demote\"]";
  E2E_ASSERT_OK(page_->waitForElement(entry, 5s));
  expectText(entry + " td.actor", "alice");
  expectText(entry + " td.line", "CHECKING");
  expectText(entry + " td.from-to", "DUAL_WRITE \u2192 LEGACY_ONLY");
  expectText(entry + " td.reason", "mismatches on statements");
}

}  // namespace
}  // namespace corebridge::e2e

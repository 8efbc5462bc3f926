// bridgectl status, flags, audit, hash-password, hash-token and reconcile
// --record (tools/bridgectl/control_commands.cc), the real binary each time:
//  - against a canned admin API in this process (FakeAdmin: a loopback HTTP
//    server answering fixed JSON and recording what it was sent): the
//    tables, the JSON passed through, the requests' bodies and token, the
//    server's refusals, audit verify's own chain check, command-line errors;
//  - over HTTPS, against `openssl s_server -WWW` with a self-signed
//    certificate (trusted with --ca-file, refused without);
//  - against a real corebridge (flag store on SQLite, a users file written
//    with bridgectl hash-password and hash-token; its back ends are not
//    started): alice proposes, cannot approve her own change, bob approves,
//    status shows it, demote applies at once, audit verify passes, and a
//    row edited in the store makes it fail naming the entry; and
//    reconcile --record puts its result in the store, where the rules use
//    it.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/odbc/connection.h"
#include "tests/support/child_process.h"
#include "tests/tools/bridgectl_fixture.h"

namespace corebridge::tools_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSource = CB_SOURCE_DIR;
const std::string kPack = kSource + "/mappings/packs/demobank";

// ---- a canned admin API ----------------------------------------------------

struct SeenRequest {
  std::string method;
  std::string target;  // path and query
  std::string authorization;
  std::string body;
};

// An HTTP/1.1 server on 127.0.0.1 (port 0) that answers "METHOD TARGET"
// (exact, or else "METHOD PATH" without the query) with a canned status and
// body, 404 otherwise, one request per connection; it records every request.
class FakeAdmin {
 public:
  FakeAdmin() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::listen(fd_, 16) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeAdmin() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  void on(const std::string& request, int status, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    canned_[request] = {status, body};
  }
  std::vector<SeenRequest> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) {
        handle(c);
        ::close(c);
      }
    }
  }

  static std::string header(const std::string& head, const std::string& name) {
    std::istringstream in(head);
    std::string line;
    while (std::getline(in, line)) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string key = line.substr(0, colon);
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      if (key == name) {
        std::string v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(' '));
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) {
          v.pop_back();
        }
        return v;
      }
    }
    return "";
  }

  void handle(int c) {
    std::string data;
    char buf[4096];
    size_t end = std::string::npos;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) {
        return;
      }
      data.append(buf, static_cast<size_t>(n));
    }
    const std::string head = data.substr(0, end + 2);
    std::string body = data.substr(end + 4);
    const std::string length = header(head, "content-length");
    const size_t want = length.empty() ? 0 : std::stoul(length);
    while (body.size() < want) {
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) {
        break;
      }
      body.append(buf, static_cast<size_t>(n));
    }
    std::istringstream first(head);
    SeenRequest r;
    first >> r.method >> r.target;
    r.authorization = header(head, "authorization");
    r.body = body;
    std::pair<int, std::string> answer = {404, R"({"error":"no such route"})"};
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(r);
      const std::string path = r.target.substr(0, r.target.find('?'));
      if (auto it = canned_.find(r.method + " " + r.target); it != canned_.end()) {
        answer = it->second;
      } else if (auto it2 = canned_.find(r.method + " " + path); it2 != canned_.end()) {
        answer = it2->second;
      }
    }
    const std::string reply = "HTTP/1.1 " + std::to_string(answer.first) +
                              " Canned\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(answer.second.size()) +
                              "\r\nConnection: close\r\n\r\n" + answer.second;
    size_t sent = 0;
    while (sent < reply.size()) {
      const ssize_t n = ::send(c, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      sent += static_cast<size_t>(n);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> canned_;
  std::vector<SeenRequest> seen_;
};

// ---- helpers ----------------------------------------------------------------

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

// The line of `text` that starts with `start`.
std::string lineStarting(const std::string& text, const std::string& start) {
  for (const std::string& l : linesOf(text)) {
    if (l.rfind(start, 0) == 0) {
      return l;
    }
  }
  return "";
}

// The first line of `text` that contains `fragment`.
std::string lineWith(const std::string& text, const std::string& fragment) {
  for (const std::string& l : linesOf(text)) {
    if (l.find(fragment) != std::string::npos) {
      return l;
    }
  }
  return "";
}

// The output of a shell command.
std::string shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    return out;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  ::pclose(p);
  return out;
}

// An audit entry as the API writes it, its hash computed here from the
// grammar of bridge/audit_chain.h (length-prefixed fields, SHA-256 hex) with
// sha256sum, independently of the bridge's code.
struct Entry {
  int64_t seq;
  int64_t at_ms;
  std::string actor, action, line, from, to, reason, approved_by, evidence;
  int64_t change_id;
  std::string prev_hash, hash;
};

std::string canonical(const Entry& e) {
  std::string out;
  for (const std::string& f :
       {std::to_string(e.seq), std::to_string(e.at_ms), e.actor, e.action, e.line, e.from, e.to,
        e.reason, e.approved_by, e.evidence, std::to_string(e.change_id), e.prev_hash}) {
    out += std::to_string(f.size()) + ":" + f + "\n";
  }
  return out;
}

std::string sha256(const std::string& dir, const std::string& text) {
  const std::string file = dir + "/hash-input";
  std::ofstream(file, std::ios::binary) << text;
  const std::string out = shell("sha256sum " + file);
  return out.substr(0, 64);
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string entryJson(const Entry& e) {
  return "{\"seq\":" + std::to_string(e.seq) + ",\"at_ms\":" + std::to_string(e.at_ms) +
         ",\"actor\":\"" + e.actor + "\",\"action\":\"" + e.action + "\",\"line\":\"" + e.line +
         "\",\"from\":\"" + e.from + "\",\"to\":\"" + e.to + "\",\"reason\":\"" +
         jsonEscape(e.reason) + "\",\"approved_by\":\"" + e.approved_by + "\",\"evidence\":\"" +
         jsonEscape(e.evidence) + "\",\"change_id\":" + std::to_string(e.change_id) +
         ",\"prev_hash\":\"" + e.prev_hash + "\",\"hash\":\"" + e.hash + "\"}";
}

// {"head":..., "entries":[...]} with the head given (the last entry's by
// default).
std::string auditJson(const std::vector<Entry>& entries, int64_t head_seq = -1,
                      std::string head_hash = "") {
  if (head_seq < 0) {
    head_seq = entries.empty() ? 0 : entries.back().seq;
    head_hash = entries.empty() ? "" : entries.back().hash;
  }
  std::string out = "{\"head\":{\"seq\":" + std::to_string(head_seq) + ",\"hash\":\"" + head_hash +
                    "\"},\"entries\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    out += (i == 0 ? "" : ",") + entryJson(entries[i]);
  }
  return out + "]}";
}

constexpr const char kGuard[] =
    R"("guard":{"max_mismatch_rate":0.01,"max_error_rate":0.05,"window_seconds":60,"min_samples":20})";

std::string lineJson(const std::string& line, const std::string& stage, int ramp, int64_t version) {
  return "{\"line\":\"" + line + "\",\"stage\":\"" + stage + "\",\"ramp\":" + std::to_string(ramp) +
         "," + kGuard + ",\"version\":" + std::to_string(version) +
         ",\"changed_at_ms\":1796000000000,\"stage_since_ms\":1795900000000}";
}

// A JSON object without its closing brace, for more members.
std::string unclosed(const std::string& object) { return object.substr(0, object.size() - 1); }

// ---- against the canned API -------------------------------------------------

class ControlCommandsTest : public BridgectlFixture {
 protected:
  // `bridgectl ARGS --admin <fake> --token tok`.
  Outcome ctl(const std::string& args) const {
    return run(args + " --admin " + admin_.url() + " --token tok");
  }

  // Three chained entries: seed, propose, approve.
  std::vector<Entry> chain() const {
    std::vector<Entry> entries = {
        {1, 1796000000000, "system:config", "seed", "SAVINGS", "", "LEGACY_ONLY",
         "seeded from corebridge.yaml", "", "{}", 0, std::string(64, '0'), ""},
        {2, 1796000060000, "alice", "propose", "SAVINGS", "LEGACY_ONLY", "DUAL_WRITE",
         "backfill done, \"reconciled\"", "", "{\"open_repairs\":0}", 1, "", ""},
        {3, 1796000120000, "bob", "approve", "SAVINGS", "LEGACY_ONLY", "DUAL_WRITE",
         "backfill done, \"reconciled\"", "bob", "{}", 1, "", ""}};
    relink(&entries);
    return entries;
  }
  void relink(std::vector<Entry>* entries) const {
    std::string prev(64, '0');
    for (Entry& e : *entries) {
      e.prev_hash = prev;
      e.hash = sha256(dir_.string(), canonical(e));
      prev = e.hash;
    }
  }

  FakeAdmin admin_;
};

TEST_F(ControlCommandsTest, StatusIsAnAlignedTableOfEveryLine) {
  admin_.on("GET /api/v1/status", 200,
            R"({"instance":"bank-a:4242","generation":12,"flags_age_ms":80,"lines":[)" +
                unclosed(lineJson("SAVINGS", "NEW_PRIMARY", 25, 7)) +
                R"(,"window_seconds":60,"requests":750,"requests_per_s":12.5,"compared":200,)"
                R"("different":1,"mismatch_rate":0.005,"new_calls":200,"new_errors":0,)"
                R"("new_error_rate":0,"in_force":{"stage":"SHADOW","ramp":100,"version":6},)"
                R"("open_repairs":2,"pending_changes":1,)"
                R"("last_reconciliation":{"id":4,"line":"SAVINGS","at_ms":1796000000000,)"
                R"("recorded_by":"carol","business_date":"20261103","balanced":true,)"
                R"("differences":0}},)" +
                unclosed(lineJson("CHECKING", "LEGACY_ONLY", 100, 1)) +
                R"(,"window_seconds":60,"requests":0,"requests_per_s":0,"compared":0,)"
                R"("different":0,"mismatch_rate":0,"new_calls":0,"new_errors":0,)"
                R"("new_error_rate":0,"in_force":{"stage":"LEGACY_ONLY","ramp":100,"version":1},)"
                R"("open_repairs":0,"pending_changes":0,)"
                R"("last_reconciliation":{"id":5,"line":"CHECKING","at_ms":1796000000000,)"
                R"("recorded_by":"carol","business_date":"20261103","balanced":false,)"
                R"("differences":3}},)" +
                unclosed(lineJson("LOAN", "LEGACY_ONLY", 100, 1)) +
                R"(,"last_reconciliation":null}]})");
  const Outcome r = ctl("status");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("instance bank-a:4242, generation 12, flags read 80 ms ago"));
  const std::string header = lineStarting(r.out, "LINE");
  const std::string savings = lineStarting(r.out, "SAVINGS");
  const std::string checking = lineStarting(r.out, "CHECKING");
  const std::string loan = lineStarting(r.out, "LOAN");
  ASSERT_FALSE(header.empty()) << r.out;
  EXPECT_THAT(savings, HasSubstr("NEW_PRIMARY (routing SHADOW here)"));
  EXPECT_THAT(savings, HasSubstr("25%"));
  EXPECT_THAT(savings, HasSubstr("12.5"));
  EXPECT_THAT(savings, HasSubstr("0.50% (1/200)"));
  EXPECT_THAT(savings, HasSubstr("0.00% (0/200)"));
  EXPECT_THAT(savings, HasSubstr("balanced, 2026-11-03 (#4)"));
  EXPECT_THAT(checking, HasSubstr("OUT OF BALANCE, 3 differences, 2026-11-03 (#5)"));
  EXPECT_THAT(checking, Not(HasSubstr("routing")));
  EXPECT_THAT(loan, HasSubstr("none"));
  // Every column starts where its header does.
  for (const char* column : {"STAGE", "RAMP", "REQ/S", "MISMATCH", "NEW ERRORS", "REPAIRS",
                             "PENDING", "LAST RECONCILIATION"}) {
    const size_t at = header.find(column);
    ASSERT_NE(at, std::string::npos) << column;
    for (const std::string& row : {savings, checking, loan}) {
      ASSERT_GT(row.size(), at) << row;
      EXPECT_NE(row[at], ' ') << column << " in: " << row;
      EXPECT_EQ(row[at - 1], ' ') << column << " in: " << row;
    }
  }
  EXPECT_THAT(r.out, HasSubstr("3 product lines; live figures over this instance's last 60 s"));
  ASSERT_EQ(admin_.seen().size(), 1u);
  EXPECT_EQ(admin_.seen()[0].authorization, "Bearer tok");
}

TEST_F(ControlCommandsTest, JsonPrintsTheApiBodyAsReceived) {
  const std::string body =
      R"({"generation":4,"lines":[)" + lineJson("SAVINGS", "SHADOW", 100, 3) + "]}";
  admin_.on("GET /api/v1/flags", 200, body);
  const Outcome r = ctl("flags list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, body + "\n");
}

TEST_F(ControlCommandsTest, FlagsListShowsThresholdsAndTimes) {
  admin_.on("GET /api/v1/flags", 200,
            R"({"generation":4,"lines":[)" + lineJson("SAVINGS", "NEW_PRIMARY", 25, 3) + "," +
                R"({"line":"LOAN","stage":"DUAL_WRITE","ramp":100,"guard":{"max_mismatch_rate":0,)"
                R"("max_error_rate":0.5,"window_seconds":300,"min_samples":5},"version":1,)"
                R"("changed_at_ms":0,"stage_since_ms":0}]})");
  const Outcome r = ctl("flags list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("generation 4"));
  const std::string savings = lineStarting(r.out, "SAVINGS");
  EXPECT_THAT(savings, HasSubstr("25%"));
  EXPECT_THAT(savings, HasSubstr("1.00%"));
  EXPECT_THAT(savings, HasSubstr("5.00%"));
  EXPECT_THAT(savings, HasSubstr("60 s"));
  EXPECT_THAT(savings, HasSubstr("2026-11-30T")) << "changed_at_ms 1796000000000";
  const std::string loan = lineStarting(r.out, "LOAN");
  EXPECT_THAT(loan, HasSubstr("off"));
  EXPECT_THAT(loan, HasSubstr("50.00%"));
  EXPECT_THAT(loan, HasSubstr("300 s"));
}

TEST_F(ControlCommandsTest, ProposeSendsOnlyWhatChangesAndSaysWhatWaits) {
  admin_.on(
      "POST /api/v1/flags/SAVINGS", 202,
      R"({"applied":false,"direction":"promotion","change":{"id":3,"line":"SAVINGS","from":)" +
          lineJson("SAVINGS", "SHADOW", 100, 6) +
          ",\"to\":" + lineJson("SAVINGS", "NEW_PRIMARY", 10, 6) +
          R"(,"reason":"r","proposed_by":"alice","proposed_at_ms":1,"state":"pending",)"
          R"("decided_by":"","decided_at_ms":0,"decision_note":""}})");
  const Outcome r =
      ctl("flags propose --line SAVINGS --stage new_primary --ramp 10 --max-mismatch-rate 0.02 "
          "--guard-window 120 --reason 'shadow clean for a \"week\"'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "change request 3 is waiting for approval: SAVINGS SHADOW -> NEW_PRIMARY 10%\n");
  ASSERT_EQ(admin_.seen().size(), 1u);
  EXPECT_EQ(admin_.seen()[0].method, "POST");
  EXPECT_EQ(admin_.seen()[0].body,
            R"({"stage":"NEW_PRIMARY","ramp":10,"guard":{"max_mismatch_rate":0.02,)"
            R"("window_seconds":120},"reason":"shadow clean for a \"week\""})");
}

TEST_F(ControlCommandsTest, ADemotionOrTighteningPrintsApplied) {
  admin_.on("POST /api/v1/flags/SAVINGS", 200,
            R"({"applied":true,"direction":"demotion","line":)" +
                lineJson("SAVINGS", "DUAL_WRITE", 100, 8) + R"(,"audit_seq":9})");
  const Outcome r = ctl("flags propose --line SAVINGS --stage DUAL_WRITE --reason back");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("applied: SAVINGS is now DUAL_WRITE"));
  admin_.on("POST /api/v1/flags/SAVINGS/demote", 200,
            R"({"applied":true,"direction":"demotion","line":)" +
                lineJson("SAVINGS", "LEGACY_ONLY", 100, 9) + R"(,"audit_seq":10})");
  const Outcome d = ctl("flags demote --line SAVINGS --reason 'mismatch spike'");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_THAT(d.out, HasSubstr("applied: SAVINGS is now LEGACY_ONLY"));
  EXPECT_EQ(admin_.seen().back().body, R"({"reason":"mismatch spike"})");
}

TEST_F(ControlCommandsTest, ARefusalPrintsTheServersErrorAndRuleAndExits1) {
  admin_.on("POST /api/v1/changes/3/approve", 403,
            R"({"error":"alice proposed change 3: someone else must approve it",)"
            R"("rule":"self_approval"})");
  const Outcome r = ctl("flags approve 3 --note 'looks fine'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("refused by the server (HTTP 403, rule self_approval)"));
  EXPECT_THAT(r.err, HasSubstr("alice proposed change 3: someone else must approve it"));
  EXPECT_EQ(admin_.seen().back().body, R"({"note":"looks fine"})");
  // --json also hands the error body to the script.
  const Outcome j = ctl("flags approve 3 --json");
  EXPECT_EQ(j.exit_code, 1);
  EXPECT_THAT(j.out, HasSubstr("\"rule\":\"self_approval\""));

  admin_.on("POST /api/v1/flags/SAVINGS", 400,
            R"({"error":"'guard.min_samples' is a whole number from 1 to 1000000",)"
            R"("field":"guard.min_samples"})");
  const Outcome f = ctl("flags propose --line SAVINGS --guard-min-samples 0 --reason x");
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_THAT(f.err, HasSubstr("HTTP 400, field guard.min_samples"));
}

TEST_F(ControlCommandsTest, ApproveAndRejectSayWhatWasDecided) {
  const std::string change = R"({"id":5,"line":"SAVINGS","from":)" +
                             lineJson("SAVINGS", "LEGACY_ONLY", 100, 1) +
                             ",\"to\":" + lineJson("SAVINGS", "DUAL_WRITE", 100, 1) +
                             R"(,"reason":"r","proposed_by":"alice","proposed_at_ms":1,)";
  admin_.on("POST /api/v1/changes/5/approve", 200,
            R"({"applied":true,"change":)" + change +
                R"("state":"applied","decided_by":"bob","decided_at_ms":2,"decision_note":""}})");
  admin_.on("POST /api/v1/changes/5/reject", 200,
            R"({"applied":false,"change":)" + change +
                R"("state":"rejected","decided_by":"bob","decided_at_ms":2,"decision_note":""}})");
  const Outcome a = ctl("flags approve 5");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out,
            "change request 5 approved by bob and applied: SAVINGS LEGACY_ONLY -> DUAL_WRITE\n");
  const Outcome r = ctl("flags reject 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("change request 5 rejected by bob"));
}

TEST_F(ControlCommandsTest, ChangesListsTransitionsWithGuardChanges) {
  const std::string loosened = R"({"line":"SAVINGS","stage":"SHADOW","ramp":100,"guard":)"
                               R"({"max_mismatch_rate":0.02,"max_error_rate":0.05,)"
                               R"("window_seconds":60,"min_samples":20},"version":2,)"
                               R"("changed_at_ms":0,"stage_since_ms":0})";
  admin_.on(
      "GET /api/v1/changes?state=all", 200,
      R"({"changes":[{"id":7,"line":"SAVINGS","from":)" + lineJson("SAVINGS", "SHADOW", 100, 2) +
          ",\"to\":" + loosened +
          R"(,"reason":"noise rule added","proposed_by":"alice","proposed_at_ms":1796000000000,)"
          R"("state":"pending","decided_by":"","decided_at_ms":0,"decision_note":""}]})");
  const Outcome r = ctl("flags changes --state all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string row = lineStarting(r.out, "7 ");
  EXPECT_THAT(row, HasSubstr("pending"));
  EXPECT_THAT(row, HasSubstr("SHADOW -> SHADOW; guard mismatch 1.00%"));
  EXPECT_THAT(row, HasSubstr("alice"));
  EXPECT_THAT(row, HasSubstr("noise rule added"));
  EXPECT_THAT(r.out, HasSubstr("1 change request\n"));
  EXPECT_EQ(admin_.seen().back().target, "/api/v1/changes?state=all");
  // The default is the pending ones.
  (void)ctl("flags changes");
  EXPECT_EQ(admin_.seen().back().target, "/api/v1/changes?state=pending");
}

TEST_F(ControlCommandsTest, AuditListsOldestFirstAndPrintsTheHead) {
  std::vector<Entry> entries = chain();
  entries[1].reason = "line one\nline two\x1b[31m";
  relink(&entries);
  std::vector<Entry> newest_first(entries.rbegin(), entries.rend());
  admin_.on("GET /api/v1/audit", 200, auditJson(newest_first, 3, entries.back().hash));
  const Outcome r = ctl("audit --line SAVINGS --limit 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(admin_.seen().back().target, "/api/v1/audit?order=desc&limit=3&line=SAVINGS");
  const std::vector<std::string> lines = linesOf(r.out);
  ASSERT_GE(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0].rfind("SEQ", 0), 0u);
  EXPECT_EQ(lines[1].rfind("1 ", 0), 0u);
  EXPECT_EQ(lines[3].rfind("3 ", 0), 0u);
  EXPECT_THAT(lines[2], HasSubstr("line one line two [31m")) << "control characters blanked";
  EXPECT_THAT(r.out, HasSubstr("head: 3:" + entries.back().hash));
}

TEST_F(ControlCommandsTest, AuditVerifyChecksTheChainItselfNotTheServersWord) {
  // The server's own check would say all is well; bridgectl never asks it.
  admin_.on("GET /api/v1/audit/verify", 200, R"({"ok":true,"entries":3,"problems":[]})");
  std::vector<Entry> entries = chain();
  admin_.on("GET /api/v1/audit", 200, auditJson(entries));
  const Outcome ok = ctl("audit verify");
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK: 3 entries (seq 1 to 3), head 3:" + entries[2].hash));
  EXPECT_EQ(admin_.seen().back().target, "/api/v1/audit?order=asc&limit=0");

  // A head written down earlier that is still in the chain.
  const Outcome held = ctl("audit verify --head 2:" + entries[1].hash);
  EXPECT_EQ(held.exit_code, 0) << held.out;

  // Entry 2's reason edited: its hash no longer matches.
  std::vector<Entry> edited = entries;
  edited[1].reason = "nothing to see";
  admin_.on("GET /api/v1/audit", 200, auditJson(edited));
  const Outcome bad = ctl("audit verify");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("PROBLEM [edited] entry 2: "));
  EXPECT_THAT(bad.out, HasSubstr("FAILED: 1 problem in 3 entries"));
  const Outcome bad_json = ctl("audit verify --json");
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_THAT(bad_json.out, HasSubstr("\"ok\":false"));
  EXPECT_THAT(bad_json.out, HasSubstr("\"kind\":\"edited\""));

  // Entry 2 removed: a gap.
  admin_.on("GET /api/v1/audit", 200, auditJson({entries[0], entries[2]}));
  const Outcome gap = ctl("audit verify");
  EXPECT_EQ(gap.exit_code, 1);
  EXPECT_THAT(gap.out, HasSubstr("gap"));

  // The newest entry removed and the head rewritten: only a head written
  // down earlier catches it.
  admin_.on("GET /api/v1/audit", 200, auditJson({entries[0], entries[1]}));
  EXPECT_EQ(ctl("audit verify").exit_code, 0);
  const Outcome cut = ctl("audit verify --head 3:" + entries[2].hash);
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_THAT(cut.out, HasSubstr("truncated"));

  // The server states a head its entries do not reach.
  admin_.on("GET /api/v1/audit", 200, auditJson({entries[0], entries[1]}, 3, entries[2].hash));
  EXPECT_EQ(ctl("audit verify").exit_code, 1);

  for (const SeenRequest& s : admin_.seen()) {
    EXPECT_NE(s.target, "/api/v1/audit/verify");
  }
}

TEST_F(ControlCommandsTest, LogsInWithUserAndPasswordFile) {
  admin_.on("POST /api/v1/login", 200,
            R"({"token":"jwt-123","user":"alice","role":"operator","expires_at_ms":1})");
  admin_.on("GET /api/v1/flags", 200, R"({"generation":1,"lines":[]})");
  write("alice.pw", "pa\"ss word\n");
  const Outcome r = run("flags list --admin " + admin_.url() + " --user alice --password-file " +
                        path("alice.pw"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<SeenRequest> seen = admin_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/api/v1/login");
  EXPECT_EQ(seen[0].body, R"({"user":"alice","password":"pa\"ss word"})");
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_EQ(seen[1].authorization, "Bearer jwt-123");

  admin_.on("POST /api/v1/login", 401, R"({"error":"unknown user or wrong password"})");
  const Outcome no =
      run("status --admin " + admin_.url() + " --user alice --password-file " + path("alice.pw"));
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_THAT(no.err, HasSubstr("HTTP 401"));
  EXPECT_THAT(no.err, HasSubstr("unknown user or wrong password"));
}

TEST_F(ControlCommandsTest, TokenFromFileOrEnvironmentAndUrlFromEnvironment) {
  admin_.on("GET /api/v1/flags", 200, R"({"generation":1,"lines":[]})");
  write("token", "file-token  \n");
  ASSERT_EQ(run("flags list --admin " + admin_.url() + " --token-file " + path("token")).exit_code,
            0);
  EXPECT_EQ(admin_.seen().back().authorization, "Bearer file-token");
  const std::string command = "CB_ADMIN=" + admin_.url() + " CB_TOKEN=env-token " +
                              std::string(CB_BINARY_DIR) + "/bin/bridgectl flags list >" +
                              path("env.out") + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read("env.out");
  EXPECT_EQ(admin_.seen().back().authorization, "Bearer env-token");
  // --token wins over $CB_TOKEN.
  ASSERT_EQ(std::system(("CB_TOKEN=env-token " + std::string(CB_BINARY_DIR) +
                         "/bin/bridgectl flags list --token flag-token --admin " + admin_.url() +
                         " >/dev/null")
                            .c_str()),
            0);
  EXPECT_EQ(admin_.seen().back().authorization, "Bearer flag-token");
}

TEST_F(ControlCommandsTest, AnUnreachableServerExits1) {
  const Outcome r = run("status --admin http://127.0.0.1:1 --token t");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the admin API at http://127.0.0.1:1"));
}

TEST_F(ControlCommandsTest, BadCommandLinesExit2WithoutAsking) {
  write("pw", "x\n");
  const std::string pw = path("pw");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"flags propose --stage DUAL_WRITE --reason x", "--line L is required"},
      {"flags propose --line SAVINGS --stage DUAL_WRITE", "--reason TEXT is required"},
      {"flags propose --line SAVINGS --stage SIDEWAYS --reason x", "is not one of LEGACY_ONLY"},
      {"flags propose --line SAVINGS --ramp 101 --reason x", "--ramp '101'"},
      {"flags propose --line SAVINGS --ramp -5 --reason x", "--ramp '-5'"},
      {"flags propose --line SAVINGS --max-error-rate 1.5 --reason x", "not a rate from 0 to 1"},
      {"flags propose --line SAVINGS --max-mismatch-rate 1% --reason x", "not a rate"},
      {"flags propose --line SAVINGS --guard-window 0 --reason x", "--guard-window '0'"},
      {"flags propose --line SAVINGS --reason x", "nothing to change"},
      {"flags propose --line SAVINGS --colour red --reason x", "unknown option --colour"},
      {"flags approve", "the change request's ID is required"},
      {"flags approve abc", "'abc' is not a change request id"},
      {"flags reject 3 4", "unexpected argument '4'"},
      {"flags demote --line SAVINGS", "--reason TEXT is required"},
      {"flags changes --state open", "--state 'open'"},
      {"flags sideways", "unknown subcommand 'sideways'"},
      {"flags", "a subcommand is required"},
      {"audit --limit many", "--limit 'many'"},
      {"audit verify --head 12", "is not SEQ:HASH"},
      {"audit verify --head 12:abcd", "is not SEQ:HASH"},
      {"status --token a --user b --password-file " + pw, "give one of --token"},
      {"status --user alice", "--user needs --password-file"},
      {"status --password-file " + pw, "--password-file goes with --user"},
      {"status --token-file /nonexistent/token", "cannot read /nonexistent/token"},
      {"status --admin ftp://127.0.0.1:21 --token t", "only http:// and https://"},
      {"status extra", "unexpected argument 'extra'"},
  };
  for (const auto& [args, message] : cases) {
    const Outcome r =
        run(args + (args.find("--admin") == std::string::npos ? " --admin " + admin_.url()
                                                              : std::string()));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
  EXPECT_TRUE(admin_.seen().empty()) << "a bad command line sent " << admin_.seen()[0].target;
}

TEST_F(ControlCommandsTest, EveryCommandHasHelp) {
  for (const char* command : {"status", "flags", "flags list", "flags propose", "flags approve",
                              "flags reject", "flags demote", "flags changes", "audit",
                              "audit verify", "hash-password", "hash-token", "reconcile"}) {
    const Outcome r = run(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_THAT(r.out, HasSubstr("usage: bridgectl")) << command;
  }
  EXPECT_THAT(run("flags propose --help").out, HasSubstr("--admin URL"));
  EXPECT_THAT(run("reconcile --help").out, HasSubstr("--record"));
  EXPECT_THAT(run("--help").out, HasSubstr("hash-password"));
}

TEST_F(ControlCommandsTest, HashPasswordAndHashToken) {
  const std::regex hashed("pbkdf2-sha256\\$100000\\$[0-9a-f]{32}\\$[0-9a-f]{64}\n");
  const Outcome a = run("hash-password < /dev/null");
  EXPECT_EQ(a.exit_code, 2) << "an empty password";
  write("pw", "correct horse\n");
  const Outcome b = run("hash-password < " + path("pw"));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(std::regex_match(b.out, hashed)) << b.out;
  const Outcome c = run("hash-password --password-file " + path("pw"));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(std::regex_match(c.out, hashed)) << c.out;
  EXPECT_NE(b.out, c.out) << "a fresh salt each time";
  EXPECT_EQ(run("hash-password --iterations 10 < " + path("pw")).exit_code, 2);
  const Outcome d = run("hash-password --iterations 2000 < " + path("pw"));
  EXPECT_THAT(d.out, HasSubstr("pbkdf2-sha256$2000$"));

  const Outcome t = run("hash-token --json");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(t.out, m,
                               std::regex("\\{\"token\":\"([0-9a-f]{64})\",\"token_sha256\":\"([0-"
                                          "9a-f]{64})\"\\}\n")))
      << t.out;
  EXPECT_EQ(shell("printf %s " + m[1].str() + " | sha256sum").substr(0, 64), m[2].str());
  const Outcome u = run("hash-token");
  EXPECT_THAT(u.out, HasSubstr("token_sha256: "));
  EXPECT_NE(u.out.substr(0, 80), t.out.substr(0, 80));
}

// ---- over HTTPS -------------------------------------------------------------

// A self-signed certificate for 127.0.0.1 in DIR/cert.pem, its key in
// DIR/key.pem (the openssl command line, package openssl).
bool makeCertificate(const std::filesystem::path& dir) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>/dev/null";
  return std::system(command.c_str()) == 0;
}

TEST_F(ControlCommandsTest, HttpsWithTheServersCaAndNotWithout) {
  ASSERT_TRUE(makeCertificate(dir_)) << "the openssl command line is needed for this test";
  std::filesystem::create_directories(path("www/api/v1"));
  write("www/api/v1/flags",
        R"({"generation":9,"lines":[)" + lineJson("SAVINGS", "SHADOW", 100, 3) + "]}");
  // openssl s_server -WWW serves files of its directory over TLS.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::chdir(path("www").c_str()) != 0) {
      ::_exit(127);
    }
    const int out = ::open(path("s_server.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execlp("openssl", "openssl", "s_server", "-WWW", "-accept", "0", "-cert",
             path("cert.pem").c_str(), "-key", path("key.pem").c_str(), nullptr);
    ::_exit(127);
  }
  std::smatch m;
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = read("s_server.out");
    if (std::regex_search(out, m, std::regex("ACCEPT .*:([0-9]+)"))) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Outcome trusted{-1, "", ""}, untrusted{-1, "", ""};
  if (!m.empty()) {
    const std::string url = "https://127.0.0.1:" + m[1].str();
    trusted = run("flags list --admin " + url + " --ca-file " + path("cert.pem") + " --token t");
    untrusted = run("flags list --admin " + url + " --token t");
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ASSERT_FALSE(m.empty()) << "openssl s_server did not say where it listens: " << out;
  ASSERT_EQ(trusted.exit_code, 0) << trusted.err;
  EXPECT_THAT(trusted.out, HasSubstr("generation 9"));
  EXPECT_THAT(lineStarting(trusted.out, "SAVINGS"), HasSubstr("SHADOW"));
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("certificate verify failed"));
}

// ---- against a real corebridge ---------------------------------------------

// A loopback port nothing listens on: the bridge's back ends stay down.
int unusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// corebridge with a SQLite flag store and a users file: alice (operator),
// bob (approver), ci (viewer, API token). Its passwords and token are made
// by bridgectl hash-password and hash-token.
class ControlEndToEnd : public BridgectlFixture {
 protected:
  void SetUp() override {
    BridgectlFixture::SetUp();
    ASSERT_TRUE(std::filesystem::exists(test_support::binDir() + "/corebridge"))
        << "build the corebridge target first";
    write("alice.pw", "alice-password\n");
    write("bob.pw", "bob-password\n");
    const Outcome alice = run("hash-password --password-file " + path("alice.pw"));
    const Outcome bob = run("hash-password < " + path("bob.pw"));
    const Outcome ci = run("hash-token");
    ASSERT_EQ(alice.exit_code + bob.exit_code + ci.exit_code, 0) << alice.err << bob.err << ci.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(ci.out, m,
                                  std::regex("token: +([0-9a-f]{64})\ntoken_sha256: "
                                             "+([0-9a-f]{64})")))
        << ci.out;
    write("ci.token", m[1].str() + "\n");
    write("users.yaml", "users:\n  alice: {role: operator, password: \"" + trim(alice.out) +
                            "\"}\n  bob: {role: approver, password: \"" + trim(bob.out) +
                            "\"}\n  ci: {role: viewer, token_sha256: \"" + m[2].str() + "\"}\n");
    write("corebridge.yaml", "pack: " + kPack +
                                 "/pack.yaml\nproduct_lines:\n  SAVINGS: {stage: LEGACY_ONLY}\n"
                                 "  CHECKING: {stage: LEGACY_ONLY}\n");
    flags_dsn_ = "Driver=SQLite3;Database=" + path("flags.db");
    const std::string down = std::to_string(unusedPort());
    std::vector<std::string> options = bridgeOptions();
    ASSERT_FALSE(HasFatalFailure());
    std::vector<std::string> args = {"--config",
                                     path("corebridge.yaml"),
                                     "--listen.port",
                                     "0",
                                     "--admin.port",
                                     "0",
                                     "--legacy.port",
                                     down,
                                     "--newcore.port",
                                     down,
                                     "--mismatch_store",
                                     "Driver=SQLite3;Database=" + path("mm.db"),
                                     "--dualwrite.journal",
                                     path("journal"),
                                     "--repairs.store",
                                     "Driver=SQLite3;Database=" + path("repairs.db"),
                                     "--control.flag_store",
                                     flags_dsn_,
                                     "--control.users_file",
                                     path("users.yaml")};
    args.insert(args.end(), options.begin(), options.end());
    ASSERT_TRUE(bridge_.start("corebridge", args, path("corebridge.log")))
        << read("corebridge.log");
    const int port = bridge_.portAfter("admin");
    ASSERT_GT(port, 0) << bridge_.firstLine();
    admin_ = scheme() + "://127.0.0.1:" + std::to_string(port);
  }
  // More corebridge options, and the admin URL's scheme.
  virtual std::vector<std::string> bridgeOptions() { return {}; }
  virtual std::string scheme() const { return "http"; }
  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- corebridge log ---\n%s\n", read("corebridge.log").c_str());
    }
    bridge_.kill(SIGKILL);
    BridgectlFixture::TearDown();
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
      s.pop_back();
    }
    return s;
  }
  // `bridgectl ARGS` as `who` (alice, bob: logged in; ci: its API token).
  Outcome as(const std::string& who, const std::string& args) const {
    const std::string auth = who == "ci"
                                 ? " --token-file " + path("ci.token")
                                 : " --user " + who + " --password-file " + path(who + ".pw");
    return run(args + " --admin " + admin_ + auth + ca_);
  }
  void sql(const std::string& statement) const {
    auto c = adapters::odbc::Connection::open(flags_dsn_);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    ASSERT_TRUE((*c)->execute(statement).ok()) << statement;
  }

  test_support::ChildProcess bridge_;
  std::string admin_;
  std::string flags_dsn_;
  std::string ca_;  // " --ca-file F" over HTTPS
};

// The same bridge with HTTPS on its admin port (admin.tls_cert, tls_key).
class ControlEndToEndHttps : public ControlEndToEnd {
 protected:
  std::vector<std::string> bridgeOptions() override {
    EXPECT_TRUE(makeCertificate(dir_)) << "the openssl command line is needed for this test";
    ca_ = " --ca-file " + path("cert.pem");
    return {"--admin.tls_cert", path("cert.pem"), "--admin.tls_key", path("key.pem")};
  }
  std::string scheme() const override { return "https"; }
};

TEST_F(ControlEndToEndHttps, TheCommandsWorkOverHttpsWithTheServersCertificateTrusted) {
  const Outcome proposed =
      as("alice", "flags propose --line CHECKING --stage DUAL_WRITE --reason 'over TLS'");
  ASSERT_EQ(proposed.exit_code, 0) << proposed.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(proposed.out, m, std::regex("change request ([0-9]+) is waiting")))
      << proposed.out;
  const Outcome approved = as("bob", "flags approve " + m[1].str());
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_THAT(lineStarting(as("ci", "status").out, "CHECKING"), HasSubstr("DUAL_WRITE"));
  EXPECT_EQ(as("ci", "audit verify").exit_code, 0);
  ca_.clear();  // the system's CAs do not know a self-signed certificate
  const Outcome untrusted = as("ci", "status");
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("certificate verify failed"));
  const Outcome plain =
      run("status --token-file " + path("ci.token") + " --admin http" + admin_.substr(5));
  EXPECT_EQ(plain.exit_code, 1) << "plain HTTP to the HTTPS port";
}

TEST_F(ControlEndToEnd, ProposeApproveDemoteAndTheAuditChainHoldsUntilEdited) {
  const Outcome proposed = as("alice",
                              "flags propose --line SAVINGS --stage DUAL_WRITE "
                              "--reason 'backfill loaded, reconciled'");
  ASSERT_EQ(proposed.exit_code, 0) << proposed.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(proposed.out, m,
                                std::regex("change request ([0-9]+) is waiting for approval: "
                                           "SAVINGS LEGACY_ONLY -> DUAL_WRITE")))
      << proposed.out;
  const std::string id = m[1].str();
  const Outcome pending = as("ci", "flags changes");
  ASSERT_EQ(pending.exit_code, 0) << pending.err;
  EXPECT_THAT(lineStarting(pending.out, id + " "), HasSubstr("pending"));
  EXPECT_THAT(lineStarting(pending.out, id + " "), HasSubstr("alice"));

  // Nobody approves their own change; a viewer proposes nothing.
  const Outcome own = as("alice", "flags approve " + id);
  EXPECT_EQ(own.exit_code, 1);
  EXPECT_THAT(own.err, HasSubstr("rule self_approval"));
  const Outcome viewer = as("ci", "flags propose --line CHECKING --stage DUAL_WRITE --reason x");
  EXPECT_EQ(viewer.exit_code, 1);
  EXPECT_THAT(viewer.err, HasSubstr("HTTP 403"));
  // A second proposal for the line while one is pending.
  const Outcome twice = as("alice", "flags propose --line SAVINGS --stage DUAL_WRITE --reason y");
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.err, HasSubstr("rule pending_change"));

  const Outcome approved = as("bob", "flags approve " + id + " --note 'checked the report'");
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_THAT(approved.out, HasSubstr("approved by bob and applied: SAVINGS LEGACY_ONLY -> "
                                      "DUAL_WRITE"));
  const Outcome status = as("ci", "status");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(lineStarting(status.out, "SAVINGS"), HasSubstr("DUAL_WRITE"));
  EXPECT_THAT(lineStarting(status.out, "CHECKING"), HasSubstr("LEGACY_ONLY"));

  const Outcome demoted =
      as("alice", "flags demote --line SAVINGS --reason 'mismatches on interest'");
  ASSERT_EQ(demoted.exit_code, 0) << demoted.err;
  EXPECT_THAT(demoted.out, HasSubstr("applied: SAVINGS is now LEGACY_ONLY"));
  EXPECT_THAT(lineStarting(as("ci", "flags list").out, "SAVINGS"), HasSubstr("LEGACY_ONLY"));

  const Outcome audit = as("ci", "audit --limit 0");
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  for (const char* action : {"seed", "propose", "approve", "demote"}) {
    EXPECT_THAT(audit.out, HasSubstr(std::string(" ") + action + " ")) << audit.out;
  }
  ASSERT_TRUE(std::regex_search(audit.out, m, std::regex("head: ([0-9]+:[0-9a-f]{64})")))
      << audit.out;
  const std::string head = m[1].str();

  const Outcome verified = as("ci", "audit verify --head " + head);
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("OK: "));
  EXPECT_THAT(verified.out, HasSubstr("head " + head));

  // The newest entry (the demotion) removed and the store's head moved back
  // to the one before: a consistent story, which only the head written down
  // above contradicts.
  sql("DELETE FROM cb_flag_audit WHERE seq = (SELECT MAX(seq) FROM cb_flag_audit)");
  sql("UPDATE cb_flag_head SET audit_seq = (SELECT MAX(seq) FROM cb_flag_audit), audit_hash = "
      "(SELECT hash FROM cb_flag_audit WHERE seq = (SELECT MAX(seq) FROM cb_flag_audit))");
  EXPECT_EQ(as("ci", "audit verify").exit_code, 0);
  const Outcome truncated = as("ci", "audit verify --head " + head);
  EXPECT_EQ(truncated.exit_code, 1) << truncated.out;
  EXPECT_THAT(truncated.out, HasSubstr("PROBLEM [truncated]"));

  // The approval's reason rewritten in the database.
  sql("UPDATE cb_flag_audit SET reason = 'nothing happened' WHERE action = 'approve'");
  const Outcome tampered = as("ci", "audit verify");
  EXPECT_EQ(tampered.exit_code, 1) << tampered.out;
  const std::string approve_row = lineWith(audit.out, " approve ");
  ASSERT_FALSE(approve_row.empty()) << audit.out;
  const std::string seq = approve_row.substr(0, approve_row.find(' '));
  EXPECT_THAT(tampered.out, HasSubstr("PROBLEM [edited] entry " + seq + ": "));
  EXPECT_THAT(tampered.out, HasSubstr("FAILED: 1 problem in "));
}

TEST_F(ControlEndToEnd, ReconcileRecordPutsTheResultWhereTheRulesSeeIt) {
  // One legacy account, in SAVINGS (SEED: account 1 goes to line 10); an
  // empty new store: SAVINGS is out of balance, CHECKING in balance (0 = 0).
  const std::string cobol = std::string(CB_BINARY_DIR) + "/cobol";
  ASSERT_TRUE(std::filesystem::exists(cobol + "/SEED")) << "the demo bank is not built";
  std::filesystem::create_directories(path("bank"));
  const std::string env = "BANK_DATA_DIR=" + path("bank") + " BANK_BUSINESS_DATE=20261125 ";
  ASSERT_EQ(std::system((env + cobol + "/SEED 1 >/dev/null").c_str()), 0);
  ASSERT_EQ(
      std::system((env + cobol + "/EXTRACT 20261125 " + path("x.dat") + " >/dev/null").c_str()), 0);
  const std::string store = "Driver=SQLite3;Database=" + path("nc.db");
  {
    test_support::ChildProcess newcore;  // creates the new store's schema
    ASSERT_TRUE(newcore.start("newcore", {"--port", "0", "--dsn", store}, path("newcore.log")))
        << read("newcore.log");
    newcore.stop(SIGTERM);
  }
  const std::string reconcile = "reconcile --pack " + kPack + " --extract " + path("x.dat") +
                                " --new-store '" + store + "' --out " + path("out") +
                                " --record --product-line ";

  const Outcome balanced = as("alice", reconcile + "CHECKING");
  EXPECT_EQ(balanced.exit_code, 0) << balanced.out << balanced.err;
  EXPECT_THAT(balanced.out, HasSubstr("IN BALANCE"));
  EXPECT_THAT(balanced.out, HasSubstr("recorded as reconciliation "));
  // Recording refused (a viewer): the exit code says so.
  const Outcome refused = as("ci", reconcile + "CHECKING");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("reconcile --record: refused by the server (HTTP 403"));
  // Bad connection options stop it before it runs.
  const Outcome bad = run(reconcile + "CHECKING --token a --user b");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("give one of --token"));
  const Outcome stray = run("reconcile --product-line CHECKING --extract " + path("x.dat") +
                            " --new-store '" + store + "' --out " + path("out") + " --token a");
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_THAT(stray.err, HasSubstr("--token goes with --record"));

  const Outcome out = as("alice", reconcile + "SAVINGS");
  EXPECT_EQ(out.exit_code, 1) << "out of balance, recorded" << out.err;
  EXPECT_THAT(out.out, HasSubstr("OUT OF BALANCE"));
  EXPECT_THAT(out.out, HasSubstr("recorded as reconciliation "));
  EXPECT_THAT(out.err, Not(HasSubstr("refused")));

  const Outcome status = as("ci", "status");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(lineStarting(status.out, "SAVINGS"), HasSubstr("OUT OF BALANCE"));
  EXPECT_THAT(lineStarting(status.out, "SAVINGS"), HasSubstr("2026-11-25"));
  EXPECT_THAT(lineStarting(status.out, "CHECKING"), HasSubstr("balanced, 2026-11-25"));
  const Outcome promote =
      as("alice", "flags propose --line SAVINGS --stage DUAL_WRITE --reason 'go'");
  EXPECT_EQ(promote.exit_code, 1);
  EXPECT_THAT(promote.err, HasSubstr("rule out_of_balance"));
  EXPECT_EQ(as("ci", "audit verify").exit_code, 0);
}

}  // namespace
}  // namespace corebridge::tools_test

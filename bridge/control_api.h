// The admin API of the control plane (docs/cutover-control.md, "The admin
// API"): JSON routes on the admin port for logging in, reading every
// product line's flags and live figures, proposing, approving, rejecting
// and demoting, the audit log and its check, and reconciliation results;
// plus the web console's page.
//
// Every route but login and the console needs a bearer token
// (bridge/auth.h) of at least the route's role. Writes go through the
// flag store's commit() (bridge/flag_store.h), decided by the rules of
// bridge/change_policy.h, checked again at approval. Handlers run on the
// admin server's threads: everything they touch is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridge/admin_server.h"
#include "bridge/auth.h"
#include "bridge/change_policy.h"
#include "bridge/flag_store.h"
#include "bridge/flag_watcher.h"
#include "bridge/login_throttle.h"
#include "bridge/traffic_window.h"

namespace corebridge::bridge {

struct ControlApiDeps {
  FlagStore* store = nullptr;            // required
  const Authenticator* auth = nullptr;   // required
  TrafficWindows* windows = nullptr;     // null: no live figures
  const FlagWatcher* watcher = nullptr;  // null: no generation / age in status
  // Open repair cases of a product line (null: none known).
  std::function<Result<int64_t>(const std::string& line)> open_repairs;
  std::string instance;  // named in status
};

class ControlApi {
 public:
  explicit ControlApi(ControlApiDeps deps);

  using AddRoute = std::function<Status(std::string method, std::string path, AdminHandler)>;
  // Adds every route through `add` (AdminServer::addRoute, or an
  // AdminRouter's add in tests).
  Status registerRoutes(const AddRoute& add);

 private:
  struct Call;  // one request: its principal and body

  void login(const AdminRequest& req, AdminResponse* resp);
  void whoami(const Call& call, AdminResponse* resp);
  void status(const Call& call, AdminResponse* resp);
  void flags(const Call& call, AdminResponse* resp);
  void postFlags(const Call& call, AdminResponse* resp);
  void propose(const Call& call, const std::string& line, AdminResponse* resp);
  void demote(const Call& call, const std::string& line, AdminResponse* resp);
  void changes(const Call& call, AdminResponse* resp);
  void getChange(const Call& call, AdminResponse* resp);
  void decide(const Call& call, AdminResponse* resp);
  void approve(const Call& call, const ChangeRequest& c, AdminResponse* resp);
  void reject(const Call& call, const ChangeRequest& c, AdminResponse* resp);
  void audit(const Call& call, AdminResponse* resp);
  void verify(const Call& call, AdminResponse* resp);
  void postReconciliation(const Call& call, AdminResponse* resp);
  void reconciliations(const Call& call, AdminResponse* resp);

  // The line as stored; NotFound naming the known lines.
  Result<LineFlags> storedLine(const std::string& line);
  Result<int64_t> openRepairs(const std::string& line);
  // What the rules decide on (bridge/change_policy.h): the line, its newest
  // reconciliation, and, when asked, its open repair cases and whether a
  // change is pending on its current version.
  Result<PolicyFacts> factsOf(const LineFlags& current, bool repairs, bool pending);
  // The stored line and the body's required reason; false when either is
  // missing (the error answered).
  bool lineAndReason(const Call& call, const std::string& line, AdminResponse* resp,
                     std::optional<LineFlags>* current, std::optional<std::string>* reason);
  // 200 for a change applied at once: the line as stored now.
  void replyApplied(const std::string& line, const LineFlags& fallback,
                    const CommitResult& committed, AdminResponse* resp);

  ControlApiDeps deps_;
  LoginThrottle throttle_;  // failed logins per client address
};

}  // namespace corebridge::bridge

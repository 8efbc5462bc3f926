#include "bridge/control_api.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>

#include "bridge/audit_chain.h"
#include "bridge/change_policy.h"
#include "bridge/console.h"
#include "bridge/control_json.h"
#include "bridge/flag_actions.h"
#include "common/logging.h"

namespace corebridge::bridge {

using Poco::JSON::Array;
using Poco::JSON::Object;

struct ControlApi::Call {
  const AdminRequest& req;
  Principal who;
  Object::Ptr body;  // parsed for POST, else empty
  std::map<std::string, std::string> query;
};

namespace {

constexpr size_t kMaxReason = 1000;

void reply(AdminResponse* resp, int status, const Object::Ptr& body) {
  resp->status = status;
  resp->content_type = "application/json";
  resp->headers.emplace_back("Cache-Control", "no-store");
  resp->body = jsonText(body) + "\n";
}

void fail(AdminResponse* resp, int status, const std::string& message, const std::string& rule = "",
          const std::string& field = "") {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("error", message);
  if (!rule.empty()) {
    o->set("rule", rule);
  }
  if (!field.empty()) {
    o->set("field", field);
  }
  reply(resp, status, o);
}

// A store error as an HTTP answer.
void failStatus(AdminResponse* resp, const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      fail(resp, 404, s.message());
      return;
    case StatusCode::kInvalidArgument:
      fail(resp, 400, s.message());
      return;
    case StatusCode::kAborted:
      fail(resp, 409,
           "the line or the change was modified meanwhile; read it again and decide again (" +
               s.message() + ")",
           "stale");
      return;
    case StatusCode::kUnavailable:
      fail(resp, 503, "the flag store is unavailable, nothing was written: " + s.message());
      return;
    case StatusCode::kDeadlineExceeded:
      fail(resp, 503,
           "the flag store connection was lost during the commit: whether it was written is "
           "unknown; read the line and the audit before trying again (" +
               s.message() + ")");
      return;
    default:
      logger("admin")->error("control API: {}", s.toString());
      fail(resp, 500, s.toString());
  }
}

std::map<std::string, std::string> parseQuery(const std::string& raw) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t amp = raw.find('&', start);
    if (amp == std::string::npos) {
      amp = raw.size();
    }
    const std::string pair = raw.substr(start, amp - start);
    const size_t eq = pair.find('=');
    std::string key;
    std::string value;
    Poco::URI::decode(pair.substr(0, eq), key, true);
    if (eq != std::string::npos) {
      Poco::URI::decode(pair.substr(eq + 1), value, true);
    }
    if (!key.empty()) {
      out[key] = value;
    }
    start = amp + 1;
  }
  return out;
}

// A non-negative integer query parameter, or `fallback`; nullopt when bad.
std::optional<int64_t> queryInt(const std::map<std::string, std::string>& q, const std::string& key,
                                int64_t fallback) {
  auto it = q.find(key);
  if (it == q.end() || it->second.empty()) {
    return fallback;
  }
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (*end != '\0' || v < 0) {
    return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

// The string field `name` of the body ("" when absent); an error names it.
Result<std::string> bodyString(const Object::Ptr& body, const std::string& name, bool required,
                               size_t max) {
  if (body.isNull() || !body->has(name) || body->isNull(name)) {
    if (required) {
      return invalidArgument(name);
    }
    return std::string();
  }
  if (!body->get(name).isString()) {
    return invalidArgument(name);
  }
  std::string v = body->getValue<std::string>(name);
  if (v.size() > max || (required && v.empty())) {
    return invalidArgument(name);
  }
  return v;
}

std::string prefixOf(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0
             ? path.substr(prefix.size())
             : std::string();
}

// Applies the optional "guard" object of a body to `g`; the error names the field.
Status applyGuard(const Object::Ptr& body, GuardSettings* g, std::string* bad_field) {
  if (body.isNull() || !body->has("guard")) {
    return okStatus();
  }
  Object::Ptr o = body->getObject("guard");
  if (o.isNull()) {
    *bad_field = "guard";
    return invalidArgument("'guard' must be an object");
  }
  for (const std::string& key : o->getNames()) {
    *bad_field = "guard." + key;
    const auto& v = o->get(key);
    if (!v.isNumeric() || v.isBoolean()) {
      return invalidArgument("'guard." + key + "' must be a number");
    }
    const double d = v.convert<double>();
    if (key == "max_mismatch_rate" || key == "max_error_rate") {
      if (!(d >= 0 && d <= 1)) {
        return invalidArgument("'guard." + key + "' is a fraction from 0 to 1 (0 disables it)");
      }
      (key == "max_mismatch_rate" ? g->max_mismatch_rate : g->max_error_rate) = d;
    } else if (key == "window_seconds") {
      if (!(d >= 1 && d <= TrafficWindows::kMaxWindowSeconds) || d != static_cast<int>(d)) {
        return invalidArgument("'guard.window_seconds' is a whole number from 1 to 3600");
      }
      g->window_seconds = static_cast<int>(d);
    } else if (key == "min_samples") {
      if (!(d >= 1 && d <= 1e6) || d != static_cast<int>(d)) {
        return invalidArgument("'guard.min_samples' is a whole number from 1 to 1000000");
      }
      g->min_samples = static_cast<int>(d);
    } else {
      return invalidArgument("'guard." + key +
                             "' is not a guard setting (max_mismatch_rate, max_error_rate, "
                             "window_seconds, min_samples)");
    }
  }
  bad_field->clear();
  return okStatus();
}

std::string guardWords(const GuardSettings& g) {
  return fmt::format("mismatch<={} errors<={} window {}s min {}", g.max_mismatch_rate,
                     g.max_error_rate, g.window_seconds, g.min_samples);
}

// From/to of an audit entry for a change: the stage, and the guard too when
// it changes.
std::pair<std::string, std::string> fromTo(const LineFlags& from, const LineFlags& to) {
  std::string f = describeSetting(from.stage, from.ramp_percent);
  std::string t = describeSetting(to.stage, to.ramp_percent);
  if (!(from.guard == to.guard)) {
    f += " (guard " + guardWords(from.guard) + ")";
    t += " (guard " + guardWords(to.guard) + ")";
  }
  return {f, t};
}

}  // namespace

ControlApi::ControlApi(ControlApiDeps deps) : deps_(std::move(deps)) {}

Status ControlApi::registerRoutes(const AddRoute& add) {
  // Wraps a handler that needs a principal of at least `role`.
  auto guarded = [this](Role role, void (ControlApi::*fn)(const Call&, AdminResponse*)) {
    return [this, role, fn](const AdminRequest& req, AdminResponse* resp) {
      auto who = deps_.auth->authenticate(req.header("Authorization"));
      if (!who) {
        resp->headers.emplace_back("WWW-Authenticate", "Bearer");
        fail(resp, 401,
             deps_.auth->empty() ? "no users are configured (control.users_file): the API is closed"
                                 : "a valid bearer token is needed (POST /api/v1/login)");
        return;
      }
      if (who->role < role) {
        fail(resp, 403,
             "this needs the " + std::string(roleName(role)) + " role; " + who->user + " is " +
                 std::string(roleName(who->role)),
             "role");
        return;
      }
      Call call{req, *who, nullptr, {}};
      try {
        call.query = parseQuery(req.query);
      } catch (const Poco::Exception& e) {
        fail(resp, 400, "the query string cannot be decoded: " + e.displayText());
        return;
      }
      if (req.method == "POST") {
        try {
          Poco::JSON::Parser parser;
          auto parsed = parser.parse(req.body.empty() ? std::string("{}") : req.body);
          call.body = parsed.extract<Object::Ptr>();
        } catch (const std::exception& e) {
          fail(resp, 400, std::string("the body is not a JSON object: ") + e.what());
          return;
        }
      }
      try {
        (this->*fn)(call, resp);
      } catch (const Poco::Exception& e) {
        // A value of the wrong kind or range somewhere in the request.
        resp->headers.clear();
        fail(resp, 400, "the request cannot be read: " + e.displayText());
      }
    };
  };
  auto page = [](const AdminRequest&, AdminResponse* resp) {
    resp->content_type = "text/html; charset=utf-8";
    resp->headers.emplace_back("Cache-Control", "no-store");
    resp->headers.emplace_back("Content-Security-Policy",
                               "default-src 'self'; script-src 'unsafe-inline'; style-src "
                               "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
    resp->headers.emplace_back("X-Frame-Options", "DENY");
    resp->body = std::string(consoleHtml());
  };
  CB_RETURN_IF_ERROR(
      add("POST", "/api/v1/login",
          [this](const AdminRequest& req, AdminResponse* resp) { login(req, resp); }));
  CB_RETURN_IF_ERROR(add("GET", "/api/v1/whoami", guarded(Role::kViewer, &ControlApi::whoami)));
  CB_RETURN_IF_ERROR(add("GET", "/api/v1/status", guarded(Role::kViewer, &ControlApi::status)));
  CB_RETURN_IF_ERROR(add("GET", "/api/v1/flags", guarded(Role::kViewer, &ControlApi::flags)));
  CB_RETURN_IF_ERROR(
      add("POST", "/api/v1/flags/*", guarded(Role::kOperator, &ControlApi::postFlags)));
  CB_RETURN_IF_ERROR(add("GET", "/api/v1/changes", guarded(Role::kViewer, &ControlApi::changes)));
  CB_RETURN_IF_ERROR(
      add("GET", "/api/v1/changes/*", guarded(Role::kViewer, &ControlApi::getChange)));
  // Operators may reject their own proposals; decide() checks the rest.
  CB_RETURN_IF_ERROR(
      add("POST", "/api/v1/changes/*", guarded(Role::kOperator, &ControlApi::decide)));
  CB_RETURN_IF_ERROR(add("GET", "/api/v1/audit", guarded(Role::kViewer, &ControlApi::audit)));
  CB_RETURN_IF_ERROR(
      add("GET", "/api/v1/audit/verify", guarded(Role::kViewer, &ControlApi::verify)));
  CB_RETURN_IF_ERROR(add("POST", "/api/v1/reconciliations",
                         guarded(Role::kOperator, &ControlApi::postReconciliation)));
  CB_RETURN_IF_ERROR(
      add("GET", "/api/v1/reconciliations", guarded(Role::kViewer, &ControlApi::reconciliations)));
  CB_RETURN_IF_ERROR(add("GET", "/console", page));
  return add("GET", "/", page);
}

Result<LineFlags> ControlApi::storedLine(const std::string& line) {
  CB_ASSIGN_OR_RETURN(auto lines, deps_.store->lines());
  for (LineFlags& l : lines) {
    if (l.line == line) {
      return std::move(l);
    }
  }
  std::string known;
  for (const LineFlags& l : lines) {
    known += (known.empty() ? "" : ", ") + l.line;
  }
  return notFound("no product line '" + line + "' in the flag store (it has " +
                  (known.empty() ? std::string("none") : known) + ")");
}

Result<int64_t> ControlApi::openRepairs(const std::string& line) {
  return deps_.open_repairs ? deps_.open_repairs(line) : Result<int64_t>(int64_t{0});
}

Result<PolicyFacts> ControlApi::factsOf(const LineFlags& current, bool repairs, bool pending) {
  PolicyFacts facts;
  facts.current = current;
  CB_ASSIGN_OR_RETURN(facts.last_reconciliation, lastReconciliationOf(*deps_.store, current.line));
  if (repairs) {
    CB_ASSIGN_OR_RETURN(facts.open_repairs, openRepairs(current.line));
  }
  if (pending) {
    CB_ASSIGN_OR_RETURN(auto change, pendingChangeOf(*deps_.store, current.line));
    // One proposed on an older version can never be approved (stale): it
    // does not block a new proposal.
    facts.pending_change = change.has_value() && change->from.version == current.version;
  }
  return facts;
}

void ControlApi::login(const AdminRequest& req, AdminResponse* resp) {
  // A browser sends a cross-site text/plain POST without asking; a JSON
  // one only after a CORS preflight this server never grants.
  if (req.header("Content-Type").rfind("application/json", 0) != 0) {
    fail(resp, 415, "POST /api/v1/login takes Content-Type: application/json");
    return;
  }
  Object::Ptr body;
  try {
    Poco::JSON::Parser parser;
    body = parser.parse(req.body).extract<Object::Ptr>();
  } catch (const std::exception&) {
    fail(resp, 400, "expected {\"user\": ..., \"password\": ...}");
    return;
  }
  auto user = bodyString(body, "user", true, 64);
  auto password = bodyString(body, "password", true, 1024);
  if (!user.ok() || !password.ok()) {
    fail(resp, 400, "expected {\"user\": ..., \"password\": ...}", "",
         !user.ok() ? "user" : "password");
    return;
  }
  const std::string address = LoginThrottle::addressOf(req.peer);
  const auto now = LoginThrottle::Clock::now();
  if (const int wait = throttle_.retryAfter(address, now); wait > 0) {
    resp->headers.emplace_back("Retry-After", std::to_string(wait));
    fail(
        resp, 429,
        "too many failed logins from " + address + ": try again in " + std::to_string(wait) + " s");
    return;
  }
  auto token = deps_.auth->login(*user, *password);
  if (!token.ok()) {
    throttle_.failed(address, now);
    logger("admin")->warn("login refused for '{}' from {}", *user, req.peer);
    fail(resp, 401, token.status().message());
    return;
  }
  throttle_.succeeded(address);
  auto who = deps_.auth->authenticate("Bearer " + token->token);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("token", token->token);
  o->set("user", *user);
  o->set("role", who ? std::string(roleName(who->role)) : std::string("viewer"));
  o->set("expires_at_ms", token->expires_at_ms);
  logger("admin")->info("login: {} from {}", *user, req.peer);
  reply(resp, 200, o);
}

void ControlApi::whoami(const Call& call, AdminResponse* resp) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("user", call.who.user);
  o->set("role", std::string(roleName(call.who.role)));
  reply(resp, 200, o);
}

void ControlApi::flags(const Call&, AdminResponse* resp) {
  auto generation = deps_.store->generation();
  auto lines = generation.ok() ? deps_.store->lines() : generation.status();
  if (!lines.ok()) {
    failStatus(resp, lines.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("generation", *generation);
  Array::Ptr a = new Array;
  for (const LineFlags& l : *lines) {
    a->add(lineToJson(l));
  }
  o->set("lines", a);
  reply(resp, 200, o);
}

void ControlApi::status(const Call&, AdminResponse* resp) {
  auto lines = deps_.store->lines();
  auto pending = lines.ok() ? deps_.store->changes(ChangeState::kPending, 0)
                            : Result<std::vector<ChangeRequest>>(lines.status());
  if (!pending.ok()) {
    failStatus(resp, pending.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("instance", deps_.instance);
  o->set("generation", deps_.watcher != nullptr ? deps_.watcher->generation() : int64_t{-1});
  o->set("flags_age_ms", deps_.watcher != nullptr ? deps_.watcher->ageMs() : int64_t{-1});
  // What this instance routes by: it lags the store by up to a poll.
  const auto in_force_lines = deps_.watcher != nullptr
                                  ? deps_.watcher->lines()
                                  : std::shared_ptr<const std::vector<LineFlags>>();
  Array::Ptr a = new Array;
  for (const LineFlags& l : *lines) {
    Object::Ptr j = lineToJson(l);
    const WindowFigures f = deps_.windows != nullptr
                                ? deps_.windows->figures(l.line, l.guard.window_seconds)
                                : WindowFigures{l.guard.window_seconds};
    j->set("window_seconds", f.window_seconds);
    j->set("requests", f.requests);
    j->set("requests_per_s", f.requestsPerSecond());
    j->set("compared", f.compared);
    j->set("different", f.different);
    j->set("mismatch_rate", f.mismatchRate());
    j->set("new_calls", f.new_calls);
    j->set("new_errors", f.new_errors);
    j->set("new_error_rate", f.newErrorRate());
    if (in_force_lines != nullptr) {
      for (const LineFlags& f : *in_force_lines) {
        if (f.line == l.line) {
          Object::Ptr in_force = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
          in_force->set("stage", std::string(stageName(f.stage)));
          in_force->set("ramp", f.ramp_percent);
          in_force->set("version", f.version);
          j->set("in_force", in_force);
        }
      }
    }
    auto repairs = openRepairs(l.line);
    j->set("open_repairs", repairs.ok() ? *repairs : int64_t{-1});
    j->set("pending_changes", static_cast<int64_t>(std::count_if(
                                  pending->begin(), pending->end(),
                                  [&](const ChangeRequest& c) { return c.line == l.line; })));
    auto last = lastReconciliationOf(*deps_.store, l.line);
    if (last.ok() && *last) {
      j->set("last_reconciliation", reconciliationToJson(**last, false));
    } else {
      j->set("last_reconciliation", Poco::Dynamic::Var());
    }
    a->add(j);
  }
  o->set("lines", a);
  reply(resp, 200, o);
}

void ControlApi::postFlags(const Call& call, AdminResponse* resp) {
  const std::string rest = prefixOf(call.req.path, "/api/v1/flags/");
  const size_t slash = rest.find('/');
  const std::string line = rest.substr(0, slash);
  if (line.empty()) {
    fail(resp, 404, "POST /api/v1/flags/{LINE} or /api/v1/flags/{LINE}/demote");
    return;
  }
  if (slash == std::string::npos) {
    propose(call, line, resp);
  } else if (rest.substr(slash) == "/demote") {
    demote(call, line, resp);
  } else {
    fail(resp, 404, "no such route: POST " + call.req.path);
  }
}

bool ControlApi::lineAndReason(const Call& call, const std::string& line, AdminResponse* resp,
                               std::optional<LineFlags>* current,
                               std::optional<std::string>* reason) {
  auto stored = storedLine(line);
  if (!stored.ok()) {
    failStatus(resp, stored.status());
    return false;
  }
  auto why = bodyString(call.body, "reason", true, kMaxReason);
  if (!why.ok()) {
    fail(resp, 400, "'reason' is required: a non-empty text of at most 1000 characters saying why",
         "", "reason");
    return false;
  }
  *current = std::move(*stored);
  *reason = std::move(*why);
  return true;
}

void ControlApi::replyApplied(const std::string& line, const LineFlags& fallback,
                              const CommitResult& committed, AdminResponse* resp) {
  auto now = storedLine(line);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("applied", true);
  o->set("direction", "demotion");
  o->set("line", lineToJson(now.ok() ? *now : fallback));
  o->set("audit_seq", committed.audit_seqs.empty() ? int64_t{0} : committed.audit_seqs.front());
  reply(resp, 200, o);
}

void ControlApi::propose(const Call& call, const std::string& line, AdminResponse* resp) {
  std::optional<LineFlags> current;
  std::optional<std::string> reason;
  if (!lineAndReason(call, line, resp, &current, &reason)) {
    return;
  }
  LineFlags to = *current;
  if (call.body->has("stage")) {
    auto name = bodyString(call.body, "stage", true, 32);
    auto stage = name.ok() ? parseStage(*name) : Result<Stage>(name.status());
    if (!stage.ok()) {
      fail(resp, 400,
           "'stage' must be one of LEGACY_ONLY, DUAL_WRITE, SHADOW, NEW_PRIMARY, NEW_ONLY", "",
           "stage");
      return;
    }
    to.stage = *stage;
  }
  if (call.body->has("ramp")) {
    const auto& v = call.body->get("ramp");
    const double d = v.isNumeric() && !v.isBoolean() ? v.convert<double>() : -1;
    if (!(d >= 0 && d <= 100) || d != static_cast<int>(d)) {
      fail(resp, 400, "'ramp' is a whole percentage from 0 to 100", "", "ramp");
      return;
    }
    to.ramp_percent = static_cast<int>(d);
  }
  std::string bad_field;
  if (Status s = applyGuard(call.body, &to.guard, &bad_field); !s.ok()) {
    fail(resp, 400, s.message(), "", bad_field);
    return;
  }
  auto facts = factsOf(*current, /*repairs=*/true, /*pending=*/true);
  if (!facts.ok()) {
    failStatus(resp, facts.status());
    return;
  }
  const PolicyDecision d = decideChange(*facts, to, true);
  if (!d.allowed) {
    fail(resp, d.rule == "no_change" ? 400 : 409, d.message, d.rule);
    return;
  }
  const auto [from_text, to_text] = fromTo(*current, to);
  if (d.direction == Direction::kDemotion) {
    AuditDraft a;
    a.actor = call.who.user;
    a.action =
        to.stage == current->stage && to.ramp_percent == current->ramp_percent ? "guard" : "demote";
    a.from = from_text;
    a.to = to_text;
    a.reason = *reason;
    auto committed = applyDirectly(*deps_.store, *current, to, a);
    if (!committed.ok()) {
      failStatus(resp, committed.status());
      return;
    }
    replyApplied(line, to, *committed, resp);
    logger("admin")->info("{} {} {}: {} -> {} ({})", call.who.user, a.action, line, from_text,
                          to_text, *reason);
    return;
  }
  FlagCommit commit;
  ChangeRequest c;
  c.line = line;
  c.from = *current;
  c.to = to;
  c.reason = *reason;
  c.proposed_by = call.who.user;
  commit.change = c;
  AuditDraft a;
  a.actor = call.who.user;
  a.action = "propose";
  a.line = line;
  a.from = from_text;
  a.to = to_text;
  a.reason = *reason;
  commit.audit.push_back(a);
  auto committed = deps_.store->commit(commit);
  if (!committed.ok()) {
    failStatus(resp, committed.status());
    return;
  }
  // Stored: the answer is 202 even if reading it back fails.
  auto stored = deps_.store->change(committed->change_id);
  if (!stored.ok()) {
    c.id = committed->change_id;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("applied", false);
  o->set("direction", "promotion");
  o->set("change", changeToJson(stored.ok() ? *stored : c));
  logger("admin")->info("{} proposed change {} for {}: {} -> {} ({})", call.who.user,
                        committed->change_id, line, from_text, to_text, *reason);
  reply(resp, 202, o);
}

void ControlApi::demote(const Call& call, const std::string& line, AdminResponse* resp) {
  std::optional<LineFlags> current;
  std::optional<std::string> reason;
  if (!lineAndReason(call, line, resp, &current, &reason)) {
    return;
  }
  auto back = oneStageBack(*current);
  if (!back.ok()) {
    fail(resp, 409, back.status().message(), "no_stage_back");
    return;
  }
  auto facts = factsOf(*current, /*repairs=*/false, /*pending=*/false);
  if (!facts.ok()) {
    failStatus(resp, facts.status());
    return;
  }
  const PolicyDecision d = decideChange(*facts, *back, false);
  if (!d.allowed) {
    fail(resp, 409, d.message, d.rule);
    return;
  }
  AuditDraft a;
  a.actor = call.who.user;
  a.action = "demote";
  a.reason = *reason;
  auto committed = applyDirectly(*deps_.store, *current, *back, a);
  if (!committed.ok()) {
    failStatus(resp, committed.status());
    return;
  }
  replyApplied(line, *back, *committed, resp);
  logger("admin")->info("{} demoted {}: {} -> {} ({})", call.who.user, line,
                        describeSetting(current->stage, current->ramp_percent),
                        describeSetting(back->stage, back->ramp_percent), *reason);
}

void ControlApi::changes(const Call& call, AdminResponse* resp) {
  std::optional<ChangeState> state = ChangeState::kPending;
  auto it = call.query.find("state");
  if (it != call.query.end() && it->second != "pending") {
    if (it->second == "all") {
      state.reset();
    } else {
      auto parsed = parseChangeState(it->second);
      if (!parsed.ok()) {
        fail(resp, 400, "'state' is pending, applied, rejected or all", "", "state");
        return;
      }
      state = *parsed;
    }
  }
  auto limit = queryInt(call.query, "limit", 100);
  if (!limit) {
    fail(resp, 400, "'limit' is a whole number, 0 for all", "", "limit");
    return;
  }
  auto list = deps_.store->changes(state, static_cast<size_t>(*limit));
  if (!list.ok()) {
    failStatus(resp, list.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr a = new Array;
  for (const ChangeRequest& c : *list) {
    a->add(changeToJson(c));
  }
  o->set("changes", a);
  reply(resp, 200, o);
}

namespace {

// The id and the action after /api/v1/changes/: "12", "12/approve".
bool parseChangePath(const std::string& path, int64_t* id, std::string* action) {
  const std::string rest = prefixOf(path, "/api/v1/changes/");
  const size_t slash = rest.find('/');
  const std::string digits = rest.substr(0, slash);
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  *id = std::stoll(digits);
  *action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  return true;
}

}  // namespace

void ControlApi::getChange(const Call& call, AdminResponse* resp) {
  int64_t id = 0;
  std::string action;
  if (!parseChangePath(call.req.path, &id, &action) || !action.empty()) {
    fail(resp, 404, "GET /api/v1/changes/{ID}");
    return;
  }
  auto c = deps_.store->change(id);
  if (!c.ok()) {
    failStatus(resp, c.status());
    return;
  }
  reply(resp, 200, changeToJson(*c));
}

void ControlApi::decide(const Call& call, AdminResponse* resp) {
  int64_t id = 0;
  std::string action;
  if (!parseChangePath(call.req.path, &id, &action) ||
      (action != "approve" && action != "reject")) {
    fail(resp, 404, "POST /api/v1/changes/{ID}/approve or /reject");
    return;
  }
  auto c = deps_.store->change(id);
  if (!c.ok()) {
    failStatus(resp, c.status());
    return;
  }
  if (c->state != ChangeState::kPending) {
    fail(resp, 409,
         "change " + std::to_string(id) + " is " + std::string(changeStateName(c->state)) +
             " (by " + c->decided_by + "), not pending",
         "not_pending");
    return;
  }
  if (action == "approve") {
    approve(call, *c, resp);
  } else {
    reject(call, *c, resp);
  }
}

void ControlApi::approve(const Call& call, const ChangeRequest& c, AdminResponse* resp) {
  if (call.who.user == c.proposed_by) {
    fail(resp, 403,
         "change " + std::to_string(c.id) + " was proposed by " + c.proposed_by +
             ": a promotion needs a second person's approval",
         "self_approval");
    return;
  }
  if (call.who.role < Role::kApprover) {
    fail(resp, 403,
         "approving needs the approver role; " + call.who.user + " is " +
             std::string(roleName(call.who.role)),
         "role");
    return;
  }
  auto note = bodyString(call.body, "note", false, kMaxReason);
  if (!note.ok()) {
    fail(resp, 400, "'note' is a text of at most 1000 characters", "", "note");
    return;
  }
  auto current = storedLine(c.line);
  if (!current.ok()) {
    failStatus(resp, current.status());
    return;
  }
  if (current->version != c.from.version) {
    fail(resp, 409,
         c.line + " changed since change " + std::to_string(c.id) + " was proposed (version " +
             std::to_string(c.from.version) + ", now " + std::to_string(current->version) +
             "): reject it and propose again",
         "stale");
    return;
  }
  auto facts = factsOf(*current, /*repairs=*/true, /*pending=*/false);
  if (!facts.ok()) {
    failStatus(resp, facts.status());
    return;
  }
  const PolicyDecision d = decideChange(*facts, c.to, false);
  if (!d.allowed) {
    fail(resp, d.rule == "no_change" ? 400 : 409, d.message, d.rule);
    return;
  }
  FlagCommit commit;
  commit.set_line = c.to;
  commit.set_line->line = c.line;
  commit.expected_version = current->version;
  ChangeRequest decided = c;
  decided.state = ChangeState::kApplied;
  decided.decided_by = call.who.user;
  decided.decision_note = *note;
  commit.change = decided;
  const auto [from_text, to_text] = fromTo(*current, c.to);
  AuditDraft a;
  a.actor = call.who.user;
  a.action = "approve";
  a.line = c.line;
  a.from = from_text;
  a.to = to_text;
  a.reason = c.reason + (note->empty() ? "" : " (approval note: " + *note + ")");
  a.approved_by = call.who.user;
  a.change_id = c.id;
  Object::Ptr evidence = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  evidence->set("proposed_by", c.proposed_by);
  evidence->set("open_repairs", facts->open_repairs);
  if (facts->last_reconciliation) {
    evidence->set("last_reconciliation", reconciliationToJson(*facts->last_reconciliation, false));
  }
  if (deps_.windows != nullptr) {
    const WindowFigures f = deps_.windows->figures(c.line, current->guard.window_seconds);
    evidence->set("mismatch_rate", f.mismatchRate());
    evidence->set("compared", f.compared);
    evidence->set("new_error_rate", f.newErrorRate());
    evidence->set("new_calls", f.new_calls);
  }
  a.evidence = jsonText(evidence);
  commit.audit.push_back(a);
  auto committed = deps_.store->commit(commit);
  if (!committed.ok()) {
    failStatus(resp, committed.status());
    return;
  }
  auto stored = deps_.store->change(c.id);
  auto now = storedLine(c.line);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("applied", true);
  o->set("change", changeToJson(stored.ok() ? *stored : decided));
  o->set("line", lineToJson(now.ok() ? *now : c.to));
  logger("admin")->info("{} approved change {} of {} (proposed by {}): {} -> {}", call.who.user,
                        c.id, c.line, c.proposed_by, from_text, to_text);
  reply(resp, 200, o);
}

void ControlApi::reject(const Call& call, const ChangeRequest& c, AdminResponse* resp) {
  if (call.who.role < Role::kApprover && call.who.user != c.proposed_by) {
    fail(resp, 403, "rejecting another person's change needs the approver role", "role");
    return;
  }
  auto note = bodyString(call.body, "note", false, kMaxReason);
  if (!note.ok()) {
    fail(resp, 400, "'note' is a text of at most 1000 characters", "", "note");
    return;
  }
  FlagCommit commit;
  ChangeRequest decided = c;
  decided.state = ChangeState::kRejected;
  decided.decided_by = call.who.user;
  decided.decision_note = *note;
  commit.change = decided;
  AuditDraft a;
  a.actor = call.who.user;
  a.action = "reject";
  a.line = c.line;
  std::tie(a.from, a.to) = fromTo(c.from, c.to);
  a.reason = note->empty() ? std::string("rejected") : *note;
  a.change_id = c.id;
  commit.audit.push_back(a);
  auto committed = deps_.store->commit(commit);
  if (!committed.ok()) {
    failStatus(resp, committed.status());
    return;
  }
  auto stored = deps_.store->change(c.id);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("applied", false);
  o->set("change", changeToJson(stored.ok() ? *stored : decided));
  reply(resp, 200, o);
}

void ControlApi::audit(const Call& call, AdminResponse* resp) {
  AuditQuery q;
  auto after = queryInt(call.query, "after", 0);
  auto limit = queryInt(call.query, "limit", 100);
  if (!after || !limit) {
    fail(resp, 400, "'after' and 'limit' are whole numbers (limit 0: all)", "",
         !after ? "after" : "limit");
    return;
  }
  q.after_seq = *after;
  q.limit = static_cast<size_t>(*limit);
  if (auto it = call.query.find("line"); it != call.query.end()) {
    q.line = it->second;
  }
  if (auto it = call.query.find("order"); it != call.query.end()) {
    if (it->second != "asc" && it->second != "desc") {
      fail(resp, 400, "'order' is asc or desc", "", "order");
      return;
    }
    q.newest_first = it->second == "desc";
  }
  auto head = deps_.store->auditHead();
  auto entries = head.ok() ? deps_.store->audit(q) : Result<std::vector<AuditEntry>>(head.status());
  if (!entries.ok()) {
    failStatus(resp, entries.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("head", headToJson(*head));
  Array::Ptr a = new Array;
  for (const AuditEntry& e : *entries) {
    a->add(auditToJson(e));
  }
  o->set("entries", a);
  reply(resp, 200, o);
}

void ControlApi::verify(const Call&, AdminResponse* resp) {
  auto head = deps_.store->auditHead();
  AuditQuery q;
  q.limit = 0;
  auto entries = head.ok() ? deps_.store->audit(q) : Result<std::vector<AuditEntry>>(head.status());
  if (!entries.ok()) {
    failStatus(resp, entries.status());
    return;
  }
  const ChainReport r = verifyChain(*entries, *head);
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("ok", r.ok);
  o->set("entries", r.entries);
  o->set("head", headToJson(*head));
  Array::Ptr problems = new Array;
  for (const ChainProblem& p : r.problems) {
    Object::Ptr j = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    j->set("seq", p.seq);
    j->set("kind", p.kind);
    j->set("message", p.message);
    problems->add(j);
  }
  o->set("problems", problems);
  reply(resp, 200, o);
}

void ControlApi::postReconciliation(const Call& call, AdminResponse* resp) {
  const Object::Ptr& s = call.body;
  auto line = bodyString(s, "product_line", true, 32);
  if (!line.ok()) {
    fail(resp, 400, "expected the summary.json of bridgectl reconcile: 'product_line' is missing",
         "", "product_line");
    return;
  }
  if (!s->has("balanced") || !s->get("balanced").isBoolean()) {
    fail(resp, 400, "'balanced' (true or false) is missing", "", "balanced");
    return;
  }
  Object::Ptr differences = s->getObject("differences");
  if (differences.isNull() || !differences->has("total") ||
      !differences->get("total").isInteger() || differences->get("total").isBoolean()) {
    fail(resp, 400, "'differences.total' (a whole number) is missing", "", "differences.total");
    return;
  }
  if (!s->has("business_date") || s->isNull("business_date")) {
    fail(resp, 400, "'business_date' is missing", "", "business_date");
    return;
  }
  auto stored = storedLine(*line);
  if (!stored.ok()) {
    failStatus(resp, stored.status());
    return;
  }
  ReconciliationRecord r;
  r.line = *line;
  r.recorded_by = call.who.user;
  r.business_date = s->get("business_date").toString();
  r.balanced = s->getValue<bool>("balanced");
  r.differences = differences->getValue<int64_t>("total");
  r.summary_json = jsonText(s);
  FlagCommit commit;
  commit.reconciliation = r;
  AuditDraft a;
  a.actor = call.who.user;
  a.action = "reconciliation";
  a.line = r.line;
  a.to = r.balanced ? "balanced" : "out of balance";
  a.reason =
      "business date " + r.business_date + ": " +
      (r.balanced ? std::string("in balance") : std::to_string(r.differences) + " difference(s)");
  Object::Ptr evidence = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  evidence->set("business_date", r.business_date);
  evidence->set("balanced", r.balanced);
  evidence->set("differences", r.differences);
  if (s->has("totals")) {
    evidence->set("totals", s->get("totals"));
  }
  a.evidence = jsonText(evidence);
  commit.audit.push_back(a);
  auto committed = deps_.store->commit(commit);
  if (!committed.ok()) {
    failStatus(resp, committed.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", committed->reconciliation_id);
  o->set("audit_seq", committed->audit_seqs.empty() ? int64_t{0} : committed->audit_seqs.front());
  reply(resp, 201, o);
}

void ControlApi::reconciliations(const Call& call, AdminResponse* resp) {
  auto limit = queryInt(call.query, "limit", 20);
  if (!limit) {
    fail(resp, 400, "'limit' is a whole number", "", "limit");
    return;
  }
  auto it = call.query.find("line");
  auto list = deps_.store->reconciliations(it == call.query.end() ? "" : it->second,
                                           static_cast<size_t>(*limit));
  if (!list.ok()) {
    failStatus(resp, list.status());
    return;
  }
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  Array::Ptr a = new Array;
  for (const ReconciliationRecord& r : *list) {
    a->add(reconciliationToJson(r, true));
  }
  o->set("reconciliations", a);
  reply(resp, 200, o);
}

}  // namespace corebridge::bridge

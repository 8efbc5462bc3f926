#include "dualwrite/repair_store.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace corebridge::dualwrite {

namespace {

constexpr std::pair<RepairKind, std::string_view> kKindNames[] = {
    {RepairKind::kSecondaryFailed, "secondary_failed"},
    {RepairKind::kBacklog, "backlog"},
    {RepairKind::kParked, "parked"},
    {RepairKind::kDivergence, "divergence"},
};

bool matches(const RepairCase& c, const RepairFilter& f) {
  if (f.state && c.state != *f.state) {
    return false;
  }
  if (!f.product_line.empty() && c.product_line != f.product_line) {
    return false;
  }
  return f.account.empty() ||
         std::find(c.accounts.begin(), c.accounts.end(), f.account) != c.accounts.end();
}

}  // namespace

std::string_view repairKindName(RepairKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) {
      return name;
    }
  }
  return "unknown";
}

std::string_view repairStateName(RepairState state) {
  return state == RepairState::kClosed ? "closed" : "open";
}

bool parseRepairKind(std::string_view name, RepairKind* out) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) {
      *out = k;
      return true;
    }
  }
  return false;
}

bool parseRepairState(std::string_view name, RepairState* out) {
  if (name == "open" || name == "closed") {
    *out = name == "open" ? RepairState::kOpen : RepairState::kClosed;
    return true;
  }
  return false;
}

bool isPendingKind(RepairKind kind) { return kind != RepairKind::kDivergence; }

int64_t unixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<RepairCase> normalizedNewCase(const RepairCase& c) {
  if (c.account.empty()) {
    return invalidArgument("a repair case needs its lane account");
  }
  if (repairKindName(c.kind) == "unknown") {
    return invalidArgument("repair case kind " + std::to_string(static_cast<int>(c.kind)) +
                           " is unknown");
  }
  RepairCase n = c;
  if (std::find(n.accounts.begin(), n.accounts.end(), n.account) == n.accounts.end()) {
    n.accounts.insert(n.accounts.begin(), n.account);
  }
  for (const std::string& a : n.accounts) {
    // The SQL store keeps the list as comma-separated text.
    if (a.empty() || a.find(',') != std::string::npos) {
      return invalidArgument("repair case account '" + a + "' is empty or holds a comma");
    }
  }
  n.id = 0;
  n.state = RepairState::kOpen;
  n.attempts = 0;
  n.closed_at_ms = 0;
  return n;
}

InMemoryRepairStore::InMemoryRepairStore(UnixMillisClock clock) : clock_(std::move(clock)) {}

Result<InMemoryRepairStore::Entry*> InMemoryRepairStore::find(int64_t id) {
  auto it = cases_.find(id);
  if (it == cases_.end()) {
    return notFound("no repair case " + std::to_string(id));
  }
  return &it->second;
}

void InMemoryRepairStore::append(Entry& e, int64_t now, std::string_view event,
                                 std::string_view detail) {
  e.c.updated_at_ms = now;
  e.events.push_back(RepairEvent{e.c.id, now, std::string(event), std::string(detail)});
}

Result<int64_t> InMemoryRepairStore::openCase(const RepairCase& c) {
  CB_ASSIGN_OR_RETURN(RepairCase n, normalizedNewCase(c));
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  n.id = next_id_++;
  n.opened_at_ms = now;
  Entry& e = cases_[n.id];
  e.c = std::move(n);
  append(e, now, "opened", e.c.last_error);
  return e.c.id;
}

Status InMemoryRepairStore::addEvent(int64_t id, std::string_view event, std::string_view detail) {
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(Entry * e, find(id));
  append(*e, now, event, detail);
  return okStatus();
}

Status InMemoryRepairStore::recordAttempt(int64_t id, bool ok, std::string_view detail) {
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(Entry * e, find(id));
  if (e->c.state == RepairState::kClosed) {
    return failedPrecondition("repair case " + std::to_string(id) + " is closed");
  }
  ++e->c.attempts;
  if (!ok) {
    e->c.last_error = std::string(detail);
  }
  append(*e, now, ok ? "retried" : "retry_failed", detail);
  return okStatus();
}

Status InMemoryRepairStore::closeCase(int64_t id, std::string_view detail) {
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(Entry * e, find(id));
  if (e->c.state == RepairState::kClosed) {
    return failedPrecondition("repair case " + std::to_string(id) + " is closed already");
  }
  e->c.state = RepairState::kClosed;
  e->c.closed_at_ms = now;
  append(*e, now, "closed", detail);
  return okStatus();
}

Result<std::vector<RepairCase>> InMemoryRepairStore::openCases() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RepairCase> out;
  for (const auto& [id, e] : cases_) {
    if (e.c.state == RepairState::kOpen) {
      out.push_back(e.c);
    }
  }
  return out;
}

Result<std::vector<RepairCase>> InMemoryRepairStore::list(const RepairFilter& f) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RepairCase> out;
  for (auto it = cases_.rbegin(); it != cases_.rend(); ++it) {
    if (f.limit > 0 && out.size() >= f.limit) {
      break;
    }
    if (matches(it->second.c, f)) {
      out.push_back(it->second.c);
    }
  }
  return out;
}

Result<RepairCase> InMemoryRepairStore::getCase(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(Entry * e, find(id));
  return e->c;
}

Result<std::vector<RepairEvent>> InMemoryRepairStore::history(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  CB_ASSIGN_OR_RETURN(Entry * e, find(id));
  return e->events;
}

}  // namespace corebridge::dualwrite

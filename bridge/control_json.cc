#include "bridge/control_json.h"

#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace corebridge::bridge {
namespace {

using Poco::JSON::Object;

template <typename T>
Result<T> field(const Object& o, const std::string& name) {
  if (!o.has(name)) {
    return invalidArgument("'" + name + "' is missing");
  }
  try {
    return o.getValue<T>(name);
  } catch (const Poco::Exception&) {
    return invalidArgument("'" + name + "' has the wrong type");
  }
}

}  // namespace

Object::Ptr guardToJson(const GuardSettings& g) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("max_mismatch_rate", g.max_mismatch_rate);
  o->set("max_error_rate", g.max_error_rate);
  o->set("window_seconds", g.window_seconds);
  o->set("min_samples", g.min_samples);
  return o;
}

Object::Ptr lineToJson(const LineFlags& l) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("line", l.line);
  o->set("stage", std::string(stageName(l.stage)));
  o->set("ramp", l.ramp_percent);
  o->set("setting", describeSetting(l.stage, l.ramp_percent));
  o->set("guard", guardToJson(l.guard));
  o->set("version", l.version);
  o->set("changed_at_ms", l.changed_at_ms);
  o->set("stage_since_ms", l.stage_since_ms);
  return o;
}

Object::Ptr changeToJson(const ChangeRequest& c) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", c.id);
  o->set("line", c.line);
  o->set("from", lineToJson(c.from));
  o->set("to", lineToJson(c.to));
  o->set("reason", c.reason);
  o->set("proposed_by", c.proposed_by);
  o->set("proposed_at_ms", c.proposed_at_ms);
  o->set("state", std::string(changeStateName(c.state)));
  o->set("decided_by", c.decided_by);
  o->set("decided_at_ms", c.decided_at_ms);
  o->set("decision_note", c.decision_note);
  return o;
}

Object::Ptr auditToJson(const AuditEntry& e) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("seq", e.seq);
  o->set("at_ms", e.at_ms);
  o->set("actor", e.actor);
  o->set("action", e.action);
  o->set("line", e.line);
  o->set("from", e.from);
  o->set("to", e.to);
  o->set("reason", e.reason);
  o->set("approved_by", e.approved_by);
  o->set("evidence", e.evidence);
  o->set("change_id", e.change_id);
  o->set("prev_hash", e.prev_hash);
  o->set("hash", e.hash);
  return o;
}

Object::Ptr headToJson(const AuditHead& h) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("seq", h.seq);
  o->set("hash", h.hash);
  return o;
}

Object::Ptr reconciliationToJson(const ReconciliationRecord& r, bool with_summary) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", r.id);
  o->set("line", r.line);
  o->set("at_ms", r.at_ms);
  o->set("recorded_by", r.recorded_by);
  o->set("business_date", r.business_date);
  o->set("balanced", r.balanced);
  o->set("differences", r.differences);
  if (with_summary) {
    o->set("summary", r.summary_json);
  }
  return o;
}

Result<LineFlags> lineFromJson(const Object& o) {
  LineFlags l;
  CB_ASSIGN_OR_RETURN(l.line, field<std::string>(o, "line"));
  CB_ASSIGN_OR_RETURN(std::string stage, field<std::string>(o, "stage"));
  CB_ASSIGN_OR_RETURN(l.stage, parseStage(stage));
  CB_ASSIGN_OR_RETURN(l.ramp_percent, field<int>(o, "ramp"));
  CB_ASSIGN_OR_RETURN(l.version, field<int64_t>(o, "version"));
  CB_ASSIGN_OR_RETURN(l.changed_at_ms, field<int64_t>(o, "changed_at_ms"));
  CB_ASSIGN_OR_RETURN(l.stage_since_ms, field<int64_t>(o, "stage_since_ms"));
  Object::Ptr g = o.getObject("guard");
  if (g.isNull()) {
    return invalidArgument("'guard' is missing");
  }
  CB_ASSIGN_OR_RETURN(l.guard.max_mismatch_rate, field<double>(*g, "max_mismatch_rate"));
  CB_ASSIGN_OR_RETURN(l.guard.max_error_rate, field<double>(*g, "max_error_rate"));
  CB_ASSIGN_OR_RETURN(l.guard.window_seconds, field<int>(*g, "window_seconds"));
  CB_ASSIGN_OR_RETURN(l.guard.min_samples, field<int>(*g, "min_samples"));
  return l;
}

Result<AuditEntry> auditFromJson(const Object& o) {
  AuditEntry e;
  CB_ASSIGN_OR_RETURN(e.seq, field<int64_t>(o, "seq"));
  CB_ASSIGN_OR_RETURN(e.at_ms, field<int64_t>(o, "at_ms"));
  CB_ASSIGN_OR_RETURN(e.actor, field<std::string>(o, "actor"));
  CB_ASSIGN_OR_RETURN(e.action, field<std::string>(o, "action"));
  CB_ASSIGN_OR_RETURN(e.line, field<std::string>(o, "line"));
  CB_ASSIGN_OR_RETURN(e.from, field<std::string>(o, "from"));
  CB_ASSIGN_OR_RETURN(e.to, field<std::string>(o, "to"));
  CB_ASSIGN_OR_RETURN(e.reason, field<std::string>(o, "reason"));
  CB_ASSIGN_OR_RETURN(e.approved_by, field<std::string>(o, "approved_by"));
  CB_ASSIGN_OR_RETURN(e.evidence, field<std::string>(o, "evidence"));
  CB_ASSIGN_OR_RETURN(e.change_id, field<int64_t>(o, "change_id"));
  CB_ASSIGN_OR_RETURN(e.prev_hash, field<std::string>(o, "prev_hash"));
  CB_ASSIGN_OR_RETURN(e.hash, field<std::string>(o, "hash"));
  return e;
}

std::string jsonText(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

}  // namespace corebridge::bridge

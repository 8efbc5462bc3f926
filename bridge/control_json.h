// The control plane's values as the admin API's JSON (docs/cutover-control.md,
// "Shapes"), both ways: the server writes them, bridgectl reads them back
// (audit verify recomputes hashes from what it read, so a round trip must
// keep every field exactly).
//
// Pure functions; thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "bridge/flag_store.h"

namespace corebridge::bridge {

Poco::JSON::Object::Ptr guardToJson(const GuardSettings& g);
Poco::JSON::Object::Ptr lineToJson(const LineFlags& l);
Poco::JSON::Object::Ptr changeToJson(const ChangeRequest& c);
Poco::JSON::Object::Ptr auditToJson(const AuditEntry& e);
Poco::JSON::Object::Ptr headToJson(const AuditHead& h);
Poco::JSON::Object::Ptr reconciliationToJson(const ReconciliationRecord& r, bool with_summary);

// InvalidArgument naming the field that is missing or of the wrong type.
Result<LineFlags> lineFromJson(const Poco::JSON::Object& o);
Result<AuditEntry> auditFromJson(const Poco::JSON::Object& o);

// Compact JSON text of an object.
std::string jsonText(const Poco::JSON::Object::Ptr& o);

}  // namespace corebridge::bridge

// Test set-up that writes a product line straight into a flag store, as
// someone with write access to it would, without the rules of the admin
// API (bridge/control_api.h).
#pragma once

#include "bridge/flag_store.h"

namespace corebridge::bridge::testing {

// Commits `changed` over the line as it was read: conditional on
// changed.version, the version the caller read it at; no audit entry.
inline Status commitLine(FlagStore& store, const LineFlags& changed) {
  FlagCommit c;
  c.set_line = changed;
  c.expected_version = changed.version;
  return store.commit(c).status();
}

}  // namespace corebridge::bridge::testing

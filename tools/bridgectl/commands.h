// bridgectl's subcommands. Each returns the process exit code: 0 success,
// 1 the data was bad (an error naming the record/line, field and offset was
// printed to stderr), 2 the command line or a file named in it was bad.
#pragma once

#include <string>

namespace corebridge::tools {

class Args;

int decodeCommand(int argc, char** argv);
int encodeCommand(int argc, char** argv);
int layoutCommand(int argc, char** argv);
// The legacy extract into the new core (backfill_commands.cc, docs/backfill.md).
int backfillCommand(int argc, char** argv);
int repairsCommand(int argc, char** argv);  // repair_commands.cc
// The legacy extract against the new store (reconcile_commands.cc, docs/reconcile.md).
int reconcileCommand(int argc, char** argv);

// The cutover control plane through the admin API (control_commands.cc,
// docs/cutover-control.md). Exit 1 means the server refused (its error and
// rule printed) or failed.
int statusCommand(int argc, char** argv);
int flagsCommand(int argc, char** argv);  // list, propose, approve, reject, demote, changes
int auditCommand(int argc, char** argv);  // the log, or `audit verify`
int hashPasswordCommand(int argc, char** argv);
int hashTokenCommand(int argc, char** argv);
// reconcile --record: POSTs `summary_path` to /api/v1/reconciliations with
// the connection options in `args`. 0 recorded, 1 refused or failed, 2 bad
// connection options.
int recordReconciliation(const Args& args, const std::string& summary_path, bool quiet);

}  // namespace corebridge::tools

// bridgectl's subcommands. Each returns the process exit code: 0 success,
// 1 the data was bad (an error naming the record/line, field and offset was
// printed to stderr), 2 the command line or a file named in it was bad.
#pragma once

namespace corebridge::tools {

int decodeCommand(int argc, char** argv);
int encodeCommand(int argc, char** argv);
int layoutCommand(int argc, char** argv);
// The legacy extract into the new core (backfill_commands.cc, docs/backfill.md).
int backfillCommand(int argc, char** argv);
int repairsCommand(int argc, char** argv);  // repair_commands.cc
// The legacy extract against the new store (reconcile_commands.cc, docs/reconcile.md).
int reconcileCommand(int argc, char** argv);

}  // namespace corebridge::tools

// bridgectl: the operators' command line of corebridge.
#include <cstdio>
#include <cstring>

#include "common/logging.h"
#include "tools/bridgectl/commands.h"

namespace corebridge::tools {
int mismatchesCommand(int argc, char** argv);  // mismatch_commands.cc
}  // namespace corebridge::tools

namespace {

constexpr const char kUsage[] = R"(usage: bridgectl COMMAND [options]

Commands:
  decode    mainframe records -> JSON Lines, through a copybook
  encode    JSON Lines -> mainframe records, through a copybook
  layout    print the layout a copybook compiles to
  mismatches  what the comparator found, from the mismatch store
  backfill  the legacy extract into the new core, per product line
  repairs     the repair queue's cases and their history
  reconcile   the legacy extract against the new store: report.html, CSV, JSON
              (--record: also into the flag store, through the admin API)
  status      every product line: stage, ramp, live figures, repairs, changes
  flags       list, propose, approve, reject, demote, changes: stage changes
  audit       the audit log of flag changes, and `audit verify` of its chain
  hash-password  a users file "password" value (password on stdin)
  hash-token     a new API token and its users file "token_sha256"

`bridgectl COMMAND --help` describes each command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  corebridge::initLogging(corebridge::LogOptions{});
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char* command = argv[1];
  if (std::strcmp(command, "decode") == 0) {
    return corebridge::tools::decodeCommand(argc, argv);
  }
  if (std::strcmp(command, "encode") == 0) {
    return corebridge::tools::encodeCommand(argc, argv);
  }
  if (std::strcmp(command, "layout") == 0) {
    return corebridge::tools::layoutCommand(argc, argv);
  }
  if (std::strcmp(command, "mismatches") == 0) {
    return corebridge::tools::mismatchesCommand(argc, argv);
  }
  if (std::strcmp(command, "backfill") == 0) {
    return corebridge::tools::backfillCommand(argc, argv);
  }
  if (std::strcmp(command, "reconcile") == 0) {
    return corebridge::tools::reconcileCommand(argc, argv);
  }
  if (std::strcmp(command, "repairs") == 0) {
    return corebridge::tools::repairsCommand(argc, argv);
  }
  if (std::strcmp(command, "status") == 0) {
    return corebridge::tools::statusCommand(argc, argv);
  }
  if (std::strcmp(command, "flags") == 0) {
    return corebridge::tools::flagsCommand(argc, argv);
  }
  if (std::strcmp(command, "audit") == 0) {
    return corebridge::tools::auditCommand(argc, argv);
  }
  if (std::strcmp(command, "hash-password") == 0) {
    return corebridge::tools::hashPasswordCommand(argc, argv);
  }
  if (std::strcmp(command, "hash-token") == 0) {
    return corebridge::tools::hashTokenCommand(argc, argv);
  }
  std::fprintf(stderr, "bridgectl: unknown command '%s'\n%s", command, kUsage);
  return 2;
}

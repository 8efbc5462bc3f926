// The transaction table of legacy-host: which COBOL program a TRANCODE runs
// and which copybook lays out its COMMAREA, as CICS's PCT and PPT say.
//
// The file is YAML (legacy/host/transactions.yaml):
//
//   copybook_dir: ../cobol/copybooks   # optional; relative to this file
//   transactions:
//     - trancode: ACCTINQ              # 1-8 characters
//       program: CBINQ                 # the module cob_resolve loads
//       copybook: CAINQ.cpy            # relative to copybook_dir
//       record: INQ-COMMAREA           # optional: the 01 record
//
// Errors (InvalidArgument, NotFound for an unreadable file) name the file,
// line and column and the field. Values; thread-safe once loaded.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace corebridge::legacy {

struct TransactionDef {
  std::string trancode;
  std::string program;
  std::string copybook;  // resolved path
  std::string record;    // empty: the first 01
  int line = 0;          // where it is defined, for messages
};

struct TransactionTable {
  std::string source;  // the file it came from
  std::vector<TransactionDef> transactions;
};

Result<TransactionTable> loadTransactionTable(const std::string& path);

}  // namespace corebridge::legacy

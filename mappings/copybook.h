// The copybook compiler: COBOL data description entries in, a Layout out.
//
// parseCopybook() reads the text of a copybook (fixed or free source format),
// expands COPY statements (with REPLACING), parses every data description
// entry and computes the storage of each item for the dialect given in the
// options. The result obeys the contract stated in mappings/layout.h; the
// accepted language and the decisions taken where compilers differ are
// described in docs/copybooks.md.
//
// Errors: InvalidArgument for anything the compiler does not accept, with a
// message "FILE:LINE:COLUMN: expected <what>, found '<token>'" for syntax
// errors and "FILE:LINE:COLUMN: <sentence>" for semantic ones (unknown
// REDEFINES target, DEPENDING ON object, RENAMES operand, COPY member...).
// FILE is the source name given (or the path of the COPY member that holds
// the offending text). No exception escapes.
//
// Thread-safety: free functions without shared state; safe to call from
// several threads at once. parseCopybookFile and COPY expansion read files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/layout.h"

namespace corebridge::mappings {

enum class SourceFormat {
  // Fixed when some non-blank line carries a sequence number (columns 1-6
  // digits or spaces, at least one digit, column 7 an indicator or blank), or
  // when every non-blank line has blank columns 1-7 or an indicator
  // (* / - D) in column 7; free otherwise. See docs/copybooks.md.
  kAuto,
  // Columns 1-6 sequence area (ignored), 7 indicator, 8-72 code, 73-80
  // ignored; tabs expand to the next multiple of 8.
  kFixed,
  // Code anywhere on the line; "*>" starts a comment; tabs are spaces.
  kFree,
};

struct CopybookOptions {
  SourceFormat format = SourceFormat::kAuto;
  // Directories searched for COPY members after the including file's own
  // directory. A member NAME is tried as NAME, NAME.cpy, NAME.cob, NAME.CPY
  // and the same with the name in lower case.
  std::vector<std::string> search_path;
  // Storage rules (binary sizes, pointer size) and the code page used to
  // spell figurative constants and hex literals; copied into Layout::dialect.
  Dialect dialect;
  // When not null, receives one "FILE:LINE:COLUMN: ..." line per construct
  // that was accepted with a warning (irregular level numbers, a redefining
  // item longer than the item it redefines). Not owned.
  std::vector<std::string>* warnings = nullptr;
};

// Compiles copybook text. `source_name` names it in error messages; when it
// is a path, its directory is searched first for COPY members.
Result<Layout> parseCopybook(std::string_view text, std::string_view source_name,
                             const CopybookOptions& options);

// Reads the file at `path` and compiles it. NotFound when it cannot be read.
Result<Layout> parseCopybookFile(const std::string& path, const CopybookOptions& options);

}  // namespace corebridge::mappings

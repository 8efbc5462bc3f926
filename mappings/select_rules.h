// Select rules from the command line ("FIELD=V1,V2:ALTERNATIVE") and from a
// mapping file (YAML), for choosing REDEFINES alternatives per record.
//
// Mapping file:
//   record: EXTR-REC            # optional: the 01 record to start from
//   select:
//     - field: EXTR-TYPE        # the discriminator
//       equals: [A]             # one value or a list
//       use: EXTR-ACCOUNT       # the alternative it selects
//
// Errors name the file, line and column (or the rule's text) and what is wrong.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "mappings/record_codec.h"

namespace corebridge::mappings {

// "REC-TYPE=A:ACCOUNT-REC", "REC-TYPE=A,B:ACCOUNT-REC"; a value may be quoted
// ('A B') to hold spaces, commas or colons.
Result<SelectRule> parseSelectRule(std::string_view text);

// Adds the file's rules (and its record, if given) to *options.
Status loadSelectFile(const std::string& path, CodecOptions* options);

}  // namespace corebridge::mappings

// The copybook the record and JSON fuzz targets decode through: every usage,
// signs, a REDEFINES with a select rule, OCCURS and OCCURS DEPENDING ON.
#pragma once

#include <cstdlib>
#include <memory>

#include "mappings/copybook.h"
#include "mappings/record_codec.h"

namespace corebridge::fuzz {

inline constexpr const char kFuzzCopybook[] = R"(
       01  FUZZ-REC.
           05  REC-TYPE              PIC X.
           05  REC-TEXT              PIC X(6).
           05  REC-ZONED             PIC S9(5)V99.
           05  REC-LEAD              PIC S9(3) SIGN LEADING SEPARATE.
           05  REC-PACKED            PIC S9(7)V99 COMP-3.
           05  REC-UPACKED           PIC 9(4) COMP-3.
           05  REC-BIN               PIC S9(4) COMP.
           05  REC-BIN5              PIC 9(9) COMP-5.
           05  REC-FLOAT             COMP-1.
           05  REC-DOUBLE            COMP-2.
           05  REC-EDITED            PIC -ZZ,ZZ9.99.
           05  REC-NAT               PIC N(2).
           05  REC-BODY              PIC X(8).
           05  REC-ACCT REDEFINES REC-BODY.
               10  ACCT-BAL          PIC S9(13)V99 COMP-3.
           05  REC-COUNT             PIC 9.
           05  REC-TAB OCCURS 0 TO 3 TIMES DEPENDING ON REC-COUNT.
               10  TAB-AMT           PIC S9(3) COMP-3.
               10  TAB-CODE          PIC X.
)";

// Built once; the fuzz targets abort if the copybook stops compiling.
inline const mappings::RecordCodec& fuzzCodec() {
  static const std::unique_ptr<mappings::RecordCodec> codec = [] {
    auto layout = mappings::parseCopybook(kFuzzCopybook, "fuzz.cpy", mappings::CopybookOptions{});
    if (!layout.ok()) std::abort();
    mappings::CodecOptions options;
    options.select.push_back({"REC-TYPE", {"A"}, "REC-ACCT"});
    options.select.push_back({"REC-TYPE", {"T", " "}, "REC-BODY"});
    auto codec = mappings::RecordCodec::create(
        std::make_shared<const mappings::Layout>(std::move(*layout)), options);
    if (!codec.ok()) std::abort();
    return std::move(*codec);
  }();
  return *codec;
}

}  // namespace corebridge::fuzz

// The options decode, encode and layout share: copybook, dialect, framing and
// record selection, turned into a Layout, a RecordCodec and FramingOptions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "mappings/framing.h"
#include "mappings/layout.h"
#include "mappings/record_codec.h"
#include "tools/bridgectl/args.h"

namespace corebridge::tools {

// Option specs of the copybook/dialect group, and of the framing and record
// selection group.
std::vector<OptionSpec> copybookOptionSpecs();
std::vector<OptionSpec> recordOptionSpecs();

// The --help text of those groups.
extern const char kCopybookOptionsHelp[];
extern const char kRecordOptionsHelp[];

struct CodecSetup {
  std::shared_ptr<const mappings::Layout> layout;
  std::unique_ptr<mappings::RecordCodec> codec;
  mappings::FramingOptions framing;
};

// Compiles the copybook with the dialect the options describe.
Result<std::shared_ptr<const mappings::Layout>> loadLayout(const Args& args);
// loadLayout, then the codec and the framing options.
Result<CodecSetup> loadCodec(const Args& args);

}  // namespace corebridge::tools

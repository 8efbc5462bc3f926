#include "tools/bridgectl/codec_setup.h"

#include <charconv>

#include "mappings/codepage.h"
#include "mappings/copybook.h"
#include "mappings/select_rules.h"

namespace corebridge::tools {

using mappings::AsciiSign;
using mappings::BinarySizeRule;
using mappings::ByteOrder;
using mappings::CodePage;
using mappings::Dialect;
using mappings::FloatFormat;

const char kCopybookOptionsHelp[] = R"(Copybook and dialect:
  --copybook FILE          the copybook (required)
  --copybook-path DIR      where COPY members are looked for (repeatable; the
                           copybook's own directory is searched first)
  --source-format F        auto (default), fixed or free
  --dialect D              ibm (default): cp037, binary 2-4-8 bytes big-endian,
                           COMP-5 and floats big-endian, IBM hex floats, 4-byte
                           pointers. gnucobol: ascii, binary 1-2-4-8 big-endian,
                           COMP-5 and floats little-endian, IEEE floats, 8-byte
                           pointers. The options below override the preset.
  --codepage NAME          cp037, cp1047, cp500, cp273, cp1140, ascii
  --codepage-file FILE     a code page table (format in docs/codecs.md)
  --binary-size R          2-4-8 (IBM) or 1-2-4-8 (GnuCOBOL default)
  --comp5-size R           COMP-5 sizes when they differ from --binary-size
                           (GnuCOBOL with -fbinary-size=2-4-8 keeps COMP-5 at 1-2-4-8)
  --binary-order O         big or little: COMP, COMP-4, BINARY
  --native-order O         big or little: COMP-5, COMP-1, COMP-2, POINTER
  --float F                ibm (hexadecimal) or ieee: COMP-1, COMP-2
  --pointer-size N         4 or 8
  --trunc-bin              COMP values may exceed their picture (TRUNC(BIN))
  --packed-no-sign         COMP-3 items have no sign nibble
  --ascii-sign S           gnucobol (negative 'p'-'y') or overpunch ('{A-I}J-R')
)";

const char kRecordOptionsHelp[] = R"(Records:
  --record-format F        F or FB (default), V, VB, GNU-V
  --record-length N        F/FB: bytes per record (default: the copybook's length)
  --rdw-order O            V/VB: big (default) or little-endian RDW/BDW lengths
  --rdw-excludes-header    V/VB: the RDW length does not count its 4 bytes
  --block-size N           VB output: largest block, BDW included (default 32760)
  --gnu-varseq N           GNU-V: COB_VARSEQ_FORMAT 0 (default), 1, 2 or 3
  --record NAME            the 01 record to use (default: the first)
  --select RULE            FIELD=VALUE[,VALUE...]:ALTERNATIVE, repeatable: when
                           FIELD equals a VALUE, decode ALTERNATIVE (a REDEFINES
                           alternative or another 01 record)
  --select-file FILE       the same rules from a YAML mapping file
  --lenient                undecodable fields become null (counted) instead of
                           stopping with an error
)";

std::vector<OptionSpec> copybookOptionSpecs() {
  return {{"copybook", true},     {"copybook-path", true},   {"source-format", true},
          {"dialect", true},      {"codepage", true},        {"codepage-file", true},
          {"binary-size", true},  {"comp5-size", true},      {"binary-order", true},
          {"native-order", true}, {"float", true},           {"pointer-size", true},
          {"trunc-bin", false},   {"packed-no-sign", false}, {"ascii-sign", true}};
}

std::vector<OptionSpec> recordOptionSpecs() {
  return {{"record-format", true}, {"record-length", true},
          {"rdw-order", true},     {"rdw-excludes-header", false},
          {"block-size", true},    {"gnu-varseq", true},
          {"record", true},        {"select", true},
          {"select-file", true},   {"lenient", false}};
}

namespace {

Status byteOrder(const std::string& option, const std::string& v, ByteOrder* out) {
  if (v == "big") {
    *out = ByteOrder::kBigEndian;
  } else if (v == "little") {
    *out = ByteOrder::kLittleEndian;
  } else {
    return invalidArgument("--" + option + ": expected big or little, found '" + v + "'");
  }
  return okStatus();
}

Result<size_t> number(const std::string& option, const std::string& v) {
  size_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return invalidArgument("--" + option + ": expected a number, found '" + v + "'");
  }
  return n;
}

Result<Dialect> dialectFrom(const Args& args) {
  Dialect d;
  const std::string preset = args.get("dialect", "ibm");
  if (preset == "gnucobol") {
    d = Dialect::gnuCobol();
  } else if (preset != "ibm") {
    return invalidArgument("--dialect: expected ibm or gnucobol, found '" + preset + "'");
  }
  if (args.has("codepage")) {
    CB_ASSIGN_OR_RETURN(d.code_page, CodePage::byName(args.get("codepage")));
  }
  if (args.has("codepage-file")) {
    const std::string file = args.get("codepage-file");
    CB_ASSIGN_OR_RETURN(d.code_page, CodePage::loadTableFile(file, file));
  }
  auto sizeRule = [&](const std::string& option, BinarySizeRule* out) -> Status {
    const std::string v = args.get(option);
    if (v == "2-4-8") {
      *out = BinarySizeRule::kIbm248;
    } else if (v == "1-2-4-8") {
      *out = BinarySizeRule::kGnu1248;
    } else {
      return invalidArgument("--" + option + ": expected 2-4-8 or 1-2-4-8, found '" + v + "'");
    }
    return okStatus();
  };
  if (args.has("binary-size")) {
    CB_RETURN_IF_ERROR(sizeRule("binary-size", &d.binary_size));
  }
  if (args.has("comp5-size")) {
    BinarySizeRule rule;
    CB_RETURN_IF_ERROR(sizeRule("comp5-size", &rule));
    d.native_binary_size = rule;
  }
  if (args.has("binary-order")) {
    CB_RETURN_IF_ERROR(byteOrder("binary-order", args.get("binary-order"), &d.binary_order));
  }
  if (args.has("native-order")) {
    CB_RETURN_IF_ERROR(byteOrder("native-order", args.get("native-order"), &d.native_order));
  }
  if (args.has("float")) {
    const std::string v = args.get("float");
    if (v == "ibm") {
      d.float_format = FloatFormat::kIbmHex;
    } else if (v == "ieee") {
      d.float_format = FloatFormat::kIeee;
    } else {
      return invalidArgument("--float: expected ibm or ieee, found '" + v + "'");
    }
  }
  if (args.has("pointer-size")) {
    CB_ASSIGN_OR_RETURN(size_t n, number("pointer-size", args.get("pointer-size")));
    if (n != 4 && n != 8) {
      return invalidArgument("--pointer-size: expected 4 or 8");
    }
    d.pointer_size = static_cast<int>(n);
  }
  d.trunc_bin = args.has("trunc-bin");
  d.packed_without_sign_nibble = args.has("packed-no-sign");
  if (args.has("ascii-sign")) {
    const std::string v = args.get("ascii-sign");
    if (v == "gnucobol") {
      d.ascii_sign = AsciiSign::kGnuCobol;
    } else if (v == "overpunch") {
      d.ascii_sign = AsciiSign::kOverpunch;
    } else {
      return invalidArgument("--ascii-sign: expected gnucobol or overpunch, found '" + v + "'");
    }
  }
  return d;
}

}  // namespace

Result<std::shared_ptr<const mappings::Layout>> loadLayout(const Args& args) {
  if (!args.has("copybook")) {
    return invalidArgument("--copybook FILE is required");
  }
  mappings::CopybookOptions options;
  CB_ASSIGN_OR_RETURN(options.dialect, dialectFrom(args));
  options.search_path = args.all("copybook-path");
  const std::string format = args.get("source-format", "auto");
  if (format == "auto") {
    options.format = mappings::SourceFormat::kAuto;
  } else if (format == "fixed") {
    options.format = mappings::SourceFormat::kFixed;
  } else if (format == "free") {
    options.format = mappings::SourceFormat::kFree;
  } else {
    return invalidArgument("--source-format: expected auto, fixed or free, found '" + format + "'");
  }
  CB_ASSIGN_OR_RETURN(mappings::Layout layout,
                      mappings::parseCopybookFile(args.get("copybook"), options));
  return std::make_shared<const mappings::Layout>(std::move(layout));
}

Result<CodecSetup> loadCodec(const Args& args) {
  CodecSetup setup;
  CB_ASSIGN_OR_RETURN(setup.layout, loadLayout(args));
  mappings::CodecOptions options;
  options.lenient = args.has("lenient");
  if (args.has("select-file")) {
    CB_RETURN_IF_ERROR(mappings::loadSelectFile(args.get("select-file"), &options));
  }
  if (args.has("record")) {
    options.record = args.get("record");
  }
  for (const std::string& text : args.all("select")) {
    CB_ASSIGN_OR_RETURN(mappings::SelectRule rule, mappings::parseSelectRule(text));
    options.select.push_back(std::move(rule));
  }
  CB_ASSIGN_OR_RETURN(setup.codec, mappings::RecordCodec::create(setup.layout, options));

  mappings::FramingOptions& f = setup.framing;
  CB_ASSIGN_OR_RETURN(f.format, mappings::parseRecordFormat(args.get("record-format", "F")));
  if (args.has("record-length")) {
    CB_ASSIGN_OR_RETURN(f.record_length, number("record-length", args.get("record-length")));
  } else {
    f.record_length = setup.layout->maxLength();
  }
  if (args.has("rdw-order")) {
    CB_RETURN_IF_ERROR(byteOrder("rdw-order", args.get("rdw-order"), &f.length_order));
  }
  f.rdw_includes_header = !args.has("rdw-excludes-header");
  if (args.has("block-size")) {
    CB_ASSIGN_OR_RETURN(f.block_size, number("block-size", args.get("block-size")));
  }
  if (args.has("gnu-varseq")) {
    CB_ASSIGN_OR_RETURN(size_t v, number("gnu-varseq", args.get("gnu-varseq")));
    if (v > 3) {
      return invalidArgument("--gnu-varseq: expected 0, 1, 2 or 3");
    }
    f.gnu_varseq = static_cast<mappings::GnuVarseq>(v);
  }
  CB_RETURN_IF_ERROR(mappings::validateFramingOptions(f));
  return setup;
}

}  // namespace corebridge::tools

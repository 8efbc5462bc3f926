// bridgectl decode, encode and layout.
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "mappings/framing.h"
#include "mappings/record_codec.h"
#include "tools/bridgectl/codec_setup.h"
#include "tools/bridgectl/commands.h"
#include "tools/bridgectl/io.h"

namespace corebridge::tools {

namespace {

constexpr const char kDecodeHelp[] = R"(usage: bridgectl decode --copybook FILE [options] INPUT

Decodes a mainframe file (or - for standard input) through its copybook and
writes JSON Lines, one object per record: groups as nested objects keyed by
their COBOL names, OCCURS as arrays, FILLER left out, text with trailing
spaces trimmed, numbers with exactly the picture's scale (never an exponent).
Several 01 records: each object is {"RECORD-NAME": {...}}.

  --output FILE            write there instead of standard output
  --help                   this text

)";

constexpr const char kEncodeHelp[] = R"(usage: bridgectl encode --copybook FILE [options] INPUT

Encodes JSON Lines (as decode writes them; - for standard input) into a
mainframe file laid out by the copybook. Every field must be present (FILLER
is written as its VALUE or spaces); numbers must fit their picture exactly.
F/FB output pads records shorter than --record-length with spaces.

  --output FILE            write there instead of standard output
  --help                   this text

)";

constexpr const char kLayoutHelp[] = R"(usage: bridgectl layout --copybook FILE [options]

Prints the layout the copybook compiler computed: every item with its level,
offset, length, type, occurrences and redefinitions.

  --json                   one JSON object per item instead of a table
  --help                   this text

)";

int usageError(const Status& s, const char* command) {
  std::fprintf(stderr, "bridgectl %s: %s\n", command, s.message().c_str());
  return 2;
}

Result<Args> parseArgs(int argc, char** argv, const std::vector<OptionSpec>& extra, bool records) {
  std::vector<OptionSpec> spec = copybookOptionSpecs();
  if (records) {
    for (auto& o : recordOptionSpecs()) {
      spec.push_back(o);
    }
  }
  for (auto& o : extra) {
    spec.push_back(o);
  }
  spec.push_back({"help", false});
  return Args::parse(argc, argv, 2, spec);
}

void printHelp(const char* text, bool records) {
  std::fputs(text, stdout);
  std::fputs(kCopybookOptionsHelp, stdout);
  if (records) {
    std::fputs("\n", stdout);
    std::fputs(kRecordOptionsHelp, stdout);
  }
}

// What decode and encode both start from: their options, the codec and the input.
struct CodecRun {
  Args args;
  CodecSetup setup;
  Input input;
};

// Fills *run and returns -1 to go on, or the exit code to return (help
// printed, or a usage error reported).
int prepareCodecRun(int argc, char** argv, const char* command, const char* help,
                    std::optional<CodecRun>* run) {
  Result<Args> args = parseArgs(argc, argv, {{"output", true}}, true);
  if (!args.ok()) {
    return usageError(args.status(), command);
  }
  if (args->has("help")) {
    printHelp(help, true);
    return 0;
  }
  if (args->positional().size() != 1) {
    return usageError(invalidArgument("expected one INPUT file (or -)"), command);
  }
  Result<CodecSetup> setup = loadCodec(*args);
  if (!setup.ok()) {
    return usageError(setup.status(), command);
  }
  Result<Input> input = Input::open(args->positional()[0]);
  if (!input.ok()) {
    return usageError(input.status(), command);
  }
  run->emplace(CodecRun{std::move(*args), std::move(*setup), std::move(*input)});
  return -1;
}

}  // namespace

int decodeCommand(int argc, char** argv) {
  std::optional<CodecRun> run;
  if (int code = prepareCodecRun(argc, argv, "decode", kDecodeHelp, &run); code >= 0) {
    return code;
  }
  Args* args = &run->args;
  CodecSetup* setup = &run->setup;
  Input* input = &run->input;
  Result<Output> output = Output::open(args->get("output"));
  if (!output.ok()) {
    return usageError(output.status(), "decode");
  }

  mappings::RecordReader reader(input->bytes(), setup->framing);
  mappings::Record record;
  mappings::FramedRecord framed;
  uint64_t n = 0;
  uint64_t warnings = 0;
  while (true) {
    Result<bool> more = reader.next(&framed);
    if (!more.ok()) {
      (void)output->flush(true);
      std::fprintf(stderr, "bridgectl decode: %s: %s\n", input->name().c_str(),
                   more.status().message().c_str());
      return 1;
    }
    if (!*more) {
      break;
    }
    ++n;
    Status st = setup->codec->decode(reinterpret_cast<const uint8_t*>(framed.data.data()),
                                     framed.data.size(), &record);
    if (!st.ok()) {
      (void)output->flush(true);
      std::fprintf(stderr, "bridgectl decode: %s: record %llu at file offset %llu: %s\n",
                   input->name().c_str(), static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(framed.offset), st.message().c_str());
      return 1;
    }
    warnings += record.warnings();
    setup->codec->toJson(record, output->buffer());
    output->buffer()->push_back('\n');
    if (Status f = output->flush(); !f.ok()) {
      return usageError(f, "decode");
    }
  }
  if (Status f = output->flush(true); !f.ok()) {
    return usageError(f, "decode");
  }
  if (warnings > 0) {
    std::fprintf(
        stderr,
        "bridgectl decode: %llu records; %llu field values not decodable, written as null\n",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(warnings));
  }
  return 0;
}

int encodeCommand(int argc, char** argv) {
  std::optional<CodecRun> run;
  if (int code = prepareCodecRun(argc, argv, "encode", kEncodeHelp, &run); code >= 0) {
    return code;
  }
  Args* args = &run->args;
  CodecSetup* setup = &run->setup;
  Input* input = &run->input;
  // Encode everything before writing anything: bad input writes nothing.
  std::string encoded;
  mappings::RecordWriter writer(&encoded, setup->framing);
  const bool fixed = setup->framing.format == mappings::RecordFormat::kFixed ||
                     setup->framing.format == mappings::RecordFormat::kFixedBlocked;
  const char pad = static_cast<char>(setup->layout->dialect.code_page->space());
  std::string_view text = input->bytes();
  mappings::Record record;
  std::string bytes;
  size_t line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      eol = text.size();
    }
    std::string_view json = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (!json.empty() && json.back() == '\r') {
      json.remove_suffix(1);
    }
    if (json.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    bytes.clear();
    Status st = setup->codec->fromJson(json, &record);
    if (st.ok()) {
      st = setup->codec->encode(record, &bytes);
    }
    if (st.ok() && fixed && bytes.size() < setup->framing.record_length) {
      bytes.append(setup->framing.record_length - bytes.size(), pad);
    }
    if (st.ok()) {
      st = writer.append(bytes);
    }
    if (!st.ok()) {
      std::fprintf(stderr, "bridgectl encode: %s:%zu: %s\n", input->name().c_str(), line,
                   st.message().c_str());
      return 1;
    }
  }
  if (Status st = writer.finish(); !st.ok()) {
    return usageError(st, "encode");
  }
  Result<Output> output = Output::open(args->get("output"));
  if (!output.ok()) {
    return usageError(output.status(), "encode");
  }
  output->buffer()->swap(encoded);
  if (Status f = output->flush(true); !f.ok()) {
    return usageError(f, "encode");
  }
  return 0;
}

namespace {

// "S9999999V99" -> "S9(7)V99": runs of more than 3 of one symbol in brackets.
std::string compactPicture(const std::string& pic) {
  std::string out;
  for (size_t i = 0; i < pic.size();) {
    size_t j = i;
    while (j < pic.size() && pic[j] == pic[i]) {
      ++j;
    }
    if (j - i > 3) {
      out += fmt::format("{}({})", pic[i], j - i);
    } else {
      out.append(pic, i, j - i);
    }
    i = j;
  }
  return out;
}

std::string typeOf(const mappings::Field& f) {
  using mappings::Usage;
  if (f.level == 66) {
    return "RENAMES";
  }
  if (f.isGroup()) {
    return "group";
  }
  std::string usage;
  switch (f.usage) {
    case Usage::kDisplay:
      usage = "";
      break;
    case Usage::kNational:
      usage = " NATIONAL";
      break;
    case Usage::kBinary:
      usage = " COMP";
      break;
    case Usage::kNativeBinary:
      usage = " COMP-5";
      break;
    case Usage::kPacked:
      usage = " COMP-3";
      break;
    case Usage::kFloatShort:
      return "COMP-1";
    case Usage::kFloatLong:
      return "COMP-2";
    case Usage::kPointer:
      return "POINTER";
    case Usage::kIndex:
      return "INDEX";
  }
  std::string sign;
  switch (f.sign) {
    case mappings::SignMode::kLeadingOverpunch:
      sign = " LEADING";
      break;
    case mappings::SignMode::kLeadingSeparate:
      sign = " LEADING SEPARATE";
      break;
    case mappings::SignMode::kTrailingSeparate:
      sign = " TRAILING SEPARATE";
      break;
    default:
      break;
  }
  return compactPicture(f.picture) + usage + sign;
}

}  // namespace

int layoutCommand(int argc, char** argv) {
  Result<Args> args = parseArgs(argc, argv, {{"json", false}}, false);
  if (!args.ok()) {
    return usageError(args.status(), "layout");
  }
  if (args->has("help")) {
    printHelp(kLayoutHelp, false);
    return 0;
  }
  Result<std::shared_ptr<const mappings::Layout>> layout = loadLayout(*args);
  if (!layout.ok()) {
    return usageError(layout.status(), "layout");
  }
  const mappings::Layout& l = **layout;
  const bool json = args->has("json");
  std::string out;
  if (!json) {
    out += fmt::format("{:<44} {:>6} {:>6} {:>6}  {:<28} {}\n", "LEVEL NAME", "OFFSET", "LENGTH",
                       "TOTAL", "TYPE", "NOTES");
  }
  for (size_t i = 0; i < l.fields.size(); ++i) {
    const mappings::Field& f = l.fields[i];
    int depth = 0;
    for (int p = f.parent; p != mappings::kNoIndex; p = l.fields[p].parent) {
      ++depth;
    }
    std::string notes;
    if (f.has_occurs) {
      notes += f.depending_on.empty() ? fmt::format("OCCURS {} ", f.occurs_max)
                                      : fmt::format("OCCURS {} TO {} DEPENDING ON {} ",
                                                    f.occurs_min, f.occurs_max, f.depending_on);
    }
    if (f.redefines != mappings::kNoIndex) {
      notes += "REDEFINES " + l.fields[f.redefines].name + " ";
    }
    if (f.after_odo) {
      notes += "(offset at max ODO) ";
    }
    if (f.sync) {
      notes += "SYNC ";
    }
    if (f.digits > 0) {
      notes += fmt::format("digits {} scale {} ", f.digits, f.scale);
    }
    for (const auto& c : f.conditions) {
      notes += "88 " + c.name + " ";
    }
    if (json) {
      out += fmt::format(
          R"({{"level":{},"name":"{}","path":"{}","offset":{},"length":{},"total":{},"type":"{}","digits":{},"scale":{},"signed":{},"occurs":{},"redefines":{}}})",
          f.level, f.name, l.path(static_cast<int>(i)), f.offset, f.length, f.totalLength(),
          typeOf(f), f.digits, f.scale, f.is_signed ? "true" : "false", f.occurs_max,
          f.redefines == mappings::kNoIndex ? "null" : "\"" + l.fields[f.redefines].name + "\"");
      out.push_back('\n');
    } else {
      std::string name = std::string(static_cast<size_t>(depth) * 2, ' ') +
                         fmt::format("{:02d} {}", f.level, f.name);
      out += fmt::format("{:<44} {:>6} {:>6} {:>6}  {:<28} {}\n", name, f.offset, f.length,
                         f.totalLength(), typeOf(f), notes);
    }
  }
  if (!json) {
    out += fmt::format("record length: {} bytes (at maximum OCCURS)\n", l.maxLength());
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace corebridge::tools

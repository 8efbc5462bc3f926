// Fuzzes RecordReader (every format and option) and, for what it accepts,
// RecordWriter: the records read must lie inside the input, and writing them
// again and reading the result must give back the same records.
//
// Input: byte 0 selects the framing, the rest is the data.
//   bits 0-2  format: 0 F, 1 FB, 2 V, 3 VB, 4-7 GNU-V with COB_VARSEQ_FORMAT 0-3
//   bit  3    length order little-endian (V, VB)
//   bit  4    RDW length excludes the header (V, VB)
//   bits 5-7  F/FB record length 1 + 13 * value (1..92)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/framing.h"

using corebridge::mappings::ByteOrder;
using corebridge::mappings::FramedRecord;
using corebridge::mappings::FramingOptions;
using corebridge::mappings::GnuVarseq;
using corebridge::mappings::RecordFormat;
using corebridge::mappings::RecordReader;
using corebridge::mappings::RecordWriter;

namespace {

FramingOptions optionsFor(uint8_t sel) {
  FramingOptions o;
  int f = sel & 7;
  static const RecordFormat kFormats[] = {RecordFormat::kFixed, RecordFormat::kFixedBlocked,
                                          RecordFormat::kVariable, RecordFormat::kVariableBlocked};
  if (f < 4) {
    o.format = kFormats[f];
  } else {
    o.format = RecordFormat::kGnuVariable;
    o.gnu_varseq = static_cast<GnuVarseq>(f - 4);
  }
  o.length_order = (sel & 8) ? ByteOrder::kLittleEndian : ByteOrder::kBigEndian;
  o.rdw_includes_header = (sel & 16) == 0;
  o.record_length = 1 + 13 * (sel >> 5);
  return o;
}

// Reads records until the end or the first error; aborts if a record lies
// outside `data` or its offsets disagree with its position.
std::vector<std::string_view> readChecked(std::string_view data, const FramingOptions& o) {
  std::vector<std::string_view> out;
  RecordReader reader(data, o);
  FramedRecord r;
  uint64_t last_end = 0;
  while (true) {
    auto more = reader.next(&r);
    if (!more.ok()) {
      if (more.status().message().empty()) abort();
      if (reader.next(&r).ok()) abort();  // stays failed
      break;
    }
    if (!*more) {
      if (reader.position() != data.size()) abort();
      break;
    }
    const char* begin = data.data();
    if (r.data.size() > data.size()) abort();
    if (r.data.size() > 0 &&
        (r.data.data() < begin || r.data.data() > begin + data.size() - r.data.size())) {
      abort();
    }
    if (r.data.size() > 0 && r.data.data() != begin + r.offset) abort();
    if (r.frame_offset > r.offset || r.frame_offset < last_end) abort();
    last_end = r.offset + r.data.size();
    if (last_end > data.size()) abort();
    out.push_back(r.data);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  FramingOptions o = optionsFor(bytes[0]);
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  std::vector<std::string_view> records = readChecked(data, o);

  // Writing what was read, then reading it back, gives the same records.
  size_t longest = 0;
  for (auto r : records) longest = std::max(longest, r.size());
  o.block_size = std::max<size_t>(32760, longest + 8);
  std::string rewritten;
  RecordWriter writer(&rewritten, o);
  for (auto r : records) {
    if (!writer.append(r).ok()) abort();
  }
  if (!writer.finish().ok()) abort();
  std::vector<std::string_view> again = readChecked(rewritten, o);
  if (again.size() != records.size()) abort();
  for (size_t i = 0; i < again.size(); ++i) {
    if (again[i] != records[i]) abort();
  }
  RecordReader reader(rewritten, o);
  FramedRecord r;
  while (true) {
    auto more = reader.next(&r);
    if (!more.ok()) abort();
    if (!*more) break;
  }
  return 0;
}

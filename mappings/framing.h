// Record framing: how the records of a sequential file (or of a byte stream
// carrying such a file) are delimited. The byte-level grammar of every format
// is in docs/framing.md.
//
//   F, FB   fixed length; every record is `record_length` bytes. On disk (after
//           a binary transfer off the mainframe) blocking is invisible, so F
//           and FB are read and written identically.
//   V       each record preceded by a 4-byte RDW: a 2-byte length and 2 zero
//           bytes. The length includes the RDW (IBM) or not, big- or
//           little-endian, per the options.
//   VB      blocks, each preceded by a 4-byte BDW (block length including the
//           BDW; or the extended form: 4-byte length with the high bit set),
//           holding one or more RDW records that exactly fill the block.
//   GNU-V   GnuCOBOL's ORGANIZATION SEQUENTIAL file with RECORD VARYING,
//           whose prefix is chosen by the runtime setting COB_VARSEQ_FORMAT
//           (0..3); the length never includes the prefix.
//
// RecordReader walks a byte span the caller owns (typically a MappedFile) and
// returns views into it; it never copies and never reads outside the span.
// Every malformed input is an InvalidArgument naming the byte offset and the
// bytes; after an error the reader stays failed. RecordWriter appends framed
// records to a std::string or a FILE*.
//
// Thread-safety: readers and writers are single-threaded objects; distinct
// instances are independent.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/layout.h"

namespace corebridge::mappings {

enum class RecordFormat : uint8_t {
  kFixed,            // F
  kFixedBlocked,     // FB (same bytes as F)
  kVariable,         // V
  kVariableBlocked,  // VB
  kGnuVariable,      // GNU-V
};

// "F", "FB", "V", "VB", "GNU-V" (case-insensitive); InvalidArgument otherwise.
Result<RecordFormat> parseRecordFormat(std::string_view name);
// The inverse: "F", "FB", "V", "VB", "GNU-V".
std::string_view recordFormatName(RecordFormat format);

// COB_VARSEQ_FORMAT of GnuCOBOL 3.x: the prefix of each record of a
// variable-length sequential file. The length excludes the prefix.
enum class GnuVarseq : uint8_t {
  k2BigEndianNul = 0,  // 2-byte big-endian length + 2 NUL bytes (the default)
  k4BigEndian = 1,     // 4-byte big-endian length
  k4Native = 2,        // 4-byte native int; read and written little-endian (x86)
  k2BigEndian = 3,     // 2-byte big-endian length, nothing else
};

struct FramingOptions {
  RecordFormat format = RecordFormat::kFixed;
  // F/FB: the length of every record (must be > 0). Ignored otherwise.
  size_t record_length = 0;
  // V/VB: byte order of the RDW and BDW lengths.
  ByteOrder length_order = ByteOrder::kBigEndian;
  // V/VB: the RDW length counts the 4 RDW bytes (IBM). A BDW length always
  // counts its own 4 bytes.
  bool rdw_includes_header = true;
  // VB writer: the largest block written, BDW included. Blocks longer than
  // 32767 bytes are written with the extended BDW. Ignored by the reader.
  size_t block_size = 32760;
  // GNU-V: the prefix variant.
  GnuVarseq gnu_varseq = GnuVarseq::k2BigEndianNul;
};

// Checks that the options make sense for their format (F needs a record
// length, VB a block size that holds at least an RDW and one byte).
Status validateFramingOptions(const FramingOptions& options);

// One record: its data (a view into the reader's span) and where it lies.
struct FramedRecord {
  std::string_view data;
  uint64_t offset = 0;        // byte offset of data's first byte in the span
  uint64_t frame_offset = 0;  // byte offset of its RDW/prefix (== offset for F)
};

class RecordReader {
 public:
  // `data` must outlive the reader and every record it returns. Options are
  // checked by next(), whose first call fails if they are invalid.
  RecordReader(std::string_view data, FramingOptions options);

  // Reads the next record into *out. Returns true when a record was read,
  // false at the clean end of the data, or InvalidArgument for malformed
  // framing (and keeps returning that error afterwards).
  Result<bool> next(FramedRecord* out);

  // Offset of the next byte to be read.
  uint64_t position() const { return pos_; }
  // Records returned so far.
  uint64_t count() const { return count_; }

 private:
  Status fail(Status s);
  Result<bool> nextFixed(FramedRecord* out);
  Result<bool> nextVariable(FramedRecord* out, size_t limit);
  Result<bool> nextBlocked(FramedRecord* out);
  Result<bool> nextGnu(FramedRecord* out);

  std::string_view data_;
  FramingOptions options_;
  Status error_;
  bool checked_ = false;
  size_t pos_ = 0;
  size_t block_start_ = 0;  // VB: offset of the current block's BDW
  size_t block_end_ = 0;    // VB: end of the current block (== pos_ between blocks)
  uint64_t count_ = 0;
};

// Every record of `data`, or the first framing error.
Result<std::vector<FramedRecord>> readAllRecords(std::string_view data,
                                                 const FramingOptions& options);

class RecordWriter {
 public:
  // Appends to *out, which must outlive the writer.
  RecordWriter(std::string* out, FramingOptions options);
  // Writes to `file` (not owned; the caller closes it).
  RecordWriter(std::FILE* file, FramingOptions options);
  ~RecordWriter() = default;
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Frames one record. InvalidArgument when it cannot be framed: F with a
  // length other than record_length, a V record longer than a 2-byte RDW
  // holds, a VB record longer than a block, a GNU-V record longer than its
  // prefix holds. Unavailable when writing to the FILE* fails.
  Status append(std::string_view record);
  // VB: writes the pending block. Then flushes a FILE*. Call once at the end;
  // appending after finish() starts a new block.
  Status finish();

  uint64_t count() const { return count_; }

 private:
  Status emit(std::string_view bytes);
  Status flushBlock();

  std::string* out_ = nullptr;
  std::FILE* file_ = nullptr;
  FramingOptions options_;
  std::string block_;  // VB: records of the block being built, without its BDW
  uint64_t count_ = 0;
};

}  // namespace corebridge::mappings

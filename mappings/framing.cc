#include "mappings/framing.h"

#include <cctype>
#include <cerrno>
#include <cstring>

namespace corebridge::mappings {

namespace {

constexpr size_t kHeader = 4;            // RDW, BDW and the 4-byte GNU prefixes
constexpr size_t kMaxShortBdw = 0x7FFF;  // above this the extended BDW is needed
constexpr size_t kMaxExtendedBdw = 0x7FFFFFFF;

std::string hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      s.push_back(' ');
    }
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 0xF]);
  }
  return s;
}

const uint8_t* bytesAt(std::string_view data, size_t pos) {
  return reinterpret_cast<const uint8_t*>(data.data()) + pos;
}

// "at offset 12 (bytes 00 05 00 01)": the header bytes that are present.
std::string where(std::string_view data, size_t pos, size_t n) {
  size_t avail = pos < data.size() ? std::min(n, data.size() - pos) : 0;
  return "at offset " + std::to_string(pos) + " (bytes " + hex(bytesAt(data, pos), avail) + ")";
}

uint32_t load16(const uint8_t* p, ByteOrder order) {
  return order == ByteOrder::kBigEndian ? (uint32_t{p[0]} << 8) | p[1]
                                        : (uint32_t{p[1]} << 8) | p[0];
}

uint32_t load32(const uint8_t* p, ByteOrder order) {
  if (order == ByteOrder::kBigEndian) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

void store16(uint8_t* p, uint32_t v, ByteOrder order) {
  if (order == ByteOrder::kBigEndian) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
  } else {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
  }
}

void store32(uint8_t* p, uint32_t v, ByteOrder order) {
  if (order == ByteOrder::kBigEndian) {
    store16(p, v >> 16, order);
    store16(p + 2, v & 0xFFFF, order);
  } else {
    store16(p, v & 0xFFFF, order);
    store16(p + 2, v >> 16, order);
  }
}

// The two bytes after a 2-byte length: the zero half of an RDW, BDW or GNU
// format-0 prefix. In little-endian order the length comes first too.
bool zeroPad(const uint8_t* p) { return p[2] == 0 && p[3] == 0; }

}  // namespace

Result<RecordFormat> parseRecordFormat(std::string_view name) {
  std::string upper;
  for (char c : name) {
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (upper == "F") {
    return RecordFormat::kFixed;
  }
  if (upper == "FB") {
    return RecordFormat::kFixedBlocked;
  }
  if (upper == "V") {
    return RecordFormat::kVariable;
  }
  if (upper == "VB") {
    return RecordFormat::kVariableBlocked;
  }
  if (upper == "GNU-V" || upper == "GNUV") {
    return RecordFormat::kGnuVariable;
  }
  return invalidArgument("unknown record format '" + std::string(name) +
                         "' (expected F, FB, V, VB or GNU-V)");
}

std::string_view recordFormatName(RecordFormat format) {
  switch (format) {
    case RecordFormat::kFixed:
      return "F";
    case RecordFormat::kFixedBlocked:
      return "FB";
    case RecordFormat::kVariable:
      return "V";
    case RecordFormat::kVariableBlocked:
      return "VB";
    case RecordFormat::kGnuVariable:
      return "GNU-V";
  }
  return "?";
}

Status validateFramingOptions(const FramingOptions& o) {
  switch (o.format) {
    case RecordFormat::kFixed:
    case RecordFormat::kFixedBlocked:
      if (o.record_length == 0) {
        return invalidArgument("record format " + std::string(recordFormatName(o.format)) +
                               " needs a record length > 0");
      }
      break;
    case RecordFormat::kVariable:
      break;
    case RecordFormat::kVariableBlocked:
      if (o.block_size < 2 * kHeader + 1 || o.block_size > kMaxExtendedBdw) {
        return invalidArgument("VB block size " + std::to_string(o.block_size) +
                               " must be between 9 and 2147483647");
      }
      break;
    case RecordFormat::kGnuVariable:
      if (static_cast<int>(o.gnu_varseq) > 3) {
        return invalidArgument("COB_VARSEQ_FORMAT " +
                               std::to_string(static_cast<int>(o.gnu_varseq)) +
                               " is not one of 0, 1, 2, 3");
      }
      break;
    default:
      return invalidArgument("unknown record format " + std::to_string(static_cast<int>(o.format)));
  }
  return okStatus();
}

// ---------------------------------------------------------------------------
// RecordReader

RecordReader::RecordReader(std::string_view data, FramingOptions options)
    : data_(data), options_(options) {}

Status RecordReader::fail(Status s) {
  error_ = s;
  return s;
}

Result<bool> RecordReader::next(FramedRecord* out) {
  if (!error_.ok()) {
    return error_;
  }
  if (!checked_) {
    Status s = validateFramingOptions(options_);
    if (!s.ok()) {
      return fail(s);
    }
    checked_ = true;
  }
  switch (options_.format) {
    case RecordFormat::kFixed:
    case RecordFormat::kFixedBlocked:
      return nextFixed(out);
    case RecordFormat::kVariable:
      return nextVariable(out, data_.size());
    case RecordFormat::kVariableBlocked:
      return nextBlocked(out);
    case RecordFormat::kGnuVariable:
      return nextGnu(out);
  }
  return fail(internalError("unreachable record format"));
}

Result<bool> RecordReader::nextFixed(FramedRecord* out) {
  size_t left = data_.size() - pos_;
  if (left == 0) {
    return false;
  }
  size_t n = options_.record_length;
  if (left < n) {
    return fail(invalidArgument("short last record at offset " + std::to_string(pos_) + ": " +
                                std::to_string(left) + " bytes left, record length " +
                                std::to_string(n) + " (file size " + std::to_string(data_.size()) +
                                " is not a multiple of it)"));
  }
  *out = FramedRecord{data_.substr(pos_, n), pos_, pos_};
  pos_ += n;
  ++count_;
  return true;
}

// One RDW record starting at pos_ that must end by `limit` (the end of the
// data for V, of the block for VB).
Result<bool> RecordReader::nextVariable(FramedRecord* out, size_t limit) {
  if (pos_ == limit) {
    return false;
  }
  const bool in_block = options_.format == RecordFormat::kVariableBlocked;
  const char* what = in_block ? "block" : "data";
  if (limit - pos_ < kHeader) {
    Status s = invalidArgument("truncated RDW " + where(data_, pos_, kHeader) + ": " +
                               std::to_string(limit - pos_) + " bytes left in the " + what);
    if (in_block) {
      s = invalidArgument("BDW at offset " + std::to_string(block_start_) +
                          " inconsistent with its records: " + s.message());
    }
    return fail(s);
  }
  const uint8_t* p = bytesAt(data_, pos_);
  if (!zeroPad(p)) {
    return fail(invalidArgument("RDW " + where(data_, pos_, kHeader) +
                                ": bytes 3-4 must be zero (spanned records are not supported)"));
  }
  size_t len = load16(p, options_.length_order);
  size_t data_len = len;
  if (options_.rdw_includes_header) {
    if (len < kHeader) {
      return fail(invalidArgument("RDW " + where(data_, pos_, kHeader) + ": length " +
                                  std::to_string(len) + " < 4"));
    }
    data_len = len - kHeader;
  }
  if (data_len > limit - pos_ - kHeader) {
    Status s = invalidArgument(
        "RDW " + where(data_, pos_, kHeader) + ": record of " + std::to_string(data_len) +
        " data bytes extends past the end of the " + what + " at offset " + std::to_string(limit));
    if (in_block) {
      s = invalidArgument("BDW at offset " + std::to_string(block_start_) +
                          " inconsistent with its records: " + s.message());
    }
    return fail(s);
  }
  *out = FramedRecord{data_.substr(pos_ + kHeader, data_len), pos_ + kHeader, pos_};
  pos_ += kHeader + data_len;
  ++count_;
  return true;
}

Result<bool> RecordReader::nextBlocked(FramedRecord* out) {
  if (pos_ == block_end_) {
    if (pos_ == data_.size()) {
      return false;
    }
    size_t left = data_.size() - pos_;
    if (left < kHeader) {
      return fail(invalidArgument("truncated BDW " + where(data_, pos_, kHeader) + ": " +
                                  std::to_string(left) + " bytes left"));
    }
    const uint8_t* p = bytesAt(data_, pos_);
    bool big = options_.length_order == ByteOrder::kBigEndian;
    bool extended = big ? (p[0] & 0x80) != 0 : (p[3] & 0x80) != 0;
    size_t len;
    if (extended) {
      len = load32(p, options_.length_order) & 0x7FFFFFFF;
    } else {
      if (!zeroPad(p)) {
        return fail(
            invalidArgument("BDW " + where(data_, pos_, kHeader) + ": bytes 3-4 must be zero"));
      }
      len = load16(p, options_.length_order);
    }
    if (len < 2 * kHeader) {
      return fail(invalidArgument("BDW " + where(data_, pos_, kHeader) + ": block length " +
                                  std::to_string(len) + " < 8 cannot hold a record"));
    }
    if (len > left) {
      return fail(invalidArgument("BDW " + where(data_, pos_, kHeader) + ": block length " +
                                  std::to_string(len) + " extends past the end of the data (" +
                                  std::to_string(left) + " bytes left)"));
    }
    block_start_ = pos_;
    block_end_ = pos_ + len;
    pos_ += kHeader;
  }
  return nextVariable(out, block_end_);
}

Result<bool> RecordReader::nextGnu(FramedRecord* out) {
  if (pos_ == data_.size()) {
    return false;
  }
  size_t left = data_.size() - pos_;
  size_t header = options_.gnu_varseq == GnuVarseq::k2BigEndian ? 2 : 4;
  if (left < header) {
    return fail(invalidArgument("truncated record prefix " + where(data_, pos_, header) + ": " +
                                std::to_string(left) + " bytes left, prefix is " +
                                std::to_string(header)));
  }
  const uint8_t* p = bytesAt(data_, pos_);
  size_t len = 0;
  switch (options_.gnu_varseq) {
    case GnuVarseq::k2BigEndianNul:
      if (!zeroPad(p)) {
        return fail(invalidArgument("record prefix " + where(data_, pos_, header) +
                                    ": bytes 3-4 must be NUL (COB_VARSEQ_FORMAT 0)"));
      }
      len = load16(p, ByteOrder::kBigEndian);
      break;
    case GnuVarseq::k4BigEndian:
      len = load32(p, ByteOrder::kBigEndian);
      break;
    case GnuVarseq::k4Native:
      len = load32(p, ByteOrder::kLittleEndian);
      break;
    case GnuVarseq::k2BigEndian:
      len = load16(p, ByteOrder::kBigEndian);
      break;
  }
  if (len > left - header) {
    return fail(invalidArgument("record prefix " + where(data_, pos_, header) + ": length " +
                                std::to_string(len) + " extends past the end of the data (" +
                                std::to_string(left - header) + " bytes left)"));
  }
  *out = FramedRecord{data_.substr(pos_ + header, len), pos_ + header, pos_};
  pos_ += header + len;
  ++count_;
  return true;
}

Result<std::vector<FramedRecord>> readAllRecords(std::string_view data,
                                                 const FramingOptions& options) {
  RecordReader reader(data, options);
  std::vector<FramedRecord> records;
  FramedRecord r;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool more, reader.next(&r));
    if (!more) {
      break;
    }
    records.push_back(r);
  }
  return records;
}

// ---------------------------------------------------------------------------
// RecordWriter

RecordWriter::RecordWriter(std::string* out, FramingOptions options)
    : out_(out), options_(options) {}

RecordWriter::RecordWriter(std::FILE* file, FramingOptions options)
    : file_(file), options_(options) {}

Status RecordWriter::emit(std::string_view bytes) {
  if (out_ != nullptr) {
    out_->append(bytes);
    return okStatus();
  }
  if (bytes.empty()) {
    return okStatus();
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return unavailable(std::string("writing records: ") + std::strerror(errno));
  }
  return okStatus();
}

Status RecordWriter::append(std::string_view record) {
  CB_RETURN_IF_ERROR(validateFramingOptions(options_));
  const size_t n = record.size();
  const std::string rec_desc =
      "record " + std::to_string(count_ + 1) + " (" + std::to_string(n) + " bytes)";
  uint8_t h[kHeader] = {0, 0, 0, 0};
  switch (options_.format) {
    case RecordFormat::kFixed:
    case RecordFormat::kFixedBlocked:
      if (n != options_.record_length) {
        return invalidArgument(rec_desc + ": fixed record length is " +
                               std::to_string(options_.record_length));
      }
      CB_RETURN_IF_ERROR(emit(record));
      break;
    case RecordFormat::kVariable:
    case RecordFormat::kVariableBlocked: {
      size_t len = n + (options_.rdw_includes_header ? kHeader : 0);
      if (len > 0xFFFF) {
        return invalidArgument(rec_desc + ": an RDW length holds at most 65535" +
                               (options_.rdw_includes_header ? " including the RDW" : ""));
      }
      store16(h, static_cast<uint32_t>(len), options_.length_order);
      if (options_.format == RecordFormat::kVariable) {
        CB_RETURN_IF_ERROR(emit(std::string_view(reinterpret_cast<char*>(h), kHeader)));
        CB_RETURN_IF_ERROR(emit(record));
        break;
      }
      if (kHeader + kHeader + n > options_.block_size) {
        return invalidArgument(rec_desc + " does not fit in a block of " +
                               std::to_string(options_.block_size) +
                               " bytes (BDW and RDW take 8); spanning is not supported");
      }
      if (kHeader + block_.size() + kHeader + n > options_.block_size) {
        CB_RETURN_IF_ERROR(flushBlock());
      }
      block_.append(reinterpret_cast<char*>(h), kHeader);
      block_.append(record);
      break;
    }
    case RecordFormat::kGnuVariable: {
      size_t header = 4;
      switch (options_.gnu_varseq) {
        case GnuVarseq::k2BigEndianNul:
        case GnuVarseq::k2BigEndian:
          if (n > 0xFFFF) {
            return invalidArgument(rec_desc + ": COB_VARSEQ_FORMAT " +
                                   std::to_string(static_cast<int>(options_.gnu_varseq)) +
                                   " holds at most 65535 bytes");
          }
          store16(h, static_cast<uint32_t>(n), ByteOrder::kBigEndian);
          if (options_.gnu_varseq == GnuVarseq::k2BigEndian) {
            header = 2;
          }
          break;
        case GnuVarseq::k4BigEndian:
        case GnuVarseq::k4Native:
          if (n > 0xFFFFFFFFu) {
            return invalidArgument(rec_desc + ": longer than a 4-byte length holds");
          }
          store32(h, static_cast<uint32_t>(n),
                  options_.gnu_varseq == GnuVarseq::k4BigEndian ? ByteOrder::kBigEndian
                                                                : ByteOrder::kLittleEndian);
          break;
      }
      CB_RETURN_IF_ERROR(emit(std::string_view(reinterpret_cast<char*>(h), header)));
      CB_RETURN_IF_ERROR(emit(record));
      break;
    }
  }
  ++count_;
  return okStatus();
}

Status RecordWriter::flushBlock() {
  if (block_.empty()) {
    return okStatus();
  }
  size_t len = kHeader + block_.size();
  uint8_t h[kHeader] = {0, 0, 0, 0};
  if (len > kMaxShortBdw) {
    store32(h, static_cast<uint32_t>(len) | 0x80000000u, options_.length_order);
  } else {
    store16(h, static_cast<uint32_t>(len), options_.length_order);
  }
  CB_RETURN_IF_ERROR(emit(std::string_view(reinterpret_cast<char*>(h), kHeader)));
  CB_RETURN_IF_ERROR(emit(block_));
  block_.clear();
  return okStatus();
}

Status RecordWriter::finish() {
  if (options_.format == RecordFormat::kVariableBlocked) {
    CB_RETURN_IF_ERROR(flushBlock());
  }
  if (file_ != nullptr && std::fflush(file_) != 0) {
    return unavailable(std::string("flushing records: ") + std::strerror(errno));
  }
  return okStatus();
}

}  // namespace corebridge::mappings

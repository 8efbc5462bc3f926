// RecordCodec: decodes a whole record through its layout into typed values,
// and encodes typed values back into the record's bytes.
//
// A Record holds one Value per elementary occurrence in storage order: every
// leaf of the selected layout, OCCURS expanded (ODO to the record's count),
// FILLER kept as raw bytes, the one REDEFINES alternative chosen for each
// redefined area (the first when the area has no select rules; when it has
// rules, the one the first matching rule picks, and an error when none
// matches), and any bytes
// of the area the chosen alternative does not cover kept raw. Decoding a
// record and encoding the result gives back the same bytes, except where a
// non-preferred sign is normalised (see field_codec.h).
//
// A RecordCodec is immutable after create() and may be shared by threads; a
// Record is reused across decode() calls to avoid allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/decimal.h"
#include "mappings/layout.h"

namespace corebridge::mappings {

template <typename Source>
class Walker;

struct Value {
  enum class Kind : uint8_t {
    kNull,    // lenient decode of invalid bytes
    kNumber,  // Decimal
    kFloat,   // COMP-1/COMP-2
    kText,    // UTF-8
    kRaw,     // FILLER and uncovered redefine bytes, as stored
  };
  Kind kind = Kind::kNull;
  Decimal number;
  double real = 0;
  std::string text;  // UTF-8 text, or the raw bytes (kRaw, and kFloat's stored bytes)
};

// One elementary occurrence of a Record: which field, where, which value.
struct Slot {
  int field = kNoIndex;
  uint32_t offset = 0;  // absolute byte offset in the record
  uint32_t length = 0;
  Value value;
};

// Which REDEFINES alternative applies to a record, decided from a
// discriminator field's value. Rules are tried in order; the first whose
// field (decoded at its offset in the first alternative) equals one of
// `values` picks `alternative` for its redefined area.
struct SelectRule {
  std::string field;                // discriminator, e.g. "REC-TYPE"
  std::vector<std::string> values;  // text as decoded (trailing spaces trimmed) or a number
  std::string alternative;          // the alternative to use, e.g. "POSTING-REC"
};

struct CodecOptions {
  // Null plus a counted warning instead of an error for invalid field bytes.
  bool lenient = false;
  std::vector<SelectRule> select;
  // The record (level 01) to start from; empty: the first in the copybook.
  std::string record;
};

// The shape of a decoded record for JSON: containers opened and closed
// around the slots, in order. Raw slots have no event.
struct RecordEvent {
  enum class Type : uint8_t { kBeginObject, kEndObject, kBeginArray, kEndArray, kLeaf };
  Type type;
  int field;      // the group, table or leaf
  uint32_t slot;  // kLeaf: index into slots()
};

class Record {
 public:
  std::span<const Slot> slots() const { return {slots_.data(), used_}; }
  std::span<Slot> mutableSlots() { return {slots_.data(), used_}; }
  std::span<const RecordEvent> events() const { return {events_.data(), events_used_}; }
  int record() const { return record_; }      // the level-01 record used
  size_t length() const { return length_; }   // bytes the record occupies
  int warnings() const { return warnings_; }  // lenient nulls in this record
  // The value at a dotted path with 1-based subscripts, "ACCT.HOLD[2].AMT"
  // (the record name may be left out); nullptr if absent.
  const Value* find(const Layout& layout, std::string_view path) const;
  // The value of the first occurrence of a field (by layout index); nullptr
  // if the record does not hold it (another REDEFINES alternative, say).
  const Value* first(int field) const;

 private:
  friend class RecordCodec;
  template <typename Source>
  friend class Walker;
  void reset();
  Slot& addSlot(int field, size_t offset, size_t length) {
    if (used_ == slots_.size()) {
      slots_.emplace_back();
    }
    Slot& s = slots_[used_++];
    s.field = field;
    s.offset = static_cast<uint32_t>(offset);
    s.length = static_cast<uint32_t>(length);
    return s;
  }
  void addEvent(RecordEvent::Type type, int field, uint32_t slot) {
    if (events_used_ == events_.size()) {
      events_.resize(events_.size() * 2 + 16);
    }
    RecordEvent& e = events_[events_used_++];
    e.type = type;
    e.field = field;
    e.slot = slot;
  }

  std::vector<Slot> slots_;  // slots_[used_..] are kept for their string capacity
  size_t used_ = 0;
  std::vector<RecordEvent> events_;  // events_[events_used_..] are spare room
  size_t events_used_ = 0;
  std::vector<int64_t> odo_values_;  // by field index, for ODO objects
  const void* shape_ = nullptr;      // the static shape events_ holds, if any
  std::string scratch_;              // discriminator text while choosing a shape
  int record_ = kNoIndex;
  size_t length_ = 0;
  int warnings_ = 0;
};

class RecordCodec {
 public:
  // InvalidArgument when a select rule names a field or alternative that is
  // not in the layout, or the record is unknown.
  static Result<std::unique_ptr<RecordCodec>> create(std::shared_ptr<const Layout> layout,
                                                     CodecOptions options);

  // Decodes n bytes. n must be the record's length, or, for a record with an
  // ODO table or a copybook of several 01 records, anything up to the
  // longest form (an area sized for the maximum, such as a COMMAREA or an FB
  // file): the bytes past the record are kept raw. Errors name the field
  // path, byte offset and bytes.
  Status decode(const uint8_t* p, size_t n, Record* out) const;
  // Appends the record's bytes to *out.
  Status encode(const Record& record, std::string* out) const;

  // JSON object of the record: groups nested, OCCURS as arrays, FILLER and
  // raw slots left out, text with trailing spaces trimmed, numbers with
  // exactly the picture's scale, nulls as null. Appended to *out.
  void toJson(const Record& record, std::string* out) const;
  // Builds a Record from a JSON object of the same shape. Unknown keys and
  // missing fields are errors naming the path; text is padded, numbers
  // checked against the picture. With select rules, the alternatives the
  // JSON fills must be those the rules pick from its discriminators.
  Status fromJson(std::string_view json, Record* out) const;

  const Layout& layout() const { return *layout_; }
  ~RecordCodec();

  struct Plan;  // opaque: what create() precomputes from the layout and options

 private:
  RecordCodec(std::shared_ptr<const Layout> layout, CodecOptions options,
              std::unique_ptr<const Plan> plan);
  // Decodes a record of static shape without the walk; false on any invalid
  // field (the caller then walks, to report it or to apply lenient mode).
  bool decodeStatic(const uint8_t* p, size_t n, Record* out) const;
  Status checkSelection(const Record& rec) const;
  std::shared_ptr<const Layout> layout_;
  CodecOptions options_;
  std::unique_ptr<const Plan> plan_;
};

}  // namespace corebridge::mappings

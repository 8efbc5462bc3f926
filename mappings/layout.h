// The layout of a record, as the copybook compiler computes it.
//
// A Layout is a flat vector of Field entries in source order. Groups refer to
// their children by index, children to their parent. Offsets and lengths are
// computed once, by the compiler, for the dialect it was given; nothing else
// mutates a Layout after that, so it is safe to share between threads.
//
// Offsets are static byte offsets from the start of the record. When an
// OCCURS DEPENDING ON table precedes a field, its real offset depends on the
// record's data; `offset` then holds the offset at the table's maximum size
// and `after_odo` is true. The record codec computes real offsets while it
// walks the record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mappings/codepage.h"

namespace corebridge::mappings {

// What the bytes of an elementary item hold.
enum class Usage : uint8_t {
  kDisplay,       // one character (or digit) per byte
  kNational,      // PIC N, UTF-16BE, two bytes per character
  kBinary,        // COMP, COMP-4, BINARY: truncated to the picture (TRUNC(STD))
  kNativeBinary,  // COMP-5: full binary range of its storage
  kPacked,        // COMP-3, PACKED-DECIMAL
  kFloatShort,    // COMP-1: 4 bytes
  kFloatLong,     // COMP-2: 8 bytes
  kPointer,       // POINTER, as binary of the dialect's pointer size
  kIndex,         // USAGE INDEX, 4-byte binary
};

// The class of an item, from its picture (or its absence).
enum class Category : uint8_t {
  kGroup,
  kAlphanumeric,        // PIC X, or a mix of X/A/9 without editing
  kAlphabetic,          // PIC A
  kNumeric,             // PIC 9/S/V/P
  kNumericEdited,       // PIC with Z * + - . , CR DB B 0 / $
  kAlphanumericEdited,  // PIC X or A with B 0 /
  kNational,            // PIC N
  kFloat,               // COMP-1, COMP-2 (no picture)
  kPointer,             // POINTER, INDEX
};

// Where the sign of a signed DISPLAY numeric item lives.
enum class SignMode : uint8_t {
  kNone,               // unsigned
  kTrailingOverpunch,  // default for PIC S9 DISPLAY: zone of the last byte
  kLeadingOverpunch,   // SIGN LEADING
  kTrailingSeparate,   // SIGN TRAILING SEPARATE CHARACTER: extra '+'/'-' byte
  kLeadingSeparate,    // SIGN LEADING SEPARATE CHARACTER
};

enum class BinarySizeRule : uint8_t {
  kIbm248,   // 1-4 digits: 2 bytes, 5-9: 4, 10-18: 8 (IBM Enterprise COBOL)
  kGnu1248,  // 1-2 digits: 1 byte, 3-4: 2, 5-9: 4, 10-18: 8 (GnuCOBOL default)
};

enum class ByteOrder : uint8_t { kBigEndian, kLittleEndian };

// How a signed zoned (DISPLAY) number carries its sign in an ASCII file.
enum class AsciiSign : uint8_t {
  kGnuCobol,   // negative last digit 0x70-0x79 ('p'-'y'), positive a plain digit
  kOverpunch,  // '{' 'A'-'I' positive, '}' 'J'-'R' negative (EBCDIC zones in ASCII)
};

enum class FloatFormat : uint8_t {
  kIbmHex,  // IBM System/360 hexadecimal floating point
  kIeee,    // IEEE 754 binary32/binary64
};

// How the data was written: the compiler, the platform and the code page.
struct Dialect {
  BinarySizeRule binary_size = BinarySizeRule::kIbm248;
  // COMP-5 sizes when they differ from COMP's: GnuCOBOL built with
  // -fbinary-size=2-4-8 (or -std=ibm) sizes COMP by 2-4-8 but keeps COMP-5
  // at 1-2-4-8. Unset: COMP-5 follows binary_size.
  std::optional<BinarySizeRule> native_binary_size;
  ByteOrder binary_order = ByteOrder::kBigEndian;
  FloatFormat float_format = FloatFormat::kIbmHex;
  // Byte order of COMP-5 and COMP-1/COMP-2; big-endian on z/OS, native on
  // GnuCOBOL/x86 (little-endian) unless the program said otherwise.
  ByteOrder native_order = ByteOrder::kBigEndian;
  int pointer_size = 4;  // 4 on z/OS 31-bit, 8 on 64-bit GnuCOBOL
  // Packed fields written without a sign nibble (unsigned PIC 9 COMP-3 on
  // some systems, "COMP-6" style): digits fill every nibble.
  bool packed_without_sign_nibble = false;
  // TRUNC(BIN): COMP/BINARY items may hold any value their storage holds,
  // not only the picture's digits (as COMP-5 always may).
  bool trunc_bin = false;
  // Sign convention written for zoned numbers when the code page is ASCII;
  // decoding accepts both conventions.
  AsciiSign ascii_sign = AsciiSign::kGnuCobol;
  const CodePage* code_page = &CodePage::cp037();

  // What GnuCOBOL 3 writes on x86-64 Linux with its defaults: ASCII,
  // COMP 1-2-4-8 big-endian, COMP-5 and floats little-endian IEEE, 8-byte
  // pointers, negative zoned digits 'p'-'y'.
  static Dialect gnuCobol();
};

// One value of an 88-level condition: a single literal, or a THRU range.
struct ConditionValue {
  std::string low;   // the literal as written, quotes removed
  std::string high;  // empty unless THRU
};

// An 88-level condition name on its parent item.
struct Condition {
  std::string name;
  std::vector<ConditionValue> values;
  int line = 0;
};

constexpr int kNoIndex = -1;

struct Field {
  std::string name;     // COBOL name, upper case; "FILLER" for fillers
  int level = 0;        // 1..49, 66, 77 as written
  int line = 0;         // 1-based line of the level number in its source file
  std::string source;   // the file it came from (COPY members differ)
  bool filler = false;  // FILLER or no name

  Category category = Category::kGroup;
  Usage usage = Usage::kDisplay;
  std::string picture;  // expanded picture (repetitions written out), upper case

  // Numeric items: digit positions (9s and, for edited, Z * and floating
  // symbols) excluding P; scale is the power of ten the stored integer is
  // divided by: PIC S9(5)V99 -> digits 7, scale 2; PIC 9(3)PP -> digits 3,
  // scale -2; PIC VPP99 -> digits 2, scale 4.
  int digits = 0;
  int scale = 0;
  bool is_signed = false;
  SignMode sign = SignMode::kNone;

  bool blank_when_zero = false;
  bool justified_right = false;
  bool sync = false;
  std::string value;  // VALUE literal as written (quotes removed); empty if none
  bool has_value = false;

  // Storage. `length` is the size of one occurrence in bytes (for a group,
  // at its maximum when it holds an ODO table).
  size_t offset = 0;
  size_t length = 0;
  bool after_odo = false;  // an ODO table precedes this field in the record

  // OCCURS. occurs_max == 1 and occurs_min == 1 when there is no OCCURS.
  bool has_occurs = false;
  int occurs_min = 1;
  int occurs_max = 1;
  std::string depending_on;        // name of the ODO object, as written
  int depending_field = kNoIndex;  // its index in the layout, once resolved

  // Tree.
  int parent = kNoIndex;
  std::vector<int> children;
  int redefines = kNoIndex;       // the sibling (or record) this one redefines
  std::vector<int> redefined_by;  // the alternatives that redefine this one

  // 66 RENAMES: the first and last field renamed (last == first without THRU).
  int renames_first = kNoIndex;
  int renames_last = kNoIndex;

  std::vector<Condition> conditions;  // 88 levels under this item

  bool isGroup() const { return category == Category::kGroup; }
  bool isNumeric() const {
    return category == Category::kNumeric || category == Category::kNumericEdited;
  }
  // Size of all occurrences (length * occurs_max).
  size_t totalLength() const { return length * static_cast<size_t>(occurs_max); }
};

// A compiled copybook. `records` lists the level-01 (and 77) items; a copybook
// with several 01 records describes alternative layouts of the same record
// area, as an FD with several records does.
struct Layout {
  std::vector<Field> fields;
  std::vector<int> records;
  Dialect dialect;

  // Size of the largest record (at maximum ODO sizes).
  size_t maxLength() const;
  // Index of the field named `name` (optionally qualified "A OF B" or "B.A"),
  // or kNoIndex. Unqualified names must be unique among non-fillers.
  int find(std::string_view name) const;
  // "REC.GROUP.FIELD": the dotted path from the record to the field.
  std::string path(int index) const;
  // True if the field or any descendant is an ODO table.
  bool hasOdo(int index) const;
};

}  // namespace corebridge::mappings

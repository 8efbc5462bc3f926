// Transcoder: converts one record area (a COMMAREA) between two dialects of
// the same copybook, field by field.
//
// The channel sends a COMMAREA as an IBM mainframe holds it (EBCDIC text,
// zoned with EBCDIC zones, binary 2-4-8 big-endian); GnuCOBOL programs want
// the same fields as GnuCOBOL holds them (ASCII text and zones). Each
// elementary item is decoded with the field codecs of the source dialect and
// encoded with those of the target: text is translated between code pages,
// zoned numbers re-signed, binary re-ordered, packed copied.
//
// A COMMAREA is a fixed area that CICS passes whole, so an OCCURS DEPENDING
// ON table is converted at its maximum size whatever its count says (entries
// beyond the count are usually spaces), and only the first alternative of a
// REDEFINES is used (the others share its bytes).
//
// Bytes that are not a valid value of their field (spaces in a numeric field,
// low-values, a bad packed sign) are not an error: as CICS would, the
// transcoder passes them on and lets the program judge. They are translated
// byte by byte between the code pages when the field is DISPLAY, and copied
// unchanged otherwise; FILLER and other raw areas are treated the same way.
//
// Both layouts must place every field at the same offset with the same
// length: GnuCOBOL's default binary rule (1-2-4-8) makes PIC 9(1)-9(2) COMP one
// byte where IBM makes it two, and create() refuses such a pair naming the
// copybook and the first field that differs (compile the COBOL with
// `-fbinary-size=2-4-8` and describe it with Dialect::binary_size = kIbm248
// and native_binary_size = kGnu1248).
//
// Thread-safety: immutable after create(); wireToHost/hostToWire may run on
// several threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/copybook.h"
#include "mappings/layout.h"

namespace corebridge::mappings {

class Transcoder {
 public:
  // `name` (the copybook's file name) appears in every error. `record`
  // selects the 01 record (empty: the first).
  static Result<std::unique_ptr<Transcoder>> create(std::string name,
                                                    std::shared_ptr<const Layout> wire,
                                                    std::shared_ptr<const Layout> host,
                                                    const std::string& record = "");

  // Compiles `path` twice, with each dialect, and calls create().
  static Result<std::unique_ptr<Transcoder>> fromCopybookFile(const std::string& path,
                                                              const CopybookOptions& wire,
                                                              const CopybookOptions& host,
                                                              const std::string& record = "");

  // The record's length, the same in both dialects.
  size_t length() const { return length_; }
  const std::string& name() const { return name_; }

  // Replace *out with the converted bytes. InvalidArgument when `in` is not
  // exactly length() bytes, or a value cannot be written in the target
  // dialect (a character the target code page lacks); the message names the
  // copybook, the field and its offset.
  Status wireToHost(std::string_view in, std::string* out) const;
  Status hostToWire(std::string_view in, std::string* out) const;

  ~Transcoder();

 private:
  // One elementary occurrence: the field (same index in both layouts) and
  // its offset in the area.
  struct Item {
    int field;
    uint32_t offset;
  };
  Transcoder() = default;
  void plan(int field, size_t base);
  Status convert(const Layout& from, const Layout& to, const std::array<uint8_t, 256>& bytes,
                 std::string_view in, std::string* out) const;

  std::string name_;
  size_t length_ = 0;
  std::shared_ptr<const Layout> wire_;
  std::shared_ptr<const Layout> host_;
  int record_ = kNoIndex;
  std::vector<Item> items_;
  std::array<uint8_t, 256> wire_to_host_{};
  std::array<uint8_t, 256> host_to_wire_{};
};

}  // namespace corebridge::mappings

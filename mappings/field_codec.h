// Codecs of elementary items: one occurrence of one Field, in its dialect.
//
// These are the hot loop of every decoder in corebridge. They never allocate
// on success except to grow an output string, never throw, and never guess:
// bytes that are not valid for the item (a bad packed nibble, a non-digit in
// a zoned field, a sign zone the dialect does not allow) are an
// InvalidArgument whose message names the offending byte's position within
// the item and shows the item's bytes in hex. The record codec prefixes the
// field path and the absolute record offset.
//
// Normalisation (documented in docs/codecs.md): decoding accepts every valid
// sign (C, D, F zones/nibbles; ASCII overpunch in both conventions) and
// encoding writes the preferred one (C/D when signed, F when unsigned), which
// is what COBOL's MOVE writes. Negative zero decodes as zero.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mappings/decimal.h"
#include "mappings/layout.h"

namespace corebridge::mappings {

// Numeric items: DISPLAY (zoned, every SIGN mode), national numeric, COMP,
// COMP-4, BINARY, COMP-5, COMP-3, numeric-edited (de-edited on decode,
// edited on encode), POINTER and INDEX (as unsigned binary, scale 0).
// The Decimal has the field's scale.
Status decodeNumber(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out);
// `v` may have any scale; OutOfRange when it has more fractional digits than
// the field or more integer digits than the picture (or, for COMP-5 and
// trunc-bin data, than the storage) holds. Never truncates silently.
Status encodeNumber(const Field& f, const Dialect& d, const Decimal& v, uint8_t* out);

// COMP-1 / COMP-2 in the dialect's float format (IBM hex or IEEE) and byte
// order. IBM hex long has up to 56 significant bits and a double 53: the
// decoded double is correctly rounded; encoding rounds to nearest.
Status decodeFloat(const Field& f, const Dialect& d, const uint8_t* p, double* out);
Status encodeFloat(const Field& f, const Dialect& d, double v, uint8_t* out);

// Text items: PIC X, A, alphanumeric-edited (code page of the dialect) and
// PIC N (UTF-16BE). Appends the whole text, trailing spaces included, as
// UTF-8 to *out. PIC A accepts only letters and spaces.
Status decodeText(const Field& f, const Dialect& d, const uint8_t* p, std::string* out);
// Pads with spaces (left- or right-justified per JUSTIFIED); InvalidArgument
// when the text is longer than the item or has a character the code page
// lacks.
Status encodeText(const Field& f, const Dialect& d, std::string_view utf8, uint8_t* out);

// Writes the item's initial content when no value is given: its VALUE clause
// if it has one, else spaces (text), zero (numeric), zero bits (binary and
// floats). Used for FILLER and for encode of items left out.
Status encodeInitial(const Field& f, const Dialect& d, uint8_t* out);

// "F1 F2 C3" for error messages, at most `max` bytes then "...".
std::string hexBytes(const uint8_t* p, size_t n, size_t max = 32);

}  // namespace corebridge::mappings

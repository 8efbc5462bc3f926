// Helpers shared by the field_codec*.cc files. Not part of the public API.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "mappings/decimal.h"
#include "mappings/layout.h"

namespace corebridge::mappings::internal {

using uint128 = unsigned __int128;

inline uint128 magnitude(int128 v) { return v < 0 ? uint128(0) - uint128(v) : uint128(v); }

// "PIC S9(5)V99 COMP-3"-like description of the item for messages.
std::string describe(const Field& f);

// InvalidArgument "<what> at offset <pos> (bytes: F1 F2 ...)".
Status badByte(const uint8_t* p, size_t n, size_t pos, const std::string& what);

// Brings v to the field's scale. OutOfRange naming the field when v has more
// fraction digits than the field or the result passes 38 digits.
Status toFieldScale(const Field& f, const Decimal& v, int128* unscaled);

// Numeric-edited items (field_codec_edited.cc).
Status decodeEdited(const Field& f, const Dialect& d, const uint8_t* p, Decimal* out);
Status encodeEdited(const Field& f, const Dialect& d, int128 unscaled, uint8_t* out);

}  // namespace corebridge::mappings::internal

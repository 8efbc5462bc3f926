// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the
// checksum of every journal record, as LevelDB uses it.
//
// `mask` is LevelDB's: a CRC stored next to the bytes it covers is rotated and
// offset so that computing a CRC over a string that itself holds CRCs does not
// degenerate. Store masked values; compare against `mask(value(...))`.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace corebridge::dualwrite::crc32c {

// The CRC of `data` continued from `init` (the CRC of the bytes before it).
uint32_t extend(uint32_t init, const char* data, size_t n);

inline uint32_t value(std::string_view data) { return extend(0, data.data(), data.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8U;

inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace corebridge::dualwrite::crc32c

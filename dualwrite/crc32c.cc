#include "dualwrite/crc32c.h"

#include <array>

namespace corebridge::dualwrite::crc32c {
namespace {

// Slicing-by-4 tables for the reflected Castagnoli polynomial, built at compile time.
constexpr uint32_t kPoly = 0x82F63B78U;

using Tables = std::array<std::array<uint32_t, 256>, 4>;

constexpr Tables makeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) != 0 ? (c >> 1) ^ kPoly : c >> 1;
    }
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t s = 1; s < 4; ++s) {
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFU];
    }
  }
  return t;
}

constexpr Tables kTables = makeTables();

}  // namespace

uint32_t extend(uint32_t init, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t c = ~init;
  while (n >= 4) {
    c ^= static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    c = kTables[3][c & 0xFFU] ^ kTables[2][(c >> 8) & 0xFFU] ^ kTables[1][(c >> 16) & 0xFFU] ^
        kTables[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = kTables[0][(c ^ *p) & 0xFFU] ^ (c >> 8);
    ++p;
    --n;
  }
  return ~c;
}

}  // namespace corebridge::dualwrite::crc32c

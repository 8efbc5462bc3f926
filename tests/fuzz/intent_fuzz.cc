// Fuzzes the journal's intent payload decoders (dualwrite/intent.h): a
// payload read back from disk must decode or fail with DataLoss, never
// crash or read out of bounds; and what decodes must encode back to exactly
// the same bytes (the format has one spelling per value).
//
// Input: byte 0 picks the decoder (0 intent, 1 primary outcome, 2
// settlement, modulo 3); the rest is the payload.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dualwrite/intent.h"

namespace dw = corebridge::dualwrite;

namespace {

template <typename T>
void check(const corebridge::Result<T>& r, std::string_view payload,
           std::string (*encode)(const T&)) {
  if (!r.ok()) {
    if (r.status().code() != corebridge::StatusCode::kDataLoss || r.status().message().empty()) {
      std::abort();
    }
    return;
  }
  if (encode(*r) != payload) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      check(dw::decodeIntent(payload), payload, &dw::encodeIntent);
      break;
    case 1:
      check(dw::decodePrimaryOutcome(payload), payload, &dw::encodePrimaryOutcome);
      break;
    default:
      check(dw::decodeSettlement(payload), payload, &dw::encodeSettlement);
      break;
  }
  return 0;
}

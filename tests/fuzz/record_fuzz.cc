// Fuzzes RecordCodec::decode with arbitrary bytes. Whatever decodes must
// encode, and the encoded bytes must decode to the same JSON (bytes may
// differ only where a non-preferred sign was normalised).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_layouts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& codec = corebridge::fuzz::fuzzCodec();
  corebridge::mappings::Record rec;
  if (!codec.decode(data, size, &rec).ok()) return 0;
  std::string json;
  codec.toJson(rec, &json);
  std::string bytes;
  if (!codec.encode(rec, &bytes).ok()) std::abort();
  if (bytes.size() != size) std::abort();
  corebridge::mappings::Record again;
  if (!codec.decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &again).ok()) {
    std::abort();
  }
  std::string json2;
  codec.toJson(again, &json2);
  if (json != json2) std::abort();
  return 0;
}

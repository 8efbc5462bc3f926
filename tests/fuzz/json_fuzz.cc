// Fuzzes the JSON reader and RecordCodec::fromJson. Whatever fromJson accepts
// must encode, and decoding those bytes must give JSON that encodes to the
// same bytes again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mappings/json.h"
#include "tests/fuzz/fuzz_layouts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = corebridge::mappings::JsonValue::parse(text);
  if (!parsed.ok()) return 0;
  const auto& codec = corebridge::fuzz::fuzzCodec();
  corebridge::mappings::Record rec;
  if (!codec.fromJson(text, &rec).ok()) return 0;
  std::string bytes;
  if (!codec.encode(rec, &bytes).ok()) return 0;  // e.g. a value beyond the picture
  corebridge::mappings::Record decoded;
  if (!codec.decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &decoded).ok()) {
    std::abort();
  }
  std::string json;
  codec.toJson(decoded, &json);
  corebridge::mappings::Record again;
  std::string bytes2;
  if (!codec.fromJson(json, &again).ok() || !codec.encode(again, &bytes2).ok()) std::abort();
  if (bytes != bytes2) std::abort();
  return 0;
}

// Fuzz target for the elementary codecs: the first 4 bytes describe a
// synthetic Field and Dialect, the rest are the item's bytes. Whatever
// decodes must re-encode, and the re-encoded bytes must decode to the same
// value (decode(encode(decode(x))) == decode(x)); abort() otherwise.
//
// Header: [0] usage, [1] digits/picture, [2] scale, [3] flags:
//   bit0 signed, bits1-2 sign mode, bit3 ASCII code page, bit4 AsciiSign
//   overpunch, bit5 little-endian, bit6 trunc_bin / packed without sign,
//   bit7 blank when zero / IEEE floats.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mappings/field_codec.h"

using namespace corebridge::mappings;

namespace {

const char* const kEditedPictures[] = {
    "ZZZ9.99",   "ZZZZ.ZZ",  "****.**",  "$$$,$$9.99", "+++9",         "---9.9",
    "-999",      "999-",     "+999.99",  "ZZ9.99CR",   "ZZ9.99DB",     "$ZZ9.99",
    "$***.99",   "99B99B99", "990099",   "99/99/99",   "++,+++.99",    "--,--9.99",
    "$$,$$$.$$", "ZZZ.ZZ-",  "-$$$9.99", "$---9.99",   "***,**9.99CR", "Z.ZZ"};

void fail(const char* what, const Field& f, const std::string& detail) {
  std::fprintf(stderr, "field_codec_fuzz: %s (usage %d digits %d scale %d len %zu pic %s): %s\n",
               what, static_cast<int>(f.usage), f.digits, f.scale, f.length, f.picture.c_str(),
               detail.c_str());
  std::abort();
}

size_t binaryLength(int digits) { return digits <= 4 ? 2 : digits <= 9 ? 4 : 8; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t kind = data[0] % 8;
  const uint8_t flags = data[3];
  Field f;
  f.name = "FUZZ";
  f.category = Category::kNumeric;
  f.is_signed = flags & 1;
  static const SignMode kModes[] = {SignMode::kTrailingOverpunch, SignMode::kLeadingOverpunch,
                                    SignMode::kTrailingSeparate, SignMode::kLeadingSeparate};
  f.sign = f.is_signed ? kModes[(flags >> 1) & 3] : SignMode::kNone;
  Dialect d;
  if (flags & 8) d.code_page = &CodePage::ascii();
  d.ascii_sign = (flags & 16) ? AsciiSign::kOverpunch : AsciiSign::kGnuCobol;
  if (flags & 32) {
    d.binary_order = ByteOrder::kLittleEndian;
    d.native_order = ByteOrder::kLittleEndian;
  }
  d.trunc_bin = flags & 64;
  d.packed_without_sign_nibble = flags & 64;
  f.blank_when_zero = flags & 128;
  if (flags & 128) d.float_format = FloatFormat::kIeee;

  int digits = 1 + data[1] % 38;
  f.scale = static_cast<int8_t>(data[2]) % 8;
  if (f.scale > digits) f.scale = digits;
  switch (kind) {
    case 0:
    case 1:
      f.usage = Usage::kDisplay;
      f.digits = digits;
      f.length = static_cast<size_t>(digits) +
                 (f.sign == SignMode::kTrailingSeparate || f.sign == SignMode::kLeadingSeparate);
      break;
    case 2:
      f.usage = Usage::kPacked;
      f.digits = digits;
      f.length = static_cast<size_t>(digits) / 2 + 1;
      if (!f.is_signed && d.packed_without_sign_nibble) f.length = (digits + 1) / 2;
      break;
    case 3:
    case 4:
      f.usage = kind == 3 ? Usage::kBinary : Usage::kNativeBinary;
      f.digits = 1 + data[1] % 18;
      if (f.scale > f.digits) f.scale = f.digits;
      f.length = binaryLength(f.digits);
      break;
    case 5: {
      f.usage = Usage::kDisplay;
      f.category = Category::kNumericEdited;
      f.picture = kEditedPictures[data[1] % (sizeof kEditedPictures / sizeof *kEditedPictures)];
      f.length = 0;
      f.scale = 0;
      bool after = false;
      for (char c : f.picture) {
        ++f.length;
        if (c == '.') after = true;
        if (after && (c == '9' || c == 'Z' || c == '*' || c == '+' || c == '-' || c == '$')) {
          ++f.scale;
        }
      }
      f.is_signed = f.picture.find_first_of("+-CD") != std::string::npos;
      f.digits = 18;
      break;
    }
    case 6:
    case 7: {
      f.usage = kind == 6 ? Usage::kFloatShort : Usage::kFloatLong;
      f.category = Category::kFloat;
      f.length = kind == 6 ? 4 : 8;
      f.scale = 0;
      if (size - 4 < f.length) return 0;
      double v;
      if (!decodeFloat(f, d, data + 4, &v).ok()) return 0;
      std::vector<uint8_t> out(f.length);
      if (!encodeFloat(f, d, v, out.data()).ok()) fail("float re-encode failed", f, "");
      double w;
      if (!decodeFloat(f, d, out.data(), &w).ok() || w != v) fail("float round trip", f, "");
      return 0;
    }
  }
  if (size - 4 < f.length) return 0;
  const uint8_t* item = data + 4;
  Decimal v;
  if (!decodeNumber(f, d, item, &v).ok()) return 0;
  std::vector<uint8_t> out(f.length);
  corebridge::Status st = encodeNumber(f, d, v, out.data());
  if (!st.ok()) fail("re-encode failed", f, v.toString() + ": " + st.toString());
  Decimal w;
  st = decodeNumber(f, d, out.data(), &w);
  if (!st.ok()) fail("decode of re-encoded bytes failed", f, st.toString());
  if (w.compare(v) != 0)
    fail("round trip changed the value", f, v.toString() + " -> " + w.toString());
  // Encoding is canonical: a second round gives the same bytes.
  std::vector<uint8_t> again(f.length);
  if (!encodeNumber(f, d, w, again.data()).ok() || again != out) fail("encode not stable", f, "");
  std::string text;
  v.appendTo(&text);
  auto parsed = Decimal::parse(text);
  if (!parsed.ok() || parsed->compare(v) != 0) fail("Decimal text round trip", f, text);
  return 0;
}

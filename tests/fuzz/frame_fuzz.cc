// Fuzzes FrameDecoder over a byte stream split into arbitrary reads, in every
// framing option, and checks its invariants:
//   - every frame decoded, encoded again with the same options, gives back
//     exactly the bytes it was decoded from, and decoding those gives the
//     same frame;
//   - after kBrokenStream the decoder stays broken; every error has a text;
//   - feeding the stream in pieces gives the same frames and errors as
//     feeding it whole.
//
// Input: byte 0 selects the options, byte 1 the read size, the rest is the
// stream.
//   bit 0     4-byte LL
//   bit 1     LL excludes the header
//   bit 2     ASCII (else cp037)
//   bit 3     replies (no TRANCODE)
//   bits 4-7  max_message = 12 + 40 * value
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/channel/frame.h"

using corebridge::adapters::Direction;
using corebridge::adapters::Frame;
using corebridge::adapters::FrameDecoder;
using corebridge::adapters::FrameOptions;

namespace {

struct Event {
  FrameDecoder::Outcome outcome;
  Frame frame;
};

bool sameFrame(const Frame& a, const Frame& b) {
  return a.zz == b.zz && a.trancode == b.trancode && a.commarea == b.commarea;
}

std::vector<Event> decodeAll(const FrameOptions& o, Direction dir, std::string_view stream,
                             size_t chunk) {
  std::vector<Event> events;
  FrameDecoder d(o, dir);
  size_t pos = 0;
  while (true) {
    if (pos < stream.size()) {
      const size_t n = std::min(chunk, stream.size() - pos);
      d.feed(stream.substr(pos, n));
      pos += n;
    }
    while (true) {
      Event e;
      e.outcome = d.next(&e.frame);
      if (e.outcome == FrameDecoder::Outcome::kNeedMore) {
        break;
      }
      if (e.outcome != FrameDecoder::Outcome::kFrame) {
        if (d.error().ok() || d.error().message().empty()) {
          abort();
        }
        e.frame = Frame{};
      }
      events.push_back(e);
      if (e.outcome == FrameDecoder::Outcome::kBrokenStream) {
        Frame f;
        if (d.next(&f) != FrameDecoder::Outcome::kBrokenStream) {
          abort();
        }
        return events;
      }
    }
    if (pos >= stream.size()) {
      break;
    }
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const uint8_t sel = data[0];
  FrameOptions o;
  o.length_bytes = (sel & 1) ? 4 : 2;
  o.length_includes_header = (sel & 2) == 0;
  o.code_page = (sel & 4) ? &corebridge::mappings::CodePage::ascii()
                          : &corebridge::mappings::CodePage::cp037();
  // At least a header and a TRANCODE, whatever the LL width.
  o.max_message = o.headerBytes() + FrameOptions::kTrancodeBytes + 40 * (sel >> 4);
  const Direction dir = (sel & 8) ? Direction::kReply : Direction::kRequest;
  if (!validateFrameOptions(o).ok()) {
    abort();
  }
  const size_t chunk = 1 + data[1];
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  const std::vector<Event> whole = decodeAll(o, dir, stream, stream.size() + 1);
  const std::vector<Event> pieces = decodeAll(o, dir, stream, chunk);
  if (whole.size() != pieces.size()) {
    abort();
  }
  for (size_t i = 0; i < whole.size(); ++i) {
    if (whole[i].outcome != pieces[i].outcome) {
      abort();
    }
    if (!sameFrame(whole[i].frame, pieces[i].frame)) {
      abort();
    }
  }

  for (const Event& e : whole) {
    if (e.outcome != FrameDecoder::Outcome::kFrame) {
      continue;
    }
    std::string again;
    corebridge::Status s = dir == Direction::kRequest
                               ? encodeRequest(o, e.frame.trancode, e.frame.commarea, &again)
                               : encodeReply(o, e.frame.zz, e.frame.commarea, &again);
    if (!s.ok()) {
      abort();
    }
    FrameDecoder d(o, dir);
    d.feed(again);
    Frame f;
    if (d.next(&f) != FrameDecoder::Outcome::kFrame || !sameFrame(f, e.frame)) {
      abort();
    }
    if (d.buffered() != 0) {
      abort();
    }
  }
  return 0;
}

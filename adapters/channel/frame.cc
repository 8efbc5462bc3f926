#include "adapters/channel/frame.h"

#include <algorithm>
#include <cstdio>

namespace corebridge::adapters {

namespace {

constexpr size_t kMaxErrorText = 80;

uint64_t readBigEndian(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

void appendBigEndian(uint64_t v, int n, std::string* out) {
  for (int i = n - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

uint64_t maxLengthValue(int length_bytes) { return length_bytes == 2 ? 0xFFFFu : 0xFFFFFFFFu; }

Status appendHeader(const FrameOptions& options, size_t total, uint16_t zz, std::string* out) {
  if (total > options.max_message) {
    return invalidArgument("message of " + std::to_string(total) + " bytes exceeds the maximum " +
                           std::to_string(options.max_message));
  }
  const uint64_t ll = options.length_includes_header ? total : total - options.headerBytes();
  if (ll > maxLengthValue(options.length_bytes)) {
    return invalidArgument("message of " + std::to_string(total) + " bytes does not fit in LL");
  }
  appendBigEndian(ll, options.length_bytes, out);
  appendBigEndian(zz, 2, out);
  return okStatus();
}

// Printable characters a TRANCODE may hold (letters, digits, national
// characters and punctuation CICS and IMS accept); spaces only as padding.
bool trancodeChar(char32_t c) { return c > 0x20 && c < 0x7F; }

}  // namespace

Status validateFrameOptions(const FrameOptions& options) {
  if (options.length_bytes != 2 && options.length_bytes != 4) {
    return invalidArgument("frame LL must be 2 or 4 bytes, found " +
                           std::to_string(options.length_bytes));
  }
  if (options.code_page == nullptr) {
    return invalidArgument("frame code page missing");
  }
  if (options.max_message < options.headerBytes() + FrameOptions::kTrancodeBytes) {
    return invalidArgument("frame maximum " + std::to_string(options.max_message) +
                           " is smaller than a request header");
  }
  uint64_t limit = maxLengthValue(options.length_bytes);
  if (!options.length_includes_header) {
    limit += options.headerBytes();
  }
  if (options.max_message > limit) {
    return invalidArgument("frame maximum " + std::to_string(options.max_message) +
                           " does not fit in a " + std::to_string(options.length_bytes) +
                           "-byte LL");
  }
  return okStatus();
}

std::string systemErrorCode(SystemError e) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "CB%02u", static_cast<unsigned>(e) % 100);
  return buf;
}

FrameDecoder::FrameDecoder(const FrameOptions& options, Direction direction)
    : options_(options), direction_(direction) {}

void FrameDecoder::feed(const uint8_t* p, size_t n) {
  if (broken_) {
    return;
  }
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(reinterpret_cast<const char*>(p), n);
}

FrameDecoder::Outcome FrameDecoder::fail(Outcome kind, std::string message) {
  error_ = invalidArgument(std::move(message));
  if (kind == Outcome::kBrokenStream) {
    broken_ = true;
    buffer_.clear();
    start_ = 0;
  }
  return kind;
}

FrameDecoder::Outcome FrameDecoder::next(Frame* frame) {
  if (broken_) {
    return Outcome::kBrokenStream;
  }
  const size_t avail = buffer_.size() - start_;
  const size_t header = options_.headerBytes();
  if (avail < static_cast<size_t>(options_.length_bytes)) {
    return Outcome::kNeedMore;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data()) + start_;
  const uint64_t ll = readBigEndian(p, options_.length_bytes);
  uint64_t total = ll;
  if (options_.length_includes_header) {
    if (ll < header) {
      return fail(Outcome::kBrokenStream, "LL " + std::to_string(ll) +
                                              " is smaller than the header (" +
                                              std::to_string(header) + " bytes)");
    }
  } else {
    total = ll + header;
  }
  if (total > options_.max_message) {
    return fail(Outcome::kBrokenStream, "LL " + std::to_string(ll) + " exceeds the maximum of " +
                                            std::to_string(options_.max_message) + " bytes");
  }
  if (avail < total) {
    return Outcome::kNeedMore;
  }

  // The boundary is known from here on: whatever is wrong, skip this frame.
  start_ += total;
  frame->zz = static_cast<uint16_t>(readBigEndian(p + options_.length_bytes, 2));
  frame->trancode.clear();
  frame->commarea.clear();
  size_t body = header;
  if (direction_ == Direction::kRequest) {
    if (frame->zz != 0) {
      return fail(Outcome::kBadFrame,
                  "ZZ must be 0 on a request, found " + std::to_string(frame->zz));
    }
    if (total < header + FrameOptions::kTrancodeBytes) {
      return fail(Outcome::kBadFrame,
                  "message of " + std::to_string(total) + " bytes is too short for a TRANCODE");
    }
    const uint8_t* t = p + header;
    size_t n = FrameOptions::kTrancodeBytes;
    while (n > 0 && t[n - 1] == options_.code_page->space()) {
      --n;
    }
    for (size_t i = 0; i < n; ++i) {
      const char32_t c = options_.code_page->toUnicode(t[i]);
      if (!trancodeChar(c)) {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%02X", t[i]);
        return fail(Outcome::kBadFrame, std::string("TRANCODE byte ") + std::to_string(i + 1) +
                                            " (0x" + hex + ") is not a printable character");
      }
      frame->trancode.push_back(static_cast<char>(c));
    }
    if (frame->trancode.empty()) {
      return fail(Outcome::kBadFrame, "TRANCODE is blank");
    }
    body += FrameOptions::kTrancodeBytes;
  }
  frame->commarea.assign(reinterpret_cast<const char*>(p) + body, total - body);
  return Outcome::kFrame;
}

Status encodeRequest(const FrameOptions& options, std::string_view trancode,
                     std::string_view commarea, std::string* out) {
  if (trancode.empty() || trancode.size() > FrameOptions::kTrancodeBytes) {
    return invalidArgument("TRANCODE '" + std::string(trancode) + "' must be 1 to 8 characters");
  }
  uint8_t code[FrameOptions::kTrancodeBytes];
  CB_RETURN_IF_ERROR(options.code_page->encode(trancode, code, sizeof code));
  const size_t total = options.headerBytes() + sizeof code + commarea.size();
  CB_RETURN_IF_ERROR(appendHeader(options, total, 0, out));
  out->append(reinterpret_cast<const char*>(code), sizeof code);
  out->append(commarea);
  return okStatus();
}

Status encodeReply(const FrameOptions& options, uint16_t zz, std::string_view commarea,
                   std::string* out) {
  CB_RETURN_IF_ERROR(appendHeader(options, options.headerBytes() + commarea.size(), zz, out));
  out->append(commarea);
  return okStatus();
}

void encodeSystemError(const FrameOptions& options, SystemError error, std::string_view message,
                       std::string* out) {
  std::string text = systemErrorCode(error) + " " + std::string(message);
  const size_t room = std::min(kMaxErrorText, options.max_message - options.headerBytes());
  if (text.size() > room) {
    text.resize(room);
  }
  std::string bytes;
  bytes.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z') {
      c = static_cast<unsigned char>(c - 'a' + 'A');
    }
    if (c < 0x20 || c >= 0x7F) {
      c = '?';
    }
    const int b = options.code_page->fromUnicode(c);
    bytes.push_back(static_cast<char>(b < 0 ? options.code_page->fromUnicode('?') : b));
  }
  // The text was cut to fit the maximum, so this cannot fail for valid options.
  Status s = encodeReply(options, static_cast<uint16_t>(error), bytes, out);
  (void)s;
}

std::string decodeSystemErrorText(const FrameOptions& options, std::string_view commarea) {
  std::string text;
  options.code_page->decode(reinterpret_cast<const uint8_t*>(commarea.data()), commarea.size(),
                            &text);
  return text;
}

}  // namespace corebridge::adapters

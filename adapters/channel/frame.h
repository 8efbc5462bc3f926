// The channel protocol's framing: IMS-Connect-style LLZZ messages.
//
//   request = LL ZZ TRANCODE COMMAREA
//   reply   = LL ZZ COMMAREA            (ZZ 0: normal, non-zero: system error)
//
// LL is a big-endian length (2 or 4 bytes) counting the whole message, or
// (an option) only what follows LL and ZZ; ZZ is 2 bytes; the TRANCODE is 8
// bytes, space-padded, in the configured code page (cp037 by default). The
// exact grammar is in docs/protocol.md. Sites differ, so every difference is
// a FrameOptions field, not code.
//
// FrameDecoder turns a byte stream into frames. It is incremental: feed()
// whatever arrived, then call next() until it says it needs more. A bad frame
// is reported in one of two ways, and the caller's reaction differs:
//   kBadFrame     the frame's bytes were consumed, the next frame starts right
//                 after: answer with a system error and keep reading;
//   kBrokenStream the frame boundary is lost (LL smaller than the header or
//                 larger than the maximum): answer if you like, then close.
// After kBrokenStream the decoder stays broken.
//
// Thread-safety: FrameOptions and the free functions are values/pure; a
// FrameDecoder belongs to one connection and one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mappings/codepage.h"

namespace corebridge::adapters {

struct FrameOptions {
  // Bytes of LL: 2 (IMS Connect, CICS sockets) or 4.
  int length_bytes = 2;
  // LL counts LL and ZZ themselves (IMS Connect); false: LL counts only the
  // bytes after the LL/ZZ header.
  bool length_includes_header = true;
  // Code page of the TRANCODE and of system-error texts. Not owned.
  const mappings::CodePage* code_page = &mappings::CodePage::cp037();
  // Largest whole message (header included) accepted or produced.
  size_t max_message = 32767;

  static constexpr size_t kZzBytes = 2;
  static constexpr size_t kTrancodeBytes = 8;
  size_t headerBytes() const { return static_cast<size_t>(length_bytes) + kZzBytes; }
};

// InvalidArgument when length_bytes is not 2 or 4, the code page is missing,
// or max_message is smaller than a request header or does not fit in LL.
Status validateFrameOptions(const FrameOptions& options);

// System errors a reply's ZZ carries (ZZ = the number); the text says
// "CBnn MESSAGE" with the same nn.
enum class SystemError : uint16_t {
  kMalformedFrame = 1,   // CB01: bad LL, ZZ or TRANCODE bytes
  kUnknownTrancode = 2,  // CB02
  kCommareaLength = 3,   // CB03: COMMAREA length differs from the copybook's
  kCommareaData = 4,     // CB04: COMMAREA bytes invalid for its copybook
  kAbend = 5,            // CB05: the program ended abnormally
  kProgramNotFound = 6,  // CB06: the program cannot be loaded
  kUnavailable = 7,      // CB07: host shutting down or overloaded
};

// "CB02".
std::string systemErrorCode(SystemError e);

enum class Direction { kRequest, kReply };

struct Frame {
  uint16_t zz = 0;
  std::string trancode;  // requests: decoded, trailing spaces removed
  std::string commarea;  // the bytes after the header (and TRANCODE)
};

class FrameDecoder {
 public:
  enum class Outcome { kFrame, kNeedMore, kBadFrame, kBrokenStream };

  FrameDecoder(const FrameOptions& options, Direction direction);

  // Appends received bytes.
  void feed(const uint8_t* p, size_t n);
  void feed(std::string_view bytes) {
    feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }

  // The next frame into *frame (kFrame), or kNeedMore, or an error whose text
  // is in error() (kBadFrame: frame skipped; kBrokenStream: close).
  Outcome next(Frame* frame);
  const Status& error() const { return error_; }

  // Bytes received but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  Outcome fail(Outcome kind, std::string message);

  FrameOptions options_;
  Direction direction_;
  std::string buffer_;
  size_t start_ = 0;  // where the next frame begins in buffer_
  bool broken_ = false;
  Status error_;
};

// Appends a request frame. InvalidArgument when the TRANCODE is empty,
// longer than 8 characters or not representable in the code page, or the
// message would exceed max_message.
Status encodeRequest(const FrameOptions& options, std::string_view trancode,
                     std::string_view commarea, std::string* out);

// Appends a reply frame with the given ZZ.
Status encodeReply(const FrameOptions& options, uint16_t zz, std::string_view commarea,
                   std::string* out);

// Appends a system-error reply: ZZ = the error's number, COMMAREA = the text
// "CBnn MESSAGE" in the code page, upper-cased, characters the page lacks
// replaced by '?', cut to 80 bytes (or to what max_message leaves).
void encodeSystemError(const FrameOptions& options, SystemError error, std::string_view message,
                       std::string* out);

// The text of a system-error reply's COMMAREA, decoded from the code page.
std::string decodeSystemErrorText(const FrameOptions& options, std::string_view commarea);

}  // namespace corebridge::adapters

#include "adapters/channel/frame.h"

#include <gtest/gtest.h>

#include <string>

namespace corebridge::adapters {
namespace {

using Outcome = FrameDecoder::Outcome;

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) {
    s.push_back(static_cast<char>(b));
  }
  return s;
}

// "INQ1" in cp037, space padded.
const std::string kInq1 = bytes({0xC9, 0xD5, 0xD8, 0xF1, 0x40, 0x40, 0x40, 0x40});

TEST(FrameTest, EncodesRequestAsImsConnect) {
  std::string out;
  ASSERT_TRUE(encodeRequest(FrameOptions{}, "INQ1", "ab", &out).ok());
  EXPECT_EQ(out, bytes({0x00, 0x0E, 0x00, 0x00}) + kInq1 + "ab");
}

TEST(FrameTest, DecodesRequest) {
  FrameDecoder d(FrameOptions{}, Direction::kRequest);
  d.feed(bytes({0x00, 0x0E, 0x00, 0x00}) + kInq1 + "ab");
  Frame f;
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.trancode, "INQ1");
  EXPECT_EQ(f.commarea, "ab");
  EXPECT_EQ(d.next(&f), Outcome::kNeedMore);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameTest, DecodesByteByByteAndSeveralFramesInOneRead) {
  FrameOptions o;
  std::string stream;
  ASSERT_TRUE(encodeRequest(o, "A", "1", &stream).ok());
  ASSERT_TRUE(encodeRequest(o, "BB", "", &stream).ok());
  ASSERT_TRUE(encodeRequest(o, "CCCCCCCC", std::string(300, 'x'), &stream).ok());
  FrameDecoder d(o, Direction::kRequest);
  std::vector<Frame> got;
  for (char c : stream) {
    d.feed(std::string(1, c));
    Frame f;
    while (true) {
      Outcome r = d.next(&f);
      if (r == Outcome::kNeedMore) {
        break;
      }
      ASSERT_EQ(r, Outcome::kFrame);
      got.push_back(f);
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].trancode, "A");
  EXPECT_EQ(got[0].commarea, "1");
  EXPECT_EQ(got[1].trancode, "BB");
  EXPECT_EQ(got[1].commarea, "");
  EXPECT_EQ(got[2].trancode, "CCCCCCCC");
  EXPECT_EQ(got[2].commarea, std::string(300, 'x'));

  FrameDecoder all(o, Direction::kRequest);
  all.feed(stream);
  Frame f;
  EXPECT_EQ(all.next(&f), Outcome::kFrame);
  EXPECT_EQ(all.next(&f), Outcome::kFrame);
  EXPECT_EQ(all.next(&f), Outcome::kFrame);
  EXPECT_EQ(all.next(&f), Outcome::kNeedMore);
}

TEST(FrameTest, LlBelowHeaderBreaksTheStream) {
  FrameDecoder d(FrameOptions{}, Direction::kRequest);
  d.feed(bytes({0x00, 0x03, 0x00, 0x00}) + kInq1);
  Frame f;
  EXPECT_EQ(d.next(&f), Outcome::kBrokenStream);
  EXPECT_NE(d.error().message().find("LL 3"), std::string::npos) << d.error().toString();
  d.feed(bytes({0x00, 0x0C, 0x00, 0x00}) + kInq1);
  EXPECT_EQ(d.next(&f), Outcome::kBrokenStream);  // stays broken
}

TEST(FrameTest, LlAboveMaximumBreaksTheStream) {
  FrameOptions o;
  o.max_message = 100;
  FrameDecoder d(o, Direction::kRequest);
  d.feed(bytes({0x00, 0x65}));  // 101
  Frame f;
  EXPECT_EQ(d.next(&f), Outcome::kBrokenStream);
}

TEST(FrameTest, ShortFrameAndNonZeroZzAreSkipped) {
  FrameOptions o;
  FrameDecoder d(o, Direction::kRequest);
  // LL 6: a header and two bytes, no room for a TRANCODE; the boundary is known.
  d.feed(bytes({0x00, 0x06, 0x00, 0x00, 0xC1, 0xC2}));
  d.feed(bytes({0x00, 0x0C, 0x00, 0x01}) + kInq1);  // ZZ 1 on a request
  std::string good;
  ASSERT_TRUE(encodeRequest(o, "INQ1", "z", &good).ok());
  d.feed(good);
  Frame f;
  EXPECT_EQ(d.next(&f), Outcome::kBadFrame);
  EXPECT_NE(d.error().message().find("too short"), std::string::npos);
  EXPECT_EQ(d.next(&f), Outcome::kBadFrame);
  EXPECT_NE(d.error().message().find("ZZ"), std::string::npos);
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.trancode, "INQ1");
  EXPECT_EQ(f.commarea, "z");
}

TEST(FrameTest, UnprintableOrBlankTrancodeIsABadFrame) {
  FrameDecoder d(FrameOptions{}, Direction::kRequest);
  d.feed(bytes({0x00, 0x0C, 0x00, 0x00, 0xC1, 0x00, 0xC1, 0x40, 0x40, 0x40, 0x40, 0x40}));
  d.feed(bytes({0x00, 0x0C, 0x00, 0x00, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40}));
  d.feed(bytes({0x00, 0x0C, 0x00, 0x00, 0x40, 0xC1, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40}));
  Frame f;
  EXPECT_EQ(d.next(&f), Outcome::kBadFrame);
  EXPECT_NE(d.error().message().find("0x00"), std::string::npos) << d.error().message();
  EXPECT_EQ(d.next(&f), Outcome::kBadFrame);
  EXPECT_NE(d.error().message().find("blank"), std::string::npos);
  EXPECT_EQ(d.next(&f), Outcome::kBadFrame);  // a leading space is not padding
}

TEST(FrameTest, FourByteLengthExcludingHeaderInAscii) {
  FrameOptions o;
  o.length_bytes = 4;
  o.length_includes_header = false;
  o.code_page = &mappings::CodePage::ascii();
  ASSERT_TRUE(validateFrameOptions(o).ok());
  std::string out;
  ASSERT_TRUE(encodeRequest(o, "XFER", "123", &out).ok());
  EXPECT_EQ(out, bytes({0, 0, 0, 11, 0, 0}) + "XFER    123");
  FrameDecoder d(o, Direction::kRequest);
  d.feed(out);
  Frame f;
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.trancode, "XFER");
  EXPECT_EQ(f.commarea, "123");
}

TEST(FrameTest, LengthExcludingHeaderMayBeZeroOnReplies) {
  FrameOptions o;
  o.length_includes_header = false;
  std::string out;
  ASSERT_TRUE(encodeReply(o, 0, "", &out).ok());
  EXPECT_EQ(out, bytes({0, 0, 0, 0}));
  FrameDecoder d(o, Direction::kReply);
  d.feed(out);
  Frame f;
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.commarea, "");
}

TEST(FrameTest, ReplyRoundTripKeepsZz) {
  FrameOptions o;
  std::string out;
  ASSERT_TRUE(encodeReply(o, 0, "data", &out).ok());
  EXPECT_EQ(out, bytes({0x00, 0x08, 0x00, 0x00}) + "data");
  FrameDecoder d(o, Direction::kReply);
  d.feed(out);
  Frame f;
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.zz, 0);
  EXPECT_EQ(f.commarea, "data");
}

TEST(FrameTest, SystemErrorReplyIsEbcdicTextWithCode) {
  FrameOptions o;
  std::string out;
  encodeSystemError(o, SystemError::kUnknownTrancode, "unknown trancode xyz", &out);
  FrameDecoder d(o, Direction::kReply);
  d.feed(out);
  Frame f;
  ASSERT_EQ(d.next(&f), Outcome::kFrame);
  EXPECT_EQ(f.zz, 2);
  EXPECT_EQ(static_cast<uint8_t>(f.commarea[0]), 0xC3);  // 'C' in cp037
  EXPECT_EQ(decodeSystemErrorText(o, f.commarea), "CB02 UNKNOWN TRANCODE XYZ");
}

TEST(FrameTest, SystemErrorTextIsCutAndCleaned) {
  FrameOptions o;
  std::string out;
  encodeSystemError(o, SystemError::kAbend, std::string(200, 'a') + "\n", &out);
  EXPECT_EQ(out.size(), 4u + 80u);
  o.max_message = 20;
  out.clear();
  encodeSystemError(o, SystemError::kAbend, "x\x01y", &out);
  EXPECT_EQ(decodeSystemErrorText(o, out.substr(4)), "CB05 X?Y");
  out.clear();
  encodeSystemError(o, SystemError::kAbend, std::string(40, 'b'), &out);
  EXPECT_EQ(out.size(), 20u);
}

TEST(FrameTest, EncodeRejectsBadInput) {
  FrameOptions o;
  std::string out;
  EXPECT_FALSE(encodeRequest(o, "", "", &out).ok());
  EXPECT_FALSE(encodeRequest(o, "TOOLONGXX", "", &out).ok());
  o.max_message = 20;
  EXPECT_FALSE(encodeRequest(o, "A", std::string(9, 'x'), &out).ok());
  EXPECT_TRUE(encodeRequest(o, "A", std::string(8, 'x'), &out).ok());
}

TEST(FrameTest, ValidatesOptions) {
  FrameOptions o;
  EXPECT_TRUE(validateFrameOptions(o).ok());
  o.length_bytes = 3;
  EXPECT_FALSE(validateFrameOptions(o).ok());
  o.length_bytes = 2;
  o.max_message = 70000;
  EXPECT_FALSE(validateFrameOptions(o).ok());
  o.length_bytes = 4;
  EXPECT_TRUE(validateFrameOptions(o).ok());
  o.max_message = 11;
  EXPECT_FALSE(validateFrameOptions(o).ok());
}

}  // namespace
}  // namespace corebridge::adapters

#include "mappings/framing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mappings/mapped_file.h"

namespace corebridge::mappings {
namespace {

using Bytes = std::vector<uint8_t>;

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

FramingOptions opts(RecordFormat f) {
  FramingOptions o;
  o.format = f;
  return o;
}

FramingOptions gnu(GnuVarseq v) {
  FramingOptions o = opts(RecordFormat::kGnuVariable);
  o.gnu_varseq = v;
  return o;
}

std::vector<std::string> readData(const std::string& data, const FramingOptions& o) {
  auto r = readAllRecords(data, o);
  EXPECT_TRUE(r.ok()) << r.status().toString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const auto& rec : *r) {
    // Every view lies inside the data, at its reported offset.
    EXPECT_EQ(rec.data.data(), data.data() + rec.offset);
    out.emplace_back(rec.data);
  }
  return out;
}

std::string writeAll(const std::vector<std::string>& recs, const FramingOptions& o) {
  std::string out;
  RecordWriter w(&out, o);
  for (const auto& r : recs) EXPECT_TRUE(w.append(r).ok());
  EXPECT_TRUE(w.finish().ok());
  EXPECT_EQ(w.count(), recs.size());
  return out;
}

Status readError(const std::string& data, const FramingOptions& o) {
  auto r = readAllRecords(data, o);
  if (r.ok()) return okStatus();
  return r.status();
}

void expectError(const std::string& data, const FramingOptions& o,
                 const std::vector<std::string>& parts) {
  Status s = readError(data, o);
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument) << s.toString();
  for (const auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << s.message();
}

const std::vector<std::string> kRecords = {"ABC", "", "HELLO", std::string(300, 'Z'),
                                           std::string("\0\1\2", 3)};

TEST(ParseRecordFormat, Names) {
  EXPECT_EQ(*parseRecordFormat("F"), RecordFormat::kFixed);
  EXPECT_EQ(*parseRecordFormat("fb"), RecordFormat::kFixedBlocked);
  EXPECT_EQ(*parseRecordFormat("V"), RecordFormat::kVariable);
  EXPECT_EQ(*parseRecordFormat("vb"), RecordFormat::kVariableBlocked);
  EXPECT_EQ(*parseRecordFormat("GNU-V"), RecordFormat::kGnuVariable);
  EXPECT_EQ(parseRecordFormat("U").status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parseRecordFormat("VBS").status().message().find("VBS"), std::string::npos);
  for (auto f : {RecordFormat::kFixed, RecordFormat::kFixedBlocked, RecordFormat::kVariable,
                 RecordFormat::kVariableBlocked, RecordFormat::kGnuVariable}) {
    EXPECT_EQ(*parseRecordFormat(recordFormatName(f)), f);
  }
}

TEST(Fixed, ReadsRecordsWithOffsets) {
  FramingOptions o = opts(RecordFormat::kFixed);
  o.record_length = 4;
  std::string data = "AAAABBBBCCCC";
  auto r = readAllRecords(data, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].data, "BBBB");
  EXPECT_EQ((*r)[1].offset, 4u);
  EXPECT_EQ((*r)[2].frame_offset, 8u);
}

TEST(Fixed, EmptyDataHasNoRecords) {
  FramingOptions o = opts(RecordFormat::kFixedBlocked);
  o.record_length = 80;
  EXPECT_TRUE(readData("", o).empty());
}

TEST(Fixed, ShortLastRecordNamesOffsetAndSizes) {
  FramingOptions o = opts(RecordFormat::kFixed);
  o.record_length = 4;
  expectError("AAAABB", o, {"offset 4", "2 bytes left", "record length 4"});
}

TEST(Fixed, NeedsRecordLength) {
  EXPECT_EQ(readError("AAAA", opts(RecordFormat::kFixed)).code(), StatusCode::kInvalidArgument);
  std::string out;
  RecordWriter w(&out, opts(RecordFormat::kFixed));
  EXPECT_FALSE(w.append("A").ok());
}

TEST(Fixed, WriterChecksLengthAndRoundTrips) {
  FramingOptions o = opts(RecordFormat::kFixedBlocked);
  o.record_length = 3;
  std::string out;
  RecordWriter w(&out, o);
  EXPECT_TRUE(w.append("abc").ok());
  Status s = w.append("abcd");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("4 bytes"), std::string::npos) << s.message();
  EXPECT_TRUE(w.append("xyz").ok());
  EXPECT_EQ(out, "abcxyz");
  EXPECT_EQ(readData(out, o), (std::vector<std::string>{"abc", "xyz"}));
}

TEST(Variable, IbmBigEndianBytes) {
  std::string out = writeAll({"AB", ""}, opts(RecordFormat::kVariable));
  EXPECT_EQ(out, str({0, 6, 0, 0, 'A', 'B', 0, 4, 0, 0}));
}

TEST(Variable, LittleEndianExcludingHeaderBytes) {
  FramingOptions o = opts(RecordFormat::kVariable);
  o.length_order = ByteOrder::kLittleEndian;
  o.rdw_includes_header = false;
  std::string out = writeAll({"AB", std::string(258, 'x')}, o);
  EXPECT_EQ(out.substr(0, 6), str({2, 0, 0, 0, 'A', 'B'}));
  EXPECT_EQ(out.substr(6, 4), str({2, 1, 0, 0}));
}

TEST(Variable, RoundTripsEveryOptionCombination) {
  for (auto order : {ByteOrder::kBigEndian, ByteOrder::kLittleEndian}) {
    for (bool incl : {true, false}) {
      FramingOptions o = opts(RecordFormat::kVariable);
      o.length_order = order;
      o.rdw_includes_header = incl;
      std::string data = writeAll(kRecords, o);
      EXPECT_EQ(readData(data, o), kRecords);
      auto r = readAllRecords(data, o);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ((*r)[0].frame_offset, 0u);
      EXPECT_EQ((*r)[0].offset, 4u);
      EXPECT_EQ((*r)[1].frame_offset, 7u);
    }
  }
}

TEST(Variable, Errors) {
  FramingOptions o = opts(RecordFormat::kVariable);
  expectError(str({0, 3, 0, 0}), o, {"offset 0", "00 03 00 00", "length 3 < 4"});
  expectError(str({0, 6, 0, 0, 'A', 'B', 0, 9, 0, 0, 'x'}), o,
              {"offset 6", "00 09 00 00", "past the end"});
  expectError(str({0, 5, 0, 1, 'A'}), o, {"offset 0", "00 05 00 01", "bytes 3-4"});
  expectError(str({0, 5, 0, 0, 'A', 0, 5}), o, {"truncated RDW", "offset 5", "00 05"});
  FramingOptions excl = o;
  excl.rdw_includes_header = false;
  expectError(str({0, 3, 0, 0, 'A'}), excl, {"offset 0", "3 data bytes", "past the end"});
  // Length 0 excluding the header is an empty record, not an error.
  EXPECT_EQ(readData(str({0, 0, 0, 0}), excl), std::vector<std::string>{""});
}

TEST(Variable, ReaderStaysFailed) {
  RecordReader r(str({0, 5, 0, 0, 'A', 0, 2, 0, 0}), opts(RecordFormat::kVariable));
  FramedRecord rec;
  EXPECT_TRUE(*r.next(&rec));
  EXPECT_EQ(r.count(), 1u);
  EXPECT_FALSE(r.next(&rec).ok());
  EXPECT_FALSE(r.next(&rec).ok());
  EXPECT_EQ(r.position(), 5u);
}

TEST(Variable, WriterRejectsTooLongRecord) {
  std::string out;
  RecordWriter w(&out, opts(RecordFormat::kVariable));
  EXPECT_TRUE(w.append(std::string(65531, 'a')).ok());
  EXPECT_EQ(w.append(std::string(65532, 'a')).code(), StatusCode::kInvalidArgument);
  FramingOptions excl = opts(RecordFormat::kVariable);
  excl.rdw_includes_header = false;
  RecordWriter w2(&out, excl);
  EXPECT_TRUE(w2.append(std::string(65535, 'a')).ok());
}

TEST(VariableBlocked, BlocksUpToBlockSize) {
  FramingOptions o = opts(RecordFormat::kVariableBlocked);
  o.block_size = 4 + 2 * (4 + 3);  // two 3-byte records per block
  std::string data = writeAll({"AAA", "BBB", "CCC"}, o);
  EXPECT_EQ(data, str({0, 18, 0, 0, 0, 7, 0, 0, 'A', 'A', 'A', 0, 7, 0, 0, 'B', 'B', 'B',  //
                       0, 11, 0, 0, 0, 7, 0, 0, 'C', 'C', 'C'}));
  auto r = readAllRecords(data, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].data, "CCC");
  EXPECT_EQ((*r)[2].frame_offset, 22u);
  EXPECT_EQ((*r)[2].offset, 26u);
}

TEST(VariableBlocked, RoundTripsEveryOptionCombination) {
  for (auto order : {ByteOrder::kBigEndian, ByteOrder::kLittleEndian}) {
    for (bool incl : {true, false}) {
      for (size_t bs : {size_t{312}, size_t{400}, size_t{32760}}) {
        FramingOptions o = opts(RecordFormat::kVariableBlocked);
        o.length_order = order;
        o.rdw_includes_header = incl;
        o.block_size = bs;
        EXPECT_EQ(readData(writeAll(kRecords, o), o), kRecords);
      }
    }
  }
}

TEST(VariableBlocked, ExtendedBdw) {
  FramingOptions o = opts(RecordFormat::kVariableBlocked);
  o.block_size = 200000;
  std::vector<std::string> recs(3, std::string(20000, 'q'));
  std::string data = writeAll(recs, o);
  ASSERT_EQ(data.size(), 4 + 3 * 20004u);
  EXPECT_EQ(str({uint8_t(data[0]), uint8_t(data[1]), uint8_t(data[2]), uint8_t(data[3])}),
            str({0x80, 0x00, 0xEA, 0x70}));  // 0x80000000 | 60016
  EXPECT_EQ(readData(data, o), recs);
  o.length_order = ByteOrder::kLittleEndian;
  data = writeAll(recs, o);
  EXPECT_EQ(uint8_t(data[3]), 0x80);
  EXPECT_EQ(readData(data, o), recs);
  // An extended BDW with a small length is read as well.
  EXPECT_EQ(readData(str({0x80, 0, 0, 9, 0, 5, 0, 0, 'A'}), opts(RecordFormat::kVariableBlocked)),
            std::vector<std::string>{"A"});
}

TEST(VariableBlocked, Errors) {
  FramingOptions o = opts(RecordFormat::kVariableBlocked);
  expectError(str({0, 9}), o, {"truncated BDW", "offset 0", "00 09"});
  expectError(str({0, 4, 0, 0}), o, {"BDW", "offset 0", "block length 4 < 8"});
  expectError(str({0, 9, 0, 1, 0, 5, 0, 0, 'A'}), o, {"BDW", "00 09 00 01", "bytes 3-4"});
  expectError(str({0, 20, 0, 0, 0, 5, 0, 0, 'A'}), o, {"BDW", "block length 20", "past the end"});
  // Record runs past the end of its block.
  expectError(str({0, 9, 0, 0, 0, 6, 0, 0, 'A', 'B'}), o,
              {"BDW at offset 0 inconsistent", "RDW at offset 4", "past the end of the block"});
  // Block leaves a fragment too short for an RDW.
  expectError(str({0, 11, 0, 0, 0, 5, 0, 0, 'A', 0, 5}), o,
              {"BDW at offset 0 inconsistent", "truncated RDW", "offset 9"});
  // An RDW inside a block with a bad length.
  expectError(str({0, 8, 0, 0, 0, 2, 0, 0}), o, {"RDW at offset 4", "length 2 < 4"});
  // Second block truncated.
  expectError(str({0, 9, 0, 0, 0, 5, 0, 0, 'A', 0, 0, 0}), o, {"truncated BDW", "offset 9"});
}

TEST(VariableBlocked, WriterRejectsRecordLargerThanBlock) {
  FramingOptions o = opts(RecordFormat::kVariableBlocked);
  o.block_size = 20;
  std::string out;
  RecordWriter w(&out, o);
  EXPECT_TRUE(w.append(std::string(12, 'a')).ok());
  Status s = w.append(std::string(13, 'a'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("block of 20"), std::string::npos) << s.message();
  o.block_size = 8;
  RecordWriter bad(&out, o);
  EXPECT_EQ(bad.append("a").code(), StatusCode::kInvalidArgument);
}

// The bytes GnuCOBOL 3.1.2 writes for records "ABC" and "HELLO" under each
// COB_VARSEQ_FORMAT (seen with xxd on a cobc -x program; docs/framing.md).
TEST(GnuVariable, MatchesGnuCobolBytes) {
  const std::vector<std::string> recs = {"ABC", "HELLO"};
  EXPECT_EQ(writeAll(recs, gnu(GnuVarseq::k2BigEndianNul)),
            str({0, 3, 0, 0, 'A', 'B', 'C', 0, 5, 0, 0, 'H', 'E', 'L', 'L', 'O'}));
  EXPECT_EQ(writeAll(recs, gnu(GnuVarseq::k4BigEndian)),
            str({0, 0, 0, 3, 'A', 'B', 'C', 0, 0, 0, 5, 'H', 'E', 'L', 'L', 'O'}));
  EXPECT_EQ(writeAll(recs, gnu(GnuVarseq::k4Native)),
            str({3, 0, 0, 0, 'A', 'B', 'C', 5, 0, 0, 0, 'H', 'E', 'L', 'L', 'O'}));
  EXPECT_EQ(writeAll(recs, gnu(GnuVarseq::k2BigEndian)),
            str({0, 3, 'A', 'B', 'C', 0, 5, 'H', 'E', 'L', 'L', 'O'}));
}

TEST(GnuVariable, RoundTripsEveryVariant) {
  for (auto v : {GnuVarseq::k2BigEndianNul, GnuVarseq::k4BigEndian, GnuVarseq::k4Native,
                 GnuVarseq::k2BigEndian}) {
    EXPECT_EQ(readData(writeAll(kRecords, gnu(v)), gnu(v)), kRecords);
  }
}

TEST(GnuVariable, Errors) {
  expectError(str({0, 3, 0, 1, 'A', 'B', 'C'}), gnu(GnuVarseq::k2BigEndianNul),
              {"offset 0", "00 03 00 01", "NUL"});
  expectError(str({0, 0, 0, 9, 'A'}), gnu(GnuVarseq::k4BigEndian),
              {"offset 0", "length 9", "past the end"});
  expectError(str({9, 0, 0, 0, 'A'}), gnu(GnuVarseq::k4Native), {"length 9"});
  expectError(str({0, 1, 'A', 0}), gnu(GnuVarseq::k2BigEndian),
              {"truncated", "offset 3", "bytes 00)"});
  FramingOptions bad = gnu(GnuVarseq::k2BigEndian);
  bad.gnu_varseq = static_cast<GnuVarseq>(7);
  expectError("", bad, {"COB_VARSEQ_FORMAT 7"});
}

TEST(RecordWriter, WritesToFile) {
  std::string path = ::testing::TempDir() + "/framing_writer_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  FramingOptions o = opts(RecordFormat::kVariableBlocked);
  o.block_size = 100;
  RecordWriter w(f, o);
  for (const auto& r : {"one", "two", "three"}) ASSERT_TRUE(w.append(r).ok());
  ASSERT_TRUE(w.finish().ok());
  std::fclose(f);
  auto m = MappedFile::open(path);
  ASSERT_TRUE(m.ok()) << m.status().toString();
  EXPECT_EQ(readData(std::string(m->view()), o), (std::vector<std::string>{"one", "two", "three"}));
  std::filesystem::remove(path);
}

TEST(MappedFile, MapsContentAndEmptyFiles) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/mapped_" + std::to_string(::getpid());
  { std::ofstream(path, std::ios::binary) << "hello"; }
  auto m = MappedFile::open(path);
  ASSERT_TRUE(m.ok()) << m.status().toString();
  EXPECT_EQ(m->view(), "hello");
  EXPECT_EQ(m->size(), 5u);
  EXPECT_EQ(m->path(), path);
  MappedFile moved = std::move(*m);
  EXPECT_EQ(moved.view(), "hello");
  EXPECT_EQ(m->size(), 0u);
  { std::ofstream(path, std::ios::binary | std::ios::trunc); }
  auto e = MappedFile::open(path);
  ASSERT_TRUE(e.ok()) << e.status().toString();
  EXPECT_EQ(e->size(), 0u);
  EXPECT_TRUE(e->view().empty());
  std::filesystem::remove(path);
}

TEST(MappedFile, ErrorsNamePathAndErrno) {
  auto m = MappedFile::open("/nonexistent/dir/file.dat");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("/nonexistent/dir/file.dat"), std::string::npos);
  EXPECT_NE(m.status().message().find("No such file"), std::string::npos) << m.status().message();
  auto d = MappedFile::open(::testing::TempDir());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace corebridge::mappings

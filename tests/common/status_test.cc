#include "common/status.h"

#include <gtest/gtest.h>

#include "common/logging.h"

namespace corebridge {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return invalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  CB_ASSIGN_OR_RETURN(int h, half(x));
  CB_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status checkEven(int x) {
  CB_RETURN_IF_ERROR(half(x).status());
  return okStatus();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(okStatus().ok());
  EXPECT_EQ(okStatus().toString(), "OK");
  Status s = unavailable("legacy down");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.toString(), "UNAVAILABLE: legacy down");
  EXPECT_EQ(s.withContext("call").message(), "call: legacy down");
  EXPECT_EQ(s.withContext("call").code(), StatusCode::kUnavailable);
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "odd: 3");
  EXPECT_TRUE(checkEven(4).ok());
  EXPECT_EQ(checkEven(5).code(), StatusCode::kInvalidArgument);
}

TEST(LoggingTest, MaskAccount) {
  EXPECT_EQ(maskAccount("4000001234567899"), "400000******7899");
  EXPECT_EQ(maskAccount("1000012345"), "100*****45");
  EXPECT_EQ(maskAccount(""), "");
  EXPECT_EQ(maskAccount("12"), "1*");
}

TEST(LoggingTest, NamedLoggersAreShared) {
  initLogging(LogOptions{});
  EXPECT_EQ(logger("mappings").get(), logger("mappings").get());
  EXPECT_NE(logger("mappings").get(), logger("bridge").get());
  LogFormat f;
  EXPECT_TRUE(parseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_FALSE(parseLogFormat("xml", &f));
  spdlog::level::level_enum l;
  EXPECT_TRUE(parseLogLevel("debug", &l));
  EXPECT_FALSE(parseLogLevel("loud", &l));
}

}  // namespace
}  // namespace corebridge

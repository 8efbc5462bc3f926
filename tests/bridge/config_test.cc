// corebridge's configuration file and its command-line overrides.
#include "bridge/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace corebridge::bridge {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cb_config_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string path = (dir_ / "corebridge.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto c = loadConfig("", {});
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->listen.port, 4600);
  EXPECT_EQ(c->legacy.endpoint.port, 4700);
  EXPECT_EQ(c->stages.default_stage, Stage::kLegacyOnly);
  EXPECT_TRUE(c->frameOptions().ok());
}

TEST_F(ConfigTest, FileValuesAndOverrides) {
  const std::string path = write(
      "listen: {port: 5000}\n"
      "pack: packs/demo/pack.yaml\n"
      "legacy: {host: 127.0.0.1, port: 4711, timeout_ms: 300}\n"
      "product_lines:\n"
      "  SAVINGS: {stage: SHADOW}\n"
      "  CHECKING: {stage: NEW_PRIMARY, ramp: 25}\n");
  auto c = loadConfig(path, {{"legacy.port", "4712"},
                             {"product_lines.SAVINGS.stage", "dual_write"},
                             {"product_lines.LOAN.stage", "LEGACY_ONLY"}});
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->listen.port, 5000);
  EXPECT_EQ(c->legacy.endpoint.port, 4712);
  EXPECT_EQ(c->legacy.timeout_ms, 300);
  EXPECT_EQ(c->pack, (dir_ / "packs/demo/pack.yaml").string());
  EXPECT_EQ(c->stages.lines.at("SAVINGS").stage, Stage::kDualWrite);
  EXPECT_EQ(c->stages.lines.at("CHECKING").stage, Stage::kNewPrimary);
  EXPECT_EQ(c->stages.lines.at("CHECKING").ramp_percent, 25);
  EXPECT_EQ(c->stages.lines.at("LOAN").stage, Stage::kLegacyOnly);
}

TEST_F(ConfigTest, JournalPreallocationDefaultsToOneMebibyteAndZeroTurnsItOff) {
  auto c = loadConfig("", {});
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->journal_preallocate_kb, 1024);
  auto off = loadConfig(write("dualwrite: {preallocate_kb: 0}\n"), {});
  ASSERT_TRUE(off.ok()) << off.status().toString();
  EXPECT_EQ(off->journal_preallocate_kb, 0);
  auto negative = loadConfig("", {{"dualwrite.preallocate_kb", "-1"}});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("dualwrite.preallocate_kb"), std::string::npos)
      << negative.status().message();
}

TEST_F(ConfigTest, ErrorsNameFileLineAndKey) {
  auto unknown = loadConfig(write("listen: {port: 5000}\nlegacy:\n  hots: x\n"), {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("corebridge.yaml:3: legacy.hots: unknown option"),
            std::string::npos)
      << unknown.status().message();

  auto stage = loadConfig(write("product_lines:\n  SAVINGS: {stage: HALFWAY}\n"), {});
  ASSERT_FALSE(stage.ok());
  EXPECT_NE(stage.status().message().find(":2: product_lines.SAVINGS.stage"), std::string::npos)
      << stage.status().message();

  auto port = loadConfig("", {{"legacy.port", "99999"}});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("option --legacy.port"), std::string::npos)
      << port.status().message();

  auto type = loadConfig("", {{"secondary.workers", "many"}});
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("secondary.workers"), std::string::npos);

  auto yaml = loadConfig(write("listen: [\n"), {});
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find("corebridge.yaml:"), std::string::npos);

  auto page = loadConfig("", {{"frame.code_page", "cp9999"}});
  EXPECT_FALSE(page.ok());
  EXPECT_EQ(loadConfig("/no/such/file.yaml", {}).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace corebridge::bridge

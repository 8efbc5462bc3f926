// The fixture of the bridgectl tests: a temporary directory per test and the
// real binary run through the shell, its exit code and both streams kept.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace corebridge::tools_test {

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

class BridgectlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        std::filesystem::temp_directory_path() / (std::string(test->test_suite_name()) + "_" +
                                                  std::to_string(::getpid()) + "_" + test->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // `bridgectl ARGS` (ARGS as the shell splits them).
  Outcome run(const std::string& args) const {
    const std::string out = path("stdout"), err = path("stderr");
    const std::string cmd =
        std::string(CB_BINARY_DIR) + "/bin/bridgectl " + args + " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read("stdout"), read("stderr")};
  }

  std::filesystem::path dir_;
};

}  // namespace corebridge::tools_test

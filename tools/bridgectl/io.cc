#include "tools/bridgectl/io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace corebridge::tools {

Result<Input> Input::open(const std::string& path) {
  Input in;
  in.name_ = path == "-" ? "<stdin>" : path;
  if (path == "-") {
    in.buffer_.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return in;
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    std::ifstream stream(path, std::ios::binary);  // a pipe or device: read it whole
    if (!stream) {
      return notFound(path + ": cannot open");
    }
    in.buffer_.assign(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
    return in;
  }
  CB_ASSIGN_OR_RETURN(mappings::MappedFile f, mappings::MappedFile::open(path));
  in.file_.emplace(std::move(f));
  return in;
}

Result<Output> Output::open(const std::string& path) {
  if (path.empty() || path == "-") {
    return Output(stdout, "<stdout>");
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return unavailable(path + ": cannot create: " + std::strerror(errno));
  }
  return Output(f, path);
}

Output::Output(Output&& other) noexcept
    : file_(other.file_), name_(std::move(other.name_)), buffer_(std::move(other.buffer_)) {
  other.file_ = nullptr;
}

Output::~Output() {
  if (file_ != nullptr && file_ != stdout) {
    std::fclose(file_);
  }
}

Status Output::flush(bool force) {
  if (!force && buffer_.size() < (1u << 20)) {
    return okStatus();
  }
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    return unavailable(name_ + ": write failed: " + std::strerror(errno));
  }
  buffer_.clear();
  if (force && std::fflush(file_) != 0) {
    return unavailable(name_ + ": write failed: " + std::strerror(errno));
  }
  return okStatus();
}

}  // namespace corebridge::tools

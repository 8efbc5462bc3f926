// Input and output for bridgectl: a whole input (file mapped, or stdin read)
// and a buffered output (stdout or a file).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mappings/mapped_file.h"

namespace corebridge::tools {

class Input {
 public:
  // "-" reads standard input.
  static Result<Input> open(const std::string& path);
  std::string_view bytes() const { return file_ ? file_->view() : std::string_view(buffer_); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::optional<mappings::MappedFile> file_;
  std::string buffer_;
};

class Output {
 public:
  // Empty or "-": standard output.
  static Result<Output> open(const std::string& path);
  Output(Output&& other) noexcept;
  Output(const Output&) = delete;
  ~Output();

  std::string* buffer() { return &buffer_; }
  // Writes the buffer out once it holds more than 1 MiB (or always, `force`).
  Status flush(bool force = false);
  FILE* file() { return file_; }

 private:
  explicit Output(FILE* f, std::string name) : file_(f), name_(std::move(name)) {}
  FILE* file_;
  std::string name_;
  std::string buffer_;
};

}  // namespace corebridge::tools

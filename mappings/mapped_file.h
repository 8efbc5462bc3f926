// MappedFile: a read-only memory map of a whole file, for decoding extracts
// and legacy data files without copying them.
//
// RAII: the mapping lives as long as the object; views into it (data(),
// view()) must not outlive it. Move-only. An empty file is valid and maps to
// an empty view. Errors name the path and the system's errno text:
// NotFound (no such file), FailedPrecondition (permission denied),
// InvalidArgument (not a regular file), Unavailable (other I/O failures).
//
// Thread-safety: the bytes are immutable; share a const MappedFile freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace corebridge::mappings {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const {
    return size_ == 0 ? std::string_view()
                      : std::string_view(reinterpret_cast<const char*>(data_), size_);
  }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace corebridge::mappings

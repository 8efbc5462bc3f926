// libFuzzer target for the mapping-pack loader (mappings/pack.h): any bytes
// as pack.yaml either load into a Pack whose invariants hold (every
// transaction has a compiled codec, a known kind, key fields that exist) or
// fail with a Status; never a crash, hang or leak. The pack sees the demo
// bank's copybooks as `copybooks/` beside it (a symlink into the source
// tree), so the seed corpus (the demobank pack with `copybook_dir:
// copybooks`) reaches deep into validation.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mappings/pack.h"

namespace {

namespace fs = std::filesystem;

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// A directory with `copybooks` linked to the demo bank's, made once and
// removed at exit.
struct PackDir {
  PackDir() {
    std::string pattern = (fs::temp_directory_path() / "cb-pack-fuzz-XXXXXX").string();
    check(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
    std::error_code ignored;
    fs::create_directory_symlink(std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks",
                                 fs::path(path) / "copybooks", ignored);
  }
  ~PackDir() {
    std::error_code ignored;
    fs::remove(fs::path(path) / "copybooks", ignored);  // the link, not the copybooks
    fs::remove_all(path, ignored);
  }
  std::string path;
};

const std::string& packDir() {
  static const PackDir dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = packDir() + "/pack.yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto pack = corebridge::mappings::loadPack(path);
  if (!pack.ok()) {
    check(!pack.status().message().empty());
    return 0;
  }
  for (const auto& t : (*pack)->transactions) {
    check(t.codec != nullptr && t.layout != nullptr);
    check(!t.trancode.empty() && t.trancode.size() <= 8);
    check((*pack)->find(t.trancode) != nullptr);
    for (const std::string& key : t.key_fields) {
      check(t.layout->find(key) != corebridge::mappings::kNoIndex);
    }
  }
  return 0;
}

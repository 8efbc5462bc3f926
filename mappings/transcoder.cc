#include "mappings/transcoder.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>

#include "mappings/field_codec.h"

namespace corebridge::mappings {

namespace {

std::array<uint8_t, 256> byteTable(const CodePage& from, const CodePage& to) {
  std::array<uint8_t, 256> t{};
  const int question = to.fromUnicode(U'?');
  for (int b = 0; b < 256; ++b) {
    const int c = to.fromUnicode(from.toUnicode(static_cast<uint8_t>(b)));
    t[b] = static_cast<uint8_t>(c >= 0 ? c : question);
  }
  return t;
}

int recordIndex(const Layout& layout, const std::string& record) {
  if (record.empty()) {
    return layout.records.empty() ? kNoIndex : layout.records.front();
  }
  for (int r : layout.records) {
    if (layout.fields[r].name == record) {
      return r;
    }
  }
  return kNoIndex;
}

// The first elementary field (in source order) whose storage differs between
// the two layouts of one copybook, else the first group, else kNoIndex.
int firstDifference(const Layout& a, const Layout& b) {
  if (a.fields.size() != b.fields.size()) {
    return 0;
  }
  int group = kNoIndex;
  for (size_t i = 0; i < a.fields.size(); ++i) {
    const Field& x = a.fields[i];
    const Field& y = b.fields[i];
    if (x.offset != y.offset || x.length != y.length || x.occurs_max != y.occurs_max) {
      if (!x.isGroup()) {
        return static_cast<int>(i);
      }
      if (group == kNoIndex) {
        group = static_cast<int>(i);
      }
    }
  }
  return group;
}

bool isText(const Field& f) {
  switch (f.category) {
    case Category::kAlphanumeric:
    case Category::kAlphabetic:
    case Category::kAlphanumericEdited:
    case Category::kNational:
      return true;
    default:
      return false;
  }
}

}  // namespace

Transcoder::~Transcoder() = default;

Result<std::unique_ptr<Transcoder>> Transcoder::create(std::string name,
                                                       std::shared_ptr<const Layout> wire,
                                                       std::shared_ptr<const Layout> host,
                                                       const std::string& record) {
  const int wr = recordIndex(*wire, record);
  const int hr = recordIndex(*host, record);
  if (wr == kNoIndex || hr == kNoIndex) {
    return invalidArgument(name + ": no record " + (record.empty() ? "" : "'" + record + "' ") +
                           "in the copybook");
  }
  const size_t wire_len = wire->fields[wr].length;
  const size_t host_len = host->fields[hr].length;
  const int diff = firstDifference(*wire, *host);
  if (wire_len != host_len || diff != kNoIndex) {
    std::string where;
    if (diff != kNoIndex && static_cast<size_t>(diff) < wire->fields.size()) {
      const Field& w = wire->fields[diff];
      const Field& h = host->fields[diff];
      where = fmt::format(
          "; first difference at {} (line {}): offset {} length {} vs offset {} "
          "length {}",
          wire->path(diff), w.line, w.offset, w.length, h.offset, h.length);
    }
    return invalidArgument(fmt::format(
        "{}: the record is {} bytes in the wire dialect but {} in the host dialect{}. Binary "
        "sizes differ: compile the COBOL with -fbinary-size=2-4-8 and describe it with "
        "binary_size 2-4-8 (COMP-5 stays 1-2-4-8: native_binary_size)",
        name, wire_len, host_len, where));
  }
  auto t = std::unique_ptr<Transcoder>(new Transcoder());
  t->name_ = std::move(name);
  t->length_ = wire_len;
  t->record_ = wr;
  t->wire_to_host_ = byteTable(*wire->dialect.code_page, *host->dialect.code_page);
  t->host_to_wire_ = byteTable(*host->dialect.code_page, *wire->dialect.code_page);
  t->wire_ = std::move(wire);
  t->host_ = std::move(host);
  t->plan(wr, 0);
  return t;
}

void Transcoder::plan(int index, size_t base) {
  const Field& f = wire_->fields[index];
  if (f.level == 66) {
    return;
  }
  if (!f.isGroup()) {
    items_.push_back(Item{index, static_cast<uint32_t>(base)});
    return;
  }
  for (int c : f.children) {
    const Field& child = wire_->fields[c];
    if (child.redefines != kNoIndex || child.level == 66 || child.level == 88) {
      continue;
    }
    const size_t rel = child.offset - f.offset;
    for (int k = 0; k < child.occurs_max; ++k) {
      plan(c, base + rel + k * child.length);
    }
  }
}

Result<std::unique_ptr<Transcoder>> Transcoder::fromCopybookFile(const std::string& path,
                                                                 const CopybookOptions& wire,
                                                                 const CopybookOptions& host,
                                                                 const std::string& record) {
  CB_ASSIGN_OR_RETURN(Layout w, parseCopybookFile(path, wire));
  CB_ASSIGN_OR_RETURN(Layout h, parseCopybookFile(path, host));
  return create(std::filesystem::path(path).filename().string(),
                std::make_shared<const Layout>(std::move(w)),
                std::make_shared<const Layout>(std::move(h)), record);
}

Status Transcoder::wireToHost(std::string_view in, std::string* out) const {
  return convert(*wire_, *host_, wire_to_host_, in, out);
}

Status Transcoder::hostToWire(std::string_view in, std::string* out) const {
  return convert(*host_, *wire_, host_to_wire_, in, out);
}

Status Transcoder::convert(const Layout& from, const Layout& to,
                           const std::array<uint8_t, 256>& bytes, std::string_view in,
                           std::string* out) const {
  if (in.size() != length_) {
    return invalidArgument(
        fmt::format("{}: the area is {} bytes, expected {}", name_, in.size(), length_));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  // Every byte first as text, so that slack and FILLER spaces stay spaces;
  // then each item converted as what it is.
  out->resize(length_);
  auto* q = reinterpret_cast<uint8_t*>(out->data());
  for (size_t i = 0; i < length_; ++i) {
    q[i] = bytes[p[i]];
  }
  Decimal number;
  std::string text;
  for (const Item& item : items_) {
    const Field& ff = from.fields[item.field];
    const Field& tf = to.fields[item.field];
    const uint8_t* src = p + item.offset;
    uint8_t* dst = q + item.offset;
    Status s;
    // FILLER, and anything neither number nor text, is not a value.
    bool valid = false;
    if (ff.filler) {
      // passed as bytes below
    } else if (ff.category == Category::kFloat) {
      double v = 0;
      valid = decodeFloat(ff, from.dialect, src, &v).ok();
      if (valid) {
        s = encodeFloat(tf, to.dialect, v, dst);
      }
    } else if (ff.isNumeric() || ff.category == Category::kPointer) {
      valid = decodeNumber(ff, from.dialect, src, &number).ok();
      if (valid) {
        s = encodeNumber(tf, to.dialect, number, dst);
      }
    } else if (isText(ff)) {
      text.clear();
      valid = decodeText(ff, from.dialect, src, &text).ok();
      if (valid) {
        s = encodeText(tf, to.dialect, text, dst);
      }
    }
    if (!valid && ff.usage != Usage::kDisplay) {
      // Not a value: binary and packed bytes pass unchanged (the program
      // judges them); DISPLAY bytes stay translated as text.
      std::memcpy(dst, src, ff.length);
    }
    if (!s.ok()) {
      out->clear();
      return invalidArgument(fmt::format("{}: field {} at offset {}: {}", name_,
                                         from.path(item.field), item.offset, s.message()));
    }
  }
  return okStatus();
}

}  // namespace corebridge::mappings

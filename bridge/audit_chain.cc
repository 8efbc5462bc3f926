#include "bridge/audit_chain.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <set>

namespace corebridge::bridge {

namespace {

void appendField(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out.append(value);
  out += '\n';
}

// The first 12 hex digits: enough to tell two hashes apart in a message.
std::string shortHash(const std::string& hash) {
  return hash.size() > 12 ? hash.substr(0, 12) + "..." : "'" + hash + "'";
}

std::string entryName(int64_t seq) { return "entry " + std::to_string(seq); }

class ChainChecker {
 public:
  ChainChecker(const std::vector<AuditEntry>& entries, const std::optional<AuditHead>& head,
               const std::string& start_prev_hash)
      : entries_(entries), head_(head), start_prev_hash_(start_prev_hash) {}

  ChainReport run() {
    report_.entries = static_cast<int64_t>(entries_.size());
    checkOrder();
    checkLinks();
    checkHead();
    report_.ok = report_.problems.empty();
    return report_;
  }

 private:
  void add(int64_t seq, const char* kind, std::string message) {
    report_.problems.push_back(ChainProblem{seq, kind, std::move(message)});
  }

  // The entries as given must ascend; the links are then checked in seq
  // order whatever the order given, so that a reordering is reported once.
  void checkOrder() {
    std::set<int64_t> seen;
    int64_t highest = 0;
    for (const AuditEntry& e : entries_) {
      if (!seen.empty() && e.seq <= highest) {
        if (seen.count(e.seq) > 0) {
          add(e.seq, "order", entryName(e.seq) + " appears more than once");
        } else {
          add(e.seq, "order",
              entryName(e.seq) + " is out of order: it comes after " + entryName(highest));
        }
      }
      highest = seen.empty() ? e.seq : std::max(highest, e.seq);
      seen.insert(e.seq);
    }
    for (const AuditEntry& e : entries_) {
      sorted_.push_back(&e);
    }
    std::stable_sort(sorted_.begin(), sorted_.end(),
                     [](const AuditEntry* a, const AuditEntry* b) { return a->seq < b->seq; });
  }

  std::string gapMessage(int64_t expected, int64_t seq, const AuditEntry* prev) const {
    const std::string missing = seq - expected == 1
                                    ? entryName(expected) + " is missing"
                                    : "entries " + std::to_string(expected) + " to " +
                                          std::to_string(seq - 1) + " are missing";
    if (prev == nullptr) {
      return missing + " (the log starts at " + std::to_string(seq) + ")";
    }
    return missing + " (seq jumps from " + std::to_string(prev->seq) + " to " +
           std::to_string(seq) + ")";
  }

  std::string relinkMessage(const AuditEntry& e, const AuditEntry* prev) const {
    const std::string head = entryName(e.seq) + ": its prev_hash " + shortHash(e.prev_hash);
    if (prev != nullptr) {
      return head + " is not the hash of " + entryName(prev->seq) + " (" + entryName(prev->seq) +
             " was replaced, or entries were removed and the rest re-linked)";
    }
    if (start_prev_hash_.empty()) {
      return head + " is not 64 '0's, as the first entry's must be (it was replaced)";
    }
    return head + " is not " + shortHash(start_prev_hash_) + ", the hash it must follow";
  }

  void checkLinks() {
    const bool from_genesis = start_prev_hash_.empty();
    std::string expected_prev = from_genesis ? genesisHash() : start_prev_hash_;
    int64_t expected_seq = from_genesis || sorted_.empty() ? 1 : sorted_.front()->seq;
    const AuditEntry* prev = nullptr;
    for (const AuditEntry* e : sorted_) {
      if (auditHash(*e) != e->hash) {
        add(e->seq, "edited",
            entryName(e->seq) +
                ": its hash does not match its contents (edited after it was "
                "written)");
      }
      if (prev != nullptr && e->seq == prev->seq) {
        continue;  // a second copy, reported by checkOrder()
      }
      bool gap = false;
      if (e->seq < expected_seq) {
        add(e->seq, "order", entryName(e->seq) + ": seqs start at 1");
      } else if (e->seq > expected_seq) {
        gap = true;
        add(expected_seq, "gap", gapMessage(expected_seq, e->seq, prev));
      }
      // After a gap the link cannot match: the gap says why.
      if (!gap && e->prev_hash != expected_prev) {
        add(e->seq, "relinked", relinkMessage(*e, prev));
      }
      expected_prev = e->hash;
      expected_seq = e->seq + 1;
      prev = e;
      unique_.push_back(e);
    }
    if (!unique_.empty()) {
      report_.first_seq = unique_.front()->seq;
      report_.last_seq = unique_.back()->seq;
      report_.last_hash = unique_.back()->hash;
    }
  }

  // The chain must reach the head: the entry at head.seq exists and has
  // head.hash. Entries after it are newer ones, checked by their links.
  void checkHead() {
    if (!head_) {
      return;
    }
    const AuditHead& h = *head_;
    const std::string says = "the head says " + std::to_string(h.seq);
    if (h.seq <= 0) {
      if (!h.hash.empty()) {
        add(h.seq, "head_mismatch", "the head has a hash but no seq (" + shortHash(h.hash) + ")");
      }
      return;
    }
    if (unique_.empty()) {
      add(h.seq, "truncated", "the log is empty but " + says + ": the newest entries were removed");
      return;
    }
    if (report_.last_seq < h.seq) {
      add(h.seq, "truncated",
          "the log ends at " + std::to_string(report_.last_seq) + " but " + says +
              ": the newest entries were removed");
      return;
    }
    if (h.seq < report_.first_seq) {
      add(h.seq, "head_mismatch",
          "the head (" + std::to_string(h.seq) + ") is before the first entry checked (" +
              std::to_string(report_.first_seq) + ")");
      return;
    }
    auto it = std::find_if(unique_.begin(), unique_.end(),
                           [&](const AuditEntry* e) { return e->seq == h.seq; });
    if (it == unique_.end()) {
      add(h.seq, "head_mismatch", entryName(h.seq) + ", the head, is missing");
    } else if ((*it)->hash != h.hash) {
      add(h.seq, "head_mismatch",
          entryName(h.seq) + ": its hash " + shortHash((*it)->hash) + " is not the head's " +
              shortHash(h.hash) + " (the log was rewritten from there)");
    }
  }

  const std::vector<AuditEntry>& entries_;
  const std::optional<AuditHead>& head_;
  const std::string& start_prev_hash_;
  std::vector<const AuditEntry*> sorted_;  // every entry, by seq
  std::vector<const AuditEntry*> unique_;  // one per seq
  ChainReport report_;
};

}  // namespace

const std::string& genesisHash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string canonicalAuditText(const AuditEntry& e) {
  std::string out;
  out.reserve(256 + e.reason.size() + e.evidence.size());
  appendField(out, std::to_string(e.seq));
  appendField(out, std::to_string(e.at_ms));
  appendField(out, e.actor);
  appendField(out, e.action);
  appendField(out, e.line);
  appendField(out, e.from);
  appendField(out, e.to);
  appendField(out, e.reason);
  appendField(out, e.approved_by);
  appendField(out, e.evidence);
  appendField(out, std::to_string(e.change_id));
  appendField(out, e.prev_hash);
  return out;
}

std::string auditHash(const AuditEntry& entry) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(canonicalAuditText(entry));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

ChainReport verifyChain(const std::vector<AuditEntry>& entries,
                        const std::optional<AuditHead>& head, const std::string& start_prev_hash) {
  return ChainChecker(entries, head, start_prev_hash).run();
}

}  // namespace corebridge::bridge

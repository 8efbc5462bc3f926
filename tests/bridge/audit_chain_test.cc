// The audit log's hash chain: the canonical form and hash (checked against
// an independent SHA-256), and verifyChain over an intact chain and over
// every kind of tampering it must name.
#include "bridge/audit_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace corebridge::bridge {
namespace {

using ::testing::IsEmpty;

AuditEntry sampleEntry() {
  AuditEntry e;
  e.seq = 1;
  e.at_ms = 1796000000000;
  e.actor = "alice";
  e.action = "propose";
  e.line = "SAVINGS";
  e.from = "SHADOW";
  e.to = "NEW_PRIMARY 25%";
  e.reason = "ramp up";
  e.evidence = "{}";
  e.change_id = 3;
  e.prev_hash = genesisHash();
  return e;
}

// `n` entries chained from seq 1, as the store writes them.
std::vector<AuditEntry> chain(int n) {
  std::vector<AuditEntry> out;
  std::string prev = genesisHash();
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.seq = i;
    e.at_ms = 1796000000000 + int64_t{i} * 1000;
    e.actor = i % 2 == 0 ? "bob" : "alice";
    e.action = i % 3 == 0 ? "approve" : "propose";
    e.line = i % 2 == 0 ? "CHECKING" : "SAVINGS";
    e.from = "SHADOW";
    e.to = "NEW_PRIMARY " + std::to_string(i) + "%";
    e.reason = "step " + std::to_string(i);
    e.evidence = "{\"i\":" + std::to_string(i) + "}";
    e.change_id = i;
    e.prev_hash = prev;
    e.hash = auditHash(e);
    prev = e.hash;
    out.push_back(std::move(e));
  }
  return out;
}

// Entry i (1-based) rewritten consistently: its hash recomputed.
void rehash(AuditEntry& e) { e.hash = auditHash(e); }

// Relinks and rehashes every entry from index `from` on, as an attacker
// rebuilding the chain after an edit would.
void rebuildFrom(std::vector<AuditEntry>& entries, size_t from) {
  for (size_t i = from; i < entries.size(); ++i) {
    entries[i].prev_hash = i == 0 ? genesisHash() : entries[i - 1].hash;
    rehash(entries[i]);
  }
}

std::vector<std::string> kinds(const ChainReport& r) {
  std::vector<std::string> out;
  for (const ChainProblem& p : r.problems) {
    out.push_back(p.kind);
  }
  return out;
}

AuditHead headOf(const std::vector<AuditEntry>& entries) {
  return AuditHead{entries.back().seq, entries.back().hash};
}

TEST(AuditChainTest, CanonicalFormIsLengthPrefixedInTheHeaderOrder) {
  const std::string expected =
      "1:1\n13:1796000000000\n5:alice\n7:propose\n7:SAVINGS\n6:SHADOW\n15:NEW_PRIMARY 25%\n"
      "7:ramp up\n0:\n2:{}\n1:3\n64:" +
      std::string(64, '0') + "\n";
  EXPECT_EQ(canonicalAuditText(sampleEntry()), expected);
  EXPECT_EQ(genesisHash(), std::string(64, '0'));
}

TEST(AuditChainTest, HashIsTheSha256OfTheCanonicalForm) {
  // printf '<the canonical form>' | sha256sum
  EXPECT_EQ(auditHash(sampleEntry()),
            "fdae0f3d166fa272a681281abfd82cba32b33368f5d3ce6f36f9892408e259ac");
  AuditEntry e = sampleEntry();
  e.hash = "anything";  // not part of the form
  EXPECT_EQ(auditHash(e), auditHash(sampleEntry()));
}

TEST(AuditChainTest, LengthPrefixesKeepShiftedFieldsApart) {
  AuditEntry a = sampleEntry();
  a.actor = "alice\n5:bob";
  a.action = "";
  AuditEntry b = sampleEntry();
  b.actor = "alice";
  b.action = "bob";
  EXPECT_NE(canonicalAuditText(a), canonicalAuditText(b));
  EXPECT_NE(auditHash(a), auditHash(b));
  // Every field is covered.
  const std::string base = auditHash(sampleEntry());
  std::vector<AuditEntry> variants(12, sampleEntry());
  variants[0].seq = 2;
  variants[1].at_ms += 1;
  variants[2].actor = "bob";
  variants[3].action = "approve";
  variants[4].line = "CHECKING";
  variants[5].from = "DUAL_WRITE";
  variants[6].to = "NEW_PRIMARY";
  variants[7].reason = "ramp up!";
  variants[8].approved_by = "bob";
  variants[9].evidence = "{ }";
  variants[10].change_id = 4;
  variants[11].prev_hash = std::string(63, '0') + "1";
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(auditHash(variants[i]), base) << "field " << i;
  }
}

TEST(AuditChainTest, AnIntactChainVerifiesWithItsHead) {
  const std::vector<AuditEntry> entries = chain(25);
  const ChainReport r = verifyChain(entries, headOf(entries));
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.entries, 25);
  EXPECT_EQ(r.first_seq, 1);
  EXPECT_EQ(r.last_seq, 25);
  EXPECT_EQ(r.last_hash, entries.back().hash);

  const ChainReport empty = verifyChain({}, AuditHead{});
  EXPECT_TRUE(empty.ok);
  EXPECT_EQ(empty.entries, 0);
  EXPECT_EQ(empty.last_seq, 0);
}

TEST(AuditChainTest, AnEarlierHeadStillVerifiesALogThatGrew) {
  const std::vector<AuditEntry> entries = chain(25);
  EXPECT_TRUE(verifyChain(entries, AuditHead{20, entries[19].hash}).ok);
  const ChainReport wrong = verifyChain(entries, AuditHead{20, entries[18].hash});
  EXPECT_FALSE(wrong.ok);
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_EQ(wrong.problems[0].kind, "head_mismatch");
  EXPECT_EQ(wrong.problems[0].seq, 20);
}

TEST(AuditChainTest, AnEditedFieldIsNamed) {
  std::vector<AuditEntry> entries = chain(25);
  entries[17].reason = "nothing to see";  // seq 18
  const ChainReport r = verifyChain(entries, headOf(entries));
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "edited");
  EXPECT_EQ(r.problems[0].seq, 18);
  EXPECT_EQ(r.problems[0].message,
            "entry 18: its hash does not match its contents (edited after it was written)");
}

TEST(AuditChainTest, AnEditRehashedBreaksTheNextLink) {
  std::vector<AuditEntry> entries = chain(25);
  entries[17].actor = "mallory";  // seq 18, replaced with a consistent hash
  rehash(entries[17]);
  const ChainReport r = verifyChain(entries, headOf(entries));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "relinked");
  EXPECT_EQ(r.problems[0].seq, 19);
  EXPECT_THAT(r.problems[0].message, ::testing::StartsWith("entry 19: its prev_hash "));
  EXPECT_THAT(r.problems[0].message, ::testing::HasSubstr("is not the hash of entry 18"));
}

TEST(AuditChainTest, ADeletedMiddleEntryIsAGap) {
  std::vector<AuditEntry> entries = chain(25);
  entries.erase(entries.begin() + 17);  // seq 18
  const ChainReport r = verifyChain(entries, headOf(entries));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "gap");
  EXPECT_EQ(r.problems[0].seq, 18);
  EXPECT_EQ(r.problems[0].message, "entry 18 is missing (seq jumps from 17 to 19)");
  EXPECT_EQ(r.entries, 24);

  entries.erase(entries.begin() + 17);  // seq 19 too
  const ChainReport two = verifyChain(entries);
  ASSERT_EQ(two.problems.size(), 1u);
  EXPECT_EQ(two.problems[0].message, "entries 18 to 19 are missing (seq jumps from 17 to 20)");

  std::vector<AuditEntry> no_first = chain(5);
  no_first.erase(no_first.begin());
  const ChainReport start = verifyChain(no_first);
  ASSERT_EQ(start.problems.size(), 1u);
  EXPECT_EQ(start.problems[0].kind, "gap");
  EXPECT_EQ(start.problems[0].seq, 1);
  EXPECT_EQ(start.problems[0].message, "entry 1 is missing (the log starts at 2)");
}

TEST(AuditChainTest, ADeletedEntryRenumberedAndRehashedIsRelinked) {
  std::vector<AuditEntry> entries = chain(25);
  entries.erase(entries.begin() + 17);  // seq 18 removed
  for (size_t i = 17; i < entries.size(); ++i) {
    entries[i].seq -= 1;  // no gap left, every hash recomputed, links kept
    rehash(entries[i]);
  }
  // Every renumbered entry has a new hash, so every link after the removal
  // is broken.
  const ChainReport r = verifyChain(entries);
  EXPECT_THAT(kinds(r), ::testing::Each("relinked"));
  ASSERT_EQ(r.problems.size(), 7u);  // 18 to 24
  EXPECT_EQ(r.problems[0].seq, 18);
  EXPECT_EQ(r.problems[6].seq, 24);
  EXPECT_THAT(r.problems[0].message, ::testing::HasSubstr("is not the hash of entry 17"));
}

TEST(AuditChainTest, ARemovedTailIsCaughtByTheHead) {
  std::vector<AuditEntry> entries = chain(25);
  const AuditHead head = headOf(entries);
  entries.pop_back();
  EXPECT_TRUE(verifyChain(entries).ok);  // without a head, a shorter log is consistent
  const ChainReport r = verifyChain(entries, head);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "truncated");
  EXPECT_EQ(r.problems[0].seq, 25);
  EXPECT_EQ(r.problems[0].message,
            "the log ends at 24 but the head says 25: the newest entries were removed");

  const ChainReport all_gone = verifyChain({}, head);
  ASSERT_EQ(all_gone.problems.size(), 1u);
  EXPECT_EQ(all_gone.problems[0].kind, "truncated");
  EXPECT_EQ(all_gone.problems[0].message,
            "the log is empty but the head says 25: the newest entries were removed");
}

TEST(AuditChainTest, ARebuiltChainIsCaughtOnlyByAHeadKeptOutside) {
  std::vector<AuditEntry> entries = chain(25);
  const AuditHead written_down = headOf(entries);
  entries[9].reason = "rewritten";  // seq 10, and everything after rebuilt
  rebuildFrom(entries, 9);
  EXPECT_TRUE(verifyChain(entries).ok);
  EXPECT_TRUE(verifyChain(entries, headOf(entries)).ok);  // the database's own head
  const ChainReport r = verifyChain(entries, written_down);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "head_mismatch");
  EXPECT_EQ(r.problems[0].seq, 25);
  EXPECT_THAT(r.problems[0].message, ::testing::StartsWith("entry 25: its hash "));
}

TEST(AuditChainTest, SwappedEntriesAreOutOfOrder) {
  std::vector<AuditEntry> entries = chain(25);
  std::swap(entries[17], entries[18]);  // given as 17, 19, 18, 20
  const ChainReport r = verifyChain(entries, headOf(chain(25)));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "order");
  EXPECT_EQ(r.problems[0].seq, 18);
  EXPECT_EQ(r.problems[0].message, "entry 18 is out of order: it comes after entry 19");

  // Swapping the seqs of two rows in the database instead: both edited, and
  // the links around them broken.
  std::vector<AuditEntry> renumbered = chain(25);
  std::swap(renumbered[17], renumbered[18]);
  std::swap(renumbered[17].seq, renumbered[18].seq);
  const ChainReport swapped = verifyChain(renumbered);
  EXPECT_THAT(kinds(swapped),
              ::testing::ElementsAre("edited", "relinked", "edited", "relinked", "relinked"));
  EXPECT_EQ(swapped.problems[0].seq, 18);
  EXPECT_EQ(swapped.problems[4].seq, 20);
}

TEST(AuditChainTest, ADuplicatedEntryIsNamed) {
  std::vector<AuditEntry> entries = chain(5);
  entries.insert(entries.begin() + 3, entries[2]);  // seq 3 twice
  const ChainReport r = verifyChain(entries);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "order");
  EXPECT_EQ(r.problems[0].message, "entry 3 appears more than once");
}

TEST(AuditChainTest, AFirstEntryNotFromGenesisIsRelinked) {
  std::vector<AuditEntry> entries = chain(3);
  entries[0].prev_hash = std::string(64, 'f');
  rehash(entries[0]);
  rebuildFrom(entries, 1);
  const ChainReport r = verifyChain(entries);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "relinked");
  EXPECT_EQ(r.problems[0].seq, 1);
}

TEST(AuditChainTest, APartialRangeFollowsTheGivenHash) {
  const std::vector<AuditEntry> all = chain(25);
  const std::vector<AuditEntry> tail(all.begin() + 10, all.end());  // 11 to 25
  const ChainReport r = verifyChain(tail, headOf(all), all[9].hash);
  EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0].message);
  EXPECT_EQ(r.first_seq, 11);
  EXPECT_EQ(r.last_seq, 25);
  EXPECT_EQ(r.entries, 15);

  const ChainReport wrong = verifyChain(tail, std::nullopt, all[8].hash);
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_EQ(wrong.problems[0].kind, "relinked");
  EXPECT_EQ(wrong.problems[0].seq, 11);
  // Without the hash to follow, seq 11 cannot be the log's start.
  const ChainReport unanchored = verifyChain(tail);
  ASSERT_EQ(unanchored.problems.size(), 1u);
  EXPECT_EQ(unanchored.problems[0].message, "entries 1 to 10 are missing (the log starts at 11)");
}

}  // namespace
}  // namespace corebridge::bridge

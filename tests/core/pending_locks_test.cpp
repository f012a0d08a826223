// pending_locks_test.cpp — KState::lock_pending (PendingLocks) keeps its
// table by thread id and its sorted entries beside it in step: mutex_for
// answers every entry, for thread ids the table covers and for those
// beyond it, entries() lists both in thread order, and two sets with the
// same entries are equal whatever their tables hold.
#include <gtest/gtest.h>

#include "dust/k_state.hpp"

namespace {

using dust::PendingLocks;

constexpr std::uint32_t kBeyond = PendingLocks::kTabled + 7;
constexpr std::uint32_t kHuge = 4'000'000'000u;

TEST(PendingLocks, MutexForAnswersEveryEntryInAndBeyondTheTable) {
  PendingLocks p;
  for (std::uint32_t t : {3u, 0u, kBeyond, kHuge, 9u}) p.set(t, 100 + t % 50);
  for (std::uint32_t t : {3u, 0u, kBeyond, kHuge, 9u}) EXPECT_EQ(p.mutex_for(t), 100 + t % 50) << t;
  for (std::uint32_t t : {1u, 4u, 10u, PendingLocks::kTabled - 1, PendingLocks::kTabled, kHuge - 1}) {
    EXPECT_EQ(p.mutex_for(t), 0) << t;
  }
  // Entries stay in thread order, as the archive and the state hash read them.
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{
                            {0, 100}, {3, 103}, {9, 109}, {kBeyond, 100 + kBeyond % 50}, {kHuge, 100 + kHuge % 50}}));

  p.set(3, 7);
  EXPECT_EQ(p.mutex_for(3), 7);

  p.erase(3u);
  p.erase(kHuge);
  p.erase(kBeyond);
  p.erase(12u);  // no entry: nothing changes
  EXPECT_EQ(p.mutex_for(3), 0);
  EXPECT_EQ(p.mutex_for(kHuge), 0);
  EXPECT_EQ(p.mutex_for(kBeyond), 0);
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{{0, 100}, {9, 109}}));

  p.clear();
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.mutex_for(0), 0);
  EXPECT_EQ(p.mutex_for(9), 0);
}

// An archive's entries, in any order (a forged file may reverse them, or
// repeat a thread): assign sorts them once, and of two for one thread the
// first stands, as std::map's emplace kept it.
TEST(PendingLocks, AssignSortsAndKeepsTheFirstOfEachThread) {
  PendingLocks p;
  p.set(1, 9);  // replaced, table and all
  std::vector<PendingLocks::Entry> given;
  for (std::uint32_t t = 100'000; t > 0; --t) given.emplace_back(t * 3, t % 7 + 1);
  given.emplace_back(kHuge, 5);
  given.emplace_back(30, 99);     // a second entry for thread 30: the first (10 % 7 + 1) stands
  given.emplace_back(kHuge, 6);   // and for kHuge: 5 stands
  p.assign(given);
  ASSERT_EQ(p.size(), 100'001u);
  EXPECT_EQ(p.mutex_for(1), 0);
  EXPECT_EQ(p.mutex_for(30), 10 % 7 + 1);
  EXPECT_EQ(p.mutex_for(3), 1 % 7 + 1);
  EXPECT_EQ(p.mutex_for(300'000), 100'000 % 7 + 1);
  EXPECT_EQ(p.mutex_for(kHuge), 5);
  std::uint32_t last = 0;
  for (const auto& [thread, mutex] : p.entries()) {
    EXPECT_LT(last, thread);
    last = thread;
  }
  PendingLocks one_by_one;
  for (std::uint32_t t = 1; t <= 100'000; ++t) one_by_one.set(t * 3, t % 7 + 1);
  one_by_one.set(kHuge, 5);
  EXPECT_EQ(p, one_by_one);
}

// An entry naming mutex 0 (only a forged archive has one) is still an
// entry: archived and hashed in its place, though the table cannot hold
// it; setting a real mutex for that thread replaces it.
TEST(PendingLocks, AnEntryForMutexZeroKeepsItsPlace) {
  PendingLocks p;
  p.assign({{7, 2}, {5, 0}, {kBeyond, 0}, {1, 4}});
  EXPECT_EQ(p.size(), 4u);
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{{1, 4}, {5, 0}, {7, 2}, {kBeyond, 0}}));
  EXPECT_EQ(p.mutex_for(5), 0);
  p.set(5, 3);
  EXPECT_EQ(p.mutex_for(5), 3);
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{{1, 4}, {5, 3}, {7, 2}, {kBeyond, 0}}));
  p.set(7, 0);
  EXPECT_EQ(p.mutex_for(7), 0);
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{{1, 4}, {5, 3}, {7, 0}, {kBeyond, 0}}));
  p.erase(7u);
  p.erase(1u);
  EXPECT_EQ(p.entries(), (std::vector<PendingLocks::Entry>{{5, 3}, {kBeyond, 0}}));
  EXPECT_EQ(p.size(), 2u);
}

TEST(PendingLocks, EqualityIsTheEntriesAlone) {
  PendingLocks waited;
  waited.set(40, 2);
  waited.set(5, 1);
  waited.erase(40u);
  PendingLocks fresh;
  fresh.set(5, 1);
  EXPECT_EQ(waited, fresh);
  fresh.set(6, 1);
  EXPECT_NE(waited, fresh);
}

}  // namespace

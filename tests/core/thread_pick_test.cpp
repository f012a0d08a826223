// thread_pick_test.cpp — the scheduler's pick (core/run/thread_pick.hpp):
// the lane's division-free remainder gives the division's answer for every
// runnable count a run can have and every PRNG draw, edges included, so its
// picks are step()'s.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <iterator>
#include <vector>

#include "run/thread_pick.hpp"

namespace {

// Numerators that stress the remainder: the ends of the range, multiples of
// the divisor and their neighbours, powers of two and their neighbours, and
// the PRNG's own draws.
std::vector<std::uint64_t> numerators(std::uint64_t d) {
  std::vector<std::uint64_t> xs = {0, 1, 2, d - 1, d, d + 1, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - d,
                                   UINT64_MAX / d * d, UINT64_MAX / d * d - 1, (UINT64_MAX / d) * d + (d - 1)};
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t p = std::uint64_t{1} << bit;
    xs.insert(xs.end(), {p - 1, p, p + 1, p / d * d, p / d * d + d - 1});
  }
  std::uint64_t state = d * 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 2000; ++i) xs.push_back(dust::splitmix64(state));
  return xs;
}

TEST(ThreadPick, ExactRemainderIsTheDivisionsForEveryCount) {
  std::vector<std::uint64_t> divisors;
  for (std::uint64_t d = 1; d <= 300; ++d) divisors.push_back(d);
  const std::uint64_t large[] = {1000, 4096, 65535, 65536, 1000003, 0xffffffff, 0x100000000,
                                  0x123456789abcdef, UINT64_MAX / 3, UINT64_MAX - 1, UINT64_MAX};
  divisors.insert(divisors.end(), std::begin(large), std::end(large));
  for (std::uint64_t d : divisors) {
    const dust::ExactRemainder r(d);
    for (std::uint64_t x : numerators(d)) {
      ASSERT_EQ(r.of(x), x % d) << x << " % " << d;
    }
  }
}

// The lane draws as step()'s scheduler draws: the same runnable list, seed
// and PRNG state give the same thread and the same next state.
TEST(ThreadPick, LanePickMatchesPickThread) {
  const std::uint32_t runnable[] = {0, 2, 3, 5, 8, 13, 21};
  for (std::size_t count = 1; count <= 7; ++count) {
    const dust::ExactRemainder r(count);
    std::uint64_t a = 7, b = 7;
    for (int i = 0; i < 1000; ++i) {
      const std::uint32_t step_pick = dust::pick_thread(runnable, count, 0, 7, a);
      const std::uint32_t lane_pick = runnable[r.of(dust::splitmix64(b))];
      ASSERT_EQ(lane_pick, step_pick) << "count " << count << ", draw " << i;
      ASSERT_EQ(a, b);
    }
  }
}

}  // namespace

namespace {

// The k-th smallest set bit of `mask`, counted the slow way.
std::uint32_t kth_set_bit(std::uint64_t mask, std::uint64_t k) {
  for (std::uint32_t bit = 0; bit < 64; ++bit) {
    if (((mask >> bit) & 1) == 0) continue;
    if (k-- == 0) return bit;
  }
  return 64;
}

}  // namespace

// select_bit, which names the picked thread in the lane's runnable set,
// for every set of threads 0 to 7 (its one-look case) and for sets that
// reach past the first byte, up to thread 63.
TEST(ThreadPick, SelectBitIsTheKthRunnableThread) {
  for (std::uint64_t mask = 1; mask < 256; ++mask) {
    for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(std::popcount(mask)); ++k) {
      ASSERT_EQ(dust::select_bit(mask, k), kth_set_bit(mask, k)) << "mask " << mask << " k " << k;
    }
  }
  std::uint64_t state = 7;
  std::vector<std::uint64_t> masks = {UINT64_MAX, std::uint64_t{1} << 63, 0x100, 0x1ff, 0x8000000000000001ull};
  for (int i = 0; i < 500; ++i) masks.push_back(dust::splitmix64(state) | 0x100);
  for (std::uint64_t mask : masks) {
    for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(std::popcount(mask)); ++k) {
      ASSERT_EQ(dust::select_bit(mask, k), kth_set_bit(mask, k)) << "mask " << mask << " k " << k;
    }
  }
}

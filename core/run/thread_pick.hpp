// thread_pick.hpp — the scheduler's choice of the next thread (semantics
// doc §2.3), defined once. step()'s scheduler (scheduler.cpp) and the
// simple-step lane (simple_steps.cpp) both pick with it, so the two paths
// give the same interleaving for every seed by construction.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace dust {

// The threads Machine::wake_waiters woke on this OS thread in `machine`
// since the lane's picker last took them (Picker). Waking is the only way
// a call can make another thread runnable, so the picker, which keeps the
// runnable threads between its picks, adds these to them after each step
// instead of listing every thread again: most unlocks of a contended mutex
// wake someone. The picker's listing names its machine here and clears
// the record, and the picker takes the record after every step of its
// run, so the bits it adds are exactly the wakes of that step. Should
// anything run another machine's lane on this OS thread in between (an
// observer, say), the record names that machine when the picker looks, and
// the picker lists its threads again: the record never speaks for a
// machine it was not kept for.
struct WokenThreads {
  const void* machine = nullptr;  // the machine whose wakes are recorded
  std::uint64_t bits = 0;         // bit t: thread t woke (ids below 64)
  std::uint64_t count = 0;        // how many woke, every id
};
inline thread_local WokenThreads woken_threads;

// The state splitmix64 leaves, without its output: a draw whose value
// nobody needs (a pick among one thread) still moves the PRNG on.
inline std::uint64_t splitmix64_advanced(std::uint64_t state) { return state + 0x9e3779b97f4a7c15ull; }

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state = splitmix64_advanced(state));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// `x % d` without a division, for the lane's picks made after the step,
// which divide by the same few thread counts millions of times (a 64-bit
// division takes tens of cycles, and these wait on it). Lemire, Kaser and
// Kurz, "Faster remainder by direct computation" (2019), Theorem 1: with
// c = ceil(2^128 / d), x % d is the high 64 bits of ((c * x) mod 2^128) * d
// for every 64-bit x and every d from 1 to 2^64 - 1 (d = 1: c wraps to 0,
// and so does the answer, which is right). The result is the division's
// exactly, so the picks stay step()'s.
class ExactRemainder {
 public:
  ExactRemainder() = default;
  explicit ExactRemainder(std::uint64_t d) : c_(~static_cast<unsigned __int128>(0) / d + 1), d_(d) {}
  std::uint64_t of(std::uint64_t x) const {
    const unsigned __int128 low = c_ * x;
    // (low * d) >> 128 from two 64 x 64 products: the lower half's carry
    // into the upper half is all of it that reaches bit 128.
    const unsigned __int128 bottom = (static_cast<unsigned __int128>(static_cast<std::uint64_t>(low)) * d_) >> 64;
    const unsigned __int128 top = static_cast<unsigned __int128>(static_cast<std::uint64_t>(low >> 64)) * d_;
    return static_cast<std::uint64_t>((bottom + top) >> 64);
  }

 private:
  unsigned __int128 c_ = 0;
  std::uint64_t d_ = 1;
};

// The runnable threads of a run of at most 64 as one bit each (bit t:
// thread t), for the lane's picks: a thread that blocks leaves the set by
// one AND, where a list would be written again. select_bit(mask, k) is the
// k-th smallest id in the set (k below its size), which is what index k
// of the list in increasing order holds: a byte at a time, each answered
// by a table, so a set of threads 0 to 7 takes one look, asked first.
struct ByteSelect {
  std::uint8_t count[256];
  std::uint8_t nth[256][8];  // nth[b][k]: the position of the k-th set bit of byte b
};

inline constexpr ByteSelect kByteSelect = [] {
  ByteSelect t{};
  for (int b = 0; b < 256; ++b) {
    int n = 0;
    for (int bit = 0; bit < 8; ++bit) {
      if ((b >> bit) & 1) t.nth[b][n++] = static_cast<std::uint8_t>(bit);
    }
    t.count[b] = static_cast<std::uint8_t>(n);
  }
  return t;
}();

inline std::uint32_t select_bit(std::uint64_t mask, std::uint64_t k) {
  if (mask < 256) return kByteSelect.nth[mask][k & 7];  // threads 0 to 7, one look
  for (std::uint32_t base = 0; base < 64; base += 8) {
    const std::uint32_t byte = static_cast<std::uint32_t>(mask & 0xff);
    const std::uint32_t in_byte = kByteSelect.count[byte];
    if (k < in_byte) return base + kByteSelect.nth[byte][k];
    k -= in_byte;
    mask >>= 8;
  }
  return 0;  // k past the set: never asked, since a pick always has a runnable thread
}

// The round-robin pick (seed 0) after thread `tid` among the threads in
// `set` (at most 64, as select_bit's): the lowest id above `tid`, else the
// lowest.
inline std::uint32_t round_robin(std::uint64_t set, std::uint32_t tid) {
  const std::uint64_t above = set & ~((std::uint64_t{2} << tid) - 1);
  return static_cast<std::uint32_t>(std::countr_zero(above != 0 ? above : set));
}

// Picks among `count` (at least one) runnable thread ids, in increasing
// order: seed 0 takes the next id after `current`, round-robin; any other
// seed draws from the PRNG whose state the Machine keeps.
inline std::uint32_t pick_thread(const std::uint32_t* runnable, std::size_t count, std::uint32_t current,
                                 std::uint64_t seed, std::uint64_t& rng_state) {
  if (seed == 0) {
    const std::uint32_t* end = runnable + count;
    const std::uint32_t* next = std::upper_bound(runnable, end, current);
    return next == end ? runnable[0] : *next;
  }
  return runnable[splitmix64(rng_state) % count];
}

}  // namespace dust

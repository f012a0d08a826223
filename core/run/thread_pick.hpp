// thread_pick.hpp — the scheduler's choice of the next thread (semantics
// doc §2.3), defined once. step()'s scheduler (scheduler.cpp) and the
// simple-step lane (simple_steps.cpp) both pick with it, so the two paths
// give the same interleaving for every seed by construction.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace dust {

// How many times Machine::wake_waiters ran on this OS thread, for any
// machine. Waking is the only way a call can make another thread runnable,
// so the lane, which lists the runnable threads between its picks, compares
// this count around a call that neither blocked nor spawned: unchanged, the
// list it has is still the scheduler's. It only ever causes a relisting, so
// no output depends on it.
inline thread_local std::uint64_t wake_count = 0;

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
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

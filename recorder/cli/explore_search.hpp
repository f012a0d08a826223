// explore_search.hpp — `dustrun explore --exhaustive`: every distinguishable
// interleaving of a program, by a stateful search over the machine's states.
//
// A state is one Machine value, identified by its canonical hash
// (dust/machine_hash.hpp); a state already explored is never explored
// again. Three reductions keep the search small without losing any
// reachable outcome:
//   - a step that touches nothing another thread can see (no memory,
//     mutex, thread, I/O, effect, Q or Φ event; it neither blocks nor ends
//     its thread or the run) is taken alone: running it first loses no
//     interleaving;
//   - dynamic partial-order reduction with source sets (Abdulla, Aronis,
//     Jonsson and Sagonas, POPL 2014): a state's backtrack set starts with
//     one thread; every step that touches shared state is checked against
//     the steps of the path before it, ordered by vector clocks, and for
//     each race (dependent steps of two threads, not already ordered) one
//     initial of the reversed sequence is added at the earlier step's
//     state unless one is there already. Dependence is exact per object:
//     heap loads and stores on overlapping bytes with a write among them,
//     allocation and freeing with every memory access, a mutex's steps
//     (its creation too) with each other, spawn, exit and join of one
//     thread, every I/O step with every other, effects, Q and Φ steps, and
//     a step that ends the run (a failure, a deadlock, main returning) or
//     reads the clock (sleep) with everything;
//   - sleep sets: after exploring thread t at a state, t's step is not
//     tried again in a sibling branch until a step that conflicts with it
//     has run. States are cached together with the threads left asleep
//     there, and a state reached again with fewer sleepers explores just
//     the difference (Godefroid's combination of sleep sets and caching).
// State caching and DPOR: a state reached again is not explored, but the
// steps below it can race with the new path to it. Each visited state
// keeps a summary of the steps taken anywhere below it (thread, footprint,
// and the threads with an event below the state that happens before the
// step). On a revisit each summarised step is raced against the path as
// if it ran next, with the clocks of those threads' last events joined in,
// and each race asks for its thread at the racing step's state, or for
// every awake thread there when its thread cannot run there (Flanagan and
// Godefroid's rule, as Yang et al. apply it to stateful DPOR). This finds
// at least the races a full exploration below the state would find, so
// caching loses no outcome; it may ask for more threads than needed.
// Where a thread sleeps on logical time every step may wake it, so such
// states explore every awake thread and their steps touch everything;
// under --preemptions DPOR is off (it is unsound with a preemption bound)
// and every awake thread is explored, as with --no-dpor.
// Steps are ordered by step count and logical time, so the state graph
// has no cycles.
//
// Outcomes are counted by their distinct final states: `executions` is the
// number of distinct final states reached. The reductions keep every
// outcome but may merge final states that differ only in where threads
// stood that a run-ending step cut short, so counts can differ between
// --no-dpor and the default. Each outcome keeps the schedule token of the
// first run, in depth-first order (the thread that ran last first, then by
// id), that reached it.
//
// Shards: the top of the search tree is expanded in full (every awake
// thread, sleep sets only), breadth-first, into a list of at least 128
// subtrees in depth-first order; that list does not depend on the number
// of shards. One run explores every subtree in order; shard I of N those
// whose position is I modulo N. Races found inside a subtree never need
// a thread above it (everything there is explored), and each subtree's
// final states do not depend on what other subtrees cached, so the merged
// shards equal one run.
#pragma once

#include <cstdint>
#include <optional>

#include "dust/machine.hpp"
#include "explore_outcomes.hpp"

namespace dust::cli {

struct SearchLimits {
  std::optional<std::uint64_t> preemptions;
  std::optional<std::uint64_t> executions;
  std::optional<double> seconds;
  std::uint64_t max_steps = 0;  // 0: none; a run reaching it is its own outcome
  std::uint64_t shard = 0;
  std::uint64_t shards = 1;
  bool dpor = true;  // false: sleep sets and caching only (for comparison)
};

struct SearchStats {
  std::uint64_t states = 0;   // distinct states explored
  std::uint64_t steps = 0;    // steps executed
  std::uint64_t parts = 0;    // subtrees of the sharded search this shard explored
  std::uint64_t runs = 0;     // paths explored to their end: a final state, a visited state or all threads asleep
  std::uint64_t finals = 0;   // paths that ran to a final state (not cut short by a visited state)
};

ExploreReport explore_exhaustive(const Machine& initial, const SearchLimits& limits, SearchStats& stats);

}  // namespace dust::cli

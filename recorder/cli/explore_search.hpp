// explore_search.hpp — `dustrun explore --exhaustive`: every distinguishable
// interleaving of a program, by a stateful search over the machine's states.
//
// A state is one Machine value, identified by its canonical hash
// (dust/machine_hash.hpp); a state already explored is never explored
// again. Two reductions keep the search small without losing any
// reachable final state:
//   - a step that touches nothing another thread can see (no memory,
//     mutex, thread, I/O, effect, Q or Φ event; it neither blocks nor ends
//     its thread) is taken alone: running it first loses no interleaving;
//   - sleep sets: after exploring thread t at a state, t's step is not
//     tried again in a sibling branch until a step that conflicts with it
//     (reads or writes what it writes, or writes what it reads) has run.
//     States are cached together with the threads left asleep there, and a
//     state reached again with fewer sleepers explores just the difference
//     (Godefroid's combination of sleep sets and state caching).
// Steps are ordered by step count and logical time, so the state graph
// has no cycles.
//
// Outcomes are counted by their distinct final states: `executions` is the
// number of distinct final states reached. Each outcome keeps the schedule
// token of the first run, in depth-first order (the thread that ran last
// first, then by id), that reached it.
//
// Shards: the top of the search tree is expanded breadth-first into a
// list of subtrees in depth-first order, and shard I of N explores those
// whose position is I modulo N. Because each subtree's final states do not
// depend on what other subtrees cached, the merged shards equal one run.
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

// run_catalog.hpp — the whole-run facts every view lists, read once.
//
// When a trace opens, the catalog asks the query API for the run's Q
// resource lifetimes, memory block lifetimes, Φ marks, effects, mutexes,
// failure and final state (thread names, the unsafe audit log), and packs
// lifetimes into timeline rows. Per-range lanes (threads, mutexes) are not
// here: the timeline model asks for those as the view moves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/k_state.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "model/lane_folding.hpp"
#include "model/wait_cycle.hpp"

namespace dust::dbg {

// Styles of lifetime bars and marks; a larger number is more important.
enum LifetimeStyle : std::uint8_t {
  kLifetimeLive = 1,       // bar: alive to the end of the run
  kLifetimeEnded = 2,      // bar: consumed / freed within the run
  kMarkUse = 3,            // Q use (read without moving it)
  kMarkMove = 4,           // Q move, memory realloc
  kMarkEnd = 5,            // Q consume, memory free
  kMarkViolation = 6,      // a failed use of it: never hidden
  kMarkRace = 7,           // memory: an access of a data race, never hidden
};

enum PhiStyle : std::uint8_t {
  kPhiHeld = 1,
  kPhiWitness = 2,
  kPhiFailed = 3,          // never hidden
  kPhiRefused = 4,
};

struct ThreadName {
  std::uint32_t id = 0;
  std::string label;       // "T0 main", "T2 worker"
};

struct LifetimeRows {
  std::vector<std::vector<Span>> bars;   // one vector per row, ref = lifetime index
  std::vector<std::vector<Span>> marks;  // per row: moves, ends, violations
};

class RunCatalog {
 public:
  void load(rec::TraceReader& reader);

  std::uint64_t steps = 0;
  std::optional<rec::FailureMark> failure;
  std::string failure_text;           // the failure as the CLI prints it, rendered once
  // The threads the run had, by id: ids need not be dense (a thread only
  // an event names), so look one up with thread_label().
  std::vector<ThreadName> threads;
  std::vector<std::int64_t> mutexes;
  std::vector<rec::QLifetime> q;
  std::vector<rec::MemoryLifetime> memory;
  std::vector<rec::PhiMark> phi;
  std::vector<rec::EffectMark> effects;
  std::vector<UnsafeRecord> unsafe;
  // Under `--phi resolve`: the recorded resolution of the Φ entry (its
  // constraints and their status, the witness or the conflict).
  std::optional<PhiResolution> phi_resolution;
  std::vector<rec::DataRace> races;   // the run's data races (threads only)
  // Why the race check stopped before the end of the run (the reader's
  // message, naming the file: an unreadable block, or more threads than
  // the check follows), or empty when it saw the whole run. `races` then
  // holds only those it found before it stopped.
  std::string race_check_stopped;
  std::vector<WaitEdge> wait_cycle;   // at a deadlock: who waits for whom, around the cycle

  LifetimeRows q_rows;
  LifetimeRows memory_rows;
  std::vector<std::uint32_t> memory_row;  // the row of each memory lifetime
  std::vector<Span> phi_instants;     // ref = index into phi
  std::vector<Span> effect_instants;  // ref = index into effects

  // The memory lifetime holding byte `address` at `step`, if any.
  std::optional<std::size_t> memory_block_at(std::int64_t address, std::uint64_t step) const;

  // The index of the first effect at or after `step`.
  std::size_t effect_at_or_after(std::uint64_t step) const;

  // Thread `id`'s label ("T2 worker"), or null if the run had no such thread.
  const std::string* thread_label(std::uint32_t id) const;

 private:
  void check_races(rec::TraceReader& reader);
  void name_threads(const Machine& final_state);
  void pack_q();
  void pack_memory();
};

// Greedy interval packing: each [first, last) goes to the first row whose
// last span ends at or before it starts. `order` must be sorted by first.
std::vector<std::uint32_t> pack_rows(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& intervals);

}  // namespace dust::dbg

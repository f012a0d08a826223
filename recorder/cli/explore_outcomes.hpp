// explore_outcomes.hpp — what `dustrun explore` reports, in every mode:
// the distinct outcomes of the runs it made (a result or error together
// with the whole effect log), each with a count and the schedule token of
// the first run that gave it, and whether the search was complete or which
// bound cut it. Printed for people (print_human) or as JSON (to_json), and
// merged from the JSON of shards (explore_merge.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dust/machine.hpp"
#include "dust/machine_hash.hpp"

namespace dust::cli {

struct ExploreOutcome {
  std::string headline;                      // "return: 4", "error: ...", "stopped: ..."
  std::optional<std::string> returned_json;  // the trace value, when the run returned one
  std::optional<std::pair<std::string, std::string>> error;  // kind, message
  std::vector<EffectEvent> effects;
  std::uint64_t count = 0;
  std::string schedule;                      // the token of the first run that gave it
  std::uint64_t first_seed = 0;              // --seeds
  // Exhaustive search: the distinct final states that gave this outcome
  // (count is their number), and where it was first found, for merging shards.
  std::set<std::pair<std::uint64_t, std::uint64_t>> final_states;
  std::uint64_t found_in_part = 0;
  std::uint64_t found_order = 0;
};

// The outcome of a machine that stopped (done, or cut by --max-steps).
ExploreOutcome outcome_of(const Machine& machine, std::uint64_t max_steps);

// The grouping key: the headline and every effect, length-prefixed so no
// two different outcomes collide.
std::string outcome_key(const ExploreOutcome& o);

struct ExploreBound {
  std::string kind;  // "preemptions", "executions" or "seconds"
  std::uint64_t value = 0;
};

struct ExploreReport {
  bool complete = true;
  std::optional<ExploreBound> bound;
  std::uint64_t executions = 0;
  std::vector<ExploreOutcome> outcomes;  // in the order they were first found

  // Adds one run's outcome; returns its index and whether it was new.
  std::pair<std::size_t, bool> add(ExploreOutcome o);

 private:
  std::map<std::string, std::size_t> by_key_;
};

// The JSON of the issue: {"complete", "bound", "executions", "outcomes":
// [{"returned", "error", "effects", "count", "schedule"}]}, one line.
std::string report_json(const ExploreReport& report);

// Shard JSON: the report's JSON plus what merging needs (each outcome's
// final states and where it was first found).
std::string shard_json(const ExploreReport& report, std::uint64_t shard, std::uint64_t shards);

// Merges shard JSON texts into the report one run gives; false with
// `error` naming the file and what is wrong.
bool merge_shards(const std::vector<std::pair<std::string, std::string>>& files, ExploreReport& merged,
                  std::string& error);

}  // namespace dust::cli

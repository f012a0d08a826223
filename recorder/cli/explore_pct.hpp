// explore_pct.hpp — `dustrun explore --pct D --runs N`: probabilistic
// concurrency testing (Burckhardt et al., ASPLOS 2010).
//
// Each run gives every thread a random distinct priority when it first
// becomes runnable and always runs the highest-priority runnable thread;
// at D-1 change points, steps drawn uniformly from the first k, the thread
// that just ran drops to a priority below every initial one. For a program
// of at most n threads and k steps, each run finds any bug of depth D with
// probability at least 1/(n*k^(D-1)). n and k are measured by a first
// non-preemptive run. Run r draws from a PRNG seeded with r, so the same
// command gives the same runs.
#pragma once

#include <cstdint>

#include "dust/machine.hpp"
#include "explore_outcomes.hpp"

namespace dust::cli {

struct PctSettings {
  std::uint64_t depth = 1;
  std::uint64_t runs = 1;
  std::uint64_t max_steps = 0;
};

struct PctGuarantee {
  std::uint64_t threads = 0;  // n
  std::uint64_t steps = 0;    // k
  double per_run = 0;         // 1/(n*k^(D-1))
};

ExploreReport explore_pct(const Machine& initial, const PctSettings& settings, PctGuarantee& guarantee);

// Runs a machine to its end (or --max-steps), giving the token of the run
// it made: the decisions at every point where two or more threads could run.
// `preemptions`, when given, counts the points where the thread that ran
// last could have gone on but another ran.
TokenBuilder run_recording_token(Machine& machine, std::uint64_t max_steps, std::uint64_t* preemptions = nullptr);

}  // namespace dust::cli

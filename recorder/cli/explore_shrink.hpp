// explore_shrink.hpp — `dustrun explore --shrink`: a failing outcome's
// schedule made as small as it goes, first to the fewest preemptions, then
// to the fewest steps, still giving the same outcome.
//
// Greedy and deterministic: drop each decision of the token in turn, then
// move each one as early as it will go (halving the distance to the one
// before), keeping any change that gives the same outcome with fewer
// (preemptions, steps); repeat until nothing changes or the budget of runs
// is spent. The result is never longer than the original and still fails
// the same way: a candidate is kept only after a run proved it.
#pragma once

#include <cstdint>
#include <string>

#include "dust/machine.hpp"

namespace dust::cli {

struct ShrinkResult {
  std::string token;
  std::uint64_t preemptions = 0;
  std::uint64_t steps = 0;
  std::uint64_t original_preemptions = 0;
  std::uint64_t original_steps = 0;
  std::uint64_t runs = 0;
};

ShrinkResult shrink_schedule(const Machine& initial, const ScheduleToken& token, std::uint64_t max_steps);

}  // namespace dust::cli

// explore_shrink.cpp — schedule shrinking (explore_shrink.hpp).
#include "explore_shrink.hpp"

#include <tuple>

#include "explore_outcomes.hpp"
#include "explore_pct.hpp"

namespace dust::cli {

namespace {

constexpr std::uint64_t kShrinkRuns = 4000;

struct CandidateRun {
  std::string key;
  ScheduleToken token;  // the decisions the run actually made
  std::uint64_t preemptions = 0;
  std::uint64_t steps = 0;
};

CandidateRun run_token(const Machine& initial, const ScheduleToken& token, std::uint64_t max_steps) {
  Machine m(initial);
  m.config.schedule = token;
  CandidateRun t;
  t.token = run_recording_token(m, max_steps, &t.preemptions).token();
  t.key = outcome_key(outcome_of(m, max_steps));
  t.steps = m.steps;
  return t;
}

bool better(const CandidateRun& a, const CandidateRun& b) {
  return std::make_tuple(a.preemptions, a.steps, a.token.entries.size()) <
         std::make_tuple(b.preemptions, b.steps, b.token.entries.size());
}

}  // namespace

ShrinkResult shrink_schedule(const Machine& initial, const ScheduleToken& token, std::uint64_t max_steps) {
  ShrinkResult r;
  CandidateRun best = run_token(initial, token, max_steps);
  r.original_preemptions = best.preemptions;
  r.original_steps = best.steps;
  r.runs = 1;
  auto attempt = [&](const ScheduleToken& candidate) {
    if (r.runs >= kShrinkRuns) return false;
    ++r.runs;
    CandidateRun t = run_token(initial, candidate, max_steps);
    if (t.key != best.key || !better(t, best)) return false;
    best = std::move(t);
    return true;
  };
  for (bool changed = true; changed && r.runs < kShrinkRuns;) {
    changed = false;
    // Fewer preemptions: drop decisions.
    for (std::size_t i = 0; i < best.token.entries.size();) {
      ScheduleToken candidate = best.token;
      candidate.entries.erase(candidate.entries.begin() + static_cast<std::ptrdiff_t>(i));
      if (attempt(candidate)) {
        changed = true;
      } else {
        ++i;
      }
    }
    // Fewer steps: move each decision earlier.
    for (std::size_t i = 0; i < best.token.entries.size(); ++i) {
      std::uint64_t floor = i == 0 ? 0 : best.token.entries[i - 1].step + 1;
      while (i < best.token.entries.size() && best.token.entries[i].step > floor) {
        ScheduleToken candidate = best.token;
        std::uint64_t at = candidate.entries[i].step;
        candidate.entries[i].step = floor + (at - floor) / 2;
        if (!attempt(candidate)) {
          candidate.entries[i].step = at - 1;
          if (!attempt(candidate)) break;
        }
        changed = true;
      }
    }
  }
  r.token = best.token.text();
  r.preemptions = best.preemptions;
  r.steps = best.steps;
  return r;
}

}  // namespace dust::cli

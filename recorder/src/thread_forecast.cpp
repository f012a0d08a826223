// thread_forecast.cpp — the scheduler's picks re-derived from a trace
// (see thread_forecast.hpp).
#include "thread_forecast.hpp"

#include <algorithm>

namespace dust::rec {

ThreadForecast::ThreadForecast(bool seeded, std::uint64_t seed, std::optional<ScheduleToken> token)
    : seeded_(seeded), seed_(seed), token_(std::move(token)) {}

void ThreadForecast::begin_block(std::uint64_t rng_state, std::span<const std::uint8_t> states) {
  rng_ = rng_state;
  states_.clear();
  for (std::uint8_t s : states) states_.push_back(static_cast<ThreadState>(s));
  list_runnable();
  next_ = kUnknown;
}

void ThreadForecast::begin_block(const Machine& machine) {
  std::vector<std::uint8_t> states = states_of(machine);
  begin_block(machine.rng_state, states);
}

std::vector<std::uint8_t> ThreadForecast::states_of(const Machine& machine) {
  std::vector<std::uint8_t> states;
  states.reserve(machine.threads.size());
  for (const Thread& t : machine.threads) states.push_back(static_cast<std::uint8_t>(t.state));
  return states;
}

void ThreadForecast::set_state(std::uint32_t thread, ThreadState state) {
  if (thread >= states_.size()) {
    // Threads appear in id order; any skipped (only in a malformed trace)
    // count as finished.
    states_.resize(thread + 1, ThreadState::Finished);
  }
  states_[thread] = state;
  set_runnable(thread, state == ThreadState::Runnable);
}

// Keeps runnable_ sorted without rebuilding it: a change touches one id.
void ThreadForecast::set_runnable(std::uint32_t thread, bool runnable) {
  auto at = std::lower_bound(runnable_.begin(), runnable_.end(), thread);
  bool listed = at != runnable_.end() && *at == thread;
  if (runnable && !listed) runnable_.insert(at, thread);
  if (!runnable && listed) runnable_.erase(at);
}

void ThreadForecast::list_runnable() {
  runnable_.clear();
  for (std::size_t t = 0; t < states_.size(); ++t) {
    if (states_[t] == ThreadState::Runnable) runnable_.push_back(static_cast<std::uint32_t>(t));
  }
}

// The machine's rule (core/run/machine.cpp and scheduler.cpp): a lone
// runnable thread is not scheduled; otherwise the pick is the token's for
// step index + 1, else the non-preemptive rule under a token, else the
// seeded rule, which draws from the PRNG. The states here are those after
// the step's changes, which include the sleepers the scheduler woke.
void ThreadForecast::after_step(std::uint64_t index, std::uint32_t thread) {
  if (!seeded_ || (states_.size() == 1 && states_[0] == ThreadState::Runnable)) {
    next_ = thread;
    return;
  }
  if (runnable_.empty()) {
    next_ = kUnknown;  // a deadlock, which ends the run
    return;
  }
  if (token_) {
    std::optional<std::uint32_t> named = token_->thread_at(index + 1);
    next_ = named ? *named : non_preemptive_choice(thread, runnable_);
    return;
  }
  next_ = seeded_choice(thread, runnable_, seed_, rng_);
}

}  // namespace dust::rec

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
  if ((states_[thread] == ThreadState::Runnable) == (state == ThreadState::Runnable)) {
    states_[thread] = state;
    return;
  }
  states_[thread] = state;
  // The list of runnable threads is rebuilt when the next pick needs it: a
  // step often changes two threads (a waiter wakes, another blocks), and
  // one pass over a few states costs less than two sorted edits.
  runnable_stale_ = true;
}

// Every id is written and only the runnable ones are counted, without a
// branch or a push_back per thread.
void ThreadForecast::list_runnable() {
  runnable_stale_ = false;
  runnable_.resize(states_.size());
  std::uint32_t* const ids = runnable_.data();
  std::size_t n = 0;
  for (std::size_t t = 0; t < states_.size(); ++t) {
    ids[n] = static_cast<std::uint32_t>(t);
    n += states_[t] == ThreadState::Runnable ? 1 : 0;
  }
  runnable_count_ = n;
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
  if (runnable_stale_) list_runnable();
  const std::span<const std::uint32_t> runnable(runnable_.data(), runnable_count_);
  if (runnable.empty()) {
    next_ = kUnknown;  // a deadlock, which ends the run
    return;
  }
  if (token_) {
    std::optional<std::uint32_t> named = token_->thread_at(index + 1);
    next_ = named ? *named : non_preemptive_choice(thread, runnable);
    return;
  }
  next_ = seeded_choice(thread, runnable, seed_, rng_);
}

}  // namespace dust::rec

// thread_forecast.hpp — which thread the recorded run's scheduler picks for
// the next step, re-derived from the trace alone (format version 3).
//
// After every step the machine picks the next thread from the runnable ones
// by the run's seed or its schedule token (semantics doc Part 2.3). The
// step deltas carry every change of a thread's state, and a block carries
// the threads' states and the scheduler's PRNG state at its start (its
// summary), so the encoder and the decoder can both make the same pick
// after each step: a step whose thread is the forecast one stores no
// thread. The forecast is only a prediction: the encoder stores the thread
// whenever it differs (an explorer's policy, a machine the model does not
// follow), so a wrong forecast costs bytes, never correctness.
//
// Before version 3 the prediction was simply the thread of the step before,
// which the forecast gives when it is not `seeded`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dust/machine.hpp"
#include "dust/schedule.hpp"

namespace dust::rec {

class ThreadForecast {
 public:
  static constexpr std::uint32_t kUnknown = 0xffffffffu;

  ThreadForecast() = default;
  // `seeded`: format version 3 and later; the run's seed and schedule token.
  ThreadForecast(bool seeded, std::uint64_t seed, std::optional<ScheduleToken> token);

  // At a block start: the PRNG state and each thread's state as the block's
  // first step finds them. The first step's thread is not forecast.
  void begin_block(std::uint64_t rng_state, std::span<const std::uint8_t> states);
  void begin_block(const Machine& machine);

  // The thread forecast for the next step, or kUnknown.
  std::uint32_t next() const { return next_; }
  // Whether a step of `thread` leaves the forecast at `thread` without a
  // draw: the machine's lone runnable thread, which the scheduler is not
  // asked about. Steps of such a thread may skip after_step.
  bool keeps(std::uint32_t thread) const {
    return next_ == thread && (!seeded_ || (states_.size() == 1 && states_[0] == ThreadState::Runnable));
  }

  // A thread's new state, as a step's recorded changes say (a new id
  // appends a thread).
  void set_state(std::uint32_t thread, ThreadState state);
  // After step `index` ran on `thread` and its changes were applied: the
  // pick the machine made for step index + 1.
  void after_step(std::uint64_t index, std::uint32_t thread);

  // The states at a block start, as the summary stores them.
  static std::vector<std::uint8_t> states_of(const Machine& machine);

 private:
  void list_runnable();

  bool seeded_ = false;
  std::uint64_t seed_ = 0;
  std::optional<ScheduleToken> token_;
  std::uint64_t rng_ = 0;
  std::vector<ThreadState> states_;
  // The first runnable_count_ entries are the ascending ids of the Runnable
  // threads, unless a state changed since they were listed.
  std::vector<std::uint32_t> runnable_;
  std::size_t runnable_count_ = 0;
  bool runnable_stale_ = false;
  std::uint32_t next_ = kUnknown;
};

}  // namespace dust::rec

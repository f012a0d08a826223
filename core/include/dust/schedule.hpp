// schedule.hpp — the scheduler's hook and schedule tokens (semantics doc §2.3).
//
// After every step the scheduler picks the next thread among the runnable
// ones. Who decides is, in order: a SchedulePolicy installed on the machine
// (the explorers' hook, not part of the machine's state), else the run's
// schedule token (RunConfig::schedule), else the seeded rule of §2.3.
//
// A schedule token is a short printable encoding of one run's scheduling
// decisions. It lists only the decisions that differ from the
// non-preemptive rule — keep running the thread that just ran while it is
// runnable, otherwise take the next runnable thread in id order after it,
// wrapping — so a run with few preemptions has a short token. Each entry
// names a step index and the thread that runs that step:
//
//   token  := "S" [ entry { "." entry } ]
//   entry  := gap thread
//   gap    := base-36 digits 0-9a-z: the step index minus the previous
//             entry's (the first entry: the step index itself; later gaps >= 1)
//   thread := letters A-Z, base 26 (A = 0, B = 1, ..., Z = 25, BA = 26)
//
// "S" alone is the non-preemptive schedule; "S4B.aC" runs thread 1 at step
// 4 and thread 2 at step 14. An entry whose step is not a scheduling point
// of the run is never consulted; one that names a thread that is not
// runnable at its step fails the run with an error saying so.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dust {

class Machine;

struct ScheduleEntry {
  std::uint64_t step = 0;    // the index of the step the thread runs
  std::uint32_t thread = 0;
  friend bool operator==(const ScheduleEntry&, const ScheduleEntry&) = default;
};

struct ScheduleToken {
  std::vector<ScheduleEntry> entries;  // strictly increasing steps
  friend bool operator==(const ScheduleToken&, const ScheduleToken&) = default;

  std::string text() const;
  // Parses a token; on failure says what is wrong and where in `error`.
  static std::optional<ScheduleToken> parse(std::string_view text, std::string& error);
  // The thread the token names for `step`, if it names one.
  std::optional<std::uint32_t> thread_at(std::uint64_t step) const;
};

// One scheduling decision.
struct SchedulePoint {
  const Machine& machine;
  std::uint64_t step;                       // the index of the step the chosen thread runs
  std::uint32_t previous;                   // the thread that ran the step before
  std::span<const std::uint32_t> runnable;  // ascending thread ids, never empty
};

// The non-preemptive rule the token is relative to.
std::uint32_t non_preemptive_choice(std::uint32_t previous, std::span<const std::uint32_t> runnable);

// The seeded rule of §2.3, exactly as the machine picks (seed 0 round-robin
// after `previous`, any other seed a draw from `rng_state`, which it
// advances). For the recorder, which re-derives a run's thread switches
// from its seed instead of storing them.
std::uint32_t seeded_choice(std::uint32_t previous, std::span<const std::uint32_t> runnable, std::uint64_t seed,
                            std::uint64_t& rng_state);

// Builds tokens from a run's decisions as they are made: given every point
// at which two or more threads were runnable and the thread chosen there,
// in order, the token reproduces the run.
class TokenBuilder {
 public:
  void record(std::uint64_t step, std::uint32_t previous, std::span<const std::uint32_t> runnable,
              std::uint32_t chosen) {
    if (chosen != non_preemptive_choice(previous, runnable)) token_.entries.push_back({step, chosen});
  }
  const ScheduleToken& token() const { return token_; }
  void truncate(std::size_t entries) { token_.entries.resize(entries); }
  std::size_t size() const { return token_.entries.size(); }

 private:
  ScheduleToken token_;
};

// The explorers' hook: consulted at every scheduling point of a machine it
// is installed on (Machine::set_schedule_policy). It must return one of
// `point.runnable`; anything else fails the run with an error naming it.
class SchedulePolicy {
 public:
  virtual ~SchedulePolicy() = default;
  virtual std::uint32_t pick(const SchedulePoint& point) = 0;
};

}  // namespace dust

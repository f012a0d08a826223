// navigation.hpp — moving the cursor through recorded time.
//
// The cursor is a step number N in [0, steps]: the view shows the machine
// after N steps, and step N is the one about to run (as a debugger stopped
// at a line shows the line it is about to execute). Landing on a failure
// therefore shows the failing statement highlighted and the state just
// before it failed.
//
// Stepping follows one thread, the focus thread. Its "current" step is its
// first step at or after the cursor; other threads' steps in between run
// as they did in the recording.
//   step into      the focus thread's next step
//   step over      its next step at the same frame depth that begins a new
//                  statement (calls made and waits taken by the current
//                  statement run through), or the first one in a caller
//   step out       its first step in a caller
//   reverse ...    the same, backwards; reverse step over lands on the step
//                  that began the previous statement
//   continue       the next step that hits an enabled breakpoint (its thread
//                  filter, condition and hit count held) or writes a watched
//                  binding or cell, else the failure, else the end;
//                  reverse: the previous such step, else 0
// Step over and step out (both directions) also stop at a breakpoint or a
// watched write met on the way, as a debugger stepping over a call stops at
// a breakpoint inside it. Logpoints never stop anything.
// Nothing steps past the failure: a failed step on any thread stops every
// forward movement.
//
// This is the one meaning of these movements: the window's keys and the
// DAP server's next, stepIn, stepOut, stepBack, continue and
// reverseContinue all come here.
#pragma once

#include <cstdint>
#include <optional>

#include "dust/recorder/session/breakpoint_evaluator.hpp"
#include "dust/recorder/session/breakpoints.hpp"
#include "dust/recorder/session/step_table.hpp"

namespace dust::session {

enum class StopReason : std::uint8_t {
  Stepped,      // landed where the movement asked
  Breakpoint,
  DataBreakpoint, // a step that writes a watched binding or cell
  Failure,      // the failed step
  Start,        // nothing earlier: step 0
  End,          // the end of the recording
  ThreadDone,   // the focus thread has no step in that direction; the cursor did not move
};
const char* stop_reason_name(StopReason r);

struct Stop {
  std::uint64_t step = 0;
  StopReason reason = StopReason::Stepped;
};

class Navigator {
 public:
  // Plain statement breakpoints only, decided from the step table.
  Navigator(StepTable& steps, const Breakpoints& breakpoints, std::optional<std::uint64_t> failure_step)
      : steps_(steps), own_(breakpoints, steps, nullptr), eval_(own_), failure_(failure_step) {}
  // Every kind of breakpoint, evaluated over the recording by `evaluator`.
  Navigator(StepTable& steps, BreakpointEvaluator& evaluator, std::optional<std::uint64_t> failure_step)
      : steps_(steps), own_(evaluator.breakpoints(), steps, nullptr), eval_(evaluator), failure_(failure_step) {}
  Navigator(const Navigator&) = delete;
  Navigator& operator=(const Navigator&) = delete;

  Stop step_into(std::uint64_t cursor, std::uint32_t thread);
  Stop step_over(std::uint64_t cursor, std::uint32_t thread);
  Stop step_out(std::uint64_t cursor, std::uint32_t thread);
  Stop reverse_step_into(std::uint64_t cursor, std::uint32_t thread);
  Stop reverse_step_over(std::uint64_t cursor, std::uint32_t thread);
  Stop reverse_step_out(std::uint64_t cursor, std::uint32_t thread);
  Stop continue_forward(std::uint64_t cursor);
  Stop continue_reverse(std::uint64_t cursor);
  Stop go_to(std::uint64_t step);

  // Whether step `s` resumes a statement its thread began earlier (after a
  // call returned or a wait ended) rather than beginning one.
  bool is_continuation(std::uint64_t s);
  // Whether step `s` hits an enabled breakpoint (not a logpoint).
  bool hits_breakpoint(std::uint64_t s);

 private:
  Stop land(std::uint64_t step);
  // Where a forward movement ends when the focus thread has no further
  // step: the failure if one comes later, else just after the thread's last step.
  Stop after_thread(std::uint64_t last_thread_step);
  // The focus thread's frame depth at the cursor (from its current step,
  // else its last one).
  std::optional<std::uint32_t> depth_at(std::uint64_t cursor, std::uint32_t thread);
  // The first stop (breakpoint or watched write) in steps [from, to), or the
  // last one in [from, to) going backwards.
  std::optional<Stop> first_stop_in(std::uint64_t from, std::uint64_t to);
  std::optional<Stop> last_stop_in(std::uint64_t from, std::uint64_t to);
  // A forward (or backward) stepping movement, cut short by a stop on the way.
  Stop stop_on_the_way(std::uint64_t current, Stop landed);
  Stop stop_on_the_way_back(std::uint64_t cursor, Stop landed);

  StepTable& steps_;
  BreakpointEvaluator own_;
  BreakpointEvaluator& eval_;
  std::optional<std::uint64_t> failure_;
};

}  // namespace dust::session

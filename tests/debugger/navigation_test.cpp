// navigation_test.cpp — step, step over, step out, their reverses and
// continue, on step tables built by hand so every edge is explicit.
#include <gtest/gtest.h>

#include "model/session_names.hpp"

namespace dust::dbg {
namespace {

class TableSource final : public StepSource {
 public:
  explicit TableSource(std::vector<StepInfo> steps) : steps_(std::move(steps)) {}
  std::uint64_t step_count() const override { return steps_.size(); }
  void load(std::uint64_t first, std::uint64_t last, std::vector<StepInfo>& out) override {
    out.assign(steps_.begin() + static_cast<std::ptrdiff_t>(first), steps_.begin() + static_cast<std::ptrdiff_t>(last));
  }

 private:
  std::vector<StepInfo> steps_;
};

StepInfo st(std::uint32_t thread, std::uint32_t stmt, std::uint32_t depth, StepKind kind = StepKind::Statement) {
  return StepInfo{thread, stmt, depth, kind};
}

// One thread: `let a`, `let x = f(a)` (enters f, runs three statements,
// returns, completes), `emit x`.
std::vector<StepInfo> call_run() {
  return {
      st(0, 10, 0),                      // 0 let a = 1
      st(0, 11, 0, StepKind::CallEnter), // 1 let x = f(a): enters f
      st(0, 20, 1),                      // 2 f: let y = a Add 1
      st(0, 21, 1),                      // 3 f: let z = y Mul 2
      st(0, 22, 1, StepKind::Return),    // 4 f: return z
      st(0, 11, 0),                      // 5 let x = f(a) completes
      st(0, 12, 0),                      // 6 emit x
  };
}

struct Fixture {
  explicit Fixture(std::vector<StepInfo> steps, std::optional<std::uint64_t> failure = std::nullopt)
      : source(std::move(steps)), table(source), nav(table, breakpoints, failure) {}
  TableSource source;
  StepTable table;
  Breakpoints breakpoints;
  Navigator nav;
};

TEST(Navigation, StepIntoFollowsEveryStepOfTheThread) {
  Fixture f(call_run());
  EXPECT_EQ(f.nav.step_into(0, 0).step, 1u);
  EXPECT_EQ(f.nav.step_into(1, 0).step, 2u);
  EXPECT_EQ(f.nav.step_into(5, 0).step, 6u);
  Stop end = f.nav.step_into(6, 0);
  EXPECT_EQ(end.step, 7u);
  EXPECT_EQ(end.reason, StopReason::End);
}

TEST(Navigation, StepOverRunsTheCallAndTheStatementsCompletion) {
  Fixture f(call_run());
  EXPECT_EQ(f.nav.step_over(0, 0).step, 1u);
  EXPECT_EQ(f.nav.step_over(1, 0).step, 6u) << "the callee and the resumed Let are stepped over";
  EXPECT_EQ(f.nav.step_over(2, 0).step, 3u);
  EXPECT_EQ(f.nav.step_over(4, 0).step, 5u) << "stepping over a return lands in the caller";
}

TEST(Navigation, StepOutLandsInTheCaller) {
  Fixture f(call_run());
  EXPECT_EQ(f.nav.step_out(2, 0).step, 5u);
  EXPECT_EQ(f.nav.step_out(3, 0).step, 5u);
  Stop out_of_main = f.nav.step_out(0, 0);
  EXPECT_EQ(out_of_main.step, 7u);
}

TEST(Navigation, ReverseMovesMirrorTheForwardOnes) {
  Fixture f(call_run());
  EXPECT_EQ(f.nav.reverse_step_into(6, 0).step, 5u);
  EXPECT_EQ(f.nav.reverse_step_into(3, 0).step, 2u);
  EXPECT_EQ(f.nav.reverse_step_over(6, 0).step, 1u) << "back to the step that began `let x = f(a)`";
  EXPECT_EQ(f.nav.reverse_step_over(1, 0).step, 0u);
  EXPECT_EQ(f.nav.reverse_step_over(3, 0).step, 2u);
  EXPECT_EQ(f.nav.reverse_step_over(2, 0).step, 1u) << "from a callee's first statement back to the call";
  EXPECT_EQ(f.nav.reverse_step_out(3, 0).step, 1u);
  Stop nothing = f.nav.reverse_step_into(0, 0);
  EXPECT_EQ(nothing.reason, StopReason::ThreadDone);
  EXPECT_EQ(nothing.step, 0u);
}

TEST(Navigation, ContinueStopsAtBreakpointsButNotAtResumptions) {
  Fixture f(call_run());
  f.breakpoints.set(11);
  Stop hit = f.nav.continue_forward(0);
  EXPECT_EQ(hit.step, 1u);
  EXPECT_EQ(hit.reason, StopReason::Breakpoint);
  Stop next = f.nav.continue_forward(1);
  EXPECT_EQ(next.step, 7u) << "step 5 resumes the same execution of statement 11";
  EXPECT_EQ(next.reason, StopReason::End);
  EXPECT_EQ(f.nav.continue_reverse(7).step, 1u);
  f.breakpoints.set(21);
  EXPECT_EQ(f.nav.continue_forward(1).step, 3u);
  f.breakpoints.set_enabled(21, false);
  EXPECT_EQ(f.nav.continue_forward(1).step, 7u);
  EXPECT_EQ(f.nav.continue_reverse(1).reason, StopReason::Start);
}

// Two threads, round robin; T1 blocks on a lock, retries, then the run
// fails on T1.
std::vector<StepInfo> threaded_run() {
  return {
      st(0, 1, 0),                      // 0
      st(1, 30, 0, StepKind::Blocked),  // 1 T1 lock(m): blocks
      st(0, 2, 0),                      // 2
      st(0, 3, 0),                      // 3
      st(1, 30, 0),                     // 4 T1 lock(m) retried, acquires
      st(0, 4, 0),                      // 5
      st(1, 31, 0),                     // 6
      st(0, 5, 0),                      // 7
      st(1, 32, 0, StepKind::Failed),   // 8 T1 fails
  };
}

TEST(Navigation, SteppingFollowsTheFocusThreadAcrossOthers) {
  Fixture f(threaded_run(), 8);
  EXPECT_EQ(f.nav.step_into(0, 0).step, 2u);
  EXPECT_EQ(f.nav.step_into(1, 0).step, 3u) << "at cursor 1, T0 is about to run step 2; stepping runs it";
  EXPECT_EQ(f.nav.step_into(0, 1).step, 4u) << "T1's current step is 1; its next is 4";
  EXPECT_EQ(f.nav.step_over(1, 1).step, 6u) << "a wait and its retry are one statement";
}

TEST(Navigation, NothingStepsPastTheFailure) {
  Fixture f(threaded_run(), 8);
  Stop stop = f.nav.step_over(5, 0);
  EXPECT_EQ(stop.step, 7u);
  stop = f.nav.step_over(7, 0);
  EXPECT_EQ(stop.step, 8u);
  EXPECT_EQ(stop.reason, StopReason::Failure) << "T0 has no more steps; the failure on T1 comes first";
  Stop cont = f.nav.continue_forward(0);
  EXPECT_EQ(cont.step, 8u);
  EXPECT_EQ(cont.reason, StopReason::Failure);
}

TEST(Navigation, BreakpointOnAWaitedStatementHitsOnce) {
  Fixture f(threaded_run(), 8);
  f.breakpoints.set(30);
  EXPECT_EQ(f.nav.continue_forward(0).step, 1u);
  EXPECT_EQ(f.nav.continue_forward(1).step, 8u) << "step 4 is the retry of the same lock";
  EXPECT_TRUE(f.nav.is_continuation(4));
  EXPECT_FALSE(f.nav.is_continuation(6));
}

TEST(Navigation, ThreadWithNoMoreStepsLeavesTheCursor) {
  Fixture f(threaded_run(), 8);
  Stop stop = f.nav.step_into(8, 0);
  EXPECT_EQ(stop.reason, StopReason::ThreadDone);
  EXPECT_EQ(stop.step, 8u);
  EXPECT_EQ(f.nav.go_to(100).step, 9u);
  EXPECT_EQ(f.nav.go_to(8).reason, StopReason::Failure);
}

TEST(Navigation, LongRunsCrossChunkBoundaries) {
  // T0 runs a long loop in a callee; step over the call crosses many chunks.
  std::vector<StepInfo> steps;
  steps.push_back(st(0, 1, 0, StepKind::CallEnter));
  for (int i = 0; i < 20000; ++i) steps.push_back(st(0, 50 + static_cast<std::uint32_t>(i % 3), 1));
  steps.push_back(st(0, 1, 0));
  steps.push_back(st(0, 2, 0));
  Fixture f(steps);
  EXPECT_EQ(f.nav.step_over(0, 0).step, 20002u);
  EXPECT_EQ(f.nav.reverse_step_over(20002, 0).step, 0u);
  EXPECT_EQ(f.nav.step_out(5000, 0).step, 20001u);
}

}  // namespace
}  // namespace dust::dbg

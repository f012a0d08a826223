// crash_traces_test.cpp — every recorded crash trace in traces/crash opens
// on its failure: the cursor on the failing step, the focus on the failing
// thread, the failing statement about to run, and the lane that explains
// the failure (a wait, a Q violation, a Φ check, a freed block) present.
// Each trace is also re-recorded from its program, so a trace gone stale
// against the machine is caught here.
#include <gtest/gtest.h>

#include <filesystem>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/recording.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {
namespace {

struct CrashCase {
  const char* name;
  ErrorKind kind;
  const char* message;       // a part of the failure's message
  std::uint32_t thread;      // the failing thread
};

const CrashCase kCases[] = {
    {"two_lock_deadlock", ErrorKind::TimeViolation, "deadlock: ", 2},
    {"double_free", ErrorKind::ConstraintFailure, "double free: 16777216", 0},
    {"use_after_free", ErrorKind::ConstraintFailure, "use after free: 16777216", 0},
    {"q_linearity_violation", ErrorKind::Inadmissible, "Q use failed: binding already moved: token", 0},
    {"phi_inadmissible", ErrorKind::Inadmissible, "constraint failed: 3 Le 2", 0},
    {"worker_failure", ErrorKind::Runtime, "thread 2 (average): division by zero", 2},
};

class CrashTrace : public ::testing::TestWithParam<CrashCase> {};

std::unique_ptr<Debugger> open_trace(const std::filesystem::path& path) {
  std::string error;
  std::unique_ptr<Debugger> dbg = Debugger::open(path.string(), k::standard_intrinsics(), error);
  EXPECT_TRUE(dbg) << error;
  if (dbg) dbg->land_on_open();
  return dbg;
}

TEST_P(CrashTrace, OpensOnItsFailure) {
  const CrashCase& c = GetParam();
  auto dbg = open_trace(kCrashDir / (std::string(c.name) + ".dtrace"));
  ASSERT_TRUE(dbg);
  const auto& failure = dbg->catalog().failure;
  ASSERT_TRUE(failure) << c.name << " has no failure";
  EXPECT_EQ(failure->error.kind, c.kind);
  EXPECT_NE(failure->error.message.find(c.message), std::string::npos) << failure->error.message;
  EXPECT_EQ(failure->thread, c.thread);

  EXPECT_EQ(dbg->view().cursor(), failure->step) << "the view lands on the failing step";
  EXPECT_EQ(dbg->view().focus_thread(), c.thread);
  const CursorSnapshot& snap = dbg->snapshot();
  ASSERT_TRUE(snap.next) << "the failing step is the one about to run";
  EXPECT_EQ(snap.next->kind, StepKind::Failed);
  ASSERT_TRUE(snap.next->error);
  EXPECT_EQ(*snap.next->error, failure->error);
  EXPECT_EQ(dbg->info().status, MachineStatus::Failed);
  EXPECT_TRUE(dbg->info().complete);
  if (snap.next->stmt != kNoStmt) {
    EXPECT_TRUE(dbg->listing().line_of(snap.next->stmt)) << "the failing statement is in the listing";
  }
  // Going to the end and back to the failure by command lands on it again.
  dbg->execute(Command::GoToEnd);
  EXPECT_EQ(dbg->view().cursor(), dbg->view().steps());
  auto stop = dbg->execute(Command::GoToFailure);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->reason, StopReason::Failure);
  dbg->execute(Command::GoToStart);
  stop = dbg->execute(Command::Continue);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->step, failure->step) << "continue without breakpoints runs to the failure";
}

TEST_P(CrashTrace, TraceMatchesAFreshRecordingOfItsProgram) {
  const CrashCase& c = GetParam();
  RecordRequest request;
  request.program_path = (kCrashDir / (std::string(c.name) + ".dir.json")).string();
  request.trace_path = ::testing::TempDir() + "/fresh_" + c.name + ".dtrace";
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.status, MachineStatus::Failed);
  auto fresh = open_trace(request.trace_path);
  auto stored = open_trace(kCrashDir / (std::string(c.name) + ".dtrace"));
  ASSERT_TRUE(fresh && stored);
  EXPECT_EQ(fresh->view().steps(), stored->view().steps())
      << "traces/crash/" << c.name << ".dtrace is stale: run traces/crash/record.sh";
  EXPECT_EQ(fresh->catalog().failure->step, stored->catalog().failure->step);
  std::filesystem::remove(request.trace_path);
}

INSTANTIATE_TEST_SUITE_P(All, CrashTrace, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CrashCase>& info) { return std::string(info.param.name); });

TEST(CrashTraceLanes, TheDeadlockShowsBothWaits) {
  auto dbg = open_trace(kCrashDir / "two_lock_deadlock.dtrace");
  ASSERT_TRUE(dbg);
  std::uint64_t failure = dbg->catalog().failure->step;
  // Thread 1 waits for mutex 2 up to the failure, whatever the zoom.
  for (double width : {4000.0, 300.0, 40.0}) {
    TimeAxis axis = dbg->view().axis();
    axis.fit();
    const std::vector<Lane>& lanes = dbg->timeline().lanes(axis, width);
    bool t1_blocked = false, mutex_wait = false;
    for (const Lane& lane : lanes) {
      for (const LaneItem& it : lane.bars) {
        if (lane.kind == LaneKind::Thread && lane.key == 1 && it.style == kThreadBlocked) t1_blocked = true;
      }
      for (const LaneItem& it : lane.waits) {
        if (lane.kind == LaneKind::Mutex && it.style == kMutexWaited && it.x1 - it.x0 >= 1.0f) mutex_wait = true;
      }
    }
    EXPECT_TRUE(t1_blocked) << "width " << width;
    EXPECT_TRUE(mutex_wait) << "width " << width;
  }
  EXPECT_EQ(dbg->catalog().mutexes.size(), 2u);
  EXPECT_GT(failure, 100u);
}

TEST(CrashTraceLanes, ViolationsAreMarkedOnTheirOwnRows) {
  auto q = open_trace(kCrashDir / "q_linearity_violation.dtrace");
  ASSERT_TRUE(q);
  bool violation = false;
  for (const auto& row : q->catalog().q_rows.marks) {
    for (const Span& s : row) violation = violation || (s.style == kMarkViolation && s.first == q->catalog().failure->step);
  }
  EXPECT_TRUE(violation) << "the Q lane marks the failed use";

  auto freed = open_trace(kCrashDir / "use_after_free.dtrace");
  ASSERT_TRUE(freed);
  ASSERT_EQ(freed->catalog().memory.size(), 1u);
  EXPECT_TRUE(freed->catalog().memory[0].free_step.has_value());
  ASSERT_EQ(freed->catalog().memory_rows.marks.size(), 1u);
  bool marked = false;
  for (const Span& s : freed->catalog().memory_rows.marks[0]) marked = marked || s.style == kMarkViolation;
  EXPECT_TRUE(marked) << "the freed block's row carries the use-after-free mark";

  auto phi = open_trace(kCrashDir / "phi_inadmissible.dtrace");
  ASSERT_TRUE(phi);
  bool failed_check = false, held_check = false;
  for (const rec::PhiMark& m : phi->catalog().phi) {
    failed_check = failed_check || m.event.kind == PhiEventKind::ConstraintFailed;
    held_check = held_check || m.event.kind == PhiEventKind::ConstraintHeld;
  }
  EXPECT_TRUE(failed_check);
  EXPECT_TRUE(held_check);
}

}  // namespace
}  // namespace dust::dbg

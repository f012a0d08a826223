// recorded_session_test.cpp — the debugger model over real recordings:
// programs are recorded with the recorder (as dustdbg does for a DIR file)
// and then stepped, continued and inspected through the Debugger.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/recording.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {
namespace {

constexpr const char* kCalls = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"square","params":[{"name":"x","ty":"Int"}],"uses":[],"ret":"Int","qualifiers":[],"body":[
   {"Let":{"name":"y","expr":"x Mul x"}},
   {"Return":{"expr":"y"}}]},
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"a","expr":"3"}},
   {"Let":{"name":"b","expr":"square(a)"}},
   {"Let":{"name":"c","expr":"b Add a"}},
   {"Alloc":{"size":"8","result":"cell"}},
   {"Store":{"ptr":"cell","value":"c"}},
   {"Store":{"ptr":"cell","value":"c Add 1"}},
   {"Let":{"name":"d","expr":"load(cell)"}},
   {"Assign":{"target":"a","expr":"d Sub 1"}},
   {"Effect":{"kind":"emit","payload":"d"}},
   {"Dealloc":{"ptr":"cell"}},
   {"Return":{"expr":"d"}}]}
]}]})JSON";

// The first step that runs `stmt`.
std::uint64_t first_step_of(Debugger& dbg, std::uint32_t stmt) {
  for (std::uint64_t s = 0; s < dbg.steps().size(); ++s) {
    if (dbg.steps().at(s).stmt == stmt) return s;
  }
  ADD_FAILURE() << "statement " << stmt << " never ran";
  return 0;
}

std::uint32_t current_stmt(Debugger& dbg) {
  for (const ThreadView& t : dbg.snapshot().threads) {
    if (t.id == dbg.view().focus_thread()) return t.current_stmt();
  }
  return kNoStmt;
}

TEST(RecordedSession, StepIntoOverAndOutOnARealRun) {
  auto dbg = record_and_open("calls", kCalls);
  ASSERT_TRUE(dbg);
  EXPECT_FALSE(dbg->catalog().failure);
  EXPECT_EQ(dbg->view().cursor(), 0u) << "a run that did not fail opens at its start";
  std::uint32_t call = stmt_at(*dbg, "main/body[1]");
  std::uint32_t after = stmt_at(*dbg, "main/body[2]");
  std::uint32_t callee_first = stmt_at(*dbg, "square/body[0]");

  dbg->execute(Command::StepInto);
  EXPECT_EQ(current_stmt(*dbg), call);
  std::uint64_t at_call = dbg->view().cursor();
  dbg->execute(Command::StepInto);
  EXPECT_EQ(current_stmt(*dbg), callee_first) << "step into enters square";
  dbg->execute(Command::StepOut);
  EXPECT_EQ(current_stmt(*dbg), call) << "step out returns to the call, still completing";
  dbg->execute(Command::StepOver);
  EXPECT_EQ(current_stmt(*dbg), after);

  dbg->go_to(at_call);
  dbg->execute(Command::StepOver);
  EXPECT_EQ(current_stmt(*dbg), after) << "step over runs the whole call";
  dbg->execute(Command::ReverseStepOver);
  EXPECT_EQ(dbg->view().cursor(), at_call) << "and reverse step over comes back to its start";
  dbg->execute(Command::ReverseStepInto);
  EXPECT_EQ(current_stmt(*dbg), stmt_at(*dbg, "main/body[0]"));
}

TEST(RecordedSession, SnapshotShowsWhatTheStepChanged) {
  auto dbg = record_and_open("calls_snapshot", kCalls);
  ASSERT_TRUE(dbg);
  std::uint64_t c_step = first_step_of(*dbg, stmt_at(*dbg, "main/body[2]"));
  dbg->go_to(c_step + 1);
  const CursorSnapshot& snap = dbg->snapshot();
  ASSERT_EQ(snap.threads.size(), 1u);
  const FrameView& frame = snap.threads[0].frames.back();
  bool c_changed = false, a_changed = false;
  for (const BindingView& b : frame.bindings) {
    if (b.name == "c") {
      c_changed = b.changed;
      EXPECT_EQ(b.value, "12");
    }
    if (b.name == "a") a_changed = b.changed;
  }
  EXPECT_TRUE(c_changed);
  EXPECT_FALSE(a_changed);
  ASSERT_FALSE(snap.changes.empty());
  EXPECT_EQ(snap.changes[0], "T0 c: unbound \u2192 12");
  ASSERT_TRUE(snap.next);
  EXPECT_EQ(snap.next->index, c_step + 1);
  // The same cursor again rebuilds nothing.
  const CursorSnapshot* again = &dbg->snapshot();
  EXPECT_EQ(again, &snap);
}

TEST(RecordedSession, BreakpointsContinueBothWays) {
  auto dbg = record_and_open("calls_bp", kCalls);
  ASSERT_TRUE(dbg);
  std::uint32_t callee_first = stmt_at(*dbg, "square/body[0]");
  std::uint32_t emit = stmt_at(*dbg, "main/body[8]");
  dbg->view().breakpoints().set(callee_first);
  dbg->view().breakpoints().set(emit);
  auto stop = dbg->execute(Command::Continue);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->reason, StopReason::Breakpoint);
  EXPECT_EQ(current_stmt(*dbg), callee_first);
  stop = dbg->execute(Command::Continue);
  EXPECT_EQ(current_stmt(*dbg), emit);
  stop = dbg->execute(Command::Continue);
  EXPECT_EQ(stop->reason, StopReason::End);
  stop = dbg->execute(Command::ReverseContinue);
  EXPECT_EQ(current_stmt(*dbg), emit);
  stop = dbg->execute(Command::ReverseContinue);
  EXPECT_EQ(current_stmt(*dbg), callee_first);
  stop = dbg->execute(Command::ReverseContinue);
  EXPECT_EQ(stop->reason, StopReason::Start);
}

TEST(RecordedSession, ToggleBreakpointAtTheFocusThread) {
  auto dbg = record_and_open("calls_toggle", kCalls);
  ASSERT_TRUE(dbg);
  dbg->execute(Command::StepInto);
  std::uint32_t here = current_stmt(*dbg);
  dbg->execute(Command::ToggleBreakpoint);
  EXPECT_TRUE(dbg->view().breakpoints().active(here));
  dbg->execute(Command::ToggleBreakpoint);
  EXPECT_FALSE(dbg->view().breakpoints().has(here));
}

TEST(RecordedSession, LastWriteOfABindingAndOfAMemoryCell) {
  auto dbg = record_and_open("calls_watch", kCalls);
  ASSERT_TRUE(dbg);
  dbg->go_to(dbg->view().steps());
  dbg->view().select(Selection{Selection::Kind::Binding, 0, 0, "a", 0});
  auto stop = dbg->execute(Command::LastWrite);
  ASSERT_TRUE(stop) << dbg->view().status();
  EXPECT_EQ(dbg->steps().at(stop->step).stmt, stmt_at(*dbg, "main/body[7]")) << "the Assign wrote `a` last";
  stop = dbg->execute(Command::LastWrite);
  ASSERT_TRUE(stop);
  EXPECT_EQ(dbg->steps().at(stop->step).stmt, stmt_at(*dbg, "main/body[0]")) << "then the Let before it";
  EXPECT_FALSE(dbg->execute(Command::LastWrite).has_value()) << "nothing wrote it earlier";

  dbg->go_to(dbg->view().steps());
  dbg->view().select(Selection{Selection::Kind::MemoryCell, 0, 0, {}, 16777216});
  stop = dbg->execute(Command::LastWrite);
  ASSERT_TRUE(stop) << dbg->view().status();
  EXPECT_EQ(dbg->steps().at(stop->step).stmt, stmt_at(*dbg, "main/body[5]")) << "the second store";
  dbg->go_to(dbg->view().steps());
  dbg->execute(Command::WhereFrom);
  ASSERT_FALSE(dbg->origin().chain.empty()) << dbg->view().status();
  EXPECT_EQ(dbg->origin().chain[0].value, "13") << "the cell holds c Add 1";

  dbg->view().select(Selection{});
  EXPECT_FALSE(dbg->execute(Command::LastWrite).has_value());
  EXPECT_NE(dbg->view().status().find("select"), std::string::npos);
}

TEST(RecordedSession, WhereDidThisValueComeFrom) {
  auto dbg = record_and_open("calls_origin", kCalls);
  ASSERT_TRUE(dbg);
  dbg->go_to(first_step_of(*dbg, stmt_at(*dbg, "main/body[3]")));
  dbg->view().select(Selection{Selection::Kind::Binding, 0, 0, "c", 0});
  dbg->execute(Command::WhereFrom);
  const auto& chain = dbg->origin().chain;
  ASSERT_FALSE(chain.empty()) << dbg->view().status();
  EXPECT_EQ(chain[0].name, "c");
  EXPECT_EQ(chain[0].value, "12");
  bool reads_b = false;
  for (const std::string& r : chain[0].reads) reads_b = reads_b || r == "b";
  EXPECT_TRUE(reads_b);
}

TEST(RecordedSession, TimelineLanesAreCachedOnTheRange) {
  auto dbg = record_and_open("calls_lanes", kCalls);
  ASSERT_TRUE(dbg);
  TimeAxis& axis = dbg->view().axis();
  dbg->timeline().lanes(axis, 800);
  std::uint64_t builds = dbg->timeline().rebuilds();
  dbg->go_to(5);
  dbg->timeline().lanes(axis, 800);
  EXPECT_EQ(dbg->timeline().rebuilds(), builds) << "moving the cursor does not rebuild lanes";
  axis.zoom(0.5, 3);
  const std::vector<Lane>& lanes = dbg->timeline().lanes(axis, 800);
  EXPECT_EQ(dbg->timeline().rebuilds(), builds + 1);
  bool main_runs = false, memory = false, effect = false;
  for (const Lane& lane : lanes) {
    if (lane.kind == LaneKind::Thread && !lane.bars.empty()) main_runs = true;
    if (lane.kind == LaneKind::Memory && !lane.bars.empty()) memory = true;
    if (lane.kind == LaneKind::Effects) effect = effect || !lane.marks.empty();
  }
  EXPECT_TRUE(main_runs);
  EXPECT_TRUE(memory);
  EXPECT_FALSE(effect) << "the emit is after the visible half";
  axis.fit();
  bool accesses = false;
  for (const Lane& lane : dbg->timeline().lanes(axis, 800)) {
    if (lane.kind == LaneKind::Effects) {
      EXPECT_EQ(lane.marks.size(), 1u);
    }
    // The store and load of the memory cell, marked in main's colour.
    for (const LaneItem& it : lane.accesses) {
      EXPECT_EQ(lane.kind, LaneKind::Memory);
      EXPECT_EQ(access_thread(it.style), 0u);
      accesses = true;
    }
  }
  EXPECT_TRUE(accesses);
}

TEST(RecordedSession, CancelStopsAnEndlessRecordingAndItStillOpens) {
  std::string trace;
  RecordOutcome outcome = record_forever_until_cancelled("forever", 50000, trace);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.cancelled);
  EXPECT_GE(outcome.steps, 50000u);
  std::string error;
  auto dbg = Debugger::open(trace, k::standard_intrinsics(), error);
  ASSERT_TRUE(dbg) << error;
  EXPECT_FALSE(dbg->info().complete);
  EXPECT_LE(dbg->view().steps(), outcome.steps);
  EXPECT_GT(dbg->view().steps(), 0u) << "whole blocks before the cancel are readable";
  dbg->land_on_open();
  EXPECT_NE(dbg->view().status().find("cut short"), std::string::npos);
}

TEST(RecordedSession, BadFilesAreRefusedWithTheirName) {
  std::string error;
  EXPECT_FALSE(Debugger::open("/nonexistent/x.dtrace", k::standard_intrinsics(), error));
  EXPECT_NE(error.find("/nonexistent/x.dtrace"), std::string::npos) << error;

  RecordRequest request;
  request.program_path = write_temp_file("broken.dir.json", "{\"forges\": [");
  request.trace_path = ::testing::TempDir() + "/broken.dtrace";
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("broken.dir.json"), std::string::npos) << outcome.error;
}

}  // namespace
}  // namespace dust::dbg

namespace dust::dbg {
namespace {

// 100,000 iterations of a three-statement loop, then one last statement.
constexpr const char* kLongLoop = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"n","expr":"0"}},
   {"While":{"condition":"n Lt 100000","body":[{"Assign":{"target":"n","expr":"n Add 1"}},
                                                 {"Assign":{"target":"n","expr":"n Add 0"}}]}},
   {"Effect":{"kind":"emit","payload":"n"}},
   {"Return":{"expr":"n"}}]}
]}]})JSON";

TEST(RecordedSession, FarMovementsSearchInTheBackground) {
  auto dbg = record_and_open("long_loop", kLongLoop);
  ASSERT_TRUE(dbg);
  ASSERT_GT(dbg->view().steps(), Debugger::kSyncScanSteps);
  std::uint32_t emit = stmt_at(*dbg, "main/body[2]");
  dbg->view().breakpoints().set(emit);
  EXPECT_FALSE(dbg->execute(Command::Continue).has_value()) << "too far to answer at once";
  EXPECT_TRUE(dbg->searching());
  EXPECT_FALSE(dbg->execute(Command::StepInto).has_value()) << "one search at a time";
  dbg->wait_for_search();
  EXPECT_FALSE(dbg->searching());
  EXPECT_EQ(current_stmt(*dbg), emit) << dbg->view().status();
  EXPECT_EQ(dbg->view().cursor(), dbg->view().steps() - 2);

  // Back to the start the same way, then a search cancelled at once.
  dbg->view().breakpoints().set(stmt_at(*dbg, "main/body[0]"));
  dbg->execute(Command::ReverseContinue);
  dbg->wait_for_search();
  EXPECT_EQ(dbg->view().cursor(), 0u);
  dbg->execute(Command::Continue);
  dbg->cancel_search();
  dbg->wait_for_search();
  EXPECT_TRUE(dbg->view().cursor() == 0u || dbg->view().cursor() == dbg->view().steps() - 2)
      << "a cancelled search leaves the cursor, a finished one moves it";
  EXPECT_FALSE(dbg->searching());
}

}  // namespace
}  // namespace dust::dbg

namespace dust::dbg {
namespace {

std::string example_text(const std::string& name) {
  std::ifstream in(std::filesystem::path(DUST_SOURCE_DIR) / "assets/examples" / name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The racy counter's races are on the timeline, on the counter's memory
// lane and never folded away; the mutex counter has none.
TEST(RecordedSession, DataRacesAreMarkedOnTheTimeline) {
  std::string racy = example_text("racy_counter.dir.json");
  auto dbg = record_and_open("racy_lanes", racy.c_str());
  ASSERT_TRUE(dbg);
  EXPECT_FALSE(dbg->catalog().races.empty());
  TimeAxis& axis = dbg->view().axis();
  axis.fit();
  bool race_mark = false;
  for (const Lane& lane : dbg->timeline().lanes(axis, 400)) {
    for (const LaneItem& it : lane.marks) race_mark = race_mark || (lane.kind == LaneKind::Memory && it.style == kMarkRace);
  }
  EXPECT_TRUE(race_mark);

  std::string locked = example_text("mutex_counter.dir.json");
  auto calm = record_and_open("mutex_lanes", locked.c_str());
  ASSERT_TRUE(calm);
  EXPECT_TRUE(calm->catalog().races.empty());
}

}  // namespace
}  // namespace dust::dbg

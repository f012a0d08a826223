// window_state_test.cpp — what the window shows, checked without a window:
// files recognised by their first bytes with an error that names them,
// key events held back so a tap in one batch of events is never lost, a
// status line and a where-from chain that follow the cursor, and the
// banner of a trace cut short.
#include <gtest/gtest.h>

#include <filesystem>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/file_kind.hpp"
#include "model/input_queue.hpp"
#include "model/recording.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCounting = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":"Int","qualifiers":[],"body":[
   {"Let":{"name":"a","expr":"1"}},
   {"Let":{"name":"b","expr":"a Add 1"}},
   {"Assign":{"target":"a","expr":"b Mul 10"}},
   {"Let":{"name":"c","expr":"a Add b"}},
   {"Assign":{"target":"a","expr":"c Add 100"}},
   {"Return":{"expr":"a"}}]}
]}]})JSON";


TEST(FileKind, RecordingsAndProgramsAreKnownByTheirBytes) {
  fs::path crash = fs::path(DUST_SOURCE_DIR) / "traces/crash";
  EXPECT_EQ(sniff_file((crash / "double_free.dtrace").string()).kind, FileKind::Trace);
  EXPECT_EQ(sniff_file((crash / "double_free.dir.json").string()).kind, FileKind::DirProgram);
  // The name decides nothing: JSON called .dtrace is a program.
  EXPECT_EQ(sniff_file(write_temp_file("program_named.dtrace", "{\"forges\": []}")).kind, FileKind::DirProgram);
  EXPECT_EQ(sniff_file(write_temp_file("bom.json", "\xEF\xBB\xBF \n\t{}")).kind, FileKind::DirProgram);
}

TEST(FileKind, WhatCannotBeOpenedIsSaidWithTheFileName) {
  auto refused = [](const std::string& path, const char* why) {
    FileSniff s = sniff_file(path);
    EXPECT_EQ(s.kind, FileKind::Unusable) << path;
    EXPECT_NE(s.error.find(path), std::string::npos) << s.error;
    EXPECT_NE(s.error.find(why), std::string::npos) << s.error;
    EXPECT_EQ(s.error.find("DIR load error"), std::string::npos) << s.error;
  };
  refused("/nonexistent/run.dtrace", "no such file");
  refused(::testing::TempDir(), "is a directory");
  refused(write_temp_file("empty.dtrace", ""), "the file is empty");
  refused(write_temp_file("garbage.dtrace", std::string("\x01\x02garbage", 9)), "starts with bytes 01 02 67");
  refused(write_temp_file("text.dtrace", "hello"), "neither a recording");
}

TEST(InputQueue, APressAndReleaseInOneBatchLandInTwoFrames) {
  InputQueue q;
  // One batch of events: type "a", then tap F10 (press and release).
  q.push_char('a');
  q.push_key(299, 0, 1, 0);
  q.push_key(299, 0, 0, 0);
  std::vector<InputEvent> frame;
  auto take = [&] {
    frame.clear();
    return q.feed_frame([&](const InputEvent& e) { frame.push_back(e); });
  };
  ASSERT_EQ(take(), 2u) << "the character and the press";
  EXPECT_EQ(frame[0].kind, InputEvent::Kind::Char);
  EXPECT_EQ(frame[0].codepoint, unsigned{'a'});
  EXPECT_EQ(frame[1].kind, InputEvent::Kind::Key);
  EXPECT_EQ(frame[1].action, 1) << "the press is seen down for a whole frame";
  ASSERT_EQ(take(), 1u);
  EXPECT_EQ(frame[0].action, 0) << "the release comes a frame later";
  EXPECT_EQ(take(), 0u);
  EXPECT_TRUE(q.empty());
}

TEST(InputQueue, AFullQueueCountsWhatItDrops) {
  InputQueue q;
  for (std::size_t i = 0; i < InputQueue::kCapacity; ++i) EXPECT_TRUE(q.push_key(65, 0, 1, 0));
  EXPECT_FALSE(q.push_key(66, 0, 1, 0));
  EXPECT_EQ(q.dropped(), 1u);
  std::size_t frames = 0;
  while (!q.empty()) frames += q.feed_frame([](const InputEvent&) {}) == 1;
  EXPECT_EQ(frames, InputQueue::kCapacity) << "one key event a frame, none lost";
}

TEST(WindowState, TheStatusLineIsAboutTheCursor) {
  auto dbg = record_and_open("status_cursor", kCounting);
  ASSERT_TRUE(dbg);
  dbg->execute(Command::StepInto);
  std::uint64_t here = dbg->view().cursor();
  EXPECT_NE(dbg->view().status().find("Step Into"), std::string::npos) << dbg->view().status();
  dbg->go_to(here + 2);
  EXPECT_TRUE(dbg->view().status().empty()) << "a command's report does not outlive its step: "
                                            << dbg->view().status();
  dbg->execute(Command::StepInto);
  EXPECT_FALSE(dbg->view().status().empty());
}

TEST(WindowState, WhereFromFollowsTheCursor) {
  auto dbg = record_and_open("origin_cursor", kCounting);
  ASSERT_TRUE(dbg);
  // After `a = b Mul 10` (cursor 3) a is 20; after `a = c Add 100`
  // (cursor 5) it is 122.
  dbg->go_to(3);
  dbg->view().select(Selection{Selection::Kind::Binding, 0, 0, "a", 0});
  dbg->execute(Command::WhereFrom);
  ASSERT_FALSE(dbg->origin().chain.empty()) << dbg->view().status();
  EXPECT_EQ(dbg->origin().chain[0].value, "20");
  EXPECT_NE(dbg->origin_subject().find("step 3"), std::string::npos) << dbg->origin_subject();
  dbg->go_to(5);
  ASSERT_FALSE(dbg->origin().chain.empty());
  EXPECT_EQ(dbg->origin().chain[0].value, "122") << "traced again at the new cursor";
  EXPECT_NE(dbg->origin_subject().find("step 5"), std::string::npos) << dbg->origin_subject();
  dbg->go_to(1);
  ASSERT_FALSE(dbg->origin().chain.empty());
  EXPECT_EQ(dbg->origin().chain[0].value, "1");
}

TEST(WindowState, ATraceCutShortOpensUnderABanner) {
  std::string trace;
  record_forever_until_cancelled("forever_banner", 50000, trace);
  std::string error;
  auto dbg = Debugger::open(trace, k::standard_intrinsics(), error);
  ASSERT_TRUE(dbg) << error;
  ASSERT_EQ(dbg->view().notices().size(), 1u);
  const Notice& n = dbg->view().notices()[0];
  EXPECT_EQ(n.level, Notice::Level::Warning);
  EXPECT_FALSE(n.dismissable) << "the banner stays while the trace is open";
  EXPECT_NE(n.text.find("TRUNCATED"), std::string::npos) << n.text;
  EXPECT_NE(n.text.find("up to step " + std::to_string(dbg->view().steps())), std::string::npos) << n.text;
  dbg->view().dismiss_notice(0);
  EXPECT_EQ(dbg->view().notices().size(), 1u);

  auto whole = record_and_open("whole_banner", kCounting);
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->view().notices().empty()) << "a complete trace has no banner";
}

TEST(WindowState, SaveAsCopiesTheRecording) {
  auto dbg = record_and_open("save_as", kCounting);
  ASSERT_TRUE(dbg);
  std::string copy = ::testing::TempDir() + "/saved_copy.dtrace";
  std::string error;
  ASSERT_TRUE(dbg->save_as(copy, error)) << error;
  EXPECT_NE(dbg->view().status().find(copy), std::string::npos) << dbg->view().status();
  auto reopened = Debugger::open(copy, k::standard_intrinsics(), error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_EQ(reopened->view().steps(), dbg->view().steps());
  EXPECT_FALSE(dbg->save_as(dbg->path(), error)) << "not over itself";
  EXPECT_NE(error.find("the open recording itself"), std::string::npos) << error;
  EXPECT_FALSE(dbg->save_as("/nonexistent-dir/x.dtrace", error));
  EXPECT_NE(error.find("/nonexistent-dir/x.dtrace"), std::string::npos) << error;
}

TEST(WindowState, AValueOverTimeFollowsTheSelectionAndTheRange) {
  auto dbg = record_and_open("value_plot", kCounting);
  ASSERT_TRUE(dbg);
  EXPECT_EQ(dbg->value_plot(), nullptr) << "nothing selected";
  dbg->view().axis().fit();
  dbg->view().select(Selection{Selection::Kind::Binding, 0, 0, "a", 0});
  const ValuePlot* plot = dbg->value_plot();
  ASSERT_NE(plot, nullptr);
  // Every step is a sample in so short a run: a is unbound at 0, then 1, 20, 122.
  ASSERT_EQ(plot->steps.size(), dbg->view().steps() + 1);
  EXPECT_FALSE(plot->known[0]) << "before its Let, a has no value";
  EXPECT_EQ(plot->values[0], 1.0f) << "drawn level with the first value, not at zero";
  EXPECT_EQ(plot->exact[1], 1);
  EXPECT_EQ(plot->exact[3], 20);
  EXPECT_EQ(plot->exact[5], 122);
  EXPECT_EQ(plot->min, 1);
  EXPECT_EQ(plot->max, 122);
  std::uint64_t built = 0;
  {
    ValuePlotter plotter;
    plotter.plot(dbg->reader(), dbg->view().selection(), dbg->view().axis().visible(), dbg->view().steps());
    plotter.plot(dbg->reader(), dbg->view().selection(), dbg->view().axis().visible(), dbg->view().steps());
    built = plotter.rebuilds();
  }
  EXPECT_EQ(built, 1u) << "the same selection and range are not read again";
  dbg->view().select(Selection{Selection::Kind::Binding, 0, 0, "c", 0});
  plot = dbg->value_plot();
  ASSERT_NE(plot, nullptr);
  EXPECT_EQ(plot->max, 22) << "a new selection, a new plot";
}

TEST(WindowState, QUseStepsAreMarkedOnTheirLane) {
  std::string error;
  fs::path crash = fs::path(DUST_SOURCE_DIR) / "traces/crash";
  auto dbg = Debugger::open((crash / "q_linearity_violation.dtrace").string(), k::standard_intrinsics(), error);
  ASSERT_TRUE(dbg) << error;
  std::size_t uses = 0;
  for (const rec::QLifetime& q : dbg->catalog().q) uses += q.use_steps.size();
  EXPECT_GE(uses, 1u) << "q_use(held) before the violation";
  std::size_t marks = 0;
  for (const auto& row : dbg->catalog().q_rows.marks) {
    for (const Span& s : row) marks += s.style == kMarkUse;
  }
  EXPECT_EQ(marks, uses) << "each use is a mark on its resource's lane";
}

TEST(WindowState, LanesWithNothingOnThemAreLeftOut) {
  auto dbg = record_and_open("no_phi_no_effects", kCounting);
  ASSERT_TRUE(dbg);
  for (const Lane& lane : dbg->timeline().current_lanes()) {
    EXPECT_NE(lane.kind, LaneKind::Phi) << "no \u03a6 in this program";
    EXPECT_NE(lane.kind, LaneKind::Effects) << "no effects in this run";
  }
  std::string error;
  fs::path crash = fs::path(DUST_SOURCE_DIR) / "traces/crash";
  auto phi = Debugger::open((crash / "phi_inadmissible.dtrace").string(), k::standard_intrinsics(), error);
  ASSERT_TRUE(phi) << error;
  bool phi_lane = false;
  for (const Lane& lane : phi->timeline().current_lanes()) phi_lane = phi_lane || lane.kind == LaneKind::Phi;
  EXPECT_TRUE(phi_lane);
}

TEST(WindowState, ADeadlockKnowsItsWaitForCycle) {
  std::string error;
  fs::path crash = fs::path(DUST_SOURCE_DIR) / "traces/crash";
  auto dbg = Debugger::open((crash / "two_lock_deadlock.dtrace").string(), k::standard_intrinsics(), error);
  ASSERT_TRUE(dbg) << error;
  const std::vector<WaitEdge>& cycle = dbg->catalog().wait_cycle;
  // T0 waits to join T1, which is not on the cycle; T1 and T2 each hold
  // the mutex the other waits for.
  ASSERT_EQ(cycle.size(), 2u) << dbg->catalog().failure_text;
  EXPECT_EQ(cycle[0].waiter, 1u);
  EXPECT_EQ(cycle[0].holder, 2u);
  EXPECT_EQ(cycle[1].waiter, 2u);
  EXPECT_EQ(cycle[1].holder, 1u);
  EXPECT_EQ(cycle[0].kind, WaitKind::Mutex);
  EXPECT_NE(cycle[0].id, cycle[1].id) << "two locks, each held by the other's waiter";

  auto fine = Debugger::open((crash / "double_free.dtrace").string(), k::standard_intrinsics(), error);
  ASSERT_TRUE(fine) << error;
  EXPECT_TRUE(fine->catalog().wait_cycle.empty());
}

}  // namespace
}  // namespace dust::dbg

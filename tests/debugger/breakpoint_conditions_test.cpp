// breakpoint_conditions_test.cpp — conditional breakpoints, hit counts,
// thread filters, logpoints and data breakpoints on the debugger's view
// state, over real recordings, with no window: continue and
// reverse-continue must agree on every hit.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "dust/evaluate.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/recording.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {
namespace {

// A loop whose body binds v to 0, 2, 4, ..., 18 and emits it.
constexpr const char* kLoop = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"total","expr":"0"}},
   {"For":{"var":"i","start":"0","end":"10","body":[
     {"Let":{"name":"v","expr":"i Mul 2"}},
     {"Assign":{"target":"total","expr":"total Add v"}}]}},
   {"Effect":{"kind":"emit","payload":"total"}}]}
]}]})JSON";

// Two workers running the same proc: a thread filter picks one.
constexpr const char* kTwoWorkers = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"work","params":[{"name":"k","ty":"Int"}],"uses":[],"ret":"Int","qualifiers":[],"body":[
   {"Let":{"name":"w","expr":"k Mul 10"}},
   {"Return":{"expr":"w"}}]},
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"t1","expr":"spawn(work, 1, 1)"}},
   {"Let":{"name":"t2","expr":"spawn(work, 2, 2)"}},
   {"Call":{"target":"join","args":["t1"],"result":null}},
   {"Call":{"target":"join","args":["t2"],"result":null}}]}
]}]})JSON";

// The value of `name` in the innermost frame of `thread` at the cursor.
std::string value_at_cursor(Debugger& dbg, std::uint32_t thread, const std::string& name) {
  Machine m = dbg.reader().state_at(dbg.view().cursor());
  std::string error;
  auto v = evaluate_in_frame(m, thread, static_cast<std::uint32_t>(m.threads[thread].frames.size() - 1), name, error);
  return v ? render_human(*v) : "<" + error + ">";
}

TEST(BreakpointConditions, ConditionStopsOnlyWhereItHoldsBothWays) {
  auto dbg = record_and_open("cond_loop", kLoop);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "main/body[1]/body[1]");  // total = total Add v
  bp.condition = "v Gt 12";
  dbg->view().breakpoints().put(bp);
  std::vector<std::string> seen;
  for (;;) {
    auto stop = dbg->execute(Command::Continue);
    ASSERT_TRUE(stop);
    if (stop->reason == StopReason::End) break;
    ASSERT_EQ(stop->reason, StopReason::Breakpoint);
    seen.push_back(value_at_cursor(*dbg, 0, "v"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"14", "16", "18"}));
  std::vector<std::string> back;
  for (;;) {
    auto stop = dbg->execute(Command::ReverseContinue);
    ASSERT_TRUE(stop);
    if (stop->reason == StopReason::Start) break;
    back.push_back(value_at_cursor(*dbg, 0, "v"));
  }
  EXPECT_EQ(back, (std::vector<std::string>{"18", "16", "14"}));
}

TEST(BreakpointConditions, HitCountCountsFromTheStartOfTheRecording) {
  auto dbg = record_and_open("hits_loop", kLoop);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "main/body[1]/body[0]");  // let v = i Mul 2
  bp.hit_condition = "% 4";
  dbg->view().breakpoints().put(bp);
  auto stop = dbg->execute(Command::Continue);
  ASSERT_EQ(stop->reason, StopReason::Breakpoint);
  EXPECT_EQ(value_at_cursor(*dbg, 0, "i"), "3") << "the fourth hit";
  stop = dbg->execute(Command::Continue);
  EXPECT_EQ(value_at_cursor(*dbg, 0, "i"), "7") << "the eighth hit";
  // From the end backwards, the same hits: counting does not depend on the direction.
  dbg->execute(Command::GoToEnd);
  stop = dbg->execute(Command::ReverseContinue);
  EXPECT_EQ(value_at_cursor(*dbg, 0, "i"), "7");
}

TEST(BreakpointConditions, LogpointListsEveryHitWithItsStepAndNeverStops) {
  auto dbg = record_and_open("log_loop", kLoop);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "main/body[1]/body[1]");
  bp.log_message = "i={i} v={v} {{literal}}";
  dbg->view().breakpoints().put(bp);
  const session::BreakpointHits* hits = dbg->evaluator().hits(bp.stmt);
  ASSERT_NE(hits, nullptr);
  EXPECT_TRUE(hits->error.empty()) << hits->error;
  ASSERT_EQ(hits->log.size(), 10u);
  EXPECT_EQ(hits->log[0].message, "i=0 v=0 {literal}");
  EXPECT_EQ(hits->log[9].message, "i=9 v=18 {literal}");
  for (std::size_t k = 1; k < hits->log.size(); ++k) EXPECT_LT(hits->log[k - 1].step, hits->log[k].step);
  // Each listed step runs the logged statement; going there is a plain move.
  for (const session::LogHit& h : hits->log) EXPECT_EQ(dbg->steps().at(h.step).stmt, bp.stmt);
  auto stop = dbg->execute(Command::Continue);
  EXPECT_EQ(stop->reason, StopReason::End) << "a logpoint never stops";
  EXPECT_EQ(dbg->evaluator().log_hits(0, hits->log[3].step).size(), 3u);
}

// Braces that never close are text, escapes still apply, and a message
// of many unclosed braces (as a hostile DAP client may send) costs its
// length, not its length squared: 200,000 of them are interpolated here.
TEST(BreakpointConditions, UnclosedBracesInALogMessageAreText) {
  Machine m = record_and_open("log_unclosed", kLoop)->reader().state_at(0);
  EXPECT_EQ(session::interpolate_log_message("a{b {{c {d", m, 0, 0), "a{b {c {d");
  EXPECT_EQ(session::interpolate_log_message("{{ and {", m, 0, 0), "{ and {");
  std::string many;
  for (int k = 0; k < 100'000; ++k) many += "{x";
  const std::string out = session::interpolate_log_message(many, m, 0, 0);
  EXPECT_EQ(out, many);
}

TEST(BreakpointConditions, BadConditionIsReportedAndNeverStops) {
  auto dbg = record_and_open("bad_cond", kLoop);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "main/body[1]/body[1]");
  bp.condition = "nosuch Gt 1";
  dbg->view().breakpoints().put(bp);
  auto stop = dbg->execute(Command::Continue);
  EXPECT_EQ(stop->reason, StopReason::End);
  std::vector<std::string> errors = dbg->evaluator().errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("unknown identifier: nosuch"), std::string::npos) << errors[0];
  bp.condition = "v Add";
  dbg->view().breakpoints().put(bp);
  errors = dbg->evaluator().errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("condition `v Add`"), std::string::npos) << errors[0];
}

TEST(BreakpointConditions, ThreadFilterPicksOneWorker) {
  auto dbg = record_and_open("thread_filter", kTwoWorkers);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "work/body[0]");
  bp.thread = 2;
  dbg->view().breakpoints().put(bp);
  auto stop = dbg->execute(Command::Continue);
  ASSERT_EQ(stop->reason, StopReason::Breakpoint);
  EXPECT_EQ(dbg->steps().at(stop->step).thread, 2u);
  EXPECT_EQ(value_at_cursor(*dbg, 2, "k"), "2");
  stop = dbg->execute(Command::Continue);
  EXPECT_EQ(stop->reason, StopReason::End) << "T1's hit is filtered out";
}

TEST(BreakpointConditions, DataBreakpointStopsAtEachWriteBothWays) {
  auto dbg = record_and_open("data_loop", kLoop);
  ASSERT_TRUE(dbg);
  session::DataBreakpoint d;
  d.name = "total";
  d.thread = 0;
  dbg->view().breakpoints().set_data({d});
  std::vector<std::uint64_t> forward;
  for (;;) {
    auto stop = dbg->execute(Command::Continue);
    if (stop->reason == StopReason::End) break;
    ASSERT_EQ(stop->reason, StopReason::DataBreakpoint);
    forward.push_back(stop->step);
  }
  // The cursor opens on step 0, `let total = 0`: the ten assignments follow.
  ASSERT_EQ(forward.size(), 10u);
  std::vector<std::uint64_t> backward;
  for (;;) {
    auto stop = dbg->execute(Command::ReverseContinue);
    if (stop->reason == StopReason::Start) break;
    ASSERT_EQ(stop->reason, StopReason::DataBreakpoint);
    // Reverse-continue lands where the recorder's last-write query says.
    std::uint64_t before = backward.empty() ? dbg->view().steps() : backward.back();
    EXPECT_EQ(dbg->reader().last_write("total", before, dust::rec::FrameSelector{0, std::nullopt, true}).step,
              stop->step);
    backward.push_back(stop->step);
  }
  std::reverse(backward.begin(), backward.end());
  forward.insert(forward.begin(), 0);
  EXPECT_EQ(forward, backward) << "back to the let at step 0, then the start";
}

}  // namespace
}  // namespace dust::dbg

namespace dust::dbg {
namespace {

TEST(BreakpointConditions, WatchExpressionsFollowTheCursor) {
  auto dbg = record_and_open("watch_loop", kLoop);
  ASSERT_TRUE(dbg);
  Breakpoint bp;
  bp.stmt = stmt_at(*dbg, "main/body[1]/body[1]");
  bp.condition = "i Eq 4";
  dbg->view().breakpoints().put(bp);
  ASSERT_EQ(dbg->execute(Command::Continue)->reason, StopReason::Breakpoint);
  Debugger::Evaluation v = dbg->evaluate_at_cursor("v Add total");
  ASSERT_TRUE(v.ok) << v.text;
  EXPECT_EQ(v.text, "20") << "v = 8, total = 0+2+4+6";
  dbg->execute(Command::StepOver);
  EXPECT_EQ(dbg->evaluate_at_cursor("total").text, "20");
  Debugger::Evaluation bad = dbg->evaluate_at_cursor("v Add");
  EXPECT_FALSE(bad.ok);
  EXPECT_FALSE(bad.text.empty());
}

}  // namespace
}  // namespace dust::dbg

namespace dust::dbg {
namespace {

// put_all (a DAP client's setBreakpoints, in any order) leaves the same
// breakpoints as put() one by one: a later one on a statement replaces an
// earlier, and those already set on other statements stay.
TEST(BreakpointConditions, PutAllIsPutOneByOne) {
  std::vector<session::Breakpoint> added;
  for (std::uint32_t k = 0; k < 2000; ++k) {
    session::Breakpoint b;
    b.stmt = (2000 - k) * 7 % 1500;  // reversed and repeated statements
    b.condition = "k == " + std::to_string(k);
    added.push_back(b);
  }
  session::Breakpoints one_by_one, at_once;
  for (std::uint32_t stmt : {3u, 5u, 1700u}) {
    one_by_one.set(stmt);
    at_once.set(stmt);
  }
  for (const session::Breakpoint& b : added) one_by_one.put(b);
  const std::uint64_t before = at_once.revision();
  at_once.put_all(added);
  EXPECT_GT(at_once.revision(), before);
  EXPECT_EQ(at_once.all(), one_by_one.all());
  EXPECT_TRUE(std::is_sorted(at_once.all().begin(), at_once.all().end(),
                             [](const session::Breakpoint& a, const session::Breakpoint& b) { return a.stmt < b.stmt; }));
}

}  // namespace
}  // namespace dust::dbg

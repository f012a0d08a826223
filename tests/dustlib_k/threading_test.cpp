// threading_test.cpp — dustlib_k's threading module: spawn, join, yield and
// sleep on logical time, failures inside threads, and unjoined threads.
#include "k_harness.hpp"

using namespace k_test;
using dust::LibEventKind;

namespace {

std::string with_worker(Json worker_body, std::vector<std::string> params, Json main_body) {
  return program(Json::array({proc("worker", std::move(worker_body), std::move(params)), proc("main", std::move(main_body))}));
}

TEST(Threading, SpawnRunsTheProcAndJoinGivesItsResult) {
  std::string text = with_worker({ret("x Mul 2")}, {"x"},
                                 {let("a", "spawn(\"worker\", 5, 20)"), let("b", "spawn(\"Test::worker\", 6, 1)"),
                                  ret("join(a) Add join(b)")});
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.returned_int(), 42);
  auto spawns = r.lib_events(LibEventKind::ThreadSpawn);
  ASSERT_EQ(spawns.size(), 2u);
  EXPECT_EQ(spawns[0].a, 1);
  EXPECT_EQ(spawns[0].b, 5);  // the spawn seed is recorded with the thread
  EXPECT_EQ(spawns[0].text, "worker");
  EXPECT_EQ(r.machine.threads[2].spawn_seed, 6u);
  EXPECT_EQ(r.lib_events(LibEventKind::ThreadJoin).size(), 2u);
  EXPECT_TRUE(dust::k::exit_warnings(r.machine).empty());
}

TEST(Threading, JoinOfAThreadThatReturnedNothingGivesUnit) {
  KRun r = run_text(with_worker({emit("1")}, {}, {let("t", "spawn(\"worker\", 0)"), ret("join(t)")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_TRUE(r.outcome().returned->is_unit());
}

TEST(Threading, JoinBlocksUntilTheThreadFinishes) {
  // Seed 0 is round-robin: main reaches join while the worker is mid-loop.
  std::string text = with_worker({for_("i", "0", "5", {emit("i")}), ret("7")}, {},
                                 {let("t", "spawn(\"worker\", 0)"), let("v", "join(t)"), emit("100"), ret("v")});
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.returned_int(), 7);
  EXPECT_EQ(r.machine.effects.back().payload, "100");
  bool main_blocked = false;
  for (const dust::StepEvent& e : r.events) main_blocked |= e.thread == 0 && e.kind == dust::StepKind::Blocked;
  EXPECT_TRUE(main_blocked);
}

TEST(Threading, SleepWaitsOnLogicalTime) {
  // Alone, a sleeping main makes logical time jump to its wake tick; the
  // sleep then completes and ticks once.
  KRun r = run_text(k_main({emit("0"), call("sleep", {"100"}), ret("0")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.machine.tick, 102u);
  auto sleeps = r.lib_events(LibEventKind::ThreadSleep);
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0].a, 101);
}

TEST(Threading, SleepOrdersThreadsByWakeTime) {
  std::string text = with_worker({call("sleep", {"delay"}), emit("tag")}, {"delay", "tag"},
                                 {let("a", "spawn(\"worker\", 0, 50, 1)"), let("b", "spawn(\"worker\", 0, 5, 2)"),
                                  let("c", "spawn(\"worker\", 0, 20, 3)"), call("join", {"a"}), call("join", {"b"}),
                                  call("join", {"c"})});
  for (std::uint64_t seed : {0, 1, 2, 3, 99}) {
    dust::RunConfig config;
    config.seed = seed;
    KRun r = run_text(text, config);
    ASSERT_TRUE(r.finished()) << r.failure();
    ASSERT_EQ(r.machine.effects.size(), 3u);
    EXPECT_EQ(r.machine.effects[0].payload, "2") << "seed " << seed;
    EXPECT_EQ(r.machine.effects[1].payload, "3") << "seed " << seed;
    EXPECT_EQ(r.machine.effects[2].payload, "1") << "seed " << seed;
  }
}

TEST(Threading, SleepZeroAndYieldReturnAtOnce) {
  KRun r = run_text(k_main({call("sleep", {"0"}), call("yield", {}), ret("1")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.machine.tick, 2u);
  EXPECT_EQ(r.lib_events(LibEventKind::ThreadYield).size(), 1u);
}

// ---- violations ----

TEST(ThreadingViolation, JoinTwice) {
  KRun r = run_text(with_worker({ret("1")}, {}, {let("t", "spawn(\"worker\", 0)"), call("join", {"t"}), call("join", {"t"})}));
  EXPECT_EQ(r.failure(), "ConstraintFailure: thread already joined: 1");
}

TEST(ThreadingViolation, JoinOfNoThreadItselfOrMain) {
  EXPECT_EQ(run_text(k_main({call("join", {"3"})})).failure(), "ConstraintFailure: join: no thread 3");
  EXPECT_EQ(run_text(k_main({call("join", {"0"})})).failure(), "ConstraintFailure: thread 0 cannot join itself");
  std::string text = with_worker({call("join", {"0"})}, {}, {let("t", "spawn(\"worker\", 0)"), call("join", {"t"})});
  EXPECT_EQ(run_text(text).failure(),
            "ConstraintFailure: thread 1 (worker): join: thread 0 is the main thread; the run ends when it returns");
}

TEST(ThreadingViolation, SpawnOfAnUnknownOrNonKProc) {
  EXPECT_EQ(run_text(k_main({let("t", "spawn(\"nobody\", 0)")})).failure(), "Runtime: spawn: unknown proc: nobody");
  std::string text = program(Json::array({proc("linear", {ret("0")}, {}, "Q"), proc("main", {let("t", "spawn(\"linear\", 0)")})}));
  EXPECT_EQ(run_text(text).failure(), "Runtime: spawn: linear is a Q-regime proc; only K procs run as threads");
  EXPECT_EQ(run_text(with_worker({ret("x")}, {"x"}, {let("t", "spawn(\"worker\", 0)")})).failure(),
            "Runtime: spawn: worker expects 1 arguments, got 0");
  EXPECT_EQ(run_text(k_main({let("t", "spawn(\"main\", \"seed\")")})).failure(),
            "Runtime: spawn expects an Int spawn seed, got String(\"seed\")");
}

TEST(ThreadingViolation, AFailureInAThreadEndsTheRunNamingTheThread) {
  std::string text = with_worker({alloc("8", "p"), dealloc("p"), dealloc("p")}, {},
                                 {let("t", "spawn(\"worker\", 0)"), call("join", {"t"}), ret("0")});
  KRun r = run_text(text);
  EXPECT_EQ(r.failure(), "ConstraintFailure: thread 1 (worker): double free: 16777216");
  EXPECT_EQ(r.outcome().error_thread, 1u);
}

TEST(Threading, UnjoinedThreadsAreExitWarnings) {
  std::string text = with_worker({call("sleep", {"s"}), ret("0")}, {"s"},
                                 {let("a", "spawn(\"worker\", 0, 0)"), let("b", "spawn(\"worker\", 0, 1000)"),
                                  let("c", "spawn(\"worker\", 0, 0)"), call("join", {"c"}), call("sleep", {"10"})});
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  std::vector<std::string> warnings = dust::k::exit_warnings(r.machine);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "thread 1 (worker) was never joined");
  EXPECT_EQ(warnings[1], "thread 2 (worker) was still sleeping when the run ended and was never joined");
}

}  // namespace

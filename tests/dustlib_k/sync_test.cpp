// sync_test.cpp — dustlib_k's sync module: mutexes that block
// deterministically, hand off in arrival order, report deadlocks, and
// refuse misuse with exact messages.
#include <set>

#include "k_harness.hpp"

using namespace k_test;
using dust::LibEventKind;

namespace {

TEST(Sync, LockAndUnlockInOneThread) {
  KRun r = run_text(k_main({let("m", "mutex_new()"), let("n", "new_mutex()"), call("mutex_lock", {"m"}),
                           call("lock", {"n"}), call("sync.unlock", {"n"}), call("dustlib_k::sync::mutex_unlock", {"m"}),
                           ret("n")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.returned_int(), 2);
  EXPECT_EQ(r.lib_events(LibEventKind::MutexNew).size(), 2u);
  EXPECT_EQ(r.lib_events(LibEventKind::MutexLock).size(), 2u);
  EXPECT_EQ(r.lib_events(LibEventKind::MutexUnlock).size(), 2u);
  EXPECT_TRUE(dust::k::exit_warnings(r.machine).empty());
}

TEST(Sync, TryLockNeverWaits) {
  std::string text = program(Json::array({
      proc("holder", {call("lock", {"m"}), call("sleep", {"50"}), call("unlock", {"m"})}, {"m"}),
      proc("main", {let("m", "mutex_new()"), let("t", "spawn(\"holder\", 0, m)"), call("sleep", {"10"}),
                    let("busy", "try_lock(m)"), call("join", {"t"}), let("free", "mutex_try_lock(m)"),
                    let("again", "try_lock(m)"), call("unlock", {"m"}), ret("[busy, free, again]")}),
  }));
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& items = r.outcome().returned->array_items();
  EXPECT_FALSE(items[0].as_bool());
  EXPECT_TRUE(items[1].as_bool());
  EXPECT_FALSE(items[2].as_bool());  // held by the caller: not recursive
  EXPECT_EQ(r.lib_events(LibEventKind::MutexTryFail).size(), 2u);
}

TEST(Sync, WaitersGetTheMutexInArrivalOrder) {
  // Main holds the mutex while three workers queue up, then releases it:
  // the workers must run their critical sections in the order they queued.
  std::string text = program(Json::array({
      proc("worker", {call("lock", {"m"}), emit("tag"), call("unlock", {"m"})}, {"m", "tag"}),
      proc("main", {let("m", "mutex_new()"), call("lock", {"m"}), let("a", "spawn(\"worker\", 0, m, 1)"),
                    let("b", "spawn(\"worker\", 0, m, 2)"), let("c", "spawn(\"worker\", 0, m, 3)"),
                    call("sleep", {"20"}), call("unlock", {"m"}), call("join", {"a"}), call("join", {"b"}),
                    call("join", {"c"})}),
  }));
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    dust::RunConfig config;
    config.seed = seed;
    KRun r = run_text(text, config);
    ASSERT_TRUE(r.finished()) << r.failure();
    std::vector<dust::LibEvent> waits = r.lib_events(LibEventKind::MutexWait);
    ASSERT_EQ(waits.size(), 3u) << "seed " << seed;
    for (const dust::LibEvent& e : waits) EXPECT_EQ(e.b, 0);  // each waited on main, the owner
    // Arrival is the order of the MutexWait events' threads.
    std::vector<std::string> arrival, ran;
    for (const dust::StepEvent& e : r.events)
      for (const dust::LibEvent& l : e.lib)
        if (l.kind == LibEventKind::MutexWait) arrival.push_back(std::to_string(e.thread));
    for (const dust::StepEvent& e : r.events)
      if (e.has_effect) ran.push_back(std::to_string(e.thread));
    EXPECT_EQ(arrival, ran) << "seed " << seed;
  }
}

TEST(Sync, TheMutexCounterIsAlwaysRightAndTheRacyOneIsNot) {
  auto counter = [](bool locked) {
    Json body = Json::array();
    if (locked) body.push_back(call("lock", {"m"}));
    body.push_back(load("c", "v"));
    body.push_back(store("c", "v Add 1"));
    if (locked) body.push_back(call("unlock", {"m"}));
    return program(Json::array({
        proc("worker", {for_("i", "0", "3", body)}, {"c", "m"}),
        proc("main", {alloc("8", "c"), let("m", "mutex_new()"), let("a", "spawn(\"worker\", 0, c, m)"),
                      let("b", "spawn(\"worker\", 0, c, m)"), call("join", {"a"}), call("join", {"b"}), load("c", "v"),
                      dealloc("c"), ret("v")}),
    }));
  };
  auto locked = load(counter(true));
  auto racy = load(counter(false));
  std::set<std::int64_t> racy_results;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    dust::RunConfig config;
    config.seed = seed;
    EXPECT_EQ(run_program(locked, config).returned_int(), 6) << "seed " << seed;
    racy_results.insert(run_program(racy, config).returned_int());
  }
  EXPECT_GE(racy_results.size(), 2u);
}

// ---- violations ----

TEST(SyncViolation, UnlockNotHeld) {
  EXPECT_EQ(run_text(k_main({let("m", "mutex_new()"), call("unlock", {"m"})})).failure(),
            "ConstraintFailure: mutex 1 not held by thread 0");
  std::string text = program(Json::array({
      proc("thief", {call("mutex_unlock", {"m"})}, {"m"}),
      proc("main", {let("m", "mutex_new()"), call("lock", {"m"}), let("t", "spawn(\"thief\", 0, m)"),
                    call("join", {"t"})}),
  }));
  EXPECT_EQ(run_text(text).failure(), "ConstraintFailure: thread 1 (thief): mutex 1 not held by thread 1");
}

TEST(SyncViolation, RelockByTheOwnerAndUnknownMutex) {
  EXPECT_EQ(run_text(k_main({let("m", "mutex_new()"), call("lock", {"m"}), call("lock", {"m"})})).failure(),
            "ConstraintFailure: mutex 1 already held by thread 0");
  EXPECT_EQ(run_text(k_main({call("lock", {"7"})})).failure(), "ConstraintFailure: unknown mutex: 7");
}

TEST(SyncViolation, TwoLockDeadlockNamesEveryThreadAndWhatItWaitsFor) {
  std::string text = program(Json::array({
      proc("grab", {call("lock", {"first"}), call("yield", {}), call("lock", {"second"}), call("unlock", {"second"}),
                    call("unlock", {"first"})},
           {"first", "second"}),
      proc("main", {let("a", "mutex_new()"), let("b", "mutex_new()"), let("l", "spawn(\"grab\", 0, a, b)"),
                    let("r", "spawn(\"grab\", 0, b, a)"), call("join", {"l"}), call("join", {"r"})}),
  }));
  KRun r = run_text(text);  // round-robin interleaves the two grabs into the deadlock
  EXPECT_EQ(r.failure(),
            "TimeViolation: deadlock: thread 0 (main) waits for thread 1 (grab) to finish; thread 1 (grab) waits for "
            "mutex 2 (held by thread 2); thread 2 (grab) waits for mutex 1 (held by thread 1)");
}

TEST(SyncViolation, AThreadEndingWithAMutexHeldIsAWarning) {
  KRun r = run_text(k_main({let("m", "mutex_new()"), call("lock", {"m"})}));
  ASSERT_TRUE(r.finished()) << r.failure();
  std::vector<std::string> warnings = dust::k::exit_warnings(r.machine);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "mutex 1 still held by thread 0");
}

}  // namespace

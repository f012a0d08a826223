// unsafe_test.cpp — dustlib_k's unsafe module: audited blocks, peek and
// poke that skip the live-block check but stay inside the heap's range.
#include "k_harness.hpp"

using namespace k_test;
using dust::LibEventKind;

namespace {

TEST(Unsafe, PeekAndPokeInsideAnUnsafeBlock) {
  KRun r = run_text(k_main({alloc("16", "p"), call("unsafe_begin", {"\"fill\""}), call("poke", {"p Add 8", "77"}),
                           let("v", "peek(p Add 8)"), call("unsafe_end", {}), load("p Add 8", "checked"),
                           dealloc("p"), ret("v Add checked")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.returned_int(), 154);
  EXPECT_EQ(r.lib_events(LibEventKind::UnsafeBegin).size(), 1u);
  EXPECT_EQ(r.lib_events(LibEventKind::UnsafeEnd).size(), 1u);
}

TEST(Unsafe, PeekAndPokeReachFreedMemoryAndPadding) {
  // A freed block reads as zero; what poke leaves there (or in the padding
  // after a block) is read back by peek, while load still refuses it.
  KRun r = run_text(k_main({alloc("4", "p"), alloc("8", "q"), dealloc("q"), call("unsafe_begin", {"\"allocator self-check\""}),
                       let("stale", "peek(q)"), call("poke", {"q", "5"}), call("poke", {"p Add 4", "6"}),
                       let("back", "peek(q)"), let("pad", "peek(p Add 4)"), call("unsafe_end", {}), dealloc("p"),
                       ret("[stale, back, pad]")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& items = r.outcome().returned->array_items();
  EXPECT_EQ(items[0].as_int(), 0);
  EXPECT_EQ(items[1].as_int(), 5);
  EXPECT_EQ(items[2].as_int(), 6);
  EXPECT_EQ(run_text(k_main({alloc("8", "q"), dealloc("q"), call("unsafe_begin", {"\"x\""}), call("poke", {"q", "5"}),
                             call("unsafe_end", {}), load("q", "v")}))
                .failure(),
            "ConstraintFailure: use after free: 16777216");
}

TEST(Unsafe, TheAuditLogKeepsEveryReasonWithThreadAndStep) {
  std::string text = program(Json::array({
      proc("driver", {call("unsafe_begin", {"\"map device registers\""}), call("unsafe_end", {})}),
      proc("main", {call("unsafe_begin", {"\"outer\""}), call("unsafe_begin", {"\"inner\""}), call("unsafe_end", {}),
                    call("unsafe_end", {}), let("t", "spawn(\"driver\", 0)"), call("join", {"t"})}),
  }));
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& log = r.machine.k.unsafe_log;
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].reason, "outer");
  EXPECT_EQ(log[0].thread, 0u);
  EXPECT_EQ(log[0].step, 0u);
  EXPECT_EQ(log[1].reason, "inner");
  EXPECT_EQ(log[1].step, 1u);
  EXPECT_EQ(log[2].reason, "map device registers");
  EXPECT_EQ(log[2].thread, 1u);
  EXPECT_TRUE(dust::k::exit_warnings(r.machine).empty());
}

// ---- violations ----

TEST(UnsafeViolation, PeekAndPokeOutsideAnUnsafeBlock) {
  EXPECT_EQ(run_text(k_main({alloc("8", "p"), let("v", "peek(p)")})).failure(),
            "ConstraintFailure: peek outside an unsafe block");
  EXPECT_EQ(run_text(k_main({alloc("8", "p"), call("unsafe_begin", {"\"x\""}), call("unsafe_end", {}),
                             call("unsafe.poke", {"p", "1"})}))
                .failure(),
            "ConstraintFailure: unsafe.poke outside an unsafe block");
}

TEST(UnsafeViolation, StaysInsideTheHeapRange) {
  EXPECT_EQ(run_text(k_main({call("unsafe_begin", {"\"x\""}), let("v", "peek(16777216)")})).failure(),
            "ConstraintFailure: out of bounds: 16777216");
  EXPECT_EQ(run_text(k_main({alloc("16", "p"), call("unsafe_begin", {"\"x\""}), call("poke", {"p Add 9", "1"})})).failure(),
            "ConstraintFailure: out of bounds: 16777225");
  EXPECT_EQ(run_text(k_main({alloc("16", "p"), call("unsafe_begin", {"\"x\""}), let("v", "peek(0)")})).failure(),
            "ConstraintFailure: out of bounds: 0");
}

TEST(UnsafeViolation, EndWithoutBeginAndAnEmptyReason) {
  EXPECT_EQ(run_text(k_main({call("unsafe_end", {})})).failure(), "ConstraintFailure: unsafe_end without unsafe_begin");
  EXPECT_EQ(run_text(k_main({call("unsafe_begin", {"\"\""})})).failure(), "ConstraintFailure: unsafe_begin needs a reason");
}

TEST(Unsafe, EndingInsideAnUnsafeBlockIsAWarning) {
  KRun r = run_text(k_main({call("unsafe_begin", {"\"forgot to close\""})}));
  ASSERT_TRUE(r.finished()) << r.failure();
  std::vector<std::string> warnings = dust::k::exit_warnings(r.machine);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "thread 0 (main) ended inside 1 unsafe block(s)");
}

}  // namespace

// memory_test.cpp — dustlib_k's memory module: the deterministic heap, its
// violations (kind and exact message), its events and leak warnings.
#include "k_harness.hpp"

using namespace k_test;
using dust::LibEventKind;

namespace {

constexpr std::int64_t kBase = 16777216;

TEST(Memory, AllocIsA16ByteAlignedBumpFromTheBaseAndNeverReuses) {
  KRun r = run_text(k_main({alloc("10", "a"), alloc("0", "b"), alloc("17", "c"), dealloc("a"), alloc("8", "d"),
                           emit("a"), emit("b"), emit("c"), emit("d"), call("free", {"b"}), call("free", {"c"}),
                           call("free", {"d"})}));
  ASSERT_TRUE(r.finished()) << r.failure();
  ASSERT_EQ(r.machine.effects.size(), 4u);
  EXPECT_EQ(r.machine.effects[0].payload, std::to_string(kBase));
  EXPECT_EQ(r.machine.effects[1].payload, std::to_string(kBase + 16));
  EXPECT_EQ(r.machine.effects[2].payload, std::to_string(kBase + 32));
  EXPECT_EQ(r.machine.effects[3].payload, std::to_string(kBase + 64));  // a's address is not reused
}

TEST(Memory, StoreAndLoadAreEightByteLittleEndian) {
  KRun r = run_text(k_main({alloc("16", "p"), store("p", "-2"), store("p Add 8", "258"), load("p", "x"),
                           let("low", "load8(p Add 8)"), let("high", "load8(p Add 9)"), let("ff", "load8(p)"),
                           call("store8", {"p", "511"}), let("patched", "load(p)"), dealloc("p"),
                           ret("[x, low, high, ff, patched]")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& items = r.outcome().returned->array_items();
  EXPECT_EQ(items[0].as_int(), -2);
  EXPECT_EQ(items[1].as_int(), 2);
  EXPECT_EQ(items[2].as_int(), 1);
  EXPECT_EQ(items[3].as_int(), 0xfe);
  EXPECT_EQ(items[4].as_int(), -1);  // store8 kept 511's low byte, 0xff
}

TEST(Memory, FreshBlocksAreZeroed) {
  KRun r = run_text(k_main({alloc("8", "p"), load("p", "v"), dealloc("p"), ret("v")}));
  EXPECT_EQ(r.returned_int(), 0);
}

TEST(Memory, ReallocCopiesAndFreesTheOldBlock) {
  KRun r = run_text(k_main({alloc("16", "p"), store("p", "7"), store("p Add 8", "9"), let("q", "realloc(p, 32)"),
                           load("q", "a"), load("q Add 8", "b"), load("q Add 24", "c"), let("shrunk", "realloc(q, 8)"),
                           load("shrunk", "d"), let("fresh", "realloc(0, 8)"), dealloc("shrunk"), dealloc("fresh"),
                           ret("[a, b, c, d, q Ne p]")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& items = r.outcome().returned->array_items();
  EXPECT_EQ(items[0].as_int(), 7);
  EXPECT_EQ(items[1].as_int(), 9);
  EXPECT_EQ(items[2].as_int(), 0);
  EXPECT_EQ(items[3].as_int(), 7);
  EXPECT_TRUE(items[4].as_bool());
  auto reallocs = r.lib_events(LibEventKind::MemRealloc);
  ASSERT_EQ(reallocs.size(), 3u);
  EXPECT_EQ(reallocs[0].a, kBase);
  EXPECT_EQ(reallocs[0].b, kBase + 16);
  EXPECT_EQ(reallocs[0].c, 32);
  EXPECT_TRUE(dust::k::exit_warnings(r.machine).empty());
}

TEST(Memory, StringsRoundTripThroughTheHeap) {
  KRun r = run_text(k_main({alloc("8", "p"), let("n", "mem_write_str(p, \"dust\")"), let("s", "mem_read_str(p, n)"),
                           dealloc("p"), ret("s")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.outcome().returned->as_string(), "dust");
}

TEST(Memory, EveryAccessIsALibraryEvent) {
  KRun r = run_text(k_main({alloc("8", "p"), store("p", "42"), load("p", "v"), dealloc("p")}));
  ASSERT_TRUE(r.finished());
  ASSERT_EQ(r.lib_events(LibEventKind::MemAlloc).size(), 1u);
  EXPECT_EQ(r.lib_events(LibEventKind::MemAlloc)[0].b, 8);
  ASSERT_EQ(r.lib_events(LibEventKind::MemWrite).size(), 1u);
  EXPECT_EQ(r.lib_events(LibEventKind::MemWrite)[0].c, 42);
  ASSERT_EQ(r.lib_events(LibEventKind::MemRead).size(), 1u);
  EXPECT_EQ(r.lib_events(LibEventKind::MemRead)[0].c, 42);
  ASSERT_EQ(r.lib_events(LibEventKind::MemFree).size(), 1u);
  EXPECT_EQ(r.lib_events(LibEventKind::MemFree)[0].a, kBase);
}

TEST(Memory, FreeOfZeroDoesNothing) {
  KRun r = run_text(k_main({call("free", {"0"}), ret("1")}));
  EXPECT_EQ(r.returned_int(), 1);
  EXPECT_TRUE(r.lib_events(LibEventKind::MemFree).empty());
}

// ---- violations: kind ConstraintFailure, exact messages (semantics doc §2.2) ----

TEST(MemoryViolation, DoubleFree) {
  KRun r = run_text(k_main({alloc("8", "p"), dealloc("p"), dealloc("p")}));
  EXPECT_EQ(r.failure(), "ConstraintFailure: double free: 16777216");
}

TEST(MemoryViolation, UseAfterFreeOnLoadAndStore) {
  EXPECT_EQ(run_text(k_main({alloc("8", "p"), dealloc("p"), load("p", "v")})).failure(),
            "ConstraintFailure: use after free: 16777216");
  EXPECT_EQ(run_text(k_main({alloc("32", "p"), dealloc("p"), store("p Add 8", "1")})).failure(),
            "ConstraintFailure: use after free: 16777224");
}

TEST(MemoryViolation, OutOfBounds) {
  // Past the end of a block (the 8-byte read starts inside it), in the
  // padding after it, and far from any block.
  EXPECT_EQ(run_text(k_main({alloc("12", "p"), load("p Add 8", "v")})).failure(),
            "ConstraintFailure: out of bounds: 16777224");
  EXPECT_EQ(run_text(k_main({alloc("12", "p"), call("store8", {"p Add 12", "1"})})).failure(),
            "ConstraintFailure: out of bounds: 16777228");
  EXPECT_EQ(run_text(k_main({load("4096", "v")})).failure(), "ConstraintFailure: out of bounds: 4096");
  EXPECT_EQ(run_text(k_main({alloc("0", "p"), let("v", "load8(p)")})).failure(),
            "ConstraintFailure: out of bounds: 16777216");
}

TEST(MemoryViolation, InvalidFree) {
  EXPECT_EQ(run_text(k_main({alloc("32", "p"), dealloc("p Add 8")})).failure(),
            "ConstraintFailure: invalid free: 16777224");
  EXPECT_EQ(run_text(k_main({dealloc("12345")})).failure(), "ConstraintFailure: invalid free: 12345");
  EXPECT_EQ(run_text(k_main({alloc("32", "p"), let("q", "realloc(p Add 1, 8)")})).failure(),
            "ConstraintFailure: invalid free: 16777217");
}

TEST(MemoryViolation, ReallocOfAFreedBlockIsAUseAfterFree) {
  EXPECT_EQ(run_text(k_main({alloc("8", "p"), dealloc("p"), let("q", "realloc(p, 16)")})).failure(),
            "ConstraintFailure: use after free: 16777216");
}

TEST(MemoryViolation, NegativeSizeAndExhaustion) {
  EXPECT_EQ(run_text(k_main({alloc("Neg(1)", "p")})).failure(),
            "ConstraintFailure: alloc expects a non-negative Int size, got -1");
  EXPECT_EQ(run_text(k_main({alloc("268435457", "p")})).failure(),
            "ConstraintFailure: out of memory: alloc of 268435457 bytes with 0 bytes live exceeds the heap limit of "
            "268435456 bytes");
}

TEST(MemoryViolation, WrongArgumentTypesAreRuntimeErrors) {
  EXPECT_EQ(run_text(k_main({let("p", "alloc(\"x\")")})).failure(),
            "Runtime: alloc expects a non-negative Int size, got String(\"x\")");
  EXPECT_EQ(run_text(k_main({call("memory.load", {"true"}, "v")})).failure(),
            "Runtime: memory.load expects an Int address, got Bool(true)");
}

TEST(MemoryViolation, TheFailingStepNamesTheStatement) {
  KRun r = run_text(k_main({alloc("8", "p"), dealloc("p"), dealloc("p")}));
  ASSERT_FALSE(r.events.empty());
  const dust::StepEvent& last = r.events.back();
  EXPECT_EQ(last.kind, dust::StepKind::Failed);
  EXPECT_EQ(r.machine.program().stmt_path(last.stmt), "main/body[2]");
}

// ---- names and regimes ----

TEST(Memory, ReachableByPlainModuleAndFullNames) {
  KRun r = run_text(k_main({let("a", "alloc(8)"), call("memory.alloc", {"8"}, "b"), let("c", "dustlib_k::memory::alloc(8)"),
                           call("dustlib_k::memory::free", {"a"}), call("memory.free", {"b"}), call("dealloc", {"c"}),
                           ret("c Sub a")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.returned_int(), 32);
}

TEST(Memory, IsKRegimeOnly) {
  std::string text = program(Json::array({proc("main", {let("p", "alloc(8)")}, {}, "Q")}));
  EXPECT_EQ(run_text(text).failure(), "Runtime: alloc is K-regime only");
}

// ---- leaks ----

TEST(Memory, LiveBlocksAtExitAreLeakWarningsInAddressOrder) {
  std::string text = program(Json::array({
      proc("worker", {alloc("24", "mine"), ret("0")}),
      proc("main", {alloc("40", "a"), alloc("8", "b"), dealloc("b"), let("t", "spawn(\"worker\", 0)"),
                    call("join", {"t"})}),
  }));
  KRun r = run_text(text);
  ASSERT_TRUE(r.finished()) << r.failure();
  std::vector<std::string> warnings = dust::k::exit_warnings(r.machine);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "leak: 40 bytes at 16777216 allocated by thread 0 at step 0");
  EXPECT_EQ(warnings[1], "leak: 24 bytes at 16777280 allocated by thread 1 at step 4");
}

}  // namespace

// memory_budget_test.cpp — --max-memory and --max-steps (memory_budget.hpp):
// every way a runaway program used to grow until the host gave out now ends
// in `memory budget exceeded: <what> (limit <n> bytes)` at a step, with the
// state and the recording up to it kept; the running totals agree with a
// recount from the state; the loader refuses a program over the budget.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dust/memory_budget.hpp"
#include "k_harness.hpp"
#include "process_runner.hpp"
#include "temp_dir.hpp"

using namespace k_test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSmallBudget = 256 * 1024;

dust::RunConfig budget(std::uint64_t bytes) {
  dust::RunConfig config;
  config.max_memory = bytes;
  return config;
}

std::string exceeded(const std::string& what, std::uint64_t limit = kSmallBudget) {
  return "Runtime: memory budget exceeded: " + what + " (limit " + std::to_string(limit) + " bytes)";
}

// The step that failed is the one that took the count past the limit: the
// count was within it before that step.
void expect_failed_just_past_the_limit(KRun& r, std::uint64_t limit = kSmallBudget) {
  ASSERT_EQ(r.machine.outcome.status, dust::MachineStatus::Failed);
  EXPECT_GT(dust::count_memory(r.machine).total(), limit);
  dust::Machine again(r.machine.program_ptr(), &dust::k::standard_intrinsics(), r.machine.config);
  dust::StepEvent event;
  while (again.steps + 1 < r.machine.steps) again.step(event);
  EXPECT_FALSE(again.done());
  EXPECT_LE(dust::count_memory(again).total(), limit);
}

TEST(MemoryBudget, AllocatingAndFreeingForeverEndsInFreedBlockRecords) {
  KRun r = run_text(k_main({while_("true", {alloc("16", "p"), dealloc("p")})}), budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("freed-block records"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, AllocatingWithoutFreeingEndsInHeapBlocks) {
  KRun r = run_text(k_main({while_("true", {alloc("1000", "p")})}), budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("heap blocks"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, OpeningFilesForeverEndsInFiles) {
  KRun r = run_text(k_main({while_("true", {let("fd", "open(\"out.txt\", \"w\")")})}), budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("files"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, WritingASimulatedFileForeverEndsInFiles) {
  KRun r = run_text(k_main({alloc("4096", "buf"), let("fd", "open(\"log.txt\", \"a\")"),
                            while_("true", {let("n", "write(fd, buf, 4096)")})}),
                    budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("files"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, MakingMutexesForeverEndsInMutexes) {
  KRun r = run_text(k_main({while_("true", {let("m", "mutex_new()")})}), budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("mutexes"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, EmittingForeverEndsInEffects) {
  KRun r = run_text(k_main({while_("true", {emit("\"a line of output\"")})}), budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("effects"));
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, RecursingDeepInThreadsEndsInThreadsAndFrames) {
  std::string text = program(Json::array(
      {proc("dive", {if_("n Gt 0", {let("r", "dive(n Sub 1)")}), ret("0")}, {"n"}),
       proc("main", {let("a", "spawn(\"dive\", 0, 3000)"), let("b", "spawn(\"dive\", 0, 3000)"),
                     call("join", {"a"}), call("join", {"b"}), ret("1")})}));
  KRun r = run_text(text, budget(kSmallBudget));
  EXPECT_NE(r.failure().find("): memory budget exceeded: threads and frames (limit 262144 bytes)"), std::string::npos)
      << r.failure();
  expect_failed_just_past_the_limit(r);
}

TEST(MemoryBudget, AStringLargerThanWhatRemainsIsRefusedBeforeItIsMade) {
  KRun r = run_text(k_main({alloc("200000", "p"), let("s", "mem_read_str(p, 200000)"), ret("1")}),
                    budget(kSmallBudget));
  EXPECT_EQ(r.failure(), exceeded("a string of 200000 bytes"));
}

TEST(MemoryBudget, AProgramWithinTheBudgetRunsAsBefore) {
  KRun r = run_text(k_main({alloc("16", "p"), store("p", "7"), load("p", "v"), dealloc("p"), ret("v")}),
                    budget(kSmallBudget));
  EXPECT_EQ(r.returned_int(), 7);
  // With no limit, a loop that would have exceeded the small budget runs on.
  dust::Machine unlimited(load(k_main({while_("true", {alloc("16", "p"), dealloc("p")})})),
                          &dust::k::standard_intrinsics(), budget(0));
  dust::StepEvent event;
  while (unlimited.steps < 20000) unlimited.step(event, false);
  EXPECT_FALSE(unlimited.done());
  EXPECT_GT(dust::count_memory(unlimited).total(), kSmallBudget);
}

TEST(MemoryBudget, TheStepLimitFailsTheStepAfterIt) {
  dust::RunConfig config;
  config.max_steps = 100;
  KRun r = run_text(k_main({let("i", "0"), while_("true", {assign("i", "i Add 1")})}), config);
  EXPECT_EQ(r.failure(), "Runtime: step limit reached: 100 steps (--max-steps)");
  EXPECT_EQ(r.machine.steps, 101u);
  // The lane stops before the limit as step() does.
  dust::Machine fast(load(k_main({let("i", "0"), while_("true", {assign("i", "i Add 1")})})),
                     &dust::k::standard_intrinsics(), config);
  dust::run_to_end(fast);
  EXPECT_EQ(fast.steps, 101u);
  EXPECT_EQ(fast.outcome.error.message, r.machine.outcome.error.message);
}

// The running totals are what a recount from the state gives, so a machine
// restored from a snapshot fails at the same step as the original.
TEST(MemoryBudget, RunningTotalsMatchARecountFromTheState) {
  std::string text = program(Json::array(
      {proc("worker", {alloc("64", "q"), let("fd", "open(\"w.txt\", \"a\")"), let("n", "write(fd, q, 64)"),
                       ret("0")}, {"x"}),
       proc("main", {alloc("100", "p"), let("fd", "open(\"a.txt\", \"w\")"), let("n", "write(fd, p, 100)"),
                     let("m", "mutex_new()"), emit("\"hello\""), let("t", "spawn(\"worker\", 0, 1)"),
                     call("join", {"t"}), dealloc("p"), ret("1")})}));
  std::shared_ptr<const dust::Program> prog = load(text);
  dust::Machine m(prog, &dust::k::standard_intrinsics(), budget(kSmallBudget));
  dust::StepEvent event;
  while (!m.done()) {
    m.step(event);
    dust::Machine copy = m;
    dust::recount_memory(copy);
    ASSERT_EQ(dust::count_memory(copy).bytes, dust::count_memory(m).bytes) << "after step " << m.steps;
  }
  EXPECT_EQ(m.outcome.status, dust::MachineStatus::Finished);
}

// ---- as a user meets it ----

TEST(MemoryBudgetCli, ARunawayRunFailsAndItsRecordingKeepsEveryStep) {
  dust_test::TempDir dir("dust_budget_");
  std::string prog = dir.file("leak.dir.json", k_main({while_("true", {alloc("16", "p"), dealloc("p")})}));
  dust_test::ProcessResult plain = dustrun({prog, "--max-memory", "256K"});
  EXPECT_EQ(plain.exit_code, 10);
  EXPECT_EQ(plain.err, "dustrun: runtime error: memory budget exceeded: freed-block records (limit 262144 bytes)\n");

  std::string trace = (dir.path / "leak.dtrace").string();
  dust_test::ProcessResult rec = dustrun({"record", prog, "-o", trace, "--max-memory", "256K", "--no-progress",
                                          "--keyframe-every", "64"});
  EXPECT_EQ(rec.exit_code, 10) << rec.err;
  dust_test::ProcessResult replay = dustrun({"--replay", trace});
  EXPECT_EQ(replay.exit_code, 10) << replay.err;
  EXPECT_NE(replay.err.find("memory budget exceeded: freed-block records (limit 262144 bytes)"), std::string::npos)
      << replay.err;
  dust_test::ProcessResult info = dustrun({"inspect", trace, "--info"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("memory budget exceeded"), std::string::npos) << info.out;
}

TEST(MemoryBudgetCli, TheStepLimitAppliesToPlainRuns) {
  dust_test::TempDir dir("dust_budget_");
  std::string prog = dir.file("spin.dir.json", k_main({let("i", "0"), while_("true", {assign("i", "i Add 1")})}));
  dust_test::ProcessResult r = dustrun({prog, "--max-steps", "1000"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(r.err, "dustrun: runtime error: step limit reached: 1000 steps (--max-steps)\n");
}

TEST(MemoryBudgetCli, AProgramLargerThanTheBudgetIsRefusedNamingTheFile) {
  dust_test::TempDir dir("dust_budget_");
  std::string big_literal(300000, 'x');
  std::string prog = dir.file("big.dir.json", k_main({emit("\"" + big_literal + "\"")}));
  dust_test::ProcessResult r = dustrun({prog, "--max-memory", "64K"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(prog + ": memory budget exceeded: a DIR file of "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(limit 65536 bytes)"), std::string::npos) << r.err;
  dust_test::ProcessResult fits = dustrun({prog, "--max-memory", "16M"});
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
}

TEST(MemoryBudgetCli, BadBudgetsAreUsageErrors) {
  dust_test::TempDir dir("dust_budget_");
  std::string prog = dir.file("one.dir.json", k_main({ret("1")}));
  for (const char* bad : {"0", "-5", "12X", "", "99999999999999999999"}) {
    dust_test::ProcessResult r = dustrun({prog, "--max-memory", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("invalid value"), std::string::npos) << r.err;
  }
  EXPECT_EQ(dustrun({prog, "--max-steps", "0"}).exit_code, 2);
  EXPECT_EQ(dustrun({prog, "--max-memory", "1G", "--max-steps", "50"}).exit_code, 0);
}

}  // namespace

// launch_options_test.cpp — dustdbg's command line: every mode, and every
// bad argument refused with a message that names it.
#include <gtest/gtest.h>

#include <filesystem>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/launch_options.hpp"
#include "model/recording.hpp"

namespace dust::dbg {
namespace {

std::optional<LaunchOptions> parse(std::vector<std::string> args, std::string& error) {
  return parse_launch_options(args, error);
}

TEST(LaunchOptions, NoArgumentsOpensTheDemo) {
  std::string error;
  auto o = parse({}, error);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->mode, LaunchMode::Interactive);
  EXPECT_TRUE(o->file.empty());
}

TEST(LaunchOptions, ProgramWithSeedAndEntry) {
  std::string error;
  auto o = parse({"prog.dir.json", "--seed", "42", "--entry", "start"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->file, "prog.dir.json");
  EXPECT_EQ(o->seed, 42u);
  EXPECT_EQ(o->entry, "start");
}

TEST(LaunchOptions, ProgramWithAScheduleToken) {
  std::string error;
  auto o = parse({"prog.dir.json", "--schedule", "S3B.gC"}, error);
  ASSERT_TRUE(o) << error;
  ASSERT_TRUE(o->schedule);
  EXPECT_EQ(o->schedule->text(), "S3B.gC");
  EXPECT_EQ(o->schedule->thread_at(19), 2u);
  EXPECT_FALSE(parse({"prog.dir.json", "--schedule", "3B"}, error));
  EXPECT_NE(error.find("--schedule '3B': invalid schedule token at character 1"), std::string::npos) << error;
}

TEST(LaunchOptions, Screenshot) {
  std::string error;
  auto o = parse({"--screenshot", "out.png", "--at", "120", "--size", "1280x800", "--range", "100..400", "run.dtrace"},
                 error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->mode, LaunchMode::Screenshot);
  EXPECT_EQ(o->screenshot_path, "out.png");
  EXPECT_EQ(o->at, "120");
  EXPECT_EQ(o->width, 1280);
  EXPECT_EQ(o->height, 800);
  ASSERT_TRUE(o->range);
  EXPECT_DOUBLE_EQ(o->range->second, 400);
}

TEST(LaunchOptions, BadArgumentsAreNamed) {
  std::string error;
  EXPECT_FALSE(parse({"--seed", "-3"}, error));
  EXPECT_NE(error.find("--seed"), std::string::npos);
  EXPECT_FALSE(parse({"--size", "10x10", "f"}, error));
  EXPECT_NE(error.find("--size"), std::string::npos);
  EXPECT_FALSE(parse({"--at", "soon", "f"}, error));
  EXPECT_NE(error.find("soon"), std::string::npos);
  EXPECT_FALSE(parse({"a", "b"}, error));
  EXPECT_NE(error.find("more than one file"), std::string::npos);
  EXPECT_FALSE(parse({"--bogus"}, error));
  EXPECT_NE(error.find("--bogus"), std::string::npos);
  EXPECT_FALSE(parse({"--bench-scrub"}, error));
  EXPECT_FALSE(parse({"--entry"}, error));
  EXPECT_NE(error.find("needs a value"), std::string::npos);
  EXPECT_FALSE(parse({"--range", "9..3", "f"}, error));
}

TEST(LaunchOptions, RunLimitsAsDustrunTakesThem) {
  std::string error;
  auto o = parse({"prog.dir.json", "--max-steps", "500", "--max-depth", "64", "--seed", "3", "--phi", "resolve"}, error);
  ASSERT_TRUE(o) << error;
  RunConfig config = run_config_for(*o);
  EXPECT_EQ(config.max_steps, 500u);
  EXPECT_EQ(config.max_depth, 64u);
  EXPECT_EQ(config.seed, 3u);
  EXPECT_EQ(config.phi, PhiMode::Resolve);

  RunConfig defaults = run_config_for(*parse({"prog.dir.json"}, error));
  EXPECT_EQ(defaults.max_steps, 0u) << "no step limit unless asked, as dustrun";
  EXPECT_EQ(defaults.max_depth, kDefaultMaxDepth);

  EXPECT_FALSE(parse({"p", "--max-steps", "0"}, error));
  EXPECT_NE(error.find("--max-steps expects a positive integer, got '0'"), std::string::npos) << error;
  EXPECT_FALSE(parse({"p", "--max-depth", "0"}, error));
  EXPECT_NE(error.find("--max-depth expects an integer from 1 to"), std::string::npos) << error;
  EXPECT_FALSE(parse({"p", "--max-depth", std::to_string(std::uint64_t{kMaxDepthCeiling} + 1)}, error));
  EXPECT_NE(error.find("--max-depth"), std::string::npos) << error;
  EXPECT_FALSE(parse({"p", "--max-depth"}, error));
  EXPECT_NE(error.find("needs a value"), std::string::npos) << error;
}

// A program opened with --max-steps is recorded under that limit, so the
// debugger opens on the step-limit failure dustrun would report.
TEST(LaunchOptions, AStepLimitReachesTheRecording) {
  std::string error;
  const std::string program = std::string(DUST_SOURCE_DIR) + "/assets/examples/racy_counter.dir.json";
  auto o = parse({program, "--max-steps", "25"}, error);
  ASSERT_TRUE(o) << error;
  RecordRequest request;
  request.program_path = program;
  request.trace_path = ::testing::TempDir() + "/launch_options_limit.dtrace";
  request.config = run_config_for(*o);
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.status, MachineStatus::Failed);
  std::unique_ptr<Debugger> dbg = Debugger::open(request.trace_path, k::standard_intrinsics(), error);
  ASSERT_TRUE(dbg) << error;
  const auto& failure = dbg->catalog().failure;
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->step, 25u);
  EXPECT_NE(failure->error.message.find("step limit reached: 25 steps (--max-steps)"), std::string::npos)
      << failure->error.message;
  std::filesystem::remove(request.trace_path);
}

TEST(LaunchOptions, StepsResolveAgainstTheRun) {
  std::string error;
  auto at = [&](const char* text, std::optional<std::uint64_t> failure, bool complete = true) {
    return resolve_step(text, 100, failure, complete, error);
  };
  EXPECT_EQ(at("failure", 42)->step, 42u);
  EXPECT_TRUE(at("failure", 42)->note.empty());
  EXPECT_EQ(at("end", 42)->step, 100u);
  EXPECT_TRUE(at("end", 42)->note.empty());
  EXPECT_EQ(at("7", 42)->step, 7u);
  EXPECT_EQ(at("100", 42)->step, 100u);
  EXPECT_TRUE(at("100", 42)->note.empty()) << "the end itself is a step";
  EXPECT_FALSE(at("x", 42));
}

TEST(LaunchOptions, AnAtThatCannotBeMetSaysSo) {
  std::string error;
  auto no_failure = resolve_step("failure", 100, std::nullopt, true, error);
  ASSERT_TRUE(no_failure);
  EXPECT_EQ(no_failure->step, 100u);
  EXPECT_NE(no_failure->note.find("the run did not fail"), std::string::npos) << no_failure->note;
  EXPECT_NE(no_failure->note.find("step 100"), std::string::npos) << no_failure->note;

  auto cut = resolve_step("failure", 100, std::nullopt, false, error);
  ASSERT_TRUE(cut);
  EXPECT_NE(cut->note.find("no failure in the readable part"), std::string::npos) << cut->note;
  EXPECT_NE(cut->note.find("cut short"), std::string::npos) << cut->note;

  auto past = resolve_step("7000", 100, 42, true, error);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->step, 100u);
  EXPECT_NE(past->note.find("--at 7000: past the end, step 100"), std::string::npos) << past->note;
}

}  // namespace
}  // namespace dust::dbg

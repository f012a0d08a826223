// launch_options_test.cpp — dustdbg's command line: every mode, and every
// bad argument refused with a message that names it.
#include <gtest/gtest.h>

#include "model/launch_options.hpp"

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

TEST(LaunchOptions, StepsResolveAgainstTheRun) {
  std::string error;
  EXPECT_EQ(resolve_step("failure", 100, 42, error), 42u);
  EXPECT_EQ(resolve_step("failure", 100, std::nullopt, error), 100u);
  EXPECT_EQ(resolve_step("end", 100, 42, error), 100u);
  EXPECT_EQ(resolve_step("7", 100, 42, error), 7u);
  EXPECT_EQ(resolve_step("7000", 100, 42, error), 100u);
  EXPECT_FALSE(resolve_step("x", 100, 42, error));
}

TEST(LaunchOptions, TraceFilesAreRecognisedByTheirMagic) {
  EXPECT_FALSE(looks_like_trace("/nonexistent/file"));
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/not_a_trace.dtrace";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("{\"forges\": []}", f);
  std::fclose(f);
  EXPECT_FALSE(looks_like_trace(path)) << "the extension does not make a trace";
}

}  // namespace
}  // namespace dust::dbg

// call_depth_test.cpp — the call depth limit (--max-depth, RunConfig::max_depth):
// frames live on the heap, so 100,000 nested calls run at the default limit
// without touching the host stack, one more call fails with `call depth
// limit exceeded`, and the limit is part of a recording (format 3), so a
// replay fails at the same step and `inspect --info` shows it.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dust/observer.hpp"
#include "k_harness.hpp"
#include "process_runner.hpp"
#include "temp_dir.hpp"

using namespace k_test;
namespace fs = std::filesystem;

namespace {

// `down(n)` calls itself until n is 0, then every frame returns: main's
// call makes frame 1, so down(n) makes n + 2 frames at its deepest.
std::string nested_calls(std::int64_t n) {
  Json down = proc("down", {if_("n Gt 0", {let("r", "down(n Sub 1)"), ret("r Add 1")}), ret("0")}, {"n"});
  Json main = proc("main", {let("d", "down(" + std::to_string(n) + ")"), ret("d")});
  return program(Json::array({main, down}));
}

dust::Machine machine_for(const std::string& text, dust::RunConfig config) {
  return dust::Machine(load(text), &dust::k::standard_intrinsics(), std::move(config));
}

TEST(CallDepth, TheDefaultLimitIsAtLeastOneHundredThousand) { EXPECT_GE(dust::kDefaultMaxDepth, 100'000u); }

TEST(CallDepth, OneHundredThousandNestedCallsRunAtTheDefaultLimit) {
  // 99,998 calls of down below main's own frame: 100,000 frames at once.
  dust::Machine m = machine_for(nested_calls(99'998), {});
  dust::run_to_end(m);
  ASSERT_EQ(m.outcome.status, dust::MachineStatus::Finished) << m.outcome.error.message;
  ASSERT_TRUE(m.outcome.returned && m.outcome.returned->is_int());
  EXPECT_EQ(m.outcome.returned->as_int(), 99'998);
}

TEST(CallDepth, OneCallPastTheDefaultLimitFailsWithTheDocumentedMessage) {
  dust::Machine m = machine_for(nested_calls(99'999), {});
  dust::run_to_end(m);
  ASSERT_EQ(m.outcome.status, dust::MachineStatus::Failed);
  EXPECT_EQ(m.outcome.error.kind, dust::ErrorKind::Runtime);
  EXPECT_EQ(m.outcome.error.message, "call depth limit exceeded");
}

TEST(CallDepth, TheLimitIsTheRunsOwn) {
  dust::RunConfig config;
  config.max_depth = 10;
  KRun fits = run_text(nested_calls(8), config);
  EXPECT_EQ(fits.returned_int(), 8) << fits.failure();
  KRun over = run_text(nested_calls(9), config);
  EXPECT_EQ(over.failure(), "Runtime: call depth limit exceeded");
  // The failing step is the call that would have made frame 11.
  ASSERT_FALSE(over.events.empty());
  EXPECT_EQ(over.events.back().depth, 9u);
}

TEST(CallDepthCli, MaxDepthLimitsRunsRecordingsAndTheirReplays) {
  dust_test::TempDir dir("dust_depth_");
  std::string prog = dir.file("deep.dir.json", nested_calls(100));
  dust_test::ProcessResult plain = dustrun({prog, "--max-depth", "50"});
  EXPECT_EQ(plain.exit_code, 10);
  EXPECT_EQ(plain.err, "dustrun: runtime error: call depth limit exceeded\n");
  EXPECT_EQ(dustrun({prog, "--max-depth", "102"}).exit_code, 0);

  std::string trace = (dir.path / "deep.dtrace").string();
  dust_test::ProcessResult rec = dustrun({"record", prog, "-o", trace, "--max-depth", "50", "--no-progress"});
  EXPECT_EQ(rec.exit_code, 10) << rec.err;
  // The replay runs with the recorded limit, not the default, so it fails
  // at the same step instead of diverging.
  dust_test::ProcessResult replay = dustrun({"--replay", trace});
  EXPECT_EQ(replay.exit_code, 10) << replay.err;
  EXPECT_NE(replay.err.find("call depth limit exceeded"), std::string::npos) << replay.err;
  EXPECT_EQ(replay.err.find("diverges"), std::string::npos) << replay.err;
  dust_test::ProcessResult info = dustrun({"inspect", trace, "--info"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("depth 50 frames"), std::string::npos) << info.out;
  dust_test::ProcessResult json = dustrun({"inspect", trace, "--info", "--json"});
  EXPECT_NE(json.out.find("\"max_depth\": 50"), std::string::npos) << json.out;
}

TEST(CallDepthCli, BadDepthsAreUsageErrors) {
  dust_test::TempDir dir("dust_depth_");
  std::string prog = dir.file("one.dir.json", k_main({ret("1")}));
  for (const char* bad : {"0", "-1", "x", "", "99999999999"}) {
    dust_test::ProcessResult r = dustrun({prog, "--max-depth", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("invalid value"), std::string::npos) << r.err;
  }
}

}  // namespace

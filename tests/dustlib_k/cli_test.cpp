// cli_test.cpp — the K-regime features as a user meets them in `dustrun`:
// `--seed`, exit warnings on stderr, and `dustrun explore`.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "k_harness.hpp"
#include "process_runner.hpp"

namespace fs = std::filesystem;

namespace {

std::string example(const std::string& name) { return (fs::path(DUST_SOURCE_DIR) / "assets/examples" / name).string(); }

using k_test::dustrun;

TEST(Cli, SeedPicksTheInterleaving) {
  dust_test::ProcessResult round_robin = dustrun({example("two_lock_deadlock.dir.json")});
  EXPECT_EQ(round_robin.exit_code, 10);
  EXPECT_EQ(round_robin.err,
            "dustrun: time violation: deadlock: thread 0 (main) waits for thread 1 (transfer) to finish; thread 1 "
            "(transfer) waits for mutex 2 (held by thread 2); thread 2 (transfer) waits for mutex 1 (held by thread "
            "1)\n");
  dust_test::ProcessResult lucky = dustrun({example("two_lock_deadlock.dir.json"), "--seed", "3"});
  EXPECT_EQ(lucky.exit_code, 0) << lucky.err;
  EXPECT_EQ(lucky.out.substr(0, lucky.out.find('\n')), "return: 2");
}

TEST(Cli, ExitWarningsGoToStderrUnlessQuiet) {
  std::string text = k_test::k_main({k_test::alloc("24", "p"), k_test::let("m", "mutex_new()"),
                                     k_test::call("lock", {"m"}), k_test::ret("1")});
  fs::path file = fs::temp_directory_path() / ("dustlib_k_cli_leak_" + std::to_string(::getpid()) + ".dir.json");
  { std::ofstream(file) << text; }
  dust_test::ProcessResult r = dustrun({file.string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err,
            "dustrun: warning: leak: 24 bytes at 16777216 allocated by thread 0 at step 0\n"
            "dustrun: warning: mutex 1 still held by thread 0\n");
  dust_test::ProcessResult quiet = dustrun({file.string(), "--quiet"});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
  fs::remove(file);
}

TEST(Cli, ExploreGroupsSeedsByOutcome) {
  dust_test::ProcessResult r = dustrun({"explore", "--seeds", "0..49", example("two_lock_deadlock.dir.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("seeds 0..49: 50 runs, 2 distinct outcomes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", first seed 0\n  error: time violation: deadlock: thread 0 (main)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  return: 2\n  effects: <none>\n  schedule: S"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  rerun: dustrun "), std::string::npos) << r.out;
  // The counts add up to the number of seeds.
  std::uint64_t total = 0;
  for (std::size_t at = r.out.find("\noutcome "); at != std::string::npos; at = r.out.find("\noutcome ", at + 1)) {
    std::size_t colon = r.out.find(": ", at);
    total += std::stoull(r.out.substr(colon + 2));
  }
  EXPECT_EQ(total, 50u);
}

TEST(Cli, ExploreFindsTheLostUpdateAndItsSeedReproduces) {
  dust_test::ProcessResult r = dustrun({"explore", "--seeds", "1..100", example("racy_counter.dir.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Take the first outcome that lost an update and rerun its seed.
  std::size_t at = r.out.find("  return: ");
  std::string seed, value;
  for (; at != std::string::npos; at = r.out.find("  return: ", at + 1)) {
    value = r.out.substr(at + 10, r.out.find('\n', at) - at - 10);
    if (value == "12") continue;
    std::size_t first = r.out.rfind("first seed ", at);
    seed = r.out.substr(first + 11, r.out.find('\n', first) - first - 11);
    break;
  }
  ASSERT_FALSE(seed.empty()) << r.out;
  dust_test::ProcessResult rerun = dustrun({example("racy_counter.dir.json"), "--seed", seed});
  EXPECT_EQ(rerun.out.substr(0, rerun.out.find('\n')), "return: " + value);
}

TEST(Cli, ExploreStepLimitAndUsageErrors) {
  dust_test::ProcessResult limited =
      dustrun({"explore", "--seeds", "5", "--max-steps", "10", example("producer_consumer.dir.json")});
  EXPECT_EQ(limited.exit_code, 0);
  EXPECT_NE(limited.out.find("  stopped: reached --max-steps 10 without finishing\n"), std::string::npos) << limited.out;
  EXPECT_EQ(dustrun({"explore", example("racy_counter.dir.json")}).exit_code, 2);
  EXPECT_EQ(dustrun({"explore", "--seeds", "9..3", example("racy_counter.dir.json")}).exit_code, 2);
  EXPECT_EQ(dustrun({"explore", "--seeds", "1..3", "--seed", "4", example("racy_counter.dir.json")}).exit_code, 2);
  EXPECT_EQ(dustrun({"explore", "--seeds", "1..3", "/nonexistent/file.dir.json"}).exit_code, 2);
}

}  // namespace

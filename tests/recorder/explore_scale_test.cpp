// explore_scale_test.cpp — exhaustive exploration spread over processes by
// existing engines: shards run by GNU parallel, and a Slurm job array on a
// real single-node Slurm (tests/recorder/slurm_single_node.sh brings it up
// and down), each merged and compared byte for byte with one run.
#include <cstdio>

#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;

TEST(ExploreScale, GnuParallelShardsMergeToOneRun) {
  TempDir dir;
  fs::path prog = example("two_lock_deadlock.dir.json");
  dust_test::ProcessResult which = dust_test::run_process("/bin/sh", {"-c", "command -v parallel"});
  ASSERT_EQ(which.exit_code, 0) << "GNU parallel is not installed (scripts/install-deps.sh installs it)";
  std::string command = std::string("'") + DUSTRUN_PATH + "' explore --exhaustive --shard {}/5 '" + prog.string() +
                        "' > '" + dir.path().string() + "/shard-{}.json'";
  dust_test::ProcessResult par =
      dust_test::run_process("/bin/sh", {"-c", "parallel --will-cite \"$0\" ::: 0 1 2 3 4", command});
  ASSERT_EQ(par.exit_code, 0) << par.err;
  std::vector<std::string> merge{"explore-merge"};
  for (int i = 0; i < 5; ++i) merge.push_back((dir / ("shard-" + std::to_string(i) + ".json")).string());
  dust_test::ProcessResult merged = dust_test::run_process(DUSTRUN_PATH, merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  dust_test::ProcessResult single = dust_test::run_process(DUSTRUN_PATH, {"explore", "--exhaustive", "--json", prog.string()});
  EXPECT_EQ(merged.out, single.out);
  EXPECT_NE(single.out.find("deadlock"), std::string::npos) << single.out;
}

TEST(ExploreScale, SlurmJobArrayOnASingleNodeMergesToOneRun) {
  fs::path script = fs::path(DUST_SOURCE_DIR) / "tests/recorder/slurm_single_node.sh";
  dust_test::ProcessResult r =
      dust_test::run_process("/bin/bash", {script.string(), DUSTRUN_PATH, example("two_lock_deadlock.dir.json").string(), "4"});
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  if (r.exit_code == 77) GTEST_SKIP() << r.out;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("merged 4 Slurm array tasks = one run"), std::string::npos) << r.out;
}

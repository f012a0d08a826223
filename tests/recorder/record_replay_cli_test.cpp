// record_replay_cli_test.cpp — `dustrun record`, `dustrun --replay` and
// `dustrun inspect` as a user runs them: a replay prints exactly what the
// run printed, a realize-mode replay never touches the file system, a
// diverging replay names its first divergent step, and inspect answers.
#include <nlohmann/json.hpp>

#include "dust/recorder/trace_format.hpp"
#include "process_runner.hpp"
#include "recorder_harness.hpp"
#include "sanitizer_share.hpp"

using namespace rec_test;
using dust_test::run_process;

TEST(RecordReplayCli, ReplayPrintsExactlyWhatTheRunPrinted) {
  TempDir dir;
  for (const std::string& name : example_names()) {
    // Both seeds; the sanitizer pass, which spawns dustrun three times a
    // case at several times the cost, runs seed 3 alone, still every example
    // with and without --emit-trace (support/sanitizer_share.hpp).
    for (const char* seed : dust_test::values_or_sanitizer_share<const char*>({"0", "3"}, {"3"})) {
      for (bool emit : {false, true}) {
        SCOPED_TRACE(name + " seed " + seed + (emit ? " --emit-trace" : ""));
        std::string trace = (dir / (name + seed + ".dtrace")).string();
        std::vector<std::string> run_args = {example(name).string(), "--seed", seed};
        if (emit) run_args.push_back("--emit-trace");
        dust_test::ProcessResult plain = run_process(DUSTRUN_PATH, run_args);
        std::vector<std::string> record_args = {"record", "-o", trace};
        record_args.insert(record_args.end(), run_args.begin(), run_args.end());
        dust_test::ProcessResult recorded = run_process(DUSTRUN_PATH, record_args);
        EXPECT_EQ(recorded.exit_code, plain.exit_code);
        EXPECT_EQ(recorded.out, plain.out);
        EXPECT_EQ(recorded.err, plain.err);
        std::vector<std::string> replay_args = {"--replay", trace};
        if (emit) replay_args.push_back("--emit-trace");
        dust_test::ProcessResult replayed = run_process(DUSTRUN_PATH, replay_args);
        EXPECT_EQ(replayed.exit_code, plain.exit_code) << replayed.err;
        EXPECT_EQ(replayed.out, plain.out);
        EXPECT_EQ(replayed.err, plain.err);
      }
    }
  }
}

TEST(RecordReplayCli, RecordingIsDeterministic) {
  TempDir dir;
  std::string a = (dir / "a.dtrace").string(), b = (dir / "b.dtrace").string();
  std::string program = example("sync_bank_transfer.dir.json").string();
  ASSERT_EQ(run_process(DUSTRUN_PATH, {"record", program, "-o", a, "--seed", "9"}).exit_code, 0);
  ASSERT_EQ(run_process(DUSTRUN_PATH, {"record", program, "-o", b, "--seed", "9"}).exit_code, 0);
  EXPECT_EQ(read_text(a), read_text(b));
}

TEST(RecordReplayCli, RealizeModeReplayNeverTouchesTheFileSystem) {
  TempDir dir;
  fs::path root = dir / "root";
  fs::create_directories(root / "notes");
  std::string trace = (dir / "io.dtrace").string();
  std::vector<std::string> args = {"record", example("io_log_file.dir.json").string(), "-o", trace,
                                   "--effects", "realize", "--fs-root", root.string()};
  dust_test::ProcessResult recorded = run_process(DUSTRUN_PATH, args);
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  ASSERT_TRUE(fs::exists(root / "notes/log.txt"));
  std::string written = read_text(root / "notes/log.txt");
  // Replay with the directory gone: everything read comes from the trace,
  // and nothing is written anywhere.
  fs::remove_all(root);
  dust_test::ProcessResult replayed = run_process(DUSTRUN_PATH, {"--replay", trace});
  EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_EQ(replayed.out, recorded.out);
  EXPECT_FALSE(fs::exists(root));
  EXPECT_FALSE(written.empty());
}

TEST(RecordReplayCli, ADivergentReplayShowsTheFirstDivergentStep) {
  // The embedded program differs from the one that ran at its fourth
  // statement.
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(record_with_changed_program(50, dir / "d.dtrace", small_blocks()));
  dust_test::ProcessResult replayed = run_process(DUSTRUN_PATH, {"--replay", (dir / "d.dtrace").string()});
  EXPECT_EQ(replayed.exit_code, 13);
  EXPECT_EQ(replayed.out, "");
  EXPECT_NE(replayed.err.find("diverges from the recording at step 4"), std::string::npos) << replayed.err;
  EXPECT_NE(replayed.err.find("recorded: step 4"), std::string::npos) << replayed.err;
  EXPECT_NE(replayed.err.find("acc = 3"), std::string::npos) << replayed.err;
  EXPECT_NE(replayed.err.find("acc = 4"), std::string::npos) << replayed.err;
}

TEST(RecordReplayCli, InspectAnswers) {
  TempDir dir;
  std::string trace = (dir / "m.dtrace").string();
  ASSERT_EQ(run_process(DUSTRUN_PATH, {"record", example("mutex_counter.dir.json").string(), "-o", trace,
                                       "--keyframe-every", "32", "--every-step"}).exit_code, 0);
  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", trace, "--info"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  const std::string format = "format:      version " + std::to_string(dust::rec::kStepsFormatVersion);
  for (const std::string& field : std::vector<std::string>{format, "limits:      memory ", "status:      complete, run finished",
                                                           "steps:", "threads:     4", "blocks:", "keyframes:",
                                                           "compression ratio"}) {
    EXPECT_NE(info.out.find(field), std::string::npos) << field << "\n" << info.out;
  }
  dust_test::ProcessResult info_json = run_process(DUSTRUN_PATH, {"inspect", trace, "--info", "--json"});
  nlohmann::json j = nlohmann::json::parse(info_json.out);
  EXPECT_EQ(j["complete"], true);
  std::uint64_t steps = j["steps"];

  dust_test::ProcessResult at = run_process(DUSTRUN_PATH, {"inspect", trace, "--at", std::to_string(steps / 2)});
  EXPECT_EQ(at.exit_code, 0) << at.err;
  EXPECT_NE(at.out.find("threads (4):"), std::string::npos) << at.out;
  EXPECT_NE(at.out.find("mutexes (1):"), std::string::npos) << at.out;
  dust_test::ProcessResult at_equals = run_process(DUSTRUN_PATH, {"inspect", trace, "--at=" + std::to_string(steps / 2)});
  EXPECT_EQ(at_equals.out, at.out) << "--at=N is --at N";
  dust_test::ProcessResult at_json = run_process(DUSTRUN_PATH, {"inspect", trace, "--at", std::to_string(steps), "--json"});
  nlohmann::json state = nlohmann::json::parse(at_json.out);
  EXPECT_EQ(state["status"], "finished");
  EXPECT_EQ(state["step"], steps);
  EXPECT_EQ(state["threads"].size(), 4u);

  dust_test::ProcessResult write = run_process(DUSTRUN_PATH, {"inspect", trace, "--last-write", "counter", "--before",
                                                              std::to_string(steps)});
  EXPECT_EQ(write.exit_code, 0) << write.err;
  EXPECT_EQ(write.out.rfind("counter in thread 0 frame 0 (main) before step " + std::to_string(steps) + ": step 0,", 0),
            0u)
      << write.out;
  dust_test::ProcessResult origin = run_process(DUSTRUN_PATH, {"inspect", trace, "--origin", "counter", "--at",
                                                               std::to_string(steps)});
  EXPECT_EQ(origin.exit_code, 0) << origin.err;
  EXPECT_NE(origin.out.find("complete"), std::string::npos) << origin.out;
  // Every query answers in JSON too, in the schema of query_json.hpp.
  dust_test::ProcessResult write_json = run_process(
      DUSTRUN_PATH, {"inspect", trace, "--last-write", "counter", "--before", std::to_string(steps), "--json"});
  nlohmann::json lw = nlohmann::json::parse(write_json.out);
  EXPECT_EQ(lw["step"], 0);
  EXPECT_EQ(lw["thread"], 0);
  EXPECT_EQ(lw["frame"], 0);
  dust_test::ProcessResult origin_json = run_process(
      DUSTRUN_PATH, {"inspect", trace, "--origin", "counter", "--at", std::to_string(steps), "--json", "--max-links", "1"});
  nlohmann::json o = nlohmann::json::parse(origin_json.out);
  EXPECT_EQ(o["chain"].size(), 1u);
  EXPECT_EQ(o["chain"][0]["step"], 0);
  EXPECT_TRUE(o["complete"].is_boolean());
  std::int64_t address = std::stoll(lw["value"].get<std::string>());  // counter holds the cell's address
  dust_test::ProcessResult accesses = run_process(
      DUSTRUN_PATH, {"inspect", trace, "--accesses", std::to_string(address) + ".." + std::to_string(address + 8)});
  EXPECT_EQ(accesses.exit_code, 0) << accesses.err;
  EXPECT_NE(accesses.out.find("data races: none"), std::string::npos) << accesses.out;
  dust_test::ProcessResult bad = run_process(DUSTRUN_PATH, {"inspect", trace, "--accesses", "9..3"});
  EXPECT_EQ(bad.exit_code, 2);
  dust_test::ProcessResult events = run_process(DUSTRUN_PATH, {"inspect", trace, "--events", "0..3"});
  EXPECT_EQ(events.exit_code, 0);
  EXPECT_EQ(std::count(events.out.begin(), events.out.end(), '\n'), 3);
}

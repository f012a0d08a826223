// phi_replay_test.cpp — a run resolved under `--phi resolve` keeps its
// resolution in the trace (format version 2), so replay, seeks and the CLI's
// --replay and inspect never call the solver: they are run here with the
// solver factory replaced by one that fails and counts its calls.
#include <gtest/gtest.h>

#include "dust/phi_solver.hpp"
#include "dust/trace_json.hpp"
#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;

namespace {

// The solver made unavailable for the test's duration.
class NoSolver {
 public:
  NoSolver() : saved_(dust::phi_solver_factory()) {
    dust::set_phi_solver_factory([this]() -> std::unique_ptr<dust::PhiSolver> {
      ++calls_;
      return nullptr;
    });
  }
  ~NoSolver() { dust::set_phi_solver_factory(saved_); }
  int calls() const { return calls_; }

 private:
  dust::PhiSolverFactory saved_;
  int calls_ = 0;
};

dust::Machine record_resolved(const std::string& name, const fs::path& trace) {
  std::string text = read_text(example(name));
  dust::RunConfig config;
  config.phi = dust::PhiMode::Resolve;
  dust::prepare_phi(*load_program(text), config);
  return record(text, config, trace, small_blocks(2));
}

TEST(PhiReplay, AResolvedRunReplaysAndSeeksWithoutTheSolver) {
  for (const char* name : {"phi_resolve_admissible.dir.json", "phi_resolve_conflict.dir.json"}) {
    SCOPED_TRACE(name);
    TempDir tmp;
    fs::path trace = tmp / "phi.dtrace";
    dust::Machine recorded = record_resolved(name, trace);
    ASSERT_TRUE(recorded.config.phi_resolution.has_value());

    NoSolver no_solver;
    // Without the solver, resolution from the program is Undecided: the
    // trace must not need it.
    dust::RunConfig fresh;
    fresh.phi = dust::PhiMode::Resolve;
    dust::prepare_phi(*load_program(read_text(example(name))), fresh);
    ASSERT_EQ(fresh.phi_resolution->outcome, dust::PhiOutcome::Undecided);
    const int calls_before = no_solver.calls();

    auto reader = open_trace(trace);
    ASSERT_TRUE(reader);
    EXPECT_EQ(reader->info().config.phi_resolution, recorded.config.phi_resolution);
    std::optional<dust::rec::Divergence> divergence;
    dust::Machine replayed = reader->replay(divergence);
    EXPECT_FALSE(divergence.has_value());
    EXPECT_EQ(dust::outcome_trace_json(replayed), dust::outcome_trace_json(recorded));
    dust::Machine at_end = reader->state_at(reader->info().steps);
    EXPECT_EQ(dust::outcome_trace_json(at_end), dust::outcome_trace_json(recorded));
    EXPECT_EQ(no_solver.calls(), calls_before);
  }
}

TEST(PhiReplay, TheCliReplaysAndInspectsAResolvedRecording) {
  TempDir tmp;
  fs::path trace = tmp / "phi.dtrace";
  std::string program = example("phi_resolve_admissible.dir.json").string();
  dust_test::ProcessResult rec =
      dust_test::run_process(DUSTRUN_PATH, {"record", program, "-o", trace.string(), "--phi", "resolve", "--emit-trace"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_NE(rec.out.find("\"phi\""), std::string::npos);
  dust_test::ProcessResult replay = dust_test::run_process(DUSTRUN_PATH, {"--replay", trace.string(), "--emit-trace"});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(replay.out, rec.out);
  dust_test::ProcessResult at = dust_test::run_process(DUSTRUN_PATH, {"inspect", trace.string(), "--at", "3"});
  EXPECT_EQ(at.exit_code, 0) << at.err;
  dust_test::ProcessResult info = dust_test::run_process(DUSTRUN_PATH, {"inspect", trace.string(), "--info"});
  EXPECT_NE(info.out.find("phi:         resolve, Admissible"), std::string::npos) << info.out;
}

}  // namespace

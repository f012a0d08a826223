// phi_resolution_test.cpp — the debugger's model of a run recorded under
// `--phi resolve`: the catalog holds the recorded resolution (constraints
// with their status, the witness or the conflict and counterfactuals), the
// Φ lane is named after the outcome, and dustdbg's launch options take --phi.
#include <gtest/gtest.h>

#include <filesystem>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/launch_options.hpp"
#include "model/recording.hpp"
#include "model/timeline_model.hpp"

namespace dust::dbg {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(DUST_SOURCE_DIR) / "assets/examples";

std::unique_ptr<Debugger> record_resolved(const std::string& example) {
  RecordRequest request;
  request.program_path = (kExamples / example).string();
  request.trace_path = ::testing::TempDir() + "/phi_" + example + ".dtrace";
  request.config.phi = PhiMode::Resolve;
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  std::string error;
  std::unique_ptr<Debugger> dbg = Debugger::open(request.trace_path, k::standard_intrinsics(), error);
  EXPECT_TRUE(dbg) << error;
  if (dbg) dbg->land_on_open();
  return dbg;
}

TEST(PhiResolutionView, ANonExistentRunShowsItsConflictAndCounterfactuals) {
  auto dbg = record_resolved("phi_resolve_conflict.dir.json");
  ASSERT_TRUE(dbg);
  const RunCatalog& cat = dbg->catalog();
  ASSERT_TRUE(cat.phi_resolution);
  const PhiResolution& r = *cat.phi_resolution;
  EXPECT_EQ(r.outcome, PhiOutcome::NonExistent);
  ASSERT_EQ(r.constraints.size(), 5u);
  EXPECT_EQ(r.conflict, (std::vector<std::uint32_t>{0, 2, 4}));
  EXPECT_EQ(r.counterfactual, (std::vector<std::uint32_t>{0, 2}));
  // Every conflict member is a statement of the listing, to highlight.
  for (std::uint32_t c : r.conflict) EXPECT_TRUE(dbg->listing().line_of(r.constraints[c].stmt));
  EXPECT_EQ(phi_lane_label(cat), "\u03a6 non-existent");
  ASSERT_TRUE(cat.failure);
  EXPECT_EQ(cat.failure->error.kind, ErrorKind::Inadmissible);
  EXPECT_EQ(dbg->info().steps, 1u) << "nothing executed";
  std::vector<std::string> lines = phi_explanation(r);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find(kPhiNothingExecuted), std::string::npos);
}

TEST(PhiResolutionView, AnAdmissibleRunShowsItsWitness) {
  auto dbg = record_resolved("phi_resolve_admissible.dir.json");
  ASSERT_TRUE(dbg);
  const RunCatalog& cat = dbg->catalog();
  ASSERT_TRUE(cat.phi_resolution);
  EXPECT_EQ(cat.phi_resolution->outcome, PhiOutcome::Admissible);
  ASSERT_EQ(cat.phi_resolution->witness.size(), 2u);
  EXPECT_EQ(render_human(cat.phi_resolution->witness[0].second), "Plan{cpu:2,mem:512}");
  EXPECT_EQ(phi_lane_label(cat), "\u03a6 admissible");
  EXPECT_FALSE(cat.failure);
}

TEST(PhiResolutionView, LaunchOptionsTakePhi) {
  std::string error;
  auto o = parse_launch_options({"program.dir", "--phi", "resolve"}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->phi, "resolve");
  EXPECT_FALSE(parse_launch_options({"program.dir", "--phi", "sometimes"}, error));
  EXPECT_NE(error.find("--phi"), std::string::npos);
}

}  // namespace
}  // namespace dust::dbg

// phi_resolve_test.cpp — Φ resolution under `--phi resolve`, written
// against semantics doc Part 3: the unknowns of each type (§3.1), exact i64
// arithmetic with its failures, the canonical witness, the deletion-minimal
// conflict and the counterfactuals, the undecided outcome (§3.2), the
// "phi" object of the trace (§3.3), the Call form of phi_witness in both
// modes, and `--phi reference` keeping v0.1's refusal.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dir_builder.hpp"
#include "dust/phi_solver.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bool_value;
using dust_test::int_value;
using nlohmann::json;
namespace dir = dust_test::dir;

struct Resolved {
  json trace;
  dust::RunOutcome outcome;
  dust::PhiResolution phi;
  std::vector<dust::EffectEvent> effects;
};

dir::Json phi_program(std::vector<dir::Param> params, dir::Json body, dir::Json shapes = dir::Json::array()) {
  dir::Json forge = dir::forge("core", dir::Json::array({dir::proc("Φ", "main", std::move(body), std::move(params))}));
  forge["shapes"] = std::move(shapes);
  return dir::program(dir::Json::array({std::move(forge)}));
}

Resolved run_mode(const dir::Json& program, dust::PhiMode mode) {
  Resolved r;
  dust::LoadResult loaded = dust::load_dir_text(program.dump());
  EXPECT_TRUE(loaded.ok()) << loaded.error.message;
  if (!loaded.ok()) return r;
  dust::RunConfig config;
  config.phi = mode;
  dust::prepare_phi(*loaded.program, config);
  dust::Machine machine(loaded.program, &dust_test::no_intrinsics(), config);
  dust::StepEvent event;
  while (!machine.done() && machine.steps < dust_test::kMaxTestSteps) machine.step(event);
  r.trace = json::parse(dust::outcome_trace_json(machine));
  r.outcome = machine.outcome;
  if (machine.config.phi_resolution) r.phi = *machine.config.phi_resolution;
  r.effects = machine.effects;
  return r;
}

Resolved resolve(std::vector<dir::Param> params, dir::Json body, dir::Json shapes = dir::Json::array()) {
  return run_mode(phi_program(std::move(params), std::move(body), std::move(shapes)), dust::PhiMode::Resolve);
}

json witness_of(const Resolved& r) { return r.trace["phi"]["witness"]; }

// ---- §3.1 unknowns of each type ----

TEST(PhiResolve, EachScalarUnknownTypeGetsItsLeastValue) {
  Resolved r = resolve({{"a", "Int"}, {"b", "i64"}, {"c", "i32"}, {"d", "Bool"}, {"e", "Φ[Int]"}, {"f", "K[Bool]"}},
                       dir::Json::array({dir::constrain("true")}));
  ASSERT_EQ(r.phi.outcome, dust::PhiOutcome::Admissible) << r.trace.dump();
  json expected = {{"a", int_value(0)},  {"b", int_value(0)},     {"c", int_value(0)},
                   {"d", bool_value(false)}, {"e", int_value(0)}, {"f", bool_value(false)}};
  EXPECT_EQ(witness_of(r), expected);
}

TEST(PhiResolve, AShapeUnknownIsItsFieldsReadAsFieldAccess) {
  dir::Json shapes = dir::Json::array(
      {{{"name", "Point"}, {"fields", dir::Json::array({{{"name", "x"}, {"ty", "Int"}}, {{"name", "y"}, {"ty", "i32"}}})}}});
  Resolved r = resolve({{"p", "Point"}},
                       dir::Json::array({dir::constrain("p.x Gt 2"), dir::constrain("p.y Lt -1"), dir::ret("p.x Add p.y")}),
                       shapes);
  ASSERT_EQ(r.phi.outcome, dust::PhiOutcome::Admissible) << r.trace.dump();
  json point = {{"Struct", {{"ty", "Point"}, {"fields", {{"x", int_value(3)}, {"y", int_value(-2)}}}}}};
  EXPECT_EQ(witness_of(r), json({{"p", point}}));
  EXPECT_EQ(r.trace["returned"], int_value(1));
}

TEST(PhiResolve, AnUnknownOfAnotherTypeIsAValidationError) {
  Resolved r = resolve({{"x", "Int"}, {"s", "String"}}, dir::Json::array({dir::constrain("true")}));
  EXPECT_EQ(r.trace, dust_test::bare_error("DirValidate", "Φ unknown of unsupported type: s: String"));
}

// ---- the canonical witness ----

TEST(PhiResolve, WitnessPrefersTheLeastMagnitudeThenTheNonNegative) {
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Eq 4 Or x Eq -4")}))),
            json({{"x", int_value(4)}}));
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Ge -7 And x Le -3")}))),
            json({{"x", int_value(-3)}}));
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Ne 0")}))), json({{"x", int_value(1)}}));
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Lt -9223372036854775807")}))),
            json({{"x", int_value(INT64_MIN)}}));
  EXPECT_EQ(witness_of(resolve({{"b", "Bool"}}, dir::Json::array({dir::constrain("b")}))),
            json({{"b", bool_value(true)}}));
}

TEST(PhiResolve, UnknownsAreFixedInParamOrder) {
  EXPECT_EQ(witness_of(resolve({{"x"}, {"y"}}, dir::Json::array({dir::constrain("x Add y Eq 10")}))),
            json({{"x", int_value(0)}, {"y", int_value(10)}}));
  EXPECT_EQ(witness_of(resolve({{"y"}, {"x"}}, dir::Json::array({dir::constrain("x Add y Eq 10")}))),
            json({{"y", int_value(0)}, {"x", int_value(10)}}));
}

// ---- exact i64 arithmetic ----

TEST(PhiResolve, OverflowAtTheEdgeDoesNotSatisfy) {
  // 2 * 2^62 overflows; so does every |x| >= 2; x = 1 is the only positive witness.
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::constrain("x Mul 4611686018427387904 Gt 0"), dir::ret("x")}));
  EXPECT_EQ(witness_of(r), json({{"x", int_value(1)}}));
  EXPECT_EQ(r.trace["returned"], int_value(1));
  Resolved none = resolve({{"x"}}, dir::Json::array({dir::constrain("x Mul 4611686018427387904 Gt 0"),
                                                      dir::constrain("x Gt 1")}));
  EXPECT_EQ(none.phi.outcome, dust::PhiOutcome::NonExistent) << none.trace.dump();
  Resolved add = resolve({{"x"}}, dir::Json::array({dir::constrain("x Add 9223372036854775807 Lt 0"),
                                                     dir::constrain("x Gt 0")}));
  EXPECT_EQ(add.phi.outcome, dust::PhiOutcome::NonExistent) << add.trace.dump();
  Resolved neg = resolve({{"x"}}, dir::Json::array({dir::constrain("Neg(x) Gt 0"), dir::constrain("x Lt -9223372036854775806")}));
  EXPECT_EQ(witness_of(neg), json({{"x", int_value(-9223372036854775807)}}));
}

TEST(PhiResolve, DivisionTruncatesTowardZeroAndNeverByZero) {
  // -6 Div 2 and -7 Div 2 are both -3; -6 is the smaller.
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Div 2 Eq -3")}))),
            json({{"x", int_value(-6)}}));
  // 7 Div -3 is -2 (not -3, as flooring would give).
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("7 Div x Eq -2")}))),
            json({{"x", int_value(-3)}}));
  // Holds for every x but 0, where it would divide by zero.
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("10 Div x Eq 10 Div x")}))),
            json({{"x", int_value(1)}}));
  // MIN Div -1 overflows.
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::constrain("x Div -1 Gt 0"), dir::constrain("x Lt -9223372036854775807")}));
  EXPECT_EQ(r.phi.outcome, dust::PhiOutcome::NonExistent) << r.trace.dump();
}

TEST(PhiResolve, RemTakesTheSignOfTheDividendAndNeverDividesByZero) {
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Rem 3 Eq -2")}))),
            json({{"x", int_value(-2)}}));
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("x Rem 5 Eq 4"), dir::constrain("x Gt 10")}))),
            json({{"x", int_value(14)}}));
  // 7 Rem 1 and 7 Rem -1 are 0; 7 Rem 2 is 1 (and 7 Rem -2 too: 2 is the non-negative).
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("7 Rem x Eq 1")}))),
            json({{"x", int_value(2)}}));
  // Holds for every x but 0.
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::constrain("10 Rem x Eq 10 Rem x")}))),
            json({{"x", int_value(1)}}));
  // MIN Rem -1 fails as MIN Div -1 does.
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::constrain("x Rem -1 Eq 0"), dir::constrain("x Lt -9223372036854775807")}));
  EXPECT_EQ(r.phi.outcome, dust::PhiOutcome::NonExistent) << r.trace.dump();
}

TEST(PhiResolve, I32UnknownsStayInTheirRangeWhileArithmeticIsI64) {
  EXPECT_EQ(witness_of(resolve({{"x", "i32"}}, dir::Json::array({dir::constrain("x Gt 2147483646")}))),
            json({{"x", int_value(2147483647)}}));
  EXPECT_EQ(witness_of(resolve({{"x", "i32"}}, dir::Json::array({dir::constrain("x Lt -2147483647")}))),
            json({{"x", int_value(-2147483648)}}));
  EXPECT_EQ(resolve({{"x", "i32"}}, dir::Json::array({dir::constrain("x Gt 2147483647")})).phi.outcome,
            dust::PhiOutcome::NonExistent);
  EXPECT_EQ(resolve({{"x", "i32"}}, dir::Json::array({dir::constrain("x Lt -2147483648")})).phi.outcome,
            dust::PhiOutcome::NonExistent);
  // x + 1 past i32's range is fine in i64.
  EXPECT_EQ(witness_of(resolve({{"x", "i32"}}, dir::Json::array({dir::constrain("x Add 1 Gt 2147483647")}))),
            json({{"x", int_value(2147483647)}}));
}

TEST(PhiResolve, ALetFeedsTheConstraintsAfterIt) {
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::let("y", "x Mul 3"), dir::constrain("y Eq 12"), dir::ret("y")}));
  EXPECT_EQ(witness_of(r), json({{"x", int_value(4)}}));
  EXPECT_EQ(r.trace["returned"], int_value(12));
  // The Let's own failure (100 Div 0) counts against the constraint that reads it.
  EXPECT_EQ(witness_of(resolve({{"x"}}, dir::Json::array({dir::let("q", "100 Div x"), dir::constrain("q Ge 0")}))),
            json({{"x", int_value(1)}}));
}

// ---- outcomes and the trace ----

TEST(PhiResolve, AnAdmissibleRunContinuesFromTheWitness) {
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::constrain("x Gt 2"), dir::prove("w", "x"), dir::prove("p", "x Ge 3"),
                                                  dir::emit("x"), dir::ret("x Mul 10")}));
  json expected = {{"returned", int_value(30)},
                   {"effects", {{"events", json::array({{{"kind", "emit"}, {"payload", "3"}}})}}},
                   {"time", {{"tick", 4}}},
                   {"phi", {{"outcome", "Admissible"}, {"witness", {{"x", int_value(3)}}}}}};
  EXPECT_EQ(r.trace, expected);
  // `prove w from x` witnesses the configuration; the Bool Prove its predicate.
  ASSERT_EQ(r.phi.constraints.size(), 2u);
  EXPECT_EQ(r.phi.constraints[1].text, "x Ge 3");
}

TEST(PhiResolve, ProveOfAConfigurationBindsItsDigest) {
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::prove("w", "x"), dir::emit("w")}));
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_NE(r.effects[0].payload.find("\"config:x\""), std::string::npos) << r.effects[0].payload;
}

TEST(PhiResolve, NonExistenceExecutesNothingAndNamesTheConflict) {
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::emit("1"), dir::constrain("x Gt 5"), dir::constrain("x Lt 3"),
                                                  dir::constrain("x Lt 4")}));
  // Deletion in body order: "x Gt 5" stays (the rest is admissible
  // without it), "x Lt 3" goes ("x Gt 5; x Lt 4" is still inadmissible),
  // "x Lt 4" stays. Only "x Gt 5" alone restores admissibility.
  json expected = {{"error", {{"kind", "Inadmissible"}, {"message", "no admissible configuration: x Gt 5; x Lt 4"}}},
                   {"phi",
                    {{"outcome", "NonExistent"},
                     {"conflict", {"x Gt 5", "x Lt 4"}},
                     {"counterfactual", {"x Gt 5"}}}}};
  EXPECT_EQ(r.trace, expected);
  EXPECT_TRUE(r.effects.empty());
}

TEST(PhiResolve, TwoIndependentConflictsHaveNoCounterfactual) {
  Resolved r = resolve({{"x"}, {"y"}}, dir::Json::array({dir::constrain("x Gt 5"), dir::constrain("x Lt 3"),
                                                         dir::constrain("y Gt 5"), dir::constrain("y Lt 3")}));
  json expected = {{"error", {{"kind", "Inadmissible"}, {"message", "no admissible configuration: y Gt 5; y Lt 3"}}},
                   {"phi", {{"outcome", "NonExistent"}, {"conflict", {"y Gt 5", "y Lt 3"}}, {"counterfactual", json::array()}}}};
  EXPECT_EQ(r.trace, expected);
}

TEST(PhiResolve, AConstraintThatCannotEvaluateNeverHolds) {
  Resolved r = resolve({{"x"}}, dir::Json::array({dir::constrain("x Add true"), dir::constrain("x Gt 0")}));
  EXPECT_EQ(r.trace["phi"]["conflict"], json({"x Add true"}));
  EXPECT_EQ(r.trace["phi"]["counterfactual"], json({"x Add true"}));
}

// The conflict is inadmissible, and dropping any one member of it makes
// it admissible (checked on the problem directly, with a fresh solver).
TEST(PhiResolve, TheConflictIsDeletionMinimal) {
  std::vector<std::vector<std::string>> cases = {
      {"x Gt 5", "x Lt 3", "x Lt 4"},
      {"x Add y Eq 10", "x Gt 7", "y Gt 7", "x Lt 100"},
      {"x Mul x Eq 49", "x Lt 0", "x Gt -7", "y Eq x"},
      {"x Gt 0", "y Gt 0", "x Add y Lt 2", "x Ne 1"},
  };
  for (const auto& texts : cases) {
    dir::Json body = dir::Json::array();
    for (const std::string& t : texts) body.push_back(dir::constrain(t));
    dust::LoadResult loaded = dust::load_dir_text(phi_program({{"x"}, {"y"}}, body).dump());
    ASSERT_TRUE(loaded.ok());
    dust::PhiProblem problem;
    dust::DvmError error;
    ASSERT_TRUE(dust::build_phi_problem(*loaded.program, 0, problem, error));
    auto solver = dust::make_z3_phi_solver();
    dust::PhiResolution r = dust::resolve_phi_problem(problem, *solver);
    ASSERT_EQ(r.outcome, dust::PhiOutcome::NonExistent) << texts[0];
    ASSERT_FALSE(r.conflict.empty());
    auto check = [&](const std::vector<std::uint32_t>& active) {
      auto fresh = dust::make_z3_phi_solver();
      fresh->load(problem);
      return fresh->check(active, nullptr);
    };
    EXPECT_EQ(check(r.conflict), dust::PhiSolver::Answer::Unsat) << texts[0];
    for (std::uint32_t drop : r.conflict) {
      std::vector<std::uint32_t> rest;
      for (std::uint32_t c : r.conflict) {
        if (c != drop) rest.push_back(c);
      }
      EXPECT_EQ(check(rest), dust::PhiSolver::Answer::Sat) << texts[0] << " without " << texts[drop];
    }
    // Each counterfactual alone restores admissibility; no other constraint does.
    for (std::uint32_t c = 0; c < texts.size(); ++c) {
      std::vector<std::uint32_t> rest;
      for (std::uint32_t k = 0; k < texts.size(); ++k) {
        if (k != c) rest.push_back(k);
      }
      EXPECT_EQ(check(rest) == dust::PhiSolver::Answer::Sat, r.is_counterfactual(c)) << texts[0] << " / " << texts[c];
    }
  }
}

TEST(PhiResolve, AnExhaustedResourceLimitIsUndecided) {
  // Factoring a large prime-ish product needs far more than this limit.
  dust::LoadResult loaded = dust::load_dir_text(
      phi_program({{"x"}, {"y"}}, dir::Json::array({dir::constrain("x Mul y Eq 9223372036854775783"),
                                                    dir::constrain("x Gt 1"), dir::constrain("y Gt 1")}))
          .dump());
  ASSERT_TRUE(loaded.ok());
  dust::PhiProblem problem;
  dust::DvmError error;
  ASSERT_TRUE(dust::build_phi_problem(*loaded.program, 0, problem, error));
  auto solver = dust::make_z3_phi_solver(20'000);
  dust::PhiResolution r = dust::resolve_phi_problem(problem, *solver);
  ASSERT_EQ(r.outcome, dust::PhiOutcome::Undecided);
  // The same limit gives the same answer every time.
  auto again = dust::make_z3_phi_solver(20'000);
  EXPECT_EQ(dust::resolve_phi_problem(problem, *again), r);

  dust::RunConfig config;
  config.phi = dust::PhiMode::Resolve;
  config.phi_resolution = r;
  dust::Machine machine(loaded.program, &dust_test::no_intrinsics(), config);
  dust::run_to_end(machine);
  json expected = {{"error", {{"kind", "UnsupportedRegime"}, {"message", "Φ resolution undecided within the resource limit"}}},
                   {"phi", {{"outcome", "Undecided"}}}};
  EXPECT_EQ(json::parse(dust::outcome_trace_json(machine)), expected);
  EXPECT_EQ(machine.tick, 0u);
}

// ---- modes and forms ----

TEST(PhiResolve, ReferenceModeKeepsTheV01Refusal) {
  dir::Json program = phi_program({}, dir::Json::array({dir::constrain("true"), dir::ret("1")}));
  Resolved r = run_mode(program, dust::PhiMode::Reference);
  EXPECT_EQ(r.trace["error"]["kind"], "UnsupportedRegime");
  EXPECT_FALSE(r.trace.contains("phi"));
  Resolved params = run_mode(phi_program({{"x"}}, dir::Json::array({dir::constrain("x Gt 0")})), dust::PhiMode::Reference);
  EXPECT_EQ(params.trace, dust_test::bare_error("Runtime", "entrypoint has params in v0.1 host-runner: main:Φ"));
}

TEST(PhiResolve, PhiWitnessAsACallStatementWorksAsTheLetForm) {
  for (dust::PhiMode mode : {dust::PhiMode::Reference, dust::PhiMode::Resolve}) {
    json let_form = run_mode(phi_program({}, dir::Json::array({dir::let("w", "phi_witness(\"d\")"), dir::emit("w"),
                                                               dir::ret("1")})),
                             mode)
                        .trace;
    json call_form = run_mode(phi_program({}, dir::Json::array({dir::call("phi_witness", {"\"d\""}, "w"), dir::emit("w"),
                                                                dir::ret("1")})),
                              mode)
                         .trace;
    EXPECT_EQ(call_form, let_form) << dust::phi_mode_name(mode);
    json bad_let = run_mode(phi_program({}, dir::Json::array({dir::let("w", "phi_witness(5)")})), mode).trace;
    json bad_call = run_mode(phi_program({}, dir::Json::array({dir::call("phi_witness", {"5"}, "w")})), mode).trace;
    EXPECT_EQ(bad_call, bad_let) << dust::phi_mode_name(mode);
  }
}

TEST(PhiResolve, TheCliPrintsTheExplanation) {
  dir::Json none = phi_program({{"x"}}, dir::Json::array({dir::constrain("x Gt 5"), dir::constrain("x Lt 3")}));
  dust_test::ProcessResult r = dust_test::run_dustrun_on(none, {"--phi", "resolve"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_NE(r.err.find("dustrun: inadmissible program: no admissible configuration: x Gt 5; x Lt 3"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dust::kPhiNothingExecuted), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dust::kPhiCounterfactualNote), std::string::npos) << r.err;

  dir::Json some = phi_program({{"x"}}, dir::Json::array({dir::constrain("x Gt 5"), dir::ret("x")}));
  dust_test::ProcessResult ok = dust_test::run_dustrun_on(some, {"--phi=resolve"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("return: 6"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("witness: x = 6"), std::string::npos) << ok.out;

  dust_test::ProcessResult bad = dust_test::run_dustrun_on(some, {"--phi", "maybe"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace

// The conflict and the counterfactuals as bitmaps over the constraints
// (what a pass over every constraint asks): the same answers as
// in_conflict and is_counterfactual, with an index past the constraints (a
// recorded configuration from elsewhere may hold one) left out.
TEST(PhiResolve, MembershipBitmapsAnswerAsTheLookups) {
  dust::PhiResolution r;
  r.outcome = dust::PhiOutcome::NonExistent;
  r.constraints.resize(5);
  r.conflict = {4, 1, 9};
  r.counterfactual = {1};
  const std::vector<bool> conflict = r.conflict_members();
  const std::vector<bool> counterfactual = r.counterfactual_members();
  ASSERT_EQ(conflict.size(), 5u);
  ASSERT_EQ(counterfactual.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(conflict[i], r.in_conflict(i)) << i;
    EXPECT_EQ(counterfactual[i], r.is_counterfactual(i)) << i;
  }
  EXPECT_EQ(conflict, (std::vector<bool>{false, true, false, false, true}));
}

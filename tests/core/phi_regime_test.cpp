// phi_regime_test.cpp — the Φ regime (semantics doc §1.3, §1.4): constraint
// validation against an empty environment before anything runs, the body
// pass (Constrain skipped, Return ignored, every statement ticks), witness
// numbering shared by Prove and phi_witness, and the final refusal — with
// exactly which failures carry effects and time.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

const char* const kRefusal = "Φ-regime execution wiring into engine is a later step";
const char* const kNote = "Φ witness stub (v0.1): admissible";

json phi_trace(dir::Json body) { return run_api(dir::phi_main(std::move(body))).trace; }

// The compact tagged JSON an Effect renders for a witness, fields in the
// reference's order (ordered_json keeps it; payloads are compared as text).
std::string witness_payload(int n, const std::string& digest) {
  nlohmann::ordered_json fields = {{"kind", {{"String", "Admissible"}}},
                                   {"id", {{"String", "Φwitness:" + std::to_string(n)}}},
                                   {"constraint_digest", {{"String", digest}}},
                                   {"note", {{"String", kNote}}}};
  nlohmann::ordered_json witness = {{"Struct", {{"ty", "PhiWitness"}, {"fields", fields}}}};
  return witness.dump();
}

json refusal(json events, std::uint64_t tick) {
  json trace = {{"error", {{"kind", "UnsupportedRegime"}, {"message", kRefusal}}}};
  if (!events.empty()) trace["effects"] = {{"events", std::move(events)}};
  if (tick != 0) trace["time"] = {{"tick", tick}};
  return trace;
}

json emitted(const std::string& payload) { return {{"kind", "emit"}, {"payload", payload}}; }

// ---- validation of constraints, before anything runs ----

TEST(PhiValidation, FalseConstraintAnywhereFailsBeforeTheBodyRuns) {
  EXPECT_EQ(phi_trace({dir::emit("\"side effect\""), dir::let("x", "1"), dir::constrain("1 Eq 2")}),
            bare_error("Inadmissible", "constraint failed: 1 Eq 2"));
}

TEST(PhiValidation, FirstFailingConstraintWins) {
  EXPECT_EQ(phi_trace({dir::constrain("true"), dir::constrain("2 Lt 1"), dir::constrain("false")}),
            bare_error("Inadmissible", "constraint failed: 2 Lt 1"));
}

TEST(PhiValidation, ConstraintsSeeAnEmptyEnvironment) {
  // x is bound by the body, but validation happens before the body.
  EXPECT_EQ(phi_trace({dir::let("x", "1"), dir::constrain("x Eq 1")}),
            bare_error("Inadmissible", "runtime error: unknown identifier: x"));
}

TEST(PhiValidation, RuntimeErrorsAreShownWithTheirDisplayText) {
  EXPECT_EQ(phi_trace({dir::constrain("1 Div 0 Eq 1")}), bare_error("Inadmissible", "runtime error: division by zero"));
  EXPECT_EQ(phi_trace({dir::constrain("@")}),
            bare_error("Inadmissible", "runtime error: unexpected character in expression: @"));
  EXPECT_EQ(phi_trace({dir::constrain("(true")}), bare_error("Inadmissible", "runtime error: expected RParen, got Eof"));
}

TEST(PhiValidation, NonBoolConstraintGivesTheInnerMessage) {
  // The reference's validate_proc unwraps ConstraintFailure to its message.
  EXPECT_EQ(phi_trace({dir::constrain("5")}), bare_error("Inadmissible", "constraint predicate did not evaluate to bool"));
}

TEST(PhiValidation, PassingConstraintsAreSkippedInTheBodyButTick) {
  EXPECT_EQ(phi_trace({dir::constrain("true"), dir::constrain("1 Lt 2")}), refusal(json::array(), 2));
}

// ---- the body pass ----

TEST(PhiBody, EmptyBodyIsRefusedWithNoContext) {
  EXPECT_EQ(phi_trace(dir::Json::array()), refusal(json::array(), 0));
}

TEST(PhiBody, ReturnIsIgnoredNotEvaluatedAndTicks) {
  EXPECT_EQ(phi_trace({dir::ret("1 Div 0"), dir::emit("\"after return\""), dir::ret("nope")}),
            refusal({emitted("after return")}, 3));
}

TEST(PhiBody, OrdinaryLetsAndEffectsRun) {
  EXPECT_EQ(phi_trace({dir::let("x", "20"), dir::let("x", "x Add 1"), dir::emit("x Mul 2")}), refusal({emitted("42")}, 3));
}

TEST(PhiBody, RuntimeErrorInTheBodyCarriesNoContext) {
  EXPECT_EQ(phi_trace({dir::emit("\"first\""), dir::let("y", "1 Div 0")}), bare_error("Runtime", "division by zero"));
  EXPECT_EQ(phi_trace({dir::emit("\"first\""), dir::emit("nope")}), bare_error("Runtime", "unknown identifier: nope"));
}

// ---- witnesses ----

TEST(PhiWitness, ProveAndPhiWitnessShareOneCounter) {
  json trace = phi_trace({dir::prove("p", "true"), dir::let("w", "phi_witness(\"digest:a\")"),
                          dir::prove("q", "1  Lt  2"), dir::let("d", "\"digest:b\""), dir::let("v", "phi_witness(d)"),
                          dir::emit("p"), dir::emit("w"), dir::emit("q"), dir::emit("v")});
  EXPECT_EQ(trace, refusal({emitted(witness_payload(1, "pred:true")), emitted(witness_payload(2, "digest:a")),
                            emitted(witness_payload(3, "pred:1  Lt  2")), emitted(witness_payload(4, "digest:b"))},
                           9));
}

TEST(PhiWitness, PayloadMatchesTheGoldenFormat) {
  json trace = phi_trace({dir::constrain("true"), dir::prove("p", "1 Eq 1"), dir::emit("p"), dir::ret("1")});
  std::string golden =
      R"j({"Struct":{"ty":"PhiWitness","fields":{"kind":{"String":"Admissible"},"id":{"String":"Φwitness:1"},)j"
      R"j("constraint_digest":{"String":"pred:1 Eq 1"},"note":{"String":"Φ witness stub (v0.1): admissible"}}}})j";
  EXPECT_EQ(trace, refusal({emitted(golden)}, 4));
}

TEST(PhiWitness, WitnessFieldsAreReadable) {
  EXPECT_EQ(phi_trace({dir::let("w", "phi_witness(\"dg\")"), dir::emit("w.id"), dir::emit("w.constraint_digest")}),
            refusal({emitted("Φwitness:1"), emitted("dg")}, 3));
}

TEST(PhiWitness, CallTextIsTrimmedAndTheArgumentIsAnExpression) {
  EXPECT_EQ(phi_trace({dir::let("w", "   phi_witness(  \"a\"  )  "), dir::emit("w")}),
            refusal({emitted(witness_payload(1, "a"))}, 2));
}

TEST(PhiWitness, NonStringDigestIsARuntimeErrorCarryingContext) {
  EXPECT_EQ(phi_trace({dir::emit("\"before\""), dir::let("w", "phi_witness(5)")}),
            json::parse(R"j({"error":{"kind":"Runtime","message":"phi_witness expects a String digest, got Int(5)"},)j"
                        R"j("effects":{"events":[{"kind":"emit","payload":"before"}]},"time":{"tick":1}})j"));
  EXPECT_EQ(phi_trace({dir::let("w", "phi_witness(1 Eq 1)")}),
            bare_error("Runtime", "phi_witness expects a String digest, got Bool(true)"));
}

TEST(PhiWitness, NonStringDigestDebugFormsOfStructs) {
  EXPECT_EQ(phi_trace({dir::let("x", "1"), dir::let("w", "phi_witness(T{a: 1, s: \"q\\\"\"})")}),
            json::parse(R"j({"error":{"kind":"Runtime","message":)j"
                        R"j("phi_witness expects a String digest, got Struct { ty: \"T\", fields: {\"a\": Int(1), \"s\": String(\"q\\\"\")} }"},)j"
                        R"j("time":{"tick":1}})j"));
}

TEST(PhiWitness, ArgumentEvaluationErrorCarriesNoContext) {
  EXPECT_EQ(phi_trace({dir::emit("\"before\""), dir::let("w", "phi_witness(nope)")}),
            bare_error("Runtime", "unknown identifier: nope"));
}

TEST(PhiWitness, ProveFailuresCarryNoContext) {
  EXPECT_EQ(phi_trace({dir::emit("\"before\""), dir::prove("p", "1 Eq 2")}),
            bare_error("Inadmissible", "constraint failed: 1 Eq 2"));
  EXPECT_EQ(phi_trace({dir::emit("\"before\""), dir::prove("p", "3")}),
            bare_error("ConstraintFailure", "constraint predicate did not evaluate to bool"));
}

TEST(PhiWitness, WitnessEventsRecordIdAndDigest) {
  dust_test::ApiRun run =
      run_api(dir::phi_main({dir::prove("p", "true"), dir::let("w", "phi_witness(\"d\")")}));
  std::vector<std::pair<std::string, std::string>> seen;
  for (const dust::StepEvent& e : run.events)
    for (const dust::PhiEvent& phi : e.phi)
      if (phi.kind == dust::PhiEventKind::Witness) seen.emplace_back(phi.detail, phi.digest);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"Φwitness:1", "pred:true"}, {"Φwitness:2", "d"}}));
  ASSERT_FALSE(run.events.empty());
  EXPECT_EQ(run.outcome.error.kind, dust::ErrorKind::UnsupportedRegime);
  EXPECT_TRUE(run.outcome.carries_context);
}

// ---- a Φ entry among other regimes ----

TEST(PhiEntry, PhiProcChosenByEntryName) {
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::ret("0")}),
                                      dir::proc("Φ", "phi", {dir::prove("p", "true"), dir::emit("p.id")})});
  EXPECT_EQ(run_api(prog, "phi").trace, refusal({emitted("Φwitness:1")}, 2));
  EXPECT_EQ(run_api(prog, "main").trace["returned"], json({{"Int", 0}}));
}

}  // namespace

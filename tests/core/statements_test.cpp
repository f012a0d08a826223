// statements_test.cpp — v0.1 statements in K (semantics doc §1.3, §1.4):
// effect payload rendering, the logical clock, Return and falling off the
// end, predicates, and which failures carry effects and time in the trace.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

json success(json returned, json events, std::uint64_t tick) {
  return {{"returned", std::move(returned)}, {"effects", {{"events", std::move(events)}}}, {"time", {{"tick", tick}}}};
}

json event(const std::string& kind, const std::string& payload) { return {{"kind", kind}, {"payload", payload}}; }

// The payload an Effect renders for `expr`, after `prelude`.
std::string payload_of(const std::string& expr, dir::Json prelude = dir::Json::array()) {
  prelude.push_back(dir::emit(expr));
  dust_test::ApiRun run = run_api(dir::k_main(std::move(prelude)));
  EXPECT_EQ(dust_test::failure_of(run), "ok");
  if (run.effects.size() != 1) {
    ADD_FAILURE() << "expected one effect for " << expr;
    return {};
  }
  return run.effects[0].payload;
}

// ---- effect payloads ----

TEST(EffectPayload, StringIsRaw) {
  EXPECT_EQ(payload_of("\"Hello, Dust!\""), "Hello, Dust!");
  EXPECT_EQ(payload_of("\"quote \\\" backslash \\\\ newline \\n\""), "quote \" backslash \\ newline \n");
  EXPECT_EQ(payload_of("\"\""), "");
}

TEST(EffectPayload, IntIsDecimal) {
  EXPECT_EQ(payload_of("42"), "42");
  EXPECT_EQ(payload_of("0 Sub 7"), "-7");
  EXPECT_EQ(payload_of("-9223372036854775808"), "-9223372036854775808");
}

TEST(EffectPayload, BoolIsTrueOrFalse) {
  EXPECT_EQ(payload_of("1 Eq 1"), "true");
  EXPECT_EQ(payload_of("false"), "false");
}

TEST(EffectPayload, UnitIsTheWordUnit) { EXPECT_EQ(payload_of("p", {dir::prove("p", "true")}), "unit"); }

TEST(EffectPayload, StructIsCompactTaggedJson) {
  EXPECT_EQ(payload_of("Point{x: 1, y: -2, name: \"a\\\"b\", ok: true}"),
            R"({"Struct":{"ty":"Point","fields":{"x":{"Int":1},"y":{"Int":-2},"name":{"String":"a\"b"},"ok":{"Bool":true}}}})");
  EXPECT_EQ(payload_of("Outer{inner: Inner{}}"),
            R"({"Struct":{"ty":"Outer","fields":{"inner":{"Struct":{"ty":"Inner","fields":{}}}}}})");
}

TEST(EffectPayload, KindIsVerbatimAndOrderIsKept) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::effect("expr", "1 Add 2"), dir::effect("", "\"empty kind\""),
                                               dir::effect("Kind With Spaces ☃", "\"x\""), dir::effect("emit", "4")}));
  json expected = success(nullptr,
                          {event("expr", "3"), event("", "empty kind"), event("Kind With Spaces ☃", "x"), event("emit", "4")},
                          4);
  EXPECT_EQ(run.trace, expected);
}

// ---- ticks, Return, falling off the end ----

TEST(Ticks, EachCompletedStatementTicksOnce) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("x", "1"), dir::constrain("x Eq 1"), dir::prove("p", "true"),
                                               dir::emit("x"), dir::let("x", "x Add 1"), dir::ret("x")}));
  EXPECT_EQ(run.trace, success({{"Int", 2}}, {event("emit", "1")}, 5));
}

TEST(Ticks, ReturnDoesNotTick) {
  EXPECT_EQ(run_api(dir::k_main({dir::ret("0")})).trace, success({{"Int", 0}}, json::array(), 0));
  EXPECT_EQ(run_api(dir::k_main({dir::emit("1"), dir::ret("\"done\"")})).trace,
            success({{"String", "done"}}, {event("emit", "1")}, 1));
}

TEST(Ticks, StatementsAfterReturnDoNotRun) {
  EXPECT_EQ(run_api(dir::k_main({dir::ret("1"), dir::emit("\"never\""), dir::let("x", "1 Div 0")})).trace,
            success({{"Int", 1}}, json::array(), 0));
}

TEST(Ticks, FallingOffTheEndReturnsNull) {
  EXPECT_EQ(run_api(dir::k_main({dir::let("x", "1"), dir::emit("x")})).trace,
            success(nullptr, {event("emit", "1")}, 2));
}

TEST(Ticks, EmptyBodyReturnsNullAtTickZero) {
  EXPECT_EQ(run_api(dir::k_main(dir::Json::array())).trace, success(nullptr, json::array(), 0));
}

TEST(Ticks, FailingStatementDoesNotTick) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("a", "1"), dir::emit("a"), dir::let("b", "1 Div 0")}));
  EXPECT_EQ(run.tick, 2u);
  ASSERT_FALSE(run.events.empty());
  const dust::StepEvent& last = run.events.back();
  EXPECT_EQ(last.kind, dust::StepKind::Failed);
  EXPECT_EQ(last.tick_before, 2u);
  EXPECT_EQ(last.tick, 2u);
}

TEST(Ticks, ReturnEvaluatesItsExpression) {
  EXPECT_EQ(run_api(dir::k_main({dir::emit("1"), dir::ret("1 Div 0")})).trace, bare_error("Runtime", "division by zero"));
}

TEST(Ticks, ReturnedValuesOfEachType) {
  EXPECT_EQ(run_api(dir::k_main({dir::ret("true")})).trace["returned"], json({{"Bool", true}}));
  EXPECT_EQ(run_api(dir::k_main({dir::prove("p", "true"), dir::ret("p")})).trace["returned"], json("Unit"));
  EXPECT_EQ(run_api(dir::k_main({dir::ret("S{a: 1}")})).trace["returned"],
            json::parse(R"({"Struct":{"ty":"S","fields":{"a":{"Int":1}}}})"));
}

// ---- Let, Constrain, Prove in K ----

TEST(KStatements, LetRebindingSeesTheOldValue) {
  EXPECT_EQ(run_api(dir::k_main({dir::let("x", "1"), dir::let("x", "x Add 10"), dir::let("x", "x Mul 2"), dir::ret("x")}))
                .trace["returned"],
            json({{"Int", 22}}));
}

TEST(KStatements, ConstrainFalseIsInadmissibleWithThePredicateAsWritten) {
  EXPECT_EQ(run_api(dir::k_main({dir::constrain("  1   Eq 2 ")})).trace,
            bare_error("Inadmissible", "constraint failed:   1   Eq 2 "));
}

TEST(KStatements, ConstrainNonBoolIsAConstraintFailure) {
  EXPECT_EQ(run_api(dir::k_main({dir::constrain("1 Add 1")})).trace,
            bare_error("ConstraintFailure", "constraint predicate did not evaluate to bool"));
  EXPECT_EQ(run_api(dir::k_main({dir::constrain("\"true\"")})).trace,
            bare_error("ConstraintFailure", "constraint predicate did not evaluate to bool"));
}

TEST(KStatements, ConstrainEvaluationErrorIsRuntime) {
  EXPECT_EQ(run_api(dir::k_main({dir::constrain("x Eq 1")})).trace, bare_error("Runtime", "unknown identifier: x"));
}

TEST(KStatements, ProveChecksAndBindsUnit) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("n", "3"), dir::prove("p", "n Gt 2"), dir::emit("p"), dir::ret("p")}));
  EXPECT_EQ(run.trace, success("Unit", {event("emit", "unit")}, 3));
  EXPECT_EQ(run_api(dir::k_main({dir::prove("p", "1 Gt 2")})).trace, bare_error("Inadmissible", "constraint failed: 1 Gt 2"));
  EXPECT_EQ(run_api(dir::k_main({dir::prove("p", "7")})).trace,
            bare_error("ConstraintFailure", "constraint predicate did not evaluate to bool"));
}

// ---- K failures carry no effects and no time ----

TEST(FailureContext, KFailuresCarryNoEffectsOrTime) {
  dir::Json before = {dir::emit("\"one\""), dir::let("x", "2"), dir::emit("x")};
  auto with = [&](dir::Json last) {
    dir::Json body = before;
    body.push_back(std::move(last));
    return run_api(dir::k_main(std::move(body))).trace;
  };
  EXPECT_EQ(with(dir::let("y", "1 Div 0")), bare_error("Runtime", "division by zero"));
  EXPECT_EQ(with(dir::emit("nope")), bare_error("Runtime", "unknown identifier: nope"));
  EXPECT_EQ(with(dir::constrain("false")), bare_error("Inadmissible", "constraint failed: false"));
  EXPECT_EQ(with(dir::constrain("x")), bare_error("ConstraintFailure", "constraint predicate did not evaluate to bool"));
  EXPECT_EQ(with(dir::prove("p", "x Eq 3")), bare_error("Inadmissible", "constraint failed: x Eq 3"));
  EXPECT_EQ(with(dir::ret("x Add true")), bare_error("Runtime", "Add/Sub requires int operands"));
}

TEST(FailureContext, TheMachineStillKnowsWhatHappenedBeforeTheFailure) {
  // The trace drops them, but the machine state (what the debugger shows) keeps them.
  dust_test::ApiRun run = run_api(dir::k_main({dir::emit("\"one\""), dir::let("y", "1 Div 0")}));
  ASSERT_EQ(run.effects.size(), 1u);
  EXPECT_EQ(run.effects[0].payload, "one");
  EXPECT_EQ(run.tick, 1u);
  EXPECT_FALSE(run.outcome.carries_context);
}

}  // namespace

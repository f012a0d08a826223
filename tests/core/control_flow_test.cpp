// control_flow_test.cpp — the v0.2 statements core executes (semantics doc
// §2.1): If, While, For, Break, Continue, Call (params, recursion, calls in
// expressions, resolution order, the depth limit), Assign and Return null,
// each with the tick count the §2.1 rules give.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::int_value;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

// Payloads of the run's effects, in order.
std::vector<std::string> payloads(const dust_test::ApiRun& run) {
  std::vector<std::string> out;
  for (const dust::EffectEvent& e : run.effects) out.push_back(e.payload);
  return out;
}

using Payloads = std::vector<std::string>;

// ---- If ----

TEST(If, TakesTheRightBranchAndTheCheckTicksOnce) {
  // If check 1 + Let 1 = 2 (Return does not tick).
  dust_test::ApiRun yes = run_api(dir::k_main(
      {dir::if_("1 Lt 2", {dir::let("x", "1")}, dir::Json::array({dir::let("x", "2")})), dir::ret("x")}));
  EXPECT_EQ(yes.trace["returned"], int_value(1));
  EXPECT_EQ(yes.tick, 2u);
  dust_test::ApiRun no = run_api(dir::k_main(
      {dir::if_("2 Lt 1", {dir::let("x", "1")}, dir::Json::array({dir::let("x", "2"), dir::let("y", "3")})), dir::ret("x")}));
  EXPECT_EQ(no.trace["returned"], int_value(2));
  EXPECT_EQ(no.tick, 3u);
}

TEST(If, FalseWithoutElseOnlyTicksTheCheck) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::if_("false", {dir::emit("\"no\"")}), dir::ret("0")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":0},"effects":{"events":[]},"time":{"tick":1}})"));
}

TEST(If, EmptyBranchesAndNesting) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::if_("true", dir::Json::array()),
                                               dir::if_("true", {dir::if_("false", {dir::emit("1")},
                                                                          dir::Json::array({dir::emit("2")}))}),
                                               dir::ret("0")}));
  EXPECT_EQ(payloads(run), Payloads{"2"});
  EXPECT_EQ(run.tick, 4u);  // three checks + one Effect
}

TEST(If, ReturnInsideABranchEndsTheProc) {
  dust_test::ApiRun run =
      run_api(dir::k_main({dir::if_("true", {dir::emit("\"in\""), dir::ret("1")}), dir::emit("\"after\""), dir::ret("2")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":1},"effects":{"events":[{"kind":"emit","payload":"in"}]},"time":{"tick":2}})"));
}

TEST(If, ConditionErrorsFailWithoutTicking) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("a", "1"), dir::if_("nope", {dir::emit("1")})}));
  EXPECT_EQ(run.trace, bare_error("Runtime", "unknown identifier: nope"));
  EXPECT_EQ(run.tick, 1u);
}

// ---- While ----

TEST(While, EveryConditionCheckTicksIncludingTheLastFalseOne) {
  // Let 1 + 4 checks + 3 Assigns = 8.
  dust_test::ApiRun run = run_api(
      dir::k_main({dir::let("i", "0"), dir::while_("i Lt 3", {dir::assign("i", "i Add 1")}), dir::ret("i")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":3},"effects":{"events":[]},"time":{"tick":8}})"));
}

TEST(While, FalseAtOnceTicksOnce) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::while_("false", {dir::emit("1")})}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":null,"effects":{"events":[]},"time":{"tick":1}})"));
}

TEST(While, BreakLeavesTheLoop) {
  // check 1 + Break 1 = 2.
  dust_test::ApiRun run = run_api(dir::k_main({dir::while_("true", {dir::break_(), dir::emit("\"never\"")}), dir::ret("0")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":0},"effects":{"events":[]},"time":{"tick":2}})"));
}

TEST(While, ContinueGoesBackToTheCondition) {
  dust_test::ApiRun run = run_api(dir::k_main(
      {dir::let("i", "0"),
       dir::while_("i Lt 3", {dir::assign("i", "i Add 1"), dir::if_("i Eq 2", {dir::continue_()}), dir::emit("i")}),
       dir::ret("i")}));
  EXPECT_EQ(payloads(run), (Payloads{"1", "3"}));
  // Let 1 + checks 4 + Assigns 3 + Ifs 3 + Continue 1 + Effects 2 = 14.
  EXPECT_EQ(run.tick, 14u);
  EXPECT_EQ(run.trace["returned"], int_value(3));
}

TEST(While, NonBoolConditionFails) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::while_("1", {dir::emit("1")})}));
  ASSERT_EQ(run.outcome.status, dust::MachineStatus::Failed);
  EXPECT_EQ(run.outcome.error.kind, dust::ErrorKind::Runtime);
  EXPECT_TRUE(run.effects.empty());
}

// ---- For ----

TEST(For, BoundsTickOnceAndEveryIterationCheckTicks) {
  // bounds 1 + checks 4 (0, 1, 2, and the failing 3) + 3 Effects = 8.
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_("i", "0", "3", {dir::emit("i")})}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":null,"effects":{"events":[)"
                                   R"({"kind":"emit","payload":"0"},{"kind":"emit","payload":"1"},)"
                                   R"({"kind":"emit","payload":"2"}]},"time":{"tick":8}})"));
}

TEST(For, EndIsExclusiveAndBoundsAreSigned) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("s", "0"), dir::for_("i", "-3", "0 Sub 1", {dir::assign("s", "s Add i")}),
                                               dir::ret("s")}));
  EXPECT_EQ(run.trace["returned"], int_value(-5));  // -3 + -2
}

TEST(For, EmptyRangeRunsNothing) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_("i", "5", "5", {dir::emit("i")}),
                                               dir::for_("j", "3", "-3", {dir::emit("j")}), dir::ret("0")}));
  EXPECT_TRUE(run.effects.empty());
  EXPECT_EQ(run.tick, 4u);  // (bounds + one failing check) twice
}

TEST(For, VariableStaysBoundAfterTheLoop) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_("i", "0", "3", dir::Json::array()), dir::ret("i")}));
  EXPECT_EQ(run.trace["returned"], int_value(3));
  dust_test::ApiRun empty = run_api(dir::k_main({dir::for_("i", "7", "2", dir::Json::array()), dir::ret("i")}));
  EXPECT_EQ(empty.trace["returned"], int_value(7));
}

TEST(For, BoundsAreEvaluatedOnce) {
  dust_test::ApiRun run = run_api(dir::k_main(
      {dir::let("n", "3"), dir::for_("i", "0", "n", {dir::assign("n", "n Add 1"), dir::emit("n")}), dir::ret("n")}));
  EXPECT_EQ(payloads(run), (Payloads{"4", "5", "6"}));
  EXPECT_EQ(run.trace["returned"], int_value(6));
}

TEST(For, BoundsEvaluateStartBeforeEnd) {
  EXPECT_EQ(run_api(dir::k_main({dir::for_("i", "a", "b", {dir::emit("i")})})).trace,
            bare_error("Runtime", "unknown identifier: a"));
  EXPECT_EQ(run_api(dir::k_main({dir::for_("i", "0", "1 Div 0", {dir::emit("i")})})).trace,
            bare_error("Runtime", "division by zero"));
}

TEST(For, BreakAndContinue) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_(
      "i", "0", "10", {dir::if_("i Eq 1", {dir::continue_()}), dir::if_("i Eq 4", {dir::break_()}), dir::emit("i")})}));
  EXPECT_EQ(payloads(run), (Payloads{"0", "2", "3"}));
  // bounds 1 + checks for i=0..4 (5) + first If 5 + Continue 1 + second If 4 + Break 1 + Effects 3 = 20.
  EXPECT_EQ(run.tick, 20u);
}

TEST(For, ContinueInForAdvancesTheCounter) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_("i", "0", "4", {dir::if_("i Eq 1", {dir::continue_()}), dir::emit("i")})}));
  EXPECT_EQ(payloads(run), (Payloads{"0", "2", "3"}));
  // bounds 1 + checks 5 + Ifs 4 + Continue 1 + Effects 3 = 14.
  EXPECT_EQ(run.tick, 14u);
}

// ---- nested loops ----

TEST(NestedLoops, TicksAddUp) {
  // outer bounds 1 + outer checks 3 + 2 * (inner bounds 1 + inner checks 3 + 2 Lets) = 16.
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_("i", "0", "2", {dir::for_("j", "0", "2", {dir::let("x", "1")})})}));
  EXPECT_EQ(run.tick, 16u);
  EXPECT_EQ(dust_test::failure_of(run), "ok");
}

TEST(NestedLoops, BreakLeavesOnlyTheInnermostLoop) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_(
      "i", "0", "3", {dir::for_("j", "0", "3", {dir::if_("j Eq 2", {dir::break_()}), dir::emit("i Mul 10 Add j")})})}));
  EXPECT_EQ(payloads(run), (Payloads{"0", "1", "10", "11", "20", "21"}));
}

TEST(NestedLoops, ContinueInAWhileInsideAFor) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::for_(
      "i", "0", "2",
      {dir::let("k", "0"),
       dir::while_("k Lt 3", {dir::assign("k", "k Add 1"), dir::if_("k Eq 2", {dir::continue_()}), dir::emit("i Mul 10 Add k")})})}));
  EXPECT_EQ(payloads(run), (Payloads{"1", "3", "11", "13"}));
}

// ---- Break and Continue outside a loop ----

TEST(BreakContinue, OutsideALoopIsARuntimeError) {
  EXPECT_EQ(run_api(dir::k_main({dir::emit("1"), dir::break_()})).trace, bare_error("Runtime", "break outside loop"));
  EXPECT_EQ(run_api(dir::k_main({dir::continue_()})).trace, bare_error("Runtime", "continue outside loop"));
  EXPECT_EQ(run_api(dir::k_main({dir::if_("true", {dir::break_()})})).trace, bare_error("Runtime", "break outside loop"));
}

TEST(BreakContinue, LoopsDoNotReachIntoCallees) {
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::while_("true", {dir::call("stop", {})})}),
                                      dir::proc("K", "stop", {dir::break_()})});
  EXPECT_EQ(run_api(prog).trace, bare_error("Runtime", "break outside loop"));
}

TEST(BreakContinue, FailingBreakDoesNotTick) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("a", "1"), dir::break_()}));
  EXPECT_EQ(run.tick, 1u);
}

// ---- Assign and Return null ----

TEST(Assign, NeedsABoundTargetAndTicksOnce) {
  EXPECT_EQ(run_api(dir::k_main({dir::assign("x", "1")})).trace, bare_error("Runtime", "unknown identifier: x"));
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("x", "1"), dir::assign("x", "x Add 41"), dir::ret("x")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":42},"effects":{"events":[]},"time":{"tick":2}})"));
}

TEST(Assign, MayChangeTheType) {
  EXPECT_EQ(run_api(dir::k_main({dir::let("x", "1"), dir::assign("x", "\"s\""), dir::ret("x")})).trace["returned"],
            json({{"String", "s"}}));
}

TEST(Assign, TargetCheckComesBeforeTheExpression) {
  EXPECT_EQ(run_api(dir::k_main({dir::assign("x", "1 Div 0")})).trace, bare_error("Runtime", "unknown identifier: x"));
}

TEST(ReturnNull, ReturnsNullWithoutTicking) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::emit("1"), dir::ret_null(), dir::emit("2")}));
  EXPECT_EQ(run.trace, json::parse(R"({"returned":null,"effects":{"events":[{"kind":"emit","payload":"1"}]},"time":{"tick":1}})"));
}

// ---- calls ----

dir::Json add_proc() { return dir::proc("K", "add", {dir::ret("a Add b")}, {{"a"}, {"b"}}); }

TEST(Call, StatementWithParamsAndResultTicksOnceWhenTheCalleeReturns) {
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::call("add", {"1", "2"}, "r"), dir::ret("r")}), add_proc()});
  dust_test::ApiRun run = run_api(prog);
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":3},"effects":{"events":[]},"time":{"tick":1}})"));
}

TEST(Call, CalleeStatementsTickAsTheyRun) {
  dir::Json callee = dir::proc("K", "work", {dir::let("t", "a Mul 2"), dir::emit("t"), dir::ret("t")}, {{"a"}});
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::call("work", {"21"}, "r"), dir::ret("r")}), callee});
  dust_test::ApiRun run = run_api(prog);
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":42},"effects":{"events":[{"kind":"emit","payload":"42"}]},"time":{"tick":3}})"));
}

TEST(Call, WithoutResultAndFallingOffTheCallee) {
  dir::Json callee = dir::proc("K", "say", {dir::emit("m")}, {{"m", "String"}});
  dir::Json prog = dir::single_forge(
      {dir::proc("K", "main", {dir::call("say", {"\"a\""}), dir::call("say", {"\"b\""}), dir::ret("0")}), callee});
  dust_test::ApiRun run = run_api(prog);
  EXPECT_EQ(payloads(run), (Payloads{"a", "b"}));
  EXPECT_EQ(run.tick, 4u);
}

TEST(Call, CallsInsideExpressions) {
  // Only the Let ticks: calls inside an expression are part of it.
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::let("x", "add(1, 2) Mul add(3, add(1, 3))"), dir::ret("x")}),
                                      add_proc()});
  dust_test::ApiRun run = run_api(prog);
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":21},"effects":{"events":[]},"time":{"tick":1}})"));
  dust_test::ApiRun in_return = run_api(dir::single_forge({dir::proc("K", "main", {dir::ret("add(add(1, 1), 40)")}), add_proc()}));
  EXPECT_EQ(in_return.trace, json::parse(R"({"returned":{"Int":42},"effects":{"events":[]},"time":{"tick":0}})"));
}

TEST(Call, ArgumentsAreEvaluatedLeftToRight) {
  dir::Json echo = dir::proc("K", "echo", {dir::emit("v"), dir::ret("v")}, {{"v"}});
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::ret("add(echo(1), echo(2)) Add echo(3)")}), add_proc(), echo});
  dust_test::ApiRun run = run_api(prog);
  EXPECT_EQ(payloads(run), (Payloads{"1", "2", "3"}));
  EXPECT_EQ(run.trace["returned"], int_value(6));

  dir::Json with_errors = dir::single_forge({dir::proc("K", "main", {dir::call("add", {"1 Div 0", "nope"}, "r")}), add_proc()});
  EXPECT_EQ(run_api(with_errors).trace, bare_error("Runtime", "division by zero"));
  dir::Json swapped = dir::single_forge({dir::proc("K", "main", {dir::call("add", {"nope", "1 Div 0"}, "r")}), add_proc()});
  EXPECT_EQ(run_api(swapped).trace, bare_error("Runtime", "unknown identifier: nope"));
}

TEST(Call, EachCallHasItsOwnFlatEnvironment) {
  dir::Json peek = dir::proc("K", "peek", {dir::ret("secret")});
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::let("secret", "1"), dir::let("x", "peek()")}), peek});
  EXPECT_EQ(run_api(prog).trace, bare_error("Runtime", "unknown identifier: secret"));

  dir::Json shadow = dir::proc("K", "shadow", {dir::let("x", "99"), dir::ret("x")}, {{"a"}});
  dir::Json prog2 =
      dir::single_forge({dir::proc("K", "main", {dir::let("x", "1"), dir::let("y", "shadow(x)"), dir::ret("x Add y")}), shadow});
  EXPECT_EQ(run_api(prog2).trace["returned"], int_value(100));
}

TEST(Call, RecursionWithTicks) {
  dir::Json fact = dir::proc("K", "fact",
                             {dir::if_("n Le 1", {dir::ret("1")}, dir::Json::array({dir::ret("n Mul fact(n Sub 1)")}))},
                             {{"n"}});
  dust_test::ApiRun run = run_api(dir::single_forge({dir::proc("K", "main", {dir::let("r", "fact(5)"), dir::ret("r")}), fact}));
  // Five If checks (n = 5..1) + the Let = 6.
  EXPECT_EQ(run.trace, json::parse(R"({"returned":{"Int":120},"effects":{"events":[]},"time":{"tick":6}})"));
  dust_test::ApiRun big = run_api(dir::single_forge({dir::proc("K", "main", {dir::ret("fact(20)")}), fact}));
  EXPECT_EQ(big.trace["returned"], int_value(2432902008176640000));
}

TEST(Call, MutualRecursion) {
  dir::Json even = dir::proc("K", "is_even", {dir::if_("n Eq 0", {dir::ret("true")}), dir::ret("is_odd(n Sub 1)")}, {{"n"}});
  dir::Json odd = dir::proc("K", "is_odd", {dir::if_("n Eq 0", {dir::ret("false")}), dir::ret("is_even(n Sub 1)")}, {{"n"}});
  dust_test::ApiRun run = run_api(dir::single_forge({dir::proc("K", "main", {dir::ret("is_even(10) And is_odd(7)")}), even, odd}));
  EXPECT_EQ(run.trace["returned"], json({{"Bool", true}}));
}

TEST(Call, DepthLimitIsARuntimeErrorNotACrash) {
  dir::Json down = dir::proc("K", "down", {dir::ret("down(n Add 1)")}, {{"n"}});
  dust_test::ApiRun run = run_api(dir::single_forge({dir::proc("K", "main", {dir::emit("\"start\""), dir::let("x", "down(0)")}), down}));
  EXPECT_EQ(run.trace, bare_error("Runtime", "call depth limit exceeded"));

  dir::Json loop = dir::proc("K", "loop", {dir::call("loop", {})});
  EXPECT_EQ(run_api(dir::single_forge({dir::proc("K", "main", {dir::call("loop", {})}), loop})).trace,
            bare_error("Runtime", "call depth limit exceeded"));
}

TEST(Call, DepthLimitThroughTheCli) {
  dir::Json down = dir::proc("K", "down", {dir::ret("down(n Add 1)")}, {{"n"}});
  dust_test::ProcessResult r =
      dust_test::run_dustrun_on(dir::single_forge({dir::proc("K", "main", {dir::ret("down(0)")}), down}));
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(r.err, "dustrun: runtime error: call depth limit exceeded\n");
}

TEST(Call, UnknownCallee) {
  EXPECT_EQ(run_api(dir::k_main({dir::call("f", {})})).trace, bare_error("Runtime", "unknown callee: f"));
  EXPECT_EQ(run_api(dir::k_main({dir::ret("g(1)")})).trace, bare_error("Runtime", "unknown callee: g"));
  EXPECT_EQ(run_api(dir::k_main({dir::ret("nowhere::h()")})).trace, bare_error("Runtime", "unknown callee: nowhere::h"));
}

TEST(Call, ArgumentsAreEvaluatedBeforeTheCalleeIsLookedUp) {
  EXPECT_EQ(run_api(dir::k_main({dir::ret("f(nope)")})).trace, bare_error("Runtime", "unknown identifier: nope"));
}

TEST(Call, ArityMismatch) {
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::ret("add(1)")}), add_proc()});
  EXPECT_EQ(run_api(prog).trace, bare_error("Runtime", "add expects 2 arguments, got 1"));
}

// ---- resolution: same forge, forge::name, unique name ----

dir::Json helper(const std::string& value) { return dir::proc("K", "helper", {dir::ret(value)}); }

TEST(CallResolution, SameForgeFirst) {
  dir::Json prog = dir::program(dir::Json::array(
      {dir::forge("b", {helper("\"b\"")}), dir::forge("a", {dir::proc("K", "main", {dir::ret("helper()")}), helper("\"a\"")})}));
  EXPECT_EQ(run_api(prog).trace["returned"], json({{"String", "a"}}));
}

TEST(CallResolution, QualifiedForgeName) {
  dir::Json prog = dir::program(dir::Json::array(
      {dir::forge("a", {dir::proc("K", "main", {dir::call("b::helper", {}, "x"), dir::ret("x Add b::helper()")}), helper("1")}),
       dir::forge("b", {helper("20")})}));
  EXPECT_EQ(run_api(prog).trace["returned"], int_value(40));
}

TEST(CallResolution, UniqueProcInAnotherForge) {
  dir::Json prog = dir::program(dir::Json::array({dir::forge("a", {dir::proc("K", "main", {dir::ret("only_b(2)")})}),
                                                  dir::forge("b", {dir::proc("K", "only_b", {dir::ret("x Mul 3")}, {{"x"}})})}));
  EXPECT_EQ(run_api(prog).trace["returned"], int_value(6));
}

TEST(CallResolution, AmbiguousNameElsewhereIsUnknown) {
  dir::Json prog = dir::program(dir::Json::array({dir::forge("a", {dir::proc("K", "main", {dir::ret("helper()")})}),
                                                  dir::forge("b", {helper("1")}), dir::forge("c", {helper("2")})}));
  EXPECT_EQ(run_api(prog).trace, bare_error("Runtime", "unknown callee: helper"));
}

}  // namespace

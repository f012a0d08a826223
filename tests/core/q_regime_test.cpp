// q_regime_test.cpp — the Q regime's linear resources (semantics doc §1.3):
// the four Let forms in every order that matters, every message with its
// check order, resource ids, and the Q name table being separate from the
// value environment.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dust/q_table.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

json inadmissible(const std::string& message) { return bare_error("Inadmissible", message); }

json q_trace(dir::Json body) { return run_api(dir::q_main(std::move(body))).trace; }

// The resource id of each Q event, in order.
std::vector<std::string> q_resources(const dust_test::ApiRun& run) {
  std::vector<std::string> ids;
  for (const dust::StepEvent& e : run.events)
    for (const dust::QEvent& q : e.q) ids.push_back(q.resource);
  return ids;
}

// ---- successful lifecycles ----

TEST(QRegime, AllocMoveUseConsumeSucceedAndEachTicks) {
  json trace = q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"), dir::let("u", "q_use(b)"),
                        dir::let("c", "q_consume(b)"), dir::emit("\"done\""), dir::ret("7")});
  json expected = {{"returned", {{"Int", 7}}},
                   {"effects", {{"events", {{{"kind", "emit"}, {"payload", "done"}}}}}},
                   {"time", {{"tick", 5}}}};
  EXPECT_EQ(trace, expected);
}

TEST(QRegime, QFormsBindTheNameToUnit) {
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::ret("a")})["returned"], json("Unit"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("u", "q_use(a)"), dir::emit("u"), dir::ret("u")}),
            json::parse(R"({"returned":"Unit","effects":{"events":[{"kind":"emit","payload":"unit"}]},"time":{"tick":3}})"));
}

TEST(QRegime, ResourceIdsCountFromOneAndFollowMoves) {
  dust_test::ApiRun run = run_api(dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_alloc(QReg)"),
                                               dir::let("c", "q_move(a)"), dir::let("u", "q_use(c)"),
                                               dir::let("d", "q_consume(b)")}));
  EXPECT_EQ(dust_test::failure_of(run), "ok");
  EXPECT_EQ(q_resources(run),
            (std::vector<std::string>{"qres:a:1", "qres:b:2", "qres:a:1", "qres:a:1", "qres:b:2"}));
}

TEST(QRegime, UseDoesNotMoveTheBinding) {
  EXPECT_EQ(dust_test::failure_of(run_api(dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("u1", "q_use(a)"),
                                                       dir::let("u2", "q_use(a)"), dir::let("b", "q_move(a)"),
                                                       dir::let("u3", "q_use(b)")}))),
            "ok");
}

TEST(QRegime, ArgumentIsRawTrimmedTextNotEvaluated) {
  dust_test::ApiRun run = run_api(dir::q_main({dir::let("a", "  q_alloc(  1 Div 0  )  "), dir::let("b", " q_move( a ) "),
                                               dir::let("u", "q_use(\tb\t)"), dir::let("c", "q_consume(b)")}));
  EXPECT_EQ(dust_test::failure_of(run), "ok");
  ASSERT_FALSE(run.events.empty());
  ASSERT_EQ(run.events[0].q.size(), 1u);
  EXPECT_EQ(run.events[0].q[0].source, "1 Div 0");
}

TEST(QRegime, FormsAreRecognisedInOrderAllocFirst) {
  // The whole text starts with `q_alloc(` and ends with `)`: it is an alloc
  // whose type is the raw text `q_move(x)`, not a move.
  dust_test::ApiRun run = run_api(dir::q_main({dir::let("a", "q_alloc(q_move(x))"), dir::let("u", "q_use(a)")}));
  EXPECT_EQ(dust_test::failure_of(run), "ok");
  ASSERT_EQ(run.events[0].q.size(), 1u);
  EXPECT_EQ(run.events[0].q[0].op, dust::QForm::Alloc);
  EXPECT_EQ(run.events[0].q[0].source, "q_move(x)");
}

TEST(QRegime, OtherStatementsBehaveAsInK) {
  json trace = q_trace({dir::let("x", "1 Add 2"), dir::constrain("x Eq 3"), dir::prove("p", "x Gt 0"), dir::emit("x"),
                        dir::ret("x Mul 2")});
  EXPECT_EQ(trace, json::parse(R"({"returned":{"Int":6},"effects":{"events":[{"kind":"emit","payload":"3"}]},"time":{"tick":4}})"));
  EXPECT_EQ(q_trace({dir::constrain("1 Eq 2")}), inadmissible("constraint failed: 1 Eq 2"));
  EXPECT_EQ(q_trace({dir::let("x", "1 Div 0")}), bare_error("Runtime", "division by zero"));
}

// ---- the Q name table is not the value environment ----

TEST(QNames, ClassicalLetDoesNotMakeAQName) {
  EXPECT_EQ(q_trace({dir::let("x", "5"), dir::let("y", "q_use(x)")}), inadmissible("Q use failed: unknown binding: x (op=q_use)"));
  EXPECT_EQ(q_trace({dir::let("x", "5"), dir::let("y", "q_move(x)")}), inadmissible("Q move failed: unknown binding: x"));
  EXPECT_EQ(q_trace({dir::let("x", "5"), dir::let("y", "q_consume(x)")}), inadmissible("Q consume failed: unknown binding: x"));
}

TEST(QNames, ClassicalBindingDoesNotBlockAlloc) {
  EXPECT_EQ(dust_test::failure_of(run_api(dir::q_main({dir::let("a", "1"), dir::let("a", "q_alloc(QBit)"),
                                                       dir::let("u", "q_use(a)")}))),
            "ok");
}

TEST(QNames, ClassicalRebindingLeavesTheQBindingIntact) {
  json trace = q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("a", "7"), dir::let("b", "q_move(a)"), dir::ret("a")});
  EXPECT_EQ(trace["returned"], json({{"Int", 7}}));
  EXPECT_EQ(trace["time"], json({{"tick", 3}}));
}

// ---- every message, in check order ----

TEST(QMessages, AllocNameAlreadyBound) {
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("a", "q_alloc(QBit)")}),
            inadmissible("Q alloc failed: name already bound: a"));
  // A moved binding still holds its name.
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"), dir::let("a", "q_alloc(QBit)")}),
            inadmissible("Q alloc failed: name already bound: a"));
}

TEST(QMessages, MoveDestinationIsCheckedBeforeTheSource) {
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_alloc(QBit)"), dir::let("b", "q_move(a)")}),
            inadmissible("Q move failed: destination already bound: b"));
  EXPECT_EQ(q_trace({dir::let("b", "q_alloc(QBit)"), dir::let("b", "q_move(nope)")}),
            inadmissible("Q move failed: destination already bound: b"));
  // Moving a binding onto itself: the destination exists.
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("a", "q_move(a)")}),
            inadmissible("Q move failed: destination already bound: a"));
}

TEST(QMessages, MoveUnknownAndAlreadyMovedSource) {
  EXPECT_EQ(q_trace({dir::let("b", "q_move(zz)")}), inadmissible("Q move failed: unknown binding: zz"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"), dir::let("c", "q_move(a)")}),
            inadmissible("Q move failed: binding already moved: a"));
}

TEST(QMessages, UseUnknownAndAlreadyMoved) {
  EXPECT_EQ(q_trace({dir::let("u", "q_use(zz)")}), inadmissible("Q use failed: unknown binding: zz (op=q_use)"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"), dir::let("x", "q_use(a)")}),
            inadmissible("Q use failed: binding already moved: a (op=q_use)"));
}

TEST(QMessages, ConsumeUnknownAndTwice) {
  EXPECT_EQ(q_trace({dir::let("c", "q_consume(zz)")}), inadmissible("Q consume failed: unknown binding: zz"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("c", "q_consume(a)"), dir::let("d", "q_consume(a)")}),
            inadmissible("Q consume failed: binding already moved: a"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"), dir::let("d", "q_consume(a)")}),
            inadmissible("Q consume failed: binding already moved: a"));
}

TEST(QMessages, ConsumeMarksTheBindingMoved) {
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("c", "q_consume(a)"), dir::let("u", "q_use(a)")}),
            inadmissible("Q use failed: binding already moved: a (op=q_use)"));
  EXPECT_EQ(q_trace({dir::let("a", "q_alloc(QBit)"), dir::let("c", "q_consume(a)"), dir::let("b", "q_move(a)")}),
            inadmissible("Q move failed: binding already moved: a"));
}

TEST(QMessages, ConsumedResourceMessageNamesResourceBindingAndOp) {
  // Through the Let forms every binding of a consumed resource is already
  // moved, so the table is driven directly to reach the consumed check.
  for (const char* op : {"q_use", "q_move", "q_consume"}) {
    dust::QTable table;
    ASSERT_FALSE(table.alloc("a", "QBit").has_value());
    ASSERT_EQ(table.resources.size(), 1u);
    table.resources[0].state = dust::QResourceState::Consumed;
    std::optional<dust::DvmError> error = std::string(op) == "q_use"    ? table.use("a")
                                          : std::string(op) == "q_move" ? table.move("a", "b")
                                                                        : table.consume("a");
    ASSERT_TRUE(error.has_value()) << op;
    EXPECT_EQ(error->kind, dust::ErrorKind::Inadmissible);
    EXPECT_EQ(error->message, std::string("Q use failed: resource already consumed: qres:a:1 (binding=a op=") + op + ")");
  }
}

TEST(QMessages, TableApiMatchesTheProgramPath) {
  dust::QTable table;
  EXPECT_FALSE(table.alloc("a", "QBit").has_value());
  EXPECT_EQ(table.alloc("a", "QBit")->message, "Q alloc failed: name already bound: a");
  EXPECT_FALSE(table.move("a", "b").has_value());
  EXPECT_EQ(table.use("a")->message, "Q use failed: binding already moved: a (op=q_use)");
  EXPECT_FALSE(table.use("b").has_value());
  EXPECT_FALSE(table.consume("b").has_value());
  EXPECT_EQ(table.resources[0].id, "qres:a:1");
  EXPECT_EQ(table.resources[0].state, dust::QResourceState::Consumed);
  EXPECT_FALSE(table.alloc("c", "QBit").has_value());
  EXPECT_EQ(table.resources[1].id, "qres:c:2");
}

TEST(QMessages, QFailuresCarryNoEffectsOrTime) {
  EXPECT_EQ(q_trace({dir::emit("\"before\""), dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_move(a)"),
                     dir::emit("\"between\""), dir::let("x", "q_use(a)"), dir::emit("\"after\"")}),
            inadmissible("Q use failed: binding already moved: a (op=q_use)"));
}

TEST(QMessages, FailingQStatementDoesNotTickOrBind) {
  dust_test::ApiRun run = run_api(dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("a", "q_alloc(QBit)")}));
  EXPECT_EQ(run.tick, 1u);
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_TRUE(run.events[1].writes.empty());
  EXPECT_TRUE(run.events[1].q.empty());
}

// An allocated resource never consumed is an implicit discard: v0.1
// accepts it, so the result stands, and dustrun warns after the run.
TEST(QMessages, AResourceNeverConsumedIsWarnedAboutAfterTheRun) {
  dust_test::ProcessResult r = dust_test::run_dustrun_on(
      dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_alloc(QBit)"), dir::let("c", "q_move(b)"),
                   dir::let("d", "q_consume(c)"), dir::ret("1")}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("return: 1"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "dustrun: warning: Q resource qres:a:1 never consumed\n");
  dust_test::ProcessResult consumed =
      dust_test::run_dustrun_on(dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("d", "q_consume(a)")}));
  EXPECT_EQ(consumed.err, "");
}

}  // namespace

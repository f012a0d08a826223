// simple_steps_test.cpp — the simple-step lane (Machine::run_simple) runs
// steps exactly as step() does: same writes, ticks, statements, cursors and
// outcome, and it hands every step that is not simple back to step(). The
// programs put every kind of block end, loop exit and frame end right
// after a simple step, and every way an expression can leave the lane.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"
#include "lane_comparison.hpp"
#include "test_data.hpp"

namespace {

namespace dir = dust_test::dir;
namespace fs = std::filesystem;

std::uint64_t compare(const dir::Json& program, const std::string& what) {
  return dust_test::compare_lane(program.dump(), dust_test::no_intrinsics(), what);
}

TEST(SimpleSteps, LoopsAndBranchesEndingEveryWay) {
  // Empty bodies, loops that never run, an If as the last statement of a
  // loop body, of a branch and of the proc, a While that ends the proc.
  dir::Json body = dir::Json::array(
      {dir::let("i", "0"), dir::let("s", "0"),
       dir::while_("i Lt 20", {dir::assign("s", "s Add i Mul 3"), dir::assign("i", "i Add 1"),
                               dir::if_("i Ge 10", {dir::assign("s", "s Sub 1")}, dir::Json::array())}),
       dir::for_("k", "0", "4", dir::Json::array()), dir::for_("k", "5", "2", {dir::assign("s", "s Add 100")}),
       dir::while_("false", {dir::assign("s", "0")}),
       dir::for_("j", "0", "6",
                 {dir::if_("j Eq 2", {dir::continue_()}), dir::if_("j Eq 5", {dir::break_()}),
                  dir::if_("j Lt 3", {dir::let("t", "j Mul j")}, dir::Json::array({dir::let("t", "0 Sub j")}))}),
       dir::let("flag", "s Gt 10 And Not(s Eq 0)"), dir::let("bits", "s Shl 2 BitXor 7 Shr 1 BitOr 1 BitAnd 255"),
       dir::let("neg", "Neg(s) Div 3"), dir::let("ne", "flag Ne false"),
       dir::while_("i Gt 15", {dir::assign("i", "i Sub 1"), dir::if_("i Eq 16", {dir::let("z", "1")})})});
  EXPECT_GT(compare(dir::k_main(body), "loops"), 100u) << "most steps take the lane";
}

TEST(SimpleSteps, FrameEndsRightAfterASimpleStep) {
  // The first step starts the machine and the last ends the frame: neither is simple.
  EXPECT_EQ(compare(dir::k_main({dir::let("a", "1"), dir::let("b", "a Add 1"), dir::let("c", "b Add 1")}), "let last"),
            1u);
  compare(dir::k_main({dir::let("a", "1"), dir::if_("a Eq 1", {dir::let("b", "2")})}), "if last");
  compare(dir::k_main({dir::let("a", "1"), dir::if_("a Eq 2", {dir::let("b", "2")})}), "if not taken last");
  compare(dir::k_main({dir::let("a", "0"), dir::while_("a Lt 3", {dir::assign("a", "a Add 1")})}), "while last");
  compare(dir::k_main({dir::for_("i", "0", "3", {dir::let("x", "i")})}), "for last");
  compare(dir::k_main({dir::for_("i", "0", "3", dir::Json::array())}), "empty for last");
  compare(dir::k_main({dir::let("a", "1"), dir::constrain("a Eq 1")}), "constrain last");
  compare(dir::k_main({dir::for_("i", "0", "5", {dir::if_("i Eq 2", {dir::break_()})})}), "break out of the last loop");
  compare(dir::k_main({dir::let("i", "0"), dir::while_("true", {dir::assign("i", "i Add 1"),
                                                                dir::if_("i Lt 3", {dir::continue_()}),
                                                                dir::if_("i Eq 4", {dir::break_()})}),
                       dir::let("after", "i")}),
          "continue and break in a While");
}

TEST(SimpleSteps, EveryWayOutOfTheLaneGoesThroughStep) {
  compare(dir::k_main({dir::let("x", "1"), dir::for_("i", "0", "80", {dir::assign("x", "x Mul 3")})}), "overflow");
  compare(dir::k_main({dir::let("x", "5"), dir::let("z", "0"), dir::let("y", "x Div z")}), "division by zero");
  compare(dir::k_main({dir::let("x", "1"), dir::assign("y", "2")}), "assign unbound");
  compare(dir::k_main({dir::let("x", "1"), dir::let("y", "x Add nope")}), "unknown name");
  compare(dir::k_main({dir::let("x", "1"), dir::while_("x", {dir::assign("x", "0")})}), "condition not bool");
  compare(dir::k_main({dir::let("x", "1"), dir::constrain("x Eq 2")}), "constraint fails");
  compare(dir::k_main({dir::let("s", "\"text\""), dir::let("n", "3"), dir::assign("s", "n"), dir::let("t", "s Add 1"),
                       dir::let("b", "true Add 1"), dir::ret("t")}),
          "strings and type errors");
  compare(dir::k_main({dir::let("m", "0 Sub 9223372036854775807 Sub 1"), dir::let("n", "Neg(m)")}), "Neg overflow");
  compare(dir::k_main({dir::let("a", "1 Shl 64")}), "shift range");
  compare(dir::k_main({dir::let("a", "P{x: 1}"), dir::let("b", "a.x Add 1"), dir::let("c", "[1, 2][1]"),
                       dir::emit("b"), dir::ret("c")}),
          "structs, arrays and effects");
  compare(dir::k_main({dir::let("a", "1"), dir::let("b", "(a Add 2"), dir::let("c", "3")}), "parse error");
}

// Straight-line bindings with longer expressions run in one call of the
// evaluator (Lane::bindings). Such a run must stop, with nothing changed,
// at every statement it cannot take, wherever that statement falls: an
// Assign to an unbound name, a Bool result while batches are taken, an
// overflow, an unknown name, a Q form, a Φ witness, a call, a non-binding
// statement, and its block's last statement; and it must release a heap
// value it overwrites.
TEST(SimpleSteps, StraightLineRunsStopWhereTheyMust) {
  const std::vector<std::pair<std::string, dir::Json>> stops = {
      {"assign unbound", dir::assign("nope", "(a Add 1) Mul (a Add 1)")},
      {"bool", dir::let("flag", "(a Add 1) Eq (a Add 2)")},
      {"overflow", dir::let("big", "(a Add 9223372036854775800) Mul (a Add 9223372036854775800)")},
      {"unknown name", dir::let("u", "(nope Add 1) Mul 3 Add 1")},
      {"call", dir::let("c", "(a Add 1) Mul id(a)")},
      {"emit", dir::emit("a")},
      {"if", dir::if_("(a Add 1) Gt (a Sub 1)", {dir::let("inner", "(a Add 1) Mul 3 Add 1")})},
      {"string over int", dir::let("a", "\"text\"")},
  };
  dir::Json id = dir::proc("K", "id", {dir::ret("x")}, {{"x"}});
  for (const auto& [what, stop] : stops) {
    for (int before = 0; before <= 4; ++before) {
      dir::Json body = dir::Json::array({dir::let("a", "7"), dir::let("s", "\"heap\"")});
      for (int k = 0; k < before; ++k) body.push_back(dir::let("a", "(a Add " + std::to_string(k) + ") Mul 3 Sub a"));
      body.push_back(stop);
      body.push_back(dir::let("s", "(a Add 1) Mul (a Add 1)"));
      for (int k = 0; k < 3; ++k) body.push_back(dir::let("b" + std::to_string(k), "(a Add 1) Mul 2 Add " + std::to_string(k)));
      body.push_back(dir::ret("s"));
      dir::Json main = dir::proc("K", "main", body);
      compare(dir::single_forge({main, id}), what + " after " + std::to_string(before));
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Runs inside loop bodies, up to each body's last statement.
  dir::Json loop_body = dir::Json::array();
  for (int k = 0; k < 6; ++k) loop_body.push_back(dir::let("t" + std::to_string(k), "(i Add " + std::to_string(k) + ") Mul (i Sub 1)"));
  EXPECT_GT(compare(dir::k_main({dir::for_("i", "0", "50", loop_body), dir::let("x", "1"), dir::ret("x")}), "for body"),
            250u);
  compare(dir::q_main({dir::let("n", "1"), dir::let("m", "(n Add 1) Mul 2"), dir::let("q", "q_alloc(QBit)"),
                       dir::let("p", "(n Add 1) Mul 3"), dir::let("r", "(n Add 2) Mul 3"), dir::ret("r")}),
          "Q form in a run");
  compare(dir::phi_main({dir::let("a", "(1 Add 1) Mul 2"), dir::let("w", "phi_witness(a Add 1)"),
                         dir::let("b", "(a Add 1) Mul 2"), dir::let("c", "(a Add 2) Mul 2"), dir::ret("c")}),
          "Φ witness in a run");
}

TEST(SimpleSteps, CallsRegimesAndRecursion) {
  dir::Json fact = dir::proc("K", "fact",
                             {dir::if_("n Le 1", {dir::ret("1")}, dir::Json::array({dir::ret("n Mul fact(n Sub 1)")}))},
                             {{"n"}});
  dir::Json add = dir::proc("K", "add", {dir::let("s", "a Add b"), dir::let("t", "s Mul 2"), dir::ret("t")},
                            {{"a"}, {"b"}});
  dir::Json main = dir::proc("K", "main",
                             {dir::let("total", "0"),
                              dir::for_("i", "0", "5", {dir::assign("total", "total Add add(i, 10)")}),
                              dir::call("add", {"fact(5)", "total"}, "r"), dir::let("u", "r Add 1"), dir::ret("u")});
  compare(dir::single_forge({main, fact, add}), "calls");
  compare(dir::phi_main({dir::constrain("true"), dir::let("a", "1"), dir::prove("p", "true"), dir::let("b", "a Add 1"),
                         dir::constrain("b Eq 5"), dir::ret("b")}),
          "Φ");
  compare(dir::q_main({dir::let("n", "1"), dir::let("a", "q_alloc(QBit)"), dir::let("m", "n Add 1"),
                       dir::let("c", "q_move(a)")}),
          "Q");
}

// Every operator over values at the edges (signs, 32-bit boundaries, the
// i64 limits), with its right operand in a slot, an immediate and a
// constant, and with a bool where an int belongs: the lane computes what
// step() computes, or leaves the step to it.
TEST(SimpleSteps, EveryOperatorAtTheEdges) {
  const std::vector<std::string> values = {"0", "1", "0 Sub 1", "7", "0 Sub 7", "2147483647", "4294967295",
                                           "4294967296", "0 Sub 4294967296", "8589934597", "9223372036854775807",
                                           "0 Sub 9223372036854775807 Sub 1", "63", "64", "true", "false"};
  const std::vector<std::string> literals = {"3", "1000003", "4294967296", "0"};
  const std::vector<std::string> ops = {"Add", "Sub", "Mul", "Div", "BitAnd", "BitOr", "BitXor", "Shl",
                                        "Shr", "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "And", "Or"};
  std::uint64_t lane_steps = 0;
  for (const std::string& op : ops) {
    for (const std::string& x : values) {
      for (const std::string& y : values) {
        dir::Json body = dir::Json::array({dir::let("a", x), dir::let("b", y), dir::let("r", "a " + op + " b")});
        for (const std::string& k : literals) body.push_back(dir::let("r", "a " + op + " " + k));
        body.push_back(dir::let("n", "Not(a Eq b)"));
        body.push_back(dir::let("m", "Neg(b)"));
        body.push_back(dir::let("w", "(a " + op + " b) Eq (a " + op + " b)"));
        body.push_back(dir::ret("r"));
        lane_steps += compare(dir::k_main(body), x + " " + op + " " + y);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
  EXPECT_GT(lane_steps, 1000u);
}

// The folded remainder (RemImm, RemConst) and repeated operands (Dup) at
// the same edges, with every kind of modulus, including those where the
// remainder fails: the lane computes what step() computes, or leaves the
// step to it.
TEST(SimpleSteps, RemainderAndRepeatsAtTheEdges) {
  const std::vector<std::string> values = {"0", "1", "0 Sub 1", "15", "0 Sub 15", "4294967295", "4294967296",
                                           "9223372036854775807", "0 Sub 9223372036854775807 Sub 1", "true"};
  const std::vector<std::string> moduli = {"7", "-7", "1", "-1", "0", "1000003", "4294967296", "1000000007",
                                           "-9223372036854775808", "true", "\"m\""};
  std::uint64_t lane_steps = 0;
  for (const std::string& x : values) {
    for (const std::string& m : moduli) {
      dir::Json body = dir::Json::array({dir::let("a", x), dir::let("b", "1")});
      body.push_back(dir::let("r", "a Sub a Div " + m + " Mul " + m));
      body.push_back(dir::let("r", "(a Add b) Sub (a Add b) Div " + m + " Mul " + m));
      // The Rem operator, with its divisor as each fused form and on the stack.
      body.push_back(dir::let("c", m));
      body.push_back(dir::let("r", "a Rem " + m));
      body.push_back(dir::let("r", "a Rem c"));
      body.push_back(dir::let("r", "(a Add b) Rem (c Add 0)"));
      body.push_back(dir::let("r", "(a Sub b) Mul (a Sub b)"));
      body.push_back(dir::let("w", "(a Eq b) Or (a Eq b)"));
      body.push_back(dir::ret("r"));
      lane_steps += compare(dir::k_main(body), x + " rem " + m);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(lane_steps, 250u);
}

// Every conformance fixture and corpus program, run without library intrinsics.
TEST(SimpleSteps, FixturesAndCorpus) {
  int compared = 0;
  for (const char* folder : {"conformance/dustrun/fixtures", "corpus"}) {
    auto is_json = [](const fs::path& p) { return p.extension() == ".json"; };
    std::vector<fs::path> files = dust_test::data_files(folder, true, is_json);
    EXPECT_FALSE(files.empty()) << dust_test::missing_data_message(folder);
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      dust_test::compare_lane(text.str(), dust_test::no_intrinsics(), file.string());
      ++compared;
    }
  }
  EXPECT_GT(compared, 10);
}

}  // namespace

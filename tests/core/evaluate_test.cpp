// evaluate_test.cpp — debugger expressions evaluated in a frame of a stopped
// machine (dust/evaluate.hpp): the program's own operators, read-only.
#include <gtest/gtest.h>

#include "dust/dir_loader.hpp"
#include "dust/evaluate.hpp"
#include "dust/machine.hpp"

namespace dust {
namespace {

constexpr const char* kProgram = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"a","expr":"7"}},
   {"Let":{"name":"b","expr":"a Mul 3"}},
   {"Let":{"name":"s","expr":"\"hi\""}},
   {"Let":{"name":"late","expr":"b Add 1"}}]}
]}]})JSON";

// The machine after `steps` steps of kProgram.
Machine run_steps(int steps) {
  LoadResult loaded = load_dir_text(kProgram);
  EXPECT_TRUE(loaded.ok()) << loaded.error.display();
  Machine m(loaded.program, nullptr, RunConfig{});
  StepEvent e;
  for (int i = 0; i < steps; ++i) {
    e.reset();
    m.step(e);
  }
  return m;
}

std::string eval(const Machine& m, const std::string& text) {
  std::string error;
  auto v = evaluate_in_frame(m, 0, 0, text, error);
  return v ? render_human(*v) : "error: " + error;
}

TEST(Evaluate, UsesTheFramesBindingsAndTheProgramsOperators) {
  Machine m = run_steps(3);
  EXPECT_EQ(eval(m, "b"), "21");
  EXPECT_EQ(eval(m, "a Add b Mul 2"), "49");
  EXPECT_EQ(eval(m, "b Gt 20 And a Lt 8"), "true");
  EXPECT_EQ(eval(m, "s"), "\"hi\"");
}

TEST(Evaluate, ErrorsAreTheEvaluatorsOwn) {
  Machine m = run_steps(3);
  EXPECT_EQ(eval(m, "late"), "error: unknown identifier: late") << "not bound yet at this step";
  EXPECT_EQ(eval(m, "nosuch Add 1"), "error: unknown identifier: nosuch");
  EXPECT_EQ(eval(m, "a Div 0"), "error: division by zero");
  EXPECT_NE(eval(m, "a Add").find("error: "), std::string::npos);
  EXPECT_NE(eval(m, "").find("error: "), std::string::npos);
}

TEST(Evaluate, CallsAreRefusedSoTheRunIsNeverChanged) {
  Machine m = run_steps(3);
  EXPECT_EQ(eval(m, "main()"), "error: calls are not allowed in a debugger expression: they could change the run");
}

TEST(Evaluate, MissingThreadOrFrameIsAnErrorNotACrash) {
  Machine m = run_steps(3);
  std::string error;
  EXPECT_FALSE(evaluate_in_frame(m, 5, 0, "a", error));
  EXPECT_EQ(error, "no thread 5");
  EXPECT_FALSE(evaluate_in_frame(m, 0, 3, "a", error));
  EXPECT_EQ(error, "thread 0 has no frame 3");
}

TEST(Evaluate, ACompiledExpressionServesManyFrames) {
  Machine m = run_steps(3);
  FrameExpression e(m.program(), 0, "a Mul b");
  ASSERT_TRUE(e.error().empty()) << e.error();
  std::string error;
  auto v = e.evaluate(m, 0, 0, error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ(render_human(*v), "147");
  Machine earlier = run_steps(1);
  EXPECT_FALSE(e.evaluate(earlier, 0, 0, error));
  EXPECT_EQ(error, "unknown identifier: b");
}

}  // namespace
}  // namespace dust

// compile_paths_test.cpp — the expression compiler's fast path (common
// grammar, character by character) must produce exactly the code of the
// general path, or give way to it. White-box: it compiles each expression
// both ways into separate programs and compares them.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "expr_compiler.hpp"
#include "name_index.hpp"

namespace {

struct Compiled {
  dust::Program program;
  dust::CodeRef ref;
  std::vector<std::string> names;
};

Compiled compile(const std::string& text, bool general) {
  Compiled c;
  dust::CompileShared shared(c.program);
  dust::StringTable names;
  dust::NameIndex slots(names);
  c.ref = general ? dust::compile_expression_general(text, shared, slots)
                  : dust::compile_expression(text, shared, slots);
  for (std::uint32_t i = 0; i < names.size(); ++i) c.names.emplace_back(names.get(i));
  return c;
}

void expect_same_code(const std::string& text) {
  Compiled fast = compile(text, false);
  Compiled general = compile(text, true);
  ASSERT_EQ(fast.ref.length, general.ref.length) << text;
  EXPECT_EQ(fast.ref.max_stack, general.ref.max_stack) << text;
  EXPECT_EQ(fast.ref.pure, general.ref.pure) << text;
  for (std::uint32_t i = 0; i < fast.ref.length; ++i) {
    const dust::Instr a = fast.program.code[fast.ref.offset + i];
    const dust::Instr b = general.program.code[general.ref.offset + i];
    EXPECT_EQ(a.bits, b.bits) << text << " at instruction " << i << ": " << dust::op_name(a.op()) << " vs "
                              << dust::op_name(b.op());
  }
  ASSERT_EQ(fast.program.constants.size(), general.program.constants.size()) << text;
  for (std::size_t i = 0; i < fast.program.constants.size(); ++i) {
    EXPECT_TRUE(fast.program.constants[i] == general.program.constants[i]) << text << " constant " << i;
  }
  EXPECT_EQ(fast.names, general.names) << text;
  std::vector<std::string> fast_texts, general_texts;
  for (std::uint32_t i = 0; i < fast.program.texts.size(); ++i) fast_texts.emplace_back(fast.program.texts.get(i));
  for (std::uint32_t i = 0; i < general.program.texts.size(); ++i) general_texts.emplace_back(general.program.texts.get(i));
  EXPECT_EQ(fast_texts, general_texts) << text;
}

TEST(CompilePaths, HandWrittenExpressions) {
  for (const char* text : {
           "1", "-5", "x", "true", "false", "\"s\"", "\"\"", "a Add b", "a Add b Mul c", "(a Add b) Mul c",
           "a Sub b Sub c", "1 Add 2 Mul 3", "(1 Add 2) Mul 3", "a Gt 2 And b Lt 10", "x Eq 1 Or y Ne 2",
           "a BitAnd 3 BitOr b Shl 2", "9223372036854775807", "-9223372036854775808", "99999999999999999999",
           "1 2", "1 Add", ")", "(1", "a Add (b", "x y", "f(1)", "Not(x)", "Neg(5)", "a.b", "a[0]", "[1, 2]",
           "T{a: 1}", "\"a\\\"b\"", "\"unterminated", "1 Div 0 Add )", "Φx Add 1", "x Add \"\u00e9\"",
           "  a   Add\tb  ", "(((((x)))))", "x Add -1", "x Sub-1", "-", "--1", "1 Add @", "add Add Add",
           "(v41 Mul 31 Add v40) Sub (v41 Mul 31 Add v40) Div 1000003 Mul 1000003",
           // Parentheses and precedence around the operator stack.
           "a Add b)", "(a Add b))", "((a)", "a)", "(a) b", "(a)(b)", "(a).b", "(a)[0]", "(a) Add", "Add", "()",
           "a Add (b Mul c) Sub d", "1 Add 2 Sub 3 Mul 4 Div 5 Lt 6 And 7 Or 8", "(((a Add b) Mul c) Sub d) Div e",
           "a Or b And c Eq d BitOr e Add f Mul g", "a Mul b Add c BitXor d Ne e And f Or g", "(a Or (b And (c)))",
           "a Sub (b Sub (c Sub d)) Sub e", "1Add 2", "x Add 1 (", "x Add ( 1 )  ", "( x )Mul( y )",
       }) {
    expect_same_code(text);
  }
}

TEST(CompilePaths, NestingAtAndBeyondTheLimit) {
  for (int depth : {255, 256, 257, 600}) {
    std::string text = std::string(static_cast<std::size_t>(depth), '(') + "x Add 1" +
                       std::string(static_cast<std::size_t>(depth), ')') + " Mul 2";
    expect_same_code(text);
  }
}

// Random expressions over the fast path's grammar and just beyond it.
TEST(CompilePaths, GeneratedExpressions) {
  std::mt19937 rng(20261121);
  const std::vector<std::string> atoms = {"a", "b", "v10", "0", "7", "-3", "8388607", "8388608", "-8388609",
                                          "true", "false", "\"t\"", "Add", "x_1", "(a)", "f(a)", "a.b"};
  const std::vector<std::string> ops = {"Add", "Sub", "Mul", "Div", "Eq", "Ne", "Lt", "Le", "Gt", "Ge",
                                        "And", "Or", "BitAnd", "BitOr", "BitXor", "Shl", "Shr", "Foo"};
  for (int n = 0; n < 3000; ++n) {
    std::string text;
    int terms = 1 + static_cast<int>(rng() % 6);
    int open = 0;
    for (int t = 0; t < terms; ++t) {
      if (t > 0) text += " " + ops[rng() % ops.size()] + " ";
      while (rng() % 4 == 0) {
        text += "(";
        ++open;
      }
      text += atoms[rng() % atoms.size()];
      while (open > 0 && rng() % 3 == 0) {
        text += ")";
        --open;
      }
    }
    while (open-- > 0 && rng() % 5 != 0) text += ")";
    expect_same_code(text);
  }
}

}  // namespace

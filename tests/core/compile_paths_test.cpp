// compile_paths_test.cpp — the expression compiler's fast path (common
// grammar, character by character) must produce exactly the code of the
// general path, or give way to it; so must the prescanned path (the fast
// path run ahead into a buffer, names interned later). White-box: it
// compiles each expression every way into separate programs and compares them.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "compile/expr_compiler.hpp"
#include "compile/name_index.hpp"

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

// The prescanned path, or nothing when the prescan gives way. An earlier
// expression in the same buffer makes the offsets into it non-zero.
std::optional<Compiled> compile_prescanned(const std::string& text) {
  dust::PrescanBuffer buffer;
  dust::Prescanned earlier, pre;
  EXPECT_TRUE(dust::prescan_expression("e0 Add e1 Mul 2", buffer, earlier));
  std::size_t code_before = buffer.code.size(), names_before = buffer.names.size();
  if (!dust::prescan_expression(text, buffer, pre)) {
    // Giving way leaves the buffer as it was.
    EXPECT_EQ(buffer.code.size(), code_before) << text;
    EXPECT_EQ(buffer.names.size(), names_before) << text;
    EXPECT_FALSE(pre.ok) << text;
    return std::nullopt;
  }
  EXPECT_TRUE(pre.ok) << text;
  Compiled c;
  dust::CompileShared shared(c.program);
  dust::StringTable names;
  dust::NameIndex slots(names);
  c.ref = dust::compile_prescanned(buffer, pre, slots, c.program);
  for (std::uint32_t i = 0; i < names.size(); ++i) c.names.emplace_back(names.get(i));
  return c;
}

void expect_same_code(const std::string& text) {
  if (std::optional<Compiled> pre = compile_prescanned(text)) {
    Compiled fast = compile(text, false);
    ASSERT_EQ(pre->ref.length, fast.ref.length) << text;
    EXPECT_EQ(pre->ref.offset, fast.ref.offset) << text;
    EXPECT_EQ(pre->ref.max_stack, fast.ref.max_stack) << text;
    EXPECT_EQ(pre->ref.pure, fast.ref.pure) << text;
    for (std::uint32_t i = 0; i < fast.ref.length; ++i) {
      EXPECT_EQ(pre->program.code[pre->ref.offset + i].bits, fast.program.code[fast.ref.offset + i].bits)
          << text << " (prescanned) at instruction " << i;
    }
    EXPECT_EQ(pre->program.constants.size(), fast.program.constants.size()) << text;
    EXPECT_EQ(pre->names, fast.names) << text;
  }
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

// What the prescan takes and what it leaves to the builder: anything that
// would add a constant, anything beyond the fast path, and code too long
// for its mask of name operands.
TEST(CompilePaths, PrescanTakesTheCommonGrammarOnly) {
  for (const char* text : {"x", "1", "true", "a Add b Mul 3", "(v1 Sub v0 Add 12345) Sub (v1 Sub v0 Add 12345) Div 1000003",
                           "8388607", "-8388608"}) {
    dust::PrescanBuffer buffer;
    dust::Prescanned pre;
    EXPECT_TRUE(dust::prescan_expression(text, buffer, pre)) << text;
  }
  for (const char* text : {"\"s\"", "8388608", "-8388609", "f(1)", "a.b", "a[0]", "1 Add", "", "x y"}) {
    dust::PrescanBuffer buffer;
    dust::Prescanned pre;
    EXPECT_FALSE(dust::prescan_expression(text, buffer, pre)) << text;
  }
  // Each `BitOr (n)` fuses into one instruction: 64 names make exactly 64
  // instructions, which fit; a 65th does not.
  std::string fits = "n0";
  for (int i = 1; i < 64; ++i) fits += " BitOr (n" + std::to_string(i) + ")";
  std::string too_long = fits + " BitOr (n64)";
  dust::PrescanBuffer buffer;
  dust::Prescanned pre;
  EXPECT_FALSE(dust::prescan_expression(too_long, buffer, pre));
  ASSERT_TRUE(dust::prescan_expression(fits, buffer, pre));
  EXPECT_EQ(pre.code_count, 64u);
  EXPECT_EQ(pre.names_count, 64u);
  expect_same_code(fits);
  expect_same_code(too_long);
  // A name table that already holds names: the prescanned names take
  // their existing slots.
  dust::Program program;
  dust::StringTable names;
  for (const char* n : {"z", "b", "a"}) names.add(n);
  dust::NameIndex slots(names);
  dust::PrescanBuffer buf;
  dust::Prescanned p;
  ASSERT_TRUE(dust::prescan_expression("a Add b Mul c", buf, p));
  dust::CodeRef ref = dust::compile_prescanned(buf, p, slots, program);
  // Load a, Load b, Mul fused with c's slot, Add.
  ASSERT_EQ(ref.length, 4u);
  EXPECT_EQ(program.code[0].op(), dust::Op::Load);
  EXPECT_EQ(program.code[0].a(), 2u);
  EXPECT_EQ(program.code[1].a(), 1u);
  EXPECT_EQ(program.code[2].a(), 3u);
  EXPECT_EQ(program.code[3].op(), dust::Op::Add);
  EXPECT_EQ(names.get(3), "c");
}

// Names of every length up to past two vector widths, of every name
// character, at every distance from the end of the text: the fast path
// (here: the prescan, which says whether it took the text) must take them
// and agree with the general path; a non-name byte right after a name,
// including one past the first 16, must end it.
TEST(CompilePaths, NamesOfEveryLengthAndEnding) {
  const std::string chars = "abzAZ_09y";
  for (std::size_t length = 1; length <= 40; ++length) {
    std::string name;
    for (std::size_t i = 0; i < length; ++i) name += i == 0 ? 'v' : chars[(i * 7 + length) % chars.size()];
    for (const std::string& text : {name, name + " Add x", "x Add " + name, "(" + name + ")", name + " Mul 3 Add y",
                                    "x Sub " + name + "   "}) {
      dust::PrescanBuffer buffer;
      dust::Prescanned pre;
      EXPECT_TRUE(dust::prescan_expression(text, buffer, pre)) << text;
      expect_same_code(text);
    }
    for (const std::string& text : {name + ".f Add x", name + "[0]", name + "\u00e9 Add x", name + "(1)"}) {
      dust::PrescanBuffer buffer;
      dust::Prescanned pre;
      EXPECT_FALSE(dust::prescan_expression(text, buffer, pre)) << text;
      expect_same_code(text);
    }
  }
}

// Integer literals of every length up to past the fast path's limit, with
// leading zeros and every digit, at every distance from the end of the
// text (the fast path reads eight bytes at a time where eight remain):
// each must compile to the general path's code.
TEST(CompilePaths, IntegersOfEveryLengthAndEnding) {
  const std::string digits = "9081726354";
  for (std::size_t length = 1; length <= 20; ++length) {
    std::string number;
    for (std::size_t i = 0; i < length; ++i) number += digits[(i * 3 + length) % digits.size()];
    for (const std::string& n : {number, "0" + number, "-" + number}) {
      for (const std::string& text : {n, n + " Add x", "x Add " + n, "(" + n + ")", n + " Mul 3 Add y", "x Sub " + n + "   ",
                                      n + "Add x", n + "x", n + ".5", n + " "}) {
        expect_same_code(text);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

TEST(CompilePaths, NestingAtAndBeyondTheLimit) {
  for (int depth : {255, 256, 257, 600}) {
    std::string text = std::string(static_cast<std::size_t>(depth), '(') + "x Add 1" +
                       std::string(static_cast<std::size_t>(depth), ')') + " Mul 2";
    expect_same_code(text);
  }
}

// A random expression over the fast path's grammar and just beyond it.
std::string random_expression(std::mt19937& rng) {
  static const std::vector<std::string> atoms = {"a", "b", "v10", "0", "7", "-3", "8388607", "8388608", "-8388609",
                                                 "true", "false", "\"t\"", "Add", "x_1", "(a)", "f(a)", "a.b"};
  static const std::vector<std::string> ops = {"Add", "Sub", "Mul", "Div", "Eq", "Ne", "Lt", "Le", "Gt", "Ge",
                                               "And", "Or", "BitAnd", "BitOr", "BitXor", "Shl", "Shr", "Foo"};
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
  return text;
}

TEST(CompilePaths, GeneratedExpressions) {
  std::mt19937 rng(20261121);
  for (int n = 0; n < 3000; ++n) expect_same_code(random_expression(rng));
}

// Random subexpressions repeated the ways folding looks for (code_folding.hpp),
// and the near misses it must leave alone: every path folds them alike.
TEST(CompilePaths, GeneratedRepeats) {
  std::mt19937 rng(20261122);
  const std::vector<std::string> moduli = {"7", "1000003", "8388608", "-1", "0", "\"m\"", "a"};
  for (int n = 0; n < 1500; ++n) {
    const std::string e = random_expression(rng), f = random_expression(rng);
    const std::string& m = moduli[rng() % moduli.size()];
    const std::string& k = moduli[rng() % moduli.size()];
    expect_same_code("(" + e + ") Sub (" + e + ") Div " + m + " Mul " + m);
    expect_same_code("(" + e + ") Sub (" + e + ") Div " + m + " Mul " + k);
    expect_same_code("(" + e + ") Eq (" + e + ")");
    expect_same_code("(" + e + ") Add (" + f + ") Mul (" + f + ")");
    expect_same_code("((" + e + ") Sub (" + e + ")) Mul ((" + e + ") Sub (" + e + "))");
  }
}

// The code folding writes (code_folding.hpp), on the fast and general paths.
TEST(CompilePaths, FoldedCodeIsDupAndRem) {
  struct Case {
    const char* text;
    std::vector<std::string> ops;
  };
  const std::vector<Case> cases = {
      {"(a Add b) Sub (a Add b) Div 1000003 Mul 1000003", {"Load", "AddSlot", "RemImm"}},
      {"x Sub x Div 7 Mul 7", {"Load", "RemImm"}},
      {"x Sub x Div 1000000007 Mul 1000000007", {"Load", "RemConst"}},
      {"x Sub x Div 7 Mul 8", {"Load", "Dup", "DivImm", "MulImm", "Sub"}},
      {"x Sub x Div 1000000007 Mul 1000000009", {"Load", "Dup", "DivConst", "MulConst", "Sub"}},
      {"(x Add 1) Mul (x Add 1)", {"Load", "AddImm", "Dup", "Mul"}},
      {"(x Add 1) Mul (x Add 2)", {"Load", "AddImm", "Load", "AddImm", "Mul"}},
      // Each literal has a constant of its own; equal values are the same operand.
      {"(\"s\" Add \"t\") Eq (\"s\" Add \"t\")", {"PushConst", "AddConst", "Dup", "Eq"}},
      {"((a Mul a) Add (a Mul a)) Sub ((a Mul a) Add (a Mul a))", {"Load", "MulSlot", "Dup", "Add", "Dup", "Sub"}},
      {"f(x) Add f(x)", {"Load", "Call", "Load", "Call", "Add"}},
      {"x Add 1 Sub", {"Load", "AddImm", "Fail"}},
  };
  for (const Case& c : cases) {
    for (bool general : {false, true}) {
      Compiled compiled = compile(c.text, general);
      std::vector<std::string> ops;
      for (std::uint32_t i = 0; i < compiled.ref.length; ++i) {
        ops.emplace_back(dust::op_name(compiled.program.code[compiled.ref.offset + i].op()));
      }
      EXPECT_EQ(ops, c.ops) << c.text << (general ? " (general)" : " (fast)");
    }
    expect_same_code(c.text);
  }
  // The remainder keeps its modulus.
  Compiled rem = compile("x Sub x Div -5 Mul -5", false);
  ASSERT_EQ(rem.ref.length, 2u);
  EXPECT_EQ(rem.program.code[1].imm(), -5);
}

}  // namespace

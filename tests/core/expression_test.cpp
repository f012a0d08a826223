// expression_test.cpp — DIR expressions (semantics doc §1.2, with the v0.2
// additions of §2.1): literals, every operator and precedence level, left
// associativity, evaluation order and every Runtime message, checked by
// running `Return <expr>` in a K proc and reading the trace.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::bool_value;
using dust_test::int_value;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

// The trace of a K main that binds `prelude` and returns `expr`.
json eval_trace(const std::string& expr, dir::Json prelude = dir::Json::array()) {
  prelude.push_back(dir::ret(expr));
  return run_api(dir::k_main(std::move(prelude))).trace;
}

// The returned value of `expr` as tagged JSON; the whole trace if it failed.
json value_of(const std::string& expr, dir::Json prelude = dir::Json::array()) {
  json trace = eval_trace(expr, std::move(prelude));
  return trace.contains("returned") ? trace["returned"] : trace;
}

json string_value(const std::string& s) { return {{"String", s}}; }

// A Runtime failure of `expr`: the trace is exactly the error, no effects, no time.
void expect_runtime(const std::string& expr, const std::string& message, dir::Json prelude = dir::Json::array()) {
  EXPECT_EQ(eval_trace(expr, std::move(prelude)), bare_error("Runtime", message)) << "expression: " << expr;
}

// ---- literals and names ----

TEST(ExpressionLiterals, IntegersIncludingNegativeAndExtremes) {
  EXPECT_EQ(value_of("0"), int_value(0));
  EXPECT_EQ(value_of("42"), int_value(42));
  EXPECT_EQ(value_of("-17"), int_value(-17));
  EXPECT_EQ(value_of("007"), int_value(7));
  EXPECT_EQ(value_of("9223372036854775807"), int_value(INT64_MAX));
  EXPECT_EQ(value_of("-9223372036854775808"), int_value(INT64_MIN));
  // Beyond the 24-bit immediate operand: must come from the constant pool intact.
  EXPECT_EQ(value_of("8388608"), int_value(8388608));
  EXPECT_EQ(value_of("-8388609"), int_value(-8388609));
}

TEST(ExpressionLiterals, BooleansAndStrings) {
  EXPECT_EQ(value_of("true"), bool_value(true));
  EXPECT_EQ(value_of("false"), bool_value(false));
  EXPECT_EQ(value_of("\"hello\""), string_value("hello"));
  EXPECT_EQ(value_of("\"\""), string_value(""));
  EXPECT_EQ(value_of(R"("q\"b\\n\nt\tr\r")"), string_value("q\"b\\n\nt\tr\r"));
  EXPECT_EQ(value_of("\"Φ ☃ é\""), string_value("Φ ☃ é"));
  // Whitespace inside a string is kept as written.
  EXPECT_EQ(value_of("\"  a  b  \""), string_value("  a  b  "));
}

TEST(ExpressionLiterals, UnterminatedStringEndsWithTheInput) {
  EXPECT_EQ(value_of("\"abc"), string_value("abc"));
  EXPECT_EQ(value_of("\"abc\\n"), string_value("abc\n"));
}

TEST(ExpressionLiterals, IdentifiersMayUsePhiUnderscoreAndDigits) {
  dir::Json prelude = {dir::let("Φx_1", "3"), dir::let("_a", "4"), dir::let("a9Φ", "5")};
  EXPECT_EQ(value_of("Φx_1 Add _a Add a9Φ", prelude), int_value(12));
}

TEST(ExpressionLiterals, UnicodeWhitespaceSeparatesTokens) {
  EXPECT_EQ(value_of("\t1\nAdd\r\n2  "), int_value(3));
  // U+00A0 and U+3000 are whitespace to Rust's char::is_whitespace.
  EXPECT_EQ(value_of("1\u00a0Add\u30002"), int_value(3));
}

TEST(ExpressionLiterals, KeywordPrefixesAreIdentifiers) {
  expect_runtime("trueish", "unknown identifier: trueish");
  expect_runtime("Add", "unknown identifier: Add");
  expect_runtime("Φ", "unknown identifier: Φ");
}

TEST(ExpressionLiterals, VariablesAreLookedUpAndRebound) {
  dir::Json prelude = {dir::let("x", "5"), dir::let("x", "x Mul x")};
  EXPECT_EQ(value_of("x", prelude), int_value(25));
}

TEST(ExpressionLiterals, StructLiteralKeepsFieldOrder) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::ret("T{b: 1, a: \"s\"}")}));
  ASSERT_TRUE(run.outcome.returned.has_value()) << dust_test::failure_of(run);
  EXPECT_EQ(dust::value_to_tagged_json(*run.outcome.returned),
            R"({"Struct":{"ty":"T","fields":{"b":{"Int":1},"a":{"String":"s"}}}})");
}

// ---- arithmetic ----

TEST(ExpressionArithmetic, EachOperator) {
  EXPECT_EQ(value_of("2 Add 3"), int_value(5));
  EXPECT_EQ(value_of("2 Sub 3"), int_value(-1));
  EXPECT_EQ(value_of("6 Mul -7"), int_value(-42));
  EXPECT_EQ(value_of("42 Div 6"), int_value(7));
}

TEST(ExpressionArithmetic, DivisionTruncatesTowardZero) {
  EXPECT_EQ(value_of("7 Div 2"), int_value(3));
  EXPECT_EQ(value_of("-7 Div 2"), int_value(-3));
  EXPECT_EQ(value_of("7 Div -2"), int_value(-3));
  EXPECT_EQ(value_of("-7 Div -2"), int_value(3));
  EXPECT_EQ(value_of("0 Div -5"), int_value(0));
  EXPECT_EQ(value_of("1 Div 3"), int_value(0));
  EXPECT_EQ(value_of("-1 Div 3"), int_value(0));
}

TEST(ExpressionArithmetic, OverflowIsARuntimeError) {
  expect_runtime("9223372036854775807 Add 1", "integer overflow");
  expect_runtime("-9223372036854775808 Sub 1", "integer overflow");
  expect_runtime("4611686018427387904 Mul 2", "integer overflow");
  expect_runtime("-9223372036854775808 Mul -1", "integer overflow");
  expect_runtime("-9223372036854775808 Div -1", "integer overflow");
  expect_runtime("Neg(-9223372036854775808)", "integer overflow");
  // The edges themselves are fine.
  EXPECT_EQ(value_of("9223372036854775806 Add 1"), int_value(INT64_MAX));
  EXPECT_EQ(value_of("-9223372036854775807 Sub 1"), int_value(INT64_MIN));
  EXPECT_EQ(value_of("-9223372036854775808 Div 1"), int_value(INT64_MIN));
  EXPECT_EQ(value_of("-9223372036854775807 Div -1"), int_value(INT64_MAX));
}

TEST(ExpressionArithmetic, DivisionByZero) {
  expect_runtime("1 Div 0", "division by zero");
  expect_runtime("0 Div 0", "division by zero");
  expect_runtime("5 Div (2 Sub 2)", "division by zero");
}

// ---- folded code (code_folding.hpp): repeats and the remainder idiom ----

// What `expr` gives after `x` is bound to `x_value`: "Int n", "Bool b" or
// "Kind: message". (SimpleSteps.RemainderAndRepeatsAtTheEdges checks that
// the simple-step lane agrees.)
std::string outcome_of(const std::string& expr, const std::string& x_value) {
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("x", x_value), dir::ret(expr)}));
  if (run.outcome.status == dust::MachineStatus::Failed) return dust_test::failure_of(run);
  json r = run.trace["returned"];
  return r.begin().key() + " " + r.begin().value().dump();
}

// Remainders at the edges, and what each is: the idiom `x Sub x Div m Mul m`
// and the Rem operator give them alike (neither fails for any of them).
struct RemainderCase {
  const char* x;
  const char* m;
  const char* expected;
};
const std::vector<RemainderCase> kRemainderCases = {
    {"15", "7", "Int 1"}, {"-15", "7", "Int -1"}, {"15", "-7", "Int 1"}, {"-15", "-7", "Int -1"},
    {"6", "3", "Int 0"}, {"0", "5", "Int 0"}, {"5", "1", "Int 0"}, {"5", "-1", "Int 0"},
    {"4294967295", "1000003", "Int 954413"}, {"9223372036854775807", "1000003", "Int 675344"},
    {"-9223372036854775808", "1000003", "Int -675345"}, {"-9223372036854775808", "1", "Int 0"},
    {"123456789012", "1000000007", "Int 456788151"}, {"-123456789012", "1000000007", "Int -456788151"},
    {"9223372036854775807", "9223372036854775807", "Int 0"},
    {"-9223372036854775808", "9223372036854775807", "Int -1"},
    {"5", "-9223372036854775808", "Int 5"}, {"4294967295", "4294967296", "Int 4294967295"},
};

TEST(ExpressionFolding, RemainderIdiomTruncatesLikeDivision) {
  for (const RemainderCase& c : kRemainderCases) {
    const std::string m = c.m;
    EXPECT_EQ(outcome_of("x Sub x Div " + m + " Mul " + m, c.x), c.expected) << c.x << " rem " << m;
    EXPECT_EQ(outcome_of("(x Add 0) Sub (x Add 0) Div " + m + " Mul " + m, c.x), c.expected)
        << c.x << " rem " << m;
  }
}

// `Rem`, which semantics doc §3.1 lists among the operators: the remainder
// of Div's truncated quotient, as the idiom above computes it wherever that
// does not fail.
TEST(ExpressionArithmetic, RemIsTheRemainderOfTruncatedDivision) {
  for (const RemainderCase& c : kRemainderCases) {
    EXPECT_EQ(outcome_of(std::string("x Rem ") + c.m, c.x), c.expected) << c.x << " Rem " << c.m;
    EXPECT_EQ(outcome_of(std::string("x Rem (") + c.m + " Add 0)", c.x), c.expected) << c.x << " Rem " << c.m;
  }
  // Mul's level, left-associative.
  EXPECT_EQ(value_of("1 Add 7 Rem 4 Mul 2"), int_value(7));
  EXPECT_EQ(value_of("100 Rem 30 Rem 7"), int_value(3));
  EXPECT_EQ(value_of("100 Rem (30 Rem 7)"), int_value(0));
}

TEST(ExpressionArithmetic, RemFailsAsDivDoes) {
  EXPECT_EQ(outcome_of("x Rem 0", "5"), "Runtime: division by zero");
  EXPECT_EQ(outcome_of("x Rem -1", "-9223372036854775808"), "Runtime: integer overflow");
  EXPECT_EQ(outcome_of("x Rem 7", "true"), "Runtime: Rem requires int operands");
  EXPECT_EQ(outcome_of("7 Rem x", "\"s\""), "Runtime: Rem requires int operands");
  EXPECT_EQ(outcome_of("x Rem y", "5"), "Runtime: unknown identifier: y");
}

TEST(ExpressionArithmetic, RemIsStillANameWhereAnOperandGoes) {
  EXPECT_EQ(outcome_of("Rem Rem 3", "1").substr(0, 7), "Runtime");
  dust_test::ApiRun run = run_api(dir::k_main({dir::let("Rem", "11"), dir::ret("Rem Rem 3")}));
  EXPECT_EQ(run.trace["returned"], int_value(2)) << run.trace.dump();
}

TEST(ExpressionFolding, RemainderIdiomFailsLikeItsOperators) {
  EXPECT_EQ(outcome_of("x Sub x Div 0 Mul 0", "5"), "Runtime: division by zero");
  EXPECT_EQ(outcome_of("x Sub x Div -1 Mul -1", "-9223372036854775808"), "Runtime: integer overflow");
  EXPECT_EQ(outcome_of("x Sub x Div 7 Mul 7", "true"), "Runtime: Mul/Div requires int operands");
  EXPECT_EQ(outcome_of("x Sub x Div 7 Mul 7", "\"s\""), "Runtime: Mul/Div requires int operands");
  EXPECT_EQ(outcome_of("x Sub x Div 1000000007 Mul 1000000007", "false"),
            "Runtime: Mul/Div requires int operands");
  EXPECT_EQ(outcome_of("x Sub x Div \"m\" Mul \"m\"", "5"), "Runtime: Mul/Div requires int operands");
  EXPECT_EQ(outcome_of("(y Add 1) Sub (y Add 1) Div 7 Mul 7", "1"), "Runtime: unknown identifier: y");
  EXPECT_EQ(outcome_of("(x Mul x) Sub (x Mul x) Div 7 Mul 7", "4294967296"), "Runtime: integer overflow");
}

TEST(ExpressionFolding, RepeatedOperandsKeepValuesAndErrors) {
  EXPECT_EQ(outcome_of("(x Add 1) Mul (x Add 1)", "4"), "Int 25");
  EXPECT_EQ(outcome_of("(x Add 1) Mul (x Add 1)", "3037000498"), "Int 9223372030926249001");
  EXPECT_EQ(outcome_of("(x Add 1) Mul (x Add 1)", "3037000499"), "Runtime: integer overflow");
  EXPECT_EQ(outcome_of("(x Eq 1) And (x Eq 1)", "1"), "Bool true");
  EXPECT_EQ(outcome_of("(x Lt 1) Or (x Lt 1)", "1"), "Bool false");
  EXPECT_EQ(outcome_of("(x Add \"a\") Eq (x Add \"a\")", "1"), "Runtime: Add/Sub requires int operands");
  EXPECT_EQ(outcome_of("(x Sub 1) Sub (x Sub 1) Div 7 Mul 8", "20"), "Int 3");
  EXPECT_EQ(outcome_of("((x Mul x) Add (x Mul x)) Sub ((x Mul x) Add (x Mul x))", "9"), "Int 0");
  EXPECT_EQ(outcome_of("(z) Add (z)", "1"), "Runtime: unknown identifier: z");
}

// ---- precedence, lowest first: Or < And < comparisons < bitwise < Add/Sub < Mul/Div ----

TEST(ExpressionPrecedence, MulDivBindTighterThanAddSub) {
  EXPECT_EQ(value_of("2 Add 3 Mul 4"), int_value(14));
  EXPECT_EQ(value_of("2 Mul 3 Add 4"), int_value(10));
  EXPECT_EQ(value_of("20 Sub 12 Div 4"), int_value(17));
  EXPECT_EQ(value_of("20 Div 4 Sub 1"), int_value(4));
}

TEST(ExpressionPrecedence, AddSubBindTighterThanBitwise) {
  EXPECT_EQ(value_of("1 Shl 2 Add 1"), int_value(8));    // 1 << 3, not (1 << 2) + 1
  EXPECT_EQ(value_of("2 Add 1 Shl 1"), int_value(6));    // 3 << 1
  EXPECT_EQ(value_of("12 BitAnd 10 Sub 2"), int_value(8));
  EXPECT_EQ(value_of("64 Shr 1 Add 1"), int_value(16));
  EXPECT_EQ(value_of("1 BitXor 1 Add 1"), int_value(3));
  EXPECT_EQ(value_of("8 BitOr 3 Mul 2"), int_value(14));
}

TEST(ExpressionPrecedence, BitwiseBindTighterThanComparisons) {
  EXPECT_EQ(value_of("1 BitOr 2 Eq 3"), bool_value(true));
  EXPECT_EQ(value_of("1 Shl 2 Lt 5"), bool_value(true));
  EXPECT_EQ(value_of("3 Eq 1 BitOr 2"), bool_value(true));
  EXPECT_EQ(value_of("6 BitAnd 3 Ne 2"), bool_value(false));
}

TEST(ExpressionPrecedence, ComparisonsBindTighterThanAddSubIsFalse) {
  // Add/Sub binds tighter: `1 Add 1 Eq 2` is (1 Add 1) Eq 2.
  EXPECT_EQ(value_of("1 Add 1 Eq 2"), bool_value(true));
  EXPECT_EQ(value_of("2 Eq 1 Add 1"), bool_value(true));
  EXPECT_EQ(value_of("2 Mul 3 Gt 5"), bool_value(true));
}

TEST(ExpressionPrecedence, ComparisonsBindTighterThanAnd) {
  EXPECT_EQ(value_of("1 Lt 2 And 3 Gt 2"), bool_value(true));
  EXPECT_EQ(value_of("1 Eq 1 And 2 Eq 3"), bool_value(false));
}

TEST(ExpressionPrecedence, AndBindsTighterThanOr) {
  EXPECT_EQ(value_of("true Or false And false"), bool_value(true));
  EXPECT_EQ(value_of("false And true Or true"), bool_value(true));
  EXPECT_EQ(value_of("false And false Or false And true"), bool_value(false));
}

TEST(ExpressionPrecedence, ParenthesesOverride) {
  EXPECT_EQ(value_of("(2 Add 3) Mul 4"), int_value(20));
  EXPECT_EQ(value_of("2 Mul (3 Add 4)"), int_value(14));
  EXPECT_EQ(value_of("((((7))))"), int_value(7));
  EXPECT_EQ(value_of("(true Or false) And false"), bool_value(false));
  EXPECT_EQ(value_of("10 Sub (3 Sub 2)"), int_value(9));
}

// ---- left associativity at every level ----

TEST(ExpressionAssociativity, AddSubAreLeftAssociative) {
  EXPECT_EQ(value_of("10 Sub 3 Sub 2"), int_value(5));
  EXPECT_EQ(value_of("10 Sub 3 Add 2"), int_value(9));
}

TEST(ExpressionAssociativity, MulDivAreLeftAssociative) {
  EXPECT_EQ(value_of("12 Div 2 Mul 3"), int_value(18));
  EXPECT_EQ(value_of("2 Mul 3 Div 4"), int_value(1));
  EXPECT_EQ(value_of("100 Div 10 Div 5"), int_value(2));
}

TEST(ExpressionAssociativity, BitwiseOperatorsShareOneLeftAssociativeLevel) {
  EXPECT_EQ(value_of("6 BitXor 3 BitAnd 5"), int_value(5));  // (6^3)&5, not 6^(3&5)
  EXPECT_EQ(value_of("3 BitOr 1 Shl 2"), int_value(12));     // (3|1)<<2, not 3|(1<<2)
  EXPECT_EQ(value_of("1 Shl 3 Shr 1"), int_value(4));
  EXPECT_EQ(value_of("7 BitAnd 12 BitOr 1"), int_value(5));
}

TEST(ExpressionAssociativity, ComparisonsShareOneLeftAssociativeLevel) {
  EXPECT_EQ(value_of("1 Lt 2 Eq true"), bool_value(true));
  EXPECT_EQ(value_of("1 Eq 1 Eq true"), bool_value(true));
  EXPECT_EQ(value_of("1 Eq 2 Ne true"), bool_value(true));
  // (2 Eq 2) Lt 3 compares a Bool.
  expect_runtime("2 Eq 2 Lt 3", "comparison requires int operands");
}

TEST(ExpressionAssociativity, AndOrChains) {
  EXPECT_EQ(value_of("true And true And false"), bool_value(false));
  EXPECT_EQ(value_of("false Or false Or true"), bool_value(true));
}

// ---- comparisons and equality ----

TEST(ExpressionComparison, OrderingOperatorsAtTheBoundary) {
  EXPECT_EQ(value_of("1 Lt 1"), bool_value(false));
  EXPECT_EQ(value_of("1 Le 1"), bool_value(true));
  EXPECT_EQ(value_of("1 Gt 1"), bool_value(false));
  EXPECT_EQ(value_of("1 Ge 1"), bool_value(true));
  EXPECT_EQ(value_of("-2 Lt -1"), bool_value(true));
  EXPECT_EQ(value_of("2 Gt -1"), bool_value(true));
  EXPECT_EQ(value_of("-9223372036854775808 Lt 9223372036854775807"), bool_value(true));
}

TEST(ExpressionComparison, EqIsStructuralAndMixedTypesAreUnequal) {
  EXPECT_EQ(value_of("1 Eq 1"), bool_value(true));
  EXPECT_EQ(value_of("1 Eq 2"), bool_value(false));
  EXPECT_EQ(value_of("true Eq true"), bool_value(true));
  EXPECT_EQ(value_of("true Eq false"), bool_value(false));
  EXPECT_EQ(value_of("\"a\" Eq \"a\""), bool_value(true));
  EXPECT_EQ(value_of("\"a\" Eq \"A\""), bool_value(false));
  EXPECT_EQ(value_of("\"1\" Eq 1"), bool_value(false));
  EXPECT_EQ(value_of("1 Eq true"), bool_value(false));
  EXPECT_EQ(value_of("0 Eq false"), bool_value(false));
  EXPECT_EQ(value_of("\"\" Eq false"), bool_value(false));
}

TEST(ExpressionComparison, EqOnUnitValues) {
  dir::Json prelude = {dir::prove("p", "true"), dir::prove("q", "1 Eq 1")};
  EXPECT_EQ(value_of("p Eq q", prelude), bool_value(true));
  EXPECT_EQ(value_of("p Eq 0", prelude), bool_value(false));
  EXPECT_EQ(value_of("p Ne \"unit\"", prelude), bool_value(true));
}

TEST(ExpressionComparison, EqOnStructsComparesTypeAndFieldsAsAMap) {
  EXPECT_EQ(value_of("T{a: 1, b: \"x\"} Eq T{a: 1, b: \"x\"}"), bool_value(true));
  EXPECT_EQ(value_of("T{a: 1, b: 2} Eq T{b: 2, a: 1}"), bool_value(true));
  EXPECT_EQ(value_of("T{a: 1} Eq U{a: 1}"), bool_value(false));
  EXPECT_EQ(value_of("T{a: 1} Eq T{a: 2}"), bool_value(false));
  EXPECT_EQ(value_of("T{a: 1} Eq T{a: 1, b: 1}"), bool_value(false));
  EXPECT_EQ(value_of("T{a: 1} Eq 1"), bool_value(false));
  EXPECT_EQ(value_of("T{a: T{b: true}} Eq T{a: T{b: true}}"), bool_value(true));
}

TEST(ExpressionComparison, NeIsTheNegationOfEq) {
  EXPECT_EQ(value_of("1 Ne 2"), bool_value(true));
  EXPECT_EQ(value_of("1 Ne 1"), bool_value(false));
  EXPECT_EQ(value_of("\"a\" Ne \"a\""), bool_value(false));
  EXPECT_EQ(value_of("1 Ne true"), bool_value(true));
  EXPECT_EQ(value_of("T{a: 1} Ne T{a: 1}"), bool_value(false));
}

// ---- logic and bitwise ----

TEST(ExpressionLogic, AndOrTruthTables) {
  EXPECT_EQ(value_of("true And true"), bool_value(true));
  EXPECT_EQ(value_of("true And false"), bool_value(false));
  EXPECT_EQ(value_of("false And true"), bool_value(false));
  EXPECT_EQ(value_of("false Or false"), bool_value(false));
  EXPECT_EQ(value_of("false Or true"), bool_value(true));
  EXPECT_EQ(value_of("true Or false"), bool_value(true));
}

TEST(ExpressionLogic, NotAndNeg) {
  EXPECT_EQ(value_of("Not(true)"), bool_value(false));
  EXPECT_EQ(value_of("Not(1 Eq 2)"), bool_value(true));
  EXPECT_EQ(value_of("Not(Not(false))"), bool_value(false));
  EXPECT_EQ(value_of("Neg(5)"), int_value(-5));
  EXPECT_EQ(value_of("Neg(-5)"), int_value(5));
  EXPECT_EQ(value_of("Neg(2 Add 3) Mul 2"), int_value(-10));
  EXPECT_EQ(value_of("Not(true) Or true"), bool_value(true));
  expect_runtime("Not(1)", "Not requires a bool operand");
  expect_runtime("Neg(true)", "Neg requires an int operand");
}

TEST(ExpressionBitwise, EachOperator) {
  EXPECT_EQ(value_of("6 BitAnd 3"), int_value(2));
  EXPECT_EQ(value_of("6 BitOr 3"), int_value(7));
  EXPECT_EQ(value_of("6 BitXor 3"), int_value(5));
  EXPECT_EQ(value_of("1 Shl 62"), int_value(INT64_C(1) << 62));
  EXPECT_EQ(value_of("-8 Shr 1"), int_value(-4));  // arithmetic shift
  EXPECT_EQ(value_of("-1 BitAnd 255"), int_value(255));
}

TEST(ExpressionBitwise, OperandAndShiftRangeErrors) {
  // Messages from the opcode table (core/include/dust/opcodes.hpp).
  expect_runtime("true BitAnd 1", "bitwise operator requires int operands");
  expect_runtime("1 BitXor \"a\"", "bitwise operator requires int operands");
  expect_runtime("true Shl 1", "shift requires int operands");
  expect_runtime("1 Shl 64", "shift amount out of range: 64");
  expect_runtime("1 Shr -1", "shift amount out of range: -1");
}

// ---- operand type errors: every message of §1.2 ----

TEST(ExpressionTypeErrors, OrAndNeedBools) {
  expect_runtime("1 Or true", "Or requires bool operands");
  expect_runtime("true Or 1", "Or requires bool operands");
  expect_runtime("1 And true", "And requires bool operands");
  expect_runtime("true And \"x\"", "And requires bool operands");
}

TEST(ExpressionTypeErrors, ComparisonsNeedInts) {
  expect_runtime("true Lt 1", "comparison requires int operands");
  expect_runtime("1 Le false", "comparison requires int operands");
  expect_runtime("\"a\" Gt \"b\"", "comparison requires int operands");
  expect_runtime("1 Ge \"1\"", "comparison requires int operands");
}

TEST(ExpressionTypeErrors, ArithmeticNeedsInts) {
  expect_runtime("true Add 1", "Add/Sub requires int operands");
  expect_runtime("1 Sub \"x\"", "Add/Sub requires int operands");
  expect_runtime("\"a\" Add \"b\"", "Add/Sub requires int operands");
  expect_runtime("true Mul 1", "Mul/Div requires int operands");
  expect_runtime("1 Div false", "Mul/Div requires int operands");
  // The operand check comes before the zero check.
  expect_runtime("\"a\" Div 0", "Mul/Div requires int operands");
}

// ---- no short-circuit; errors surface left to right ----

TEST(ExpressionEvaluationOrder, NoShortCircuit) {
  expect_runtime("false And nope", "unknown identifier: nope");
  expect_runtime("true Or nope", "unknown identifier: nope");
  expect_runtime("true Or 1 Div 0", "division by zero");
  expect_runtime("true Or 1", "Or requires bool operands");
  expect_runtime("false And 1", "And requires bool operands");
}

TEST(ExpressionEvaluationOrder, ErrorsSurfaceLeftToRight) {
  expect_runtime("x Add y", "unknown identifier: x");
  expect_runtime("1 Div 0 Add true", "division by zero");
  expect_runtime("true Add 1 Add 1 Div 0", "Add/Sub requires int operands");
  expect_runtime("1 Div 0 Add nope", "division by zero");
  expect_runtime("nope Add 1 Div 0", "unknown identifier: nope");
}

TEST(ExpressionEvaluationOrder, TighterOperandIsEvaluatedBeforeTheLooserOperatorApplies) {
  // The reference parses the whole right operand of Add (1 Div 0) before it
  // checks Add's operand types.
  expect_runtime("true Add 1 Div 0", "division by zero");
  expect_runtime("1 Or 2 Lt true", "comparison requires int operands");
}

TEST(ExpressionEvaluationOrder, EvaluationErrorBeatsALaterParseError) {
  expect_runtime("1 Div 0 Add )", "division by zero");
  expect_runtime("nope Add (", "unknown identifier: nope");
  expect_runtime("1 Div 0 2", "division by zero");
  expect_runtime("true Add 1 )", "Add/Sub requires int operands");
  // ... but a parse error met first wins over a later evaluation error.
  expect_runtime(") Add 1 Div 0", "unexpected token in expression: RParen");
}

TEST(ExpressionEvaluationOrder, LexErrorAnywhereWins) {
  expect_runtime("true Add @", "unexpected character in expression: @");
  expect_runtime("1 Div 0 Add @", "unexpected character in expression: @");
  expect_runtime("nope @", "unexpected character in expression: @");
  expect_runtime(") @", "unexpected character in expression: @");
  expect_runtime("1 Div 0 \"\\q\"", "unsupported string escape: \\q");
  expect_runtime("(1 2 \"x\\", "unterminated string escape");
}

TEST(ExpressionEvaluationOrder, UnterminatedStringIsAValueNotAnError) {
  expect_runtime("1 Add \"x", "Add/Sub requires int operands");
  EXPECT_EQ(value_of("\"a\" Eq \"a"), bool_value(true));
}

// ---- lexical errors ----

TEST(ExpressionLexErrors, UnexpectedCharacter) {
  expect_runtime("@", "unexpected character in expression: @");
  expect_runtime("1 + 2", "unexpected character in expression: +");
  expect_runtime("a;", "unexpected character in expression: ;");
  expect_runtime("1 Add é", "unexpected character in expression: é");
  expect_runtime("☃", "unexpected character in expression: ☃");
  expect_runtime("#x", "unexpected character in expression: #");
}

TEST(ExpressionLexErrors, StringEscapes) {
  expect_runtime("\"abc\\", "unterminated string escape");
  expect_runtime("\"a\\qb\"", "unsupported string escape: \\q");
  expect_runtime("\"\\u0041\"", "unsupported string escape: \\u");
  expect_runtime("\"\\'\"", "unsupported string escape: \\'");
  expect_runtime("\"\\é\"", "unsupported string escape: \\é");
}

TEST(ExpressionLexErrors, InvalidIntLiteral) {
  expect_runtime("9223372036854775808", "invalid int literal: 9223372036854775808");
  expect_runtime("-9223372036854775809", "invalid int literal: -9223372036854775809");
  expect_runtime("99999999999999999999999", "invalid int literal: 99999999999999999999999");
  expect_runtime("-", "invalid int literal: -");
  expect_runtime("1 Sub - 2", "invalid int literal: -");
  expect_runtime("5 Add -x", "invalid int literal: -");
  expect_runtime("--1", "invalid int literal: -");
}

// ---- parse errors and their token spelling ----

TEST(ExpressionParseErrors, UnknownIdentifier) {
  expect_runtime("nope", "unknown identifier: nope");
  expect_runtime("1 Add missing_Φ", "unknown identifier: missing_Φ");
}

TEST(ExpressionParseErrors, ExpectedRParen) {
  expect_runtime("(1 Add 2", "expected RParen, got Eof");
  expect_runtime("(1 2)", "expected RParen, got Int(2)");
  expect_runtime("(1 -2)", "expected RParen, got Int(-2)");
  expect_runtime("(1 x)", "expected RParen, got Ident(\"x\")");
  expect_runtime("(1 \"s\")", "expected RParen, got Str(\"s\")");
  expect_runtime("(true true)", "expected RParen, got Bool(true)");
  expect_runtime("(1 false", "expected RParen, got Bool(false)");
  expect_runtime("(1, 2)", "expected RParen, got Comma");
  expect_runtime("(1 : 2)", "expected RParen, got Colon");
  expect_runtime("(1 })", "expected RParen, got RBrace");
  expect_runtime("(1 {)", "expected RParen, got LBrace");
}

TEST(ExpressionParseErrors, TokensInMessagesAreRustDebug) {
  expect_runtime("(1 \"a\\\"b\\nc\")", "expected RParen, got Str(\"a\\\"b\\nc\")");
  expect_runtime("(1 Φx)", "expected RParen, got Ident(\"Φx\")");
}

TEST(ExpressionParseErrors, TokenStringsEscapeWhatRustDoesNotPrint) {
  // Rust's {:?} escapes control characters and non-printable characters
  // such as U+00A0 (a space separator other than ' ') and U+200B (a format character).
  expect_runtime("(1 \"a\tb\")", "expected RParen, got Str(\"a\\tb\")");
  expect_runtime("(1 \"\x01\")", "expected RParen, got Str(\"\\u{1}\")");
  expect_runtime("(1 \"\u00a0\")", "expected RParen, got Str(\"\\u{a0}\")");
  expect_runtime("(1 \"\u200b\")", "expected RParen, got Str(\"\\u{200b}\")");
}

TEST(ExpressionParseErrors, UnexpectedTokenWhereAnOperandShouldBe) {
  expect_runtime("", "unexpected token in expression: Eof");
  expect_runtime("   ", "unexpected token in expression: Eof");
  expect_runtime("1 Add", "unexpected token in expression: Eof");
  expect_runtime(")", "unexpected token in expression: RParen");
  expect_runtime("1 Add )", "unexpected token in expression: RParen");
  expect_runtime(",", "unexpected token in expression: Comma");
  expect_runtime(".", "unexpected token in expression: Dot");
  expect_runtime(":", "unexpected token in expression: Colon");
  expect_runtime("}", "unexpected token in expression: RBrace");
  expect_runtime("{", "unexpected token in expression: LBrace");
  expect_runtime("()", "unexpected token in expression: RParen");
  expect_runtime("1 Mul , 2", "unexpected token in expression: Comma");
}

TEST(ExpressionParseErrors, TrailingTokensAfterACompleteExpression) {
  expect_runtime("1 2", "unexpected token in expression: Int(2)");
  expect_runtime("1-2", "unexpected token in expression: Int(-2)");
  expect_runtime("1 true", "unexpected token in expression: Bool(true)");
  expect_runtime("true false", "unexpected token in expression: Bool(false)");
  expect_runtime("1 x", "unexpected token in expression: Ident(\"x\")");
  expect_runtime("1 \"s\"", "unexpected token in expression: Str(\"s\")");
  expect_runtime("1 )", "unexpected token in expression: RParen");
  expect_runtime("(1))", "unexpected token in expression: RParen");
  expect_runtime("1 ,", "unexpected token in expression: Comma");
  expect_runtime("1 :", "unexpected token in expression: Colon");
  expect_runtime("1 }", "unexpected token in expression: RBrace");
  expect_runtime("1 {", "unexpected token in expression: LBrace");
  expect_runtime("1 Add 2 3 4", "unexpected token in expression: Int(3)");
}

// ---- v0.2 arrays, indexing and field access (messages from opcodes.hpp) ----

TEST(ExpressionAccess, ArraysAndIndexing) {
  EXPECT_EQ(value_of("[1, \"two\", true]"), json::parse(R"({"Array":[{"Int":1},{"String":"two"},{"Bool":true}]})"));
  EXPECT_EQ(value_of("[]"), json::parse(R"({"Array":[]})"));
  EXPECT_EQ(value_of("[10, 20, 30][1] Add 1"), int_value(21));
  EXPECT_EQ(value_of("[[1, 2], [3, 4]][1][0]"), int_value(3));
  EXPECT_EQ(value_of("[1, 2] Eq [1, 2]"), bool_value(true));
  EXPECT_EQ(value_of("[1, 2] Eq [2, 1]"), bool_value(false));
  expect_runtime("[1][1]", "index out of bounds: 1");
  expect_runtime("[1][0 Sub 1]", "index out of bounds: -1");
  expect_runtime("1[0]", "index requires an array and an int");
  expect_runtime("[1][true]", "index requires an array and an int");
}

TEST(ExpressionAccess, FieldsOfStructs) {
  EXPECT_EQ(value_of("P{x: 3, y: 4}.y Mul 2"), int_value(8));
  EXPECT_EQ(value_of("O{i: I{v: \"deep\"}}.i.v"), string_value("deep"));
  dir::Json prelude = {dir::let("p", "P{x: 1}")};
  EXPECT_EQ(value_of("p.x", prelude), int_value(1));
  expect_runtime("P{x: 1}.z", "no field z on Struct { ty: \"P\", fields: {\"x\": Int(1)} }");
}

// ---- a long flat chain needs no deep recursion ----

TEST(ExpressionScale, LongLeftAssociativeChain) {
  std::string expr = "0";
  for (int i = 0; i < 20000; ++i) expr += " Add 1";
  EXPECT_EQ(value_of(expr), int_value(20000));
}

TEST(ExpressionScale, ModerateNestingEvaluates) {
  std::string expr(200, '(');
  expr += "1";
  expr += std::string(200, ')');
  EXPECT_EQ(value_of(expr), int_value(1));
}

}  // namespace

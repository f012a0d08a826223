// dir_pretty_test.cpp — compiled expressions decompile to the infix text a
// developer wrote, with parentheses exactly where precedence needs them,
// and every statement kind prints as one readable line.
#include <gtest/gtest.h>

#include "dust/dir_loader.hpp"
#include "model/session_names.hpp"

namespace dust::dbg {
namespace {

constexpr const char* kProgram = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"a","expr":"1 Add 2 Mul 3"}},
   {"Let":{"name":"b","expr":"(1 Add 2) Mul 3"}},
   {"Let":{"name":"c","expr":"a Sub (b Sub 1)"}},
   {"Let":{"name":"d","expr":"a Sub b Sub 1"}},
   {"Let":{"name":"e","expr":"Not(a Lt b) Or a Eq b And true"}},
   {"Let":{"name":"s","expr":"\"hi \\\"x\\\"\\n\""}},
   {"Let":{"name":"arr","expr":"[1, a, Neg(b)]"}},
   {"Let":{"name":"p","expr":"Point{x: 1, y: a Add 1}"}},
   {"Let":{"name":"q","expr":"p.x Add arr[0]"}},
   {"Let":{"name":"r","expr":"helper(a, b Mul 2)"}},
   {"Let":{"name":"m","expr":"(a Eq 1) BitAnd 3"}},
   {"Let":{"name":"n","expr":"a Shl (1 Add 1)"}},
   {"Effect":{"kind":"emit","payload":"\"done\""}},
   {"Effect":{"kind":"log","payload":"a"}},
   {"While":{"condition":"a Gt 0","body":[
     {"If":{"condition":"a Eq 3","then_body":["Break"],"else_body":[{"Assign":{"target":"a","expr":"a Sub 1"}}]}}
   ]}},
   {"For":{"var":"i","start":"0","end":"a Add 1","body":["Continue"]}},
   {"Call":{"target":"helper","args":["a","\"x\""],"result":null}},
   {"Call":{"target":"helper","args":["1","2"],"result":"z"}},
   {"Alloc":{"size":"8","result":"cell"}},
   {"Store":{"ptr":"cell","value":"a Add 1"}},
   {"Load":{"ptr":"cell","result":"v"}},
   {"Dealloc":{"ptr":"cell"}},
   {"Index":{"target":"arr","index":"1","result":"i1"}},
   {"Field":{"target":"p","field":"y","result":"py"}},
   {"Let":{"name":"bad","expr":"1 Add"}},
   {"Let":{"name":"lex","expr":"1 $ 2"}},
   {"Return":{"expr":null}}
 ]},
 {"regime":"K","name":"helper","params":[{"name":"x","ty":"Int"},{"name":"y","ty":"Int"}],"uses":[],"ret":"Int","qualifiers":[],
  "body":[{"Return":{"expr":"x Add y"}}]},
 {"regime":"Q","name":"linear","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"h","expr":"q_alloc(File)"}},
   {"Let":{"name":"h2","expr":"q_move(h)"}},
   {"Call":{"target":"q_consume","args":["h2"],"result":null}}
 ]},
 {"regime":"Φ","name":"proof","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Constrain":{"predicate":"1 Lt 2"}},
   {"Let":{"name":"w","expr":"phi_witness(\"d\")"}},
   {"Prove":{"name":"pw","from":"1 Lt 2"}}
 ]}
]}]})JSON";

class DirPretty : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadResult r = load_dir_text(kProgram);
    ASSERT_TRUE(r.ok()) << r.error.display();
    program = r.program;
    listing = std::make_unique<ProgramListing>(*program);
  }
  // The text of the listing line at `index` within proc `proc_name`'s lines.
  std::vector<std::string> lines_of(const std::string& proc_name) {
    std::vector<std::string> out;
    std::int32_t proc = program->find_proc(proc_name);
    for (const ListingLine& l : listing->lines()) {
      if (static_cast<std::int32_t>(l.proc) != proc || l.text.empty()) continue;
      out.push_back(std::string(l.indent * 2, ' ') + l.text);
    }
    return out;
  }
  std::shared_ptr<const Program> program;
  std::unique_ptr<ProgramListing> listing;
};

TEST_F(DirPretty, ExpressionsKeepOnlyTheParenthesesTheyNeed) {
  std::vector<std::string> lines = lines_of("main");
  ASSERT_GE(lines.size(), 14u);
  EXPECT_EQ(lines[0], "K proc main() {");
  EXPECT_EQ(lines[1], "  let a = 1 Add 2 Mul 3");
  EXPECT_EQ(lines[2], "  let b = (1 Add 2) Mul 3");
  EXPECT_EQ(lines[3], "  let c = a Sub (b Sub 1)");
  EXPECT_EQ(lines[4], "  let d = a Sub b Sub 1");
  EXPECT_EQ(lines[5], "  let e = Not(a Lt b) Or a Eq b And true");
  EXPECT_EQ(lines[6], "  let s = \"hi \\\"x\\\"\\n\"");
  EXPECT_EQ(lines[7], "  let arr = [1, a, Neg(b)]");
  EXPECT_EQ(lines[8], "  let p = Point{x: 1, y: a Add 1}");
  EXPECT_EQ(lines[9], "  let q = p.x Add arr[0]");
  EXPECT_EQ(lines[10], "  let r = helper(a, b Mul 2)");
  EXPECT_EQ(lines[11], "  let m = (a Eq 1) BitAnd 3") << "Eq binds looser than BitAnd";
  EXPECT_EQ(lines[12], "  let n = a Shl 1 Add 1") << "Add binds tighter than Shl: the parentheses were redundant";
}

// The compiler folds repeated operands into Dup and the remainder idiom
// into Rem (core's code_folding.hpp); the listing still shows what was written.
TEST(DirPrettyFolded, RepeatsAndRemaindersShowAsWritten) {
  LoadResult r = load_dir_text(R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"a","expr":"(a Add 1) Sub (a Add 1) Div 1000003 Mul 1000003"}},
   {"Let":{"name":"b","expr":"a Sub a Div 1000000007 Mul 1000000007"}},
   {"Let":{"name":"c","expr":"(a Add 1) Mul (a Add 1)"}},
   {"Let":{"name":"d","expr":"a Mul 2 Sub a Mul 2 Div 7 Mul 7"}}
 ]}]}]})JSON");
  ASSERT_TRUE(r.ok()) << r.error.display();
  ProgramListing listing(*r.program);
  std::vector<std::string> lines;
  for (const ListingLine& l : listing.lines()) {
    if (!l.text.empty()) lines.push_back(l.text);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"K proc main() {", "let a = a Add 1 Sub (a Add 1) Div 1000003 Mul 1000003",
                                             "let b = a Sub a Div 1000000007 Mul 1000000007",
                                             "let c = (a Add 1) Mul (a Add 1)",
                                             "let d = a Mul 2 Sub a Mul 2 Div 7 Mul 7", "}"}));
}

TEST_F(DirPretty, StatementsAndBlocks) {
  std::vector<std::string> lines = lines_of("main");
  std::vector<std::string> expected = {
      "  emit \"done\"",
      "  effect log a",
      "  while a Gt 0 {",
      "    if a Eq 3 {",
      "      break",
      "    } else {",
      "      a = a Sub 1",
      "    }",
      "  }",
      "  for i in 0..a Add 1 {",
      "    continue",
      "  }",
      "  helper(a, \"x\")",
      "  let z = helper(1, 2)",
      "  let cell = alloc(8)",
      "  store(cell, a Add 1)",
      "  let v = load(cell)",
      "  free(cell)",
      "  let i1 = arr[1]",
      "  let py = p.y",
  };
  ASSERT_GE(lines.size(), 13 + expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(lines[13 + i], expected[i]);
  EXPECT_EQ(lines[lines.size() - 2], "  return");
  EXPECT_EQ(lines.back(), "}");
}

TEST_F(DirPretty, ParseErrorsShowWhereTheyStopped) {
  std::vector<std::string> lines = lines_of("main");
  std::string bad = lines[lines.size() - 4];
  std::string lex = lines[lines.size() - 3];
  EXPECT_EQ(bad.rfind("  let bad = 1 \u27e8parse error: ", 0), 0u) << bad;
  EXPECT_EQ(lex, "  let lex = \u27e8parse error: unexpected character in expression: $\u27e9");
}

TEST_F(DirPretty, RegimesAndSignatures) {
  EXPECT_EQ(lines_of("helper"), (std::vector<std::string>{"K proc helper(x: Int, y: Int) -> Int {", "  return x Add y", "}"}));
  EXPECT_EQ(lines_of("linear"), (std::vector<std::string>{"Q proc linear() {", "  let h = q_alloc(File)",
                                                          "  let h2 = q_move(h)", "  let _ = q_consume(h2)", "}"}));
  EXPECT_EQ(lines_of("proof"), (std::vector<std::string>{"\u03a6 proc proof() {", "  constrain 1 Lt 2",
                                                         "  let w = phi_witness(\"d\")", "  prove pw from 1 Lt 2", "}"}));
}

TEST_F(DirPretty, EveryStatementHasItsLineAndPath) {
  for (std::uint32_t s = 0; s < program->stmts.size(); ++s) {
    auto line = listing->line_of(s);
    ASSERT_TRUE(line.has_value()) << "statement " << s;
    EXPECT_EQ(listing->lines()[*line].stmt, s);
    EXPECT_EQ(listing->path(s), program->stmt_path(s));
    EXPECT_FALSE(listing->statement(s).empty());
  }
  EXPECT_FALSE(listing->line_of(static_cast<std::uint32_t>(program->stmts.size())).has_value());
}

}  // namespace
}  // namespace dust::dbg

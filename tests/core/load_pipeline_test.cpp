// load_pipeline_test.cpp — a large proc body is built on a second thread
// while the JSON walk goes on (core/load/dir_reader.inl). Determinism is the
// product: the program loaded that way must be identical, field by field,
// to the one-thread load, and every load error must be the same message at
// the same place. White-box: the test lowers the size at which the second
// thread starts so that small programs take that path too.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "load/dir_reader.hpp"
#include "dust/dir_loader.hpp"
#include "dust/value.hpp"

namespace {

// Restores the default threshold however a test ends.
struct Threshold {
  explicit Threshold(std::size_t n) : saved(dust::pipeline_threshold()) { dust::set_pipeline_threshold(n); }
  ~Threshold() { dust::set_pipeline_threshold(saved); }
  std::size_t saved;
};

dust::LoadResult load(const std::string& text, bool threaded) {
  Threshold t(threaded ? 1 : SIZE_MAX);
  return dust::load_dir_text(text);
}

// Everything the loader decides, written out so two programs compare as text.
std::string dump(const dust::Program& p) {
  std::ostringstream o;
  for (const dust::Proc& proc : p.procs) {
    o << "proc " << proc.name << " forge " << proc.forge << " body " << proc.body << " regime "
      << static_cast<int>(proc.regime) << " ret " << proc.ret << "\n";
    for (const dust::Param& param : proc.params) o << " param " << param.name << ":" << param.type << "@" << param.slot << "\n";
    for (std::uint32_t i = 0; i < proc.slot_names.size(); ++i) o << " slot " << proc.slot_names.get(i) << "\n";
  }
  for (const dust::Block& b : p.blocks) o << "block " << b.first << "+" << b.count << " proc " << b.proc << "\n";
  for (const dust::Stmt& s : p.stmts) {
    o << "stmt " << static_cast<int>(s.kind) << " q" << static_cast<int>(s.q_form) << " phi" << s.phi_witness
      << " e" << int(s.has_expr) << " slot " << s.slot << " code " << s.expr.offset << "+" << s.expr.length << "/"
      << s.expr.max_stack << (s.expr.pure ? "p" : "") << " text " << s.text << " body " << s.body << " else "
      << s.else_body << "\n";
  }
  for (const dust::Instr& i : p.code) o << i.bits << " ";
  o << "\n";
  for (const dust::Value& v : p.constants) o << "const " << dust::render_rust_debug(v) << "\n";
  for (const dust::CodeRef& r : p.for_ends) o << "for_end " << r.offset << "+" << r.length << "\n";
  for (const dust::Callsite& c : p.callsites) o << "callsite " << c.callee << "/" << c.argc << "\n";
  for (const dust::Callee& c : p.callees) o << "callee " << c.name << " -> " << c.proc << "\n";
  for (const dust::StructShape& s : p.shapes) o << "shape " << s.type << " " << s.fields.size() << "\n";
  for (std::uint32_t i = 0; i < p.texts.size(); ++i) o << "text " << p.texts.get(i) << "\n";
  o << "valid " << p.valid << " " << p.validation_error << "\n";
  return o.str();
}

// A program with every statement form, nested bodies, escaped strings,
// names bound late and params listed after the body; `n` rounds of it.
std::string mixed_program(int n, const std::string& regime = "K") {
  std::ostringstream b;
  b << R"({"forges": [{"name": "f", "shapes": [], "procs": [)"
    << R"({"regime": ")" << regime << R"(", "name": "main", "uses": [], "ret": "Int", "qualifiers": [], "body": [)" << "\n";
  for (int i = 0; i < n; ++i) {
    b << R"({"Let": {"name": "v)" << i << R"(", "expr": "(p Add )" << i << R"() Mul u)" << i % 7 << R"("}},)" << "\n";
    b << R"({"Let": {"expr": "\"s\\\"q\\n\" Add \"x\"", "name": "s)" << i % 5 << R"("}},)" << "\n";
    b << R"({"Effect": {"kind": "emit", "payload": "v)" << i << R"("}},)" << "\n";
    b << R"({"If": {"condition": "v)" << i << R"( Gt 3", "then_body": [{"Assign": {"target": "w", "expr": "v)" << i
      << R"( Sub 1"}}, "Break"], "else_body": [{"While": {"condition": "false", "body": [{"Continue": {}}]}}]}},)" << "\n";
    b << R"({"For": {"var": "k", "start": "0", "end": "3", "body": [{"Constrain": {"predicate": "k Lt 3"}}]}},)" << "\n";
    b << R"({"Call": {"target": "helper", "args": ["v)" << i << R"(", "1 Add"], "result": "r"}},)" << "\n";
    b << R"({"Let": {"name": "t", "expr": "len([1, 2, v)" << i << R"(]) Add Point{x: 1}.x"}},)" << "\n";
    b << R"({"Prove": {"name": "pr", "from": "v)" << i << R"( Ge 0"}},)" << "\n";
    b << R"({"Let": {"name": "bad", "expr": "1 Add $"}},)" << "\n";
  }
  b << R"({"Return": {"expr": "v0"}}], "params": [{"name": "p", "ty": "Int"}]},)" << "\n";
  b << R"({"regime": "K", "name": "helper", "params": [{"name": "a", "ty": "Int"}, {"name": "b", "ty": "Int"}], )"
    << R"("uses": [], "ret": null, "qualifiers": [], "body": [{"Return": {"expr": "a Add b"}}]}], "binds": []}]})"
    << "\n";
  return b.str();
}

void expect_same_load(const std::string& text) {
  dust::LoadResult one = load(text, false);
  dust::LoadResult two = load(text, true);
  ASSERT_EQ(one.ok(), two.ok()) << (one.ok() ? two.error.message : one.error.message);
  if (one.ok()) {
    EXPECT_EQ(dump(*one.program), dump(*two.program));
  } else {
    EXPECT_EQ(one.error.kind, two.error.kind);
    EXPECT_EQ(one.error.message, two.error.message);
  }
}

TEST(LoadPipeline, SameProgramOnEitherPath) {
  for (int n : {1, 3, 40, 700}) expect_same_load(mixed_program(n));
  expect_same_load(mixed_program(50, "Q"));
  expect_same_load(mixed_program(50, "Φ"));
}

TEST(LoadPipeline, DefaultThresholdGivesTheSameProgram) {
  // A body large enough for the default threshold, against the one-thread load.
  std::string text = mixed_program(3000);
  dust::LoadResult one = load(text, false);
  dust::LoadResult dflt = dust::load_dir_text(text);
  ASSERT_TRUE(one.ok() && dflt.ok());
  EXPECT_EQ(dump(*one.program), dump(*dflt.program));
}

// Replaces the first occurrence of `from` at or after the k-th statement line.
std::string break_at(std::string text, int line, const std::string& from, const std::string& to) {
  std::size_t pos = 0;
  for (int i = 0; i < line && pos != std::string::npos; ++i) pos = text.find('\n', pos + 1);
  std::size_t at = text.find(from, pos);
  if (at == std::string::npos) return text;
  return text.replace(at, from.size(), to);
}

TEST(LoadPipeline, SameErrorsOnEitherPath) {
  const std::string base = mixed_program(120);
  const std::vector<std::pair<std::string, std::string>> breaks = {
      {R"("name": "v)", R"("nam": "v)"},                  // missing field, found when building
      {R"("expr": "(p)", R"("expr": 5, "x": "(p)"},       // wrong type, found by the walk
      {R"({"Let")", R"({"Lte")"},                         // unknown variant
      {R"("Gt 3"}, "then_body")", R"("Gt 3"}, "If": {}, "then_body")"},  // second variant key
      {R"("then_body": [)", R"("then_body": 7, "x": [)"},
      {R"("kind": "emit")", R"("kind": null)"},
      {R"("Break")", R"("Brake")"},
      {R"({"Continue": {}})", R"({"Continue": {}, "Break": {}})"},
      {R"("var": "k", )", ""},                             // missing field of a For
      {R"(, "result": "r")", R"(, "result": "r", "args": [])"},  // duplicate field
      {R"("v)", R"("\u12)"},                               // bad escape
      {R"("expr": "(p)", R"("expr": "(p" "x)"},            // malformed JSON
  };
  for (int line : {2, 40, 600, 1000}) {
    for (const auto& [from, to] : breaks) {
      SCOPED_TRACE(testing::Message() << "line " << line << ": " << to);
      expect_same_load(break_at(base, line, from, to));
      // Two faults: a build failure first, then a walk failure a few lines on.
      std::string two = break_at(break_at(base, line + 5, from, to), line, R"("name": "v)", R"("nam": "v)");
      expect_same_load(two);
    }
  }
}

// A DIR up to the opening bracket of proc main's body.
const std::string kMainBodyOpen =
    R"({"forges": [{"name": "f", "shapes": [], "procs": [{"regime": "K", "name": "main", "params": [], )"
    R"("uses": [], "ret": "Int", "qualifiers": [], "body": [)";

// A first attempt counts a proc's statements while passing over its body,
// which meets a malformed body before the fields after it; the error must
// still be the one the reference's order meets first.
TEST(LoadPipeline, ABodyCountedEarlyKeepsTheReferenceErrorOrder) {
  const std::string head =
      kMainBodyOpen +
      "\n"
      R"({"Let": {"name": "a", "expr": "1"}})"
      "\n"
      R"({"Return": {"expr": "a"}})"
      "\n]";
  const std::string tail = R"(}], "binds": []}]})";
  for (bool threaded : {false, true}) {
    // The missing comma alone.
    dust::LoadResult comma = load(head + tail, threaded);
    ASSERT_FALSE(comma.ok());
    EXPECT_EQ(comma.error.message, "expected `,` or `]` at line 3 column 1");
    // A duplicate field after the body comes first in the reference's order.
    dust::LoadResult dup = load(head + R"(, "name": "again")" + tail, threaded);
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error.message, "duplicate field `name` at line 4 column 5");
  }
}

// The first attempt does not look up where a statement starts (only its
// failures would use it); the error still names the statement's place.
TEST(LoadPipeline, AnEmptyStatementIsReportedWhereItStarts) {
  const std::string text =
      kMainBodyOpen +
      "\n"
      R"({"Let": {"name": "a", "expr": "1"}},)"
      "\n  {},\n"
      R"({"Return": {"expr": "a"}})"
      "\n"
      R"(]}], "binds": []}]})";
  for (bool threaded : {false, true}) {
    dust::LoadResult result = load(text, threaded);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error.message, "invalid type: map, expected enum DirStmt at line 3 column 3");
  }
}

TEST(LoadPipeline, EveryTruncationGivesTheSameError) {
  const std::string base = mixed_program(4);
  for (std::size_t n = 0; n < base.size(); n += 7) expect_same_load(base.substr(0, n));
}

TEST(LoadPipeline, BuildFailureStopsALargeWalk) {
  // The first statement fails to build; the walk must stop and report it,
  // whatever else is wrong later on.
  std::string text = break_at(mixed_program(4000), 1, R"("name": "v)", R"("nam": "v)");
  text = break_at(text, 30000, R"("kind": "emit")", R"("kind": 3)");
  dust::LoadResult one = load(text, false);
  dust::LoadResult two = load(text, true);
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.error.message.find("missing field `name` at line 2"), std::string::npos) << one.error.message;
  EXPECT_EQ(one.error.message, two.error.message);
}

}  // namespace

// expr_compiler.hpp — DIR expression strings to postfix code.
//
// Lexing, parsing and code generation happen in one pass over the string.
// The reference lexes the whole string first and then parses and evaluates
// in one go, so: a lexical error anywhere wins (the code becomes a single
// Fail); a parse error becomes a Fail placed where the reference would meet
// it, after the code for everything it would already have evaluated.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>
#include <unordered_map>

#include "dust/program.hpp"
#include "name_index.hpp"

namespace dust {

// Per-load state shared by all expressions: interning of callees, texts
// and constants.
struct CompileShared {
  Program& program;
  std::unordered_map<std::string, std::uint32_t> callee_index;
  std::unordered_map<std::string, std::uint32_t> text_index;
  // Callees are interned per calling forge, since resolution looks in the
  // caller's forge first; the loader resolves and renames them afterwards.
  std::uint32_t current_forge = 0;

  explicit CompileShared(Program& p);
  std::uint32_t intern_callee(std::string_view name);
  std::uint32_t intern_text(std::string_view text);
};

inline constexpr int kMaxExpressionNesting = 256;

// Compiles `text` into program.code, resolving identifiers through `slots`.
CodeRef compile_expression(std::string_view text, CompileShared& shared, NameIndex& slots);

// The same without the fast path, so tests can check that both paths
// produce identical code.
CodeRef compile_expression_general(std::string_view text, CompileShared& shared, NameIndex& slots);

// Expressions compiled ahead, on the walk's thread, for the builder to
// finish: the fast path's code with each name's Load operand standing for
// the name's ordinal in the expression. The builder then interns the names
// and copies the code (compile_prescanned), which gives exactly what
// compile_expression would. Only expressions the fast path compiles with no
// new constants and at most 64 instructions are prescanned.
struct PrescanBuffer {
  std::vector<Instr> code;
  std::vector<std::string_view> names;  // views into the expressions' text
  void clear() {
    code.clear();
    names.clear();
  }
};

struct Prescanned {
  std::uint32_t code_begin = 0, code_count = 0;  // in PrescanBuffer::code
  std::uint32_t names_begin = 0, names_count = 0;  // in PrescanBuffer::names
  std::uint32_t max_stack = 0;
  std::uint64_t name_operands = 0;  // bit i: instruction i's operand is a name ordinal
  bool ok = false;  // false: compile the text with compile_expression
};

// Fills `out` and appends to `buffer`; false (appending nothing) when the
// expression must be compiled with compile_expression. Touches no shared state.
bool prescan_expression(std::string_view text, PrescanBuffer& buffer, Prescanned& out);

// compile_expression's result for a prescanned expression.
CodeRef compile_prescanned(const PrescanBuffer& buffer, const Prescanned& pre, NameIndex& slots, Program& program);

// Compiles a call statement: arguments as expressions, then a Call.
CodeRef compile_call(std::string_view target, const std::vector<std::string_view>& args,
                     CompileShared& shared, NameIndex& slots);

// Appends code for `a` followed by `b` and one more instruction, as one
// CodeRef (for Index/Field/Load/Store statements built from parts).
CodeRef compile_parts(const std::vector<std::string_view>& parts, Instr tail, int tail_pops,
                      CompileShared& shared, NameIndex& slots);

}  // namespace dust

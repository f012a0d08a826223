// expr_compiler.hpp — DIR expression strings to postfix code.
//
// Lexing, parsing and code generation happen in one pass over the string.
// The reference lexes the whole string first and then parses and evaluates
// in one go, so: a lexical error anywhere wins (the code becomes a single
// Fail); a parse error becomes a Fail placed where the reference would meet
// it, after the code for everything it would already have evaluated.
#pragma once

#include <string_view>
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

// Compiles a call statement: arguments as expressions, then a Call.
CodeRef compile_call(std::string_view target, const std::vector<std::string_view>& args,
                     CompileShared& shared, NameIndex& slots);

// Appends code for `a` followed by `b` and one more instruction, as one
// CodeRef (for Index/Field/Load/Store statements built from parts).
CodeRef compile_parts(const std::vector<std::string_view>& parts, Instr tail, int tail_pops,
                      CompileShared& shared, NameIndex& slots);

}  // namespace dust

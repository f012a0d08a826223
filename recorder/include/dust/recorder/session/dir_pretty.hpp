// dir_pretty.hpp — DIR statements and expressions as a developer reads them.
//
// Expressions are stored as compiled postfix code (opcodes.hpp). The
// debugger shows them in the infix form they were written in: the code is
// decompiled on a stack of (text, precedence) pairs, and parentheses are
// added only where the grammar's precedence and left associativity need
// them, so `a Add (b Mul c)` prints as `a Add b Mul c` and `(a Add b) Mul c`
// keeps its parentheses.
#pragma once

#include <cstdint>
#include <string>

#include "dust/program.hpp"

namespace dust::session {

// The infix text of `code`, compiled in `proc` (whose slot names the loads
// use). A Fail instruction — an expression that did not parse — shows as
// `⟨parse error: message⟩` after whatever was decompiled before it.
std::string decompile_expression(const Program& program, std::uint32_t proc, const CodeRef& code);

// One line for a statement: `let v = a Add 1`, `emit "done"`, `if x Gt 0`,
// `for i in 0..n`, `while go`, `return v`, `free(p)`. Compound statements
// show only their head; the listing adds the blocks.
std::string statement_text(const Program& program, std::uint32_t proc, std::uint32_t stmt);

// `K proc main(n: Int) -> Int`.
std::string proc_signature(const Program& program, std::uint32_t proc);

// A string literal as DIR writes it: quoted, with \" \\ \n \t \r escapes.
std::string dir_string_literal(std::string_view text);

}  // namespace dust::session

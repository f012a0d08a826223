// code_folding.hpp — rewriting a compiled expression so that it does less work.
//
// Two rewrites, both exact: the new code gives the same value, or fails
// with the same error, as the code it replaces, under every evaluator.
//
// Repeats. Take a subexpression followed at once by an identical one, as in
// `(a Add b) Sub (a Add b) Div m Mul m`. The second copy computes the same
// value: expressions only read, and nothing runs between the two copies.
// So the second copy becomes Dup. If the first copy fails, the second is
// never reached, so errors do not change either. Code with calls is left
// alone, since a call may write.
//
// Remainders. DIR has no remainder operator, so programs write `x Sub x Div
// m Mul m`. After the first rewrite that is `x Dup Div m Mul m Sub`, with m
// an immediate or a constant, and it becomes `x RemImm m` (or RemConst).
// Evaluators run Rem as exactly those three operators, with their errors;
// the fast evaluator runs it as one `%` when that cannot fail.
#pragma once

#include <cstdint>

#include "dust/opcodes.hpp"

namespace dust {

// Folding looks at expressions of these sizes only; beyond them the code
// stays as compiled. Real expressions are far smaller.
inline constexpr std::uint32_t kFoldMaxDepth = 64;
inline constexpr std::uint32_t kFoldMaxRepeat = 64;
inline constexpr std::uint32_t kFoldMaxRepeats = 32;

// How many values an instruction takes from the stack; -1 for one that
// folding leaves alone (calls, parse failures, array and struct literals).
inline int fold_pops(Instr in) {
  const Op op = in.op();
  if (is_fused(op)) return 1;
  if (is_binary(op)) return 2;
  switch (op) {
    case Op::PushInt:
    case Op::PushConst:
    case Op::Load: return 0;
    case Op::Not:
    case Op::Neg:
    case Op::Field: return 1;
    case Op::Index: return 2;
    default: return -1;
  }
}

// Rewrites code[0, n) in place and returns its new length.
//
// `Operands` says when two instructions of the original code are the same,
// which depends on what their operands mean (slots, or name ordinals before
// the names are interned; constants compare by value):
//   bool same(std::uint32_t i, std::uint32_t j)  instructions i and j
//   bool same_constant(std::uint32_t a, std::uint32_t b)  constants a and b
//   void moved(std::uint32_t from, std::uint32_t to)  instruction `from`
//        of the original code now stands at `to`; called in order for every
//        instruction kept, or not at all when the code stays as it was
template <class Operands>
std::uint32_t fold_code(Instr* code, std::uint32_t n, Operands& operands) {
  struct Range {
    std::uint32_t begin, end;
  };
  // Pass 1: find the repeats. Each stack entry remembers where the code
  // that computed it begins; the entry below the top ends where the top's
  // code begins, so the two are adjacent and compare directly.
  std::uint32_t starts[kFoldMaxDepth];
  std::uint32_t depth = 0;
  Range repeats[kFoldMaxRepeats];
  std::uint32_t repeat_count = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const int pops = fold_pops(code[i]);
    if (pops < 0 || static_cast<std::uint32_t>(pops) > depth) return n;
    const std::uint32_t start = pops == 0 ? i : starts[depth - static_cast<std::uint32_t>(pops)];
    depth -= static_cast<std::uint32_t>(pops);
    if (depth == kFoldMaxDepth) return n;
    starts[depth++] = start;
    if (depth < 2) continue;
    const std::uint32_t below = starts[depth - 2];
    const std::uint32_t length = start - below;
    if (i + 1 - start != length || length > kFoldMaxRepeat) continue;
    bool same = true;
    for (std::uint32_t k = 0; k < length && same; ++k) same = operands.same(below + k, start + k);
    if (!same) continue;
    // A repeat found inside this one earlier is part of what it replaces.
    while (repeat_count > 0 && repeats[repeat_count - 1].begin >= start) --repeat_count;
    if (repeat_count < kFoldMaxRepeats) repeats[repeat_count++] = Range{start, i + 1};
  }
  if (repeat_count == 0) return n;

  // Pass 2: copy down, each repeat as a Dup, and a Dup followed by the
  // remainder's three operators as one Rem.
  auto remainder_follows = [&](std::uint32_t at) {
    if (at + 3 > n || code[at + 2].op() != Op::Sub) return false;
    const Op div = code[at].op(), mul = code[at + 1].op();
    if (div == fused_op(Op::Div, FusedForm::Imm)) {
      return mul == fused_op(Op::Mul, FusedForm::Imm) && code[at].a() == code[at + 1].a();
    }
    return div == fused_op(Op::Div, FusedForm::Const) && mul == fused_op(Op::Mul, FusedForm::Const) &&
           operands.same_constant(code[at].a(), code[at + 1].a());
  };
  std::uint32_t out = 0, in = 0;
  for (std::uint32_t r = 0; r <= repeat_count; ++r) {
    const std::uint32_t copy_end = r < repeat_count ? repeats[r].begin : n;
    for (; in < copy_end; ++in) {
      operands.moved(in, out);
      code[out++] = code[in];
    }
    if (r == repeat_count) break;
    in = repeats[r].end;
    if (remainder_follows(in)) {
      const bool imm = fused_form(code[in].op()) == FusedForm::Imm;
      code[out++] = Instr::make(imm ? Op::RemImm : Op::RemConst, code[in].a());
      in += 3;
    } else {
      code[out++] = Instr::make(Op::Dup);
    }
  }
  return out;
}

}  // namespace dust

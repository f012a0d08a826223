// opcodes.hpp — the DVM's expression instructions and statement kinds.
//
// This file is the table a reader starts from, as Lua's lopcodes.h. An
// expression string is compiled once, at load, into postfix instructions
// that run on a small value stack. Postfix order is exactly the order in
// which the reference's one-pass parse-and-evaluate meets operands and
// applies operators, so errors surface in the same order.
//
// Instruction word: bits 0..7 opcode, bits 8..31 operand A (24 bits).
//
// opcode      operand A        stack            errors (kind Runtime unless noted)
// ----------  ---------------  ---------------  -----------------------------------------------
// PushInt     signed imm24     -> Int
// PushConst   constant index   -> value
// Load        slot             -> value         unknown identifier: <name>
// Add Sub     -                a b -> Int       Add/Sub requires int operands; integer overflow
// Mul Div     -                a b -> Int       Mul/Div requires int operands; division by zero;
//                                               integer overflow
// Rem         -                a b -> Int       Rem requires int operands; division by zero;
//                                               integer overflow (MIN Rem -1, as MIN Div -1)
// BitAnd BitOr BitXor  -       a b -> Int       bitwise operator requires int operands
// Shl Shr     -                a b -> Int       shift requires int operands;
//                                               shift amount out of range: <n>
// Eq Ne       -                a b -> Bool      (structural; mixed types are unequal)
// Lt Le Gt Ge -                a b -> Bool      comparison requires int operands
// And Or      -                a b -> Bool      And requires bool operands / Or requires ...
// Not         -                a -> Bool        Not requires a bool operand
// Neg         -                a -> Int         Neg requires an int operand; integer overflow
// Call        callsite index   args.. -> value  unknown callee: <target>; call depth limit
//                                               exceeded; <proc> expects N arguments, got M
// Field       name index       s -> value       no field <f> on <value>
// Index       -                a i -> value     index requires an array and an int;
//                                               index out of bounds: <i>
// MakeArray   count            v.. -> Array
// MakeStruct  shape index      v.. -> Struct
// Fail        text index       -                the parse error the reference reports at
//                                               this point of the expression
// Dup         -                a -> a a
// RemImm      signed imm24     a -> Int         as `Dup; DivImm m; MulImm m; Sub`, with
// RemConst    constant index                    those operators' errors
//
// Fused forms. After compiling, a peephole pass folds an operand push into
// the binary operator that consumes it: `Load s; Add` becomes `AddSlot s`
// (top = top Add slot s), `PushInt k; Mul` becomes `MulImm k`, `PushConst c;
// Div` becomes `DivConst c`. The fused operand is read (and an unbound name
// reported) before the operator checks its operands, exactly as unfused.
// Every binary operator from Add to Or has the three forms, in that order,
// after the other opcodes; `fused_op(op, form)` computes them.
//
// Dup, RemImm and RemConst are never written in DIR: code_folding.hpp puts
// them in place of a repeated subexpression and of the `x Sub x Div m Mul m`
// remainder.
#pragma once

#include <cstdint>

namespace dust {

enum class Op : std::uint8_t {
  PushInt,
  PushConst,
  Load,
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  BitAnd,
  BitOr,
  BitXor,
  Shl,
  Shr,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or,
  Not,
  Neg,
  Call,
  Field,
  Index,
  MakeArray,
  MakeStruct,
  Fail,
  Dup,
  RemImm,
  RemConst,
  // Fused forms: for each binary op B in Add..Or, BSlot, BImm, BConst.
  FusedBase,
};

inline constexpr int kBinaryFirst = static_cast<int>(Op::Add);
inline constexpr int kBinaryLast = static_cast<int>(Op::Or);
inline constexpr int kBinaryCount = kBinaryLast - kBinaryFirst + 1;

enum class FusedForm : std::uint8_t { Slot = 0, Imm = 1, Const = 2 };

constexpr bool is_binary(Op op) {
  int o = static_cast<int>(op);
  return o >= kBinaryFirst && o <= kBinaryLast;
}
constexpr Op fused_op(Op binary, FusedForm form) {
  return static_cast<Op>(static_cast<int>(Op::FusedBase) + static_cast<int>(form) * kBinaryCount +
                         (static_cast<int>(binary) - kBinaryFirst));
}
constexpr bool is_fused(Op op) { return static_cast<int>(op) >= static_cast<int>(Op::FusedBase); }
// The binary operator and operand form of a fused opcode.
constexpr Op fused_binary(Op fused) {
  int k = static_cast<int>(fused) - static_cast<int>(Op::FusedBase);
  return static_cast<Op>(kBinaryFirst + k % kBinaryCount);
}
constexpr FusedForm fused_form(Op fused) {
  int k = static_cast<int>(fused) - static_cast<int>(Op::FusedBase);
  return static_cast<FusedForm>(k / kBinaryCount);
}

const char* op_name(Op op);

struct Instr {
  std::uint32_t bits;

  static constexpr std::int32_t kImmMin = -(1 << 23);
  static constexpr std::int32_t kImmMax = (1 << 23) - 1;
  static constexpr std::uint32_t kOperandMax = (1u << 24) - 1;

  static Instr make(Op op, std::uint32_t a = 0) { return Instr{static_cast<std::uint32_t>(op) | (a << 8)}; }
  static Instr make_int(std::int32_t imm) {
    return make(Op::PushInt, static_cast<std::uint32_t>(imm) & kOperandMax);
  }
  Op op() const { return static_cast<Op>(bits & 0xff); }
  std::uint32_t a() const { return bits >> 8; }
  std::int32_t imm() const { return static_cast<std::int32_t>(bits) >> 8; }
};

// Statement kinds. A "step" executes one simple statement, one check of a
// compound statement, a call entry, or a return.
//
// kind       fields used                      ticks
// ---------  -------------------------------  ---------------------------------------------
// Let        slot, expr (or q_form / phi)     once when it completes
// Assign     slot, expr                       once (target must be bound)
// Constrain  expr, text = predicate           once (Φ: skipped, still ticks)
// Prove      slot, expr, text = predicate     once
// Effect     expr, text = kind                once
// Return     expr (or none)                   never (Φ: ignored, ticks)
// If         expr, body, else_body            the condition check ticks once
// While      expr, body                       every condition check ticks (the last too)
// For        slot, expr (start), expr2 (end)  the bounds evaluation ticks, every iteration
//            body                             check ticks
// Break      -                                once
// Continue   -                                once
// Eval       expr, slot (optional result)     Call statements and the memory statements
//                                             lowered to calls: once when the call returns
enum class StmtKind : std::uint8_t {
  Let,
  Assign,
  Constrain,
  Prove,
  Effect,
  Return,
  If,
  While,
  For,
  Break,
  Continue,
  Eval,
};

const char* stmt_kind_name(StmtKind kind);

}  // namespace dust

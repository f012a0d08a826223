// scalar_ops.hpp — the binary operators on Int and Bool, defined once.
//
// The simple-step lane computes with these directly; step()'s evaluators
// (machine.cpp) take them first and turn to the reference's messages only
// when one answers false. False means an error or something that is not
// plain Int/Bool arithmetic (mixed types, And on Ints): the caller then
// applies the full rules. Everything here is inline, so where the operator
// is a constant only its case remains.
#pragma once

#include <cstdint>

#include "dust/opcodes.hpp"
#include "dust/value.hpp"

namespace dust {

// An Int or a Bool, as the lane computes with them.
struct Scalar {
  std::int64_t v = 0;
  bool is_bool = false;
};

inline bool read_scalar(const Value& value, std::int64_t& v, bool& is_bool) {
  if (value.is_int()) {
    v = value.as_int();
    is_bool = false;
    return true;
  }
  if (value.is_bool()) {
    v = value.as_bool() ? 1 : 0;
    is_bool = true;
    return true;
  }
  return false;
}

// Stores an Int or a Bool computed as a scalar.
inline void write_scalar(Value& cell, std::int64_t x, bool is_bool) {
  if (is_bool) {
    cell.set_bool(x != 0);
  } else {
    cell.set_int(x);
  }
}

// The remainder of x Div m, truncated toward zero (the sign of x). m is not
// 0, nor -1 when x is the least Int: the callers refuse those first.
// A 64-bit divide takes several times as long as a 32-bit one, and most
// operands in real programs fit 32 bits.
[[gnu::always_inline]] inline std::int64_t truncated_remainder(std::int64_t x, std::int64_t m) {
  if (((static_cast<std::uint64_t>(x) | static_cast<std::uint64_t>(m)) >> 32) == 0) {
    return static_cast<std::uint32_t>(x) % static_cast<std::uint32_t>(m);
  }
  return x % m;
}

// Applies binary operator `op` to x and y, leaving the result in x. False
// for anything that is an error, or not plain Int/Bool arithmetic, under the
// reference's rules.
[[gnu::always_inline]] inline bool apply_scalar(Op op, std::int64_t& x, bool& x_bool, std::int64_t y, bool y_bool) {
  switch (op) {
    case Op::And:
    case Op::Or:
      if (!x_bool || !y_bool) return false;
      x = op == Op::And ? (x & y) : (x | y);
      return true;
    case Op::Eq:
    case Op::Ne:
      if (x_bool != y_bool) return false;
      x = (x == y) == (op == Op::Eq);
      x_bool = true;
      return true;
    default: break;
  }
  if (x_bool || y_bool) return false;
  switch (op) {
    case Op::Add: return !__builtin_add_overflow(x, y, &x);
    case Op::Sub: return !__builtin_sub_overflow(x, y, &x);
    case Op::Mul: return !__builtin_mul_overflow(x, y, &x);
    case Op::Div:
      if (y == 0 || (x == INT64_MIN && y == -1)) return false;
      // A 64-bit divide takes several times as long as a 32-bit one, and
      // most quotients in real programs have operands that fit 32 bits.
      if (((static_cast<std::uint64_t>(x) | static_cast<std::uint64_t>(y)) >> 32) == 0) {
        x = static_cast<std::uint32_t>(x) / static_cast<std::uint32_t>(y);
      } else {
        x /= y;
      }
      return true;
    case Op::Rem:
      // Fails where Div fails.
      if (y == 0 || (x == INT64_MIN && y == -1)) return false;
      x = truncated_remainder(x, y);
      return true;
    case Op::BitAnd: x &= y; return true;
    case Op::BitOr: x |= y; return true;
    case Op::BitXor: x ^= y; return true;
    case Op::Shl:
      if (static_cast<std::uint64_t>(y) > 63) return false;
      x = static_cast<std::int64_t>(static_cast<std::uint64_t>(x) << y);
      return true;
    case Op::Shr:
      if (static_cast<std::uint64_t>(y) > 63) return false;
      x >>= y;
      return true;
    case Op::Lt: x = x < y; x_bool = true; return true;
    case Op::Le: x = x <= y; x_bool = true; return true;
    case Op::Gt: x = x > y; x_bool = true; return true;
    case Op::Ge: x = x >= y; x_bool = true; return true;
    default: return false;
  }
}

// The remainder `x Sub x Div m Mul m` (RemImm, RemConst) as one `%`, which
// agrees with it whenever neither can fail; m = -1 is left to the general
// evaluator, since x Div -1 overflows for the least x.
[[gnu::always_inline]] inline bool apply_remainder(std::int64_t& x, bool x_bool, std::int64_t m) {
  if (x_bool || m == 0 || m == -1) return false;
  x = truncated_remainder(x, m);
  return true;
}

}  // namespace dust

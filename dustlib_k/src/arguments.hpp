// arguments.hpp — how dustlib_k intrinsics take their arguments.
//
// Core checks the argument count; the types are checked here, and each
// message names the intrinsic as the program called it, the parameter and
// the value it got: `alloc expects an Int size, got String("x")`. A wrong
// type is a Runtime error, like the machine's own operand errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dust/intrinsics.hpp"
#include "dust/value.hpp"

namespace dust::k {

inline IntrinsicResult wrong_argument(const IntrinsicContext& ctx, const char* expected, const Value& got) {
  return IntrinsicResult::fail(ErrorKind::Runtime,
                               std::string(ctx.name) + " expects " + expected + ", got " + render_rust_debug(got));
}

// Reads argument `i` as an Int; on a wrong type returns the error to give back.
inline std::optional<IntrinsicResult> int_arg(const IntrinsicContext& ctx, std::span<const Value> args, std::size_t i,
                                              const char* expected, std::int64_t& out) {
  if (!args[i].is_int()) return wrong_argument(ctx, expected, args[i]);
  out = args[i].as_int();
  return std::nullopt;
}

inline std::optional<IntrinsicResult> string_arg(const IntrinsicContext& ctx, std::span<const Value> args,
                                                 std::size_t i, const char* expected, std::string& out) {
  if (!args[i].is_string()) return wrong_argument(ctx, expected, args[i]);
  out = args[i].as_string();
  return std::nullopt;
}

inline std::optional<IntrinsicResult> count_arg(const IntrinsicContext& ctx, std::span<const Value> args,
                                                std::size_t i, const char* expected, std::int64_t& out) {
  if (auto bad = int_arg(ctx, args, i, expected, out)) return bad;
  if (out < 0) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure,
                                 std::string(ctx.name) + " expects " + expected + ", got " + std::to_string(out));
  }
  return std::nullopt;
}

}  // namespace dust::k

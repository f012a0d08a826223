// lib_events.hpp — how the dustlib_k modules that honour quiet calls
// (memory, sync, threading) report library events.
//
// A quiet call (the lane's, in a plain run) reports nothing, and such calls
// are most loads, stores, locks and unlocks of a threaded run: so the quiet
// test is inline and the event is built out of line, and a quiet call costs
// one branch rather than a call and an empty string.
#pragma once

#include <cstdint>
#include <string>

#include "dust/intrinsics.hpp"
#include "dust/step_event.hpp"

namespace dust::k {

// Built in place, from its fields: a LibEvent pushed as a temporary is
// moved in, and moving its two empty strings copied their (short-string)
// buffers, two memcpy calls for every event of a recorded run's loads,
// stores, locks and unlocks; one made empty (emplace_back()) is zeroed
// whole before its fields are set.
[[gnu::noinline]] inline void record_lib_event(IntrinsicContext& ctx, LibEventKind kind, std::int64_t a,
                                               std::int64_t b, std::int64_t c) {
  ctx.event.lib.emplace_back(kind, a, b, c);
}

// An event without text, as most are (no empty string is passed along).
inline void emit(IntrinsicContext& ctx, LibEventKind kind, std::int64_t a, std::int64_t b = 0, std::int64_t c = 0) {
  if (!ctx.quiet) record_lib_event(ctx, kind, a, b, c);
}

// An event that carries bytes (a string written to or read from the heap).
inline void emit(IntrinsicContext& ctx, LibEventKind kind, std::int64_t a, std::int64_t b, std::int64_t c,
                 std::string text) {
  if (!ctx.quiet) ctx.event.lib.emplace_back(kind, a, b, c, std::move(text));
}

}  // namespace dust::k

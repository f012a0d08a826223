// frame_cursors.hpp — how a frame's block cursors move on after a step.
//
// The step runner (machine.cpp) and the simple-step lane (simple_steps.cpp)
// both move cursors; sharing these two functions is what keeps them agreeing
// on where a thread goes next.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dust/machine.hpp"

namespace dust {

// A finished loop body turns to its loop's next check, a For's with its
// counter advanced.
inline void turn_to_loop_check(const Program& p, BlockCursor& c) {
  if (p.stmts[c.loop_stmt].kind == StmtKind::For) c.for_counter++;
  c.for_checking = true;
}

// The index of the frame's innermost loop body cursor, or -1 outside loops.
inline int innermost_loop(const Frame& f) {
  for (std::size_t i = f.cursors.size(); i-- > 0;) {
    if (f.cursors[i].loop_stmt != kNoStmt) return static_cast<int>(i);
  }
  return -1;
}

// Continue: the body of the loop whose body cursor is `loop` ends early,
// with every block inside it, and the loop checks next.
inline void continue_loop(const Program& p, Frame& f, std::size_t loop) {
  f.cursors.resize(loop + 1);
  turn_to_loop_check(p, f.cursors.back());
}

// Leaves finished blocks: a finished branch block is popped, a finished loop
// body turns to its loop's next check (a For with its counter advanced).
// Returns false when the frame's outermost block has finished, which means
// its proc returns.
inline bool settle_cursors(const Program& p, Frame& f) {
  while (!f.cursors.empty()) {
    BlockCursor& c = f.cursors.back();
    if (c.for_checking || c.index < p.blocks[c.block].count) return true;
    if (c.loop_stmt == kNoStmt) {
      f.cursors.pop_back();
      continue;
    }
    turn_to_loop_check(p, c);
    return true;
  }
  return false;
}

// Whether settle_cursors would find the frame finished if the cursors above
// `top` were gone and cursor `top` stood at `index`. The simple-step lane
// asks this before it commits a step, because a frame that finishes returns,
// and a return is not a simple step.
inline bool would_finish_frame(const Program& p, const Frame& f, std::size_t top, std::uint32_t index) {
  for (std::size_t i = top + 1; i-- > 0;) {
    const BlockCursor& c = f.cursors[i];
    std::uint32_t at = i == top ? index : c.index;
    if (at < p.blocks[c.block].count || c.loop_stmt != kNoStmt) return false;
  }
  return true;
}

}  // namespace dust

// cursor_snapshot.hpp — everything the State inspector shows at the cursor.
//
// Built once each time the cursor moves, from the machine after `cursor`
// steps and the events around it: every thread with every frame and its
// bindings, heap blocks, mutex owners and waiters, open files, the Q table
// and Φ witnesses, all rendered to text. What the last step changed (and
// the focus thread's own last step, when another thread ran after it) is
// flagged so the view can highlight it. Views draw from this without
// formatting anything per frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "model/session_names.hpp"

namespace dust::dbg {

struct BindingView {
  std::uint32_t slot = 0;
  std::string name;
  std::string value;
  bool changed = false;
};

struct FrameView {
  std::uint32_t depth = 0;
  std::uint32_t proc = 0;
  std::uint32_t stmt = kNoStmt;  // the statement this frame is at
  std::string title;             // "worker  (worker/body[2])"
  std::vector<BindingView> bindings;
};

struct ThreadView {
  std::uint32_t id = 0;
  ThreadState state = ThreadState::Runnable;
  bool runs_next = false;        // step `cursor` is this thread's
  std::string title;             // "T1 worker — blocked: mutex 1 (held by thread 2)"
  std::vector<FrameView> frames; // outermost first
  std::uint32_t current_stmt() const { return frames.empty() ? kNoStmt : frames.back().stmt; }
};

struct HeapView {
  std::int64_t address = 0;
  std::int64_t size = 0;
  bool live = true;
  std::uint32_t owner = 0;
  std::uint64_t alloc_step = 0;
  std::uint64_t free_step = 0;
  std::string preview;           // the first bytes, in hex
  bool changed = false;
};

struct MutexView {
  std::int64_t id = 0;
  std::int64_t owner = -1;
  std::string text;              // "held by T1; waiting: T2, T3"
  bool changed = false;
};

struct FileView {
  std::int64_t fd = 0;
  std::string text;              // "fd 3  out.txt  (w)  at 12"
  bool open = true;
  bool changed = false;
};

struct QView {
  std::string resource;
  std::string text;              // "qres:a:1  File  live, bound to b"
  bool live = true;
};

struct CursorSnapshot {
  std::uint64_t step = 0;
  std::uint64_t tick = 0;
  std::vector<ThreadView> threads;
  std::vector<HeapView> heap;
  std::vector<MutexView> mutexes;
  std::vector<FileView> files;
  std::vector<QView> q;
  std::vector<std::string> witnesses;
  std::string outcome;           // "running", "finished: returned 3", "failed: ..."
  std::optional<StepEvent> next; // step `cursor`, about to run
  std::optional<StepEvent> last; // step `cursor - 1`, which produced this state
  std::string next_text;         // "T1 worker/body[2]  let x = a Add 1"
  std::string last_text;
  std::vector<std::string> changes;  // "x: 1 → 2", "heap 16777216 written", ...
  // The machine itself, for views that read more (the memory view's bytes).
  std::optional<Machine> machine;
};

// The statement `frame` is at: its innermost block's next statement, or
// the loop whose check comes next.
std::uint32_t frame_statement(const Program& program, const Frame& frame);

// Fills `out` from the machine after `step` steps. `last` is step - 1,
// `focus_last` the focus thread's own last step when that is earlier, and
// `next` step `step` (each may be null).
void build_snapshot(Machine machine, std::uint64_t step, const ProgramListing& listing, const StepEvent* last,
                    const StepEvent* focus_last, const StepEvent* next, CursorSnapshot& out);

// One line describing a step: "T1 worker/body[2]  let x = a Add 1".
std::string describe_step(const StepEvent& event, const ProgramListing& listing);

}  // namespace dust::dbg

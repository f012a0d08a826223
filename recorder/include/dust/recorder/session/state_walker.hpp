// state_walker.hpp — the machine at a step, for a walk forward through a recording.
//
// Evaluating a condition or a logpoint at each hit needs the whole state
// before each hit step. Rebuilding each from a keyframe would re-execute up
// to a keyframe interval per hit; a walk forward instead keeps one machine
// and steps it from one hit to the next, falling back to the reader's
// state_at when the next step is behind it or far ahead.
#pragma once

#include <cstdint>
#include <optional>

#include "dust/machine.hpp"
#include "dust/recorder/trace_reader.hpp"

namespace dust::session {

class StateWalker {
 public:
  explicit StateWalker(rec::TraceReader& reader) : reader_(reader) {}

  // The machine after `step` steps (the state step `step` sees).
  const Machine& at(std::uint64_t step);

  // Beyond this many steps ahead, a keyframe is nearer than stepping.
  static constexpr std::uint64_t kMaxWalk = 20000;

 private:
  rec::TraceReader& reader_;
  std::optional<Machine> machine_;
  std::uint64_t step_ = 0;
  StepEvent event_;
};

}  // namespace dust::session

// state_report.hpp — a moment of a run in words: one line per step, and the
// whole machine state as text or JSON (`dustrun inspect --at`).
#pragma once

#include <string>

#include "dust/machine.hpp"
#include "dust/step_event.hpp"

namespace dust::rec {

// "step 12 tick 7->8 thread 0 main/body[2] statement | x = 5 | effect emit \"hi\""
std::string describe_step(const Program& program, const StepEvent& event);

// Threads with frames and bindings, heap blocks, mutexes, files, the Q
// table, Φ witnesses, effects so far and the outcome.
std::string state_text(const Machine& machine);
std::string state_json(const Machine& machine);

}  // namespace dust::rec

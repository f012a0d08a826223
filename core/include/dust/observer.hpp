// observer.hpp — the narrow interface through which the machine is watched.
//
// The recorder implements it; so does the CLI's --trace printer. Observers
// see each step after it happened and the machine as it is then; they cannot
// change it.
#pragma once

#include "dust/machine.hpp"
#include "dust/step_event.hpp"

namespace dust {

class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void on_start(const Machine& machine) { (void)machine; }
  virtual void on_step(const Machine& machine, const StepEvent& event) = 0;
  // An observer that takes simple steps in bulk returns its batch here
  // (non-null for the whole run). The machine then appends simple steps to
  // the batch instead of calling on_step for each, and hands the batch over
  // with on_simple_steps when it is full, before any other step, and before
  // on_finish. `machine` is then as after the batch's last step. The
  // observer may change the batch's capacity for the next run (never its
  // storage's length); the machine empties the batch before each refill.
  // An observer that sets the batch's `observer` to itself also gets the
  // lane's call steps, blocks and thread switches (step_event.hpp): each
  // through on_step, with the batch of simple steps before it handed over
  // first, so every hand-over sees the machine exactly as step() would
  // have left it after that step. A batch handed over may then be empty.
  virtual SimpleStepBatch* simple_steps() { return nullptr; }
  virtual void on_simple_steps(const Machine& machine, const SimpleStepBatch& batch) {
    (void)machine;
    (void)batch;
  }
  virtual void on_finish(const Machine& machine) { (void)machine; }
};

}  // namespace dust

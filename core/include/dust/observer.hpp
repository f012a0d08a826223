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
  virtual void on_finish(const Machine& machine) { (void)machine; }
};

}  // namespace dust

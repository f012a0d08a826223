// checkpoint_runs.cpp — exact-step runs and checkpoints (see checkpoint_runs.hpp).
#include "checkpoint_runs.hpp"

#include <algorithm>

namespace dust::rec {

void run_until(Machine& machine, std::uint64_t target, StepEvent& event) {
  while (!machine.done() && machine.steps < target) {
    machine.run_simple(target - machine.steps);
    if (!machine.done() && machine.steps < target) machine.step(event, false);
  }
}

void run_observed_until(Machine& machine, std::uint64_t target, ExecutionObserver& observer, StepEvent& event) {
  SimpleStepBatch* batch = observer.simple_steps();
  while (!machine.done() && machine.steps < target) {
    const std::uint64_t before = machine.steps;
    if (batch != nullptr) {
      // The lane counts every step it takes, call steps too, against its
      // limit: with the batch no larger than what is left, it stops at
      // `target` at the latest. The observer sizes the batch again at
      // each hand-over; it only ever gets smaller here.
      batch->size = 0;
      batch->capacity = static_cast<std::uint32_t>(std::min<std::uint64_t>(batch->capacity, target - machine.steps));
      if (machine.run_simple(batch->capacity, batch) > 0) observer.on_simple_steps(machine, *batch);
      // Where the lane went on, it may go on again; where it took nothing,
      // the next step is step()'s.
      if (machine.steps != before) continue;
      if (machine.done()) break;
    }
    machine.step(event);
    observer.on_step(machine, event);
  }
}

CheckpointChunk checkpoint_of(const Machine& machine, const MachineHasher& hasher, std::size_t effects_from) {
  CheckpointChunk c;
  c.step = machine.steps;
  c.tick = machine.tick;
  c.current = machine.current;
  c.rng_state = machine.rng_state;
  c.threads = static_cast<std::uint32_t>(machine.threads.size());
  c.effects = machine.effects.size();
  MachineHash h = hasher(machine, std::min(effects_from, machine.effects.size()));
  c.digest_lo = h.lo;
  c.digest_hi = h.hi;
  return c;
}

std::uint64_t checkpoint_interval(const Machine& machine) {
  const std::uint64_t heap_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, machine.k.heap.live_bytes));
  const std::uint64_t state_bytes = machine.memory.frame_bytes + heap_bytes + machine.memory.file_bytes;
  return std::clamp<std::uint64_t>(state_bytes / 4, kCheckpointSteps, kMaxBlockSteps);
}

}  // namespace dust::rec

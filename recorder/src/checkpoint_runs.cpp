// checkpoint_runs.cpp — checkpoints and their spacing (see checkpoint_runs.hpp).
#include "checkpoint_runs.hpp"

#include <algorithm>

namespace dust::rec {

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

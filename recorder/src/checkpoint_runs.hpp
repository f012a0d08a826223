// checkpoint_runs.hpp — what a checkpoint trace (format 4) and its reader
// share: the checkpoint a machine is at, and how far apart checkpoints are.
//
// The recorder runs the program unobserved between checkpoints, on the
// machine's lanes, as a plain run does; the reader re-executes the same
// steps, observed by a steps recorder or by nobody, and compares each
// checkpoint with the recorded one. Both stop at exactly the recorded
// step (run_until and run_observed_until in dust/machine.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dust/machine.hpp"
#include "dust/machine_hash.hpp"
#include "trace_chunks.hpp"

namespace dust::rec {

// The checkpoint `machine` is at, hashing the effects from `effects_from`
// on (those of the checkpoint before are covered by its digest).
CheckpointChunk checkpoint_of(const Machine& machine, const MachineHasher& hasher, std::size_t effects_from);

// Steps from one checkpoint to the next: kCheckpointSteps, and more for a
// machine whose state is large, so that hashing it stays a small part of
// the run (at most about a byte hashed per four steps' worth of the state).
// It depends only on the state, so a reader re-executing the run computes
// the same, and refuses a checkpoint farther away than that.
inline constexpr std::uint64_t kCheckpointSteps = 16384;
std::uint64_t checkpoint_interval(const Machine& machine);

}  // namespace dust::rec

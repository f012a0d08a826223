// checkpoint_runs.hpp — what a checkpoint trace (format 4) and its reader
// share: running a machine to an exact step, and the checkpoint a machine
// is at.
//
// The recorder runs the program unobserved between checkpoints, on the
// machine's lanes, as a plain run does; the reader re-executes the same
// steps, observed by a steps recorder or by nobody, and compares each
// checkpoint with the recorded one. Both stop at exactly the recorded
// step: the lanes take a limit, and a batch never runs past it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dust/machine.hpp"
#include "dust/machine_hash.hpp"
#include "dust/observer.hpp"
#include "trace_chunks.hpp"

namespace dust::rec {

// Runs `machine` until it has taken `target` steps or is done, as
// run_to_end would without an observer.
void run_until(Machine& machine, std::uint64_t target, StepEvent& event);

// The same with every step handed to `observer`, as run_to_end would hand
// them (batches of simple steps where it takes them, never past `target`).
// Neither on_start nor on_finish: the caller decides where the run starts
// and whether it ends.
void run_observed_until(Machine& machine, std::uint64_t target, ExecutionObserver& observer, StepEvent& event);

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

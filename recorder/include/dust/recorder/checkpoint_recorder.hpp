// checkpoint_recorder.hpp — records a run as a checkpoint trace (format 4).
//
// A run that reads nothing outside the machine (simulate mode without
// --fs-root) is decided by its program and configuration: the seed, or a
// schedule token, picks every thread. So, as rr does, this recorder keeps
// what makes the run reproducible (the configuration and the program) and
// a checkpoint every so many steps (the machine's digest, its tick and the
// scheduler's position), and lets the machine run unobserved on its lanes
// in between: recording costs little more than the run. A reader
// re-executes the run once, checking every checkpoint, into the steps trace
// the Recorder would have written (trace_format.hpp); every query then
// reads that. A recorder killed at any moment leaves a file readable up to
// its last checkpoint.
#pragma once

#include <memory>
#include <string>

#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/recorder/recorder.hpp"

namespace dust::rec {

// Whether a run with `config` can be recorded as a checkpoint trace: it
// reads nothing outside the machine.
bool reproducible_from_config(const RunConfig& config);

class CheckpointRecorder {
 public:
  // As Recorder's; `options` give the block and keyframe spacing of the
  // steps a reader re-derives, and the progress line.
  CheckpointRecorder(std::string trace_path, std::string program_text, std::string program_path,
                     RecorderOptions options = {});
  ~CheckpointRecorder();

  // Runs `machine` (not yet started) to its end, recording it. `observer`,
  // if given, also sees every step, from on_start to on_finish (--trace);
  // the run is then as slow as an observed one.
  const RunOutcome& run(Machine& machine, ExecutionObserver* observer = nullptr);

  // False once writing failed; the run goes on but the trace is cut there.
  bool ok() const;
  const std::string& error() const;
  // steps, blocks (here: checkpoints) and file bytes.
  const RecorderStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dust::rec

// recorder.hpp — records a run into a .dtrace file.
//
// The Recorder is an ExecutionObserver: hand it to run_to_end and every
// step is encoded as a compact delta, blocks of deltas are compressed and
// written as they fill, and a keyframe (the whole machine) precedes a
// block every `keyframe_steps` steps, so any step can be reached by
// re-executing at most that many steps. Steps are counted by what they
// cost to re-execute: a plain step of a lone thread, which seeks replay on
// the machine's simple-step lane, counts a quarter, so such runs get
// blocks and keyframes up to four times as far apart. The file is usable
// even if the process dies mid-run: see trace_format.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dust/observer.hpp"

namespace dust::rec {

struct RecorderOptions {
  std::uint32_t block_steps = 8192;        // a block closes after this many steps (as counted above, at most 65536)...
  std::uint32_t block_bytes = 1u << 20;    // ...or this many delta bytes
  std::uint32_t keyframe_steps = 8192;     // the least distance between keyframes
  // Large machines (a big heap) are keyframed less often, so keyframes cost
  // at most this many bytes per step on average; 0 keeps every
  // `keyframe_steps` whatever the size.
  double keyframe_bytes_per_step = 0.5;
  bool progress = false;                   // a progress line on stderr
  // Writes the trace into an anonymous in-memory file (memfd) named after
  // the trace path instead of creating that path; take_memory_fd() then
  // gives a descriptor to read it through. For a checkpoint trace's
  // re-derived steps.
  bool in_memory = false;
};

struct RecorderStats {
  std::uint64_t steps = 0;
  std::uint64_t blocks = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t raw_delta_bytes = 0;
  std::uint64_t file_bytes = 0;
};

class Recorder final : public ExecutionObserver {
 public:
  // `program_text` is the DIR the machine runs; it is embedded in the trace
  // so replay needs nothing else. `program_path` is only reported.
  Recorder(std::string trace_path, std::string program_text, std::string program_path, RecorderOptions options = {});
  ~Recorder() override;

  void on_start(const Machine& machine) override;
  void on_step(const Machine& machine, const StepEvent& event) override;
  // Simple steps arrive in batches whose capacity the recorder keeps
  // within the block being built, so blocks (and the keyframes before
  // them) fall where per-step recording puts them and the file is the
  // same byte for byte.
  SimpleStepBatch* simple_steps() override;
  void on_simple_steps(const Machine& machine, const SimpleStepBatch& batch) override;
  void on_finish(const Machine& machine) override;
  // Ends the trace without a finish record, after writing the steps taken
  // so far: the file is then as a recorder killed after them leaves it.
  void cut();

  // False once writing failed; the run goes on but the trace is cut there.
  bool ok() const;
  // With RecorderOptions::in_memory, after on_start: a new descriptor of
  // the in-memory trace, owned by the caller (-1 if there is none).
  int take_memory_fd();
  const std::string& error() const;
  const RecorderStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dust::rec

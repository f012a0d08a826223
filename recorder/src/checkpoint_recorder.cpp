// checkpoint_recorder.cpp — the recorder of checkpoint traces (see
// checkpoint_recorder.hpp).
#include "dust/recorder/checkpoint_recorder.hpp"

#include <cstdio>
#include <utility>

#include "checkpoint_runs.hpp"
#include "trace_chunks.hpp"
#include "trace_io.hpp"
#include "trace_output.hpp"

namespace dust::rec {

namespace {

constexpr const char* kCheckpointWriter = "dustrun checkpoint recorder 1";
constexpr std::uint64_t kCheckpointProgressEvery = 1ull << 24;

}  // namespace

bool reproducible_from_config(const RunConfig& config) {
  return config.effects == EffectMode::Simulate && config.fs_root.empty() && !config.replaying;
}

struct CheckpointRecorder::Impl {
  explicit Impl(std::string trace_path) : out(std::move(trace_path)) {}

  TraceOutput out;
  std::string program_text;
  std::string program_path;
  RecorderOptions options;
  RecorderStats stats;
  std::uint64_t next_progress = kCheckpointProgressEvery;

  void start(const Machine& machine) {
    std::string what;
    if (!out.writer().open(out.path(), what, kCheckpointFormatVersion, kCheckpointMinReadableVersion)) {
      out.fail(what);
      return;
    }
    ConfigChunk config;
    config.config = machine.config;
    config.program_path = program_path;
    config.block_steps = options.block_steps;
    config.keyframe_steps = options.keyframe_steps;
    config.keyframe_milli_bytes_per_step = static_cast<std::uint32_t>(options.keyframe_bytes_per_step * 1000.0 + 0.5);
    config.writer = kCheckpointWriter;
    out.write_start(config, kCheckpointFormatVersion, program_text);
  }

  void checkpoint(const Machine& machine, std::uint64_t since, const MachineHasher& hasher, std::size_t effects_from) {
    std::string bytes = encode_checkpoint(checkpoint_of(machine, hasher, effects_from));
    out.write(ChunkType::Checkpoint, Codec::Raw, static_cast<std::uint32_t>(bytes.size()), since,
          static_cast<std::uint32_t>(machine.steps - since), bytes);
    ++stats.blocks;
    stats.steps = machine.steps;
    if (options.progress && stats.steps >= next_progress) {
      report_progress(false);
      while (next_progress <= stats.steps) next_progress += kCheckpointProgressEvery;
    }
  }

  void finish(const Machine& machine) {
    std::string bytes = encode_finish(finish_of(machine));
    out.write(ChunkType::Finish, Codec::Raw, static_cast<std::uint32_t>(bytes.size()), machine.steps, 0, bytes);
    out.writer().close();
    if (options.progress) report_progress(true);
  }

  void report_progress(bool last) {
    std::fprintf(stderr, "\rrecording: %llu steps, %.1f KiB written%s", static_cast<unsigned long long>(stats.steps),
                 static_cast<double>(out.bytes()) / 1024.0, last ? "\n" : "");
    std::fflush(stderr);
  }
};

CheckpointRecorder::CheckpointRecorder(std::string trace_path, std::string program_text, std::string program_path,
                                       RecorderOptions options)
    : impl_(std::make_unique<Impl>(std::move(trace_path))) {
  impl_->program_text = std::move(program_text);
  impl_->program_path = std::move(program_path);
  impl_->options = options;
}

CheckpointRecorder::~CheckpointRecorder() = default;

bool CheckpointRecorder::ok() const { return !impl_->out.failed(); }
const std::string& CheckpointRecorder::error() const { return impl_->out.error(); }
const RecorderStats& CheckpointRecorder::stats() const {
  impl_->stats.file_bytes = impl_->out.bytes();
  return impl_->stats;
}

const RunOutcome& CheckpointRecorder::run(Machine& machine, ExecutionObserver* observer) {
  Impl& r = *impl_;
  r.start(machine);
  if (observer != nullptr) observer->on_start(machine);
  const MachineHasher hasher(machine.program());
  std::size_t effects_hashed = 0;
  while (!machine.done()) {
    const std::uint64_t since = machine.steps;
    const std::uint64_t target = since + checkpoint_interval(machine);
    if (observer != nullptr) {
      run_observed_until(machine, target, *observer);
    } else {
      run_until(machine, target);
    }
    // Every step counts (a step that fails the run too), so a run that is
    // not done has moved on; if it ever had not, the loop would never end.
    if (machine.steps == since) break;
    // A failed write cuts the trace there; the run goes on, as with Recorder.
    if (!r.out.failed()) r.checkpoint(machine, since, hasher, effects_hashed);
    effects_hashed = machine.effects.size();
  }
  if (observer != nullptr) observer->on_finish(machine);
  if (!r.out.failed()) r.finish(machine);
  return machine.outcome;
}

}  // namespace dust::rec

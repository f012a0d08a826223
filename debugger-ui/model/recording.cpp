// recording.cpp — running a program under the recorder, with progress and cancel.
#include "model/recording.hpp"

#include <fstream>
#include <new>
#include <sstream>

#include "dust/dir_loader.hpp"
#include "dust/phi_solver.hpp"
#include "dust/recorder/recorder.hpp"

namespace dust::dbg {

namespace {

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

}  // namespace

RecordOutcome record_program(const RecordRequest& request, const IntrinsicTable& intrinsics,
                             const std::atomic<bool>* cancel, std::atomic<std::uint64_t>* progress) {
  RecordOutcome outcome;
  std::string text;
  if (!read_file(request.program_path, text)) {
    outcome.error = request.program_path + ": cannot read the program";
    return outcome;
  }
  LoadResult loaded = load_dir_text(text);
  if (!loaded.ok()) {
    outcome.error = request.program_path + ": " + loaded.error.display();
    return outcome;
  }
  rec::Recorder recorder(request.trace_path, text, request.program_path);
  // Φ resolution is decided here, once; the trace keeps it for every seek.
  RunConfig config = request.config;
  prepare_phi(*loaded.program, config);
  Machine machine(loaded.program, &intrinsics, config);
  StepEvent event;
  recorder.on_start(machine);
  // As run_to_end does, with a cancel check and progress between rounds
  // (a batch of at most a few thousand simple steps, or one other step).
  std::uint64_t next_progress = 1024;
  while (!machine.done()) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      outcome.cancelled = true;
      break;
    }
    run_observed_round(machine, recorder, event);
    if (progress != nullptr && machine.steps >= next_progress) {
      progress->store(machine.steps, std::memory_order_relaxed);
      next_progress = machine.steps + 1024;
    }
  }
  // A cancelled run is not finished: without the finish chunk the trace
  // reads as cut short, which is what it is.
  if (!outcome.cancelled) recorder.on_finish(machine);
  if (progress != nullptr) progress->store(machine.steps, std::memory_order_relaxed);
  outcome.steps = machine.steps;
  outcome.status = machine.outcome.status;
  if (!recorder.ok()) {
    outcome.error = recorder.error();
    return outcome;
  }
  outcome.ok = true;
  return outcome;
}

RecordingJob::RecordingJob(RecordRequest request, const IntrinsicTable& intrinsics) : request_(std::move(request)) {
  worker_ = std::thread([this, &intrinsics] {
    RecordOutcome result;
    try {
      result = record_program(request_, intrinsics, &cancel_, &progress_);
    } catch (const std::bad_alloc&) {
      // Not an abort of the whole debugger: the trace so far stays readable
      // up to its last whole block.
      result = RecordOutcome{};
      result.error = request_.program_path + ": out of memory recording the run";
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      outcome_ = std::move(result);
    }
    finished_.store(true, std::memory_order_release);
  });
}

RecordingJob::~RecordingJob() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

RecordOutcome RecordingJob::outcome() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_;
}

}  // namespace dust::dbg

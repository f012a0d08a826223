// recording.hpp — recording a run from inside the debugger.
//
// `dustdbg program.dir` runs the program on a worker thread with the
// recorder observing it, while the window shows progress and offers
// Cancel. A cancelled recording stops at once and leaves a trace cut short
// at its last whole block, which still opens (the recorder's format keeps
// every written block readable).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"

namespace dust::dbg {

struct RecordRequest {
  std::string program_path;
  std::string trace_path;
  RunConfig config;
};

struct RecordOutcome {
  bool ok = false;              // a trace was written (perhaps cut short by Cancel)
  bool cancelled = false;
  std::string error;            // why there is no trace (load error, unwritable file)
  std::uint64_t steps = 0;
  MachineStatus status = MachineStatus::Running;
};

// Records synchronously. `cancel` is polled between steps; `progress`
// receives the number of steps run so far. Both may be null.
RecordOutcome record_program(const RecordRequest& request, const IntrinsicTable& intrinsics,
                             const std::atomic<bool>* cancel, std::atomic<std::uint64_t>* progress);

// A recording on a worker thread.
class RecordingJob {
 public:
  RecordingJob(RecordRequest request, const IntrinsicTable& intrinsics);
  ~RecordingJob();
  RecordingJob(const RecordingJob&) = delete;
  RecordingJob& operator=(const RecordingJob&) = delete;

  const RecordRequest& request() const { return request_; }
  std::uint64_t steps() const { return progress_.load(std::memory_order_relaxed); }
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }
  bool cancelling() const { return cancel_.load(std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Valid once finished().
  RecordOutcome outcome() const;

 private:
  RecordRequest request_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> progress_{0};
  mutable std::mutex mutex_;
  RecordOutcome outcome_;
  std::thread worker_;
};

}  // namespace dust::dbg

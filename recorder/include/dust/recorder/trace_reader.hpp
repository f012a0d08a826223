// trace_reader.hpp — the recorder's query API over a .dtrace file.
//
// This is the only way the debugger sees a run. A reader keeps the file's
// index, per-block summaries and a small cache of decoded blocks and
// keyframes; it never loads the whole trace. The state at any step is
// rebuilt from the nearest keyframe at or before it by deterministic
// re-execution, then checked against the recorded deltas. A checkpoint
// trace (format 4, checkpoint_recorder.hpp) has no deltas: its first query
// re-executes the run once into such a trace in memory, and every query
// reads that (recorder/src/checkpointed_reader.hpp).
//
// Step numbers: step k is the (k+1)-th call of Machine::step(); "the state
// at step N" is the machine after N steps have run (N = 0: before the
// first). Ranges are half-open [first, last) in steps.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/error.hpp"
#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/program.hpp"
#include "dust/recorder/trace_queries.hpp"
#include "dust/step_event.hpp"

namespace dust::rec {

struct TraceInfo {
  std::uint32_t format_version = 0;
  std::uint32_t min_readable_version = 0;
  RunConfig config;
  std::string program_path;          // as given when recording
  std::uint64_t steps = 0;           // steps in the file (whole blocks only)
  std::uint32_t threads = 0;         // threads that ever existed
  std::uint64_t blocks = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t raw_bytes = 0;       // the step deltas before compression
  bool complete = false;             // false: cut short (killed recorder); readable up to `steps`
  // How the run ended; meaningful when complete.
  MachineStatus status = MachineStatus::Running;
  std::optional<DvmError> error;
  std::uint32_t error_thread = 0;
  std::uint64_t final_tick = 0;
  // Additions: where the bytes go, and why a trace is incomplete.
  std::uint64_t delta_bytes = 0;     // step deltas as stored (compressed), with block summaries
  std::uint64_t keyframe_bytes = 0;  // keyframes as stored
  std::uint64_t keyframe_raw_bytes = 0;
  std::uint64_t program_bytes = 0;   // the embedded DIR text
  std::string incomplete_reason;     // "truncated block chunk at offset N"
  std::string writer;                // the build that recorded it
  // A checkpoint trace (format 4): its checkpoints, and the bytes its
  // re-derived steps take in memory once a query has needed them (0 before).
  std::uint64_t checkpoints = 0;
  std::uint64_t rederived_bytes = 0;
};

// What a thread was doing over a run of steps.
enum class ThreadActivity : std::uint8_t { Running, Runnable, Blocked, Sleeping, Finished };

struct ThreadSegment {
  std::uint64_t first = 0, last = 0;   // steps [first, last)
  ThreadActivity activity = ThreadActivity::Runnable;
  std::uint32_t stmt = kNoStmt;        // Running: the statement of the first step
  std::string waits_for;               // Blocked: the wait description
  // Folded: several segments narrower than the requested width merged into
  // one; `activity` is then the most important of them (Blocked over
  // Running over Runnable), so a wait is never hidden.
  bool folded = false;
  std::uint32_t folded_count = 0;
};

struct MutexSegment {
  std::int64_t mutex = 0;
  std::uint64_t first = 0, last = 0;
  bool held = true;                    // false: a thread waiting for it
  std::uint32_t thread = 0;
  bool contended = false;              // held while another thread waited
  // Folded: narrower segments of one role (holding, or one thread's
  // waiting) merged into one; `contended` if any of them was.
  bool folded = false;
  std::uint32_t folded_count = 0;
};

struct QLifetime {
  std::string resource;                // qres:<name>:<n>
  std::string type;
  std::uint64_t alloc_step = 0;
  std::vector<std::uint64_t> move_steps;
  std::vector<std::string> bindings;   // the names it was bound to, in order
  std::optional<std::uint64_t> consume_step;
  std::optional<std::uint64_t> violation_step;  // a failed use/move/consume of it
  std::vector<std::uint64_t> use_steps;  // q_use: read in place, neither moved nor consumed
};

struct MemoryLifetime {
  std::int64_t address = 0;
  std::int64_t size = 0;
  std::uint32_t thread = 0;
  std::uint64_t alloc_step = 0;
  std::optional<std::uint64_t> free_step;
};

struct PhiMark {
  std::uint64_t step = 0;
  PhiEvent event;
};

struct EffectMark {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  EffectEvent effect;
};

struct FailureMark {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  DvmError error;
};

// The first step at which a replay did not do what the recording says.
struct Divergence {
  std::uint64_t step = 0;
  std::string recorded;   // the recorded step, one line
  std::string replayed;   // what re-execution did instead
};

// How far a reader's preparation (TraceReader::prepare) got: the steps
// re-executed so far and the steps it re-executes in all. Called between
// slices of the work; false stops it.
using PrepareProgress = std::function<bool(std::uint64_t done, std::uint64_t all)>;

class TraceReader {
 public:
  virtual ~TraceReader() = default;

  // Opens a trace; on failure returns null and sets `error` to a message
  // naming the file and the offset. `intrinsics` must be the table the run
  // was recorded with (dustlib_k's standard table).
  static std::unique_ptr<TraceReader> open(const std::string& path, const IntrinsicTable& intrinsics,
                                           std::string& error);

  virtual const TraceInfo& info() const = 0;
  virtual std::shared_ptr<const Program> program() const = 0;

  // The machine after `step` steps (clamped to the recorded steps). Where
  // the trace cannot be read that far (a keyframe or block that is not
  // valid), last_error() says why and the machine returned is not that
  // state: show it to no one. A divergence is not such an error: the
  // machine is then the re-executed state.
  virtual Machine state_at(std::uint64_t step) = 0;
  // Events of steps [first, last).
  virtual std::vector<StepEvent> events(std::uint64_t first, std::uint64_t last) = 0;
  // The logical tick after `step` steps.
  virtual std::uint64_t tick_at(std::uint64_t step) = 0;

  // Timeline lanes over [first, last), folding what is narrower than
  // `min_width` steps (pass 1 for full detail).
  virtual std::vector<ThreadSegment> thread_lane(std::uint32_t thread, std::uint64_t first, std::uint64_t last,
                                                 std::uint64_t min_width) = 0;
  virtual std::vector<MutexSegment> mutex_lane(std::int64_t mutex, std::uint64_t first, std::uint64_t last,
                                               std::uint64_t min_width) = 0;
  virtual std::vector<std::int64_t> mutexes() = 0;
  virtual std::vector<QLifetime> q_lifetimes() = 0;
  virtual std::vector<MemoryLifetime> memory_lifetimes() = 0;
  virtual std::vector<PhiMark> phi_marks() = 0;
  virtual std::vector<EffectMark> effect_marks(std::uint64_t first, std::uint64_t last) = 0;
  virtual std::optional<FailureMark> failure() = 0;

  // The last step before `before` that wrote binding `name` in one frame
  // (trace_queries.hpp) — the reverse watchpoint. A name of the form
  // "mem:<addr>" asks for the last store to that memory cell by any thread.
  virtual LastWrite last_write(const std::string& name, std::uint64_t before, FrameSelector frame) = 0;
  // Where the value of `name` in that frame at step `at` came from, followed
  // through reads, calls, memory, joins and Q moves to the end or a limit.
  virtual Origin origin(const std::string& name, std::uint64_t at, FrameSelector frame, OriginLimits limits = {}) = 0;
  // Every read and write of bytes [address, end) in steps [from, to), with
  // the pairs of them that race. A scan that stops early says why in its
  // answer (MemoryHistory::stopped), as well as in last_error.
  virtual MemoryHistory memory_accesses(std::int64_t address, std::int64_t end, std::uint64_t from,
                                        std::uint64_t to) = 0;
  // Every data race of the run, whatever the address (for the timeline),
  // and why the check stopped early if it did.
  virtual RaceReport data_races() = 0;

  // ---- additions beyond the first contract ----

  // The last problem a query met (a corrupt block, a divergence from the
  // recording), empty if none. Queries that meet one return what they could.
  virtual const std::string& last_error() const = 0;
  // Reads every chunk of the file and checks its checksum; false with
  // `error` ("<what> at offset N") at the first bad one.
  virtual bool verify(std::string& error) = 0;
  // Re-executes the recorded run from its start, checking every step.
  // Returns the machine after the last step replayed; on a mismatch the
  // replay stops and `divergence` says where. `observer`, if given, sees
  // each replayed step.
  virtual Machine replay(std::optional<Divergence>& divergence, ExecutionObserver* observer = nullptr) = 0;
  // verify(), then replay() without an observer, with the results of both
  // (nothing, with verify()'s `error`, where it fails), but faster: the
  // replay compares every step's bytes with the recording, which proves
  // the steps decode, so each block's steps are decoded only when the
  // replay gives a reason to doubt the trace (a divergence, an error, a
  // block summary that disagrees with the replayed run).
  virtual std::optional<Machine> verify_and_replay(std::optional<Divergence>& divergence, std::string& error) = 0;
  // The run configuration a re-execution uses: the recorded one, and for a
  // realize-mode run, replaying with the recorded outside inputs.
  virtual const RunConfig& replay_config() const = 0;

  // The one-off work a reader does before its first query can answer: a
  // checkpoint trace re-executes its run into the steps every query reads
  // (about five times the run's own time). The first query does it if
  // nobody asked before; prepare() does it now, reporting its progress, so
  // that a caller that must stay responsive (the debugger's window) can
  // run it on a worker thread with a progress bar and a Cancel button, and
  // a command can print how far it got. steps_to_prepare() is 0 when there
  // is nothing to do (a steps trace, or steps already derived).
  virtual std::uint64_t steps_to_prepare() const { return 0; }
  // False only when `progress` stopped it: then nothing is kept, and the
  // next query or prepare() starts again from the beginning. A reader
  // prepares on one thread at a time, with no query on another meanwhile.
  virtual bool prepare(const PrepareProgress& progress) {
    (void)progress;
    return true;
  }
};

}  // namespace dust::rec

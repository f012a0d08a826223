// machine.hpp — the Dust Virtual Machine.
//
// All execution state lives in one Machine value: threads with their frames
// and in-flight evaluations, the logical clock, the effect log, the Q
// resource table, Φ witnesses, the K library's state and the scheduler's
// PRNG. Nothing is hidden elsewhere, so copying a Machine is a snapshot and
// stepping two copies gives identical events. The program and the intrinsic
// table are shared, immutable, and not part of the state.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/error.hpp"
#include "dust/intrinsics.hpp"
#include "dust/k_state.hpp"
#include "dust/memory_budget.hpp"
#include "dust/phi.hpp"
#include "dust/program.hpp"
#include "dust/q_table.hpp"
#include "dust/recorded_inputs.hpp"
#include "dust/schedule.hpp"
#include "dust/step_event.hpp"
#include "dust/value.hpp"

namespace dust {

// The default of --max-depth. Frames are values in a vector on the heap and
// no step recurses on the host stack per frame, so deep recursion costs
// only the memory the budget counts.
inline constexpr std::uint32_t kDefaultMaxDepth = 100'000;
// The largest --max-depth accepted, and the deepest frame a trace may name.
inline constexpr std::uint32_t kMaxDepthCeiling = 1u << 30;
// The fixed limit of every run recorded before trace format 3 made it an
// option: a replay of such a trace keeps it.
inline constexpr std::uint32_t kLegacyMaxDepth = 4096;

enum class EffectMode : std::uint8_t { Simulate, Realize };
const char* effect_mode_name(EffectMode m);

struct RunConfig {
  std::string entry = "main";
  EffectMode effects = EffectMode::Simulate;
  std::uint64_t seed = 0;   // scheduler seed: 0 is round-robin
  // A schedule token (schedule.hpp): when present the scheduler follows it
  // instead of the seed.
  std::optional<ScheduleToken> schedule;
  std::string fs_root;      // realize: the only place files are touched; simulate: seeds the world
  // Replay of a realize-mode run: file contents come from `recorded_inputs`
  // (path -> contents, taken from the recorded IoOpen events) and nothing
  // outside the machine is read or written. Shared by every copy of the
  // configuration (recorded_inputs.hpp).
  bool replaying = false;
  RecordedInputs recorded_inputs;
  // Everything the program owns, counted as memory_budget.hpp says; 0 is
  // no limit (for library use; the command line always sets one).
  std::uint64_t max_memory = kDefaultMaxMemory;
  // A step at this count fails with `step limit reached`; 0 is no limit.
  std::uint64_t max_steps = 0;
  // The most frames a thread may hold (--max-depth): a call that would push
  // one more fails with `call depth limit exceeded`. Frames live on the
  // heap, so any value from 1 to kMaxDepthCeiling is safe for the host.
  std::uint32_t max_depth = kDefaultMaxDepth;
  // Φ (semantics doc Part 3): in resolve mode a Φ entry starts from the
  // resolution decided before the run (phi_solver.hpp's prepare_phi) or
  // taken from a recording; the machine itself never calls a solver.
  PhiMode phi = PhiMode::Reference;
  std::optional<PhiResolution> phi_resolution;
  friend bool operator==(const RunConfig&, const RunConfig&) = default;
};


// Where a frame is in a block. Loop bodies remember their loop so that the
// end of the body, Break and Continue know where to go.
struct BlockCursor {
  std::uint32_t block = 0;
  std::uint32_t index = 0;           // next statement of the block
  std::uint32_t loop_stmt = kNoStmt; // the While/For whose body this is
  bool for_checking = false;         // loop body: the next step is the loop's check (For or While)
  std::int64_t for_counter = 0;
  std::int64_t for_end = 0;
};

struct Frame {
  std::uint32_t proc = 0;
  std::vector<Value> slots;
  std::vector<BlockCursor> cursors;
  // An evaluation suspended by a call or a block: resumed at `pc` with `stack`.
  bool evaluating = false;
  std::uint8_t part = 0;             // which expression of the statement (For: 0 start, 1 end)
  std::uint32_t pc = 0;
  std::vector<Value> stack;
  Value part_value;                  // For: the start value while the end is evaluated
  Value returned;                    // a callee's result waiting to be delivered
  bool has_returned = false;
};

enum class ThreadState : std::uint8_t { Runnable, Blocked, Sleeping, Finished };
const char* thread_state_name(ThreadState s);

struct Thread {
  std::uint32_t id = 0;
  std::uint32_t entry_proc = 0;
  std::uint64_t spawn_seed = 0;
  ThreadState state = ThreadState::Runnable;
  WaitInfo wait;                     // while Blocked or Sleeping
  std::vector<Frame> frames;
  std::optional<Value> result;       // once Finished; nullopt = returned none
  bool joined = false;
};

struct PhiWitness {
  std::string id;
  std::string digest;
  std::uint64_t step = 0;
};

enum class MachineStatus : std::uint8_t { Running, Finished, Failed };
const char* machine_status_name(MachineStatus s);

struct RunOutcome {
  MachineStatus status = MachineStatus::Running;
  std::optional<Value> returned;
  DvmError error;
  std::uint32_t error_thread = 0;
  // Whether a failure trace carries the effects and time so far. The
  // reference keeps them only for the Φ refusal and the phi_witness type error.
  bool carries_context = false;
};

class Machine {
 public:
  // Prepares a run of `config.entry`. Validation, entry lookup and entry
  // parameter errors are reported by the first step, as the reference
  // reports them before it executes anything.
  Machine(std::shared_ptr<const Program> program, const IntrinsicTable* intrinsics, RunConfig config);

  // Executes exactly one step of the thread the scheduler picked. With
  // `detailed` false the event records only what the step was (thread,
  // statement, kind, error), not the bindings it wrote: for plain runs
  // that nobody observes.
  void step(StepEvent& event, bool detailed = true);
  bool done() const { return outcome.status != MachineStatus::Running; }
  // Runs up to `limit` simple steps (see SimpleStep) and returns how many
  // ran, stopping before the first step that is not simple, which is left
  // to step(). Each is appended to `batch` when one is given (it must have
  // room for `limit` more; an empty batch gets its first index, first tick,
  // thread, proc and depth from the machine). The machine and any step's
  // outcome are exactly as step() would leave them.
  std::uint64_t run_simple(std::uint64_t limit, SimpleStepBatch* batch = nullptr);
  // As run_simple, but only while there is one thread and never a call
  // step (a call may spawn): for explorers, which make every pick themselves.
  std::uint64_t run_simple_alone(std::uint64_t limit);

  const Program& program() const { return *program_; }
  std::shared_ptr<const Program> program_ptr() const { return program_; }
  const IntrinsicTable* intrinsics() const { return intrinsics_; }
  // The explorers' scheduling hook (schedule.hpp); null for the token or
  // seeded rule. Like the program, it is not part of the state: a copy of
  // the machine consults the same policy.
  void set_schedule_policy(SchedulePolicy* policy) { schedule_policy_ = policy; }
  SchedulePolicy* schedule_policy() const { return schedule_policy_; }
  // The intrinsic program.callees[callee] names, or null (a user proc or an
  // unknown name). Looked up once per machine and its copies, not per call.
  const IntrinsicDef* intrinsic_of(std::uint32_t callee) {
    if (!callee_defs_) build_callee_defs();
    return (*callee_defs_)[callee];
  }

  // ---- services for intrinsics (dustlib_k) ----
  // Starts a thread running `proc` with `args`; returns its id or an error.
  std::optional<DvmError> spawn_thread(std::uint32_t proc, std::vector<Value> args, std::uint64_t seed,
                                       std::uint32_t& tid);
  // Makes every thread blocked on (kind, id) runnable again.
  void wake_waiters(WaitKind kind, std::int64_t id);
  std::string slot_name(std::uint32_t proc, std::uint32_t slot) const;

  // ---- the state (public so the recorder can serialise it and the debugger inspect it) ----
  RunConfig config;
  std::uint64_t tick = 0;
  std::uint64_t steps = 0;
  std::vector<Thread> threads;
  std::uint32_t current = 0;            // the thread that runs next
  std::uint64_t rng_state = 0;          // scheduler PRNG (seed != 0)
  std::vector<EffectEvent> effects;
  QTable q;
  std::uint64_t phi_witness_count = 0;
  std::vector<PhiWitness> witnesses;
  KState k;
  bool started = false;
  RunOutcome outcome;
  // Running totals for the memory budget: derived from the state above and
  // left out of snapshots (recount_memory() rebuilds them).
  MemoryAccount memory;

 private:
  friend class StepRunner;
  std::shared_ptr<const Program> program_;
  const IntrinsicTable* intrinsics_;
  SchedulePolicy* schedule_policy_ = nullptr;
  std::uint64_t run_lanes(std::uint64_t limit, bool scheduled);
  // intrinsic_of's table, built on first use; shared by copies (it depends
  // only on the program and the intrinsic table).
  std::shared_ptr<const std::vector<const IntrinsicDef*>> callee_defs_;
  void build_callee_defs();
};

// Runs a machine to the end, handing every step to an observer.
class ExecutionObserver;
const RunOutcome& run_to_end(Machine& machine, ExecutionObserver* observer = nullptr);

// One round of run_to_end with an observer: a batch of simple steps when
// the observer takes them and there are any, otherwise one step, handed to
// the observer either way. For loops that do something between rounds
// (cancel, progress); does nothing once the machine is done.
void run_observed_round(Machine& machine, ExecutionObserver& observer, StepEvent& event);

// Runs a machine, unobserved, until it has taken `target` steps or is done
// (run_to_end without an observer is this to no limit): for a recorder of
// checkpoints and its reader, which stop at exact steps.
void run_until(Machine& machine, std::uint64_t target);

// The same with every step handed to `observer` as run_to_end hands them
// (batches of simple steps where it takes them, never past `target`), but
// neither on_start nor on_finish: the caller decides where the run starts
// and whether it ends.
void run_observed_until(Machine& machine, std::uint64_t target, ExecutionObserver& observer);

}  // namespace dust

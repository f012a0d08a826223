// step_event.hpp — what one step of the machine did.
//
// Machine::step() fills a StepEvent; observers (the recorder, --trace) read
// it. Everything a debugger shows about a moment of the run is derived from
// these events and the machine state, so each field says exactly what
// changed: bindings with old and new values, the effect emitted, Q, Φ and
// library (memory, thread, sync, I/O, unsafe) events, and the error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dust/error.hpp"
#include "dust/program.hpp"
#include "dust/value.hpp"

namespace dust {

class ExecutionObserver;

inline constexpr std::uint32_t kNoStmt = 0xffffffffu;

enum class StepKind : std::uint8_t {
  Statement,  // a simple statement ran to completion (ticks)
  Check,      // an If/While/For check (ticks)
  CallEnter,  // a user proc was entered (no tick)
  Return,     // a frame returned, by Return or by falling off its end (no tick)
  Blocked,    // the thread tried to proceed and blocked (no tick)
  Validate,   // Φ validation of a proc's constraints before its body runs
  Failed,     // the step failed; see error
};
const char* step_kind_name(StepKind k);

// BindingWrite and LibEvent have constructors from their fields so that an
// event's vectors can build them in place (emplace_back), which a recorded
// run does for every write and library call; clang before 16 cannot
// emplace an aggregate from parentheses, and it builds the fuzz harnesses.
struct BindingWrite {
  BindingWrite() = default;
  BindingWrite(std::uint32_t frame_depth, std::uint32_t slot_index, Value old_val, Value new_val)
      : frame(frame_depth), slot(slot_index), old_value(std::move(old_val)), new_value(std::move(new_val)) {}

  std::uint32_t frame = 0;  // frame depth in the thread (0 = the thread's first frame)
  std::uint32_t slot = 0;
  Value old_value;          // Unbound if the name was not bound before
  Value new_value;
};

struct EffectEvent {
  std::string kind;
  std::string payload;
  friend bool operator==(const EffectEvent&, const EffectEvent&) = default;
};

struct QEvent {
  QForm op = QForm::None;
  std::string binding;   // the Let name (destination of a move)
  std::string source;    // the raw argument: type for alloc, source binding otherwise
  std::string resource;  // qres:<name>:<n>
};

enum class PhiEventKind : std::uint8_t { ConstraintHeld, ConstraintFailed, Witness, Refused };
struct PhiEvent {
  PhiEventKind kind = PhiEventKind::ConstraintHeld;
  std::string detail;  // predicate text, witness id, or refusal message
  std::string digest;  // the witness's constraint digest
};
const char* phi_event_kind_name(PhiEventKind k);

// Library events: the vocabulary shared by dustlib_k (which emits them), the
// recorder (which stores them) and the debugger (which draws lanes from them).
enum class LibEventKind : std::uint8_t {
  MemAlloc,     // a = address, b = size
  MemFree,      // a = address, b = size
  MemRealloc,   // a = old address, b = new address, c = new size
  MemRead,      // a = address, b = bytes, c = value
  MemWrite,     // a = address, b = bytes, c = value
  ThreadSpawn,  // a = new thread id, b = spawn seed, text = proc
  ThreadJoin,   // a = joined thread id
  ThreadExit,   // a = thread id
  ThreadYield,
  ThreadSleep,  // a = wake tick
  MutexNew,     // a = mutex id
  MutexLock,    // a = mutex id
  MutexWait,    // a = mutex id, b = owner thread
  MutexUnlock,  // a = mutex id
  MutexTryFail, // a = mutex id
  IoOpen,       // a = fd, b = 1 if the file existed, text = path, data = contents read from outside (realize)
  IoRead,       // a = fd, b = bytes read, text = data
  IoWrite,      // a = fd, b = bytes written, text = data
  IoClose,      // a = fd
  PortRead,     // a = port or address, c = value
  PortWrite,    // a = port or address, c = value
  UnsafeBegin,  // text = reason
  UnsafeEnd,
  Leak,         // a = address, b = size (reported at exit)
};
const char* lib_event_kind_name(LibEventKind k);

struct LibEvent {
  LibEvent() = default;
  LibEvent(LibEventKind event_kind, std::int64_t first, std::int64_t second, std::int64_t third,
           std::string event_text = {}, std::string outside_data = {})
      : kind(event_kind), a(first), b(second), c(third), text(std::move(event_text)), data(std::move(outside_data)) {}

  LibEventKind kind = LibEventKind::MemAlloc;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::int64_t c = 0;
  std::string text;
  std::string data;  // bytes that came from (or went to) the outside world
};

struct StepEvent {
  std::uint64_t index = 0;        // 0-based step number in the run
  std::uint32_t thread = 0;
  std::uint32_t proc = 0;
  std::uint32_t stmt = kNoStmt;   // program.stmts index, kNoStmt for frame-level steps
  std::uint32_t depth = 0;        // frame depth of the thread when the step began
  std::uint64_t tick_before = 0;
  std::uint64_t tick = 0;         // after the step
  StepKind kind = StepKind::Statement;

  std::vector<BindingWrite> writes;
  bool has_effect = false;
  EffectEvent effect;
  std::vector<QEvent> q;
  std::vector<PhiEvent> phi;
  std::vector<LibEvent> lib;
  std::optional<DvmError> error;

  // Empties the event while keeping its buffers, so a run allocates nothing per step.
  void reset() {
    writes.clear();
    has_effect = false;
    q.clear();
    phi.clear();
    lib.clear();
    error.reset();
  }
};

// A simple step: the only thread ran one statement or loop check of its
// current frame that ticked once, wrote at most one Int (to the statement's
// own slot, `program.stmts[stmt].slot`) and did nothing else: no effect, no
// Q, Φ or library event, no call, return, block or failure. Most steps of
// most programs are simple, so the machine can hand them to an observer in
// bulk (see ExecutionObserver::simple_steps) instead of one StepEvent each.
struct SimpleStep {
  std::uint32_t stmt = kNoStmt;
  StepKind kind = StepKind::Statement;  // Statement or Check
  bool wrote = false;                   // whether `value` was written
  // Always zero, so that the first eight bytes say exactly which statement
  // ran and how: the recorder compares them as one word.
  std::uint16_t zero = 0;
  std::int64_t value = 0;                // 0 when nothing was written
};

// A run of consecutive simple steps. Everything a StepEvent would say that
// is not in SimpleStep is the same for all of them: step i of the batch has
// index first_index + i, ticks from first_tick + i to first_tick + i + 1,
// and ran on `thread` in frame `depth` of proc `proc`.
//
// With `observer` set, the lane also runs the steps around the simple ones
// that it can finish exactly — call statements of the intrinsics it may run,
// blocks, wake-ups and thread switches, on any number of threads — and
// hands them over itself, in order: the simple steps so far with
// observer->on_simple_steps (then it empties the batch), and each other
// step with observer->on_step and the event step() would have given it,
// the machine as step() would have left it (see observer.hpp).
struct SimpleStepBatch {
  std::uint64_t first_index = 0;
  std::uint64_t first_tick = 0;
  std::uint32_t thread = 0;
  std::uint32_t proc = 0;
  std::uint32_t depth = 0;
  std::uint32_t size = 0;
  std::uint32_t capacity = 0;
  SimpleStep* steps = nullptr;  // storage owned by the observer, `capacity` long
  ExecutionObserver* observer = nullptr;  // takes the lane's other steps; null: only simple steps
  bool full() const { return size == capacity; }
};

}  // namespace dust

// intrinsics.hpp — how host libraries (dustlib_k) plug into the machine.
//
// An intrinsic is a plain function over argument values with access to the
// machine through an IntrinsicContext. It returns a value, an error, or
// "block": the thread waits (on a mutex, a join, a sleep) and the call is
// retried when the thread is woken. Each intrinsic is registered under its
// plain name, `module.name` and `dustlib_k::module::name`.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dust/error.hpp"
#include "dust/program.hpp"
#include "dust/value.hpp"

namespace dust {

class Machine;
struct StepEvent;

enum class WaitKind : std::uint8_t { None, Mutex, Join, Sleep };
const char* wait_kind_name(WaitKind k);

// What a blocked or sleeping thread waits for. A mutex wait keeps the
// holder rather than its text: contended mutexes block a thread on most of
// their retries, and text() spells it out only when someone reads it.
struct WaitInfo {
  WaitKind kind = WaitKind::None;
  std::int64_t id = 0;          // mutex id, thread id, or wake tick
  std::int64_t holder = -1;     // a mutex wait: the thread that held the mutex when the wait began
  std::string description;      // the other waits' text; also a mutex wait's, when read from a recording

  // "mutex 1 (held by thread 2)", "thread 3 (worker) to finish": what a
  // deadlock report, a trace and the debugger show.
  std::string text() const;
};

struct IntrinsicResult {
  enum class Status : std::uint8_t { Value, Error, Block, Yield };
  Status status = Status::Value;
  Value value;
  DvmError error;
  WaitInfo wait;

  static IntrinsicResult of(Value v) { IntrinsicResult r; r.value = std::move(v); return r; }
  static IntrinsicResult unit() { return of(Value::unit()); }
  static IntrinsicResult fail(ErrorKind kind, std::string message) {
    IntrinsicResult r;
    r.status = Status::Error;
    r.error = DvmError{kind, std::move(message)};
    return r;
  }
  static IntrinsicResult block(WaitInfo wait) {
    IntrinsicResult r;
    r.status = Status::Block;
    r.wait = std::move(wait);
    return r;
  }
  // Completes with Unit and lets the scheduler pick another thread.
  static IntrinsicResult yield() { IntrinsicResult r; r.status = Status::Yield; r.value = Value::unit(); return r; }
};

struct IntrinsicContext {
  Machine& machine;
  std::uint32_t thread;
  Regime regime;
  StepEvent& event;
  std::string_view name;  // the name the program called it by
  // Nobody reads `event` (the simple-step lane in a plain run): library
  // events may be left out. Everything else, the machine's state above
  // all, is exactly as with it.
  bool quiet = false;
};

using IntrinsicFn = IntrinsicResult (*)(IntrinsicContext&, std::span<const Value>);
// Whether a call could block its thread, asked before the call; false
// promises that it will not (see IntrinsicDef::lane).
using IntrinsicMayBlockFn = bool (*)(const Machine&, std::uint32_t thread, std::span<const Value>);

// How the simple-step lane (core/run/simple_steps.cpp) may treat an
// intrinsic. The lane runs a call statement without a StepEvent anyone
// reads, and it must never start a step it cannot finish exactly: a step
// that fails is left to step(), which runs it again under the full rules.
// So the lane only calls an intrinsic that decides every error before it
// changes anything (an error leaves the machine as it was) and that touches
// nothing outside the machine.
enum class LaneUse : std::uint8_t {
  No,         // never in the lane
  Yes,        // errors before any change; never blocks
  MayBlock,   // as Yes, but may block its thread; `may_block` tells when
};

struct IntrinsicDef {
  std::string module;     // "memory", "threading", ...
  std::string name;       // "alloc"
  IntrinsicFn fn = nullptr;
  int min_args = 0;
  int max_args = 0;       // -1: variadic
  LaneUse lane = LaneUse::No;
  IntrinsicMayBlockFn may_block = nullptr;  // for LaneUse::MayBlock
};

// `def` with the lane's permission (see LaneUse).
inline IntrinsicDef in_lane(IntrinsicDef def, LaneUse use, IntrinsicMayBlockFn may_block = nullptr) {
  def.lane = use;
  def.may_block = may_block;
  return def;
}

// The set of intrinsics a machine can call. Built once, before any machine,
// and shared read-only by all of them.
class IntrinsicTable {
 public:
  // Registers `def` under its plain name, `module.name`, `dustlib_k::module::name`
  // and any aliases (plain names too).
  void add(IntrinsicDef def, std::vector<std::string> aliases = {});
  const IntrinsicDef* find(std::string_view name) const;
  const std::deque<IntrinsicDef>& all() const { return defs_; }

 private:
  std::deque<IntrinsicDef> defs_;  // a deque: pointers handed out stay valid as it grows
  std::map<std::string, std::size_t, std::less<>> by_name_;
};

}  // namespace dust

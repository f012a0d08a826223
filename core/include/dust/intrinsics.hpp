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
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dust/error.hpp"
#include "dust/program.hpp"
#include "dust/value.hpp"

namespace dust {

class Machine;
struct HeapBlock;
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

// What an intrinsic call gives back. Most calls give a value (a load, a
// lock taken, an unlock), and the lane makes hundreds of thousands of them
// in a threaded run, so the common result holds no string: an error's
// message and a wait's description live out of line, in `detail`, made
// only by the results that have them. Building and dropping a value result
// is then a few stores and one null test.
struct IntrinsicResult {
  enum class Status : std::uint8_t { Value, Error, Block, Yield };
  // A blocked call's wait without its text (WaitInfo::description is in
  // `detail`, when there is one: a mutex wait has none).
  struct Wait {
    WaitKind kind = WaitKind::None;
    std::int64_t id = 0;
    std::int64_t holder = -1;
  };
  struct Detail {
    DvmError error;            // an Error result's
    std::string description;   // a Block result's WaitInfo::description
  };

  Status status = Status::Value;
  Value value;
  Wait wait;
  std::unique_ptr<Detail> detail;  // null: no error and no wait text

  IntrinsicResult() = default;
  IntrinsicResult(IntrinsicResult&&) noexcept = default;
  IntrinsicResult& operator=(IntrinsicResult&&) noexcept = default;
  ~IntrinsicResult() = default;
  // A copy is a whole one, text and all (the argument checks hand back
  // copies of the errors they keep).
  IntrinsicResult(const IntrinsicResult& o)
      : status(o.status), value(o.value), wait(o.wait),
        detail(o.detail ? std::make_unique<Detail>(*o.detail) : nullptr) {}
  IntrinsicResult& operator=(const IntrinsicResult& o) {
    if (this != &o) *this = IntrinsicResult(o);
    return *this;
  }

  static IntrinsicResult of(Value v) { IntrinsicResult r; r.value = std::move(v); return r; }
  static IntrinsicResult unit() { IntrinsicResult r; r.value = Value::unit(); return r; }
  static IntrinsicResult failure(DvmError error) {
    IntrinsicResult r;
    r.status = Status::Error;
    r.detail = std::make_unique<Detail>(Detail{std::move(error), {}});
    return r;
  }
  static IntrinsicResult fail(ErrorKind kind, std::string message) {
    return failure(DvmError{kind, std::move(message)});
  }
  static IntrinsicResult block(WaitInfo wait) {
    IntrinsicResult r;
    r.status = Status::Block;
    r.wait = Wait{wait.kind, wait.id, wait.holder};
    if (!wait.description.empty()) r.detail = std::make_unique<Detail>(Detail{{}, std::move(wait.description)});
    return r;
  }
  // Completes with Unit and lets the scheduler pick another thread.
  static IntrinsicResult yield() { IntrinsicResult r; r.status = Status::Yield; r.value = Value::unit(); return r; }

  // An Error result's error, moved out.
  DvmError take_error() { return detail ? std::move(detail->error) : DvmError{}; }
  // Whether a Block result's wait has text.
  bool has_description() const { return detail != nullptr && !detail->description.empty(); }
  // A Block result's whole wait, its text moved out.
  WaitInfo take_wait() {
    return WaitInfo{wait.kind, wait.id, wait.holder, detail ? std::move(detail->description) : std::string()};
  }
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
  // Where the K heap's load and store keep the last block they found, or
  // null (no cache: every access looks its block up). The lane keeps one
  // per thread for a run (Lane::last_block_), so the cache belongs to no
  // state that is hashed, archived or compared, and it outlives no change
  // to the heap's block map: nothing erases a block during a run, and a
  // freed block keeps its place, address and size, so a cached block is
  // still the one that holds the addresses it held. Only which block holds
  // an address is cached; every check (live, bounds) is made on each
  // access as without it.
  const HeapBlock** last_block = nullptr;
};

using IntrinsicFn = IntrinsicResult (*)(IntrinsicContext&, std::span<const Value>);

// An intrinsic's quick entry: the same call on Int arguments, made by the
// simple-step lane in a plain run (no event anyone reads), for the outcomes
// that need neither text nor a Value: an Int, Unit, or a wait without a
// description. It is the full entry's rule, not a second one: both call
// the same function for the change the call makes (dustlib_k keeps them
// side by side), and the quick one leaves out only the library events,
// which a plain run drops anyway. Any other outcome (an error above all)
// it refuses, having changed nothing; the lane then calls `fn`, which
// gives the full answer. A quick entry never adds a heap block, a mutex
// or a thread.
//
// The lane calls it hundreds of thousands of times in a threaded run, so
// it takes and gives plain numbers: no argument Values, no IntrinsicResult
// to build and drop, no StepEvent. The answer is two words, which come back
// in two registers; a block's wait, which only a blocked call has, is
// written into the QuickCall, which the caller reads only then.
struct QuickCall {
  Machine& machine;
  std::uint32_t thread;
  const HeapBlock** last_block;  // as IntrinsicContext::last_block; never null here
  IntrinsicResult::Wait wait{};  // a Block answer's, filled by the entry
};
struct QuickResult {
  // A whole word, as the value: a narrower status leaves padding in its
  // register, which GCC fills from whatever register it built it in.
  enum class Status : std::uint64_t { Int, Unit, Block, Refused };
  Status status = Status::Refused;
  std::int64_t value = 0;  // an Int result

  static QuickResult integer(std::int64_t v) { return {Status::Int, v}; }
  static QuickResult unit() { return {Status::Unit, 0}; }
  static QuickResult block() { return {Status::Block, 0}; }  // with QuickCall::wait filled
  static QuickResult refused() { return {}; }
};
using IntrinsicQuickFn = QuickResult (*)(QuickCall&, const std::int64_t* args);
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
  IntrinsicQuickFn quick = nullptr;         // optional, for a lane intrinsic (QuickCall)
};

// `def` with the lane's permission (see LaneUse).
inline IntrinsicDef in_lane(IntrinsicDef def, LaneUse use, IntrinsicMayBlockFn may_block = nullptr) {
  def.lane = use;
  def.may_block = may_block;
  return def;
}

// A lane intrinsic `def` with its quick entry.
inline IntrinsicDef with_quick(IntrinsicDef def, IntrinsicQuickFn quick) {
  def.quick = quick;
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

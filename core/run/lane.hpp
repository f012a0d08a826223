// lane.hpp — the simple-step lane's parts (see simple_steps.cpp): the Int
// and Bool evaluator, the Lane that runs one thread's steps, the room its
// call steps need, and the scheduler's prepared picks (Picker).
//
// Two files run lanes: simple_steps.cpp (a lone thread, an observer's
// batches and runs) and lane_switching.cpp (a plain run of many threads,
// one step then one pick). They are kept apart so that each is compiled
// on its own: GCC decides how much to inline by the size of the whole
// file, and the switching run's handlers, one per call statement
// (Lane::step_once), would otherwise take the single-threaded loop's share
// and leave its small helpers out of line. The parts below are in an
// unnamed namespace so that each file has its own copy, inlined for its
// own use.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "frame_cursors.hpp"
#include "scalar_ops.hpp"
#include "step_runner.hpp"
#include "thread_pick.hpp"

namespace dust {

// A plain run of many threads from here to its end (lane_switching.cpp),
// with the current thread picked: the steps run, counted on from `total`.
std::uint64_t run_switching(Machine& m, std::uint64_t limit, std::uint64_t total);

namespace {

// The deepest argument evaluation the lane's call steps take.
constexpr std::uint32_t kMaxCallStack = 16;

// What the lane's calls can add to the memory budget's count.
inline std::size_t records_of(const Machine& m) { return m.k.heap.blocks.size() + m.k.mutexes.size() + m.threads.size(); }

// Evaluates call-free code over Int and Bool values of one frame. It only
// reads, so giving up (false) leaves nothing to undo.
//
// The loop is threaded (one indirect jump per handler, GCC's labels as
// values) with the top of the stack in registers: an expression like
// `s Add i` is then two handlers of a few instructions each. Each binary
// operator has four handlers, for its right operand on the stack, in a
// slot, immediate, or a constant (the fused forms of opcodes.hpp).
//
// One call may evaluate several expressions in a row, for a driver:
//   const CodeRef* first()   the first expression, or null for none;
//   const CodeRef* next(x, is_bool)   takes an expression's value and gives
//                            the next expression, or null to stop there.
// Evaluating a run of statements in one call spares each the call's entry
// and exit, which cost as much as a short expression.
class ScalarEvaluator {
 public:
  ScalarEvaluator(const Program& p, const Value* slots) : p_(p), slots_(slots) {}

  // Whether the threaded loop can take `code` at all.
  static bool takes(const CodeRef& code) { return code.pure && code.length != 0 && code.max_stack <= kMaxStack; }

  [[gnu::noinline]] bool run(const CodeRef& code, Scalar& out) const {
    struct One {
      const CodeRef* code;
      Scalar& out;
      [[gnu::always_inline]] const CodeRef* first() const { return code; }
      [[gnu::always_inline]] const CodeRef* next(std::int64_t x, bool is_bool) {
        out.v = x;
        out.is_bool = is_bool;
        return nullptr;
      }
    } one{&code, out};
    return run_threaded(one);
  }

  // Runs expressions for `driver` until it stops (true) or one of them is
  // beyond the evaluator (false; its value was not taken).
  template <class Driver>
  bool run_threaded(Driver& driver) const {
    const CodeRef* code = driver.first();
    if (code == nullptr) return true;
    std::int64_t vs[kMaxStack + 1];  // below the top; vs[0] is never read
    bool bs[kMaxStack + 1];
    std::uint32_t n;
    std::int64_t x, y;
    bool xb, yb;
    const Instr* ip;
    const Instr* end;
    Instr in;

// The handlers, in opcode order (opcodes.hpp): binary operators with how
// they check their operands and what they compute into the top (x, xb).
#define DUST_BINARY_OPS(X) \
  X(Add, INT) X(Sub, INT) X(Mul, INT) X(Div, INT) X(Rem, INT) X(BitAnd, INT) X(BitOr, INT) X(BitXor, INT) X(Shl, INT) \
  X(Shr, INT) X(Eq, ANY) X(Ne, ANY) X(Lt, INT) X(Le, INT) X(Gt, INT) X(Ge, INT) X(And, ANY) X(Or, ANY)
#define DUST_APPLY(name) \
  if (!apply_scalar(Op::name, x, xb, y, yb)) goto give_up;
#define DUST_NEXT                    \
  if (++ip == end) goto finished;    \
  in = *ip;                          \
  goto* kHandlers[in.bits & 0xff];
#define DUST_CHECK_INT if (yb) goto give_up;
#define DUST_CHECK_ANY
#define DUST_FETCH_INT(value)            \
  {                                      \
    const Value& v_ = (value);           \
    if (!v_.is_int()) goto give_up;      \
    y = v_.as_int();                     \
    yb = false;                          \
  }
#define DUST_FETCH_ANY(value) \
  if (!read_scalar((value), y, yb)) goto give_up;
#define DUST_PUSH(value_x, value_b) \
  vs[n] = x;                        \
  bs[n++] = xb;                     \
  x = (value_x);                    \
  xb = (value_b);

#define DUST_STACK_HANDLER(name, kind) \
  op_##name : y = x;                   \
  yb = xb;                             \
  x = vs[--n];                         \
  xb = bs[n];                          \
  DUST_CHECK_##kind DUST_APPLY(name) DUST_NEXT
#define DUST_SLOT_HANDLER(name, kind) \
  op_##name##Slot : DUST_FETCH_##kind(slots_[in.a()]) DUST_APPLY(name) DUST_NEXT
#define DUST_IMM_HANDLER(name, kind) \
  op_##name##Imm : y = in.imm();     \
  yb = false;                        \
  DUST_APPLY(name) DUST_NEXT
#define DUST_CONST_HANDLER(name, kind) \
  op_##name##Const : DUST_FETCH_##kind(p_.constants[in.a()]) DUST_APPLY(name) DUST_NEXT
#define DUST_LABEL(name, kind) &&op_##name,
#define DUST_LABEL_SLOT(name, kind) &&op_##name##Slot,
#define DUST_LABEL_IMM(name, kind) &&op_##name##Imm,
#define DUST_LABEL_CONST(name, kind) &&op_##name##Const,

    static_assert(static_cast<int>(Op::FusedBase) == 32 && kBinaryCount == 18, "the handler table follows opcodes.hpp");
    static const void* const kHandlers[256] = {
        &&op_PushInt, &&op_PushConst, &&op_Load,
        DUST_BINARY_OPS(DUST_LABEL)
        &&op_Not, &&op_Neg,
        &&give_up, &&give_up, &&give_up, &&give_up, &&give_up, &&give_up,  // Call .. Fail
        &&op_Dup, &&op_FoldedRemImm, &&op_FoldedRemConst,
        DUST_BINARY_OPS(DUST_LABEL_SLOT)
        DUST_BINARY_OPS(DUST_LABEL_IMM)
        DUST_BINARY_OPS(DUST_LABEL_CONST)
    };
  start:
    if (!takes(*code)) goto give_up;
    n = 0;
    x = 0;
    xb = false;
    ip = p_.code.data() + code->offset;
    end = ip + code->length;
    in = *ip;
    if (in.bits & 0x80) goto give_up;  // no opcode is that large; entries past the table are null
    goto* kHandlers[in.bits & 0xff];

  op_PushInt:
    DUST_PUSH(in.imm(), false)
    DUST_NEXT
  op_PushConst:
    DUST_FETCH_ANY(p_.constants[in.a()])
    DUST_PUSH(y, yb)
    DUST_NEXT
  op_Load:
    DUST_FETCH_ANY(slots_[in.a()])
    DUST_PUSH(y, yb)
    DUST_NEXT
  op_Not:
    if (!xb) goto give_up;
    x ^= 1;
    DUST_NEXT
  op_Neg:
    if (xb || x == INT64_MIN) goto give_up;
    x = -x;
    DUST_NEXT
  op_Dup:
    DUST_PUSH(x, xb)
    DUST_NEXT
  op_FoldedRemImm:
    if (!apply_remainder(x, xb, in.imm())) goto give_up;
    DUST_NEXT
  op_FoldedRemConst:
    DUST_FETCH_INT(p_.constants[in.a()])
    if (!apply_remainder(x, xb, y)) goto give_up;
    DUST_NEXT
    DUST_BINARY_OPS(DUST_STACK_HANDLER)
    DUST_BINARY_OPS(DUST_SLOT_HANDLER)
    DUST_BINARY_OPS(DUST_IMM_HANDLER)
    DUST_BINARY_OPS(DUST_CONST_HANDLER)

  finished:
    code = driver.next(x, xb);
    if (code != nullptr) goto start;
    return true;
  give_up:
    return false;

#undef DUST_BINARY_OPS
#undef DUST_APPLY
#undef DUST_NEXT
#undef DUST_CHECK_INT
#undef DUST_CHECK_ANY
#undef DUST_FETCH_INT
#undef DUST_FETCH_ANY
#undef DUST_PUSH
#undef DUST_STACK_HANDLER
#undef DUST_SLOT_HANDLER
#undef DUST_IMM_HANDLER
#undef DUST_CONST_HANDLER
#undef DUST_LABEL
#undef DUST_LABEL_SLOT
#undef DUST_LABEL_IMM
#undef DUST_LABEL_CONST
  }

 private:
  static constexpr std::uint32_t kMaxStack = 16;
  const Program& p_;
  const Value* slots_;
};

// Runs simple steps of frame `f`. Each step either completes or leaves the
// frame exactly as it was.
//
// The loop keeps what every step needs at hand: the top cursor, its block's
// first statement and length. They are refreshed only when the cursors
// change shape (a block entered or left, a loop check).
// What the lane's call steps need beyond the frame and its thread: the
// machine, and scratch space that outlives one thread's turn. Without it
// (batches for an observer) the lane takes no calls.
struct CallRoom {
  explicit CallRoom(Machine& machine) : m(machine) {}
  Machine& m;
  // An observed run (SimpleStepBatch::observer): each call step gets the
  // event step() would give it, and runs only once the simple steps before
  // it (`held` of them wait in the batch) are handed over.
  ExecutionObserver* observer = nullptr;
  std::uint64_t held = 0;
  // What the memory budget counts that calls can grow (records_of), as
  // the last check found it.
  std::size_t records = records_of(m);
  // How many threads can run as the step begins, when the run knows it
  // (a switching run's picks, fresh after every pick), or 0: then
  // another_runnable counts them.
  std::size_t runnable = 0;
  StepEvent event;                  // what an intrinsic reports; nobody reads it in a plain run
  Value stack[kMaxCallStack + 1];   // the arguments being evaluated
};

class Lane {
 public:
  struct StepOutcome;  // step_once's answer (below)
  using StepFn = StepOutcome (*)(Lane&);

 private:
  // lane_call's answers, by statement index modulo kCallCache.
  static constexpr std::uint32_t kShortArgs = 6;
  struct CallCache {
    const Stmt* stmt = nullptr;
    const IntrinsicDef* def = nullptr;
    std::uint32_t argc = 0;
    std::string_view name;
    bool short_args = false;              // split_short's answer, with the arguments' lengths
    bool quick = false;                   // short arguments, and the intrinsic has a quick entry
    bool may_block = false;               // the intrinsic is LaneUse::MayBlock
    std::uint8_t step = 0;                // the step_once handler of the statement's call (kAnyStep: none)
    // The handler planned after the statement last completed without the
    // general path (then_step), while no entry has been filled since
    // (then_fills: the lane's fills_ then). Which statement follows a
    // completed one, and so its handler, depends only on where the
    // statement is and on what the entries hold.
    StepFn then_step = nullptr;
    std::uint64_t then_fills = 0;
    std::uint8_t lengths[kShortArgs] = {};
    std::uint32_t loads[kShortArgs] = {};
    // An argument `name Add k` (the value a loop stores back, one more than
    // it loaded): its slot here, and k, for the quick call's Ints.
    std::uint32_t plus_slots[kShortArgs] = {};
    std::int64_t plus[kShortArgs] = {};
  };
  static constexpr std::size_t kCallCache = 8;

 public:
  // A lane steps frame `f` of thread `thread` (whose calls, with a room,
  // it makes as that thread's), and no other.
  Lane(const Program& p, Frame& f, bool ints_only, CallRoom* calls = nullptr, std::uint32_t thread = 0)
      : p_(p), f_(f), regime_(p.procs[f.proc].regime), eval_(p, f.slots.data()), slots_(f.slots.data()),
        code_(p.code.data()), constants_(p.constants.data()), ints_only_(ints_only), calls_(calls), tid_(thread) {
    if (calls_ != nullptr) quick_.emplace(QuickCall{calls_->m, tid_, &last_block_});
    refresh();
  }
  // quick_ points into the lane.
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;

  // Whether the last step run was a call (it may have changed which
  // threads can run), and how many steps of the last run() blocked (they
  // do not tick).
  bool called() const { return called_; }
  std::uint32_t thread() const { return tid_; }
  std::uint64_t blocked() const { return blocked_; }
  // Whether the last run stopped before a call step because simple steps
  // must be handed over first (an observed run).
  bool stopped_for_call() const { return stopped_for_call_; }
  // The memory budget's error when the last step, a call, took the count
  // past the limit: the step ran, and fails as step() fails it.
  std::optional<DvmError>& over_budget() { return over_budget_; }

  // Runs up to `limit` steps, recording each in `out` when given; returns
  // how many ran. A call step ends the run, for the caller to schedule,
  // unless `through_calls` (a plain run's only thread, whose next pick is
  // itself): the run then goes on past a call that left the thread alone,
  // runnable and within the memory budget, and called() tells only of a
  // call that ended the run.
  // Placed 16 bytes into a 64-byte line by that much padding before its
  // entry (the loop's placement: see core/CMakeLists.txt; GCC takes only
  // a literal here).
  [[gnu::patchable_function_entry(16, 16)]] std::uint64_t run(std::uint64_t limit, SimpleStep* out,
                                                               bool through_calls = false) {
    // Each step is written where it is recorded, or over the same scratch
    // step when nobody records: no copy, no test per step.
    SimpleStep scratch;
    SimpleStep* to = out != nullptr ? out : &scratch;
    const std::size_t stride = out != nullptr ? 1 : 0;
    std::uint64_t n = 0;
    called_ = false;
    stopped_for_call_ = false;
    over_budget_.reset();
    blocked_ = 0;
    next_ = kAnyStep;  // step_once plans only after its own steps
    if (f_.evaluating) {
      // A woken thread's step resumes its blocked call; nothing else may.
      if (limit == 0 || !resume_call(*to)) return 0;
      return 1;
    }
    while (n < limit) {
      if (one(*to, n)) [[likely]] {
        to += stride;
        ++n;
        continue;
      }
      // A call step answers false, to keep its test off this loop's path:
      // it ran, and it ends the run.
      if (called_) {
        ++n;
        if (!through_calls || !goes_on_after_call()) break;
        called_ = false;
        continue;
      }
      if (!run_ahead_) break;
      run_ahead_ = false;
      const std::uint64_t ran = bindings(limit - n, to, stride);
      if (ran == 0) break;
      to += ran * stride;
      n += ran;
    }
    return n;
  }

  // Runs exactly one step, simple or a call, as run(1, nullptr) does but
  // without its set-up: for a run that switches threads after every step
  // (lane_switching.cpp, which defines its handlers). `planned` is the
  // handler of the lane's next step, planned_step(), which only the lane's
  // own steps change: such a run keeps it beside the lane, a load away
  // from the pick.
  //
  // A handler answers in registers what the run needs next, rather than
  // leaving it in the lane to be read back: whether the step blocked
  // decides the next pick, and the next step's handler the jump to it
  // when the same thread is picked again. Each is a register of its own,
  // so that the pick, which most steps know early, does not wait for the
  // plan, which comes last. The handler is an address, not next_'s index
  // into kSteps: the handlers that answer most steps know it without a
  // look in the table (a constant, or an address an entry keeps).
  struct StepOutcome {
    StepFn next;            // the next step's handler, or null: the lane cannot take the step
    std::uint64_t blocked;  // kBlocked when the step blocked, with kGeneral (blocked, general)
  };
  static constexpr std::uint64_t kBlocked = 1;
  static constexpr std::uint64_t kGeneral = 2;
  static constexpr StepOutcome kNotRunStep = {nullptr, 0};
  StepFn planned_step() const { return kSteps[next_]; }
  static bool ran(StepOutcome outcome) { return outcome.next != nullptr; }
  static StepFn handler_of(StepOutcome outcome) { return outcome.next; }
  static bool blocked(StepOutcome outcome) { return (outcome.blocked & kBlocked) != 0; }
  // Whether the lane's general path took the step (any_step, call_step,
  // resume_step), which alone may spawn, allocate or call an intrinsic
  // without a quick entry.
  static bool general(StepOutcome outcome) { return (outcome.blocked & kGeneral) != 0; }
  // One step, by the handler the lane planned for it. Only the general
  // path's handlers read called_ and blocked_ back, so they, not every
  // step, start them afresh (begin_general).
  StepOutcome step_once(StepFn planned) { return planned(*this); }

 private:
  // step_once's handlers and its plan of the next step (lane_switching.cpp).
  static StepOutcome any_step(Lane& l);
  static StepOutcome loop_step(Lane& l);
  template <std::uint32_t Entry>
  static StepOutcome call_step(Lane& l);
  template <std::uint32_t Entry>
  static StepOutcome resume_step(Lane& l);
  template <std::uint32_t Entry>
  static StepOutcome quick_step(Lane& l);
  template <std::uint32_t Entry>
  [[gnu::noinline]] static StepOutcome full_quick_step(Lane& l);
  template <std::uint32_t Entry>
  [[gnu::noinline]] StepOutcome fresh_blocked();
  template <std::uint32_t Entry>
  [[gnu::always_inline]] inline StepOutcome quick_completed(QuickResult::Status status, std::int64_t value);
  template <std::uint32_t Entry>
  static StepOutcome quick_resume_step(Lane& l);
  template <std::uint32_t Entry>
  [[gnu::noinline]] static StepOutcome unkept_resume_step(Lane& l);
  template <std::uint32_t Entry>
  [[gnu::noinline]] StepOutcome retry_completed(QuickResult::Status status, std::int64_t value);
  void begin_general() {
    called_ = false;
    blocked_ = 0;
  }
  StepOutcome general_outcome() const { return {kSteps[next_], (blocked_ != 0 ? kBlocked : 0) | kGeneral}; }
  StepOutcome planned_outcome() const { return {kSteps[next_], 0}; }
  template <std::uint32_t Entry>
  static constexpr StepOutcome kBlockedQuickly = {&quick_resume_step<Entry>, kBlocked};
  [[gnu::always_inline]] inline void plan();
  [[gnu::always_inline]] inline void plan_after_statement();
  template <std::uint32_t Entry>
  [[gnu::always_inline]] inline StepFn plan_after_entry();
  template <std::uint32_t Entry>
  [[gnu::always_inline]] inline void plan_after_call();
  [[gnu::always_inline]] inline std::uint8_t resume_handler(std::uint32_t entry) const;
  enum class QuickAnswer : std::uint8_t;
  template <std::uint32_t Entry>
  [[gnu::always_inline]] inline StepOutcome after_quick(QuickAnswer answer, StepFn general);

  // Whether a lone thread's run may go on after the call step it just
  // ran: no budget error to report, not blocked, and no thread spawned
  // (the pick would then be the scheduler's).
  bool goes_on_after_call() const {
    return !over_budget_ && blocked_ == 0 && calls_->observer == nullptr && calls_->m.threads.size() == 1;
  }

  void refresh() {
    c_ = &f_.cursors.back();
    const Block& b = p_.blocks[c_->block];
    first_ = p_.stmts.data() + b.first;
    first_index_ = b.first;
    count_ = b.count;
  }

  // Straight-line code: a run of bindings with longer expressions (Let or
  // Assign of an Int, or a Bool where no batch is taken), all evaluated in
  // one call of the threaded loop. The run stops before its block's last
  // statement, whose step may end a loop body or the frame, and at anything
  // else; one() then goes on. Returns how many steps it ran.
  [[gnu::noinline]] std::uint64_t bindings(std::uint64_t limit, SimpleStep* to, std::size_t stride) {
    struct Run {
      Lane* lane;
      std::uint64_t limit;
      SimpleStep* to;
      std::size_t stride;
      std::uint32_t index;
      std::uint64_t done = 0;
      const Stmt* stmt = nullptr;

      // The code of the statement at `index`, if the run may take it.
      [[gnu::always_inline]] const CodeRef* take() {
        if (done == limit || index + 1 >= lane->count_) return nullptr;
        stmt = lane->first_ + index;
        return lane->bindable(*stmt) ? &stmt->expr : nullptr;
      }
      [[gnu::always_inline]] const CodeRef* first() { return take(); }
      [[gnu::always_inline]] const CodeRef* next(std::int64_t x, bool is_bool) {
        if (!lane->bind(*stmt, x, is_bool, *to)) return nullptr;
        to->stmt = lane->first_index_ + index;
        to += stride;
        ++done;
        ++index;
        return take();
      }
    } run{this, limit, to, stride, c_->index};
    eval_.run_threaded(run);
    c_->index = run.index;
    return run.done;
  }

  // Runs the step at the top cursor, the `n`th of this run. False stops
  // the lane, or, with run_ahead_ set, leaves straight-line code to
  // bindings(), or, with called_ set, says a call step ran.
  //
  // one() and the steps it runs most (binding, condition, advance) are
  // inlined into both its callers, run() and step_once(): with two callers
  // GCC inlined less of them into run(), which cost the single-threaded
  // loop a sixth more instructions per step.
  [[gnu::always_inline]] bool one(SimpleStep& out, std::uint64_t n) {
    if (c_->for_checking) return loop_check(out);
    const Stmt& s = first_[c_->index];
    out.stmt = first_index_ + c_->index;
    // Bindings first, as plain branches: they are most steps, and a
    // predictable branch is cheaper than the switch's indirect jump.
    if (s.kind == StmtKind::Assign || s.kind == StmtKind::Let) [[likely]] {
      if (!s.expr.pure) {
        if (bindable(s)) call_statement(s, out, n);
        return false;
      }
      return !starts_run(s) && bindable(s) && binding(s, out);
    }
    switch (s.kind) {
      case StmtKind::Eval: call_statement(s, out, n); return false;
      case StmtKind::Constrain: return constraint(s, out);
      case StmtKind::If: return branch(s, out);
      case StmtKind::While: return first_while_check(s, out);
      case StmtKind::Break: return leave_loop(out);
      case StmtKind::Continue: return next_iteration(out);
      default: return false;
    }
  }

  // Whether the binding `s` at the top cursor begins straight-line code for
  // bindings(): then one() stops with run_ahead_ set.
  bool starts_run(const Stmt& s) {
    if (s.expr.length <= 2 || c_->index + 2 >= count_) return false;
    run_ahead_ = true;
    return true;
  }

  // The one- and two-instruction expressions (`i`, `i Add 1`, `n Lt 10`)
  // without the threaded loop's set-up; longer ones go to it.
  // Placed as run() is, which calls it twice an iteration.
  [[gnu::patchable_function_entry(16, 16)]] bool evaluate(const CodeRef& code, Scalar& r) const {
    if (code.length > 2 || !code.pure) return eval_.run(code, r);
    const Instr* ins = code_ + code.offset;
    const Instr first = ins[0];
    if (first.op() == Op::Load) [[likely]] {
      if (!read_scalar(slots_[first.a()], r.v, r.is_bool)) return false;
    } else if (first.op() == Op::PushInt) {
      r.v = first.imm();
      r.is_bool = false;
    } else if (first.op() != Op::PushConst || !read_scalar(constants_[first.a()], r.v, r.is_bool)) {
      return false;
    }
    if (code.length == 1) return true;
    const Instr second = ins[1];
    std::int64_t y;
    bool y_bool = false;
    // One jump on the second opcode straight to its operator and operand
    // form; each case's operator is a constant, so apply_scalar folds to it.
    switch (static_cast<int>(second.op())) {
#define DUST_SHORT_CASES(name)                                                                   \
  case static_cast<int>(fused_op(Op::name, FusedForm::Slot)):                                                      \
    return read_scalar(slots_[second.a()], y, y_bool) && apply_scalar(Op::name, r.v, r.is_bool, y, y_bool); \
  case static_cast<int>(fused_op(Op::name, FusedForm::Imm)):                                                       \
    return apply_scalar(Op::name, r.v, r.is_bool, second.imm(), false);                          \
  case static_cast<int>(fused_op(Op::name, FusedForm::Const)):                                                     \
    return read_scalar(constants_[second.a()], y, y_bool) && apply_scalar(Op::name, r.v, r.is_bool, y, y_bool);
      DUST_SHORT_CASES(Add) DUST_SHORT_CASES(Sub) DUST_SHORT_CASES(Mul) DUST_SHORT_CASES(Div)
      DUST_SHORT_CASES(Rem)
      DUST_SHORT_CASES(BitAnd) DUST_SHORT_CASES(BitOr) DUST_SHORT_CASES(BitXor) DUST_SHORT_CASES(Shl)
      DUST_SHORT_CASES(Shr) DUST_SHORT_CASES(Eq) DUST_SHORT_CASES(Ne) DUST_SHORT_CASES(Lt) DUST_SHORT_CASES(Le)
      DUST_SHORT_CASES(Gt) DUST_SHORT_CASES(Ge) DUST_SHORT_CASES(And) DUST_SHORT_CASES(Or)
#undef DUST_SHORT_CASES
      case static_cast<int>(Op::RemImm): return apply_remainder(r.v, r.is_bool, second.imm());
      case static_cast<int>(Op::RemConst):
        return read_scalar(constants_[second.a()], y, y_bool) && !y_bool && apply_remainder(r.v, r.is_bool, y);
      default: return eval_.run(code, r);
    }
  }

  // Whether the top cursor's statement is the last of a block that is no
  // loop's body: moving past it leaves the block (advance settles the
  // cursors), and may end the frame (finishes_after_next).
  bool last_outside_loop() const { return c_->index + 1 >= count_ && c_->loop_stmt == kNoStmt; }

  // Whether the frame would end once the top cursor moves past its statement.
  bool finishes_after_next() const {
    return last_outside_loop() && would_finish_frame(p_, f_, f_.cursors.size() - 1, c_->index + 1);
  }

  // Moves past the statement the top cursor is at. The end of a loop body,
  // every iteration, keeps the cursor and its block where they are.
  [[gnu::always_inline]] void advance() {
    if (++c_->index < count_) return;
    if (c_->loop_stmt != kNoStmt) {
      turn_to_loop_check(p_, *c_);
      return;
    }
    settle_cursors(p_, f_);
    refresh();
  }

  // Whether call statement `s` writes its call's result to a slot: a Let
  // or an Assign, or an Eval that keeps it.
  static bool binds_result(const Stmt& s) { return s.kind != StmtKind::Eval || s.slot != kNoSlot; }

  // Whether the lane may run Let or Assign `s`: an Assign needs its target
  // bound, and Q forms and Φ witnesses have rules of their own.
  bool bindable(const Stmt& s) const {
    if (s.kind == StmtKind::Assign) return slots_[s.slot].is_bound();
    return s.kind == StmtKind::Let && s.q_form == QForm::None && !(s.phi_witness && regime_ == Regime::Phi);
  }

  // Writes a binding's value and says so in `out`; false, with nothing
  // written, for a Bool while batches are taken (they carry Ints only).
  bool bind(const Stmt& s, std::int64_t x, bool is_bool, SimpleStep& out) {
    if (is_bool && ints_only_) return false;
    write_scalar(slots_[s.slot], x, is_bool);
    out.kind = StepKind::Statement;
    out.wrote = true;
    out.value = x;
    return true;
  }

  // A step that writes nothing says so, with value 0 (see SimpleStep).
  static void wrote_nothing(SimpleStep& out, StepKind kind) {
    out.kind = kind;
    out.wrote = false;
    out.value = 0;
  }

  [[gnu::always_inline]] bool binding(const Stmt& s, SimpleStep& out) {
    Scalar r;
    if (!evaluate(s.expr, r) || finishes_after_next() || !bind(s, r.v, r.is_bool, out)) return false;
    advance();
    return true;
  }

  // The intrinsic a call statement's expression ends in, when the lane may
  // run it: the call is the expression's last instruction (so evaluating the
  // arguments is all that comes before it, and its result is the value), a
  // K proc makes it, and the argument count fits.
  //
  // The answer depends only on the statement, so the lane keeps it for the
  // last statements it asked about (call_cache_): a thread's loop asks
  // again about the same few call statements on every iteration.
  // `index` is the statement's index in the program, which picks its entry.
  const IntrinsicDef* lane_call(const Stmt& s, std::uint32_t index, std::uint32_t& argc) {
    if (calls_ == nullptr) return nullptr;
    CallCache& cached = call_cache_[index % kCallCache];
    if (cached.stmt != &s) {
      ++fills_;
      cached.stmt = &s;
      cached.def = find_lane_call(s.expr, cached.argc, cached.name);
      cached.short_args = cached.def != nullptr && split_short(s.expr, cached.argc, cached.lengths, cached.loads);
      cached.quick = cached.short_args && cached.def->quick != nullptr;
      cached.may_block = cached.def != nullptr && cached.def->lane == LaneUse::MayBlock;
      std::fill(std::begin(cached.plus_slots), std::end(cached.plus_slots), kNoSlot);
      if (cached.short_args) find_slot_plus_imm(s.expr, cached);
      cached.step = call_handler(cached, index % kCallCache);
    }
    argc = cached.argc;
    call_name_ = cached.name;
    last_call_ = &cached;
    return cached.def;
  }

  // The step_once handler of call statement `cached.stmt` (through
  // call_cache_ entry `entry`), answered once, when lane_call fills the
  // entry: the statement and whether calls are observed do not change while
  // the entry holds it. A call in a Let or Assign whose expression is pure
  // is left to the general path.
  std::uint8_t call_handler(const CallCache& cached, std::uint32_t entry) const {
    if (cached.def == nullptr) return kAnyStep;
    const StmtKind kind = cached.stmt->kind;
    const bool binding = kind == StmtKind::Let || kind == StmtKind::Assign;
    if (kind != StmtKind::Eval && !(binding && !cached.stmt->expr.pure)) return kAnyStep;
    const std::uint8_t calls = takes_quick(cached) ? kQuickSteps : kCallSteps;
    return static_cast<std::uint8_t>(calls + entry);
  }

  // Whether each argument of a call's code is one or two instructions: a
  // name, a number or a constant, perhaps with one operator on a slot,
  // immediate or constant (`v Add 1`). Then `lengths` gets them in order,
  // and `loads` the slot of each that is a name alone (kNoSlot for the
  // others), and short_arguments evaluates them without call_arguments' loop.
  bool split_short(const CodeRef& code, std::uint32_t argc, std::uint8_t* lengths, std::uint32_t* loads) const {
    if (argc > kShortArgs) return false;
    const Instr* ins = code_ + code.offset;
    const std::uint32_t length = code.length - 1;
    std::uint32_t args = 0;
    for (std::uint32_t pc = 0; pc < length; ++args) {
      const Op first = ins[pc].op();
      if (args == argc || (first != Op::Load && first != Op::PushInt && first != Op::PushConst)) return false;
      std::uint8_t n = 1;
      if (pc + 1 < length) {
        const Op second = ins[pc + 1].op();
        if (is_fused(second) || second == Op::RemImm || second == Op::RemConst) n = 2;
      }
      lengths[args] = n;
      loads[args] = n == 1 && first == Op::Load ? ins[pc].a() : kNoSlot;
      pc += n;
    }
    return args == argc;
  }

  // Which short arguments are a name plus an immediate Int (Load, then
  // AddImm), for int_arguments to add without the evaluator.
  void find_slot_plus_imm(const CodeRef& code, CallCache& cached) const {
    const Instr* ins = code_ + code.offset;
    for (std::uint32_t i = 0; i < cached.argc; ++i) {
      if (cached.lengths[i] == 2 && ins[0].op() == Op::Load && ins[1].op() == fused_op(Op::Add, FusedForm::Imm)) {
        cached.plus_slots[i] = ins[0].a();
        cached.plus[i] = ins[1].imm();
      }
      ins += cached.lengths[i];
    }
  }

  // The arguments split_short found short, evaluated as the general loop
  // evaluates them (Int and Bool only, as there); false, having only read,
  // for anything else, which call_arguments then takes.
  [[gnu::always_inline]] bool short_arguments(const CodeRef& code, std::uint32_t argc, const std::uint8_t* lengths,
                       const std::uint32_t* loads) const {
    Value* st = calls_->stack;
    CodeRef part{code.offset, 0, 0, true};
    for (std::uint32_t i = 0; i < argc; ++i) {
      part.length = lengths[i];
      // A name holding an Int (an address, an id, a count): copied as is.
      if (loads[i] != kNoSlot && slots_[loads[i]].is_int()) {
        st[i].set_int(slots_[loads[i]].as_int());
        part.offset += 1;
        continue;
      }
      Scalar r;
      if (!evaluate(part, r)) return false;
      write_scalar(st[i], r.v, r.is_bool);
      part.offset += part.length;
    }
    return true;
  }

  // Whether `cached`'s call goes through the intrinsic's quick entry: it
  // has one, the arguments are short, and nothing is observed (a quick
  // call makes no event).
  bool takes_quick(const CallCache& cached) const { return cached.quick && calls_->observer == nullptr; }

  // The short arguments as Ints, for a quick call; false, having only
  // read, when one is not an Int (the full call then takes them). A twin
  // of short_arguments on purpose: one loop for both, handing each argument
  // to a callback, cost a lone thread's run 6% more instructions.
  // `AllForms` false: only names and `name Add k` (the rest answer false),
  // so that nothing is called.
  template <bool AllForms = true>
  [[gnu::always_inline]] bool int_arguments(const CodeRef& code, const CallCache& cached, std::int64_t* ints) const {
    for (std::uint32_t i = 0; i < cached.argc; ++i) {
      if (cached.loads[i] != kNoSlot) {
        const Value& v = slots_[cached.loads[i]];
        if (!v.is_int()) return false;
        ints[i] = v.as_int();
        continue;
      }
      if (cached.plus_slots[i] != kNoSlot) {
        // As the evaluator adds: an Int, and no overflow (else the full
        // call's evaluation reports it).
        const Value& v = slots_[cached.plus_slots[i]];
        if (!v.is_int() || __builtin_add_overflow(v.as_int(), cached.plus[i], &ints[i])) return false;
        continue;
      }
      if (!AllForms || !int_argument(code, cached, i, ints[i])) return false;
    }
    return true;
  }

  // Short argument `i` of a call's code, evaluated: an Int, or false. The
  // arguments before it are found from their lengths here, not counted up
  // in int_arguments' loop, which mostly meets names and `name Add k`.
  bool int_argument(const CodeRef& code, const CallCache& cached, std::uint32_t i, std::int64_t& x) const {
    CodeRef part{code.offset, cached.lengths[i], 0, true};
    for (std::uint32_t j = 0; j < i; ++j) part.offset += cached.lengths[j];
    Scalar r;
    if (!evaluate(part, r) || r.is_bool) return false;
    x = r.v;
    return true;
  }

  const IntrinsicDef* find_lane_call(const CodeRef& code, std::uint32_t& argc, std::string_view& name) const {
    argc = 0;
    if (regime_ != Regime::K || code.length == 0 || code.max_stack > kMaxCallStack) return nullptr;
    const Instr last = code_[code.offset + code.length - 1];
    if (last.op() != Op::Call) return nullptr;
    const Callsite& cs = p_.callsites[last.a()];
    const IntrinsicDef* def = calls_->m.intrinsic_of(cs.callee);
    if (def == nullptr || def->lane == LaneUse::No) return nullptr;
    const int count = static_cast<int>(cs.argc);
    if (count < def->min_args || (def->max_args >= 0 && count > def->max_args)) return nullptr;
    argc = cs.argc;
    name = p_.callees[cs.callee].name;
    return def;
  }

  // Evaluates the arguments: the instructions before the call, over values,
  // with the Int and Bool operators of scalar_ops.hpp. Anything else gives
  // up (false). It only reads.
  bool call_arguments(const CodeRef& code, std::uint32_t argc) const {
    Value* st = calls_->stack;
    const Instr* ins = code_ + code.offset;
    const std::uint32_t length = code.length - 1;
    std::uint32_t n = 0;
    std::int64_t x, y;
    bool xb, yb;
    for (std::uint32_t pc = 0; pc < length; ++pc) {
      const Instr in = ins[pc];
      const Op op = in.op();
      if (n >= kMaxCallStack) return false;
      switch (op) {
        case Op::PushInt: st[n++].set_int(in.imm()); continue;
        case Op::PushConst: st[n++] = constants_[in.a()]; continue;
        case Op::Load: {
          // Ints, most arguments (addresses, ids, counts), without a general copy.
          const Value& v = slots_[in.a()];
          if (v.is_int()) {
            st[n++].set_int(v.as_int());
          } else if (v.is_bound()) {
            st[n++] = v;
          } else {
            return false;
          }
          continue;
        }
        case Op::Dup:
          if (n == 0) return false;
          st[n] = st[n - 1];
          ++n;
          continue;
        case Op::Not:
          if (n == 0 || !read_scalar(st[n - 1], x, xb) || !xb) return false;
          st[n - 1].set_bool(x == 0);
          continue;
        case Op::Neg:
          if (n == 0 || !read_scalar(st[n - 1], x, xb) || xb || x == INT64_MIN) return false;
          st[n - 1].set_int(-x);
          continue;
        case Op::RemImm:
        case Op::RemConst:
          if (n == 0 || !read_scalar(st[n - 1], x, xb)) return false;
          if (op == Op::RemImm) {
            y = in.imm();
          } else if (!read_scalar(constants_[in.a()], y, yb) || yb) {
            return false;
          }
          if (!apply_remainder(x, xb, y)) return false;
          st[n - 1].set_int(x);
          continue;
        default: break;
      }
      Op binary = op;
      if (is_binary(op)) {
        if (n < 2 || !read_scalar(st[n - 1], y, yb)) return false;
        --n;
      } else if (is_fused(op)) {
        binary = fused_binary(op);
        switch (fused_form(op)) {
          case FusedForm::Slot:
            if (!read_scalar(slots_[in.a()], y, yb)) return false;
            break;
          case FusedForm::Imm:
            y = in.imm();
            yb = false;
            break;
          default:
            if (!read_scalar(constants_[in.a()], y, yb)) return false;
            break;
        }
      } else {
        return false;  // a call, a field, an index, an array or struct, a parse error
      }
      if (n == 0 || !read_scalar(st[n - 1], x, xb) || !apply_scalar(binary, x, xb, y, yb)) return false;
      write_scalar(st[n - 1], x, xb);
    }
    return n == argc;
  }

  // Whether a thread other than the lane's can run, so that blocking the
  // lane's thread cannot leave none (a deadlock, which step() reports).
  // The lane's thread is running, so runnable: another one makes two. A
  // count over every thread, without a branch per thread, whose outcome
  // the random picks of a seeded run would make unpredictable.
  [[gnu::always_inline]] bool another_runnable() const {
    if (calls_->runnable != 0) return calls_->runnable > 1;
    return runnable_threads() > 1;
  }

  // Out of line: the room mostly knows the count (CallRoom::runnable).
  [[gnu::noinline]] std::size_t runnable_threads() const {
    std::size_t runnable = 0;
    for (const Thread& t : calls_->m.threads) runnable += t.state == ThreadState::Runnable ? 1 : 0;
    return runnable;
  }

  // A call statement: Let, Assign or Eval of an expression that ends in a
  // call the lane may run (lane_call). step() runs it the same way (the
  // arguments, the call, then the statement's binding), so the lane makes
  // the same changes in the same order.
  bool call_statement(const Stmt& s, SimpleStep& out, std::uint64_t n) {
    std::uint32_t argc = 0;
    if (lane_call(s, out.stmt, argc) == nullptr) return false;
    return call_with<false>(s, *last_call_, out, n);
  }

  // A call statement `s` once lane_call has answered `cached` for it;
  // `OwnCopy`: with the call inlined here (step_once's handlers).
  template <bool OwnCopy>
  [[gnu::always_inline]] bool call_with(const Stmt& s, const CallCache& cached, SimpleStep& out, std::uint64_t n) {
    if (holds_steps(n)) return false;
    std::int64_t ints[kShortArgs];
    if (takes_quick(cached) && int_arguments(s.expr, cached, ints)) {
      const QuickAnswer answer = quick_call<true>(s, cached, ints, out);
      if (answer != QuickAnswer::Refused) return answer != QuickAnswer::Stopped;
    }
    if (!(cached.short_args && short_arguments(s.expr, cached.argc, cached.lengths, cached.loads)) &&
        !call_arguments(s.expr, cached.argc)) {
      return false;
    }
    if constexpr (OwnCopy) return call_inline(s, *cached.def, cached.argc, out, n);
    return call(s, *cached.def, cached.argc, out, n);
  }

  // In an observed run a call step must come first in its batch, so that
  // the steps before it are handed over with the machine as they left it:
  // true (and the run stops) while `n` steps of this run or any held ones
  // wait.
  bool holds_steps(std::uint64_t n) {
    if (calls_->observer == nullptr || calls_->held + n == 0) return false;
    stopped_for_call_ = true;
    return true;
  }

  // A blocked call statement whose thread woke: the call runs again with
  // the arguments the frame kept, as step() resumes it. Out of line, as
  // first_while_check and leave_loop: in simple_steps.cpp run() is their
  // only caller, and inlined there they would crowd the single-threaded
  // loop's registers (four more instructions an iteration).
  [[gnu::noinline]] bool resume_call(SimpleStep& out) {
    if (c_->for_checking || f_.has_returned) return false;
    std::uint32_t argc = 0;
    if (lane_call(first_[c_->index], first_index_ + c_->index, argc) == nullptr) return false;
    return resume_with<false>(*last_call_, out);
  }

  // Whether the call the frame kept for statement `s` at the top cursor,
  // whose lane_call answer is `cached`, is one the lane may run again.
  [[gnu::always_inline]] bool resumable(const Stmt& s, const CallCache& cached) const {
    if (c_->for_checking || f_.has_returned) return false;
    if (s.kind != StmtKind::Eval && !(s.kind == StmtKind::Let && bindable(s)) && s.kind != StmtKind::Assign) {
      return false;
    }
    return cached.def != nullptr && f_.pc + 1 == s.expr.length && f_.stack.size() == cached.argc;
  }

  // The blocked call at the top cursor once lane_call has answered
  // `cached` for its statement; `OwnCopy` as for call_with.
  template <bool OwnCopy>
  [[gnu::always_inline]] bool resume_with(const CallCache& cached, SimpleStep& out) {
    const Stmt& s = first_[c_->index];
    if (!resumable(s, cached)) return false;
    call_name_ = cached.name;
    last_call_ = &cached;
    const std::uint32_t argc = cached.argc;
    const IntrinsicDef* def = cached.def;
    if (holds_steps(0)) return false;
    out.stmt = first_index_ + c_->index;
    std::int64_t ints[kShortArgs];
    if (takes_quick(cached) && kept_ints(argc, ints)) {
      const QuickAnswer answer = quick_call<true>(s, cached, ints, out);
      if (answer != QuickAnswer::Refused) return answer != QuickAnswer::Stopped;
    }
    for (std::uint32_t i = 0; i < argc; ++i) {
      // Mostly Ints (a mutex, a thread id): copied without the general copy.
      const Value& kept = f_.stack[i];
      if (kept.is_int()) {
        calls_->stack[i].set_int(kept.as_int());
      } else {
        calls_->stack[i] = kept;
      }
    }
    if constexpr (OwnCopy) return call_inline(s, *def, argc, out, 0);
    return call(s, *def, argc, out, 0);
  }

  // The arguments a blocked call kept, as Ints for its quick retry; false
  // when one is not an Int.
  bool kept_ints(std::uint32_t argc, std::int64_t* ints) const {
    for (std::uint32_t i = 0; i < argc; ++i) {
      const Value& kept = f_.stack[i];
      if (!kept.is_int()) return false;
      ints[i] = kept.as_int();
    }
    return true;
  }

  // A call through the intrinsic's quick entry (QuickCall) on Int
  // arguments, completing the step as call_inline does: Ran, or Stopped
  // (the lane cannot take the step), or Refused: nothing changed, and the
  // full entry must answer. Only a plain run calls it, so no event is made.
  // Ran: the step completed its statement; Blocked: the step ran, and its
  // thread waits. `Told`: the step is written to `out` and called() tells
  // of it; step_once's handlers leave both, as nobody reads a step_once
  // step, and only the general path's handlers read called_, after
  // starting it afresh.
  enum class QuickAnswer : std::uint8_t { Ran, Blocked, Stopped, Refused };  // declared above, for after_quick
  template <bool Told>
  [[gnu::always_inline]] QuickAnswer quick_call(const Stmt& s, const CallCache& cached, const std::int64_t* ints,
                                                SimpleStep& out) {
    if (quick_stops(cached, ints)) return QuickAnswer::Stopped;
    QuickCall& call = quick_call_here();
    const QuickResult r = cached.def->quick(call, ints);
    if (r.status == QuickResult::Status::Refused) return QuickAnswer::Refused;
    if constexpr (Told) {
      called_ = true;
      wrote_nothing(out, StepKind::Statement);
    }
    if (r.status == QuickResult::Status::Block) {
      settle_quick_block(s, cached, ints);
      if constexpr (Told) out.kind = StepKind::Blocked;
      return QuickAnswer::Blocked;
    }
    complete_quick(s, r.status, r.value);
    return QuickAnswer::Ran;
  }

  // The frame and thread as a quick call on `ints` that blocked leaves
  // them: waiting, with the call kept (in the frame, and its Ints here).
  [[gnu::always_inline]] void settle_quick_block(const Stmt& s, const CallCache& cached, const std::int64_t* ints) {
    if (!f_.evaluating) {
      // A frame between calls keeps no stack (the completed call cleared
      // it): the test spares the out-of-line clear.
      if (!f_.stack.empty()) f_.stack.clear();
      for (std::uint32_t i = 0; i < cached.argc; ++i) f_.stack.push_back(Value::integer(ints[i]));
      evaluate_call(s);
    }
    // A retry leaves the frame evaluating the call, as it found it.
    quick_wait(quick_->wait);
    // Every word, read only up to argc: a copy of a length the compiler
    // cannot bound would be a call to memcpy. A retry's own are kept.
    if (ints != kept_quick_) std::memcpy(kept_quick_, ints, sizeof kept_quick_);
    kept_quick_argc_ = cached.argc;
  }

  // Whether quick_call must stop before the call: a statement that would
  // end the frame, or a call that could block the last runnable thread (a
  // deadlock, step()'s to report), asked as call_inline asks it, the cheap
  // way round.
  [[gnu::always_inline]] bool quick_stops(const CallCache& cached, const std::int64_t* ints) {
    // The last statement of a loop's body (an iteration's unlock, say)
    // answers no from its cursor, without the call.
    if (last_outside_loop() && finishes_after_next()) return true;
    return cached.may_block && !another_runnable() && may_block(cached, ints);
  }

  // The quick entry's call from the lane's thread.
  [[gnu::always_inline]] QuickCall& quick_call_here() { return *quick_; }

  // The step once the quick entry answered an Int or Unit (`status`):
  // the frame done with the call, the statement's binding, the cursor past it.
  [[gnu::always_inline]] void complete_quick(const Stmt& s, QuickResult::Status status, std::int64_t value) {
    if (f_.evaluating) {
      f_.evaluating = false;
      f_.stack.clear();
    }
    if (binds_result(s)) {
      Value& slot = slots_[s.slot];
      if (status == QuickResult::Status::Int) {
        // A loop's binding mostly holds the Int it got last time round:
        // then nothing is released.
        if (slot.is_int()) {
          slot.replace_int(value);
        } else {
          slot.set_int(value);
        }
      } else {
        slot = Value::unit();
      }
    }
    advance();
  }

  // The intrinsic's may_block on Int arguments (out of line: it is asked
  // only while no other thread can run).
  [[gnu::noinline]] bool may_block(const CallCache& cached, const std::int64_t* ints) const {
    Value args[kShortArgs];
    for (std::uint32_t i = 0; i < cached.argc; ++i) args[i].set_int(ints[i]);
    return cached.def->may_block(calls_->m, tid_, std::span<const Value>(args, cached.argc));
  }

  // The lane's thread waits, as step() leaves it after a blocked call:
  // the frame keeps the call (its arguments are on f_.stack) for the retry.
  [[gnu::always_inline]] Thread& settle_blocked(const Stmt& s, const IntrinsicResult::Wait& wait) {
    evaluate_call(s);
    kept_quick_argc_ = kNoneKept;
    return wait_on(wait);
  }

  // The lane's thread waiting on a quick entry's `wait`, which has no text
  // (the woken wait it replaces mostly has none either).
  [[gnu::always_inline]] void quick_wait(const IntrinsicResult::Wait& wait) {
    Thread& th = wait_on(wait);
    if (!th.wait.description.empty()) th.wait.description.clear();
  }

  // The frame evaluating statement `s`'s call, at the call.
  [[gnu::always_inline]] void evaluate_call(const Stmt& s) {
    f_.evaluating = true;
    f_.pc = s.expr.length - 1;
  }

  // The lane's thread waiting on `wait`, its step blocked.
  [[gnu::always_inline]] Thread& wait_on(const IntrinsicResult::Wait& wait) {
    Thread& th = calls_->m.threads[tid_];
    th.state = wait.kind == WaitKind::Sleep ? ThreadState::Sleeping : ThreadState::Blocked;
    th.wait.kind = wait.kind;
    th.wait.id = wait.id;
    th.wait.holder = wait.holder;
    ++blocked_;
    return th;
  }

  // Calls the intrinsic on the evaluated arguments and completes the step:
  // the statement's binding, or the thread blocked with its call kept.
  // call_inline, kept whole in one place for the general path; step_once's
  // handlers each inline their own copy (lane_switching.cpp).
  [[gnu::noinline]] bool call(const Stmt& s, const IntrinsicDef& def, std::uint32_t argc, SimpleStep& out,
                              std::uint64_t n) {
    return call_inline(s, def, argc, out, n);
  }

  [[gnu::always_inline]] bool call_inline(const Stmt& s, const IntrinsicDef& def, std::uint32_t argc, SimpleStep& out,
                                          std::uint64_t n) {
    Machine& m = calls_->m;
    const std::span<const Value> args(calls_->stack, argc);
    // The cursor's own test first, here in each copy, where it follows the
    // statement: the shared finishes_after_next, asked for every call, would
    // mix the statements' answers.
    if (c_->index + 1 >= count_ && finishes_after_next()) return false;
    // Asked the cheap way round: with another thread runnable, a block
    // is always the lane's to take.
    if (def.lane == LaneUse::MayBlock && !another_runnable() && def.may_block(m, tid_, args)) return false;
    // Unobserved, the lane's intrinsics leave out library events (quiet);
    // anything else an intrinsic leaves in the event is dropped here.
    // Observed, the event is step()'s: everything it reports, and the
    // binding written with its old value.
    StepEvent& event = calls_->event;
    const bool observed = calls_->observer != nullptr;
    if (observed) {
      begin_event(event, out.stmt);
    } else if (!event.lib.empty()) {
      event.reset();
    }
    event.index = m.steps + n;
    IntrinsicContext ctx{m, tid_, regime_, event, call_name_, !observed, &last_block_};
    IntrinsicResult r = def.fn(ctx, args);
    if (r.status == IntrinsicResult::Status::Error) return false;  // nothing changed (LaneUse)
    called_ = true;
    wrote_nothing(out, StepKind::Statement);
    if (r.status == IntrinsicResult::Status::Block) {
      // As step(): the frame keeps the call and its arguments for the retry.
      if (!f_.evaluating) f_.stack.assign(calls_->stack, calls_->stack + argc);
      Thread& th = settle_blocked(s, r.wait);
      // The wait's text: a mutex wait has none, and the woken wait it
      // replaces none left (Machine::wake_waiters), so the string moves
      // only when either has one.
      if (r.has_description()) {
        th.wait.description = std::move(r.detail->description);
      } else if (!th.wait.description.empty()) {
        th.wait.description.clear();
      }
      out.kind = StepKind::Blocked;
      event.kind = StepKind::Blocked;
      return true;
    }
    if (f_.evaluating) {
      f_.evaluating = false;
      f_.stack.clear();
    }
    if (binds_result(s)) {
      if (s.kind == StmtKind::Eval && !r.value.is_bound()) r.value = Value::unit();
      if (observed) record_write(event, slots_[s.slot], r.value, s.slot);
      slots_[s.slot] = std::move(r.value);
    }
    // As step(): a call that takes the memory budget's count past its limit
    // fails once it completed, before its thread settles. Only alloc,
    // mutex_new and spawn grow the count, each by a record.
    if (m.config.max_memory != 0 && records_of(m) != calls_->records) {
      calls_->records = records_of(m);
      if ((over_budget_ = over_memory_budget(m))) {
        ++c_->index;
        return true;
      }
    }
    advance();
    return true;
  }

  // The binding an observed call step writes, with its old value, built in
  // place in the event from its fields (no temporary BindingWrite, whose
  // Values would be copied in and then moved, nor one zeroed first).
  [[gnu::noinline]] static void record_write(StepEvent& event, const Value& old_value, const Value& new_value,
                                             std::uint32_t slot) {
    event.writes.emplace_back(event.depth, slot, old_value, new_value);
  }

  // An observed call step's event, before the call: what step() sets
  // before it executes a statement.
  void begin_event(StepEvent& event, std::uint32_t stmt) const {
    const Thread& th = calls_->m.threads[tid_];
    event.reset();
    event.thread = tid_;
    event.proc = f_.proc;
    event.stmt = stmt;
    event.depth = static_cast<std::uint32_t>(th.frames.size() - 1);
    event.tick_before = calls_->m.tick;
    event.kind = StepKind::Statement;
  }

  bool constraint(const Stmt& s, SimpleStep& out) {
    if (regime_ != Regime::Phi) {
      Scalar r;
      if (!evaluate(s.expr, r) || !r.is_bool || r.v == 0) return false;
    }
    if (finishes_after_next()) return false;
    advance();
    wrote_nothing(out, StepKind::Statement);
    return true;
  }

  [[gnu::always_inline]] bool condition(const Stmt& s, bool& truth) const {
    Scalar r;
    if (!evaluate(s.expr, r) || !r.is_bool) return false;
    truth = r.v != 0;
    return true;
  }

  bool branch(const Stmt& s, SimpleStep& out) {
    bool truth = false;
    if (!condition(s, truth)) return false;
    const std::uint32_t block = truth ? s.body : s.else_body;
    const bool enters = block != kNoBlock && p_.blocks[block].count > 0;
    if (!enters && finishes_after_next()) return false;
    c_->index++;
    if (block != kNoBlock) f_.cursors.push_back(BlockCursor{block, 0});
    settle_cursors(p_, f_);
    refresh();
    wrote_nothing(out, StepKind::Check);
    return true;
  }

  [[gnu::noinline]] bool first_while_check(const Stmt& s, SimpleStep& out) {
    bool truth = false;
    if (!condition(s, truth)) return false;
    if (!truth && finishes_after_next()) return false;
    if (truth) {
      f_.cursors.push_back(BlockCursor{s.body, 0, out.stmt});
      settle_cursors(p_, f_);
      refresh();
    } else {
      advance();
    }
    wrote_nothing(out, StepKind::Check);
    return true;
  }

  // Outside loops, Break and Continue are errors that step() reports.
  [[gnu::noinline]] bool leave_loop(SimpleStep& out) {
    const int loop = innermost_loop(f_);
    if (loop < 1) return false;
    const auto outer = static_cast<std::size_t>(loop) - 1;
    if (would_finish_frame(p_, f_, outer, f_.cursors[outer].index + 1)) return false;
    f_.cursors.resize(outer + 1);
    refresh();
    advance();
    wrote_nothing(out, StepKind::Statement);
    return true;
  }

  bool next_iteration(SimpleStep& out) {
    const int loop = innermost_loop(f_);
    if (loop < 0) return false;
    continue_loop(p_, f_, static_cast<std::size_t>(loop));
    refresh();
    wrote_nothing(out, StepKind::Statement);
    return true;
  }

  // A While or For check from the loop's body cursor.
  bool loop_check(SimpleStep& out) {
    BlockCursor& c = *c_;
    const Stmt& s = p_.stmts[c.loop_stmt];
    out.stmt = c.loop_stmt;
    wrote_nothing(out, StepKind::Check);
    bool enter;
    if (s.kind == StmtKind::For) {
      enter = c.for_counter < c.for_end;
    } else if (!condition(s, enter)) {
      return false;
    }
    const std::size_t outer = f_.cursors.size() - 2;
    if (!enter && would_finish_frame(p_, f_, outer, f_.cursors[outer].index + 1)) return false;
    if (s.kind == StmtKind::For) {
      Value& cell = slots_[s.slot];
      if (!cell.is_int() || cell.as_int() != c.for_counter) {
        cell.set_int(c.for_counter);
        out.wrote = true;
        out.value = c.for_counter;
      }
    }
    if (enter) {
      c.for_checking = false;
      c.index = 0;
      if (count_ == 0) {
        settle_cursors(p_, f_);
        refresh();
      }
    } else {
      f_.cursors.pop_back();
      refresh();
      advance();
    }
    return true;
  }

  const Program& p_;
  Frame& f_;
  const Regime regime_;
  const ScalarEvaluator eval_;
  Value* const slots_;
  const Instr* const code_;
  const Value* const constants_;
  const bool ints_only_;
  CallRoom* const calls_;        // null: no call steps
  const std::uint32_t tid_;      // the thread whose frame this is
  std::string_view call_name_;   // the intrinsic of the call lane_call last found, as the program names it
  CallCache call_cache_[kCallCache];
  const CallCache* last_call_ = nullptr;  // the entry lane_call last answered from
  // The K heap's last block this lane's loads and stores found
  // (IntrinsicContext::last_block): one per thread, since threads mostly
  // work on blocks of their own, and a cache shared by threads that a
  // seeded run switches between at random would miss on most switches.
  // The lane lives for one run, and its machine keeps its blocks in place
  // for all of it.
  const HeapBlock* last_block_ = nullptr;
  // The Int arguments of the call the lane's last block was in, when it
  // blocked through the quick entry (else kNoneKept): the frame keeps
  // them too, as Values, but a retry of a contended lock (a third of such
  // a run's steps) reads them here without checking the frame again. Only
  // the lane's own steps change its frame, and a resumed call's handler is
  // planned only by the step that blocked (plan, plan_after_call), so when
  // that handler runs these are the frame's kept arguments. quick_step
  // gathers a fresh call's Ints here too, where its block keeps them: no
  // resumed call's handler can be planned while a fresh call runs.
  static constexpr std::uint32_t kNoneKept = ~0u;
  std::uint32_t kept_quick_argc_ = kNoneKept;
  std::int64_t kept_quick_[kShortArgs] = {};
  // step_once's handlers (next_): the general path, a loop check, then a
  // call and a resumed call through each call_cache_ entry, first as any
  // call and then through the intrinsic's quick entry.
  static constexpr std::uint8_t kAnyStep = 0;
  static constexpr std::uint8_t kLoopCheckStep = 1;
  static constexpr std::uint8_t kCallSteps = 2;
  static constexpr std::uint8_t kResumeSteps = kCallSteps + kCallCache;
  static constexpr std::uint8_t kQuickSteps = kResumeSteps + kCallCache;
  static constexpr std::uint8_t kQuickResumeSteps = kQuickSteps + kCallCache;
  static constexpr std::size_t kStepKinds = kQuickResumeSteps + kCallCache;
  template <std::size_t... Entry>
  static constexpr std::array<StepFn, kStepKinds> step_table(std::index_sequence<Entry...>) {
    return {&any_step, &loop_step, &call_step<Entry>..., &resume_step<Entry>..., &quick_step<Entry>...,
            &quick_resume_step<Entry>...};
  }
  static const std::array<StepFn, kStepKinds> kSteps;
  std::uint8_t next_ = kAnyStep;  // the handler of the lane's next step_once (plan)
  std::uint64_t fills_ = 1;       // entries lane_call has filled, from 1 (CallCache::then_fills)
  // The loop whose body loop_step last entered, and the handler planned
  // for the body's first statement then, with fills_ at the time.
  std::uint32_t entered_loop_ = kNoStmt;
  StepFn entered_step_ = nullptr;
  std::uint64_t entered_fills_ = 0;
  SimpleStep scratch_;           // step_once's steps, which nobody records
  bool called_ = false;          // the last step was a call
  bool stopped_for_call_ = false; // the last run stopped before a call (holds_steps)
  std::optional<DvmError> over_budget_;  // the last call took the memory budget past its limit
  std::uint64_t blocked_ = 0;    // steps of this run that blocked
  bool run_ahead_ = false;       // one() found straight-line code for bindings()
  BlockCursor* c_ = nullptr;    // the top cursor
  const Stmt* first_ = nullptr; // its block's first statement
  std::uint32_t first_index_ = 0;
  std::uint32_t count_ = 0;     // and length
  // The quick entries' call from this lane, made once (a third of a
  // threaded run's steps make one); its wait is the last blocked call's.
  // Made with a room.
  std::optional<QuickCall> quick_;
};


// Frames the lane leaves to step(): a Φ frame under `--phi resolve` checks
// its constraints (phi_resolved.cpp), which the lane, skipping them as
// v0.1 does, would not.
inline bool leaves_to_step(const Machine& m, const Program& p, const Frame& f) {
  return m.config.phi == PhiMode::Resolve && p.procs[f.proc].regime == Regime::Phi;
}

inline bool any_sleeping(const Machine& m) {
  for (const Thread& t : m.threads) {
    if (t.state == ThreadState::Sleeping) return true;
  }
  return false;
}

// Whether the lane may run thread `tid`'s next step at all.
inline bool lane_may_run(const Machine& m, std::uint32_t tid) {
  const Thread& th = m.threads[tid];
  if (th.state != ThreadState::Runnable || th.frames.empty()) return false;
  const Frame& f = th.frames.back();
  return !f.cursors.empty() && !leaves_to_step(m, m.program(), f);
}

// The runnable threads of a run of at most 64 as a set (bit t: thread
// t) and their count, as step()'s scheduler lists them when none sleeps.
// Written without a branch per thread: a seeded run's block and wake
// pattern is a coin toss.
inline void list_runnable_set(const Machine& m, std::uint64_t& set, std::size_t& count) {
  std::uint64_t bits = 0;
  std::size_t n = 0;
  for (std::size_t t = 0; t < m.threads.size(); ++t) {
    const bool runnable = m.threads[t].state == ThreadState::Runnable;
    bits |= std::uint64_t{runnable} << t;
    n += runnable ? 1 : 0;
  }
  set = bits;
  count = n;
}

// The scheduler's pick after a step, as step() makes it (see
// Machine::run_simple): the lane's threads keep the runnable ones listed
// between steps, which change them only as after_step says.
//
// Picks are most of what a switching run does besides its steps, so the
// listing also prepares the pick. A run of at most 64 threads keeps them
// as a set of bits (select_bit, thread_pick.hpp): a thread that blocks
// leaves it by one AND and the threads a step woke join it by one OR
// (woken_threads), without a branch, since after a random pick whether
// the step blocked or woke anyone is a coin toss; at seed 0 the round-robin
// successor is the lowest runnable id above the current one, else the
// lowest. A larger run keeps the list in id order and each thread's
// round-robin successor (`next_`). At other seeds the remainder by the
// runnable count is made without a division (ExactRemainder,
// thread_pick.hpp, made once per count). Every way gives pick_thread's
// answer exactly.
class Picker {
 public:
  explicit Picker(const Machine& m)
      : thread_count_(m.threads.size()), threads_end_(std::to_address(m.threads.cend())), seed_(m.config.seed) {}
  std::size_t thread_count() const { return thread_count_; }
  // After thread `tid`'s step: threads may have appeared, blocked or
  // woken. A step changes the runnable threads only by spawning one,
  // blocking its own (`blocked`) or waking others (woken_threads);
  // otherwise the list stands. A simple step does none of these, so this
  // may follow every step. In a set, a block takes `tid` out and a wake
  // puts the woken threads in (they were blocked, so not in it yet): both
  // without a branch, since after a random pick either is a coin toss. A
  // spawn, and a block or wake in a list of more than 64 threads, lists the
  // threads again at the next pick. The answer: whether the runnable
  // threads are the ones before the step but for its own block (no wake,
  // no spawn, the set still listed), as pick_prepared asks.
  bool after_step(const Machine& m, std::uint32_t tid, bool blocked) {
    WokenThreads& woken = woken_threads;
    set_ = (set_ & ~(std::uint64_t{blocked} << (tid & 63))) | woken.bits;
    count_ = count_ + woken.count - (blocked ? 1 : 0);
    const Thread* end = std::to_address(m.threads.cend());
    listed_ = listed_ & (woken.machine == &m) & (end == threads_end_) & (in_set_ | ((woken.count == 0) & !blocked));
    const bool unchanged = woken.count == 0 && listed_;
    woken.bits = 0;
    woken.count = 0;
    if (end != threads_end_) [[unlikely]] {
      threads_end_ = end;
      thread_count_ = m.threads.size();
    }
    return unchanged;
  }
  // How many threads can run now, when the list is fresh (as it is after
  // every pick), or 0 when it is not known.
  std::size_t runnable_count() const { return listed_ ? count_ : 0; }
  std::uint32_t pick(Machine& m) { return pick_drawn(m, draw(m.rng_state)); }

  // The next pick's draw from the scheduler's PRNG, taken from `state` (a
  // copy of the machine's, which the caller stores back once the pick is
  // made). The draw does not depend on the step before the pick, so a
  // switching run makes it before that step: it is then off the path from
  // the step's end to the next step's first instruction, which is where a
  // seeded run waits after each mispredicted jump to a thread's step.
  std::uint64_t draw(std::uint64_t& state) const { return seed_ != 0 ? splitmix64(state) : 0; }

  // The next pick made before the step, both ways the step can leave the
  // runnable threads without a wake or a spawn: as they are, or without
  // its own thread, which blocked. After a random pick whether the step
  // blocks is a coin toss, and the jump to the next thread's step is
  // mispredicted about as often; with both picks ready, what that jump
  // waits for after the step is a choice between two numbers, not the
  // remainder and the bit search. Only a seeded run whose threads are in
  // the set prepares (`ready`); pick_prepared falls back to pick_drawn
  // after a wake or a spawn. Being off that path, the remainders here are
  // the processor's division: two instructions whose latency the step
  // hides, where ExactRemainder (which pick_drawn keeps, on the path)
  // takes fifteen.
  struct Prepared {
    std::uint32_t as_is = 0;
    std::uint32_t if_blocked = 0;
    bool ready = false;
  };
  Prepared prepare(std::uint32_t tid, std::uint64_t drawn) const {
    if (!listed_ || !in_set_ || seed_ == 0 || count_ < 2) return {};
    const std::uint64_t without = set_ & ~(std::uint64_t{1} << (tid & 63));
    return {select_bit(set_, drawn % count_), select_bit(without, drawn % (count_ - 1)), true};
  }
  // The pick after the step (after_step's answer is `unchanged`).
  std::uint32_t pick_prepared(const Machine& m, std::uint64_t drawn, const Prepared& prepared, bool blocked,
                              bool unchanged) {
    if (prepared.ready & unchanged) {
      const std::uint32_t choose = 0u - static_cast<std::uint32_t>(blocked);  // all ones when it blocked
      return prepared.as_is ^ ((prepared.as_is ^ prepared.if_blocked) & choose);
    }
    return pick_drawn(m, drawn);
  }

  // The pick, with the PRNG's draw for it already made (draw; ignored at
  // seed 0).
  std::uint32_t pick_drawn(const Machine& m, std::uint64_t drawn) {
    if (!listed_) list(m);
    if (in_set_) {
      if (seed_ == 0) return round_robin(set_, m.current);
      return select_bit(set_, remainders_[count_].of(drawn));
    }
    if (seed_ == 0) return next_[m.current];
    return runnable_[remainders_[count_].of(drawn)];
  }

 private:
  // The threads that may run next, as step()'s scheduler lists them when
  // none sleeps. Written without a branch per thread: a run of more than
  // 64 threads lists them after every block and wake-up.
  void list(const Machine& m) {
    const std::size_t threads = m.threads.size();
    in_set_ = threads <= 64;
    if (in_set_) {
      list_runnable_set(m, set_, count_);
    } else {
      list_in_order(m);
    }
    listed_ = true;
    woken_threads = {&m, 0, 0};
    // Every count the set can reach before the next listing: wakes add to
    // it without one, up to every thread.
    while (remainders_.size() <= threads) remainders_.emplace_back(remainders_.empty() ? 1 : remainders_.size());
  }

  void list_in_order(const Machine& m) {
    const std::size_t threads = m.threads.size();
    if (runnable_.size() < threads) runnable_.resize(threads);
    std::uint32_t* out = runnable_.data();
    std::size_t n = 0;
    for (const Thread& t : m.threads) {
      out[n] = t.id;
      n += t.state == ThreadState::Runnable ? 1 : 0;
    }
    count_ = n;
    if (seed_ != 0) return;
    // Round-robin: the first runnable id after each thread's, or the
    // first runnable one (pick_thread's upper_bound, answered ahead).
    if (next_.size() < threads) next_.resize(threads);
    std::uint32_t after = runnable_[0];
    for (std::size_t t = threads; t-- > 0;) {
      next_[t] = after;
      if (m.threads[t].state == ThreadState::Runnable) after = static_cast<std::uint32_t>(t);
    }
  }

  std::uint64_t set_ = 0;                     // at most 64 threads: bit t, thread t can run
  bool in_set_ = true;                        // the threads are kept in set_ (else runnable_)
  std::vector<std::uint32_t> runnable_;       // more threads: their ids in order
  std::vector<std::uint32_t> next_;           // and at seed 0 the pick after each thread
  std::size_t count_ = 0;
  bool listed_ = false;
  std::size_t thread_count_;
  const Thread* threads_end_;  // where m.threads ended at the last step: it moves when a thread is spawned
  const std::uint64_t seed_;
  std::vector<ExactRemainder> remainders_;    // other seeds: % count, by count, made as counts first appear
};

}  // namespace

}  // namespace dust

// simple_steps.cpp — the simple-step lane: Machine::run_simple.
//
// Most steps of most programs are a Let or Assign of an integer expression
// or the check of an If or a loop, run by the only thread. This lane runs
// such steps without building a StepEvent, with an evaluator that knows only
// Int and Bool, so a step costs a few dozen instructions instead of a few
// hundred.
//
// The lane never starts what it cannot finish. Evaluation only reads, so
// when an expression meets anything the lane does not handle (another type,
// an unbound name, an overflow, a division by zero, a call), or when the
// step would end its frame, the lane stops before that step with nothing
// changed, and step() runs it under the full rules with their messages and
// events. That is also why the lane needs no error handling of its own.
#include <cstdint>

#include "dust/machine.hpp"
#include "frame_cursors.hpp"

namespace dust {

namespace {

// An Int or a Bool, as the lane computes with them.
struct Scalar {
  std::int64_t v = 0;
  bool is_bool = false;
};

inline bool read_scalar(const Value& value, std::int64_t& v, bool& is_bool) {
  if (value.is_int()) {
    v = value.as_int();
    is_bool = false;
    return true;
  }
  if (value.is_bool()) {
    v = value.as_bool() ? 1 : 0;
    is_bool = true;
    return true;
  }
  return false;
}

// Evaluates call-free code over Int and Bool values of one frame. It only
// reads, so giving up (false) leaves nothing to undo.
//
// The loop is threaded (one indirect jump per handler, GCC's labels as
// values) with the top of the stack in registers: an expression like
// `s Add i` is then two handlers of a few instructions each. Each binary
// operator has four handlers, for its right operand on the stack, in a
// slot, immediate, or a constant (the fused forms of opcodes.hpp).
class ScalarEvaluator {
 public:
  ScalarEvaluator(const Program& p, const Value* slots) : p_(p), slots_(slots) {}

  bool run(const CodeRef& code, Scalar& out) const {
    if (!code.pure || code.length == 0 || code.max_stack > kMaxStack) return false;
    std::int64_t vs[kMaxStack + 1];  // below the top; vs[0] is never read
    bool bs[kMaxStack + 1];
    std::uint32_t n = 0;
    std::int64_t x = 0, y;
    bool xb = false, yb;
    const Instr* ip = p_.code.data() + code.offset;
    const Instr* const end = ip + code.length;
    Instr in = *ip;

// The handlers, in opcode order (opcodes.hpp): binary operators with how
// they check their operands and what they compute into the top (x, xb).
#define DUST_BINARY_OPS(X)                                                                  \
  X(Add, INT, if (xb || __builtin_add_overflow(x, y, &x)) goto give_up;)                   \
  X(Sub, INT, if (xb || __builtin_sub_overflow(x, y, &x)) goto give_up;)                   \
  X(Mul, INT, if (xb || __builtin_mul_overflow(x, y, &x)) goto give_up;)                   \
  X(Div, INT, if (xb || y == 0 || (x == INT64_MIN && y == -1)) goto give_up; x /= y;)      \
  X(BitAnd, INT, if (xb) goto give_up; x &= y;)                                            \
  X(BitOr, INT, if (xb) goto give_up; x |= y;)                                             \
  X(BitXor, INT, if (xb) goto give_up; x ^= y;)                                            \
  X(Shl, INT, if (xb || static_cast<std::uint64_t>(y) > 63) goto give_up;                  \
    x = static_cast<std::int64_t>(static_cast<std::uint64_t>(x) << y);)                    \
  X(Shr, INT, if (xb || static_cast<std::uint64_t>(y) > 63) goto give_up; x >>= y;)        \
  X(Eq, ANY, if (xb != yb) goto give_up; x = x == y; xb = true;)                           \
  X(Ne, ANY, if (xb != yb) goto give_up; x = x != y; xb = true;)                           \
  X(Lt, INT, if (xb) goto give_up; x = x < y; xb = true;)                                  \
  X(Le, INT, if (xb) goto give_up; x = x <= y; xb = true;)                                 \
  X(Gt, INT, if (xb) goto give_up; x = x > y; xb = true;)                                  \
  X(Ge, INT, if (xb) goto give_up; x = x >= y; xb = true;)                                 \
  X(And, ANY, if (!xb || !yb) goto give_up; x &= y;)                                       \
  X(Or, ANY, if (!xb || !yb) goto give_up; x |= y;)

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

#define DUST_STACK_HANDLER(name, kind, body) \
  op_##name : y = x;                         \
  yb = xb;                                   \
  x = vs[--n];                               \
  xb = bs[n];                                \
  DUST_CHECK_##kind body DUST_NEXT
#define DUST_SLOT_HANDLER(name, kind, body) \
  op_##name##Slot : DUST_FETCH_##kind(slots_[in.a()]) body DUST_NEXT
#define DUST_IMM_HANDLER(name, kind, body) \
  op_##name##Imm : y = in.imm();           \
  yb = false;                              \
  body DUST_NEXT
#define DUST_CONST_HANDLER(name, kind, body) \
  op_##name##Const : DUST_FETCH_##kind(p_.constants[in.a()]) body DUST_NEXT
#define DUST_LABEL(name, kind, body) &&op_##name,
#define DUST_LABEL_SLOT(name, kind, body) &&op_##name##Slot,
#define DUST_LABEL_IMM(name, kind, body) &&op_##name##Imm,
#define DUST_LABEL_CONST(name, kind, body) &&op_##name##Const,

    static_assert(static_cast<int>(Op::FusedBase) == 28 && kBinaryCount == 17, "the handler table follows opcodes.hpp");
    static const void* const kHandlers[256] = {
        &&op_PushInt, &&op_PushConst, &&op_Load,
        DUST_BINARY_OPS(DUST_LABEL)
        &&op_Not, &&op_Neg,
        &&give_up, &&give_up, &&give_up, &&give_up, &&give_up, &&give_up,  // Call .. Fail
        DUST_BINARY_OPS(DUST_LABEL_SLOT)
        DUST_BINARY_OPS(DUST_LABEL_IMM)
        DUST_BINARY_OPS(DUST_LABEL_CONST)
    };
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
    DUST_BINARY_OPS(DUST_STACK_HANDLER)
    DUST_BINARY_OPS(DUST_SLOT_HANDLER)
    DUST_BINARY_OPS(DUST_IMM_HANDLER)
    DUST_BINARY_OPS(DUST_CONST_HANDLER)

  finished:
    out.v = x;
    out.is_bool = xb;
    return true;
  give_up:
    return false;

#undef DUST_BINARY_OPS
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

// One simple step of frame `f`, or false with nothing changed.
class SimpleStepper {
 public:
  SimpleStepper(const Program& p, Frame& f, bool ints_only)
      : p_(p), f_(f), regime_(p.procs[f.proc].regime), eval_(p, f.slots.data()), ints_only_(ints_only) {}

  bool step(SimpleStep& out) {
    BlockCursor& c = f_.cursors.back();
    if (c.for_checking) return loop_check(c, out);
    const std::uint32_t id = p_.blocks[c.block].first + c.index;
    const Stmt& s = p_.stmts[id];
    out.stmt = id;
    switch (s.kind) {
      case StmtKind::Let:
        if (s.q_form != QForm::None || (s.phi_witness && regime_ == Regime::Phi)) return false;
        return binding(s, out);
      case StmtKind::Assign:
        if (!f_.slots[s.slot].is_bound()) return false;
        return binding(s, out);
      case StmtKind::Constrain: return constraint(s, out);
      case StmtKind::If: return branch(s, out);
      case StmtKind::While: return first_while_check(s, id, out);
      default: return false;
    }
  }

 private:
  bool finishes_after_next(const BlockCursor& c) const {
    return c.index + 1 >= p_.blocks[c.block].count && would_finish_frame(p_, f_, f_.cursors.size() - 1, c.index + 1);
  }

  // Moves past the statement the top cursor is at.
  void advance() {
    BlockCursor& c = f_.cursors.back();
    if (++c.index >= p_.blocks[c.block].count) settle_cursors(p_, f_);
  }

  bool binding(const Stmt& s, SimpleStep& out) {
    Scalar r;
    if (!eval_.run(s.expr, r) || (r.is_bool && ints_only_) || finishes_after_next(f_.cursors.back())) return false;
    Value& cell = f_.slots[s.slot];
    if (r.is_bool) {
      cell.set_bool(r.v != 0);
    } else {
      cell.set_int(r.v);
    }
    advance();
    out.kind = StepKind::Statement;
    out.wrote = true;
    out.value = r.v;
    return true;
  }

  bool constraint(const Stmt& s, SimpleStep& out) {
    if (regime_ != Regime::Phi) {
      Scalar r;
      if (!eval_.run(s.expr, r) || !r.is_bool || r.v == 0) return false;
    }
    if (finishes_after_next(f_.cursors.back())) return false;
    advance();
    out.kind = StepKind::Statement;
    out.wrote = false;
    return true;
  }

  bool condition(const Stmt& s, bool& truth) const {
    Scalar r;
    if (!eval_.run(s.expr, r) || !r.is_bool) return false;
    truth = r.v != 0;
    return true;
  }

  bool branch(const Stmt& s, SimpleStep& out) {
    bool truth = false;
    if (!condition(s, truth)) return false;
    const std::uint32_t block = truth ? s.body : s.else_body;
    const bool enters = block != kNoBlock && p_.blocks[block].count > 0;
    if (!enters && finishes_after_next(f_.cursors.back())) return false;
    f_.cursors.back().index++;
    if (block != kNoBlock) f_.cursors.push_back(BlockCursor{block, 0});
    settle_cursors(p_, f_);
    out.kind = StepKind::Check;
    out.wrote = false;
    return true;
  }

  bool first_while_check(const Stmt& s, std::uint32_t id, SimpleStep& out) {
    bool truth = false;
    if (!condition(s, truth)) return false;
    if (!truth && finishes_after_next(f_.cursors.back())) return false;
    if (truth) {
      f_.cursors.push_back(BlockCursor{s.body, 0, id});
      settle_cursors(p_, f_);
    } else {
      advance();
    }
    out.kind = StepKind::Check;
    out.wrote = false;
    return true;
  }

  // A While or For check from the loop's body cursor.
  bool loop_check(BlockCursor& c, SimpleStep& out) {
    const Stmt& s = p_.stmts[c.loop_stmt];
    out.stmt = c.loop_stmt;
    out.kind = StepKind::Check;
    out.wrote = false;
    bool enter;
    if (s.kind == StmtKind::For) {
      enter = c.for_counter < c.for_end;
    } else if (!condition(s, enter)) {
      return false;
    }
    const std::size_t outer = f_.cursors.size() - 2;
    if (!enter && would_finish_frame(p_, f_, outer, f_.cursors[outer].index + 1)) return false;
    if (s.kind == StmtKind::For) {
      Value& cell = f_.slots[s.slot];
      if (!cell.is_int() || cell.as_int() != c.for_counter) {
        cell.set_int(c.for_counter);
        out.wrote = true;
        out.value = c.for_counter;
      }
    }
    if (enter) {
      c.for_checking = false;
      c.index = 0;
      if (p_.blocks[c.block].count == 0) settle_cursors(p_, f_);
    } else {
      f_.cursors.pop_back();
      advance();
    }
    return true;
  }

  const Program& p_;
  Frame& f_;
  const Regime regime_;
  const ScalarEvaluator eval_;
  const bool ints_only_;
};

}  // namespace

std::uint64_t Machine::run_simple(std::uint64_t limit, SimpleStepBatch* batch) {
  if (!started || done() || threads.size() != 1) return 0;
  Thread& th = threads[0];
  if (th.state != ThreadState::Runnable || th.frames.empty()) return 0;
  Frame& f = th.frames.back();
  if (f.evaluating || f.cursors.empty()) return 0;
  if (batch != nullptr && batch->size == 0) {
    batch->first_index = steps;
    batch->first_tick = tick;
    batch->thread = th.id;
    batch->proc = f.proc;
    batch->depth = static_cast<std::uint32_t>(th.frames.size() - 1);
  }
  SimpleStepper stepper(*program_, f, batch != nullptr);
  std::uint64_t n = 0;
  SimpleStep step;
  while (n < limit && stepper.step(step)) {
    ++tick;
    ++steps;
    ++n;
    if (batch != nullptr) batch->steps[batch->size++] = step;
  }
  return n;
}

}  // namespace dust

// evaluation.cpp — running compiled expressions (the instruction table is
// opcodes.hpp). Three evaluators share the operators of scalar_ops.hpp and
// the reference's messages: eval_small for a name or constant with at most
// one operand, eval_pure for call-free code on a stack of its own, and
// eval_code, which keeps its stack in the frame so that a call or a block
// can suspend it and a later step resume it.
#include "scalar_ops.hpp"
#include "step_runner.hpp"

namespace dust {

namespace {

// A value stack in uninitialised storage on the host stack: only the
// live values are ever constructed or destroyed.
class LocalStack {
 public:
  LocalStack() = default;
  LocalStack(const LocalStack&) = delete;
  LocalStack& operator=(const LocalStack&) = delete;
  ~LocalStack() {
    for (std::size_t i = 0; i < n_; ++i) data()[i].~Value();
  }
  Value* data() { return reinterpret_cast<Value*>(raw_); }
  std::size_t size() const { return n_; }
  Value& top() { return data()[n_ - 1]; }
  Value& at(std::size_t i) { return data()[i]; }
  void push(const Value& v) { new (data() + n_++) Value(v); }
  void push(Value&& v) { new (data() + n_++) Value(std::move(v)); }
  void pop() { data()[--n_].~Value(); }

 private:
  alignas(Value) unsigned char raw_[sizeof(Value) * (kLocalStack + 1)];
  std::size_t n_ = 0;
};

// The general evaluator's stack: a vector whose elements beyond the live
// count are constructed (unbound), so pushes assign and pops clear.
struct VectorStack {
  Value* base;
  std::size_t& n;
  std::size_t size() const { return n; }
  Value& top() { return base[n - 1]; }
  Value& at(std::size_t i) { return base[i]; }
  void push(Value v) { base[n++] = std::move(v); }
  void pop() { base[--n].clear(); }
};

}  // namespace

// Evaluates the statement's expression, resuming a suspended evaluation.
// Done: `out` holds the value. Suspended: a call was entered or the thread blocked.
StepRunner::Flow StepRunner::evaluate(std::uint32_t tid, const CodeRef& code, Value& out) {
  std::optional<DvmError> error;
  Frame& f = m_.threads[tid].frames.back();
  if (code.pure && !f.evaluating && code.max_stack <= kLocalStack) {
    if (code.length <= 2 && eval_small(f, code, out)) return Flow::Done;
    if (eval_pure(f, code, out, &error)) return Flow::Done;
    return fail(std::move(*error));
  }
  EvalResult r = eval_code(&tid, f, code, out, &error);
  switch (r) {
    case EvalResult::Done: return Flow::Done;
    case EvalResult::Suspended: return Flow::Suspended;
    case EvalResult::Failed: return fail(std::move(*error));
  }
  return Flow::Failed;
}

// The most common expressions — a name, a constant, or a name combined
// with one integer operand (`i Add 1`, `i Lt n`) — without a value stack.
// Anything unusual (an unbound name, a non-integer, an overflow) returns
// false and takes the general route, which reports it.
bool StepRunner::eval_small(const Frame& f, const CodeRef& code, Value& out) {
  const Instr* ins = p_.code.data() + code.offset;
  const Instr first = ins[0];
  const Value* base;
  switch (first.op()) {
    case Op::Load: base = &f.slots[first.a()]; break;
    case Op::PushConst: base = &p_.constants[first.a()]; break;
    case Op::PushInt:
      if (code.length != 1) return false;
      out = Value::integer(first.imm());
      return true;
    default: return false;
  }
  if (!base->is_bound()) return false;
  if (code.length == 1) {
    out = *base;
    return true;
  }
  const Instr second = ins[1];
  if (!is_fused(second.op()) || !base->is_int()) return false;
  std::int64_t y;
  switch (fused_form(second.op())) {
    case FusedForm::Slot: {
      const Value& b = f.slots[second.a()];
      if (!b.is_int()) return false;
      y = b.as_int();
      break;
    }
    case FusedForm::Imm: y = second.imm(); break;
    default: {
      const Value& b = p_.constants[second.a()];
      if (!b.is_int()) return false;
      y = b.as_int();
      break;
    }
  }
  out = Value::integer(base->as_int());
  return int_binary_fast(fused_binary(second.op()), out, y);
}

// Evaluates call-free code on a small stack of its own: nothing can
// suspend it, so nothing of it needs to live in the frame.
bool StepRunner::eval_pure(const Frame& f, const CodeRef& code, Value& out, std::optional<DvmError>* error) {
  LocalStack stack;
  const Instr* ins = p_.code.data() + code.offset;
  const Proc& proc = p_.procs[f.proc];
  auto unknown = [&](std::uint32_t slot) {
    *error = runtime_error("unknown identifier: " + std::string(proc.slot_names.get(slot)));
    return false;
  };
  for (std::uint32_t pc = 0; pc < code.length; ++pc) {
    const Instr in = ins[pc];
    Op op = in.op();
    if (is_fused(op)) {
      Value& a = stack.top();
      if (a.is_int()) {
        // The common case, integers on both sides, without leaving the loop.
        std::int64_t y;
        bool int_operand = true;
        switch (fused_form(op)) {
          case FusedForm::Slot: {
            const Value& b = f.slots[in.a()];
            int_operand = b.is_int();
            y = b.as_int();
            break;
          }
          case FusedForm::Imm: y = in.imm(); break;
          default: {
            const Value& b = p_.constants[in.a()];
            int_operand = b.is_int();
            y = b.as_int();
            break;
          }
        }
        if (int_operand && int_binary_fast(fused_binary(op), a, y)) continue;
      }
      switch (fused_form(op)) {
        case FusedForm::Slot: {
          const Value& b = f.slots[in.a()];
          if (!b.is_bound()) return unknown(in.a());
          if (!apply_binary(fused_binary(op), a, b, error)) return false;
          break;
        }
        case FusedForm::Imm: {
          const Value b = Value::integer(in.imm());
          if (!apply_binary(fused_binary(op), a, b, error)) return false;
          break;
        }
        default:
          if (!apply_binary(fused_binary(op), a, p_.constants[in.a()], error)) return false;
          break;
      }
      continue;
    }
    switch (op) {
      case Op::PushInt: stack.push(Value::integer(in.imm())); break;
      case Op::PushConst: stack.push(p_.constants[in.a()]); break;
      case Op::Load: {
        const Value& v = f.slots[in.a()];
        if (!v.is_bound()) return unknown(in.a());
        stack.push(v);
        break;
      }
      case Op::Fail: *error = runtime_error(std::string(p_.texts.get(in.a()))); return false;
      default:
        if (is_binary(op)) {
          if (!apply_binary(op, stack.at(stack.size() - 2), stack.top(), error)) return false;
          stack.pop();
          break;
        }
        // The rarer operators share the general evaluator's code.
        if (!apply_other(op, in, stack, error)) return false;
        break;
    }
  }
  out = std::move(stack.top());
  return true;
}

// Not, Neg, Field, Index, MakeArray, MakeStruct, Dup and Rem, on either
// kind of stack.
template <class Stack>
bool StepRunner::apply_other(Op op, Instr in, Stack& stack, std::optional<DvmError>* error) {
  auto fail_with = [&](std::string message) {
    *error = runtime_error(std::move(message));
    return false;
  };
  switch (op) {
    case Op::Dup: {
      Value copy = stack.top();
      stack.push(std::move(copy));
      return true;
    }
    case Op::RemImm:
    case Op::RemConst: {
      // Exactly the operators it stands for: x Sub (x Div m Mul m).
      const Value imm = Value::integer(in.imm());
      const Value& m = op == Op::RemImm ? imm : p_.constants[in.a()];
      Value& x = stack.top();
      Value multiple = x;
      if (!apply_binary(Op::Div, multiple, m, error) || !apply_binary(Op::Mul, multiple, m, error)) return false;
      return apply_binary(Op::Sub, x, multiple, error);
    }
    case Op::Not: {
      Value& a = stack.top();
      if (!a.is_bool()) return fail_with("Not requires a bool operand");
      a.set_bool(!a.as_bool());
      return true;
    }
    case Op::Neg: {
      Value& a = stack.top();
      if (!a.is_int()) return fail_with("Neg requires an int operand");
      if (a.as_int() == INT64_MIN) return fail_with("integer overflow");
      a.set_int(-a.as_int());
      return true;
    }
    case Op::Field: {
      std::string_view name = p_.texts.get(in.a());
      Value& v = stack.top();
      for (const auto& [field_name, field_value] : v.struct_fields()) {
        if (field_name == name) {
          Value result = field_value;
          v = std::move(result);
          return true;
        }
      }
      return fail_with("no field " + std::string(name) + " on " + render_rust_debug(v));
    }
    case Op::Index: {
      const Value& a = stack.at(stack.size() - 2);
      const Value& i = stack.top();
      if (!a.is_array() || !i.is_int()) return fail_with("index requires an array and an int");
      const auto& items = a.array_items();
      if (i.as_int() < 0 || static_cast<std::uint64_t>(i.as_int()) >= items.size()) {
        return fail_with("index out of bounds: " + std::to_string(i.as_int()));
      }
      Value item = items[static_cast<std::size_t>(i.as_int())];
      stack.pop();
      stack.top() = std::move(item);
      return true;
    }
    case Op::MakeArray: {
      std::size_t count = in.a();
      std::vector<Value> items;
      items.reserve(count);
      for (std::size_t k = stack.size() - count; k < stack.size(); ++k) items.push_back(std::move(stack.at(k)));
      for (std::size_t k = 0; k < count; ++k) stack.pop();
      stack.push(Value::array(std::move(items)));
      return true;
    }
    case Op::MakeStruct: {
      const StructShape& shape = p_.shapes[in.a()];
      std::size_t count = shape.fields.size();
      std::vector<std::pair<std::string, Value>> fields;
      fields.reserve(count);
      for (std::size_t k = 0; k < count; ++k) {
        fields.emplace_back(shape.fields[k], std::move(stack.at(stack.size() - count + k)));
      }
      for (std::size_t k = 0; k < count; ++k) stack.pop();
      stack.push(Value::structure(shape.type, std::move(fields)));
      return true;
    }
    default: return fail_with(std::string("internal: unexpected ") + op_name(op));
  }
}

// An operator on an Int and an Int operand that cannot fail (scalar_ops.hpp);
// false sends the caller to apply_binary (errors, overflow, other types).
inline bool StepRunner::int_binary_fast(Op op, Value& a, std::int64_t y) {
  std::int64_t x = a.as_int();
  bool x_bool = false;
  if (!apply_scalar(op, x, x_bool, y, false)) return false;
  if (x_bool) {
    a.set_bool(x != 0);
  } else {
    a.replace_int(x);
  }
  return true;
}

// Applies binary operator `op` to `a` and `b`, leaving the result in `a`.
// Ints and Bools take the operators of scalar_ops.hpp; what they refuse
// gets the reference's rules and messages below.
inline bool StepRunner::apply_binary(Op op, Value& a, const Value& b, std::optional<DvmError>* error) {
  auto fail_with = [&](std::string message) {
    *error = DvmError{ErrorKind::Runtime, std::move(message)};
    return false;
  };
  std::int64_t x = 0, y = 0;
  bool x_bool = false, y_bool = false;
  if (read_scalar(a, x, x_bool) && read_scalar(b, y, y_bool) && apply_scalar(op, x, x_bool, y, y_bool)) {
    write_scalar(a, x, x_bool);
    return true;
  }
  if (a.is_int() && b.is_int()) {
    // What apply_scalar refuses of two Ints: these errors, and And/Or
    // (the type error below).
    switch (op) {
      case Op::Add:
      case Op::Sub:
      case Op::Mul: return fail_with("integer overflow");
      case Op::Div:
      case Op::Rem: return fail_with(y == 0 ? "division by zero" : "integer overflow");
      case Op::Shl:
      case Op::Shr: return fail_with("shift amount out of range: " + std::to_string(y));
      default: break;
    }
  }
  switch (op) {
    case Op::Add:
    case Op::Sub: return fail_with("Add/Sub requires int operands");
    case Op::Mul:
    case Op::Div: return fail_with("Mul/Div requires int operands");
    case Op::Rem: return fail_with("Rem requires int operands");
    case Op::BitAnd:
    case Op::BitOr:
    case Op::BitXor: return fail_with("bitwise operator requires int operands");
    case Op::Shl:
    case Op::Shr: return fail_with("shift requires int operands");
    case Op::Eq:
    case Op::Ne: {
      bool eq = a == b;
      a.set_bool(op == Op::Eq ? eq : !eq);
      return true;
    }
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: return fail_with("comparison requires int operands");
    case Op::And:
    case Op::Or:
      if (!a.is_bool() || !b.is_bool()) return fail_with(op == Op::And ? "And requires bool operands" : "Or requires bool operands");
      a.set_bool(op == Op::And ? (a.as_bool() && b.as_bool()) : (a.as_bool() || b.as_bool()));
      return true;
    default: return fail_with("internal: not a binary operator");
  }
}

// Runs `code` on `f`'s value stack from where it stopped. `tid` is null
// for pure evaluation (Φ validation), where a call cannot suspend.
//
// While running, the stack vector is sized for the deepest point of the
// expression and `n` counts the live values; at rest (done, failed or
// suspended) it holds exactly the live values, so a snapshot of the frame
// is exact.
StepRunner::EvalResult StepRunner::eval_code(const std::uint32_t* tid, Frame& f, const CodeRef& code, Value& out,
                     std::optional<DvmError>* error) {
  const Instr* ins = p_.code.data() + code.offset;
  std::uint32_t pc = 0;
  std::vector<Value>& st = f.stack;
  std::size_t n = 0;
  if (!f.evaluating) {
    st.clear();
  } else {
    pc = f.pc;
    f.evaluating = false;
    n = st.size();
    if (f.has_returned) {
      // A callee returned: its arguments give way to its result.
      std::uint32_t argc = p_.callsites[ins[pc].a()].argc;
      st.resize(n - argc);
      st.push_back(std::move(f.returned));
      n = st.size();
      f.returned = Value();
      f.has_returned = false;
      ++pc;
    }
  }
  if (st.size() < n + code.max_stack + 1) st.resize(n + code.max_stack + 1);
  Value* base = st.data();
  const Proc& proc = p_.procs[f.proc];
  auto failed = [&](ErrorKind kind, std::string message) {
    *error = DvmError{kind, std::move(message)};
    st.clear();
    return EvalResult::Failed;
  };
  for (; pc < code.length; ++pc) {
    const Instr in = ins[pc];
    switch (in.op()) {
      case Op::PushInt: base[n++].set_int(in.imm()); break;
      case Op::PushConst: base[n++] = p_.constants[in.a()]; break;
      case Op::Load: {
        const Value& v = f.slots[in.a()];
        if (!v.is_bound()) return failed(ErrorKind::Runtime, "unknown identifier: " + std::string(proc.slot_names.get(in.a())));
        base[n++] = v;
        break;
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::Rem:
      case Op::BitAnd:
      case Op::BitOr:
      case Op::BitXor:
      case Op::Shl:
      case Op::Shr:
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::And:
      case Op::Or: {
        if (!apply_binary(in.op(), base[n - 2], base[n - 1], error)) {
          st.clear();
          return EvalResult::Failed;
        }
        base[--n].clear();
        break;
      }
      case Op::Not:
      case Op::Neg:
      case Op::Field:
      case Op::Index:
      case Op::MakeArray:
      case Op::MakeStruct:
      case Op::Dup:
      case Op::RemImm:
      case Op::RemConst:
      {
        VectorStack stack{base, n};
        if (!apply_other(in.op(), in, stack, error)) {
          st.clear();
          return EvalResult::Failed;
        }
        break;
      }
      case Op::Call: {
        if (tid == nullptr) return failed(ErrorKind::Runtime, "calls are not allowed in Φ constraints");
        st.resize(n);  // at rest: exactly the live values
        CallOutcome r = call(*tid, f, in.a(), pc, error);
        if (r == CallOutcome::Failed) return EvalResult::Failed;
        if (r == CallOutcome::Suspended) return EvalResult::Suspended;
        // The intrinsic ran and left its result on the stack. (Frames live
        // in each thread's own vector, so spawning threads never moves `f`.)
        n = st.size();
        st.resize(n + code.max_stack + 1);
        base = st.data();
        break;
      }
      case Op::Fail: return failed(ErrorKind::Runtime, std::string(p_.texts.get(in.a())));
      default: {
        // A fused binary operator: the right operand comes from the
        // instruction instead of the stack.
        Op op = fused_binary(in.op());
        Value& a = base[n - 1];
        const Value* b;
        Value imm;
        switch (fused_form(in.op())) {
          case FusedForm::Slot:
            b = &f.slots[in.a()];
            if (!b->is_bound()) {
              return failed(ErrorKind::Runtime, "unknown identifier: " + std::string(proc.slot_names.get(in.a())));
            }
            break;
          case FusedForm::Imm:
            imm.set_int(in.imm());
            b = &imm;
            break;
          default: b = &p_.constants[in.a()]; break;
        }
        if (!apply_binary(op, a, *b, error)) {
          st.clear();
          return EvalResult::Failed;
        }
        break;
      }
    }
  }
  out = std::move(base[n - 1]);
  st.clear();
  return EvalResult::Done;
}

}  // namespace dust

// bindings.cpp — the simple statements that bind or emit: Let (Index and
// Field statements load as Lets), Assign, Effect, and Eval, which runs Call
// statements and the memory statements Alloc, Dealloc, Load and Store, all
// lowered by the loader to an expression whose call reaches a user proc or
// a dustlib_k intrinsic. Each ticks once when it completes (semantics doc
// §1.3, §2.1). The Q forms of Let are in regimes.cpp.
#include "step_runner.hpp"

namespace dust {

void StepRunner::exec_let(std::uint32_t tid, const Stmt& s, Regime regime) {
  if (s.q_form != QForm::None) return exec_q_let(tid, s);
  Value v;
  if (evaluate(tid, s.expr, v) != Flow::Done) return;
  if (s.phi_witness && regime == Regime::Phi) {
    if (!v.is_string()) {
      fail(ErrorKind::Runtime, "phi_witness expects a String digest, got " + render_rust_debug(v), true);
      return;
    }
    v = make_witness(v.as_string());
  }
  write_slot(tid, s.slot, std::move(v));
  complete(tid);
}

void StepRunner::exec_assign(std::uint32_t tid, const Stmt& s) {
  const Frame& f = m_.threads[tid].frames.back();
  if (!f.slots[s.slot].is_bound() && !f.evaluating) {
    fail(ErrorKind::Runtime, "unknown identifier: " + std::string(p_.procs[f.proc].slot_names.get(s.slot)));
    return;
  }
  Value v;
  if (evaluate(tid, s.expr, v) != Flow::Done) return;
  write_slot(tid, s.slot, std::move(v));
  complete(tid);
}

void StepRunner::exec_effect(std::uint32_t tid, const Stmt& s) {
  Value v;
  if (evaluate(tid, s.expr, v) != Flow::Done) return;
  EffectEvent effect{std::string(p_.texts.get(s.text)), render_payload(v)};
  ev_.has_effect = true;
  ev_.effect = effect;
  m_.effects.push_back(std::move(effect));
  complete(tid);
}

void StepRunner::exec_eval(std::uint32_t tid, const Stmt& s) {
  Value v;
  if (evaluate(tid, s.expr, v) != Flow::Done) return;
  if (s.slot != kNoSlot) write_slot(tid, s.slot, v.is_bound() ? std::move(v) : Value::unit());
  complete(tid);
}

}  // namespace dust

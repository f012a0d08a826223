// regimes.cpp — the rules of the Q and Φ regimes (semantics doc §1.3):
// the Q resource forms of Let (q_alloc, q_move, q_use, q_consume) on the
// linear-resource table, Constrain and Prove, Φ's validation of a proc's
// constraints before its body runs, witnesses, and the v0.1 refusal at the
// end of a Φ run.
#include "step_runner.hpp"

namespace dust {

namespace {

constexpr const char* kPhiRefusal = "Φ-regime execution wiring into engine is a later step";
constexpr const char* kPhiNote = "Φ witness stub (v0.1): admissible";

}  // namespace

void StepRunner::exec_q_let(std::uint32_t tid, const Stmt& s) {
  const Frame& f = m_.threads[tid].frames.back();
  std::string name(p_.procs[f.proc].slot_names.get(s.slot));
  std::string arg(p_.texts.get(s.text));
  std::optional<DvmError> error;
  switch (s.q_form) {
    case QForm::Alloc: error = m_.q.alloc(name, arg); break;
    case QForm::Move: error = m_.q.move(arg, name); break;
    case QForm::Use: error = m_.q.use(arg); break;
    case QForm::Consume: error = m_.q.consume(arg); break;
    case QForm::None: break;
  }
  if (error) {
    fail(std::move(*error));
    return;
  }
  QEvent q{s.q_form, name, arg, ""};
  const std::string& subject = s.q_form == QForm::Alloc || s.q_form == QForm::Move ? name : arg;
  if (const QBinding* b = m_.q.find(subject)) q.resource = m_.q.resources[b->resource].id;
  ev_.q.push_back(std::move(q));
  write_slot(tid, s.slot, Value::unit());
  complete(tid);
}

// Checks a predicate: Done when it holds.
StepRunner::Flow StepRunner::check_predicate(std::uint32_t tid, const Stmt& s) {
  Value v;
  Flow flow = evaluate(tid, s.expr, v);
  if (flow != Flow::Done) return flow;
  if (!v.is_bool()) return fail(ErrorKind::ConstraintFailure, "constraint predicate did not evaluate to bool");
  if (!v.as_bool()) return fail(ErrorKind::Inadmissible, "constraint failed: " + std::string(p_.texts.get(s.text)));
  return Flow::Done;
}

void StepRunner::exec_constrain(std::uint32_t tid, const Stmt& s, Regime regime) {
  // v0.1 Φ checked its constraints before the body; resolve mode checks them again here.
  if ((regime != Regime::Phi || resolving_phi()) && check_predicate(tid, s) != Flow::Done) return;
  complete(tid);
}

void StepRunner::exec_prove(std::uint32_t tid, const Stmt& s, Regime regime) {
  if (regime == Regime::Phi && resolving_phi()) return exec_resolved_prove(tid, s);
  if (check_predicate(tid, s) != Flow::Done) return;
  Value bound = Value::unit();
  if (regime == Regime::Phi) bound = make_witness("pred:" + std::string(p_.texts.get(s.text)));
  write_slot(tid, s.slot, std::move(bound));
  complete(tid);
}

Value StepRunner::make_witness(const std::string& digest) {
  ++m_.phi_witness_count;
  std::string id = "Φwitness:" + std::to_string(m_.phi_witness_count);
  m_.witnesses.push_back(PhiWitness{id, digest, m_.steps});
  ev_.phi.push_back(PhiEvent{PhiEventKind::Witness, id, digest});
  std::vector<std::pair<std::string, Value>> fields;
  fields.emplace_back("kind", Value::string("Admissible"));
  fields.emplace_back("id", Value::string(id));
  fields.emplace_back("constraint_digest", Value::string(digest));
  fields.emplace_back("note", Value::string(kPhiNote));
  return Value::structure("PhiWitness", std::move(fields));
}

// The first constraint of a Φ proc that does not hold, as the reference
// words it: Inadmissible with the inner message (a runtime error's full
// display text).
std::optional<DvmError> StepRunner::validate_phi(const Proc& proc) {
  const Block& body = p_.blocks[proc.body];
  std::vector<Value> empty(proc.slot_count());
  for (std::uint32_t i = 0; i < body.count; ++i) {
    const Stmt& s = p_.stmts[body.first + i];
    if (s.kind != StmtKind::Constrain) continue;
    std::string predicate(p_.texts.get(s.text));
    Value v;
    std::optional<DvmError> error = evaluate_pure(proc, empty, s.expr, v);
    std::optional<std::string> message;
    if (error) {
      message = error->kind == ErrorKind::Inadmissible || error->kind == ErrorKind::ConstraintFailure
                    ? error->message
                    : error->display();
    } else if (!v.is_bool()) {
      message = "constraint predicate did not evaluate to bool";
    } else if (!v.as_bool()) {
      message = "constraint failed: " + predicate;
    }
    ev_.phi.push_back(PhiEvent{message ? PhiEventKind::ConstraintFailed : PhiEventKind::ConstraintHeld,
                               predicate, ""});
    if (message) return DvmError{ErrorKind::Inadmissible, *message};
  }
  return std::nullopt;
}

// Evaluates code that must not call or block (Φ validation runs before
// the body exists). Calls here are errors rather than steps.
std::optional<DvmError> StepRunner::evaluate_pure(const Proc& proc, std::vector<Value>& slots, const CodeRef& code, Value& out) {
  Frame scratch;
  scratch.proc = static_cast<std::uint32_t>(&proc - p_.procs.data());
  scratch.slots = std::move(slots);
  std::optional<DvmError> error;
  EvalResult r = eval_code(nullptr, scratch, code, out, &error);
  slots = std::move(scratch.slots);
  if (r == EvalResult::Suspended) return runtime_error("calls are not allowed in Φ constraints");
  return error;
}

// The reference ends every Φ run that reaches its end with this refusal.
void StepRunner::refuse_phi() {
  ev_.phi.push_back(PhiEvent{PhiEventKind::Refused, kPhiRefusal, ""});
  fail(ErrorKind::UnsupportedRegime, kPhiRefusal, true);
}

}  // namespace dust

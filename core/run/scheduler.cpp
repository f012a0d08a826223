// machine.cpp — stepping the DVM: statements, checks, calls, returns, the
// scheduler and the regimes' rules (semantics doc, Parts 1 and 2).
//
// A step runs one unit of one thread, then settles that thread's free
// transitions (ends of blocks, loop backs, falling off a proc), then lets
// the scheduler pick the next thread. Evaluation of an expression can stop
// at a call: the frame keeps its pc and value stack, the callee runs as
// steps of its own, and the caller resumes with the result.
#include "dust/machine.hpp"


#include <algorithm>

#include "dust/observer.hpp"
#include "frame_cursors.hpp"
#include "scalar_ops.hpp"
#include "model/huge_pages.hpp"

namespace dust {

namespace {

constexpr const char* kPhiRefusal = "Φ-regime execution wiring into engine is a later step";
constexpr const char* kPhiNote = "Φ witness stub (v0.1): admissible";

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Sizes a new frame's slots. Generated programs can have a million names
// in one proc, a 16 MiB frame; asking for huge pages before it is first
// touched turns thousands of page faults into a few.
void size_frame_slots(std::vector<Value>& slots, std::size_t count) {
  if (count * sizeof(Value) >= 2 * kHugePageBytes) {
    slots.reserve(count);
    advise_huge_pages(slots);
  }
  slots.resize(count);
}

}  // namespace

const char* effect_mode_name(EffectMode m) { return m == EffectMode::Simulate ? "simulate" : "realize"; }

const char* thread_state_name(ThreadState s) {
  switch (s) {
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Blocked: return "blocked";
    case ThreadState::Sleeping: return "sleeping";
    case ThreadState::Finished: return "finished";
  }
  return "runnable";
}

// Executes one step; a friend of Machine so the rules read as plain code
// over its state.
class StepRunner {
 public:
  StepRunner(Machine& m, StepEvent& e, bool detailed) : m_(m), p_(*m.program_), ev_(e), detailed_(detailed) {}

  void run() {
    ev_.reset();
    ev_.index = m_.steps;
    ev_.tick_before = m_.tick;
    ev_.kind = StepKind::Statement;
    ev_.stmt = kNoStmt;
    if (!m_.started) {
      m_.started = true;
      if (!start()) return finish_step();
    }
    Thread& th = m_.threads[m_.current];
    ev_.thread = th.id;
    ev_.proc = th.frames.back().proc;
    ev_.depth = static_cast<std::uint32_t>(th.frames.size() - 1);
    execute(m_.current);
    if (!m_.done() && needs_settling(m_.current)) settle(m_.current);
    if (!m_.done() && !(m_.threads.size() == 1 && m_.threads[0].state == ThreadState::Runnable)) schedule();
    finish_step();
  }

  // Whether the thread's next statement is not simply the next one of its
  // block (a block ended, a loop is due to check, or a frame is done).
  bool needs_settling(std::uint32_t tid) const {
    const Thread& th = m_.threads[tid];
    if (th.frames.empty()) return false;
    const Frame& f = th.frames.back();
    if (f.evaluating || f.cursors.empty()) return !f.evaluating;
    const BlockCursor& c = f.cursors.back();
    return !c.for_checking && c.index >= p_.blocks[c.block].count;
  }

 private:
  enum class Flow : std::uint8_t { Done, Suspended, Failed };

  void finish_step() {
    ++m_.steps;
    ev_.tick = m_.tick;
  }

  // ---- failure ----

  Flow fail(DvmError error, bool carries_context = false) {
    std::uint32_t tid = ev_.thread;
    if (tid != 0 && tid < m_.threads.size()) {
      const Thread& th = m_.threads[tid];
      error.message = "thread " + std::to_string(tid) + " (" + p_.procs[th.entry_proc].name + "): " + error.message;
    }
    ev_.kind = StepKind::Failed;
    ev_.error = error;
    m_.outcome.status = MachineStatus::Failed;
    m_.outcome.error = std::move(error);
    m_.outcome.error_thread = tid;
    m_.outcome.carries_context = carries_context;
    return Flow::Failed;
  }

  Flow fail(ErrorKind kind, std::string message, bool carries_context = false) {
    return fail(DvmError{kind, std::move(message)}, carries_context);
  }

  // ---- start: validation, entry, the main thread ----

  bool start() {
    if (!p_.valid) return fail(ErrorKind::DirValidate, p_.validation_error), false;
    std::int32_t entry = p_.find_proc(m_.config.entry);
    if (entry < 0) return fail(ErrorKind::EntrypointNotFound, m_.config.entry), false;
    const Proc& proc = p_.procs[static_cast<std::uint32_t>(entry)];
    if (!proc.params.empty()) {
      return fail(ErrorKind::Runtime, "entrypoint has params in v0.1 host-runner: " + proc.name + ":" +
                                          regime_name(proc.regime)),
             false;
    }
    Thread main;
    main.id = 0;
    main.entry_proc = static_cast<std::uint32_t>(entry);
    m_.threads.push_back(std::move(main));
    m_.current = 0;
    ev_.thread = 0;
    ev_.proc = static_cast<std::uint32_t>(entry);
    if (auto error = push_frame(0, static_cast<std::uint32_t>(entry), {})) {
      ev_.kind = StepKind::Validate;
      fail(std::move(*error));
      return false;
    }
    // A proc with an empty body ends at once.
    settle(0);
    return !m_.done();
  }

  // Pushes a frame for `proc` on thread `tid`, binding its parameters.
  // A Φ proc's constraints are checked first, against an empty environment.
  std::optional<DvmError> push_frame(std::uint32_t tid, std::uint32_t proc_index, std::span<const Value> args) {
    const Proc& proc = p_.procs[proc_index];
    if (proc.regime == Regime::Phi) {
      if (auto error = validate_phi(proc)) return error;
    }
    Thread& th = m_.threads[tid];
    Frame frame;
    frame.proc = proc_index;
    size_frame_slots(frame.slots, proc.slot_count());
    for (std::size_t i = 0; i < proc.params.size() && i < args.size(); ++i) {
      frame.slots[proc.params[i].slot] = args[i];
    }
    frame.cursors.push_back(BlockCursor{proc.body, 0});
    th.frames.push_back(std::move(frame));
    return std::nullopt;
  }

  // The first constraint of a Φ proc that does not hold, as the reference
  // words it: Inadmissible with the inner message (a runtime error's full
  // display text).
  std::optional<DvmError> validate_phi(const Proc& proc) {
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
  std::optional<DvmError> evaluate_pure(const Proc& proc, std::vector<Value>& slots, const CodeRef& code, Value& out) {
    Frame scratch;
    scratch.proc = static_cast<std::uint32_t>(&proc - p_.procs.data());
    scratch.slots = std::move(slots);
    std::optional<DvmError> error;
    EvalResult r = eval_code(nullptr, scratch, code, out, &error);
    slots = std::move(scratch.slots);
    if (r == EvalResult::Suspended) return runtime_error("calls are not allowed in Φ constraints");
    return error;
  }

  // ---- statement execution ----

  void execute(std::uint32_t tid) {
    Thread& th = m_.threads[tid];
    Frame& f = th.frames.back();
    BlockCursor& c = f.cursors.back();
    if (c.for_checking) {
      ev_.stmt = c.loop_stmt;
      if (p_.stmts[c.loop_stmt].kind == StmtKind::For) {
        for_check(tid);
      } else {
        while_check(tid);
      }
      return;
    }
    std::uint32_t stmt_id = p_.blocks[c.block].first + c.index;
    ev_.stmt = stmt_id;
    const Stmt& s = p_.stmts[stmt_id];
    Regime regime = p_.procs[f.proc].regime;
    switch (s.kind) {
      case StmtKind::Let: exec_let(tid, s, regime); return;
      case StmtKind::Assign: exec_assign(tid, s); return;
      case StmtKind::Constrain: exec_constrain(tid, s, regime); return;
      case StmtKind::Prove: exec_prove(tid, s, regime); return;
      case StmtKind::Effect: exec_effect(tid, s); return;
      case StmtKind::Return: exec_return(tid, s, regime); return;
      case StmtKind::If: exec_if(tid, s); return;
      case StmtKind::While: exec_while(tid, s, stmt_id); return;
      case StmtKind::For: exec_for(tid, s, stmt_id); return;
      case StmtKind::Break: exec_break(tid); return;
      case StmtKind::Continue: exec_continue(tid); return;
      case StmtKind::Eval: exec_eval(tid, s); return;
    }
  }

  // Completes a simple statement: the cursor moves on and the clock ticks.
  void complete(std::uint32_t tid) {
    m_.threads[tid].frames.back().cursors.back().index++;
    ++m_.tick;
  }

  void write_slot(std::uint32_t tid, std::uint32_t slot, Value v) {
    Thread& th = m_.threads[tid];
    Frame& f = th.frames.back();
    Value& cell = f.slots[slot];
    if (detailed_) ev_.writes.push_back(BindingWrite{static_cast<std::uint32_t>(th.frames.size() - 1), slot, cell, v});
    cell = std::move(v);
  }

  // Evaluates the statement's expression, resuming a suspended evaluation.
  // Done: `out` holds the value. Suspended: a call was entered or the thread blocked.
  Flow evaluate(std::uint32_t tid, const CodeRef& code, Value& out) {
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

  void exec_let(std::uint32_t tid, const Stmt& s, Regime regime) {
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

  void exec_q_let(std::uint32_t tid, const Stmt& s) {
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

  void exec_assign(std::uint32_t tid, const Stmt& s) {
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

  // Checks a predicate: Done when it holds.
  Flow check_predicate(std::uint32_t tid, const Stmt& s) {
    Value v;
    Flow flow = evaluate(tid, s.expr, v);
    if (flow != Flow::Done) return flow;
    if (!v.is_bool()) return fail(ErrorKind::ConstraintFailure, "constraint predicate did not evaluate to bool");
    if (!v.as_bool()) return fail(ErrorKind::Inadmissible, "constraint failed: " + std::string(p_.texts.get(s.text)));
    return Flow::Done;
  }

  void exec_constrain(std::uint32_t tid, const Stmt& s, Regime regime) {
    if (regime != Regime::Phi && check_predicate(tid, s) != Flow::Done) return;
    complete(tid);
  }

  void exec_prove(std::uint32_t tid, const Stmt& s, Regime regime) {
    if (check_predicate(tid, s) != Flow::Done) return;
    Value bound = Value::unit();
    if (regime == Regime::Phi) bound = make_witness("pred:" + std::string(p_.texts.get(s.text)));
    write_slot(tid, s.slot, std::move(bound));
    complete(tid);
  }

  Value make_witness(const std::string& digest) {
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

  void exec_effect(std::uint32_t tid, const Stmt& s) {
    Value v;
    if (evaluate(tid, s.expr, v) != Flow::Done) return;
    EffectEvent effect{std::string(p_.texts.get(s.text)), render_payload(v)};
    ev_.has_effect = true;
    ev_.effect = effect;
    m_.effects.push_back(std::move(effect));
    complete(tid);
  }

  void exec_return(std::uint32_t tid, const Stmt& s, Regime regime) {
    if (regime == Regime::Phi) {
      complete(tid);  // Φ ignores Return: it is not even evaluated
      return;
    }
    std::optional<Value> result;
    if (s.has_expr) {
      Value v;
      if (evaluate(tid, s.expr, v) != Flow::Done) return;
      result = std::move(v);
    }
    ev_.kind = StepKind::Return;
    return_from_frame(tid, std::move(result));
  }

  Flow condition(std::uint32_t tid, const Stmt& s, bool& truth) {
    Value v;
    Flow flow = evaluate(tid, s.expr, v);
    if (flow != Flow::Done) return flow;
    if (!v.is_bool()) return fail(ErrorKind::Runtime, "condition requires bool, got " + render_rust_debug(v));
    truth = v.as_bool();
    return Flow::Done;
  }

  void exec_if(std::uint32_t tid, const Stmt& s) {
    bool truth = false;
    if (condition(tid, s, truth) != Flow::Done) return;
    ev_.kind = StepKind::Check;
    Frame& f = m_.threads[tid].frames.back();
    f.cursors.back().index++;
    std::uint32_t branch = truth ? s.body : s.else_body;
    if (branch != kNoBlock) f.cursors.push_back(BlockCursor{branch, 0});
    ++m_.tick;
  }

  // The first check of a While runs with the frame at the While statement;
  // later checks run from its body cursor, which stays in place between
  // iterations (see settle).
  void exec_while(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id) {
    bool truth = false;
    if (condition(tid, s, truth) != Flow::Done) return;
    ev_.kind = StepKind::Check;
    Frame& f = m_.threads[tid].frames.back();
    if (truth) {
      f.cursors.push_back(BlockCursor{s.body, 0, stmt_id});
    } else {
      f.cursors.back().index++;
    }
    ++m_.tick;
  }

  void while_check(std::uint32_t tid) {
    Frame& f = m_.threads[tid].frames.back();
    const Stmt& s = p_.stmts[f.cursors.back().loop_stmt];
    bool truth = false;
    if (condition(tid, s, truth) != Flow::Done) return;
    ev_.kind = StepKind::Check;
    finish_loop_check(tid, truth);
  }

  // The end of a loop check from the body cursor: enter the body again or
  // leave the loop, past its statement; either way the check ticks.
  void finish_loop_check(std::uint32_t tid, bool enter) {
    Frame& fr = m_.threads[tid].frames.back();
    if (enter) {
      fr.cursors.back().for_checking = false;
      fr.cursors.back().index = 0;
    } else {
      fr.cursors.pop_back();
      fr.cursors.back().index++;
    }
    ++m_.tick;
  }

  void exec_for(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id) {
    Frame& f = m_.threads[tid].frames.back();
    if (f.part == 0) {
      Value start;
      if (evaluate(tid, s.expr, start) != Flow::Done) return;
      Frame& fr = m_.threads[tid].frames.back();
      fr.part_value = std::move(start);
      fr.part = 1;
    }
    Value end;
    if (evaluate(tid, p_.for_ends[s.else_body], end) != Flow::Done) return;
    Frame& fr = m_.threads[tid].frames.back();
    Value start = std::move(fr.part_value);
    fr.part_value = Value();
    fr.part = 0;
    if (!start.is_int() || !end.is_int()) {
      fail(ErrorKind::Runtime, "for bounds require int operands");
      return;
    }
    ev_.kind = StepKind::Check;
    write_slot(tid, s.slot, start);
    BlockCursor body{s.body, 0, stmt_id};
    body.for_checking = true;
    body.for_counter = start.as_int();
    body.for_end = end.as_int();
    m_.threads[tid].frames.back().cursors.push_back(body);
    ++m_.tick;
  }

  void for_check(std::uint32_t tid) {
    ev_.kind = StepKind::Check;
    Frame& f = m_.threads[tid].frames.back();
    BlockCursor& c = f.cursors.back();
    const Stmt& s = p_.stmts[c.loop_stmt];
    std::int64_t counter = c.for_counter;
    bool enter = counter < c.for_end;
    if (!f.slots[s.slot].is_int() || f.slots[s.slot].as_int() != counter) write_slot(tid, s.slot, Value::integer(counter));
    finish_loop_check(tid, enter);
  }

  void exec_break(std::uint32_t tid) {
    Frame& f = m_.threads[tid].frames.back();
    int loop = innermost_loop(f);
    if (loop < 0) {
      fail(ErrorKind::Runtime, "break outside loop");
      return;
    }
    f.cursors.resize(static_cast<std::size_t>(loop));
    f.cursors.back().index++;
    ++m_.tick;
  }

  void exec_continue(std::uint32_t tid) {
    Frame& f = m_.threads[tid].frames.back();
    int loop = innermost_loop(f);
    if (loop < 0) {
      fail(ErrorKind::Runtime, "continue outside loop");
      return;
    }
    continue_loop(p_, f, static_cast<std::size_t>(loop));
    ++m_.tick;
  }

  void exec_eval(std::uint32_t tid, const Stmt& s) {
    Value v;
    if (evaluate(tid, s.expr, v) != Flow::Done) return;
    if (s.slot != kNoSlot) write_slot(tid, s.slot, v.is_bound() ? std::move(v) : Value::unit());
    complete(tid);
  }

  // ---- frames ----

  void return_from_frame(std::uint32_t tid, std::optional<Value> result) {
    Thread& th = m_.threads[tid];
    th.frames.pop_back();
    if (!th.frames.empty()) {
      Frame& caller = th.frames.back();
      caller.returned = result ? std::move(*result) : Value::unit();
      caller.has_returned = true;
      return;
    }
    th.state = ThreadState::Finished;
    th.result = std::move(result);
    ev_.lib.push_back(LibEvent{LibEventKind::ThreadExit, th.id, 0, 0, {}});
    m_.wake_waiters(WaitKind::Join, th.id);
    if (tid == 0) {
      m_.outcome.status = MachineStatus::Finished;
      m_.outcome.returned = th.result;
    }
  }

  // Free transitions after a step: block ends, loop backs, falling off a proc.
  void settle(std::uint32_t tid) {
    Thread& th = m_.threads[tid];
    while (!th.frames.empty() && !m_.done()) {
      Frame& f = th.frames.back();
      if (f.evaluating) return;  // a suspended statement resumes first
      if (settle_cursors(p_, f)) return;
      if (p_.procs[f.proc].regime == Regime::Phi) {
        ev_.phi.push_back(PhiEvent{PhiEventKind::Refused, kPhiRefusal, ""});
        fail(ErrorKind::UnsupportedRegime, kPhiRefusal, true);
        return;
      }
      return_from_frame(tid, std::nullopt);
    }
  }

  // ---- the scheduler (§2.3) ----

  void schedule() {
    if (m_.threads.size() == 1) {
      if (m_.threads[0].state == ThreadState::Runnable) return;
    }
    wake_sleepers();
    std::vector<std::uint32_t> runnable;
    for (const Thread& t : m_.threads)
      if (t.state == ThreadState::Runnable) runnable.push_back(t.id);
    if (runnable.empty()) {
      // Only sleepers left: logical time jumps to the earliest wake-up.
      std::uint64_t earliest = UINT64_MAX;
      for (const Thread& t : m_.threads)
        if (t.state == ThreadState::Sleeping) earliest = std::min(earliest, static_cast<std::uint64_t>(t.wait.id));
      if (earliest != UINT64_MAX) {
        m_.tick = std::max(m_.tick, earliest);
        wake_sleepers();
        for (const Thread& t : m_.threads)
          if (t.state == ThreadState::Runnable) runnable.push_back(t.id);
      }
    }
    if (runnable.empty()) {
      report_deadlock();
      return;
    }
    if (m_.config.seed == 0) {
      auto next = std::upper_bound(runnable.begin(), runnable.end(), m_.current);
      m_.current = next == runnable.end() ? runnable.front() : *next;
    } else {
      m_.current = runnable[splitmix64(m_.rng_state) % runnable.size()];
    }
  }

  void wake_sleepers() {
    for (Thread& t : m_.threads) {
      if (t.state == ThreadState::Sleeping && static_cast<std::uint64_t>(t.wait.id) <= m_.tick) {
        t.state = ThreadState::Runnable;
        t.wait = WaitInfo{};
      }
    }
  }

  void report_deadlock() {
    std::string message = "deadlock: ";
    bool first = true;
    for (const Thread& t : m_.threads) {
      if (t.state != ThreadState::Blocked) continue;
      if (!first) message += "; ";
      first = false;
      message += "thread " + std::to_string(t.id) + " (" + p_.procs[t.entry_proc].name + ") waits for " +
                 t.wait.description;
    }
    DvmError error{ErrorKind::TimeViolation, std::move(message)};
    ev_.kind = StepKind::Failed;
    ev_.error = error;
    m_.outcome.status = MachineStatus::Failed;
    m_.outcome.error = std::move(error);
    m_.outcome.error_thread = ev_.thread;
    m_.outcome.carries_context = false;
  }

  // ---- expression evaluation ----

  enum class EvalResult : std::uint8_t { Done, Suspended, Failed };

  static constexpr std::uint32_t kLocalStack = 16;

  // The most common expressions — a name, a constant, or a name combined
  // with one integer operand (`i Add 1`, `i Lt n`) — without a value stack.
  // Anything unusual (an unbound name, a non-integer, an overflow) returns
  // false and takes the general route, which reports it.
  bool eval_small(const Frame& f, const CodeRef& code, Value& out) {
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
  bool eval_pure(const Frame& f, const CodeRef& code, Value& out, std::optional<DvmError>* error) {
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

  // Not, Neg, Field, Index, MakeArray, MakeStruct, Dup and Rem, on either
  // kind of stack.
  template <class Stack>
  bool apply_other(Op op, Instr in, Stack& stack, std::optional<DvmError>* error) {
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
  static inline bool int_binary_fast(Op op, Value& a, std::int64_t y) {
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
  static inline bool apply_binary(Op op, Value& a, const Value& b, std::optional<DvmError>* error) {
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
        case Op::Div: return fail_with(y == 0 ? "division by zero" : "integer overflow");
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
  EvalResult eval_code(const std::uint32_t* tid, Frame& f, const CodeRef& code, Value& out,
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

  enum class CallOutcome : std::uint8_t { Continue, Suspended, Failed };

  // Performs a Call instruction. User procs push a frame and suspend the
  // caller; intrinsics run at once or block the thread.
  CallOutcome call(std::uint32_t tid, Frame& f, std::uint32_t callsite, std::uint32_t pc, std::optional<DvmError>* error) {
    const Callsite& cs = p_.callsites[callsite];
    const Callee& callee = p_.callees[cs.callee];
    std::vector<Value>& st = f.stack;
    auto failed = [&](ErrorKind kind, std::string message) {
      *error = DvmError{kind, std::move(message)};
      st.clear();
      return CallOutcome::Failed;
    };
    if (callee.proc >= 0) {
      const Proc& target = p_.procs[static_cast<std::uint32_t>(callee.proc)];
      if (cs.argc != target.params.size()) {
        return failed(ErrorKind::Runtime, target.name + " expects " + std::to_string(target.params.size()) +
                                              " arguments, got " + std::to_string(cs.argc));
      }
      if (m_.threads[tid].frames.size() >= kMaxCallDepth) return failed(ErrorKind::Runtime, "call depth limit exceeded");
      f.evaluating = true;
      f.pc = pc;
      std::vector<Value> args(st.end() - cs.argc, st.end());
      if (auto e = push_frame(tid, static_cast<std::uint32_t>(callee.proc), args)) {
        f.evaluating = false;
        *error = std::move(e);
        return CallOutcome::Failed;
      }
      ev_.kind = StepKind::CallEnter;
      return CallOutcome::Suspended;
    }
    const IntrinsicDef* def = m_.intrinsics_ == nullptr ? nullptr : m_.intrinsics_->find(callee.name);
    if (def == nullptr) return failed(ErrorKind::Runtime, "unknown callee: " + callee.name);
    Regime regime = p_.procs[f.proc].regime;
    if (regime != Regime::K) return failed(ErrorKind::Runtime, callee.name + " is K-regime only");
    int argc = static_cast<int>(cs.argc);
    if (argc < def->min_args || (def->max_args >= 0 && argc > def->max_args)) {
      std::string expected = def->min_args == def->max_args ? std::to_string(def->min_args)
                             : def->max_args < 0            ? "at least " + std::to_string(def->min_args)
                                                  : std::to_string(def->min_args) + " to " + std::to_string(def->max_args);
      return failed(ErrorKind::Runtime, callee.name + " expects " + expected + " arguments, got " + std::to_string(argc));
    }
    IntrinsicContext ctx{m_, tid, regime, ev_, callee.name};
    // The arguments are copied out: an intrinsic that spawns a thread grows
    // the thread table, which may move this frame's stack.
    std::vector<Value> arg_values(st.end() - cs.argc, st.end());
    IntrinsicResult r = def->fn(ctx, std::span<const Value>(arg_values));
    // The intrinsic may have spawned threads: re-find our frame.
    Frame& fr = m_.threads[tid].frames.back();
    std::vector<Value>& stack = fr.stack;
    switch (r.status) {
      case IntrinsicResult::Status::Value:
      case IntrinsicResult::Status::Yield:
        stack.resize(stack.size() - cs.argc);
        stack.push_back(std::move(r.value));
        return CallOutcome::Continue;
      case IntrinsicResult::Status::Error:
        *error = std::move(r.error);
        stack.clear();
        return CallOutcome::Failed;
      case IntrinsicResult::Status::Block: {
        Thread& th = m_.threads[tid];
        fr.evaluating = true;
        fr.pc = pc;
        th.state = r.wait.kind == WaitKind::Sleep ? ThreadState::Sleeping : ThreadState::Blocked;
        th.wait = std::move(r.wait);
        ev_.kind = StepKind::Blocked;
        return CallOutcome::Suspended;
      }
    }
    return CallOutcome::Failed;
  }

  Machine& m_;
  const Program& p_;
  StepEvent& ev_;
  bool detailed_;
};

Machine::Machine(std::shared_ptr<const Program> program, const IntrinsicTable* intrinsics, RunConfig cfg)
    : config(std::move(cfg)), program_(std::move(program)), intrinsics_(intrinsics) {
  rng_state = config.seed;
}

void Machine::step(StepEvent& event, bool detailed) {
  if (done()) return;
  StepRunner(*this, event, detailed).run();
}

std::optional<DvmError> Machine::spawn_thread(std::uint32_t proc, std::vector<Value> args, std::uint64_t seed,
                                              std::uint32_t& tid) {
  const Proc& p = program_->procs[proc];
  if (args.size() != p.params.size()) {
    return runtime_error(p.name + " expects " + std::to_string(p.params.size()) + " arguments, got " +
                         std::to_string(args.size()));
  }
  Thread t;
  t.id = static_cast<std::uint32_t>(threads.size());
  t.entry_proc = proc;
  t.spawn_seed = seed;
  Frame frame;
  frame.proc = proc;
  size_frame_slots(frame.slots, p.slot_count());
  for (std::size_t i = 0; i < args.size(); ++i) frame.slots[p.params[i].slot] = std::move(args[i]);
  frame.cursors.push_back(BlockCursor{p.body, 0});
  t.frames.push_back(std::move(frame));
  tid = t.id;
  threads.push_back(std::move(t));
  return std::nullopt;
}

void Machine::wake_waiters(WaitKind kind, std::int64_t id) {
  for (Thread& t : threads) {
    if (t.state == ThreadState::Blocked && t.wait.kind == kind && t.wait.id == id) {
      t.state = ThreadState::Runnable;
      t.wait = WaitInfo{};
    }
  }
}

std::string Machine::slot_name(std::uint32_t proc, std::uint32_t slot) const {
  return std::string(program_->procs[proc].slot_names.get(slot));
}

void run_observed_round(Machine& machine, ExecutionObserver& observer, StepEvent& event) {
  if (machine.done()) return;
  if (SimpleStepBatch* batch = observer.simple_steps()) {
    batch->size = 0;
    if (machine.run_simple(batch->capacity, batch) > 0) {
      // Whether the lane stopped for room or for a step it cannot take
      // is known before the observer, which may resize the batch, sees it.
      const bool stopped_for_room = batch->full();
      observer.on_simple_steps(machine, *batch);
      if (stopped_for_room) return;
    }
  }
  machine.step(event);
  observer.on_step(machine, event);
}

const RunOutcome& run_to_end(Machine& machine, ExecutionObserver* observer) {
  StepEvent event;
  if (observer == nullptr) {
    while (!machine.done()) {
      machine.run_simple(UINT64_MAX);
      machine.step(event, false);
    }
    return machine.outcome;
  }
  observer->on_start(machine);
  while (!machine.done()) run_observed_round(machine, *observer, event);
  observer->on_finish(machine);
  return machine.outcome;
}

}  // namespace dust

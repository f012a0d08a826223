// machine.cpp — the Machine and its step: start (validation, the entry, the
// main thread), dispatch of a statement to its family's rules (see
// step_runner.hpp), and running a machine to its end.
//
// A step runs one unit of one thread, then settles that thread's free
// transitions (ends of blocks, loop backs, falling off a proc), then lets
// the scheduler pick the next thread. Evaluation of an expression can stop
// at a call: the frame keeps its pc and value stack, the callee runs as
// steps of its own, and the caller resumes with the result.
#include "dust/machine.hpp"

#include "dust/observer.hpp"
#include "step_runner.hpp"

namespace dust {

const char* effect_mode_name(EffectMode m) { return m == EffectMode::Simulate ? "simulate" : "realize"; }

const char* machine_status_name(MachineStatus s) {
  switch (s) {
    case MachineStatus::Running: return "running";
    case MachineStatus::Finished: return "finished";
    case MachineStatus::Failed: return "failed";
  }
  return "running";
}

const char* thread_state_name(ThreadState s) {
  switch (s) {
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Blocked: return "blocked";
    case ThreadState::Sleeping: return "sleeping";
    case ThreadState::Finished: return "finished";
  }
  return "runnable";
}

void StepRunner::run() {
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
  if (m_.config.max_steps != 0 && m_.steps >= m_.config.max_steps) {
    fail(ErrorKind::Runtime, "step limit reached: " + std::to_string(m_.config.max_steps) + " steps (--max-steps)",
         true);
    return finish_step();
  }
  execute(m_.current);
  if (!m_.done()) check_memory_budget();
  if (!m_.done() && needs_settling(m_.current)) settle(m_.current);
  if (!m_.done() && !(m_.threads.size() == 1 && m_.threads[0].state == ThreadState::Runnable)) schedule();
  finish_step();
}

bool StepRunner::start() {
  if (!p_.valid) return fail(ErrorKind::DirValidate, p_.validation_error), false;
  std::int32_t entry = p_.find_proc(m_.config.entry);
  if (entry < 0) return fail(ErrorKind::EntrypointNotFound, m_.config.entry), false;
  const Proc& proc = p_.procs[static_cast<std::uint32_t>(entry)];
  if (proc.regime == Regime::Phi && resolving_phi()) return start_resolved_phi(static_cast<std::uint32_t>(entry));
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

void StepRunner::execute(std::uint32_t tid) {
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

Machine::Machine(std::shared_ptr<const Program> program, const IntrinsicTable* intrinsics, RunConfig cfg)
    : config(std::move(cfg)), program_(std::move(program)), intrinsics_(intrinsics) {
  rng_state = config.seed;
}

void Machine::step(StepEvent& event, bool detailed) {
  if (done()) return;
  StepRunner(*this, event, detailed).run();
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
    // A lane that hands over every step may have ended the run (a call
    // over the memory budget).
    if (machine.done()) return;
  }
  machine.step(event);
  observer.on_step(machine, event);
}

void run_until(Machine& machine, std::uint64_t target) {
  StepEvent event;
  while (!machine.done() && machine.steps < target) {
    machine.run_simple(target - machine.steps);
    if (!machine.done() && machine.steps < target) machine.step(event, false);
  }
}

void run_observed_until(Machine& machine, std::uint64_t target, ExecutionObserver& observer) {
  SimpleStepBatch* batch = observer.simple_steps();
  StepEvent event;
  while (!machine.done() && machine.steps < target) {
    const std::uint64_t before = machine.steps;
    if (batch != nullptr) {
      // The lane counts every step it takes, call steps too, against its
      // limit: with the batch no larger than what is left, it stops at
      // `target` at the latest. The observer sizes the batch again at
      // each hand-over; it only ever gets smaller here.
      batch->size = 0;
      batch->capacity = static_cast<std::uint32_t>(std::min<std::uint64_t>(batch->capacity, target - machine.steps));
      if (machine.run_simple(batch->capacity, batch) > 0) observer.on_simple_steps(machine, *batch);
      // Where the lane went on, it may go on again; where it took nothing,
      // the next step is step()'s.
      if (machine.steps != before) continue;
      if (machine.done()) break;
    }
    machine.step(event);
    observer.on_step(machine, event);
  }
}

const RunOutcome& run_to_end(Machine& machine, ExecutionObserver* observer) {
  if (observer == nullptr) {
    run_until(machine, UINT64_MAX);
    return machine.outcome;
  }
  StepEvent event;
  observer->on_start(machine);
  while (!machine.done()) run_observed_round(machine, *observer, event);
  observer->on_finish(machine);
  return machine.outcome;
}

}  // namespace dust

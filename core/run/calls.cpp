// calls.cpp — calls, returns and frames: a Call instruction entering a user
// proc (its frame pushed, the caller suspended mid-expression) or running a
// dustlib_k intrinsic (which may block the thread), Return, falling off a
// proc's end, a spawned thread's first frame, and settling a thread after
// its step. A Call ticks once when the callee returns (semantics doc §2.1).
#include "frame_cursors.hpp"
#include "model/huge_pages.hpp"
#include "step_runner.hpp"

namespace dust {

namespace {

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

// Pushes a frame for `proc` on thread `tid`, binding its parameters.
// A Φ proc's constraints are checked first, against an empty environment
// (v0.1; under `--phi resolve` they are checked as the body runs).
std::optional<DvmError> StepRunner::push_frame(std::uint32_t tid, std::uint32_t proc_index, std::span<const Value> args) {
  const Proc& proc = p_.procs[proc_index];
  if (proc.regime == Regime::Phi && !resolving_phi()) {
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
  m_.memory.frame_bytes += frame_cost(proc);
  return std::nullopt;
}

// Performs a Call instruction. User procs push a frame and suspend the
// caller; intrinsics run at once or block the thread.
StepRunner::CallOutcome StepRunner::call(std::uint32_t tid, Frame& f, std::uint32_t callsite, std::uint32_t pc, std::optional<DvmError>* error) {
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
    if (m_.threads[tid].frames.size() >= m_.config.max_depth) return failed(ErrorKind::Runtime, "call depth limit exceeded");
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
  const IntrinsicDef* def = m_.intrinsic_of(cs.callee);
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
      if (auto too_big = check_made_string(r.value)) {
        *error = std::move(*too_big);
        stack.clear();
        return CallOutcome::Failed;
      }
      stack.resize(stack.size() - cs.argc);
      stack.push_back(std::move(r.value));
      return CallOutcome::Continue;
    case IntrinsicResult::Status::Error:
      *error = r.take_error();
      stack.clear();
      return CallOutcome::Failed;
    case IntrinsicResult::Status::Block: {
      Thread& th = m_.threads[tid];
      fr.evaluating = true;
      fr.pc = pc;
      th.state = r.wait.kind == WaitKind::Sleep ? ThreadState::Sleeping : ThreadState::Blocked;
      th.wait = r.take_wait();
      ev_.kind = StepKind::Blocked;
      return CallOutcome::Suspended;
    }
  }
  return CallOutcome::Failed;
}

void StepRunner::exec_return(std::uint32_t tid, const Stmt& s, Regime regime) {
  if (regime == Regime::Phi && !resolving_phi()) {
    complete(tid);  // v0.1 Φ ignores Return: it is not even evaluated
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

void StepRunner::return_from_frame(std::uint32_t tid, std::optional<Value> result) {
  Thread& th = m_.threads[tid];
  m_.memory.frame_bytes -= frame_cost(p_.procs[th.frames.back().proc]);
  th.frames.pop_back();
  if (!th.frames.empty()) {
    Frame& caller = th.frames.back();
    caller.returned = result ? std::move(*result) : Value::unit();
    caller.has_returned = true;
    return;
  }
  th.state = ThreadState::Finished;
  th.result = std::move(result);
  ev_.lib.push_back(LibEvent{LibEventKind::ThreadExit, th.id, 0, 0, {}, {}});
  m_.wake_waiters(WaitKind::Join, th.id);
  if (tid == 0) {
    m_.outcome.status = MachineStatus::Finished;
    m_.outcome.returned = th.result;
  }
}

// Free transitions after a step: block ends, loop backs, falling off a proc.
void StepRunner::settle(std::uint32_t tid) {
  Thread& th = m_.threads[tid];
  while (!th.frames.empty() && !m_.done()) {
    Frame& f = th.frames.back();
    if (f.evaluating) return;  // a suspended statement resumes first
    if (settle_cursors(p_, f)) return;
    if (p_.procs[f.proc].regime == Regime::Phi && !resolving_phi()) {
      refuse_phi();
      return;
    }
    return_from_frame(tid, std::nullopt);
  }
}

void Machine::build_callee_defs() {
  std::vector<const IntrinsicDef*> defs(program_->callees.size(), nullptr);
  for (std::size_t i = 0; i < defs.size(); ++i) {
    const Callee& c = program_->callees[i];
    if (c.proc < 0 && intrinsics_ != nullptr) defs[i] = intrinsics_->find(c.name);
  }
  callee_defs_ = std::make_shared<const std::vector<const IntrinsicDef*>>(std::move(defs));
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
  memory.frame_bytes += frame_cost(p);
  tid = t.id;
  threads.push_back(std::move(t));
  return std::nullopt;
}

}  // namespace dust

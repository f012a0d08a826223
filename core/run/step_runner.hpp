// step_runner.hpp — the machine's step, as one class over the Machine's state.
//
// Machine::step() builds a StepRunner and calls run(): it runs one unit of
// one thread, settles that thread's free transitions (ends of blocks, loop
// backs, falling off a proc), then lets the scheduler pick the next thread.
// Evaluation of an expression can stop at a call: the frame keeps its pc and
// value stack, the callee runs as steps of its own, and the caller resumes
// with the result.
//
// The rules live in one file per statement family; each member below is
// defined in the file its group names:
//
//   machine.cpp       run, start (validation, entry, the main thread), the dispatch
//   bindings.cpp      Let, Assign, Effect, Eval (Call statements, and Alloc,
//                     Dealloc, Load, Store, which the loader lowers to calls)
//   control_flow.cpp  If, While, For and their checks, Break, Continue
//   calls.cpp         calls, returns, frames, spawned threads' first frames, settling
//   scheduler.cpp     picking the next thread (§2.3), sleepers, deadlock
//   regimes.cpp       the Q resource forms, Constrain, Prove, Φ validation and witnesses
//   phi_resolved.cpp  a Φ entry under `--phi resolve`: starting from the resolution,
//                     Prove of a configuration (semantics doc Part 3)
//   evaluation.cpp    running compiled expressions (opcodes.hpp)
//
// The simple-step lane (simple_steps.cpp) runs the commonest steps without a
// StepRunner and leaves everything else to it, so the rules are written once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dust/machine.hpp"

namespace dust {

// The deepest expression the evaluators run on a stack of their own.
inline constexpr std::uint32_t kLocalStack = 16;

// Executes one step; a friend of Machine so the rules read as plain code
// over its state.
class StepRunner {
 public:
  StepRunner(Machine& m, StepEvent& e, bool detailed) : m_(m), p_(*m.program_), ev_(e), detailed_(detailed) {}

  void run();

  // Fails the machine as a step of thread `tid` does (memory_budget.cpp):
  // for the lane, whose call steps are step()'s but run without a runner.
  void fail_thread(std::uint32_t tid, DvmError error);

  // Evaluates call-free code in a frame no thread owns (evaluate.cpp: the
  // debugger's expressions); false with `error` set when it fails.
  bool evaluate_detached(Frame& frame, const CodeRef& code, Value& out, std::optional<DvmError>& error);

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
  enum class EvalResult : std::uint8_t { Done, Suspended, Failed };
  enum class CallOutcome : std::uint8_t { Continue, Suspended, Failed };

  void finish_step() {
    ++m_.steps;
    ev_.tick = m_.tick;
  }

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

  // memory_budget.cpp
  void check_memory_budget();
  std::optional<DvmError> check_made_string(const Value& v);

  // machine.cpp
  bool start();
  void execute(std::uint32_t tid);

  // bindings.cpp
  void exec_let(std::uint32_t tid, const Stmt& s, Regime regime);
  void exec_assign(std::uint32_t tid, const Stmt& s);
  void exec_effect(std::uint32_t tid, const Stmt& s);
  void exec_eval(std::uint32_t tid, const Stmt& s);

  // control_flow.cpp
  Flow condition(std::uint32_t tid, const Stmt& s, bool& truth);
  void exec_if(std::uint32_t tid, const Stmt& s);
  void exec_while(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id);
  void while_check(std::uint32_t tid);
  void finish_loop_check(std::uint32_t tid, bool enter);
  void exec_for(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id);
  void for_check(std::uint32_t tid);
  void exec_break(std::uint32_t tid);
  void exec_continue(std::uint32_t tid);

  // calls.cpp
  std::optional<DvmError> push_frame(std::uint32_t tid, std::uint32_t proc_index, std::span<const Value> args);
  CallOutcome call(std::uint32_t tid, Frame& f, std::uint32_t callsite, std::uint32_t pc, std::optional<DvmError>* error);
  void exec_return(std::uint32_t tid, const Stmt& s, Regime regime);
  void return_from_frame(std::uint32_t tid, std::optional<Value> result);
  void settle(std::uint32_t tid);

  // scheduler.cpp
  void schedule();
  void follow_schedule(const std::vector<std::uint32_t>& runnable);
  void wake_sleepers();
  void report_deadlock();

  // regimes.cpp
  void exec_q_let(std::uint32_t tid, const Stmt& s);
  Flow check_predicate(std::uint32_t tid, const Stmt& s);
  void exec_constrain(std::uint32_t tid, const Stmt& s, Regime regime);
  void exec_prove(std::uint32_t tid, const Stmt& s, Regime regime);
  Value make_witness(const std::string& digest);
  std::optional<DvmError> validate_phi(const Proc& proc);
  std::optional<DvmError> evaluate_pure(const Proc& proc, std::vector<Value>& slots, const CodeRef& code, Value& out);
  void refuse_phi();
  bool resolving_phi() const { return m_.config.phi == PhiMode::Resolve; }

  // phi_resolved.cpp
  bool start_resolved_phi(std::uint32_t entry);
  void exec_resolved_prove(std::uint32_t tid, const Stmt& s);

  // evaluation.cpp
  Flow evaluate(std::uint32_t tid, const CodeRef& code, Value& out);
  bool eval_small(const Frame& f, const CodeRef& code, Value& out);
  bool eval_pure(const Frame& f, const CodeRef& code, Value& out, std::optional<DvmError>* error);
  template <class Stack>
  bool apply_other(Op op, Instr in, Stack& stack, std::optional<DvmError>* error);
  static bool int_binary_fast(Op op, Value& a, std::int64_t y);
  static bool apply_binary(Op op, Value& a, const Value& b, std::optional<DvmError>* error);
  EvalResult eval_code(const std::uint32_t* tid, Frame& f, const CodeRef& code, Value& out,
                       std::optional<DvmError>* error);

  Machine& m_;
  const Program& p_;
  StepEvent& ev_;
  bool detailed_;
};

}  // namespace dust

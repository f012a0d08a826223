// evaluate.cpp — debugger expressions compiled by the program's compiler and
// run by the machine's evaluator against a copy of one frame.
//
// The expression is compiled into a scratch program holding only what its
// code refers to: the frame's proc with its slot names (a name the proc does
// not have gets a slot past the frame's, which stays unbound, so it reads as
// `unknown identifier`), the constants and the texts. The evaluator then runs
// on a scratch machine over that program, so neither the recorded program
// nor the machine being inspected is touched.
#include "dust/evaluate.hpp"

#include "compile/expr_compiler.hpp"
#include "compile/name_index.hpp"
#include "step_runner.hpp"

namespace dust {

namespace {

// The reason a compiled expression cannot be evaluated read-only, or empty.
std::string refusal(const Program& scratch, const CodeRef& code) {
  for (std::uint32_t pc = 0; pc < code.length; ++pc) {
    Instr in = scratch.code[code.offset + pc];
    if (in.op() == Op::Fail) return std::string(scratch.texts.get(in.a()));
    if (in.op() == Op::Call) return "calls are not allowed in a debugger expression: they could change the run";
  }
  if (code.empty()) return "empty expression";
  return {};
}

}  // namespace

// Runs compiled code in a frame that no thread owns; calls were refused at
// compile time, so the evaluation never suspends.
bool StepRunner::evaluate_detached(Frame& frame, const CodeRef& code, Value& out, std::optional<DvmError>& error) {
  return eval_code(nullptr, frame, code, out, &error) == EvalResult::Done;
}

FrameExpression::FrameExpression(const Program& program, std::uint32_t proc, std::string_view text)
    : scratch_(std::make_shared<Program>()), proc_(proc), text_(text) {
  if (proc >= program.procs.size()) {
    error_ = "no proc " + std::to_string(proc);
    return;
  }
  Proc copy;
  copy.name = program.procs[proc].name;
  copy.regime = program.procs[proc].regime;
  copy.slot_names = program.procs[proc].slot_names;
  scratch_->procs.push_back(std::move(copy));
  CompileShared shared(*scratch_);
  NameIndex slots(scratch_->procs[0].slot_names);
  code_ = compile_expression(text, shared, slots);
  error_ = refusal(*scratch_, code_);
}

// The frame asked about, or null with `error` saying which part is missing.
static const Frame* frame_at(const Machine& machine, std::uint32_t thread, std::uint32_t frame, std::string& error) {
  if (thread >= machine.threads.size()) {
    error = "no thread " + std::to_string(thread);
    return nullptr;
  }
  const Thread& th = machine.threads[thread];
  if (frame >= th.frames.size()) {
    error = "thread " + std::to_string(thread) + " has no frame " + std::to_string(frame);
    return nullptr;
  }
  return &th.frames[frame];
}

std::optional<Value> FrameExpression::evaluate(const Machine& machine, std::uint32_t thread, std::uint32_t frame,
                                               std::string& error) const {
  if (!error_.empty()) {
    error = error_;
    return std::nullopt;
  }
  const Frame* found = frame_at(machine, thread, frame, error);
  if (found == nullptr) return std::nullopt;
  const Frame& source = *found;
  if (source.proc != proc_) {
    error = "frame " + std::to_string(frame) + " of thread " + std::to_string(thread) + " runs another proc";
    return std::nullopt;
  }
  Frame copy;
  copy.proc = 0;
  copy.slots = source.slots;
  copy.slots.resize(scratch_->procs[0].slot_count());
  Machine scratch_machine(scratch_, nullptr, RunConfig{});
  StepEvent event;
  StepRunner runner(scratch_machine, event, false);
  Value out;
  std::optional<DvmError> failure;
  if (!runner.evaluate_detached(copy, code_, out, failure)) {
    error = failure ? failure->message : "evaluation failed";
    return std::nullopt;
  }
  return out;
}

std::optional<Value> evaluate_in_frame(const Machine& machine, std::uint32_t thread, std::uint32_t frame,
                                       std::string_view text, std::string& error) {
  const Frame* found = frame_at(machine, thread, frame, error);
  if (found == nullptr) return std::nullopt;
  FrameExpression expression(machine.program(), found->proc, text);
  return expression.evaluate(machine, thread, frame, error);
}

}  // namespace dust

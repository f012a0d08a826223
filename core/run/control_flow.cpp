// control_flow.cpp — If, While, For, Break and Continue (semantics doc
// §2.1). A compound statement does not tick when it completes; its checks
// do, one step each: the If condition, every While condition (the final
// false one too), the For bounds and every For iteration check. The body
// cursors these push and pop are frame_cursors.hpp's, shared with the lane.
#include "frame_cursors.hpp"
#include "step_runner.hpp"

namespace dust {

StepRunner::Flow StepRunner::condition(std::uint32_t tid, const Stmt& s, bool& truth) {
  Value v;
  Flow flow = evaluate(tid, s.expr, v);
  if (flow != Flow::Done) return flow;
  if (!v.is_bool()) return fail(ErrorKind::Runtime, "condition requires bool, got " + render_rust_debug(v));
  truth = v.as_bool();
  return Flow::Done;
}

void StepRunner::exec_if(std::uint32_t tid, const Stmt& s) {
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
void StepRunner::exec_while(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id) {
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

void StepRunner::while_check(std::uint32_t tid) {
  Frame& f = m_.threads[tid].frames.back();
  const Stmt& s = p_.stmts[f.cursors.back().loop_stmt];
  bool truth = false;
  if (condition(tid, s, truth) != Flow::Done) return;
  ev_.kind = StepKind::Check;
  finish_loop_check(tid, truth);
}

// The end of a loop check from the body cursor: enter the body again or
// leave the loop, past its statement; either way the check ticks.
void StepRunner::finish_loop_check(std::uint32_t tid, bool enter) {
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

void StepRunner::exec_for(std::uint32_t tid, const Stmt& s, std::uint32_t stmt_id) {
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

void StepRunner::for_check(std::uint32_t tid) {
  ev_.kind = StepKind::Check;
  Frame& f = m_.threads[tid].frames.back();
  BlockCursor& c = f.cursors.back();
  const Stmt& s = p_.stmts[c.loop_stmt];
  std::int64_t counter = c.for_counter;
  bool enter = counter < c.for_end;
  if (!f.slots[s.slot].is_int() || f.slots[s.slot].as_int() != counter) write_slot(tid, s.slot, Value::integer(counter));
  finish_loop_check(tid, enter);
}

void StepRunner::exec_break(std::uint32_t tid) {
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

void StepRunner::exec_continue(std::uint32_t tid) {
  Frame& f = m_.threads[tid].frames.back();
  int loop = innermost_loop(f);
  if (loop < 0) {
    fail(ErrorKind::Runtime, "continue outside loop");
    return;
  }
  continue_loop(p_, f, static_cast<std::size_t>(loop));
  ++m_.tick;
}

}  // namespace dust

// lane_switching.cpp — the simple-step lane's plain run of many threads:
// one thread's step, then the scheduler's pick, over and over (see
// simple_steps.cpp for the lane and its rules, lane.hpp for why this run
// is a file of its own).
#include "lane.hpp"

namespace dust {

namespace {

// Lane::step_once and its handlers.
//
// At a seed other than 0 which thread steps is a coin toss, and so is
// which kind of step it takes: asked as a chain of tests (a resumed call?
// a loop check? a binding or a call? which intrinsic?), each test would
// miss its prediction about as often as the picks change thread. So each
// step ends by working out what the lane's next step is (plan), where the
// step just run makes the answer predictable, and the next step is one
// indirect call to a handler of its own: a loop check, or a call or a
// resumed call through one call_cache_ entry, with the call code copied
// into each (call_inline), so that the branches in it and the intrinsic's
// indirect call see one statement's outcomes and keep to them. Each
// handler runs the step exactly as the general path (any_step) does there.

// The general path: what step_once does without a plan.
bool Lane::any_step(Lane& l) {
  bool ran;
  if (l.f_.evaluating) {
    ran = l.resume_call(l.scratch_);
  } else if (l.one(l.scratch_, 0)) [[likely]] {
    ran = true;
  } else if (l.called_) {
    ran = true;
  } else if (l.run_ahead_) {
    l.run_ahead_ = false;
    ran = l.bindings(1, &l.scratch_, 0) != 0;
  } else {
    ran = false;
  }
  if (ran) l.plan();
  return ran;
}

bool Lane::loop_step(Lane& l) {
  if (!l.loop_check(l.scratch_)) return false;
  l.plan();
  return true;
}

// A call statement at the top cursor whose lane_call answer is in entry
// `Entry` (plan found it there): the step one() takes there.
template <std::uint32_t Entry>
bool Lane::call_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  l.scratch_.stmt = l.first_index_ + l.c_->index;
  if (s.kind != StmtKind::Eval && !l.bindable(s)) return false;
  l.call_name_ = cached.name;
  l.last_call_ = &cached;
  if (!l.call_with<true>(s, cached, l.scratch_, 0)) return false;
  l.plan_after_call<Entry>();
  return true;
}

// A blocked call whose lane_call answer is in entry `Entry`, resumed.
template <std::uint32_t Entry>
bool Lane::resume_step(Lane& l) {
  if (!l.resume_with<true>(l.call_cache_[Entry], l.scratch_)) return false;
  l.plan_after_call<Entry>();
  return true;
}

// What the lane's next step is, for step_once. Only the lane's own steps
// change its frame, so the answer holds until its thread is picked again.
// A call statement goes to its entry's handler once lane_call has answered
// for it (the general path asks the first time); the test is the one
// one() and resume_call would make of the statement.
void Lane::plan() {
  if (over_budget_) [[unlikely]] {
    next_ = kAnyStep;  // the run ends here, with the cursor past the statement
    return;
  }
  if (!f_.evaluating && c_->for_checking) {
    next_ = kLoopCheckStep;
    return;
  }
  const std::uint32_t index = first_index_ + c_->index;
  const std::uint32_t entry = index % kCallCache;
  const CallCache& cached = call_cache_[entry];
  if (cached.def == nullptr || cached.stmt != first_ + c_->index) {
    next_ = kAnyStep;
    return;
  }
  if (f_.evaluating) {
    next_ = resume_handler(entry);
    return;
  }
  const StmtKind kind = cached.stmt->kind;
  const bool binding = kind == StmtKind::Let || kind == StmtKind::Assign;
  const std::uint8_t calls = takes_quick(cached) ? kQuickSteps : kCallSteps;
  next_ = kind == StmtKind::Eval || (binding && !cached.stmt->expr.pure) ? static_cast<std::uint8_t>(calls + entry)
                                                                          : kAnyStep;
}

// A call statement as call_step takes it, through the intrinsic's quick
// entry (lane_call found one, and short arguments). Its own handler, apart
// from call_step's general call, so that the usual step pays neither the
// general call's stack frame nor its tests: what the quick call cannot
// take (an argument that is not an Int, a refusal) goes to call_step,
// which starts the step again, as nothing has changed.
template <std::uint32_t Entry>
bool Lane::quick_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  std::int64_t ints[kShortArgs];
  if ((s.kind != StmtKind::Eval && !l.bindable(s)) || !l.int_arguments(s.expr, cached, ints)) {
    return call_step<Entry>(l);
  }
  return l.after_quick<Entry>(l.quick_call(s, cached, ints, l.scratch_), &call_step<Entry>);
}

// A blocked call as resume_step takes it, through the quick entry.
template <std::uint32_t Entry>
bool Lane::quick_resume_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = l.first_[l.c_->index];
  std::int64_t ints[kShortArgs];
  if (!l.resumable(s, cached) || !l.kept_ints(cached.argc, ints)) return resume_step<Entry>(l);
  return l.after_quick<Entry>(l.quick_call(s, cached, ints, l.scratch_), &resume_step<Entry>);
}

// A quick handler's step once quick_call has answered: planned when it
// ran, and taken from the start by the general handler `general` when the
// quick entry refused it.
template <std::uint32_t Entry>
bool Lane::after_quick(QuickAnswer answer, StepFn general) {
  switch (answer) {
    case QuickAnswer::Ran: plan_after_call<Entry>(); return true;
    case QuickAnswer::Stopped: return false;
    case QuickAnswer::Refused: break;
  }
  return general(*this);
}

// The handler of the resumed call through call_cache_ entry `entry`: the
// quick one where the call takes its quick entry (a switching run has no
// observer, so only the intrinsic decides).
std::uint8_t Lane::resume_handler(std::uint32_t entry) const {
  const std::uint8_t resumes = takes_quick(call_cache_[entry]) ? kQuickResumeSteps : kResumeSteps;
  return static_cast<std::uint8_t>(resumes + entry);
}

// plan() after a call step through entry `Entry`. A call that blocked
// leaves the cursor on its statement with the call kept, so plan() would
// answer the resumed call through the same entry: answered here without
// asking (a third of a contended run's steps block). Whether the call
// blocked is as unpredictable as plan()'s own first test, which this
// test replaces.
template <std::uint32_t Entry>
void Lane::plan_after_call() {
  if (blocked_ != 0) {
    next_ = resume_handler(Entry);
    return;
  }
  plan();
}

const std::array<Lane::StepFn, Lane::kStepKinds> Lane::kSteps = step_table(std::make_index_sequence<kCallCache>());

// Each thread's lane, made on its first turn, and the handler of its next
// step, side by side: the jump to the picked thread's step, mispredicted
// about as often as the pick changes thread, then waits on one load after
// the pick, not on the lane, its plan and the handler table in turn.
struct Turn {
  Lane* lane = nullptr;  // owned by switch_lanes' `lanes`
  Lane::StepFn step = nullptr;
};

// Many threads (not under a token or policy): every step is one thread's,
// then the scheduler's pick names the next. Threads are only ever added, so
// the run stays here to its end: the limit, a step the lane cannot take, or
// a call over the memory budget. Each thread keeps its lane, found by id;
// a thread gets one on its first turn, once lane_may_run agrees, and since
// only its own lane steps change its frames, and the lane never ends its
// last one, that answer stands for as long as the thread is picked.
std::uint64_t switch_lanes(Machine& m, std::uint64_t limit, std::uint64_t total, CallRoom& room, Picker& picker) {
  // The thread to step, kept here as well as in m.current: read back from
  // the machine after each pick, it would wait on the store just made.
  std::uint32_t tid = m.current;
  std::vector<Turn> turns;  // by thread id
  std::vector<std::unique_ptr<Lane>> lanes;
  while (total < limit) {
    if (turns.size() <= tid) turns.resize(m.threads.size());
    const Turn turn = turns[tid];
    Lane* lane = turn.lane;
    if (lane == nullptr) [[unlikely]] {
      if (!lane_may_run(m, tid)) return total;
      lane = lanes.emplace_back(std::make_unique<Lane>(m.program(), m.threads[tid].frames.back(), false, &room)).get();
      turns[tid] = {lane, lane->planned_step()};
      continue;
    }
    room.tid = tid;
    room.runnable = picker.runnable_count();
    std::uint64_t rng_state = m.rng_state;
    const std::uint64_t drawn = picker.draw(rng_state);
    const Picker::Prepared prepared = picker.prepare(tid, drawn);
    if (!lane->step_once(turn.step)) return total;
    turns[tid].step = lane->planned_step();
    ++total;
    ++m.steps;
    const bool blocked = lane->blocked() != 0;
    m.tick += blocked ? 0 : 1;
    if (std::optional<DvmError>& over = lane->over_budget()) [[unlikely]] {
      StepEvent scratch;
      StepRunner(m, scratch, false).fail_thread(tid, std::move(*over));
      return total;
    }
    const bool unchanged = picker.after_step(m, tid, blocked);
    m.rng_state = rng_state;
    tid = picker.pick_prepared(m, drawn, prepared, blocked, unchanged);
    m.current = tid;
  }
  return total;
}

}  // namespace

// The lanes, the room and the picks are this run's own: a lone thread's
// lane (simple_steps.cpp) that spawned hands over only the machine, whose
// frames hold everything a lane knows, and a fresh Picker lists the
// runnable threads on its first pick as the scheduler would.
std::uint64_t run_switching(Machine& m, std::uint64_t limit, std::uint64_t total) {
  CallRoom room(m);
  Picker picker(m);
  return switch_lanes(m, limit, total, room, picker);
}

}  // namespace dust

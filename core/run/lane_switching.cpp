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
Lane::StepOutcome Lane::any_step(Lane& l) {
  l.begin_general();
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
  if (!ran) return kNotRunStep;
  l.plan();
  return l.general_outcome();
}

// A loop check that enters the body plans its first statement, as the
// lane remembers it for the last loop it entered (while no call entry has
// been filled since: see CallCache::then_step); one that leaves the loop
// plans what follows it.
Lane::StepOutcome Lane::loop_step(Lane& l) {
  const std::uint32_t loop = l.c_->loop_stmt;
  if (!l.loop_check(l.scratch_)) return kNotRunStep;
  if (l.c_->loop_stmt != loop) [[unlikely]] {  // left: the body's cursor is gone
    l.plan_after_statement();
    return l.planned_outcome();
  }
  if (l.entered_loop_ != loop || l.entered_fills_ != l.fills_) [[unlikely]] {
    l.plan_after_statement();
    l.entered_loop_ = loop;
    l.entered_step_ = kSteps[l.next_];
    l.entered_fills_ = l.fills_;
  }
  return {l.entered_step_, 0};
}

// A call statement at the top cursor whose lane_call answer is in entry
// `Entry` (plan found it there): the step one() takes there.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::call_step(Lane& l) {
  l.begin_general();
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  l.scratch_.stmt = l.first_index_ + l.c_->index;
  if (s.kind != StmtKind::Eval && !l.bindable(s)) return kNotRunStep;
  l.call_name_ = cached.name;
  l.last_call_ = &cached;
  if (!l.call_with<true>(s, cached, l.scratch_, 0)) return kNotRunStep;
  l.plan_after_call<Entry>();
  return l.general_outcome();
}

// A blocked call whose lane_call answer is in entry `Entry`, resumed.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::resume_step(Lane& l) {
  l.begin_general();
  if (!l.resume_with<true>(l.call_cache_[Entry], l.scratch_)) return kNotRunStep;
  l.plan_after_call<Entry>();
  return l.general_outcome();
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
  if (!f_.evaluating) {
    plan_after_statement();
    return;
  }
  const std::uint32_t index = first_index_ + c_->index;
  const std::uint32_t entry = index % kCallCache;
  const CallCache& cached = call_cache_[entry];
  next_ = cached.def != nullptr && cached.stmt == first_ + c_->index ? resume_handler(entry) : kAnyStep;
}

// The handler plan_after_statement() plans after a step that completed
// the statement of entry `Entry`, as the entry remembers it
// (CallCache::then_step). next_ is left as it was: a handler reads it
// only after planning it.
template <std::uint32_t Entry>
Lane::StepFn Lane::plan_after_entry() {
  CallCache& cached = call_cache_[Entry];
  if (cached.then_fills == fills_) [[likely]] return cached.then_step;
  plan_after_statement();
  cached.then_step = kSteps[next_];
  cached.then_fills = fills_;
  return cached.then_step;
}

// plan() for a frame between statements, within the memory budget: what a
// step that completed its statement without the general path's call (a
// loop check, a quick call that did not block) plans straight away, as a
// quick entry adds no record to the budget's count. The entry's handler is
// kAnyStep when it names no call.
void Lane::plan_after_statement() {
  if (c_->for_checking) {
    next_ = kLoopCheckStep;
    return;
  }
  const std::uint32_t index = first_index_ + c_->index;
  const CallCache& cached = call_cache_[index % kCallCache];
  next_ = cached.stmt == first_ + c_->index ? cached.step : kAnyStep;
}

// A call statement as call_step takes it, through the intrinsic's quick
// entry (lane_call found one, and short arguments). Its own handler, apart
// from call_step's general call, so that the usual step pays neither the
// general call's stack frame nor its tests: what the quick call cannot
// take (an argument that is not an Int, a refusal) goes to call_step,
// which starts the step again, as nothing has changed.
//
// The usual step (arguments that are names or `name Add k`, a call that
// cannot stop the lane, a completion that moves only the cursor and
// perhaps an Int binding) runs here with nothing but the lane kept across
// the intrinsic's call, and the Ints gathered where a block keeps them:
// GCC saves every register a function uses anywhere, so this handler
// calls nothing else but through a jump, and needs almost no stack frame.
// Anything else goes, before any change, to full_quick_step, which takes
// every case; after the call, a block and a longer completion go to
// handlers of their own.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::quick_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  // quick_stops' cases that would call out.
  const bool may_stop = l.last_outside_loop() || (cached.may_block && l.calls_->runnable <= 1);
  if ((s.kind != StmtKind::Eval && !l.bindable(s)) || may_stop ||
      !l.int_arguments<false>(s.expr, cached, l.kept_quick_)) {
    return full_quick_step<Entry>(l);
  }
  const QuickResult r = cached.def->quick(l.quick_call_here(), l.kept_quick_);
  switch (r.status) {
    case QuickResult::Status::Block: return l.fresh_blocked<Entry>();
    case QuickResult::Status::Refused: return call_step<Entry>(l);
    default: return l.quick_completed<Entry>(r.status, r.value);
  }
}

// quick_step's every case.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::full_quick_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  std::int64_t ints[kShortArgs];
  if ((s.kind != StmtKind::Eval && !l.bindable(s)) || !l.int_arguments(s.expr, cached, ints)) {
    return call_step<Entry>(l);
  }
  return l.after_quick<Entry>(l.quick_call<false>(s, cached, ints, l.scratch_), &call_step<Entry>);
}

// quick_step's call that blocked, on the Ints it gathered in kept_quick_.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::fresh_blocked() {
  const CallCache& cached = call_cache_[Entry];
  settle_quick_block(*cached.stmt, cached, kept_quick_);
  return kBlockedQuickly<Entry>;
}

// A quick call that completed its statement: here when that moves only
// the cursor (within its block, or from a loop body's last statement to
// the loop's check), with the next handler as the entry remembers it,
// and perhaps writes an Int over an Int; else by retry_completed. Either
// way, complete_quick and plan_after_entry's step.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::quick_completed(QuickResult::Status status, std::int64_t value) {
  const CallCache& cached = call_cache_[Entry];
  const Stmt& s = *cached.stmt;
  const bool binds = binds_result(s);
  if (f_.evaluating || last_outside_loop() || cached.then_fills != fills_ ||
      (binds && (status != QuickResult::Status::Int || !slots_[s.slot].is_int()))) {
    return retry_completed<Entry>(status, value);
  }
  if (binds) slots_[s.slot].replace_int(value);
  if (++c_->index >= count_) turn_to_loop_check(p_, *c_);  // advance()'s step in a loop body
  return {cached.then_step, 0};
}

// A blocked call as resume_step takes it, through the quick entry. When
// the lane blocked it through the quick entry (as a contended lock's
// waiters do, retry after retry), the frame is as that step left it,
// evaluating the call, which resumable would only confirm, and the
// arguments are the lane's Ints. Such a retry is quick_call's step, with
// what it asks of a fresh call left out, and the rest out of line but the
// block that most retries end in: so this handler, which runs a third of
// a contended run's steps, needs almost no stack frame.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::quick_resume_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  if (l.kept_quick_argc_ != cached.argc) [[unlikely]] return unkept_resume_step<Entry>(l);
  if (l.quick_stops(cached, l.kept_quick_)) return kNotRunStep;
  QuickCall& call = l.quick_call_here();
  const QuickResult r = cached.def->quick(call, l.kept_quick_);
  if (r.status == QuickResult::Status::Block) {
    // Neither scratch_ nor called_ is written here or in retry_completed,
    // as quick_call<false> leaves them.
    l.quick_wait(call.wait);
    return kBlockedQuickly<Entry>;
  }
  if (r.status == QuickResult::Status::Refused) return resume_step<Entry>(l);
  return l.retry_completed<Entry>(r.status, r.value);
}

// A quick call that completed its statement: a retry's, or one that
// quick_completed leaves.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::retry_completed(QuickResult::Status status, std::int64_t value) {
  complete_quick(*call_cache_[Entry].stmt, status, value);
  return {plan_after_entry<Entry>(), 0};
}

// A blocked call whose Ints the lane did not keep (the general path, or an
// observed run, blocked it): its kept Values, checked.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::unkept_resume_step(Lane& l) {
  const CallCache& cached = l.call_cache_[Entry];
  const Stmt& s = l.first_[l.c_->index];
  std::int64_t ints[kShortArgs];
  if (!l.resumable(s, cached) || !l.kept_ints(cached.argc, ints)) return resume_step<Entry>(l);
  return l.after_quick<Entry>(l.quick_call<false>(s, cached, ints, l.scratch_), &resume_step<Entry>);
}

// A quick handler's step once quick_call has answered: planned when it
// ran, and taken from the start by the general handler `general` when the
// quick entry refused it.
template <std::uint32_t Entry>
Lane::StepOutcome Lane::after_quick(QuickAnswer answer, StepFn general) {
  switch (answer) {
    case QuickAnswer::Ran: return {plan_after_entry<Entry>(), 0};
    case QuickAnswer::Blocked:
      // A quick call that blocked is retried through the quick entry: it
      // took it now, and a switching run's calls are never observed.
      return kBlockedQuickly<Entry>;
    case QuickAnswer::Stopped: return kNotRunStep;
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
  Lane* lane;  // owned by Switching::lanes; null before the thread's first turn (a vector of turns is zeroed)
  Lane::StepFn step;
};

// What a switching run keeps from its first step to its last, whichever
// loop takes the steps: the room, and each thread's lane, found by id. A
// thread gets its lane on its first turn, once lane_may_run agrees, and
// since only its own lane steps change its frames, and the lane never ends
// its last one, that answer stands for as long as the thread is picked.
struct Switching {
  explicit Switching(Machine& machine) : m(machine), room(machine) {}

  // Thread `tid`'s turn with its lane made, or null when the lane may not
  // run it (the run then ends, for step()).
  Turn* turn_of(std::uint32_t tid) {
    if (turns.size() <= tid) turns.resize(std::max<std::size_t>(m.threads.size(), tid + 1));
    Turn& turn = turns[tid];
    if (turn.lane == nullptr) {
      if (!lane_may_run(m, tid)) return nullptr;
      Frame& frame = m.threads[tid].frames.back();
      turn.lane = lanes.emplace_back(std::make_unique<Lane>(m.program(), frame, false, &room, tid)).get();
      turn.step = turn.lane->planned_step();
    }
    return &turn;
  }

  // Fails the run as step() fails a call over the memory budget.
  void fail_over_budget(std::uint32_t tid, Lane& lane) {
    StepEvent scratch;
    StepRunner(m, scratch, false).fail_thread(tid, std::move(*lane.over_budget()));
  }

  Machine& m;
  CallRoom room;
  std::vector<Turn> turns;  // by thread id
  std::vector<std::unique_ptr<Lane>> lanes;
};

// Many threads (not under a token or policy): every step is one thread's,
// then the scheduler's pick names the next. Threads are only ever added, so
// the run stays here to its end: the limit, a step the lane cannot take, or
// a call over the memory budget.
std::uint64_t switch_lanes(Switching& run, std::uint64_t limit, std::uint64_t total) {
  Machine& m = run.m;
  CallRoom& room = run.room;
  Picker picker(m);
  // The thread to step, kept here as well as in m.current: read back from
  // the machine after each pick, it would wait on the store just made.
  std::uint32_t tid = m.current;
  while (total < limit) {
    if (run.turns.size() <= tid) run.turns.resize(m.threads.size());
    const Turn turn = run.turns[tid];
    Lane* lane = turn.lane;
    if (lane == nullptr) [[unlikely]] {
      if (run.turn_of(tid) == nullptr) return total;
      continue;
    }
    room.runnable = picker.runnable_count();
    std::uint64_t rng_state = m.rng_state;
    const std::uint64_t drawn = picker.draw(rng_state);
    const Picker::Prepared prepared = picker.prepare(tid, drawn);
    const Lane::StepOutcome outcome = lane->step_once(turn.step);
    if (!Lane::ran(outcome)) return total;
    run.turns[tid].step = Lane::handler_of(outcome);
    ++total;
    ++m.steps;
    const bool blocked = Lane::blocked(outcome);
    m.tick += blocked ? 0 : 1;
    if (lane->over_budget()) [[unlikely]] {
      run.fail_over_budget(tid, *lane);
      return total;
    }
    const bool unchanged = picker.after_step(m, tid, blocked);
    m.rng_state = rng_state;
    tid = picker.pick_prepared(m, drawn, prepared, blocked, unchanged);
    m.current = tid;
  }
  return total;
}

// The threads that can run in a switching run of at most 64 threads, as
// a set (bit t: thread t), listed from the machine as step()'s scheduler
// lists them when none sleeps, and kept from step to step as the steps
// change it: a step blocks its own thread, wakes others (woken_threads,
// whose record the listing starts for this machine) or spawns one.
struct RunnableSet {
  std::uint64_t set = 0;
  std::size_t count = 0;
  const Thread* threads_end = nullptr;  // where m.threads ended: a spawn moves it

  // False when there are more than 64 threads.
  bool list(const Machine& m) {
    if (m.threads.size() > 64) return false;
    list_runnable_set(m, set, count);
    threads_end = std::to_address(m.threads.cend());
    woken_threads = {&m, 0, 0};
    return true;
  }

  // After thread `tid`'s step: takes it out if it blocked, and answers
  // whether that was all (no wake, no spawn, someone left to run), when
  // the pick made before the step stands. Only a general step (one the
  // lane's general path took, Lane::general) can spawn a thread or let
  // another machine's lane take the wake record: a loop check and a quick
  // call can only wake threads of this machine. So after those the record
  // alone answers, and after a general step take_changes does.
  bool only_blocked(std::uint32_t tid, bool blocked, bool general) {
    set &= ~(std::uint64_t{blocked} << tid);
    count -= blocked ? 1 : 0;
    return woke_or_spawned_none(general) & (count != 0);
  }

  // Whether a step, general or not, left the other threads as they were.
  static bool woke_or_spawned_none(bool general) { return !general & (woken_threads.count == 0); }

  // Otherwise: adds the threads the step woke, or lists them all again
  // after a spawn (or when the wake record went to another machine).
  // False when there are then more than 64 threads.
  bool take_changes(const Machine& m) {
    WokenThreads& woken = woken_threads;
    if ((woken.machine == &m) & (std::to_address(m.threads.cend()) == threads_end)) {
      set |= woken.bits;
      count += woken.count;
      woken.bits = 0;
      woken.count = 0;
      return true;
    }
    return list(m);
  }
};

// The steps of a lone runnable thread (the holder while every other thread
// waits, a quarter of a contended run's steps) in a seeded run: it is
// picked again after each whatever the draw, so they run here without the
// picks, each moving the PRNG on one draw, for as long as nothing changes
// which threads can run. Returns the step that changed that (it blocked,
// woke a thread, or the general path took it), for switch_seeded to settle
// as it settles any step, or a step not run: the lane could not take it, or
// the run reached its limit.
[[gnu::always_inline]] inline Lane::StepOutcome run_alone(Lane& lane, Turn& current, Machine& m, std::uint64_t& rng,
                                                          std::uint64_t& total, std::uint64_t limit) {
  for (;;) {
    const Lane::StepOutcome outcome = lane.step_once(current.step);
    if (!Lane::ran(outcome) || Lane::blocked(outcome) || !RunnableSet::woke_or_spawned_none(Lane::general(outcome))) {
      return outcome;
    }
    current.step = Lane::handler_of(outcome);
    ++total;
    ++m.steps;
    ++m.tick;
    rng = splitmix64_advanced(rng);
    if (total >= limit) return Lane::kNotRunStep;
  }
}

// Starts a loop over at most 64 threads: lists them in `runnable` and
// makes room for their turns by id. False when there are more, or none
// can run: switch_lanes then takes the run.
bool start_in_set(Switching& run, RunnableSet& runnable) {
  if (!runnable.list(run.m) || runnable.count == 0) return false;
  run.turns.resize(std::max<std::size_t>(run.turns.size(), 64));
  return true;
}

// A seeded run of at most 64 threads, the usual threaded program, which
// switch_lanes' Picker serves too but with the tests every kind of run
// needs. Here the runnable threads are a set kept in registers, and each
// step's pick is made before the step both ways the step can leave that
// set without a wake or a spawn (as it is, or without the stepping thread,
// which blocked), with both picked threads' turns loaded then too. After a
// random pick the jump to the next step is mispredicted about as often as
// the pick changes thread, and it is resolved only once its target is
// known: this way that waits for nothing but whether the step blocked,
// not for a division, nor for a load that the step's own stores to the
// turns could hold back. When the same thread is picked again, its next
// handler is the one its step just planned. A wake adds the woken threads
// to the set and a spawn lists the threads again; the pick is then made
// after the step. The picks are pick_thread's: the runnable ids in
// increasing order, indexed by the draw modulo their count.
//
// Returns the steps run, with `over` set when the run ended (the limit, a
// step the lane cannot take, a call over the memory budget); otherwise
// switch_lanes takes over, with the next pick made.
std::uint64_t switch_seeded(Switching& run, std::uint64_t limit, std::uint64_t total, bool& over) {
  Machine& m = run.m;
  CallRoom& room = run.room;
  RunnableSet runnable;
  over = start_in_set(run, runnable);
  if (!over) return total;
  std::array<ExactRemainder, 65> remainder;  // by divisor: the pick after a wake, made after the step
  for (std::uint64_t d = 1; d <= 64; ++d) remainder[d] = ExactRemainder(d);
  std::uint32_t tid = m.current;
  std::uint64_t rng = m.rng_state;  // the PRNG's state before the next pick's draw
  Turn current = run.turns[tid];
  while (total < limit) {
    if (current.lane == nullptr) [[unlikely]] {
      const Turn* made = run.turn_of(tid);
      if (made == nullptr) break;
      current = *made;
    }
    Lane& lane = *current.lane;
    const std::size_t count = runnable.count;
    room.runnable = count;
    // Both picks. A lone runnable thread is picked again whatever the
    // draw (a quarter of a contended run's steps, while the holder runs
    // alone), and the lane never blocks it (a deadlock, step()'s to
    // report): its steps run in run_alone, and a draw is made only if a
    // wake needs it after the last.
    std::uint32_t as_is = tid;
    std::uint32_t if_blocked = tid;
    Turn turn_as_is;  // read only when the pick changes thread, which needs two
    Turn turn_if_blocked;
    Lane::StepOutcome outcome;
    if (count > 1) {
      std::uint64_t state = rng;
      const std::uint64_t drawn = splitmix64(state);
      as_is = select_bit(runnable.set, drawn % count);
      if_blocked = select_bit(runnable.set & ~(std::uint64_t{1} << tid), drawn % (count - 1));
      turn_as_is = run.turns[as_is];
      turn_if_blocked = run.turns[if_blocked];
      outcome = lane.step_once(current.step);
    } else {
      outcome = run_alone(lane, current, m, rng, total, limit);
    }
    if (!Lane::ran(outcome)) break;
    current.step = Lane::handler_of(outcome);
    run.turns[tid].step = current.step;
    ++total;
    ++m.steps;
    const bool blocked = Lane::blocked(outcome);
    m.tick += blocked ? 0 : 1;
    if (lane.over_budget()) [[unlikely]] {
      m.rng_state = rng;
      m.current = tid;
      run.fail_over_budget(tid, lane);
      return total;
    }
    if (runnable.only_blocked(tid, blocked, Lane::general(outcome))) [[likely]] {
      rng = splitmix64_advanced(rng);
      const std::uint32_t choose = 0u - static_cast<std::uint32_t>(blocked);  // all ones when it blocked
      const std::uint32_t next = as_is ^ ((as_is ^ if_blocked) & choose);
      if (next != tid) current = blocked ? turn_if_blocked : turn_as_is;
      tid = next;
      continue;
    }
    const std::uint64_t drawn = splitmix64(rng);
    if (!runnable.take_changes(m)) {
      // More threads than the set holds: the pick is switch_lanes'
      // Picker's, made here as it would make it after the step.
      m.rng_state = rng;
      m.current = tid;
      Picker picker(m);
      m.current = picker.pick_drawn(m, drawn);
      over = false;
      return total;
    }
    if (runnable.count == 0) [[unlikely]] {
      // No thread can run: unreachable from the lane, which never blocks
      // the last runnable thread (a deadlock, step()'s to report), and
      // left to switch_lanes, with the pick its Picker makes then.
      m.rng_state = rng;
      m.current = 0;
      over = false;
      return total;
    }
    tid = select_bit(runnable.set, remainder[runnable.count].of(drawn));
    current = run.turns[tid];
  }
  m.rng_state = rng;
  m.current = tid;
  return total;
}

// The same at seed 0, whose picks take no draw: round-robin, the lowest
// runnable id above the current one, else the lowest, which is the same
// pick whether or not the current one blocks (it is never above itself),
// but when it was the only one.
std::uint64_t switch_round_robin(Switching& run, std::uint64_t limit, std::uint64_t total, bool& over) {
  Machine& m = run.m;
  CallRoom& room = run.room;
  RunnableSet runnable;
  over = start_in_set(run, runnable);
  if (!over) return total;
  std::uint32_t tid = m.current;
  while (total < limit) {
    Turn* turn = &run.turns[tid];
    if (turn->lane == nullptr) [[unlikely]] {
      turn = run.turn_of(tid);
      if (turn == nullptr) break;
    }
    Lane& lane = *turn->lane;
    room.runnable = runnable.count;
    const std::uint32_t next = round_robin(runnable.set, tid);
    const Lane::StepOutcome outcome = lane.step_once(turn->step);
    if (!Lane::ran(outcome)) break;
    turn->step = Lane::handler_of(outcome);
    ++total;
    ++m.steps;
    const bool blocked = Lane::blocked(outcome);
    m.tick += blocked ? 0 : 1;
    if (lane.over_budget()) [[unlikely]] {
      m.current = tid;
      run.fail_over_budget(tid, lane);
      return total;
    }
    if (runnable.only_blocked(tid, blocked, Lane::general(outcome))) [[likely]] {
      tid = next;
      continue;
    }
    if (!runnable.take_changes(m)) {
      m.current = tid;
      Picker picker(m);
      m.current = picker.pick_drawn(m, 0);
      over = false;
      return total;
    }
    if (runnable.count == 0) [[unlikely]] {
      m.current = 0;
      over = false;
      return total;
    }
    tid = round_robin(runnable.set, tid);
  }
  m.current = tid;
  return total;
}

}  // namespace

// The lanes, the room and the picks are this run's own: a lone thread's
// lane (simple_steps.cpp) that spawned hands over only the machine, whose
// frames hold everything a lane knows, and a fresh Picker lists the
// runnable threads on its first pick as the scheduler would.
std::uint64_t run_switching(Machine& m, std::uint64_t limit, std::uint64_t total) {
  Switching run(m);
  bool over = false;
  total = m.config.seed != 0 ? switch_seeded(run, limit, total, over) : switch_round_robin(run, limit, total, over);
  if (over) return total;
  return switch_lanes(run, limit, total);
}

}  // namespace dust

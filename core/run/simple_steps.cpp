// simple_steps.cpp — the simple-step lane: Machine::run_simple.
//
// Most steps of most programs are a Let or Assign of an integer expression,
// the check of an If or a loop, or a Break or Continue, run by the only
// thread. This lane runs such steps without building a StepEvent, with an
// evaluator that knows only Int and Bool, so a step costs about a hundred
// instructions instead of several hundred.
//
// The lane never starts what it cannot finish. Evaluation only reads, so
// when an expression meets anything the lane does not handle (another type,
// an unbound name, an overflow, a division by zero, a call), or when the
// step would end its frame, the lane stops before that step with nothing
// changed, and step() runs it under the full rules with their messages and
// events. That is also why the lane needs no error handling of its own.
//
// In plain runs (nobody observing) the lane also takes call statements: a
// Let, Assign or Eval (which is what Call, Alloc, Dealloc, Load and Store
// load as) whose expression ends in its only call, of an intrinsic that
// dustlib_k lets the lane run (LaneUse in intrinsics.hpp: it decides every
// error before it changes anything). The lane evaluates the arguments, which
// only reads, and calls the intrinsic as step() would; an error leaves the
// machine as it was, and the lane stops there for step() to run the call
// again and report it. A call that blocks its thread is a step too, and a
// woken thread resumes its call in the lane. Since such calls change which
// threads can run, the lane also switches threads after every step with the
// scheduler's own pick (thread_pick.hpp), so that many threads run in the
// lane as one does. It stays away from sleepers, whose wake-up is step()'s,
// and from a block that would leave no thread runnable (a deadlock report).
// With more than one thread a plain run is one step, then one pick, over
// and over (run_switching, in lane_switching.cpp): at seed 7 a step is as
// likely to be another thread's as its own, so the per-step work is kept
// small and, where the random picks would make a branch's outcome a coin
// toss, without the branch (the Picker's prepared picks, the runnable count
// kept between picks, one indirect call per step to a handler planned by
// the thread's last step).
//
// An observer that sets its batch's `observer` (the recorder, a reader's
// seek) gets the same lane: simple steps in the batch, and every call step,
// block and thread switch handed to on_step with the event step() would
// give it (library events, the binding with its old value), the batch
// before it handed over first, and the pick made before the observer looks,
// so that every hand-over sees the machine exactly as step() leaves it
// (ObservedLanes). The lane's own batches (no observer) stay one thread's
// simple steps.
//
// The Lane and its evaluator are in lane.hpp, shared with lane_switching.cpp;
// this file has the lone thread's runs, the batches and the observed runs.
#include "lane.hpp"

namespace dust {

namespace {

// The lane for an observer's batches: one thread, no calls (a batch
// carries neither library events nor thread switches).
std::uint64_t run_batched(Machine& m, const Program& p, std::uint64_t limit, SimpleStepBatch& batch) {
  if (m.threads.size() != 1) return 0;
  Thread& th = m.threads[0];
  if (th.state != ThreadState::Runnable || th.frames.empty()) return 0;
  Frame& f = th.frames.back();
  if (f.evaluating || f.cursors.empty()) return 0;
  if (leaves_to_step(m, p, f)) return 0;
  if (batch.size == 0) {
    batch.first_index = m.steps;
    batch.first_tick = m.tick;
    batch.thread = th.id;
    batch.proc = f.proc;
    batch.depth = static_cast<std::uint32_t>(th.frames.size() - 1);
  }
  Lane lane(p, f, true);
  const std::uint64_t n = lane.run(limit, batch.steps + batch.size);
  m.tick += n;
  m.steps += n;
  batch.size += static_cast<std::uint32_t>(n);
  return n;
}

// How many steps the lane may take now: none once the run is over, and
// none from the step at --max-steps on, which fails in step().
std::uint64_t lane_room(const Machine& m, std::uint64_t limit) {
  if (!m.started || m.done()) return 0;
  if (m.config.max_steps == 0) return limit;
  return std::min(limit, m.config.max_steps > m.steps ? m.config.max_steps - m.steps : 0);
}

// An observed run (SimpleStepBatch::observer): the plain run's lanes and
// picks, with every step handed to the observer in order. Simple steps
// of the thread that runs go into the batch; a call step first hands over
// the batch (Lane::holds_steps), then runs, then the pick is made, then
// the observer gets its event, so that the observer always sees the
// machine as step() leaves it. A thread switch hands the batch over too:
// a batch is one thread's. Stops after `limit` steps, and returns the
// steps left in the batch for the caller to hand over.
class ObservedLanes {
 public:
  ObservedLanes(Machine& m, SimpleStepBatch& batch, bool scheduled)
      : m_(m), batch_(batch), observer_(*batch.observer), scheduled_(scheduled), room_(m), picker_(m) {
    room_.observer = &observer_;
  }

  std::uint64_t run(std::uint64_t limit) {
    if (any_sleeping(m_)) return batch_.size;
    while (total_ < limit && lane_may_run(m_, m_.current)) {
      if (scheduled_ && m_.threads.size() != 1) break;
      if (!turn(limit)) break;
    }
    return batch_.size;
  }

 private:
  Lane& lane_of(std::uint32_t tid) {
    if (lanes_.size() <= tid) lanes_.resize(m_.threads.size());
    if (!lanes_[tid]) {
      Frame& f = m_.threads[tid].frames.back();
      lanes_[tid] = std::make_unique<Lane>(m_.program(), f, true, scheduled_ ? nullptr : &room_, tid);
    }
    return *lanes_[tid];
  }

  void hand_over() {
    if (batch_.size == 0) return;
    observer_.on_simple_steps(m_, batch_);
    batch_.size = 0;
  }

  void start_batch() {
    const Thread& th = m_.threads[m_.current];
    batch_.first_index = m_.steps;
    batch_.first_tick = m_.tick;
    batch_.thread = m_.current;
    batch_.proc = th.frames.back().proc;
    batch_.depth = static_cast<std::uint32_t>(th.frames.size() - 1);
  }

  // One thread's turn, until the pick names another thread (true) or the
  // lane stops (false).
  bool turn(std::uint64_t limit) {
    const std::uint32_t tid = m_.current;
    Lane& lane = lane_of(tid);
    for (;;) {
      if (batch_.size != 0 && batch_.size >= batch_.capacity) hand_over();
      if (batch_.capacity == 0) return false;
      if (batch_.size == 0) start_batch();
      room_.held = batch_.size;
      room_.runnable = picker_.runnable_count();
      const bool alone = picker_.thread_count() == 1;
      const std::uint64_t want = std::min<std::uint64_t>(alone ? limit - total_ : 1, batch_.capacity - batch_.size);
      const std::uint64_t n = lane.run(want, batch_.steps + batch_.size);
      if (n == 0) {
        if (!lane.stopped_for_call()) return false;
        hand_over();
        continue;
      }
      total_ += n;
      if (lane.called()) {
        // The call came first in its run (Lane::holds_steps): n is 1.
        if (!call_step(lane)) return false;
      } else {
        batch_.size += static_cast<std::uint32_t>(n);
        m_.steps += n;
        m_.tick += n;
        // A lone thread's run stops at the limit, for room in the batch,
        // or before a step the lane cannot take.
        if (alone && n < want) return false;
        if (!alone) {
          const std::uint32_t next = picker_.pick(m_);
          if (next != tid) {
            m_.current = next;
            hand_over();
            return true;
          }
        }
      }
      if (m_.current != tid) return true;
      if (total_ >= limit) return false;
    }
  }

  // A call step ran (the batch was empty): its event gets the tick, the
  // machine its step count and the scheduler's pick, then the observer the
  // event. A call over the memory budget fails instead, as step() fails
  // it, and ends the run (false).
  bool call_step(Lane& lane) {
    StepEvent& event = room_.event;
    m_.steps += 1;
    m_.tick += 1 - lane.blocked();
    event.tick = m_.tick;
    if (std::optional<DvmError>& over = lane.over_budget()) {
      StepRunner(m_, event, true).fail_thread(lane.thread(), std::move(*over));
      observer_.on_step(m_, event);
      return false;
    }
    picker_.after_step(m_, lane.thread(), lane.blocked() != 0);
    if (picker_.thread_count() != 1) m_.current = picker_.pick(m_);
    observer_.on_step(m_, event);
    return true;
  }

  Machine& m_;
  SimpleStepBatch& batch_;
  ExecutionObserver& observer_;
  const bool scheduled_;
  CallRoom room_;
  Picker picker_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // by thread id, made on a thread's first turn
  std::uint64_t total_ = 0;
};

}  // namespace

// A plain run: every thread, call steps included. After each step the
// scheduler picks the next thread exactly as step() does (StepRunner::run:
// unless the only thread can go on), so a lone thread's lane runs on, and
// with more threads run_switching steps whichever thread the pick names;
// each thread keeps its lane for the whole call: other threads' steps never
// touch its frames. The scheduler wakes sleepers before it picks,
// which the lane leaves to step(): it takes no run with a sleeper, and its
// own steps never put a thread to sleep. Nor do they leave no thread
// runnable (Lane::call), so the pick always has one.
//
// The lane also keeps step()'s other rules: it stops before the step at
// --max-steps; under a schedule token or an explorer's policy the picks are
// step()'s, so it takes only a lone thread's steps that are not calls; and
// a call that takes the memory budget past its limit fails there, as
// step() fails it (Lane::call).
//
// An observed run does the same with every step handed to the observer
// (ObservedLanes); a batch without an observer takes only the simple steps
// of a lone thread.
std::uint64_t Machine::run_simple(std::uint64_t limit, SimpleStepBatch* batch) {
  limit = lane_room(*this, limit);
  if (limit == 0) return 0;
  const bool scheduled = schedule_policy_ != nullptr || config.schedule.has_value();
  if (batch != nullptr && batch->observer != nullptr) return ObservedLanes(*this, *batch, scheduled).run(limit);
  if (batch != nullptr) return run_batched(*this, *program_, limit, *batch);
  return run_lanes(limit, scheduled);
}

std::uint64_t Machine::run_simple_alone(std::uint64_t limit) {
  limit = lane_room(*this, limit);
  if (limit == 0) return 0;
  return run_lanes(limit, true);
}

// `scheduled`: the picks are step()'s (a token, a policy, or an explorer
// that picks for itself), so only a lone thread runs, and no call.
std::uint64_t Machine::run_lanes(std::uint64_t limit, bool scheduled) {
  if (any_sleeping(*this)) return 0;
  // Many threads: the switching run keeps its own room, picks and lanes.
  if (!scheduled && threads.size() != 1) return run_switching(*this, limit, 0);
  // One thread: its lane runs on past calls that leave it alone.
  if (limit == 0 || !lane_may_run(*this, current)) return 0;
  if (scheduled && threads.size() != 1) return 0;
  CallRoom room(*this);
  Picker picker(*this);
  // Under a token or policy a call, which may spawn, would be followed by
  // a pick that is step()'s: the lone thread then takes no call steps.
  Lane lane(*program_, threads[current].frames.back(), false, scheduled ? nullptr : &room, current);
  std::uint64_t total = 0;
  for (;;) {
    const std::uint64_t n = lane.run(limit - total, nullptr, true);
    total += n;
    steps += n;
    tick += n - lane.blocked();
    if (n == 0) return total;
    if (std::optional<DvmError>& over = lane.over_budget()) {
      StepEvent scratch;
      StepRunner(*this, scratch, false).fail_thread(current, std::move(*over));
      return total;
    }
    // Only a call changes which threads there are or can run.
    if (!lane.called()) return total;
    picker.after_step(*this, current, lane.blocked() != 0);
    if (picker.thread_count() == 1) {
      if (total >= limit) return total;
      continue;
    }
    // The call spawned a thread: the pick is made (at the limit too, as
    // step() makes it after every step), and from here on picks switch.
    if (scheduled) return total;
    current = picker.pick(*this);
    return run_switching(*this, limit, total);
  }
}

}  // namespace dust

// scheduler.cpp — which thread runs next (semantics doc §2.3). After every
// step the scheduler picks among runnable threads: seed 0 round-robin in
// thread-id order, any other seed a splitmix64 PRNG whose state is part of
// the Machine, so the same program and seeds give the same interleaving.
// Sleepers wake on logical time; every live thread blocked is a deadlock.
// An installed SchedulePolicy or the run's schedule token takes the place
// of the seeded rule (schedule.hpp); without either every choice, and so
// every trace, is exactly the seeded rule's.
// The pick itself is thread_pick.hpp's, shared with the simple-step lane.
#include <algorithm>
#include <bit>
#include <memory>

#include "step_runner.hpp"
#include "thread_pick.hpp"

namespace dust {

void StepRunner::schedule() {
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
  if (m_.schedule_policy_ != nullptr || m_.config.schedule) {
    follow_schedule(runnable);
  } else {
    m_.current = pick_thread(runnable.data(), runnable.size(), m_.current, m_.config.seed, m_.rng_state);
  }
}

void StepRunner::follow_schedule(const std::vector<std::uint32_t>& runnable) {
  // The step being finished is m_.steps; the chosen thread runs the next one.
  const std::uint64_t next_step = m_.steps + 1;
  std::uint32_t chosen = 0;
  const char* source = "the schedule policy";
  if (m_.schedule_policy_ != nullptr) {
    chosen = m_.schedule_policy_->pick(SchedulePoint{m_, next_step, m_.current, runnable});
  } else if (auto named = m_.config.schedule->thread_at(next_step)) {
    chosen = *named;
    source = "the schedule token";
  } else {
    chosen = non_preemptive_choice(m_.current, runnable);
  }
  if (!std::binary_search(runnable.begin(), runnable.end(), chosen)) {
    std::string list;
    for (std::uint32_t t : runnable) list += (list.empty() ? "" : ", ") + std::to_string(t);
    fail(ErrorKind::Runtime, std::string(source) + " names thread " + std::to_string(chosen) + " for step " +
                                 std::to_string(next_step) + ", which is not runnable there (runnable: " + list + ")");
    return;
  }
  m_.current = chosen;
}

void StepRunner::wake_sleepers() {
  for (Thread& t : m_.threads) {
    if (t.state == ThreadState::Sleeping && static_cast<std::uint64_t>(t.wait.id) <= m_.tick) {
      t.state = ThreadState::Runnable;
      t.wait = WaitInfo{};
    }
  }
}

void StepRunner::report_deadlock() {
  std::string message = "deadlock: ";
  bool first = true;
  for (const Thread& t : m_.threads) {
    if (t.state != ThreadState::Blocked) continue;
    if (!first) message += "; ";
    first = false;
    message += "thread " + std::to_string(t.id) + " (" + p_.procs[t.entry_proc].name + ") waits for " +
               t.wait.text();
  }
  DvmError error{ErrorKind::TimeViolation, std::move(message)};
  ev_.kind = StepKind::Failed;
  ev_.error = error;
  m_.outcome.status = MachineStatus::Failed;
  m_.outcome.error = std::move(error);
  m_.outcome.error_thread = ev_.thread;
  m_.outcome.carries_context = false;
}

// Runs after most unlocks of a contended mutex, where which threads wait
// is up to the seeded picks: so each thread is tested without a branch,
// 64 threads at a time into a mask, and then only the threads the mask
// names are woken, each woken wait cleared in place to the empty WaitInfo
// (a mutex wait's text is made only when read, so there is rarely one to
// clear). Tested and woken in one loop, without a branch, every thread
// would be written, woken or not.
void Machine::wake_waiters(WaitKind kind, std::int64_t id) {
  std::uint64_t woken_bits = 0;  // bit t % 64: thread t woke (the record's bits name only ids below 64)
  std::uint64_t woken_count = 0;
  Thread* const end = std::to_address(threads.end());
  for (Thread* chunk = threads.data(); chunk != end;) {
    Thread* const stop = end - chunk > 64 ? chunk + 64 : end;
    std::uint64_t mask = 0;  // bit i: chunk[i] wakes; filled from the last thread down, a shift each
    for (const Thread* t = stop; t != chunk;) {
      --t;
      const bool wakes = (t->state == ThreadState::Blocked) & (t->wait.kind == kind) & (t->wait.id == id);
      mask = mask << 1 | std::uint64_t{wakes};
      woken_count += wakes ? 1 : 0;
    }
    woken_bits |= mask;
    for (; mask != 0; mask &= mask - 1) {
      Thread& t = chunk[std::countr_zero(mask)];
      t.state = ThreadState::Runnable;
      t.wait.kind = WaitKind::None;
      t.wait.id = 0;
      t.wait.holder = -1;
      if (!t.wait.description.empty()) [[unlikely]] t.wait.description.clear();
    }
    chunk = stop;
  }
  WokenThreads& woken = woken_threads;
  if (woken.machine == this) {
    woken.bits |= woken_bits;
    woken.count += woken_count;
  }
}

}  // namespace dust

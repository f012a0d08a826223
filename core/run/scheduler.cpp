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
// is up to the seeded picks: each thread's fields are computed with a mask,
// not branched on (GCC turned the plain `wakes ? a : b` of the state into
// a branch, which missed on a third of the wakes), and a woken wait is
// cleared in place to the empty WaitInfo (a mutex wait's text is made only
// when read, so there is rarely one to clear). Runnable and WaitKind::None
// are 0, so masking a field to 0 is setting it to them.
void Machine::wake_waiters(WaitKind kind, std::int64_t id) {
  static_assert(static_cast<int>(ThreadState::Runnable) == 0 && static_cast<int>(WaitKind::None) == 0);
  // Counted here and added to woken_threads once: stores to the threads
  // inside the loop would otherwise make the compiler keep the record in
  // memory, a load and a store a thread.
  std::uint64_t woken_bits = 0;
  std::uint64_t woken_count = 0;
  std::size_t index = 0;
  for (Thread& t : threads) {
    const bool wakes = (t.state == ThreadState::Blocked) & (t.wait.kind == kind) & (t.wait.id == id);
    woken_bits |= std::uint64_t{wakes} << (index++ & 63);
    woken_count += wakes ? 1 : 0;
    const std::uint64_t keep = static_cast<std::uint64_t>(wakes) - 1;  // all ones unless it wakes
    t.state = static_cast<ThreadState>(static_cast<std::uint8_t>(t.state) & static_cast<std::uint8_t>(keep));
    t.wait.kind = static_cast<WaitKind>(static_cast<std::uint8_t>(t.wait.kind) & static_cast<std::uint8_t>(keep));
    t.wait.id = static_cast<std::int64_t>(static_cast<std::uint64_t>(t.wait.id) & keep);
    t.wait.holder = static_cast<std::int64_t>(static_cast<std::uint64_t>(t.wait.holder) | ~keep);  // -1 when it wakes
    if (wakes & !t.wait.description.empty()) [[unlikely]] t.wait.description.clear();
  }
  WokenThreads& woken = woken_threads;
  if (woken.machine == this) {
    woken.bits |= woken_bits;
    woken.count += woken_count;
  }
}

}  // namespace dust

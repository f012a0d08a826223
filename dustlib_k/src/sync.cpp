// sync.cpp — dustlib_k's sync module: deterministic mutexes.
//
//   mutex_new() -> Int         a new unlocked mutex; ids count from 1     (alias new_mutex)
//   mutex_lock(m)              takes m, or waits for it                   (alias lock)
//   mutex_unlock(m)            releases m                                 (alias unlock)
//   mutex_try_lock(m) -> Bool  takes m if it is free, never waits         (alias try_lock)
//
// Mutexes are fair: waiters queue in arrival order and unlock hands the
// mutex straight to the longest waiter, so a thread that unlocks and locks
// again in a loop cannot starve the others, and which thread gets the lock
// next depends only on the order threads arrived, which the scheduler seed
// decides. A waiting thread is blocked with WaitInfo `mutex <m> (held by
// thread <t>)`, which is what a deadlock report shows. Unlock wakes every
// thread waiting on the mutex (core wakes by mutex id); those that were not
// handed the lock find so on their retry and wait again without a second
// MutexWait event. KState::lock_pending tells a retry (the thread queued
// for the mutex) from a fresh call.
//
// Errors (ConstraintFailure): `unknown mutex: <m>`; unlocking a mutex the
// caller does not hold: `mutex <m> not held by thread <tid>`; locking a
// mutex the caller already holds: `mutex <m> already held by thread <tid>`
// (these mutexes are not recursive, and waiting on oneself could never
// end). try_lock on a mutex the caller holds returns false, as
// pthread_mutex_trylock does. A mutex still held at the end of a run is an
// exit warning.
#include <charconv>

#include "arguments.hpp"
#include "lib_events.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "modules.hpp"

namespace dust::k {

namespace {

// The error for a mutex argument mutex_arg refuses: kept out of line, so
// that the usual call (an Int naming a mutex) builds no result it drops.
[[gnu::noinline]] IntrinsicResult bad_mutex_arg(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t id = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int mutex id", id)) return *bad;
  return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "unknown mutex: " + std::to_string(id));
}

// The mutex `id` names, or null when it names none; mutex_arg asks it of
// argument 0 (bad_mutex_arg then gives the error).
MutexState* mutex_of(Machine& machine, std::int64_t id) {
  std::vector<MutexState>& mutexes = machine.k.mutexes;
  if (id < 1 || static_cast<std::uint64_t>(id) > mutexes.size()) return nullptr;
  return &mutexes[static_cast<std::size_t>(id - 1)];
}

MutexState* mutex_arg(IntrinsicContext& ctx, std::span<const Value> args) {
  return args[0].is_int() ? mutex_of(ctx.machine, args[0].as_int()) : nullptr;
}

// The wait for `mutex`, for both entries. No text is made here: a
// contended mutex blocks a thread on most retries, and WaitInfo::text()
// spells the wait out from its holder when read.
IntrinsicResult::Wait mutex_wait(const MutexState& mutex) { return {WaitKind::Mutex, mutex.id, mutex.owner}; }

// The full entry's block result, filled in place, not moved from a
// WaitInfo: a waiting thread's retries make this most calls of a
// contended lock.
IntrinsicResult waiting_for(const IntrinsicResult::Wait& wait) {
  IntrinsicResult r;
  r.status = IntrinsicResult::Status::Block;
  r.wait = wait;
  return r;
}

IntrinsicResult mutex_new(IntrinsicContext& ctx, std::span<const Value>) {
  std::vector<MutexState>& mutexes = ctx.machine.k.mutexes;
  MutexState mutex;
  mutex.id = static_cast<std::int64_t>(mutexes.size()) + 1;
  mutexes.push_back(mutex);
  emit(ctx, LibEventKind::MutexNew, mutex.id);
  return IntrinsicResult::of(Value::integer(mutex.id));
}

// Whether `thread`'s mutex_lock(m) is a retry: it queued for m and has
// not taken it yet.
bool is_retry(const Machine& machine, std::uint32_t thread, const MutexState& mutex) {
  return machine.k.lock_pending.mutex_for(thread) == mutex.id;
}

// The ends of a wait: the caller joins m's queue, and later takes m on
// the retry unlock handed it to. Out of line, and answering for lock(),
// which calls them last and needs nothing of its own after them: so
// lock() saves no register, and most calls of a contended lock, retries
// that find m went to another thread, run only its few tests.
[[gnu::noinline]] QuickResult queue(Machine& machine, std::uint32_t thread, MutexState& mutex,
                                    IntrinsicResult::Wait& wait) {
  mutex.waiters.push_back(thread);
  machine.k.lock_pending.set(thread, mutex.id);
  wait = mutex_wait(mutex);
  return QuickResult::block();
}

[[gnu::noinline]] QuickResult take_after_wait(Machine& machine, std::uint32_t thread) {
  machine.k.lock_pending.erase(thread);
  return QuickResult::unit();
}

// mutex_lock(m), the rule both of its entries follow (the full one and
// the quick one), answered as the quick entry answers: Unit when the
// caller took m (it was free, or unlock handed it to this retry), Block
// when the caller waits for m (on the wait lock() fills: it joined m's
// queue, or this retry found m went to a thread ahead of it), and Refused
// when the caller holds m already (an error; nothing changed). The full
// entry tells a retry from a fresh call itself (is_retry).
[[gnu::always_inline]] inline QuickResult lock(Machine& machine, std::uint32_t thread, MutexState& mutex,
                                              IntrinsicResult::Wait& wait) {
  const std::int64_t self = thread;
  if (is_retry(machine, thread, mutex)) {
    // A retry after a wake-up: either unlock handed us the mutex, or it went
    // to a thread ahead of us in the queue.
    if (mutex.owner != self) {
      wait = mutex_wait(mutex);
      return QuickResult::block();
    }
    return take_after_wait(machine, thread);
  }
  if (mutex.owner == self) return QuickResult::refused();
  if (mutex.owner < 0) {
    mutex.owner = self;
    return QuickResult::unit();
  }
  return queue(machine, thread, mutex, wait);
}

IntrinsicResult mutex_lock(IntrinsicContext& ctx, std::span<const Value> args) {
  MutexState* mutex = mutex_arg(ctx, args);
  if (mutex == nullptr) [[unlikely]] return bad_mutex_arg(ctx, args);
  const bool retry = is_retry(ctx.machine, ctx.thread, *mutex);
  IntrinsicResult::Wait wait;
  switch (lock(ctx.machine, ctx.thread, *mutex, wait).status) {
    case QuickResult::Status::Unit:
      emit(ctx, LibEventKind::MutexLock, mutex->id);
      return IntrinsicResult::unit();
    case QuickResult::Status::Block:
      // Only the first wait is an event: a retry waits on quietly.
      if (!retry) emit(ctx, LibEventKind::MutexWait, mutex->id, mutex->owner);
      return waiting_for(wait);
    default:
      break;
  }
  return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "mutex " + std::to_string(mutex->id) +
                                                                 " already held by thread " + std::to_string(ctx.thread));
}

// A thread whose pending lock the table does not hold (an id from
// PendingLocks::kTabled up) is left to the full entry: with only the
// table to ask, this entry calls nothing but lock()'s ends, which answer
// for it, so it needs no stack frame.
QuickResult quick_mutex_lock(QuickCall& call, const std::int64_t* args) {
  MutexState* mutex = mutex_of(call.machine, args[0]);
  if (mutex == nullptr || call.thread >= PendingLocks::kTabled) return QuickResult::refused();
  return lock(call.machine, call.thread, *mutex, call.wait);
}

// Releases m when the caller holds it (else false, and nothing changed):
// the first waiter gets it, and every waiter wakes to retry.
bool unlock(Machine& machine, std::uint32_t thread, MutexState& mutex) {
  if (mutex.owner != static_cast<std::int64_t>(thread)) return false;
  if (mutex.waiters.empty()) {
    mutex.owner = -1;
    return true;
  }
  mutex.owner = mutex.waiters.front();
  mutex.waiters.erase(mutex.waiters.begin());
  machine.wake_waiters(WaitKind::Mutex, mutex.id);
  return true;
}

IntrinsicResult mutex_unlock(IntrinsicContext& ctx, std::span<const Value> args) {
  MutexState* mutex = mutex_arg(ctx, args);
  if (mutex == nullptr) [[unlikely]] return bad_mutex_arg(ctx, args);
  if (!unlock(ctx.machine, ctx.thread, *mutex)) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "mutex " + std::to_string(mutex->id) +
                                                                   " not held by thread " + std::to_string(ctx.thread));
  }
  emit(ctx, LibEventKind::MutexUnlock, mutex->id);
  return IntrinsicResult::unit();
}

QuickResult quick_mutex_unlock(QuickCall& call, const std::int64_t* args) {
  MutexState* mutex = mutex_of(call.machine, args[0]);
  if (mutex == nullptr || !unlock(call.machine, call.thread, *mutex)) return QuickResult::refused();
  return QuickResult::unit();
}

IntrinsicResult mutex_try_lock(IntrinsicContext& ctx, std::span<const Value> args) {
  MutexState* mutex = mutex_arg(ctx, args);
  if (mutex == nullptr) [[unlikely]] return bad_mutex_arg(ctx, args);
  if (mutex->owner >= 0) {
    emit(ctx, LibEventKind::MutexTryFail, mutex->id);
    return IntrinsicResult::of(Value::boolean(false));
  }
  mutex->owner = ctx.thread;
  emit(ctx, LibEventKind::MutexLock, mutex->id);
  return IntrinsicResult::of(Value::boolean(true));
}

// Whether mutex_lock(m) could block: only when m is held by another thread.
// Anything unusual answers yes, which only keeps the lane away.
bool mutex_lock_may_block(const Machine& machine, std::uint32_t thread, std::span<const Value> args) {
  if (args.size() != 1 || !args[0].is_int()) return true;
  const std::int64_t id = args[0].as_int();
  const std::vector<MutexState>& mutexes = machine.k.mutexes;
  if (id < 1 || static_cast<std::uint64_t>(id) > mutexes.size()) return true;
  const std::int64_t owner = mutexes[static_cast<std::size_t>(id - 1)].owner;
  return owner >= 0 && owner != static_cast<std::int64_t>(thread);
}

}  // namespace

// Every sync call may run in the simple-step lane: each decides its errors
// before it changes anything (see LaneUse).
void register_sync(IntrinsicTable& table) {
  table.add(in_lane({"sync", "mutex_new", mutex_new, 0, 0}, LaneUse::Yes), {"new_mutex"});
  table.add(with_quick(in_lane({"sync", "mutex_lock", mutex_lock, 1, 1}, LaneUse::MayBlock, mutex_lock_may_block),
                       quick_mutex_lock),
            {"lock"});
  table.add(with_quick(in_lane({"sync", "mutex_unlock", mutex_unlock, 1, 1}, LaneUse::Yes), quick_mutex_unlock),
            {"unlock"});
  table.add(in_lane({"sync", "mutex_try_lock", mutex_try_lock, 1, 1}, LaneUse::Yes), {"try_lock"});
}

}  // namespace dust::k

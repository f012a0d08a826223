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

// The mutex argument 0 names, or null when it names none (bad_mutex_arg
// then gives the error).
MutexState* mutex_arg(IntrinsicContext& ctx, std::span<const Value> args) {
  if (!args[0].is_int()) return nullptr;
  const std::int64_t id = args[0].as_int();
  std::vector<MutexState>& mutexes = ctx.machine.k.mutexes;
  if (id < 1 || static_cast<std::uint64_t>(id) > mutexes.size()) return nullptr;
  return &mutexes[static_cast<std::size_t>(id - 1)];
}

// No text is made here: a contended mutex blocks a thread on most retries,
// and WaitInfo::text() spells the wait out from its holder when read.
// The result is filled in place, not moved from a WaitInfo: a waiting
// thread's retries make this most calls of a contended lock.
IntrinsicResult waiting_for(const MutexState& mutex) {
  IntrinsicResult r;
  r.status = IntrinsicResult::Status::Block;
  r.wait.kind = WaitKind::Mutex;
  r.wait.id = mutex.id;
  r.wait.holder = mutex.owner;
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

IntrinsicResult mutex_lock(IntrinsicContext& ctx, std::span<const Value> args) {
  MutexState* mutex = mutex_arg(ctx, args);
  if (mutex == nullptr) [[unlikely]] return bad_mutex_arg(ctx, args);
  std::int64_t self = ctx.thread;
  auto& pending = ctx.machine.k.lock_pending;
  // The thread's entry, if it queued: a scan of the few queued threads that
  // picks rather than branches (the thread holds at most one entry), where
  // the binary search's branches follow the seeded interleaving and miss.
  auto queued = pending.end();
  for (auto it = pending.begin(); it != pending.end(); ++it) queued = it->first == ctx.thread ? it : queued;
  if (queued != pending.end() && queued->second == mutex->id) {
    // A retry after a wake-up: either unlock handed us the mutex, or it went
    // to a thread ahead of us in the queue.
    if (mutex->owner != self) return waiting_for(*mutex);
    pending.erase(queued);
    emit(ctx, LibEventKind::MutexLock, mutex->id);
    return IntrinsicResult::unit();
  }
  if (mutex->owner == self) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "mutex " + std::to_string(mutex->id) +
                                                                   " already held by thread " + std::to_string(self));
  }
  if (mutex->owner < 0) {
    mutex->owner = self;
    emit(ctx, LibEventKind::MutexLock, mutex->id);
    return IntrinsicResult::unit();
  }
  mutex->waiters.push_back(ctx.thread);
  pending.set(ctx.thread, mutex->id);
  emit(ctx, LibEventKind::MutexWait, mutex->id, mutex->owner);
  return waiting_for(*mutex);
}

IntrinsicResult mutex_unlock(IntrinsicContext& ctx, std::span<const Value> args) {
  MutexState* mutex = mutex_arg(ctx, args);
  if (mutex == nullptr) [[unlikely]] return bad_mutex_arg(ctx, args);
  if (mutex->owner != static_cast<std::int64_t>(ctx.thread)) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "mutex " + std::to_string(mutex->id) +
                                                                   " not held by thread " + std::to_string(ctx.thread));
  }
  emit(ctx, LibEventKind::MutexUnlock, mutex->id);
  if (mutex->waiters.empty()) {
    mutex->owner = -1;
    return IntrinsicResult::unit();
  }
  mutex->owner = mutex->waiters.front();
  mutex->waiters.erase(mutex->waiters.begin());
  ctx.machine.wake_waiters(WaitKind::Mutex, mutex->id);
  return IntrinsicResult::unit();
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
  table.add(in_lane({"sync", "mutex_lock", mutex_lock, 1, 1}, LaneUse::MayBlock, mutex_lock_may_block), {"lock"});
  table.add(in_lane({"sync", "mutex_unlock", mutex_unlock, 1, 1}, LaneUse::Yes), {"unlock"});
  table.add(in_lane({"sync", "mutex_try_lock", mutex_try_lock, 1, 1}, LaneUse::Yes), {"try_lock"});
}

}  // namespace dust::k

// threading.cpp — dustlib_k's threading module: deterministic K-threads.
//
//   spawn(proc, seed, args…) -> Int   starts a thread running proc(args…); its id
//   join(tid) -> value                waits for the thread; what it returned (Unit for none)
//   yield()                           lets the scheduler pick another thread
//   sleep(ticks)                      waits until the logical clock reaches now + ticks
//
// Threads are the machine's (core runs and schedules them, §2.3); this
// module only decides what the calls mean. `proc` is a String naming a proc
// (the expression compiler turns a bare identifier in spawn's first
// argument into that String) and resolves like a call from the spawning
// proc: same forge, `forge::name`, then a unique proc of that name. Only K
// procs can be threads. The spawn seed is an Int recorded with the thread
// (Thread::spawn_seed and the ThreadSpawn event) for the program's own use;
// the interleaving is decided by the run's scheduler seed alone.
//
// A blocked call is re-run when its thread wakes, so join simply checks
// again, and sleep remembers its wake tick per thread in KState so the
// retry finishes instead of sleeping anew. sleep(0) returns at once.
//
// Errors: joining twice is ConstraintFailure `thread already joined: <tid>`;
// an id that names no spawned thread is `join: no thread <tid>`; a thread
// joining itself (`thread <tid> cannot join itself`) or joining the main
// thread (which ends the run when it returns, so the join could never
// finish) is refused rather than left to deadlock. At most 65536 threads.
#include "arguments.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "lib_events.hpp"
#include "modules.hpp"

namespace dust::k {

namespace {

constexpr std::size_t kMaxThreads = 65536;

// The proc `name` as a call from `from_proc` would find it, or -1.
std::int32_t resolve_proc(const Program& p, std::uint32_t from_proc, const std::string& name) {
  for (std::uint32_t pi : p.forges[p.procs[from_proc].forge].procs) {
    if (p.procs[pi].name == name) return static_cast<std::int32_t>(pi);
  }
  std::size_t sep = name.rfind("::");
  if (sep != std::string::npos) {
    std::string forge_name = name.substr(0, sep);
    std::string proc_name = name.substr(sep + 2);
    for (const Forge& forge : p.forges) {
      if (forge.name != forge_name) continue;
      for (std::uint32_t pi : forge.procs) {
        if (p.procs[pi].name == proc_name) return static_cast<std::int32_t>(pi);
      }
    }
  }
  std::int32_t found = -1;
  int matches = 0;
  for (std::size_t pi = 0; pi < p.procs.size(); ++pi) {
    if (p.procs[pi].name == name) {
      ++matches;
      found = static_cast<std::int32_t>(pi);
    }
  }
  return matches == 1 ? found : -1;
}

std::string thread_label(const Machine& m, std::uint32_t tid) {
  return "thread " + std::to_string(tid) + " (" + m.program().procs[m.threads[tid].entry_proc].name + ")";
}

IntrinsicResult thread_spawn(IntrinsicContext& ctx, std::span<const Value> args) {
  std::string name;
  std::int64_t seed = 0;
  if (auto bad = string_arg(ctx, args, 0, "a proc name", name)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int spawn seed", seed)) return *bad;
  Machine& m = ctx.machine;
  const Program& p = m.program();
  std::int32_t proc = resolve_proc(p, m.threads[ctx.thread].frames.back().proc, name);
  if (proc < 0) return IntrinsicResult::fail(ErrorKind::Runtime, "spawn: unknown proc: " + name);
  const Proc& target = p.procs[static_cast<std::uint32_t>(proc)];
  if (target.regime != Regime::K) {
    return IntrinsicResult::fail(ErrorKind::Runtime, "spawn: " + name + " is a " + regime_name(target.regime) +
                                                         "-regime proc; only K procs run as threads");
  }
  if (m.threads.size() >= kMaxThreads) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure,
                                 "spawn: thread limit reached (" + std::to_string(kMaxThreads) + " threads)");
  }
  std::vector<Value> thread_args(args.begin() + 2, args.end());
  std::uint32_t tid = 0;
  if (auto error = m.spawn_thread(static_cast<std::uint32_t>(proc), std::move(thread_args),
                                  static_cast<std::uint64_t>(seed), tid)) {
    return IntrinsicResult::failure(DvmError{error->kind, "spawn: " + error->message});
  }
  emit(ctx, LibEventKind::ThreadSpawn, tid, seed, 0, target.name);
  return IntrinsicResult::of(Value::integer(tid));
}

IntrinsicResult thread_join(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t id = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int thread id", id)) return *bad;
  Machine& m = ctx.machine;
  if (id < 0 || static_cast<std::uint64_t>(id) >= m.threads.size()) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "join: no thread " + std::to_string(id));
  }
  std::uint32_t tid = static_cast<std::uint32_t>(id);
  if (tid == ctx.thread) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "thread " + std::to_string(tid) + " cannot join itself");
  }
  if (tid == 0) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure,
                                 "join: thread 0 is the main thread; the run ends when it returns");
  }
  Thread& target = m.threads[tid];
  if (target.joined) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "thread already joined: " + std::to_string(tid));
  }
  if (target.state != ThreadState::Finished) {
    return IntrinsicResult::block(WaitInfo{WaitKind::Join, id, -1, thread_label(m, tid) + " to finish"});
  }
  target.joined = true;
  emit(ctx, LibEventKind::ThreadJoin, id);
  return IntrinsicResult::of(target.result ? *target.result : Value::unit());
}

IntrinsicResult thread_yield(IntrinsicContext& ctx, std::span<const Value>) {
  emit(ctx, LibEventKind::ThreadYield, ctx.thread);
  return IntrinsicResult::yield();
}

IntrinsicResult thread_sleep(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t ticks = 0;
  if (auto bad = count_arg(ctx, args, 0, "a non-negative Int tick count", ticks)) return *bad;
  Machine& m = ctx.machine;
  auto pending = m.k.sleep_until.find(ctx.thread);
  if (pending != m.k.sleep_until.end()) {
    std::uint64_t wake = pending->second;
    if (m.tick >= wake) {
      m.k.sleep_until.erase(pending);
      return IntrinsicResult::unit();
    }
    return IntrinsicResult::block(WaitInfo{WaitKind::Sleep, static_cast<std::int64_t>(wake), -1, "tick " + std::to_string(wake)});
  }
  if (ticks == 0) return IntrinsicResult::unit();
  std::uint64_t wake = m.tick + static_cast<std::uint64_t>(ticks);
  m.k.sleep_until[ctx.thread] = wake;
  emit(ctx, LibEventKind::ThreadSleep, static_cast<std::int64_t>(wake));
  return IntrinsicResult::block(WaitInfo{WaitKind::Sleep, static_cast<std::int64_t>(wake), -1, "tick " + std::to_string(wake)});
}

// Whether join(t) could block: unless t is a finished thread.
bool join_may_block(const Machine& machine, std::uint32_t, std::span<const Value> args) {
  if (args.size() != 1 || !args[0].is_int()) return true;
  const std::int64_t id = args[0].as_int();
  if (id < 0 || static_cast<std::uint64_t>(id) >= machine.threads.size()) return true;
  return machine.threads[static_cast<std::size_t>(id)].state != ThreadState::Finished;
}

}  // namespace

// spawn, join and yield may run in the simple-step lane: each decides its
// errors before it changes anything (see LaneUse). sleep stays out, since
// sleepers wake on the clock, which only step() watches.
void register_threading(IntrinsicTable& table) {
  table.add(in_lane({"threading", "spawn", thread_spawn, 2, -1}, LaneUse::Yes));
  table.add(in_lane({"threading", "join", thread_join, 1, 1}, LaneUse::MayBlock, join_may_block));
  table.add(in_lane({"threading", "yield", thread_yield, 0, 0}, LaneUse::Yes));
  table.add({"threading", "sleep", thread_sleep, 1, 1});
}

}  // namespace dust::k

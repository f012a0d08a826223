// lane_switching.cpp — the simple-step lane's plain run of many threads:
// one thread's step, then the scheduler's pick, over and over (see
// simple_steps.cpp for the lane and its rules, lane.hpp for why this run
// is a file of its own).
#include "lane.hpp"

namespace dust {

namespace {

// Many threads (not under a token or policy): every step is one thread's,
// then the scheduler's pick names the next. Threads are only ever added, so
// the run stays here to its end: the limit, a step the lane cannot take, or
// a call over the memory budget. Each thread keeps its lane, found by id;
// a thread gets one on its first turn, once lane_may_run agrees, and since
// only its own lane steps change its frames, and the lane never ends its
// last one, that answer stands for as long as the thread is picked.
std::uint64_t switch_lanes(Machine& m, std::uint64_t limit, std::uint64_t total, CallRoom& room, Picker& picker,
                           std::vector<std::unique_ptr<Lane>>& lanes) {
  while (total < limit) {
    const std::uint32_t tid = m.current;
    if (lanes.size() <= tid) lanes.resize(m.threads.size());
    Lane* lane = lanes[tid].get();
    if (lane == nullptr) [[unlikely]] {
      if (!lane_may_run(m, tid)) return total;
      lanes[tid] = std::make_unique<Lane>(m.program(), m.threads[tid].frames.back(), false, &room);
      lane = lanes[tid].get();
    }
    room.tid = tid;
    room.runnable = picker.runnable_count();
    if (!lane->step_once()) return total;
    ++total;
    ++m.steps;
    m.tick += 1 - lane->blocked();
    if (std::optional<DvmError>& over = lane->over_budget()) [[unlikely]] {
      StepEvent scratch;
      StepRunner(m, scratch, false).fail_thread(tid, std::move(*over));
      return total;
    }
    picker.after_step(m, lane->blocked() != 0);
    m.current = picker.pick(m);
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
  std::vector<std::unique_ptr<Lane>> lanes;  // by thread id, made on a thread's first turn
  return switch_lanes(m, limit, total, room, picker, lanes);
}

}  // namespace dust

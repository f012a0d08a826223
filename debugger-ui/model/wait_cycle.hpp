// wait_cycle.hpp — who waits for whom when a run deadlocks.
//
// Each blocked thread waits for a thread: the holder of the mutex it is
// locking, or the thread it is joining. At a deadlock some of these edges
// close a cycle; the timeline draws that cycle across the thread lanes at
// the failure, so the knot is seen, not only read in the message.
#pragma once

#include <cstdint>
#include <vector>

#include "dust/machine.hpp"

namespace dust::dbg {

struct WaitEdge {
  std::uint32_t waiter = 0;
  std::uint32_t holder = 0;
  WaitKind kind = WaitKind::Mutex;
  std::int64_t id = 0;  // the mutex id, or the joined thread
};

// The wait-for edges of `machine` that lie on a cycle, in the cycle's
// order starting from the lowest thread id; empty when nothing is stuck
// in a cycle.
std::vector<WaitEdge> wait_for_cycle(const Machine& machine);

}  // namespace dust::dbg

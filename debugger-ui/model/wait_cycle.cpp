// wait_cycle.cpp — finding the cycle in the wait-for graph.
#include "model/wait_cycle.hpp"

#include <algorithm>
#include <optional>

namespace dust::dbg {

namespace {

// The edge leaving thread `t`, if it is blocked on something a thread holds.
std::optional<WaitEdge> edge_of(const Machine& m, const Thread& t) {
  if (t.state != ThreadState::Blocked) return std::nullopt;
  if (t.wait.kind == WaitKind::Join) {
    if (t.wait.id < 0 || static_cast<std::size_t>(t.wait.id) >= m.threads.size()) return std::nullopt;
    return WaitEdge{t.id, static_cast<std::uint32_t>(t.wait.id), WaitKind::Join, t.wait.id};
  }
  if (t.wait.kind == WaitKind::Mutex) {
    if (t.wait.id < 1 || static_cast<std::size_t>(t.wait.id) > m.k.mutexes.size()) return std::nullopt;
    std::int64_t owner = m.k.mutexes[static_cast<std::size_t>(t.wait.id - 1)].owner;
    if (owner < 0 || static_cast<std::size_t>(owner) >= m.threads.size()) return std::nullopt;
    return WaitEdge{t.id, static_cast<std::uint32_t>(owner), WaitKind::Mutex, t.wait.id};
  }
  return std::nullopt;
}

}  // namespace

std::vector<WaitEdge> wait_for_cycle(const Machine& machine) {
  // Each thread has at most one outgoing edge, so following edges from a
  // thread either stops or enters the one cycle reachable from it.
  std::vector<std::optional<WaitEdge>> out(machine.threads.size());
  for (const Thread& t : machine.threads) {
    if (t.id < out.size()) out[t.id] = edge_of(machine, t);
  }
  for (std::uint32_t start = 0; start < out.size(); ++start) {
    // Walk at most n edges; a thread met twice is on a cycle.
    std::vector<int> seen(out.size(), -1);
    std::uint32_t t = start;
    for (int hop = 0; out[t] && seen[t] < 0; ++hop) {
      seen[t] = hop;
      t = out[t]->holder;
    }
    if (!out[t] || seen[t] < 0) continue;
    // t is on a cycle: list it from its lowest thread id.
    std::uint32_t lowest = t;
    for (std::uint32_t u = out[t]->holder; u != t; u = out[u]->holder) lowest = std::min(lowest, u);
    std::vector<WaitEdge> cycle;
    std::uint32_t u = lowest;
    do {
      cycle.push_back(*out[u]);
      u = out[u]->holder;
    } while (u != lowest);
    return cycle;
  }
  return {};
}

}  // namespace dust::dbg

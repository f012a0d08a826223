// machine_hash.hpp — a canonical 128-bit hash of a machine's state.
//
// Two machines that would behave the same from here on, whatever the
// scheduler does next, hash the same: the hash covers every field of the
// state (threads, frames and evaluations, the clock, the effects, the Q
// table, Φ witnesses, the K library's state, the outcome) by value —
// strings by their bytes, heap values by their contents, never a host
// address — and leaves out:
//   - what says how the next thread is picked (the configuration,
//     `current`, the seeded PRNG);
//   - the step counter and the step a block was freed at: how many steps
//     led to a state differs between interleavings that reach it (a thread
//     that tried a held lock once more), and nothing the program computes
//     or prints depends on it. Only a leak report quotes a step (the
//     allocation's, which is hashed), so of two states that differ in
//     their step counter alone, a leak report of a block allocated later
//     may quote either's step numbers;
//   - the values of dead variables: a slot that every path from a frame's
//     position writes before it reads (a liveness analysis of the K procs
//     made once per program) counts only as bound or unbound, so `v` loaded
//     in an earlier round of a loop does not tell two states apart.
// Logical time is hashed: sleepers wake on it. The explorers use the hash
// to never explore a visited state twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dust {

class Machine;
struct Program;

struct MachineHash {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend bool operator==(const MachineHash&, const MachineHash&) = default;
};

// Hashes machines of one program; the liveness analysis is made once, here.
class MachineHasher {
 public:
  explicit MachineHasher(const Program& program);
  MachineHash operator()(const Machine& machine) const;
  // The same hash with only effects [effects_from, end) hashed by content
  // (their count always is): a recorder that hashes the machine every so
  // many steps and chains the results covers every effect once, instead of
  // hashing the whole output again each time.
  MachineHash operator()(const Machine& machine, std::size_t effects_from) const;

  // The live slots before a statement (block, index) of a K proc; index may
  // be the block's length (its end). Empty when the proc was not analysed.
  struct Liveness {
    static constexpr std::size_t kNone = SIZE_MAX;
    std::vector<std::size_t> block_offset;  // per block: the word where its (count + 1) sets start, or kNone
    std::vector<std::size_t> check_offset;  // per statement: the word of its loop check's set, or kNone
    std::vector<std::uint32_t> words;       // per block: words per set (its proc's slots / 64, rounded up)
    std::vector<std::uint64_t> bits;
  };

 private:
  const Program& program_;
  Liveness live_;
};

// One machine, without reusing the analysis: for tests and one-off uses.
MachineHash machine_hash(const Machine& machine);

}  // namespace dust

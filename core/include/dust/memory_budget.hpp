// memory_budget.hpp — what a running program owns, counted against one limit.
//
// `--max-memory` bounds everything a program can make grow, not only the
// heap: freed-block records (addresses are never reused, so they are kept
// forever), the effect log, the file world and its open files, threads and
// their frames, mutexes, the Q table, Φ witnesses, the unsafe log and the
// strings intrinsics make. When the count passes the limit the step that
// passed it fails with Runtime `memory budget exceeded: <what> (limit <n>
// bytes)`, so a recording keeps every step up to it.
//
// Each kind is counted as its payload bytes plus a fixed cost per record,
// never as what the host's allocator happens to spend. The count is then
// the same on every machine, and a run that exceeds the budget fails at the
// same step wherever it is run or replayed.
//
// Most of the count is read off sizes the state already keeps (the heap's
// live bytes, how many blocks, mutexes, files...). Four parts are kept
// as running totals because summing them would cost a walk of the state
// per step: the bytes of file contents (kept by dustlib_k's io as it
// changes them), the bytes of frames (kept by the call rules) and the bytes
// of effects (summed over the effects appended since the last count), and
// the number of live heap blocks (kept by dustlib_k's memory).
// recount_memory() rebuilds them from the state after a machine is
// restored from a snapshot.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "dust/error.hpp"

namespace dust {

class Machine;
struct Proc;

// The default limit, before the host's share caps it (default_memory_limit()).
inline constexpr std::uint64_t kDefaultMaxMemory = std::uint64_t{4} << 30;

// The fixed cost of one record of each kind, on top of its payload bytes.
inline constexpr std::uint64_t kHeapBlockRecordBytes = 64;
inline constexpr std::uint64_t kStrayByteRecordBytes = 48;
inline constexpr std::uint64_t kEffectRecordBytes = 64;
inline constexpr std::uint64_t kFileRecordBytes = 96;
inline constexpr std::uint64_t kThreadRecordBytes = 160;
inline constexpr std::uint64_t kFrameRecordBytes = 160;
inline constexpr std::uint64_t kMutexRecordBytes = 64;
inline constexpr std::uint64_t kQResourceRecordBytes = 96;
inline constexpr std::uint64_t kSmallRecordBytes = 64;  // witnesses, unsafe log, ports, device cells

enum class MemoryKind : std::uint8_t {
  Heap,           // live block contents and live block records
  FreedBlocks,    // records of freed blocks and stray bytes
  Effects,
  Files,          // file contents, paths and open-file records
  Threads,        // threads and their frames
  Mutexes,
  QResources,
  Other,          // Φ witnesses, the unsafe log, ports and device cells
  Count
};

// How a kind is named in `memory budget exceeded: <what>`.
const char* memory_kind_name(MemoryKind kind);

struct MemoryUse {
  std::array<std::uint64_t, static_cast<std::size_t>(MemoryKind::Count)> bytes{};
  std::uint64_t& operator[](MemoryKind k) { return bytes[static_cast<std::size_t>(k)]; }
  std::uint64_t operator[](MemoryKind k) const { return bytes[static_cast<std::size_t>(k)]; }
  std::uint64_t total() const;
};

// The running totals a Machine keeps for its count (see the header comment).
// They are derived from the state, not part of it: a snapshot leaves them
// out and recount_memory() restores them.
struct MemoryAccount {
  std::uint64_t file_bytes = 0;      // sum of the file world's contents and paths
  std::uint64_t frame_bytes = 0;     // sum of frame_cost() over every live frame
  std::uint64_t live_blocks = 0;     // heap blocks not yet freed (kept by dustlib_k's memory)
  std::size_t effects_counted = 0;   // effects[0..effects_counted) are in effect_bytes
  std::uint64_t effect_bytes = 0;
};

// The cost of one frame of `proc`: its record and its slots.
std::uint64_t frame_cost(const Proc& proc);

// Counts what `machine` owns now (bringing the effect total up to date).
MemoryUse count_memory(Machine& machine);

// Rebuilds the running totals from the state, for a machine restored from
// a snapshot or built by hand.
void recount_memory(Machine& machine);

// The error of a step that took the count past --max-memory (naming the
// largest kind), or nothing while it is within it or there is no limit.
std::optional<DvmError> over_memory_budget(Machine& machine);

// The kind that holds the most, named in the error: what a runaway program
// piles up is what its budget went on.
MemoryKind largest_kind(const MemoryUse& use);

// `memory budget exceeded: <what> (limit <n> bytes)`.
std::string memory_budget_message(const std::string& what, std::uint64_t limit);

// kDefaultMaxMemory, or half the host's physical memory when that is less.
// Only the command line asks: the limit a run used is part of its config
// and its recording, so a replay elsewhere uses the same one.
std::uint64_t default_memory_limit();

}  // namespace dust

// block_summary.hpp — what a block of steps touched, kept beside it.
//
// Queries read summaries first and decode only the blocks that matter:
// "last write to x" skips blocks whose filter says x was not written (and,
// for a frame above the thread's first, blocks that could not hold the
// call that made it: least_call_depth, format version 2), a
// timeline lane over ten million steps draws most blocks from their
// per-thread activity counts without decoding them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "byte_io.hpp"
#include "dust/machine.hpp"
#include "step_codec.hpp"

namespace dust::rec {

enum BlockFlag : std::uint32_t {
  kBlockEffects = 1u << 0,
  kBlockQ = 1u << 1,
  kBlockPhi = 1u << 2,
  kBlockLib = 1u << 3,
  kBlockError = 1u << 4,
  kBlockMemory = 1u << 5,    // allocations, frees, reallocations
  kBlockIoOpen = 1u << 6,    // files opened (realize-mode inputs live here)
  kBlockMutex = 1u << 7,
  kBlockThreads = 1u << 8,   // some thread changed state
  kBlockWrites = 1u << 9,
};

// One thread's part of a block. Threads that neither ran nor changed state
// in a block are not listed: they kept the state they ended the last
// listed block with.
struct ThreadSpan {
  std::uint32_t thread = 0;
  bool existed_at_start = true;
  std::uint64_t appeared = 0;              // first step it existed, if it appeared in the block
  ThreadState start_state = ThreadState::Runnable;
  std::string start_wait;
  ThreadState end_state = ThreadState::Runnable;
  std::string end_wait;
  std::uint64_t running = 0, runnable = 0, blocked = 0, sleeping = 0, finished = 0;  // steps
  std::uint32_t segments = 0;              // activity changes, for folded counts
  std::uint32_t first_stmt = kNoStmt;      // statement of its first step in the block
  // Version 2: the least frame depth from which it entered a user proc in
  // the block (kNoCall if it entered none), so a search for the call that
  // created frame D skips blocks whose calls were all from D or deeper.
  // Read from a version 1 trace as 0: any block it ran in may hold one.
  std::uint32_t least_call_depth = 0;
};

inline constexpr std::uint32_t kNoCall = 0xffffffffu;

struct MutexSpan {
  std::int64_t id = 0;
  std::int64_t start_owner = -1;
  std::uint32_t start_waiters = 0;
  std::int64_t end_owner = -1;
  std::vector<std::uint32_t> end_waiters;
  bool contended = false;
  std::uint32_t changes = 0;
};

struct BlockSummary {
  std::uint64_t first_step = 0;
  std::uint64_t step_count = 0;
  std::uint64_t tick_first = 0;  // tick before the first step
  std::uint64_t tick_last = 0;   // tick after the last step
  std::uint64_t raw_bytes = 0;   // the block's deltas before compression
  std::uint32_t flags = 0;
  std::uint32_t effects = 0;
  std::uint32_t threads_at_end = 0;
  std::vector<ThreadSpan> threads;
  std::vector<MutexSpan> mutexes;
  std::array<std::uint64_t, 8> filter{};  // 512-bit Bloom filter of slots and memory words written
  // Version 3: the scheduler's PRNG state and every thread's state (a
  // ThreadState each) before the first step, from which the step decoder
  // forecasts each step's thread (thread_forecast.hpp).
  std::uint64_t sched_rng = 0;
  std::vector<std::uint8_t> sched_states;

  std::uint64_t end_step() const { return first_step + step_count; }
  bool may_write_slot(std::uint32_t proc, std::uint32_t slot) const;
  bool may_write_slot(std::uint32_t thread, std::uint32_t proc, std::uint32_t slot) const;
  bool may_write_memory(std::int64_t address) const;
  const ThreadSpan* thread(std::uint32_t tid) const;
  const MutexSpan* mutex(std::int64_t id) const;
};

void write_summary(ByteWriter& w, const BlockSummary& s);

// Starts decoding the block `s` summarises.
inline void begin_decoding(StepDecoder& decoder, const BlockSummary& s) {
  decoder.begin_block(s.first_step, s.tick_first, s.threads_at_end, s.sched_rng, s.sched_states);
}
// `version`: the trace's format version (version 1 summaries lack least_call_depth).
bool read_summary(ByteReader& in, BlockSummary& s, std::uint32_t version);

// Builds a block's summary from the machine at its start and its steps.
class SummaryBuilder {
 public:
  SummaryBuilder() = default;
  void begin(const Machine& machine, std::uint64_t first_step) { begin(machine, first_step, machine.tick); }
  // A block that starts inside a batch of simple steps: the machine is as
  // after the batch, which differs from the block's start only in the step
  // count, the tick and the running thread's own frame, so the first step
  // and tick are given and the threads' and mutexes' states read from it.
  void begin(const Machine& machine, std::uint64_t first_step, std::uint64_t tick);
  // `new_keys`: the slots the encoder saw written for the first time in the block.
  void add(const StepEvent& event, std::span<const ThreadChange> threads, std::span<const MutexChange> mutexes,
           const std::vector<WrittenKey>& new_keys);
  // A plain step (StepEncoder::encode returned true): the same thread as
  // the step before, one tick, and at most a write to a slot already in the
  // filter. Such steps are only counted here and folded in later.
  void add_plain(std::uint64_t steps = 1) { plain_ += steps; }
  BlockSummary finish(std::uint64_t raw_bytes);
  std::uint64_t steps() const { return summary_.step_count + plain_; }

 private:
  struct ThreadWork {
    bool listed = false;
    bool existed = true;
    std::uint64_t appeared = 0;
    ThreadState start_state = ThreadState::Runnable;
    std::string start_wait;
    ThreadState state = ThreadState::Runnable;
    std::string wait;
    std::uint64_t since = 0;
    std::array<std::uint64_t, 4> time{};  // steps spent in each ThreadState
    std::uint64_t running = 0;
    std::uint32_t segments = 0;
    std::uint32_t first_stmt = kNoStmt;
    std::uint32_t least_call_depth = kNoCall;
  };
  struct MutexWork {
    bool listed = false;
    MutexSpan span;
  };
  // A thread's work, listed; threads not seen yet appear at `appeared`.
  ThreadWork& thread(std::uint32_t tid, std::uint64_t appeared) {
    if (tid >= threads_.size()) [[unlikely]] add_threads(tid, appeared);
    ThreadWork& w = threads_[tid];
    w.listed = true;
    return w;
  }
  void add_threads(std::uint32_t tid, std::uint64_t appeared);
  MutexWork& mutex(std::int64_t id);
  void add_lib(const StepEvent& event);

  BlockSummary summary_;
  std::vector<ThreadWork> threads_;
  std::vector<MutexWork> mutexes_;  // by id - 1
  void fold_plain();

  std::uint32_t previous_thread_ = 0xffffffffu;
  std::uint64_t plain_ = 0;  // plain steps not yet folded in
};

}  // namespace dust::rec

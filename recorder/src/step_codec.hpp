// step_codec.hpp — step deltas: how one StepEvent becomes a few bytes.
//
// Each step is a head byte (kind; whether the statement, the thread and the
// tick advance are the predicted ones; whether writes or extras follow),
// then only what the predictions missed. Statements are predicted from the
// statement that followed the thread's previous statement last time, so a
// loop costs no statement bytes. Int writes are predicted per (proc, slot)
// from the last two values written there (delta of delta), so a counter
// costs one byte. All predictor state is reset at the start of each block,
// which makes every block decodable on its own.
//
// Thread and mutex state changes (a thread blocking, waking, finishing; a
// mutex changing owner or waiters) are not in the StepEvent; the encoder
// observes them on the machine after the step and records them with it, so
// timeline lanes come from the deltas alone.
//
// The encoding is prefix-free and deterministic: replay re-encodes each
// replayed step and compares bytes with the recording.
//
// Format version 3 forecasts the thread of each step as the run's scheduler
// picks it (thread_forecast.hpp) where earlier versions predicted the
// thread of the step before; a replay or a decoder of an older trace uses
// that trace's rule (CodecContext).
//
// A back-reference — a string of the block's table, a wait text or waiter
// list as last recorded, the woken waiters, an echo — makes the decoder
// copy bytes the block already holds. A trace is untrusted, so a forged
// block could have every one-byte step copy a long payload again and a few
// kilobytes of file expand into gigabytes. Each block may therefore copy
// at most kMaxCopiedBytes through back-references: the decoder counts each
// copy as it makes it and calls a block that passes the bound malformed,
// and the encoder, which counts the same copies, writes a payload out in
// full where a back-reference would pass it (StepPredictor::afford_copy),
// so no block it writes is refused.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "byte_io.hpp"
#include "dust/recorder/trace_format.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "thread_forecast.hpp"

namespace dust::rec {

// The bits of the step encoding.
namespace codec {
// Head byte.
inline constexpr std::uint8_t kKindMask = 0x07;
// Format 3: a head byte of kind 7 (no step kind) alone is an echo: the
// step runs on the forecast thread at its predicted statement and is
// encoded exactly as one of the last four different encodings (bits 6-7
// say which, most recently used first kept by both sides) of steps with
// extras of the kind in bits 3-5 at that statement in the block. A round of
// lock / load / store / unlock that repeats is then a byte a step, like a
// loop period, and so is a waiter that wakes and waits again.
inline constexpr std::uint8_t kEchoMark = 0x07;
inline constexpr int kEchoKindShift = 3;
inline constexpr int kEchoSlotShift = 6;
inline constexpr std::uint8_t kEchoSlots = 4;
inline constexpr std::uint8_t echo_head(StepKind kind, std::uint8_t slot) {
  return static_cast<std::uint8_t>(kEchoMark | (static_cast<std::uint8_t>(kind) << kEchoKindShift) |
                                   (slot << kEchoSlotShift));
}
inline constexpr bool is_echo(std::uint8_t head) { return (head & kKindMask) == kEchoMark; }
inline constexpr std::uint8_t kStmtPredicted = 0x08;
inline constexpr std::uint8_t kSameThread = 0x10;
inline constexpr std::uint8_t kUsualTick = 0x20;
inline constexpr std::uint8_t kHasWrites = 0x40;
inline constexpr std::uint8_t kHasExtras = 0x80;

// Extras byte.
inline constexpr std::uint8_t kProcExplicit = 0x01;
inline constexpr std::uint8_t kDepthExplicit = 0x02;
inline constexpr std::uint8_t kHasEffect = 0x04;
inline constexpr std::uint8_t kHasQ = 0x08;
inline constexpr std::uint8_t kHasPhi = 0x10;
inline constexpr std::uint8_t kHasLib = 0x20;
inline constexpr std::uint8_t kHasError = 0x40;
inline constexpr std::uint8_t kHasChanges = 0x80;

// Write byte: bits 0-2 tag, then these, then a two-bit Int mode.
inline constexpr std::uint8_t kSlotPredicted = 0x08;
inline constexpr std::uint8_t kMoreWrites = 0x10;
inline constexpr int kModeShift = 5;
enum IntMode : std::uint8_t { kIntAsPredicted = 0, kIntDeltaOfDelta = 1, kIntAbsolute = 2 };

// Library event byte (format 3): which fields are those of the statement's
// template (the last event of that kind at that statement in the block;
// `c` predicted as its last value plus its last change), and which
// strings follow. Without a template the kind, a, b and c follow in full.
inline constexpr std::uint8_t kLibKindAsTemplate = 0x01;
inline constexpr std::uint8_t kLibAAsTemplate = 0x02;
inline constexpr std::uint8_t kLibBAsTemplate = 0x04;
inline constexpr std::uint8_t kLibCAsPredicted = 0x08;
inline constexpr std::uint8_t kLibHasText = 0x10;
inline constexpr std::uint8_t kLibHasData = 0x20;
inline constexpr std::uint8_t kLibSecondTemplate = 0x40;
inline constexpr std::uint8_t kLibKnownBits = 0x7f;

// Thread change byte (format 3): the state in bits 0-1, then whether the
// thread is the one that ran the step (else its id follows) and whether a
// wait's kind and id are those of the thread's last recorded wait in the
// block (else they follow). A wait's description always follows.
inline constexpr std::uint8_t kChangeStateMask = 0x03;
inline constexpr std::uint8_t kChangeSelf = 0x04;
inline constexpr std::uint8_t kChangeSameWait = 0x08;
// The wait's description is the last one recorded for the same wait kind
// and id (threads waiting for one mutex wait for the same owner).
inline constexpr std::uint8_t kChangeSameText = 0x10;
inline constexpr std::uint8_t kChangeKnownBits = 0x1f;
// Format 3: the thread changes follow the mutex changes, and are counted
// as count * 2, or given as 1: every thread the step's first mutex change
// had as waiters before it (its last recorded waiters) became runnable, in
// id order, and nothing else changed (an unlock that wakes its waiters).
inline constexpr std::uint64_t kWokeTheWaiters = 1;
// Mutex change byte (format 3), after the id: how the owner and the
// waiters follow from the thread that ran and from the mutex's last
// recorded change in the block, so a lock, a wait and an unlock that hands
// the mutex on are two bytes.
enum MutexOwnerForm : std::uint8_t {
  kOwnerExplicit = 0,   // svarint follows
  kOwnerSelf = 1,       // the thread that ran the step
  kOwnerNone = 2,       // -1
  kOwnerLastFront = 3,  // the first of the last recorded waiters (a hand-off)
  kOwnerSame = 4,       // the last recorded owner
};
inline constexpr std::uint8_t kOwnerMask = 0x07;
enum MutexWaitersForm : std::uint8_t {
  kWaitersExplicit = 0,   // count and ids follow
  kWaitersSame = 1,       // the last recorded waiters
  kWaitersAppendSelf = 2, // the last recorded waiters, then the thread that ran
  kWaitersPopFront = 3,   // the last recorded waiters without their first
};
inline constexpr int kWaitersShift = 3;
inline constexpr std::uint8_t kMutexKnownBits = 0x1f;

// The most bytes one block's back-references may copy (see the top of this
// file). The recorder closes a block at a megabyte of deltas
// (RecorderOptions::block_bytes), so an honest block reaches this only by
// copying its deltas 64 times over (a long string printed in a loop); past
// it the encoder writes the payloads out, and the block soon closes. A
// reader's decoded block thus holds at most this many copied bytes beside
// its own.
inline constexpr std::uint64_t kMaxCopiedBytes = std::uint64_t{64} << 20;
// What a copied thread id counts (a waiter, a woken thread), whatever the
// host keeps for one: both sides of a trace must count alike.
inline constexpr std::uint64_t kCopiedThreadIdBytes = 4;

inline std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

}  // namespace codec

struct ThreadChange {
  std::uint32_t thread = 0;
  ThreadState state = ThreadState::Runnable;
  WaitKind wait_kind = WaitKind::None;
  std::int64_t wait_id = 0;
  std::string wait;  // the wait description while Blocked or Sleeping
};

struct MutexChange {
  std::int64_t id = 0;
  std::int64_t owner = -1;
  std::vector<std::uint32_t> waiters;
};

// One decoded step: the event (binding writes carry new values only) and
// the state changes seen after it.
struct DecodedStep {
  StepEvent event;
  std::vector<ThreadChange> threads;
  std::vector<MutexChange> mutexes;
};

// What the step codec takes from its trace: the format version whose
// encoding it speaks, and the run's scheduling (for the thread forecast).
struct CodecContext {
  std::uint32_t version = kStepsFormatVersion;
  std::uint64_t seed = 0;
  std::optional<ScheduleToken> schedule;
  // The bound on a block's back-reference copies. Only tests lower it: a
  // small bound takes a small run through every fallback of the encoder.
  std::uint64_t max_copied_bytes = codec::kMaxCopiedBytes;
  static CodecContext of(const RunConfig& config, std::uint32_t version = kStepsFormatVersion) {
    return CodecContext{version, config.seed, config.schedule, codec::kMaxCopiedBytes};
  }
  bool forecasts_threads() const { return version >= 3; }
};

// The machine's thread and mutex states as last recorded.
class StateTracker {
 public:
  // True when only the thread that ran can have changed, and it did not.
  bool unchanged(const Machine& machine, const StepEvent& event) const { return unchanged(machine, event.thread); }
  bool unchanged(const Machine& machine, std::uint32_t thread) const {
    if (sleeping_ != 0 || machine.threads.size() != threads_.size() || thread >= threads_.size()) return false;
    const Thread& t = machine.threads[thread];
    const ThreadShadow& shadow = threads_[thread];
    return shadow.state == t.state && shadow.wait_kind == t.wait.kind && shadow.wait_id == t.wait.id;
  }
  void resync(const Machine& machine);
  // Finds what the step changed; threads() and mutexes() list it until
  // the next call.
  void observe(const Machine& machine, const StepEvent& event);
  // What observe finds for a step that changed nothing.
  void clear_changes() {
    thread_count_ = 0;
    mutex_count_ = 0;
  }
  std::span<const ThreadChange> threads() const { return {thread_changes_.data(), thread_count_}; }
  std::span<const MutexChange> mutexes() const { return {mutex_changes_.data(), mutex_count_}; }

 private:
  struct ThreadShadow {
    ThreadState state = ThreadState::Runnable;
    WaitKind wait_kind = WaitKind::None;
    std::int64_t wait_id = 0;
  };
  struct MutexShadow {
    std::int64_t owner = -1;
    std::vector<std::uint32_t> waiters;
  };
  void compare_thread(const Machine& machine, std::uint32_t tid);
  // Sets `out` to WaitInfo::text(), which a mutex wait spells from its
  // mutex and holder alone: the last few are remembered, since a contended
  // mutex has its waiters wait for the same few holders over and over, and
  // spelling the text out each time costs more than the rest of the step's
  // encoding.
  void wait_text(const WaitInfo& wait, std::string& out);
  struct MutexWaitText {
    std::int64_t id = 0;
    std::int64_t holder = 0;
    std::string text;
  };
  std::vector<MutexWaitText> wait_texts_;

  std::vector<ThreadShadow> threads_;
  std::vector<MutexShadow> mutexes_;
  std::uint32_t sleeping_ = 0;

  // The change lists are refilled for every step that is not plain; their
  // entries own a string or a vector each, so they are kept (only the
  // first thread_count_ and mutex_count_ are this step's) and overwritten
  // in place rather than freed and allocated again.
  template <class T>
  static T& next(std::vector<T>& list, std::size_t& count) {
    if (count == list.size()) list.emplace_back();
    return list[count++];
  }
  std::vector<ThreadChange> thread_changes_;
  std::size_t thread_count_ = 0;
  std::vector<MutexChange> mutex_changes_;
  std::size_t mutex_count_ = 0;
};

// The prediction state shared by the encoder and the decoder: both must
// evolve it identically. Its lookups run for every recorded step, so they
// are inline.
class StepPredictor {
 public:
  StepPredictor(const Program& program, const CodecContext& context);
  // Not copied: the lookup caches point into its own maps.
  StepPredictor(const StepPredictor&) = delete;
  StepPredictor& operator=(const StepPredictor&) = delete;
  void reset();

  struct IntSlot {
    std::uint32_t generation = 0;         // an Int was written here in this block
    std::uint32_t filter_generation = 0;  // encoder only: the block summary knows of this slot...
    std::uint32_t filter_thread = 0;      // ...as written by this thread
    std::int64_t last = 0;
    std::int64_t delta = 0;
  };
  struct ThreadPrediction {
    std::uint32_t generation = 0;
    std::uint32_t last_stmt = kNoStmt;
    std::uint32_t depth = 0;
    std::uint32_t proc = 0;
    // Format 3: the thread's last step blocked, so its next step runs the
    // same statement again (a lock that waited takes the lock).
    bool resumes = false;
  };

  // The thread's prediction for this block, or null before its first step in it.
  const ThreadPrediction* thread(std::uint32_t tid) const {
    if (tid >= threads_.size() || threads_[tid].generation != generation_) return nullptr;
    return &threads_[tid];
  }
  std::uint32_t predicted_stmt(const ThreadPrediction* tp) const {
    if (tp == nullptr) return kNoStmt;
    if (tp->resumes) return tp->last_stmt;
    std::uint32_t index = tp->last_stmt + 1u;
    if (index < successor_.size() && successor_[index].first == generation_) return successor_[index].second;
    return tp->last_stmt == kNoStmt ? kNoStmt : tp->last_stmt + 1;
  }
  std::uint32_t predicted_proc(const ThreadPrediction* tp, std::uint32_t stmt) const {
    if (stmt < stmt_proc_.size()) return stmt_proc_[stmt];
    return tp == nullptr ? 0 : tp->proc;
  }
  bool slot_predicted(const StepEvent& event, const BindingWrite& write) const {
    return event.stmt < program_.stmts.size() && write.frame == event.depth &&
           write.slot == program_.stmts[event.stmt].slot;
  }
  // The per-(proc, slot) state of a write; writes outside the step's own
  // frame share one overflow entry.
  IntSlot& int_slot(const StepEvent& event, std::uint32_t frame, std::uint32_t slot) {
    if (frame == event.depth && event.proc < slot_base_.size() && slot < slot_count_[event.proc]) {
      return int_slots_[slot_base_[event.proc] + slot];
    }
    return int_slots_.back();
  }
  bool is_overflow(const IntSlot& s) const { return &s == &int_slots_.back(); }
  bool live(const IntSlot& s) const { return s.generation == generation_; }
  void touch(IntSlot& s) const { s.generation = generation_; }
  std::uint32_t generation() const { return generation_; }
  void after_step(const StepEvent& event) {
    if (event.thread >= threads_.size()) threads_.resize(event.thread + 1);
    ThreadPrediction& tp = threads_[event.thread];
    // A resumed statement says nothing of what follows it in the program.
    if (tp.generation == generation_ && !tp.resumes) {
      std::uint32_t index = tp.last_stmt + 1u;
      if (index < successor_.size()) successor_[index] = {generation_, event.stmt};
    }
    std::uint32_t depth = event.depth;
    if (event.kind == StepKind::CallEnter) ++depth;
    if (event.kind == StepKind::Return && depth > 0) --depth;
    const bool resumes = resumes_after_block_ && event.kind == StepKind::Blocked;
    tp = ThreadPrediction{generation_, event.stmt, depth, event.proc, resumes};
    previous_thread = event.thread;
  }

  std::uint32_t previous_thread = kNoThread;
  static constexpr std::uint32_t kNoThread = 0xffffffffu;
  const bool resumes_after_block_;  // format 3's statement prediction after a Blocked step
  static_assert(kNoThread == ThreadForecast::kUnknown);
  // The thread the head byte's kSameThread bit stands for.
  ThreadForecast forecast;
  // After a step that was not plain: its thread changes, then the pick.
  void forecast_after(const StepEvent& event, std::span<const ThreadChange> changes) {
    for (const ThreadChange& c : changes) forecast.set_state(c.thread, c.state);
    forecast.after_step(event.index, event.thread);
  }

  // For the encoder's fast path.
  ThreadPrediction& thread_slot(std::uint32_t tid) { return threads_[tid]; }
  std::uint32_t stmt_proc(std::uint32_t stmt) const { return stmt_proc_[stmt]; }
  std::pair<std::uint32_t, std::uint32_t>* successor(std::uint32_t last_stmt) {
    std::uint32_t index = last_stmt + 1u;
    return index < successor_.size() ? &successor_[index] : nullptr;
  }
  std::size_t stmt_count() const { return stmt_proc_.size(); }

  // Format 3: the first library event of a step predicted from the last
  // ones of its statement, two kinds per statement (a lock that takes the
  // mutex and one that waits for it). Kept by statement in a map: only
  // statements that call the library have one.
  struct LibTemplate {
    std::uint32_t generation = 0;
    LibEventKind kind = LibEventKind::MemAlloc;
    std::int64_t a = 0, b = 0, c = 0, dc = 0;
  };
  struct LibTemplates {
    std::array<LibTemplate, 2> slot;
    std::uint8_t older = 0;
  };
  const bool predicts_lib;
  LibTemplates& lib_templates(std::uint32_t stmt) {
    LibCache& c = lib_cache_[stmt % kLookupCache];
    if (c.entry == nullptr || c.stmt != stmt) c = LibCache{stmt, &lib_templates_[stmt]};
    return *c.entry;
  }
  // The live template of `kind`, if any, and its slot.
  LibTemplate* lib_template(LibTemplates& t, LibEventKind kind, std::uint8_t& slot) {
    for (std::uint8_t k = 0; k < 2; ++k) {
      if (t.slot[k].generation == generation_ && t.slot[k].kind == kind) {
        slot = k;
        return &t.slot[k];
      }
    }
    return nullptr;
  }
  // After an event was coded from `slot`'s template, or from none (slot 2).
  void learn_lib(LibTemplates& t, std::uint8_t slot, const LibEvent& lib) {
    if (slot > 1) {
      // A slot not used in this block, else the one used longer ago (both
      // were then used in this block, which set `older`).
      slot = t.slot[0].generation != generation_ ? 0 : t.slot[1].generation != generation_ ? 1 : t.older;
      t.slot[slot] = LibTemplate{generation_, lib.kind, lib.a, lib.b, lib.c, 0};
    } else {
      LibTemplate& m = t.slot[slot];
      m.dc = codec::wrapping_sub(lib.c, m.c);
      m.a = lib.a;
      m.b = lib.b;
      m.c = lib.c;
    }
    t.older = static_cast<std::uint8_t>(1 - slot);
  }

  // Format 3: what the block last recorded of each mutex and of each
  // thread's wait, for the change bytes above.
  const bool compact_changes;
  struct MutexLast {
    std::int64_t owner = -1;
    std::vector<std::uint32_t> waiters;
    std::uint32_t generation = 0;  // in small_mutexes_: recorded in this block
  };
  using Wait = std::pair<WaitKind, std::int64_t>;
  // The last recorded change of mutex `id` in this block, or null.
  MutexLast* mutex_last_of(std::int64_t id) {
    if (small_id(id)) {
      MutexLast& m = small_mutexes_[static_cast<std::size_t>(id)];
      return m.generation == generation_ ? &m : nullptr;
    }
    auto it = mutex_last.find(id);
    return it == mutex_last.end() ? nullptr : &it->second;
  }
  // The entry for mutex `id`'s next record (mutex_last_of, else a new one).
  MutexLast& mutex_last_slot(std::int64_t id) {
    if (small_id(id)) {
      MutexLast& m = small_mutexes_[static_cast<std::size_t>(id)];
      if (m.generation != generation_) {
        m.generation = generation_;
        m.owner = -1;
        m.waiters.clear();
      }
      return m;
    }
    return mutex_last[id];
  }
  // The thread's last recorded wait in this block, or null.
  const Wait* wait_last_of(std::uint32_t thread) const {
    if (thread < kSmallIds) {
      const SmallWait& w = small_waits_[thread];
      return w.generation == generation_ ? &w.wait : nullptr;
    }
    auto it = wait_last.find(thread);
    return it == wait_last.end() ? nullptr : &it->second;
  }
  void set_wait_last(std::uint32_t thread, const Wait& wait) {
    if (thread < kSmallIds) {
      small_waits_[thread] = SmallWait{generation_, wait};
    } else {
      wait_last[thread] = wait;
    }
  }
  std::map<std::pair<WaitKind, std::int64_t>, std::string> wait_text_last;
  // The waiters the step's first mutex change replaced (for kWokeTheWaiters).
  // This copy is not counted against the copy bound: it copies a list that
  // was counted or written out when it was recorded, and that the change
  // records anew, so no recorded list is copied here twice.
  bool has_woken = false;
  std::vector<std::uint32_t> woken;
  void note_replaced(const MutexLast* last, bool first) {
    if (!first) return;
    has_woken = last != nullptr;
    if (last != nullptr) woken = last->waiters;
    // Waiters queue in arrival order, which is often id order already.
    if (!std::is_sorted(woken.begin(), woken.end())) std::sort(woken.begin(), woken.end());
  }
  // Format 3's echoes: the bytes of the last step with extras that ran on
  // the forecast thread at its predicted statement, by statement.
  const bool echoes;
  // The encodings a (statement, kind) had in this block, and which was
  // used longest ago (order: most recent first).
  struct Echoes {
    std::uint32_t generation = 0;
    std::uint8_t used = 0;
    std::array<std::uint8_t, codec::kEchoSlots> order{0, 1, 2, 3};
    std::array<std::string, codec::kEchoSlots> bytes;
    void touch(std::uint8_t slot) {
      std::size_t i = 0;
      while (i + 1 < order.size() && order[i] != slot) ++i;
      for (; i > 0; --i) order[i] = order[i - 1];
      order[0] = slot;
    }
    // Keeps new bytes in the slot used longest ago.
    void learn(std::string_view b) {
      const std::uint8_t slot = order.back();
      bytes[slot].assign(b);
      used = static_cast<std::uint8_t>(used | (1u << slot));
      touch(slot);
    }
    bool live(std::uint8_t slot) const { return (used >> slot) & 1u; }
    // The first live slot holding exactly `b`, or kEchoSlots if none does.
    // Two live slots hold the same bytes only when an echo of the first
    // would have passed the block's copy bound (afford_copy): the step was
    // then written out again and kept like any other.
    std::uint8_t find(std::string_view b) const {
      for (std::uint8_t slot = 0; slot < codec::kEchoSlots; ++slot) {
        if (live(slot) && same_bytes(bytes[slot], b)) return slot;
      }
      return codec::kEchoSlots;
    }
    // An encoding is a few bytes long: two overlapping word loads compare
    // it, where a call to memcmp for each slot cost more than the rest of
    // the echo test.
    static bool same_bytes(std::string_view a, std::string_view b) {
      const std::size_t n = a.size();
      if (n != b.size()) return false;
      if (n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
      if (n >= 8) return ((word<std::uint64_t>(a, 0) ^ word<std::uint64_t>(b, 0)) |
                          (word<std::uint64_t>(a, n - 8) ^ word<std::uint64_t>(b, n - 8))) == 0;
      if (n >= 4) return ((word<std::uint32_t>(a, 0) ^ word<std::uint32_t>(b, 0)) |
                          (word<std::uint32_t>(a, n - 4) ^ word<std::uint32_t>(b, n - 4))) == 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
      }
      return true;
    }
    template <class Word>
    static Word word(std::string_view s, std::size_t at) {
      Word w;
      std::memcpy(&w, s.data() + at, sizeof w);
      return w;
    }
  };
  static bool echoable(std::uint8_t head) {
    constexpr std::uint8_t kNeeded = codec::kHasExtras | codec::kSameThread | codec::kStmtPredicted;
    return (head & kNeeded) == kNeeded;
  }
  static std::uint64_t echo_key(std::uint32_t stmt, StepKind kind) {
    return std::uint64_t{stmt} << 3 | static_cast<std::uint8_t>(kind);
  }
  // The echoes of steps of `kind` at `stmt` in this block (none at first).
  Echoes& echoes_of(std::uint32_t stmt, StepKind kind) {
    const std::uint64_t key = echo_key(stmt, kind);
    EchoCache& c = echo_cache_[key % kLookupCache];
    if (c.entry == nullptr || c.key != key) c = EchoCache{key, &echo_[key]};
    Echoes& e = *c.entry;
    if (e.generation != generation_) {
      e = Echoes{};
      e.generation = generation_;
    }
    return e;
  }

  // Per-block string table for names that repeat (effect kinds, Q names, waits).
  std::vector<std::string> strings;
  std::unordered_map<std::string, std::uint32_t> string_ids;

  // Whether a back-reference that copies `bytes` keeps the block's copies
  // within its bound (codec::kMaxCopiedBytes), counting them if so. The
  // encoder asks before it writes a back-reference, and writes the payload
  // out instead when told no; the decoder asks as it reads one, and fails
  // when told no. Both ask for the same copies (an echo is counted before
  // the copies inside it when decoded, after them when encoded), so every
  // count the decoder reaches is part of a total the encoder kept within
  // the bound: a block the encoder wrote always decodes.
  bool afford_copy(std::uint64_t bytes) {
    if (bytes > max_copied_bytes_ - copied_bytes_) return false;
    copied_bytes_ += bytes;
    return true;
  }
  std::uint64_t max_copied_bytes() const { return max_copied_bytes_; }

 private:
  const Program& program_;
  const std::uint64_t max_copied_bytes_;
  std::uint64_t copied_bytes_ = 0;  // in this block, by afford_copy
  std::uint32_t generation_ = 0;
  std::vector<std::uint32_t> stmt_proc_;
  std::vector<std::uint32_t> slot_base_;
  std::vector<std::uint32_t> slot_count_;
  std::vector<IntSlot> int_slots_;                                  // slot_base[proc] + slot; last = overflow
  std::vector<std::pair<std::uint32_t, std::uint32_t>> successor_;  // by stmt + 1: (generation, next stmt)
  std::vector<ThreadPrediction> threads_;
  std::unordered_map<std::uint32_t, LibTemplates> lib_templates_;
  std::unordered_map<std::uint64_t, Echoes> echo_;
  // The entries of the two maps looked up last at each of a few places,
  // for the statements of a loop that a run goes round: a map's entries
  // stay where they are until it is cleared, which clears these too.
  static constexpr std::size_t kLookupCache = 64;
  struct LibCache {
    std::uint32_t stmt = 0;
    LibTemplates* entry = nullptr;
  };
  struct EchoCache {
    std::uint64_t key = 0;
    Echoes* entry = nullptr;
  };
  std::array<LibCache, kLookupCache> lib_cache_{};
  std::array<EchoCache, kLookupCache> echo_cache_{};
  // Mutexes and threads with small ids (all of them in most runs) keep
  // their last records in tables by id, stamped with the block's
  // generation; larger ids (a hostile trace's too) use the maps. A lookup
  // per change in a map cost more than the rest of encoding the change.
  static constexpr std::size_t kSmallIds = 64;
  static bool small_id(std::int64_t id) { return static_cast<std::uint64_t>(id) < kSmallIds; }
  std::unordered_map<std::int64_t, MutexLast> mutex_last;
  std::unordered_map<std::uint32_t, Wait> wait_last;
  std::vector<MutexLast> small_mutexes_ = std::vector<MutexLast>(kSmallIds);
  struct SmallWait {
    std::uint32_t generation = 0;
    Wait wait{};
  };
  std::array<SmallWait, kSmallIds> small_waits_{};
  // The batch encoder walks the tables directly: it runs for nearly every
  // step of a long run and cannot afford a bounds check per lookup.
  friend class StepEncoder;
};

// A binding slot written for the first time in a block (by that thread):
// what the block summary's filter needs to learn.
struct WrittenKey {
  std::uint32_t proc = 0;
  std::uint32_t slot = 0;
  std::uint32_t thread = 0;
};

void expand_simple_step(const Program& program, const SimpleStepBatch& batch, std::uint32_t i, StepEvent& event);

class StepEncoder {
 public:
  explicit StepEncoder(const Program& program, const CodecContext& context = {});

  // Called with the machine as it is before a block's first step.
  void begin_block(const Machine& machine);
  // Appends the step (and the state changes it caused) to `out`. Returns
  // true for a plain step: same thread, predicted statement, one tick, at
  // most one predicted Int write, nothing else, no state change, no new key.
  bool encode(const Machine& machine, const StepEvent& event, ByteBuffer& out) {
    // A plain step leaves the change lists as they were: only the general
    // path's caller reads them.
    const Shortcut shortcut = encode_plain(machine, event, out);
    if (shortcut == Shortcut::Plain) [[likely]] return true;
    if (shortcut == Shortcut::Switch) return false;
    return encode_general(machine, event, out);
  }
  // The general path alone, for tests: every shortcut must give the bytes
  // it gives and leave the predictor as it leaves it.
  bool encode_without_shortcuts(const Machine& machine, const StepEvent& event, ByteBuffer& out) {
    return encode_general(machine, event, out);
  }

  // Encodes steps [from, to) of a batch of simple steps, stopping at the
  // first one that is not plain; returns how many were encoded. Each gets
  // exactly the bytes and predictor state encode() would give the
  // equivalent StepEvent (see expand_simple_step); the one it stopped at is
  // for encode() to do. `machine` is as after the batch: simple steps
  // change no thread's state, so it serves for each of them.
  std::uint32_t encode_simple(const Machine& machine, const SimpleStepBatch& batch, std::uint32_t from,
                              std::uint32_t to, ByteBuffer& out);

  // Encodes steps [from, to) of a batch: runs of plain steps in bulk
  // (encode_simple), each other step expanded into `scratch` and encoded
  // as encode() would. Tells the caller what it did, in order:
  // on_plain(count) for each run, on_step(event, plain) for each other step.
  template <class OnPlain, class OnStep>
  void encode_batch(const Machine& machine, const SimpleStepBatch& batch, std::uint32_t from, std::uint32_t to,
                    ByteBuffer& out, StepEvent& scratch, OnPlain&& on_plain, OnStep&& on_step) {
    for (std::uint32_t i = from; i < to;) {
      const std::uint32_t plain = encode_simple(machine, batch, i, to, out);
      on_plain(plain);
      i += plain;
      if (i == to) break;
      expand_simple_step(program_, batch, i, scratch);
      on_step(scratch, encode(machine, scratch, out));
      ++i;
    }
  }

  // What the last step that was not plain changed (read them only when
  // encode returned false).
  std::span<const ThreadChange> thread_changes() const { return tracker_.threads(); }
  std::span<const MutexChange> mutex_changes() const { return tracker_.mutexes(); }
  const std::vector<WrittenKey>& new_keys() const { return new_keys_; }

 private:
  // What encode_plain did: nothing (the step needs the general path), a
  // plain step, or a step like a plain one but on another thread than the
  // step before, the forecast one (a predicted thread switch), which is
  // not plain to the block summary and has empty change lists.
  enum class Shortcut : std::uint8_t { None, Plain, Switch };
  // Inlined into encode(): a call per step costs more than its checks.
  [[gnu::always_inline]] Shortcut encode_plain(const Machine& machine, const StepEvent& event, ByteBuffer& out);
  // The step's thread wrote Int slot `slot` (whose entry is `s`) for the
  // first time in this block, as far as the block summary's filter knows:
  // a new key for it.
  void add_new_key(StepPredictor::IntSlot& s, const StepEvent& event, std::uint32_t slot) {
    s.filter_generation = predictor_.generation();
    s.filter_thread = event.thread;
    new_keys_.push_back(WrittenKey{event.proc, slot, event.thread});
  }
  // The loop period at the start of steps [from, to): the least P such
  // that the first three periods run the same statements the same way, no
  // statement twice in a period and no Int slot written twice; 0 if none
  // (or the batch is too short for repeats to pay).
  std::uint32_t repeating_period(const SimpleStepBatch& batch, std::uint32_t from, std::uint32_t to) const;
  // From step i (three periods already encoded one by one, the last of
  // them at last_period..bytes), copies the bytes of each whole period that
  // repeats the one before exactly, and leaves the Int slots as encoding
  // step by step would. Returns the first step not copied and the end of
  // the bytes.
  struct Repeats {
    std::uint32_t end;
    char* bytes;
  };
  Repeats repeat_periods(const SimpleStepBatch& batch, std::uint32_t i, std::uint32_t to, std::uint32_t period,
                         const char* last_period, char* bytes);
  bool encode_general(const Machine& machine, const StepEvent& event, ByteBuffer& out);
  void put_string(BufferWriter& w, const std::string& s);
  void put_write(BufferWriter& w, const StepEvent& event, const BindingWrite& write, bool more);
  void put_lib(BufferWriter& w, const StepEvent& event, const LibEvent& lib, bool first);
  void put_thread_change(BufferWriter& w, const StepEvent& event, const ThreadChange& c);
  void put_mutex_change(BufferWriter& w, const StepEvent& event, const MutexChange& c, bool first);
  void put_changes(BufferWriter& w, const StepEvent& event);

  const Program& program_;
  StepPredictor predictor_;
  StateTracker tracker_;
  // What encode_simple knows of each statement, at index stmt + 1 (index 0
  // is kNoStmt's, with a proc no step runs in, so such a step is never
  // plain): its proc; the int_slots_ entry of its own slot in its proc's
  // frame (the overflow entry if the slot is outside the proc's slots);
  // and, within one call of encode_simple, the step that last followed it
  // there and was plain (see step_key), with that step's int_slots_ entry.
  // Within a call the thread, the block and the proc stay the same, no
  // other path runs and a statement's successor only changes through such
  // a step, so a step equal to that one is plain again: its statement is
  // the predicted one and its proc and slot passed the checks.
  struct alignas(32) SimpleStmt {  // 32 bytes: indexing by a shift
    std::uint32_t proc = 0;
    std::uint32_t int_slot = 0;
    std::uint64_t next_key = 0;
    std::uint32_t next_int_slot = 0;
  };
  // A simple step's statement, kind and whether it wrote, tagged with the
  // call of encode_simple (a call's tag is never 0, so a cleared key never
  // matches).
  static std::uint64_t step_key(const SimpleStep& step, std::uint64_t tag) {
    static_assert(offsetof(SimpleStep, kind) == 4 && offsetof(SimpleStep, wrote) == 5 &&
                  offsetof(SimpleStep, zero) == 6 && sizeof(StepKind) == 1);
    std::uint64_t stmt_kind_and_wrote;
    std::memcpy(&stmt_kind_and_wrote, &step, sizeof stmt_kind_and_wrote);
    return stmt_kind_and_wrote | tag;
  }
  std::vector<SimpleStmt> simple_stmts_;
  std::uint32_t simple_call_ = 0;
  std::vector<WrittenKey> new_keys_;
};

// The common step, encoded with the fewest loads and branches; it must
// produce exactly the bytes and predictor state of the general path. In a
// threaded run the scheduler switches threads at most steps, and a step
// after a switch the forecast predicted is encoded here too: its bytes are
// those of a plain step (the head's thread bit stands for the forecast
// thread), and the general path would find no state change (the step
// calls no library, so only its own thread could change, and did not).
inline StepEncoder::Shortcut StepEncoder::encode_plain(const Machine& machine, const StepEvent& event,
                                                        ByteBuffer& out) {
  if (event.thread != predictor_.forecast.next() || event.tick - event.tick_before != 1 ||
      (event.kind != StepKind::Statement && event.kind != StepKind::Check) || event.has_effect ||
      !event.q.empty() || !event.phi.empty() || !event.lib.empty() || event.error || event.writes.size() > 1 ||
      event.stmt >= predictor_.stmt_count() || !tracker_.unchanged(machine, event)) {
    return Shortcut::None;
  }
  // After a switch the thread's prediction must be from this block (the
  // general path would write its depth otherwise).
  const bool switched = event.thread != predictor_.previous_thread;
  if (switched && predictor_.thread(event.thread) == nullptr) return Shortcut::None;
  StepPredictor::ThreadPrediction& tp = predictor_.thread_slot(event.thread);
  if (tp.resumes) return Shortcut::None;
  auto* next = predictor_.successor(tp.last_stmt);
  std::uint32_t predicted = next != nullptr && next->first == predictor_.generation() ? next->second
                            : tp.last_stmt == kNoStmt                                  ? kNoStmt
                                                                                       : tp.last_stmt + 1;
  if (event.stmt != predicted || event.depth != tp.depth || event.proc != predictor_.stmt_proc(event.stmt)) {
    return Shortcut::None;
  }
  auto head = static_cast<char>(static_cast<std::uint8_t>(event.kind) | codec::kSameThread | codec::kStmtPredicted | codec::kUsualTick);
  char* bytes = out.tail(16);
  std::size_t n = 0;
  // A write after a switch is often to a slot another thread of the same
  // proc wrote last (a loop counter of workers running one proc): a new
  // key for the block summary, as the general path's put_write finds.
  StepPredictor::IntSlot* new_key = nullptr;
  if (event.writes.empty()) {
    bytes[n++] = head;
  } else {
    const BindingWrite& write = event.writes.front();
    if (!write.new_value.is_int() || !predictor_.slot_predicted(event, write)) return Shortcut::None;
    StepPredictor::IntSlot& s = predictor_.int_slot(event, write.frame, write.slot);
    const bool known = s.filter_generation == predictor_.generation() && s.filter_thread == event.thread;
    // (The general path counts every write to the overflow entry as a new
    // key, which a plain step could not pass on.)
    if ((!known && !switched) || !predictor_.live(s) || (switched && predictor_.is_overflow(s))) {
      return Shortcut::None;
    }
    if (!known) new_key = &s;
    std::int64_t x = write.new_value.as_int();
    std::int64_t dd = codec::wrapping_sub(x, codec::wrapping_add(s.last, s.delta));
    s.delta = codec::wrapping_sub(x, s.last);
    s.last = x;
    bytes[n++] = static_cast<char>(head | codec::kHasWrites);
    std::uint8_t byte = static_cast<std::uint8_t>(ValueTag::Int) | codec::kSlotPredicted;
    if (dd == 0) {
      bytes[n++] = static_cast<char>(byte | (codec::kIntAsPredicted << codec::kModeShift));
    } else {
      bytes[n++] = static_cast<char>(byte | (codec::kIntDeltaOfDelta << codec::kModeShift));
      n += put_varint(bytes + n, zigzag(dd));
    }
  }
  out.commit(n);
  if (next != nullptr) *next = {predictor_.generation(), event.stmt};
  tp.last_stmt = event.stmt;
  tp.proc = event.proc;
  if (!predictor_.forecast.keeps(event.thread)) predictor_.forecast.after_step(event.index, event.thread);
  if (!switched) return Shortcut::Plain;
  predictor_.previous_thread = event.thread;
  tracker_.clear_changes();
  new_keys_.clear();
  if (new_key != nullptr) add_new_key(*new_key, event, event.writes.front().slot);
  return Shortcut::Switch;
}

// The most bytes encode_plain writes for one step: the head, the write
// byte and a ten-byte varint.
inline constexpr std::size_t kMaxPlainStepBytes = 12;

// The same conditions and bytes as encode_plain. What is the same for the
// whole batch (thread, depth, the thread's state) is checked once. A step
// that repeats, within the call, the step that last followed the same
// statement is plain without further checks (see SimpleStmt); any other
// step is checked as encode_plain checks it. The tables are taken out of
// their vectors first: byte stores through a char pointer may alias
// anything, so the compiler would otherwise reload every vector's data
// pointer after each byte.
inline std::uint32_t StepEncoder::encode_simple(const Machine& machine, const SimpleStepBatch& batch,
                                                std::uint32_t from, std::uint32_t to, ByteBuffer& out) {
  if (from >= to || batch.thread != predictor_.previous_thread || !predictor_.forecast.keeps(batch.thread) ||
      !tracker_.unchanged(machine, batch.thread)) {
    return 0;
  }
  StepPredictor& p = predictor_;
  StepPredictor::ThreadPrediction& tp = p.threads_[batch.thread];
  if (tp.depth != batch.depth || tp.resumes) return 0;
  if ((++simple_call_ & 0xffffu) == 0) {
    // The 16-bit tag wrapped: keys of old calls could look current again.
    for (SimpleStmt& m : simple_stmts_) m.next_key = 0;
    ++simple_call_;
  }
  const std::uint64_t tag = static_cast<std::uint64_t>(simple_call_ & 0xffffu) << 48;
  const std::uint32_t generation = p.generation_;
  const std::uint32_t proc = batch.proc;
  SimpleStmt* const stmts = simple_stmts_.data();
  std::pair<std::uint32_t, std::uint32_t>* const successor = p.successor_.data();
  StepPredictor::IntSlot* const int_slots = p.int_slots_.data();
  const SimpleStep* const steps = batch.steps;
  constexpr std::uint8_t kPlainHead = codec::kSameThread | codec::kStmtPredicted | codec::kUsualTick;
  constexpr std::uint8_t kIntWrite = static_cast<std::uint8_t>(ValueTag::Int) | codec::kSlotPredicted;

  char* const start = out.tail(static_cast<std::size_t>(to - from) * kMaxPlainStepBytes);
  char* bytes = start;
  // successor_ and simple_stmts_ are indexed by statement + 1; `after` is
  // that index for the thread's last statement (0 for kNoStmt), always in
  // range: the last statement is a statement or kNoStmt.
  std::uint32_t after = tp.last_stmt + 1u;
  std::uint32_t i = from;
  // Encodes steps [i, limit) one by one; false where a step is not plain.
  auto plain_steps = [&](std::uint32_t limit) __attribute__((always_inline)) {
    for (; i < limit; ++i) {
      const SimpleStep& step = steps[i];
      const std::uint32_t stmt = step.stmt;
      const std::uint64_t key = step_key(step, tag);
      SimpleStmt& previous = stmts[after];
      std::uint32_t slot_index = previous.next_int_slot;
      if (previous.next_key != key) [[unlikely]] {
        // The checks of encode_plain. The successor entry is {generation,
        // stmt} when this block saw `stmt` follow the last statement;
        // without one the next statement is predicted.
        std::pair<std::uint32_t, std::uint32_t>& next = successor[after];
        std::uint32_t predicted = next.first == generation ? next.second : after == 0 ? kNoStmt : after;
        if (stmt != predicted || stmt >= p.stmt_proc_.size()) return false;
        const SimpleStmt& m = stmts[stmt + 1u];
        if (m.proc != proc || (step.kind != StepKind::Statement && step.kind != StepKind::Check)) return false;
        if (step.wrote) {
          const StepPredictor::IntSlot& s = int_slots[m.int_slot];
          if (s.filter_generation != generation || s.filter_thread != batch.thread || s.generation != generation) {
            return false;
          }
        }
        next = {generation, stmt};
        previous.next_key = key;
        previous.next_int_slot = slot_index = m.int_slot;
      }
      auto head = static_cast<std::uint8_t>(static_cast<std::uint8_t>(step.kind) | kPlainHead);
      if (!step.wrote) {
        *bytes++ = static_cast<char>(head);
      } else {
        StepPredictor::IntSlot& s = int_slots[slot_index];
        // dd = x - (last + delta), the same wrapping sum as encode_plain's.
        const std::int64_t x = step.value;
        const std::int64_t delta = codec::wrapping_sub(x, s.last);
        const std::int64_t dd = codec::wrapping_sub(delta, s.delta);
        // The byte store between the two stores keeps the compiler from
        // pairing them into a vector store, which costs more instructions.
        s.delta = delta;
        bytes[0] = static_cast<char>(head | codec::kHasWrites);
        s.last = x;
        if (dd == 0) {
          bytes[1] = static_cast<char>(kIntWrite | (codec::kIntAsPredicted << codec::kModeShift));
          bytes += 2;
        } else {
          bytes[1] = static_cast<char>(kIntWrite | (codec::kIntDeltaOfDelta << codec::kModeShift));
          bytes += 2;
          bytes += put_varint(bytes, zigzag(dd));
        }
      }
      after = stmt + 1u;
    }
    return true;
  };
  // A loop repeats a period of steps: three periods are encoded one by
  // one, and each later period whose steps repeat the last one's bytes is
  // a copy of them (see repeat_periods).
  const std::uint32_t period = repeating_period(batch, from, to);
  if (period == 0) {
    plain_steps(to);
  } else if (plain_steps(from + 2 * period)) {
    char* const last_period = bytes;
    if (plain_steps(from + 3 * period)) {
      const Repeats repeated = repeat_periods(batch, i, to, period, last_period, bytes);
      if (repeated.end > i) {
        i = repeated.end;
        bytes = repeated.bytes;
        after = steps[i - 1].stmt + 1u;
      }
      plain_steps(to);
    }
  }
  if (i > from) {
    tp.last_stmt = after - 1u;
    tp.proc = proc;
  }
  out.commit(static_cast<std::size_t>(bytes - start));
  return i - from;
}

// The StepEvent equivalent to step `i` of a batch of simple steps, for the
// general encoder and the block summary (which never read a write's old
// value, so it is left Unbound).
void expand_simple_step(const Program& program, const SimpleStepBatch& batch, std::uint32_t i, StepEvent& event);

// The most threads a trace may name, and the deepest Value it may hold:
// decoding a Value (a keyframe's through cereal, a few hundred bytes of
// host stack a level) and destroying it recurse once per level, and a
// reader may run on a thread with a small stack.
inline constexpr std::uint32_t kMaxTraceThreads = 1u << 24;
inline constexpr int kMaxValueDepth = 2000;

class StepDecoder {
 public:
  explicit StepDecoder(const Program& program, const CodecContext& context = {})
      : predictor_(program, context), program_(program) {}

  // Every thread a block's steps name is below `threads` (its summary's
  // threads_at_end): the predictor keeps a table by thread id. From format
  // version 3 the summary also gives the scheduler's PRNG state and the
  // threads' states at the block's start, for the thread forecast.
  void begin_block(std::uint64_t first_step, std::uint64_t tick, std::uint32_t threads = kMaxTraceThreads,
                   std::uint64_t rng_state = 0, std::span<const std::uint8_t> thread_states = {});
  // Decodes the next step; false with `error` set if the bytes are malformed.
  bool decode(ByteReader& in, DecodedStep& out, std::string& error);

 private:
  bool get_string(ByteReader& in, std::string& s);
  // Counts a back-reference's copy against the block's bound (afford_copy);
  // false past it, which decode_step's error then names.
  bool copy(std::uint64_t bytes) {
    if (predictor_.afford_copy(bytes)) [[likely]] return true;
    over_copy_bound_ = true;
    return false;
  }
  std::string copy_bound_error() const;
  bool get_write(ByteReader& in, StepEvent& event, bool& more);
  bool get_lib(ByteReader& in, const StepEvent& event, LibEvent& lib, bool first);
  // Decodes a step whose head byte was just read from `in`; `learn`: keep
  // its bytes as its statement's echo (false when decoding an echo).
  bool decode_step(ByteReader& in, std::uint8_t head, DecodedStep& out, std::string& error, bool learn);
  bool get_thread_change(ByteReader& in, const StepEvent& event, ThreadChange& c);
  bool get_mutex_change(ByteReader& in, const StepEvent& event, MutexChange& c, bool first);
  bool get_changes(ByteReader& in, const StepEvent& event, DecodedStep& out);

  StepPredictor predictor_;
  const Program& program_;
  std::uint64_t next_index_ = 0;
  std::uint64_t tick_ = 0;
  std::uint32_t threads_ = kMaxTraceThreads;
  bool over_copy_bound_ = false;
};

// Tagged value encoding, for values inside struct/array writes and for
// anything else that must carry a whole Value.
void encode_value(ByteWriter& w, const Value& v);
void encode_value(BufferWriter& w, const Value& v);
bool decode_value(ByteReader& in, Value& out, int depth = 0);

}  // namespace dust::rec

// block_summary.cpp — building, filtering and storing block summaries.
#include "block_summary.hpp"

#include <algorithm>

namespace dust::rec {

namespace {

std::uint64_t mix(std::uint64_t salt, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t z = salt * 0x9e3779b97f4a7c15ull ^ a * 0xbf58476d1ce4e5b9ull ^ b * 0x94d049bb133111ebull ^ c;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void filter_add(std::array<std::uint64_t, 8>& f, std::uint64_t h) {
  for (int i = 0; i < 2; ++i) {
    unsigned bit = static_cast<unsigned>((h >> (i * 9)) & 511);
    f[bit / 64] |= 1ull << (bit % 64);
  }
}

bool filter_has(const std::array<std::uint64_t, 8>& f, std::uint64_t h) {
  for (int i = 0; i < 2; ++i) {
    unsigned bit = static_cast<unsigned>((h >> (i * 9)) & 511);
    if ((f[bit / 64] & (1ull << (bit % 64))) == 0) return false;
  }
  return true;
}

std::uint64_t slot_key(std::uint32_t proc, std::uint32_t slot) { return mix(1, proc, slot, 0); }
std::uint64_t thread_slot_key(std::uint32_t thread, std::uint32_t proc, std::uint32_t slot) {
  return mix(2, proc, slot, thread);
}
std::uint64_t memory_key(std::int64_t address) { return mix(3, static_cast<std::uint64_t>(address) >> 3, 0, 0); }

bool valid_state(std::uint8_t s) { return s <= static_cast<std::uint8_t>(ThreadState::Finished); }

}  // namespace

bool BlockSummary::may_write_slot(std::uint32_t proc, std::uint32_t slot) const {
  return filter_has(filter, slot_key(proc, slot));
}
bool BlockSummary::may_write_slot(std::uint32_t thread, std::uint32_t proc, std::uint32_t slot) const {
  return filter_has(filter, thread_slot_key(thread, proc, slot));
}
bool BlockSummary::may_write_memory(std::int64_t address) const { return filter_has(filter, memory_key(address)); }

const ThreadSpan* BlockSummary::thread(std::uint32_t tid) const {
  for (const ThreadSpan& t : threads)
    if (t.thread == tid) return &t;
  return nullptr;
}

const MutexSpan* BlockSummary::mutex(std::int64_t id) const {
  for (const MutexSpan& m : mutexes)
    if (m.id == id) return &m;
  return nullptr;
}

void write_summary(ByteWriter& w, const BlockSummary& s) {
  w.varint(s.first_step);
  w.varint(s.step_count);
  w.varint(s.tick_first);
  w.varint(s.tick_last - s.tick_first);
  w.varint(s.raw_bytes);
  w.varint(s.flags);
  w.varint(s.effects);
  w.varint(s.threads_at_end);
  w.varint(s.threads.size());
  for (const ThreadSpan& t : s.threads) {
    w.varint(t.thread);
    w.u8(t.existed_at_start ? 1 : 0);
    w.varint(t.appeared);
    w.u8(static_cast<std::uint8_t>(t.start_state));
    w.bytes(t.start_wait);
    w.u8(static_cast<std::uint8_t>(t.end_state));
    w.bytes(t.end_wait);
    for (std::uint64_t n : {t.running, t.runnable, t.blocked, t.sleeping, t.finished}) w.varint(n);
    w.varint(t.segments);
    w.varint(static_cast<std::uint32_t>(t.first_stmt + 1u));
    w.varint(static_cast<std::uint32_t>(t.least_call_depth + 1u));
  }
  w.varint(s.mutexes.size());
  for (const MutexSpan& m : s.mutexes) {
    w.svarint(m.id);
    w.svarint(m.start_owner);
    w.varint(m.start_waiters);
    w.svarint(m.end_owner);
    w.varint(m.end_waiters.size());
    for (std::uint32_t t : m.end_waiters) w.varint(t);
    w.u8(m.contended ? 1 : 0);
    w.varint(m.changes);
  }
  for (std::uint64_t word : s.filter) w.u64(word);
  w.u64(s.sched_rng);
  w.varint(s.sched_states.size());
  for (std::uint8_t state : s.sched_states) w.u8(state);
}

bool read_summary(ByteReader& in, BlockSummary& s, std::uint32_t version) {
  s = BlockSummary{};
  s.first_step = in.varint();
  s.step_count = in.varint();
  s.tick_first = in.varint();
  s.tick_last = s.tick_first + in.varint();
  s.raw_bytes = in.varint();
  s.flags = in.varint32();
  s.effects = in.varint32();
  s.threads_at_end = in.varint32();
  std::uint64_t n = in.varint();
  if (!in.ok() || n > in.remaining()) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    ThreadSpan t;
    t.thread = in.varint32();
    t.existed_at_start = in.u8() != 0;
    t.appeared = in.varint();
    std::uint8_t start = in.u8();
    t.start_wait = in.bytes();
    std::uint8_t end = in.u8();
    t.end_wait = in.bytes();
    t.running = in.varint();
    t.runnable = in.varint();
    t.blocked = in.varint();
    t.sleeping = in.varint();
    t.finished = in.varint();
    t.segments = in.varint32();
    t.first_stmt = in.varint32() - 1u;
    if (version >= 2) t.least_call_depth = in.varint32() - 1u;
    if (!in.ok() || !valid_state(start) || !valid_state(end)) return false;
    t.start_state = static_cast<ThreadState>(start);
    t.end_state = static_cast<ThreadState>(end);
    s.threads.push_back(std::move(t));
  }
  std::uint64_t m = in.varint();
  if (!in.ok() || m > in.remaining()) return false;
  for (std::uint64_t i = 0; i < m; ++i) {
    MutexSpan span;
    span.id = in.svarint();
    span.start_owner = in.svarint();
    span.start_waiters = in.varint32();
    span.end_owner = in.svarint();
    std::uint64_t waiters = in.varint();
    if (!in.ok() || waiters > in.remaining()) return false;
    for (std::uint64_t k = 0; k < waiters; ++k) span.end_waiters.push_back(in.varint32());
    span.contended = in.u8() != 0;
    span.changes = in.varint32();
    s.mutexes.push_back(std::move(span));
  }
  for (std::uint64_t& word : s.filter) word = in.u64();
  if (version >= 3) {
    s.sched_rng = in.u64();
    std::uint64_t states = in.varint();
    // The threads at the start are among those at the end.
    if (!in.ok() || states > s.threads_at_end || states > in.remaining()) return false;
    for (std::uint64_t i = 0; i < states; ++i) {
      std::uint8_t state = in.u8();
      if (!valid_state(state)) return false;
      s.sched_states.push_back(state);
    }
  }
  return in.ok();
}

// ---- SummaryBuilder ----

void SummaryBuilder::begin(const Machine& machine, std::uint64_t first_step, std::uint64_t tick) {
  summary_ = BlockSummary{};
  summary_.first_step = first_step;
  summary_.tick_first = tick;
  summary_.tick_last = tick;
  summary_.sched_rng = machine.rng_state;
  summary_.sched_states = ThreadForecast::states_of(machine);
  threads_.assign(machine.threads.size(), ThreadWork{});
  for (std::size_t i = 0; i < machine.threads.size(); ++i) {
    const Thread& t = machine.threads[i];
    ThreadWork& w = threads_[i];
    w.start_state = w.state = t.state;
    if (t.state == ThreadState::Blocked || t.state == ThreadState::Sleeping) w.start_wait = w.wait = t.wait.text();
    w.since = first_step;
  }
  mutexes_.assign(machine.k.mutexes.size(), MutexWork{});
  for (std::size_t i = 0; i < machine.k.mutexes.size(); ++i) {
    const MutexState& m = machine.k.mutexes[i];
    MutexSpan& span = mutexes_[i].span;
    span.id = m.id;
    span.start_owner = span.end_owner = m.owner;
    span.start_waiters = static_cast<std::uint32_t>(m.waiters.size());
    span.end_waiters = m.waiters;
    span.contended = m.owner >= 0 && !m.waiters.empty();
  }
  previous_thread_ = 0xffffffffu;
  plain_ = 0;
}

void SummaryBuilder::add_threads(std::uint32_t tid, std::uint64_t appeared) {
  std::size_t old = threads_.size();
  threads_.resize(tid + 1);
  for (std::size_t i = old; i < threads_.size(); ++i) {
    threads_[i].existed = false;
    threads_[i].appeared = appeared;
    threads_[i].since = appeared;
  }
}

SummaryBuilder::MutexWork& SummaryBuilder::mutex(std::int64_t id) {
  auto index = static_cast<std::size_t>(id < 1 ? 0 : id - 1);
  if (index >= mutexes_.size()) {
    std::size_t old = mutexes_.size();
    mutexes_.resize(index + 1);
    for (std::size_t i = old; i < mutexes_.size(); ++i) mutexes_[i].span.id = static_cast<std::int64_t>(i + 1);
  }
  MutexWork& w = mutexes_[index];
  w.listed = true;
  return w;
}

void SummaryBuilder::add_lib(const StepEvent& event) {
  summary_.flags |= kBlockLib;
  for (const LibEvent& lib : event.lib) {
    switch (lib.kind) {
      case LibEventKind::MemAlloc:
      case LibEventKind::MemFree:
      case LibEventKind::MemRealloc: summary_.flags |= kBlockMemory; break;
      case LibEventKind::MemWrite: {
        // One filter entry per 8-byte word written (a write is a few bytes).
        std::int64_t words = std::clamp<std::int64_t>((lib.b + 7) / 8 + 1, 1, 64);
        for (std::int64_t i = 0; i < words; ++i) filter_add(summary_.filter, memory_key(lib.a + i * 8));
        break;
      }
      case LibEventKind::IoOpen: summary_.flags |= kBlockIoOpen; break;
      case LibEventKind::MutexNew:
      case LibEventKind::MutexLock:
      case LibEventKind::MutexWait:
      case LibEventKind::MutexUnlock:
      case LibEventKind::MutexTryFail: summary_.flags |= kBlockMutex; break;
      default: break;
    }
  }
}

// Plain steps all ran on the thread of the step before them and ticked once.
void SummaryBuilder::fold_plain() {
  if (plain_ == 0) return;
  summary_.step_count += plain_;
  summary_.tick_last += plain_;
  threads_[previous_thread_].running += plain_;
  plain_ = 0;
}

void SummaryBuilder::add(const StepEvent& event, std::span<const ThreadChange> threads,
                         std::span<const MutexChange> mutexes, const std::vector<WrittenKey>& new_keys) {
  fold_plain();
  std::uint64_t step = event.index;
  ++summary_.step_count;
  summary_.tick_last = event.tick;
  if (event.thread == previous_thread_) {
    ++threads_[event.thread].running;
  } else {
    ThreadWork& runner = thread(event.thread, step);
    ++runner.running;
    if (runner.first_stmt == kNoStmt) runner.first_stmt = event.stmt;
    runner.segments += 2;
    previous_thread_ = event.thread;
  }
  if (event.kind == StepKind::CallEnter) {
    ThreadWork& caller = threads_[event.thread];
    caller.least_call_depth = std::min(caller.least_call_depth, event.depth);
  }
  if (!event.writes.empty()) summary_.flags |= kBlockWrites;
  for (const WrittenKey& key : new_keys) {
    filter_add(summary_.filter, slot_key(key.proc, key.slot));
    filter_add(summary_.filter, thread_slot_key(key.thread, key.proc, key.slot));
  }
  if (event.has_effect | !event.q.empty() | !event.phi.empty() | event.error.has_value() | !event.lib.empty()) {
    if (event.has_effect) {
      summary_.flags |= kBlockEffects;
      ++summary_.effects;
    }
    if (!event.q.empty()) summary_.flags |= kBlockQ;
    if (!event.phi.empty()) summary_.flags |= kBlockPhi;
    if (event.error) summary_.flags |= kBlockError;
    if (!event.lib.empty()) add_lib(event);
  }
  if (threads.empty() && mutexes.empty()) return;
  for (const ThreadChange& c : threads) {
    summary_.flags |= kBlockThreads;
    bool known = c.thread < threads_.size();
    ThreadWork& w = thread(c.thread, step + 1);
    if (known) {
      w.time[static_cast<std::size_t>(w.state)] += step + 1 - std::min(w.since, step + 1);
      ++w.segments;
    }
    w.since = step + 1;
    w.state = c.state;
    w.wait = c.wait;
  }
  for (const MutexChange& c : mutexes) {
    summary_.flags |= kBlockMutex;
    MutexWork& w = mutex(c.id);
    ++w.span.changes;
    w.span.end_owner = c.owner;
    w.span.end_waiters = c.waiters;
    if (c.owner >= 0 && !c.waiters.empty()) w.span.contended = true;
  }
}

BlockSummary SummaryBuilder::finish(std::uint64_t raw_bytes) {
  fold_plain();
  summary_.raw_bytes = raw_bytes;
  std::uint64_t end = summary_.end_step();
  summary_.threads_at_end = static_cast<std::uint32_t>(threads_.size());
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    ThreadWork& w = threads_[i];
    if (!w.listed) continue;
    w.time[static_cast<std::size_t>(w.state)] += end - std::min(w.since, end);
    ThreadSpan span;
    span.thread = static_cast<std::uint32_t>(i);
    span.existed_at_start = w.existed;
    span.appeared = w.existed ? summary_.first_step : w.appeared;
    span.start_state = w.start_state;
    span.start_wait = w.start_wait;
    span.end_state = w.state;
    span.end_wait = w.wait;
    span.running = w.running;
    std::uint64_t runnable = w.time[static_cast<std::size_t>(ThreadState::Runnable)];
    span.runnable = runnable > w.running ? runnable - w.running : 0;
    span.blocked = w.time[static_cast<std::size_t>(ThreadState::Blocked)];
    span.sleeping = w.time[static_cast<std::size_t>(ThreadState::Sleeping)];
    span.finished = w.time[static_cast<std::size_t>(ThreadState::Finished)];
    span.segments = std::max<std::uint32_t>(w.segments, 1);
    span.first_stmt = w.first_stmt;
    span.least_call_depth = w.least_call_depth;
    summary_.threads.push_back(std::move(span));
  }
  for (MutexWork& w : mutexes_) {
    if (w.listed) summary_.mutexes.push_back(w.span);
  }
  return summary_;
}

}  // namespace dust::rec

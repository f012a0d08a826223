// memory_history.cpp — who read and wrote memory, and which of those
// accesses race.
//
// Every load and store is a library event (MemRead, MemWrite) with its
// address, size and value, so the history of a range of bytes is read
// straight from the blocks that hold library events. A data race is two
// accesses to overlapping bytes from different threads, at least one a
// write, where the threads held no mutex in common (their locksets, kept
// from MutexLock and MutexUnlock events) and neither access is ordered
// before the other by spawn and join (vector clocks: a spawn hands the
// parent's clock to the child, a join merges the joined thread's clock
// into the joiner's). As in FastTrack, each access is compared with the
// last read and the last write of every other thread to the same 8-byte
// word, which finds a race wherever one exists between them without
// comparing every pair of a million accesses.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "block_summary.hpp"
#include "query_names.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

// Races listed at most; a racy loop would otherwise list one per iteration.
constexpr std::size_t kMaxRaces = 10000;

// Threads the race check follows at most. Each has a vector clock as long
// as the threads seen, and each access keeps a copy of its thread's, so
// the check's memory grows with the square of the threads: a trace that
// names more (a hostile one can name ids up to kMaxTraceThreads in a few
// bytes) ends the check with an error instead.
constexpr std::uint32_t kMaxRaceThreads = 1024;

using Clock = std::vector<std::uint64_t>;

// Happens-before through spawn and join, one vector clock per thread,
// indexed by the thread's slot (RaceScan::slot_of), not its id.
class ThreadClocks {
 public:
  ThreadClocks() { at(0)[0] = 1; }
  Clock& at(std::uint32_t t) {
    if (t >= clocks_.size()) clocks_.resize(t + 1);
    Clock& c = clocks_[t];
    if (c.size() <= t) c.resize(t + 1, 0);
    return c;
  }
  void spawn(std::uint32_t parent, std::uint32_t child) {
    Clock inherited = at(parent);
    Clock& c = at(child);
    c = std::move(inherited);
    if (c.size() <= child) c.resize(child + 1, 0);
    ++c[child];
    ++at(parent)[parent];
  }
  void join(std::uint32_t joiner, std::uint32_t joined) {
    Clock done = at(joined);
    Clock& c = at(joiner);
    if (c.size() < done.size()) c.resize(done.size(), 0);
    for (std::size_t i = 0; i < done.size(); ++i) c[i] = std::max(c[i], done[i]);
    ++c[joiner];
  }

 private:
  std::vector<Clock> clocks_;
};

// An access as the race check keeps it: compact, with its thread's clock and locks.
struct Stamp {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  std::uint32_t slot = 0;  // the thread's slot: the index of its clocks and histories
  std::uint32_t frame = 0;
  std::uint32_t stmt = kNoStmt;
  bool write = false;
  std::int64_t address = 0, bytes = 0, value = 0;
  Clock clock;
  std::vector<std::int64_t> locks;
};

bool happened_before(const Stamp& a, const Stamp& b) {
  std::uint64_t seen = a.slot < b.clock.size() ? b.clock[a.slot] : 0;
  return a.clock[a.slot] <= seen;
}

bool share_a_lock(const Stamp& a, const Stamp& b) {
  for (std::int64_t m : a.locks) {
    if (std::find(b.locks.begin(), b.locks.end(), m) != b.locks.end()) return true;
  }
  return false;
}

bool overlap(const Stamp& a, const Stamp& b) {
  return a.address < access_end(b.address, b.bytes) && b.address < access_end(a.address, a.bytes);
}

// The last read and write of one word by each thread.
struct WordHistory {
  std::vector<std::optional<Stamp>> reads, writes;  // by thread slot
};

class RaceScan {
 public:
  RaceScan(const Program& program, std::uint32_t threads, std::int64_t address, std::int64_t end, std::uint64_t from,
           std::uint64_t to, MemoryHistory* history, std::vector<DataRace>& races)
      : p_(program), threads_(threads), address_(address), end_(end), from_(from), to_(to), history_(history),
        races_(races) {}

  void step(const StepEvent& e) {
    if (e.index >= to_ || too_many_threads_) return;
    for (const LibEvent& lib : e.lib) {
      switch (lib.kind) {
        case LibEventKind::ThreadSpawn:
          if (known_thread(lib.a)) link(e.thread, lib.a, &ThreadClocks::spawn);
          break;
        case LibEventKind::ThreadJoin:
          if (known_thread(lib.a)) link(e.thread, lib.a, &ThreadClocks::join);
          break;
        case LibEventKind::MutexLock:
          if (auto slot = slot_of(e.thread)) locks(*slot).push_back(lib.a);
          break;
        case LibEventKind::MutexUnlock:
          if (auto slot = slot_of(e.thread)) {
            std::vector<std::int64_t>& held = locks(*slot);
            held.erase(std::remove(held.begin(), held.end(), lib.a), held.end());
          }
          break;
        case LibEventKind::MemRead:
        case LibEventKind::MemWrite:
          if (auto slot = slot_of(e.thread)) access(e, lib, *slot);
          break;
        default: break;
      }
      if (too_many_threads_) return;
    }
  }

  // Why the check stopped early, once the trace named more threads than
  // it follows (it takes no more steps then), or empty.
  std::string stopped() const {
    return too_many_threads_ ? "the race check follows at most " + std::to_string(kMaxRaceThreads) + " threads" : "";
  }

 private:
  // A thread id a library event names: one the run had (a trace is
  // hostile input).
  bool known_thread(std::int64_t id) const { return id >= 0 && id < static_cast<std::int64_t>(threads_); }

  // The thread's slot: threads are numbered as they first appear, so that
  // clocks and histories are as long as the threads seen, not as the
  // largest id. Null once more than kMaxRaceThreads have appeared.
  std::optional<std::uint32_t> slot_of(std::uint32_t thread) {
    auto found = slots_.find(thread);
    if (found != slots_.end()) return found->second;
    if (slots_.size() >= kMaxRaceThreads) {
      too_many_threads_ = true;
      return std::nullopt;
    }
    const auto slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace(thread, slot);
    return slot;
  }

  void link(std::uint32_t thread, std::int64_t other, void (ThreadClocks::*relate)(std::uint32_t, std::uint32_t)) {
    auto from = slot_of(thread);
    auto to = from ? slot_of(static_cast<std::uint32_t>(other)) : std::nullopt;
    if (from && to) (clocks_.*relate)(*from, *to);
  }

  std::vector<std::int64_t>& locks(std::uint32_t t) {
    if (t >= locks_.size()) locks_.resize(t + 1);
    return locks_[t];
  }

  MemoryAccess render(const Stamp& s) const {
    return MemoryAccess{s.step,    s.thread, s.frame, s.write, s.address, s.bytes, s.value,
                        statement_place(p_, s.stmt), s.locks};
  }

  void access(const StepEvent& e, const LibEvent& lib, std::uint32_t slot) {
    std::int64_t last = access_end(lib.a, lib.b);
    if (last <= address_ || lib.a >= end_) return;
    Stamp s{e.index, e.thread, slot, e.depth, e.stmt, lib.kind == LibEventKind::MemWrite, lib.a, lib.b, lib.c,
            clocks_.at(slot), locks(slot)};
    bool listed = e.index >= from_;
    if (listed && history_ != nullptr) history_->accesses.push_back(render(s));
    // Words are 8 bytes; a string of bytes is checked word by word, up to 64 of them.
    std::int64_t first_word = std::max(lib.a, address_) >> 3;
    std::int64_t last_word = std::min(std::min(last, end_) - 1, access_end(lib.a, 64 * 8) - 1) >> 3;
    for (std::int64_t word = first_word; word <= last_word; ++word) check_word(words_[word], s, listed);
  }

  void check_word(WordHistory& h, const Stamp& s, bool listed) {
    std::size_t threads = std::max<std::size_t>(h.writes.size(), s.slot + 1);
    h.reads.resize(threads);
    h.writes.resize(threads);
    for (std::uint32_t u = 0; u < threads; ++u) {
      if (u == s.slot) continue;
      if (h.writes[u]) flag(*h.writes[u], s, listed);
      if (s.write && h.reads[u]) flag(*h.reads[u], s, listed);
    }
    (s.write ? h.writes : h.reads)[s.slot] = s;
  }

  void flag(const Stamp& earlier, const Stamp& later, bool listed) {
    if (!listed || !overlap(earlier, later) || share_a_lock(earlier, later) || happened_before(earlier, later)) return;
    if (races_.size() >= kMaxRaces) return;
    if (!races_.empty() && races_.back().first.step == earlier.step && races_.back().second.step == later.step) return;
    races_.push_back(DataRace{std::max(earlier.address, later.address), render(earlier), render(later)});
  }

  const Program& p_;
  std::uint32_t threads_;
  std::int64_t address_, end_;
  std::uint64_t from_, to_;
  MemoryHistory* history_;
  std::vector<DataRace>& races_;
  ThreadClocks clocks_;
  std::unordered_map<std::uint32_t, std::uint32_t> slots_{{0, 0}};  // thread id -> slot; the main thread first
  bool too_many_threads_ = false;
  std::vector<std::vector<std::int64_t>> locks_;  // by slot
  std::unordered_map<std::int64_t, WordHistory> words_;
};

}  // namespace

// Feeds the race scan every library step before `to`, block by block, and
// says why it stopped before `to`, if it did: a block that cannot be read
// (for_each_step left the reason in last_error_) or the scan's own limit,
// which then becomes the last error too.
template <class Scan>
std::string ReaderImpl::scan_blocks(Scan& scan, std::uint64_t to) {
  for (std::size_t b = 0; b < blocks_.size() && blocks_[b].summary.first_step < to; ++b) {
    if ((blocks_[b].summary.flags & kBlockLib) == 0) continue;
    if (!for_each_step(b, to, [&](const StepEvent& e) { scan.step(e); })) return last_error_;
    if (std::string why = scan.stopped(); !why.empty()) {
      last_error_ = path_ + ": " + why;
      return last_error_;
    }
  }
  return {};
}

MemoryHistory ReaderImpl::memory_accesses(std::int64_t address, std::int64_t end, std::uint64_t from, std::uint64_t to) {
  MemoryHistory out;
  out.address = address;
  out.end = std::max(end, access_end(address, 1));
  out.from = from;
  out.to = std::min(to, info_.steps);
  // Locks and clocks come from the whole run before the range, so the scan starts at step 0.
  RaceScan scan(*program_, info_.threads, out.address, out.end, out.from, out.to, &out, out.races);
  out.stopped = scan_blocks(scan, out.to);
  return out;
}

RaceReport ReaderImpl::data_races() {
  if (data_races_) return *data_races_;
  RaceReport report;
  RaceScan scan(*program_, info_.threads, std::numeric_limits<std::int64_t>::min(),
                std::numeric_limits<std::int64_t>::max(), 0, info_.steps, nullptr, report.races);
  report.stopped = scan_blocks(scan, info_.steps);
  // A check that stopped is not kept: the block may read next time (a
  // file still being written), and the answer would then be whole.
  if (report.stopped.empty()) data_races_ = report;
  return report;
}

}  // namespace dust::rec

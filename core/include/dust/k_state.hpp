// k_state.hpp — the K-regime library's state, held inside the Machine.
//
// The data lives in core so that a Machine copy is a complete snapshot and
// the recorder can serialise it without knowing dustlib_k; the behaviour
// (what alloc, lock or open do to it) lives in dustlib_k.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dust {

// Which mutex each queued thread waits for (thread -> mutex), in thread
// order. Every mutex_lock looks here and every contended one adds and later
// removes an entry, for a handful of threads at most: a sorted vector, where
// a tree would allocate a node per wait. It reads like the std::map it
// replaces (and is archived as one). mutex_for answers every mutex_lock's
// question (is this a retry?) by one look in a table by thread id, beside
// the entries, where a search's branches would follow the seeded
// interleaving and miss; the table covers thread ids below kTabled only, so
// that an archive naming a huge thread id allocates nothing for it.
class PendingLocks {
 public:
  using Entry = std::pair<std::uint32_t, std::int64_t>;
  using const_iterator = std::vector<Entry>::const_iterator;
  static constexpr std::uint32_t kTabled = 4096;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() {
    entries_.clear();
    by_thread_.clear();
  }

  const_iterator find(std::uint32_t thread) const {
    auto it = lower_bound(thread);
    return it != entries_.end() && it->first == thread ? const_iterator(it) : end();
  }
  // The mutex `thread` queued for, or 0 (mutex ids count from 1).
  std::int64_t mutex_for(std::uint32_t thread) const {
    if (thread < by_thread_.size()) return by_thread_[thread];
    return thread < kTabled ? 0 : searched_mutex_for(thread);
  }
  // Sets the thread's entry.
  void set(std::uint32_t thread, std::int64_t mutex) {
    auto it = lower_bound(thread);
    if (it != entries_.end() && it->first == thread) {
      it->second = mutex;
    } else {
      entries_.insert(it, Entry{thread, mutex});
    }
    table(thread, mutex);
  }
  // Replaces every entry by `entries`, given in any order; of two for one
  // thread the first stands, as std::map's emplace keeps it. For an
  // archive's entries, which a forged file may give in reverse: sorted
  // once, where setting them one by one would move all before each.
  void assign(std::vector<Entry> entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const Entry& a, const Entry& b) { return a.first == b.first; }),
                  entries.end());
    entries_ = std::move(entries);
    by_thread_.clear();
    for (const Entry& e : entries_) table(e.first, e.second);
  }
  void erase(const_iterator it) {
    if (it->first < by_thread_.size()) by_thread_[it->first] = 0;
    entries_.erase(it);
  }
  void erase(std::uint32_t thread) {
    auto it = find(thread);
    if (it != end()) erase(it);
  }

  friend bool operator==(const PendingLocks& a, const PendingLocks& b) { return a.entries_ == b.entries_; }

 private:
  std::vector<Entry>::iterator lower_bound(std::uint32_t thread) const {
    auto& entries = const_cast<std::vector<Entry>&>(entries_);
    return std::lower_bound(entries.begin(), entries.end(), thread,
                            [](const Entry& e, std::uint32_t t) { return e.first < t; });
  }
  void table(std::uint32_t thread, std::int64_t mutex) {
    if (thread >= kTabled) return;
    if (by_thread_.size() <= thread) by_thread_.resize(thread + 1, 0);
    by_thread_[thread] = mutex;
  }
  [[gnu::noinline]] std::int64_t searched_mutex_for(std::uint32_t thread) const {
    auto it = find(thread);
    return it != end() ? it->second : 0;
  }
  std::vector<Entry> entries_;
  std::vector<std::int64_t> by_thread_;  // thread id -> mutex_for's answer, for ids below kTabled
};

struct HeapBlock {
  std::int64_t address = 0;
  std::int64_t size = 0;
  bool live = true;
  std::uint32_t owner_thread = 0;   // the thread that allocated it
  std::uint64_t alloc_step = 0;
  std::uint64_t free_step = 0;
  std::vector<std::uint8_t> bytes;  // contents; emptied when freed
};

struct Heap {
  static constexpr std::int64_t kBase = 16777216;
  std::int64_t next = kBase;                 // bump pointer, 16-byte aligned
  std::int64_t live_bytes = 0;               // sum of the sizes of live blocks
  std::map<std::int64_t, HeapBlock> blocks;  // by address, freed ones kept for diagnosis
  // Bytes written by `poke` (inside unsafe) where no live block is: freed
  // blocks and alignment padding. Addresses are never reused, so they can
  // never collide with a later block.
  std::map<std::int64_t, std::uint8_t> stray_bytes;
};

struct MutexState {
  std::int64_t id = 0;
  std::int64_t owner = -1;               // thread id, -1 when free
  std::vector<std::uint32_t> waiters;    // in arrival order
};

struct OpenFile {
  std::int64_t fd = 0;
  std::string path;
  std::string mode;                      // "r", "w", "a"
  std::int64_t position = 0;
  bool open = true;
};

struct UnsafeRecord {
  std::uint32_t thread = 0;
  std::uint64_t step = 0;
  std::string reason;
};

struct KState {
  Heap heap;
  std::vector<MutexState> mutexes;                 // id = index + 1
  // The file world as the machine sees it: normalised path (relative to
  // the root) -> contents. In realize mode it mirrors the real files it has
  // read or written, so the outside is read at most once per path.
  std::map<std::string, std::string> files;
  std::set<std::string> consulted_paths;           // paths whose outside state was taken in (IoOpen data)
  std::map<std::int64_t, OpenFile> fds;            // by fd, closed ones kept for diagnosis
  std::int64_t next_fd = 3;
  std::map<std::int64_t, std::int64_t> ports;      // io ports: port -> last value written
  std::map<std::int64_t, std::int64_t> mmio;       // memory-mapped device cells: address -> value
  std::vector<UnsafeRecord> unsafe_log;
  std::vector<std::uint32_t> unsafe_depth;         // per thread
  // Blocking calls are retried when their thread wakes; these say what a
  // thread was waiting for so the retry completes instead of starting over.
  std::map<std::uint32_t, std::uint64_t> sleep_until;   // thread -> wake tick
  PendingLocks lock_pending;                              // thread -> mutex it queued for
};

}  // namespace dust

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

// Which mutex each queued thread waits for (thread -> mutex). Every
// mutex_lock asks it (is this a retry?), and every contended one adds an
// entry and later removes it: most steps of a contended run. So an entry
// for a thread id below kTabled lives in a table by thread id, where
// setting, removing and finding it is one store or load. A sorted vector
// would move its entries and search them, and under a seeded interleaving
// both the search's branches and the move's length follow the coin tosses
// and miss. Entries the table cannot hold (a thread id from kTabled up, so
// that an archive naming a huge id allocates nothing for it, or a mutex
// id of 0, which the table reads as no entry) are kept sorted beside it.
// entries() lists both in thread order, as the archive and the state hash
// read them; it is archived as the std::map it replaces.
class PendingLocks {
 public:
  using Entry = std::pair<std::uint32_t, std::int64_t>;
  static constexpr std::uint32_t kTabled = 4096;

  std::size_t size() const { return tabled_count_ + searched_.size(); }
  bool empty() const { return size() == 0; }
  void clear() {
    by_thread_.clear();
    tabled_count_ = 0;
    searched_.clear();
  }

  // The mutex `thread` queued for, or 0 (mutex ids count from 1; a forged
  // entry naming mutex 0 answers 0 as well).
  std::int64_t mutex_for(std::uint32_t thread) const {
    if (thread < by_thread_.size()) return by_thread_[thread];
    return thread < kTabled ? 0 : searched_mutex_for(thread);
  }
  // Sets the thread's entry.
  void set(std::uint32_t thread, std::int64_t mutex) {
    if (thread < kTabled && mutex != 0) {
      if (!searched_.empty()) [[unlikely]] erase_searched(thread);
      if (by_thread_.size() <= thread) by_thread_.resize(thread + 1, 0);
      tabled_count_ += by_thread_[thread] == 0 ? 1 : 0;
      by_thread_[thread] = mutex;
      return;
    }
    erase_tabled(thread);
    auto it = searched(thread);
    if (it != searched_.end() && it->first == thread) {
      it->second = mutex;
    } else {
      searched_.insert(it, Entry{thread, mutex});
    }
  }
  void erase(std::uint32_t thread) {
    if (erase_tabled(thread)) return;
    if (!searched_.empty()) erase_searched(thread);
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
    clear();
    // In thread order, each entry set() keeps beside the table goes on its
    // end, found by one search.
    for (const Entry& e : entries) set(e.first, e.second);
  }
  // Calls visit(thread, mutex) for every entry, in thread order, without
  // allocating (the state hash asks for every state an exploration visits).
  template <class Visit>
  void for_each(Visit&& visit) const {
    auto beyond = searched_.begin();
    for (std::uint32_t t = 0; t < by_thread_.size(); ++t) {
      if (by_thread_[t] == 0) continue;
      for (; beyond != searched_.end() && beyond->first < t; ++beyond) visit(beyond->first, beyond->second);
      visit(t, by_thread_[t]);
    }
    for (; beyond != searched_.end(); ++beyond) visit(beyond->first, beyond->second);
  }
  // Every entry, in thread order.
  std::vector<Entry> entries() const {
    std::vector<Entry> all;
    all.reserve(size());
    for_each([&](std::uint32_t thread, std::int64_t mutex) { all.emplace_back(thread, mutex); });
    return all;
  }

  friend bool operator==(const PendingLocks& a, const PendingLocks& b) {
    return a.size() == b.size() && a.entries() == b.entries();
  }

 private:
  std::vector<Entry>::iterator searched(std::uint32_t thread) const {
    auto& entries = const_cast<std::vector<Entry>&>(searched_);
    return std::lower_bound(entries.begin(), entries.end(), thread,
                            [](const Entry& e, std::uint32_t t) { return e.first < t; });
  }
  bool erase_tabled(std::uint32_t thread) {
    if (thread >= by_thread_.size() || by_thread_[thread] == 0) return false;
    by_thread_[thread] = 0;
    --tabled_count_;
    return true;
  }
  void erase_searched(std::uint32_t thread) {
    auto it = searched(thread);
    if (it != searched_.end() && it->first == thread) searched_.erase(it);
  }
  [[gnu::noinline]] std::int64_t searched_mutex_for(std::uint32_t thread) const {
    auto it = searched(thread);
    return it != searched_.end() && it->first == thread ? it->second : 0;
  }
  std::vector<std::int64_t> by_thread_;  // thread id below kTabled -> its mutex, 0 for no entry
  std::size_t tabled_count_ = 0;         // the nonzero entries of by_thread_
  std::vector<Entry> searched_;          // the other entries, in thread order
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

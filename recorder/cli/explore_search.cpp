// explore_search.cpp — the exhaustive explorer (explore_search.hpp).
#include "explore_search.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "dust/machine_hash.hpp"
#include "dust/schedule.hpp"

namespace dust::cli {

namespace {

// ---- what a step touches ----

enum class Obj : std::uint8_t { Mem, Heap, Mutex, MutexTable, Thread, ThreadTable, Effects, World, Q, Phi, Unsafe, Everything };

struct Access {
  Obj obj = Obj::Everything;
  std::int64_t lo = 0;  // memory: the byte range [lo, hi); ids: [id, id + 1)
  std::int64_t hi = 0;
  bool write = true;
  friend bool operator==(const Access&, const Access&) = default;
};

using Footprint = std::vector<Access>;

bool conflict(const Access& a, const Access& b) {
  if (a.obj == Obj::Everything || b.obj == Obj::Everything) return true;
  if (!a.write && !b.write) return false;
  // Allocation and freeing change which memory exists: they conflict with
  // every memory access.
  bool a_mem = a.obj == Obj::Mem || a.obj == Obj::Heap, b_mem = b.obj == Obj::Mem || b.obj == Obj::Heap;
  if (a_mem && b_mem && (a.obj == Obj::Heap || b.obj == Obj::Heap)) return true;
  if (a.obj != b.obj) return false;
  return a.lo < b.hi && b.lo < a.hi;
}

bool conflict(const Footprint& a, const Footprint& b) {
  for (const Access& x : a)
    for (const Access& y : b)
      if (conflict(x, y)) return true;
  return false;
}

Access id_access(Obj obj, std::int64_t id, bool write = true) { return Access{obj, id, id + 1, write}; }

// What one step of thread `t` touched, from its event and the machine
// after it. Every access to shared state is a library, effect, Q or Φ
// event, so a step with none of them is local to its thread. A step that
// ends the run (a failure, a deadlock, main returning) touches everything:
// it disables every other thread.
Footprint footprint_of(const StepEvent& ev, const Machine& after, std::uint32_t t) {
  Footprint fp;
  if (ev.has_effect) fp.push_back(Access{Obj::Effects, 0, 1, true});
  if (!ev.q.empty()) fp.push_back(Access{Obj::Q, 0, 1, true});
  if (!ev.phi.empty()) fp.push_back(Access{Obj::Phi, 0, 1, true});
  if (ev.error || ev.kind == StepKind::Failed || after.done()) fp.push_back(Access{});
  for (const LibEvent& e : ev.lib) {
    switch (e.kind) {
      case LibEventKind::MemRead: fp.push_back(Access{Obj::Mem, e.a, e.a + std::max<std::int64_t>(e.b, 1), false}); break;
      case LibEventKind::MemWrite: fp.push_back(Access{Obj::Mem, e.a, e.a + std::max<std::int64_t>(e.b, 1), true}); break;
      case LibEventKind::MemAlloc:
      case LibEventKind::MemFree:
      case LibEventKind::MemRealloc:
      case LibEventKind::Leak: fp.push_back(Access{Obj::Heap, 0, 1, true}); break;
      case LibEventKind::ThreadSpawn:
        fp.push_back(Access{Obj::ThreadTable, 0, 1, true});
        fp.push_back(id_access(Obj::Thread, e.a));
        break;
      case LibEventKind::ThreadJoin:
      case LibEventKind::ThreadExit: fp.push_back(id_access(Obj::Thread, e.a)); break;
      case LibEventKind::ThreadYield: break;
      case LibEventKind::ThreadSleep: fp.push_back(Access{}); break;  // reads the clock
      case LibEventKind::MutexNew:
        // A mutex's id is known before it exists (ids count up), so making
        // it conflicts with every use of that id.
        fp.push_back(Access{Obj::MutexTable, 0, 1, true});
        fp.push_back(id_access(Obj::Mutex, e.a));
        break;
      case LibEventKind::MutexLock:
      case LibEventKind::MutexWait:
      case LibEventKind::MutexUnlock:
      case LibEventKind::MutexTryFail: fp.push_back(id_access(Obj::Mutex, e.a)); break;
      case LibEventKind::IoOpen:
      case LibEventKind::IoRead:
      case LibEventKind::IoWrite:
      case LibEventKind::IoClose:
      case LibEventKind::PortRead:
      case LibEventKind::PortWrite: fp.push_back(Access{Obj::World, 0, 1, true}); break;
      case LibEventKind::UnsafeBegin:
      case LibEventKind::UnsafeEnd: fp.push_back(Access{Obj::Unsafe, 0, 1, true}); break;
    }
  }
  const ThreadState state = t < after.threads.size() ? after.threads[t].state : ThreadState::Finished;
  if (state == ThreadState::Finished) fp.push_back(id_access(Obj::Thread, t));
  // A thread that blocked again after a wake-up says what it waits for
  // only in its wait: a mutex or a thread; anything else (a sleep, which
  // reads the clock) is treated as touching everything.
  if ((state == ThreadState::Blocked || state == ThreadState::Sleeping || ev.kind == StepKind::Blocked) &&
      ev.lib.empty()) {
    const WaitInfo& wait = after.threads[t].wait;
    if (state == ThreadState::Blocked && wait.kind == WaitKind::Mutex) {
      fp.push_back(id_access(Obj::Mutex, wait.id));
    } else if (state == ThreadState::Blocked && wait.kind == WaitKind::Join) {
      fp.push_back(id_access(Obj::Thread, wait.id));
    } else {
      fp.push_back(Access{});
    }
  }
  return fp;
}

// ---- the happens-before order of the current path (DPOR) ----

using Clock = std::vector<std::uint32_t>;  // per thread: how many of its events happen before

std::uint32_t clock_at(const Clock& c, std::uint32_t t) { return t < c.size() ? c[t] : 0; }

void join_clock(Clock& a, const Clock& b) {
  if (a.size() < b.size()) a.resize(b.size(), 0);
  for (std::size_t i = 0; i < b.size(); ++i) a[i] = std::max(a[i], b[i]);
}

// One step of the current path that touched shared state (local steps are
// left out: they never race, and program order already covers them).
struct Event {
  std::uint32_t thread = 0;
  std::uint32_t seq = 0;       // 1-based: its place among its thread's events
  std::int64_t spawned = -1;   // the thread it spawned, if any
  std::int64_t node = -1;      // the stack node it was chosen at; -1: no choice can be added there
  Footprint fp;
  Clock clock;                 // the events that happen before it, itself included
};

bool happens_before(const Event& a, const Clock& b) { return clock_at(b, a.thread) >= a.seq; }

// The events of the current path. The search cuts the path back and grows
// it again at every branch; slots past its end keep their footprint and
// clock buffers, so growing it again allocates nothing.
class Path {
 public:
  std::size_t size() const { return size_; }
  const Event& operator[](std::size_t k) const { return events_[k]; }
  const Event* begin() const { return events_.data(); }
  const Event* end() const { return events_.data() + size_; }
  void truncate(std::size_t n) { size_ = std::min(size_, n); }
  void clear() { size_ = 0; }
  // The slot the next event is built in; push() makes it part of the path.
  // Valid until the next call of spare().
  Event& spare() {
    if (size_ == events_.size()) events_.emplace_back();
    return events_[size_];
  }
  void push() { ++size_; }

 private:
  std::vector<Event> events_;
  std::size_t size_ = 0;
};

// A step as a state's summary keeps it: thread, footprint, and the
// threads (ids below 64) with an earlier event below that state that
// happens before it.
struct Signature {
  std::uint32_t thread = 0;
  Footprint fp;
  std::uint64_t after = 0;
  friend bool operator==(const Signature&, const Signature&) = default;
};

// ---- the search ----

struct SleepEntry {
  std::uint32_t thread = 0;
  Footprint footprint;
};

struct HashOf {
  std::size_t operator()(const MachineHash& h) const { return static_cast<std::size_t>(h.lo ^ (h.hi * 31)); }
};

// A summary is a set of signature ids. Many states share one (every state
// below which the same kinds of steps were taken), so sets are interned:
// a visited state and a stack node keep only the id of theirs, and the
// unions the search takes again and again are remembered. Id 0 is the
// empty set.
class SummarySets {
 public:
  SummarySets() { sets_.emplace_back(); }

  const std::vector<std::uint32_t>& operator[](std::uint32_t id) const { return sets_[id]; }

  // set ∪ {signature}
  std::uint32_t with(std::uint32_t set, std::uint32_t signature) {
    const std::uint64_t key = (std::uint64_t{set} << 32) | signature;
    Recent& recent = recent_additions_[slot(key)];
    if (recent.key == key) return recent.value;
    auto [it, fresh] = additions_.try_emplace(key, set);
    if (fresh) {
      const std::vector<std::uint32_t>& s = sets_[set];
      auto at = std::lower_bound(s.begin(), s.end(), signature);
      if (at == s.end() || *at != signature) {
        std::vector<std::uint32_t> grown;
        grown.reserve(s.size() + 1);
        grown.insert(grown.end(), s.begin(), at);
        grown.push_back(signature);
        grown.insert(grown.end(), at, s.end());
        it->second = intern(std::move(grown));  // (it stays valid: intern touches other tables)
      }
    }
    recent = Recent{key, it->second};
    return it->second;
  }

  std::uint32_t unite(std::uint32_t a, std::uint32_t b) {
    if (a == b || b == 0) return a;
    if (a == 0) return b;
    const std::uint64_t key = (std::uint64_t{std::min(a, b)} << 32) | std::max(a, b);
    Recent& recent = recent_unions_[slot(key)];
    if (recent.key == key) return recent.value;
    if (auto it = unions_.find(key); it != unions_.end()) {
      recent = Recent{key, it->second};
      return it->second;
    }
    const std::vector<std::uint32_t>&x = sets_[a], &y = sets_[b];
    std::uint32_t id = 0;
    if (std::includes(x.begin(), x.end(), y.begin(), y.end())) {
      id = a;
    } else if (std::includes(y.begin(), y.end(), x.begin(), x.end())) {
      id = b;
    } else {
      std::vector<std::uint32_t> out;
      out.reserve(x.size() + y.size());
      std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
      id = intern(std::move(out));
    }
    unions_.emplace(key, id);
    recent_unions_[slot(key)] = Recent{key, id};
    return id;
  }

 private:
  // Sets are found by a hash of their ids; a collision moves on to the
  // next key, so equal ids always mean equal sets.
  std::uint32_t intern(std::vector<std::uint32_t> set) {
    std::uint64_t key = 0x84222325cbf29ce4ull ^ set.size();
    for (std::uint32_t id : set) key = (key ^ id) * 0x100000001b3ull;
    for (;; ++key) {
      auto [it, fresh] = by_hash_.try_emplace(key, static_cast<std::uint32_t>(sets_.size()));
      if (fresh) {
        sets_.push_back(std::move(set));
        return it->second;
      }
      if (sets_[it->second] == set) return it->second;
    }
  }

  // The answers given lately, in small direct-mapped tables in front of
  // the maps: the search asks the same few questions again and again, and
  // a slot here is one cache line where a map lookup is several.
  struct Recent {
    std::uint64_t key = UINT64_MAX;  // no pair of ids (ids stay below 2^32 - 1)
    std::uint32_t value = 0;
  };
  static constexpr int kRecentBits = 14;
  static std::size_t slot(std::uint64_t key) { return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> (64 - kRecentBits)); }
  std::vector<Recent> recent_unions_ = std::vector<Recent>(std::size_t{1} << kRecentBits);
  std::vector<Recent> recent_additions_ = std::vector<Recent>(std::size_t{1} << kRecentBits);

  std::vector<std::vector<std::uint32_t>> sets_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_hash_;
  std::unordered_map<std::uint64_t, std::uint32_t> unions_;     // (smaller id, larger id) -> their union
  std::unordered_map<std::uint64_t, std::uint32_t> additions_;  // (set, signature) -> set with it
};

struct Visit {
  std::vector<std::uint32_t> asleep;  // threads not explored from this state, ascending
  std::uint64_t preemptions = 0;      // the fewest preemptions it was reached with
  std::uint32_t summary = 0;          // the steps taken anywhere below it (a SummarySets id)
};

// The visited states: an open-addressing table from a state's hash to its
// Visit (a state's hash is already well mixed, so its low word places it).
// The search looks a state up at every branch, and a table of nodes would
// cost a cache miss per link.
class VisitedTable {
 public:
  // The index of the state's Visit, and whether it was just added.
  std::pair<std::uint32_t, bool> find_or_add(const MachineHash& h) {
    if ((visits_.size() + 1) * 2 > slots_.size()) grow();
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h.lo) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.index == kEmpty) {
        s = Slot{h, static_cast<std::uint32_t>(visits_.size())};
        visits_.emplace_back();
        return {s.index, true};
      }
      if (s.hash == h) return {s.index, false};
    }
  }
  Visit& operator[](std::uint32_t index) { return visits_[index]; }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    MachineHash hash;
    std::uint32_t index = kEmpty;
  };
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.index == kEmpty) continue;
      std::size_t i = static_cast<std::size_t>(s.hash.lo) & mask;
      while (slots_[i].index != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::vector<Visit> visits_;
};

using MachinePtr = std::unique_ptr<Machine>;

struct Trial {
  Footprint fp;
  std::int64_t spawned = -1;
};

struct Node {
  Node(MachinePtr machine, std::vector<std::uint32_t> run, std::vector<SleepEntry> asleep, std::vector<std::uint32_t> next_threads)
      : m(std::move(machine)), runnable(std::move(run)), sleep(std::move(asleep)), awake(std::move(next_threads)), backtrack(awake) {}

  MachinePtr m;
  std::vector<std::uint32_t> runnable;  // ascending
  std::vector<SleepEntry> sleep;
  std::vector<std::uint32_t> awake;     // runnable and not asleep, the thread that ran last first
  std::vector<std::uint32_t> backtrack;  // DPOR's backtrack set: the threads to explore from here, in order
  std::size_t next = 0;
  std::vector<SleepEntry> done;
  std::uint32_t previous = 0;
  std::uint64_t preemptions = 0;
  std::size_t token_size = 0;
  std::size_t trace_size = 0;
  bool sleepers = false;
  bool fresh = true;   // not a state seen before
  bool cached = false; // has an entry in the visited table
  bool saturated = false;  // every awake thread is explored or to be: no race can add one
  Clock base;              // per thread, how many of its events the path to here has
  std::uint32_t visit = 0;   // its Visit in the visited table, when cached
  std::uint32_t summary = 0;  // the steps taken below it (a SummarySets id)
  // Children already stepped while looking for a local step, by thread.
  std::vector<std::pair<std::uint32_t, std::pair<MachinePtr, Trial>>> stepped;
  TokenBuilder token;        // frontier entries only: the token of the path to here
  Path trace;  // frontier entries only: the events of the path to here
};

// Where expand() started: a state and the step taken from it, so that a
// state passed in place can be rebuilt.
struct Origin {
  const Machine* base = nullptr;
  std::optional<std::uint32_t> first;
};

// Whether thread t's next step surely touches nothing shared: a K-regime
// Let, Assign, If, While or loop check, Break or Continue whose code
// calls nothing. Such a step may still fail (an overflow); the explorer
// checks what it did and rebuilds the state before it if it did more.
bool predicted_local(const Machine& m, std::uint32_t t) {
  if (!m.started || t >= m.threads.size()) return false;
  const Thread& th = m.threads[t];
  if (th.frames.empty()) return false;
  const Frame& f = th.frames.back();
  if (f.evaluating || f.cursors.empty()) return false;
  const Program& p = m.program();
  if (p.procs[f.proc].regime != Regime::K) return false;
  const BlockCursor& c = f.cursors.back();
  if (c.for_checking) {
    const Stmt& loop = p.stmts[c.loop_stmt];
    return loop.kind == StmtKind::For || loop.expr.pure;
  }
  if (c.index >= p.blocks[c.block].count) return false;
  const Stmt& s = p.stmts[p.blocks[c.block].first + c.index];
  switch (s.kind) {
    case StmtKind::Let:
    case StmtKind::Assign: return s.q_form == QForm::None && !s.phi_witness && s.expr.pure;
    case StmtKind::If:
    case StmtKind::While: return s.expr.pure;
    case StmtKind::Break:
    case StmtKind::Continue: return true;
    default: return false;
  }
}

std::vector<std::uint32_t> runnable_of(const Machine& m) {
  std::vector<std::uint32_t> out;
  out.reserve(m.threads.size() + 1);  // one allocation, not one per thread
  if (!m.started) {
    out.push_back(0);
    return out;
  }
  for (const Thread& t : m.threads)
    if (t.state == ThreadState::Runnable) out.push_back(t.id);
  return out;
}

bool has_sleepers(const Machine& m) {
  return std::any_of(m.threads.begin(), m.threads.end(),
                     [](const Thread& t) { return t.state == ThreadState::Sleeping; });
}

bool contains(const std::vector<std::uint32_t>& sorted, std::uint32_t t) {
  return std::binary_search(sorted.begin(), sorted.end(), t);
}

bool listed(const std::vector<std::uint32_t>& list, std::uint32_t t) {
  return std::find(list.begin(), list.end(), t) != list.end();
}

bool is_asleep(const std::vector<SleepEntry>& sleep, std::uint32_t t) {
  return std::any_of(sleep.begin(), sleep.end(), [t](const SleepEntry& e) { return e.thread == t; });
}

// The frontier that shards split: the top of the tree expanded in full
// until it has this many entries. It does not depend on the shard count,
// so one run and every split of it explore the same parts.
constexpr std::size_t kFrontierParts = 128;

class Search {
 public:
  Search(const SearchLimits& limits, SearchStats& stats)
      : limits_(limits), stats_(stats), start_(std::chrono::steady_clock::now()),
        dpor_(limits.dpor && !limits.preemptions) {}

  ExploreReport run(const Machine& initial) {
    hasher_.emplace(initial.program());
    std::vector<Node> frontier = build_frontier(copy_of(initial));
    for (std::size_t i = limits_.shard; i < frontier.size() && !stopped_; i += limits_.shards) {
      Node& f = frontier[i];
      ++stats_.parts;
      explore_part(f, i);
    }
    report_.complete = !stopped_ && !cut_by_preemptions_;
    if (bound_) {
      report_.bound = bound_;
    } else if (cut_by_preemptions_) {
      report_.bound = ExploreBound{"preemptions", *limits_.preemptions};
    }
    return std::move(report_);
  }

 private:
  MachinePtr copy_of(const Machine& src) {
    if (pool_.empty()) return std::make_unique<Machine>(src);
    MachinePtr m = std::move(pool_.back());
    pool_.pop_back();
    *m = src;  // assignment keeps the buffers of the machine it overwrites
    return m;
  }

  void recycle(MachinePtr m) {
    if (m) pool_.push_back(std::move(m));
  }

  // Explores everything below one frontier entry.
  void explore_part(Node& entry, std::uint64_t part) {
    part_ = part;
    token_ = std::move(entry.token);
    trace_ = std::move(entry.trace);
    owner_ = -1;
    const Machine base(*entry.m);
    if (entry.backtrack.empty()) {
      // A final state (or a dead end) reached while building the frontier.
      if (entry.m->done() || stopped_by_steps(*entry.m)) {
        ++stats_.runs;
        record_final(*entry.m);
      }
      return;
    }
    auto node = expand(std::move(entry.m), entry.previous, std::move(entry.sleep), entry.preemptions, true,
                       Origin{&base, {}});
    if (node) stack_.push_back(std::move(*node));
    while (!stack_.empty() && !stopped_) {
      const std::size_t index = stack_.size() - 1;
      Node& n = stack_.back();
      if (n.next == n.backtrack.size()) {
        finish(index);
        continue;
      }
      std::uint32_t t = n.backtrack[n.next++];
      if (is_asleep(n.sleep, t)) continue;
      owner_ = static_cast<std::int64_t>(index);
      auto child = step_child(n, t, static_cast<std::int64_t>(index));
      if (!child) continue;
      auto next = expand(std::move(child->m), t, std::move(child->sleep), child->preemptions, true, Origin{n.m.get(), t});
      if (next) stack_.push_back(std::move(*next));
    }
    for (std::size_t i = stack_.size(); i-- > 0;) finish(i);
  }

  // Pops the top node: what was taken below it goes into its parent's
  // summary and into the visited table.
  void finish(std::size_t index) {
    Node& n = stack_[index];
    if (index > 0) stack_[index - 1].summary = summaries_.unite(stack_[index - 1].summary, n.summary);
    if (n.cached) {
      Visit& v = visited_[n.visit];
      v.summary = summaries_.unite(v.summary, n.summary);
    }
    recycle(std::move(n.m));
    for (auto& s : n.stepped) recycle(std::move(s.second.first));
    stack_.pop_back();
  }

  struct Child {
    MachinePtr m;
    std::vector<SleepEntry> sleep;
    std::uint64_t preemptions = 0;
  };

  // Runs thread t from node n: its child state, sleep set and preemptions,
  // or nothing when the preemption bound forbids it. `node_index` is n's
  // place on the stack, where races found later can add threads; -1 for a
  // state passed in place or above the part.
  std::optional<Child> step_child(Node& n, std::uint32_t t, std::int64_t node_index) {
    bool preempt = t != n.previous && contains(n.runnable, n.previous);
    std::uint64_t preemptions = n.preemptions + (preempt ? 1 : 0);
    if (limits_.preemptions && preemptions > *limits_.preemptions) {
      cut_by_preemptions_ = true;
      return std::nullopt;
    }
    auto it = std::find_if(n.stepped.begin(), n.stepped.end(), [t](const auto& s) { return s.first == t && s.second.first; });
    const bool stepped = it != n.stepped.end();
    Child child{stepped ? std::move(it->second.first) : copy_of(*n.m), {}, preemptions};
    Trial trial = stepped ? std::move(it->second.second) : step_thread(*child.m, t);
    bool sleepers = n.sleepers || has_sleepers(*child.m);
    // With sleepers, logical time wakes threads: every step may enable
    // another, so each is taken as touching everything.
    if (sleepers && !trial.fp.empty()) trial.fp = Footprint{Access{}};
    if (!sleepers) {
      for (const auto* list : {&n.sleep, &n.done})
        for (const SleepEntry& e : *list)
          if (e.thread != t && !conflict(e.footprint, trial.fp)) child.sleep.push_back(e);
    }
    trace_.truncate(n.trace_size);
    add_event(t, trial, node_index);
    n.done.push_back(SleepEntry{t, std::move(trial.fp)});
    token_.truncate(n.token_size);
    if (n.runnable.size() >= 2) token_.record(n.m->steps, n.previous, n.runnable, t);
    return child;
  }

  Trial step_thread(Machine& m, std::uint32_t t) {
    m.current = t;
    m.step(event_, true);
    ++stats_.steps;
    Trial trial{footprint_of(event_, m, t), -1};
    for (const LibEvent& e : event_.lib)
      if (e.kind == LibEventKind::ThreadSpawn) trial.spawned = e.a;
    return trial;
  }

  // ---- DPOR: races and source sets ----

  // The clock a step of thread t with footprint fp would have after the
  // current path, and the earlier events it races with (dependent, of
  // another thread, and not already ordered before it), latest first.
  void scan(std::uint32_t t, const Footprint& fp, Clock& c, std::uint32_t& seq, std::vector<std::size_t>& races) const {
    c.clear();
    seq = 1;
    const std::size_t n = trace_.size();
    const std::int64_t own = find_last(t);
    if (own >= 0) {
      c = trace_[static_cast<std::size_t>(own)].clock;
      seq = trace_[static_cast<std::size_t>(own)].seq + 1;
    } else {
      // A thread's first event comes after the spawn that made it.
      for (std::size_t k = n; k-- > 0;) {
        if (trace_[k].spawned == static_cast<std::int64_t>(t)) {
          c = trace_[k].clock;
          break;
        }
      }
    }
    for (std::size_t k = n; k-- > 0;) {
      const Event& ek = trace_[k];
      if (ek.thread == t || happens_before(ek, c) || !conflict(ek.fp, fp)) continue;
      races.push_back(k);
      join_clock(c, ek.clock);
    }
    if (c.size() <= t) c.resize(t + 1, 0);
    c[t] = seq;
  }

  // The index of thread t's last event on the path, or -1.
  std::int64_t find_last(std::uint32_t t) const {
    for (std::size_t k = trace_.size(); k-- > 0;)
      if (trace_[k].thread == t) return static_cast<std::int64_t>(k);
    return -1;
  }
  std::int64_t last_of(std::uint32_t t) const { return t < last_index_.size() ? last_index_[t] : -1; }

  // Appends a step to the path, after adding what its races ask for.
  void add_event(std::uint32_t t, const Trial& trial, std::int64_t node_index) {
    if (trial.fp.empty() || !dpor_) return;
    Event& e = trace_.spare();
    e.thread = t;
    e.node = node_index;
    e.spawned = trial.spawned;
    e.fp = trial.fp;
    std::vector<std::size_t>& races = races_scratch_;
    races.clear();
    scan(t, e.fp, e.clock, e.seq, races);
    for (std::size_t k : races)
      if (trace_[k].node >= 0 && !saturated(stack_[static_cast<std::size_t>(trace_[k].node)])) reverse_race(k, t, e.clock);
    note_in_summary(t, e.fp, e.clock);
    trace_.push();
  }

  // Source-DPOR's rule for a race between event k of the path and a new
  // step of thread t: the events after k that do not happen after it,
  // then the new step, must be able to start from k's state; unless one
  // of their initials is already explored (or asleep) there, add one.
  void reverse_race(std::size_t k, std::uint32_t t, const Clock& clock) {
    const Event& ek = trace_[k];
    Node& node = stack_[static_cast<std::size_t>(ek.node)];
    std::vector<std::size_t>& v = v_scratch_;
    v.clear();
    for (std::size_t i = k + 1; i < trace_.size(); ++i)
      if (!happens_before(ek, trace_[i].clock)) v.push_back(i);
    auto has_predecessor = [&](const Clock& c, std::size_t upto) {
      for (std::size_t j = 0; j < upto; ++j)
        if (happens_before(trace_[v[j]], c)) return true;
      return false;
    };
    std::vector<std::uint32_t>& seen = seen_scratch_;
    std::vector<std::uint32_t>& initials = initials_scratch_;
    seen.clear();
    initials.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Event& e = trace_[v[i]];
      if (listed(seen, e.thread)) continue;
      seen.push_back(e.thread);
      if (!has_predecessor(e.clock, i)) initials.push_back(e.thread);
    }
    if (!listed(seen, t) && !has_predecessor(clock, v.size())) initials.push_back(t);
    for (std::uint32_t r : initials)
      if (listed(node.backtrack, r) || is_asleep(node.sleep, r)) return;
    if (initials.empty()) return;
    add_backtrack(node, listed(initials, t) ? t : *std::min_element(initials.begin(), initials.end()));
  }

  // Whether every awake thread of a node is in its backtrack set (once
  // true it stays true: the set only grows).
  static bool saturated(Node& node) {
    if (node.saturated) return true;
    node.saturated = std::all_of(node.awake.begin(), node.awake.end(),
                                 [&node](std::uint32_t a) { return listed(node.backtrack, a) || is_asleep(node.sleep, a); });
    return node.saturated;
  }

  // Adds thread r to a node's backtrack set; a thread that cannot run
  // there stands for every thread that can.
  static void add_backtrack(Node& node, std::uint32_t r) {
    if (listed(node.backtrack, r) || is_asleep(node.sleep, r)) return;
    if (listed(node.awake, r)) {
      insert_pending(node, r);
      return;
    }
    for (std::uint32_t a : node.awake)
      if (!listed(node.backtrack, a)) insert_pending(node, a);
  }

  // Threads still to explore are kept in the order of `awake` (the one
  // that ran last, then by id), as a search without DPOR takes them.
  static void insert_pending(Node& node, std::uint32_t r) {
    auto rank = [&node](std::uint32_t t) { return std::find(node.awake.begin(), node.awake.end(), t) - node.awake.begin(); };
    auto at = node.backtrack.begin() + static_cast<std::ptrdiff_t>(node.next);
    while (at != node.backtrack.end() && rank(*at) < rank(r)) ++at;
    node.backtrack.insert(at, r);
  }

  // A state seen before is not explored again, but the steps taken below
  // it may race with the path that reached it now. Each of them is taken
  // as if it ran next (which orders it after less than it really is, so
  // it finds every race it could have), and its latest race asks for its
  // thread at the racing event's node, or for every thread there when it
  // cannot run there: Flanagan and Godefroid's rule, as Yang et al. apply
  // it to the transitions below a visited state. Earlier races are found
  // when that node explores the thread.
  void apply_summary(std::uint32_t summary_id) {
    if (!dpor_ || summary_id == 0) return;
    // Races can only add threads at nodes not yet saturated: the scan
    // stops below the first event chosen at one, and a thread that every
    // such node already has (or that sleeps there) is not scanned at all.
    // One pass over the path: the unsaturated nodes in order, the first
    // event chosen at each, and each thread's last event.
    std::vector<std::size_t>& open = open_scratch_;
    std::vector<std::size_t>& open_from = open_from_scratch_;
    open.clear();
    open_from.clear();
    last_index_.clear();
    for (std::size_t k = 0; k < trace_.size(); ++k) {
      const Event& e = trace_[k];
      if (last_index_.size() <= e.thread) last_index_.resize(e.thread + 1, -1);
      last_index_[e.thread] = static_cast<std::int64_t>(k);
      const std::int64_t node = e.node;
      if (node >= 0 && (open.empty() || open.back() != static_cast<std::size_t>(node)) &&
          !saturated(stack_[static_cast<std::size_t>(node)])) {
        open.push_back(static_cast<std::size_t>(node));
        open_from.push_back(k);
      }
    }
    if (open.empty()) return;
    // Where the walk for thread q can stop: below the first event chosen
    // at a node that still lacks q; none (trace size) when no node does.
    // Races only add threads, so that node only moves down the path: each
    // thread's place in `open` is kept and moved on, never searched anew.
    std::vector<std::size_t>& want_at = want_from_scratch_;  // per thread, an index into `open`
    want_at.clear();
    auto first_wanting = [&](std::uint32_t q) {
      if (want_at.size() <= q) want_at.resize(q + 1, 0);
      std::size_t& i = want_at[q];
      while (i < open.size()) {
        const Node& node = stack_[open[i]];
        if (!node.saturated && !listed(node.backtrack, q) && !is_asleep(node.sleep, q)) return open_from[i];
        ++i;
      }
      return trace_.size();
    };
    // Once every node on the path is saturated no race can add anything.
    std::size_t unsaturated = open.size();
    // The signatures of one thread and one `after` set run with the same
    // clock, so they share one walk down the path: each event is tested
    // for order once, against the union of their footprints first (it
    // conflicts with the union exactly when it conflicts with one of
    // them), and each signature stops at its own latest race, which asks
    // for the group's thread there: the same requests as one walk per
    // signature.
    for (const SummaryGroup& g : groups_of(summary_id)) {
      const std::size_t from = first_wanting(g.thread);
      if (from == trace_.size()) continue;
      summary_clock(g.thread, g.after, clock_scratch_);
      std::vector<std::uint32_t>& pending = pending_scratch_;
      pending.assign(g.signatures.begin(), g.signatures.end());
      for (std::size_t k = trace_.size(); k-- > from && !pending.empty();) {
        const Event& ek = trace_[k];
        if (ek.thread == g.thread || happens_before(ek, clock_scratch_) || !conflict(ek.fp, g.any)) continue;
        const std::size_t before = pending.size();
        std::erase_if(pending, [&](std::uint32_t id) { return conflict(ek.fp, signatures_[id].fp); });
        if (pending.size() == before || ek.node < 0) continue;
        Node& node = stack_[static_cast<std::size_t>(ek.node)];
        const bool was_saturated = node.saturated;
        add_backtrack(node, g.thread);
        if (!was_saturated && saturated(node) && --unsaturated == 0) return;
      }
    }
  }

  // The clock a summarised step of thread q, taken next after the path,
  // starts from: its thread's last event (or the spawn that made it),
  // joined with the last events of the threads in `after`.
  void summary_clock(std::uint32_t q, std::uint64_t after, Clock& c) const {
    c.clear();
    if (const std::int64_t own = last_of(q); own >= 0) {
      c = trace_[static_cast<std::size_t>(own)].clock;
    } else {
      for (std::size_t k = trace_.size(); k-- > 0;) {
        if (trace_[k].spawned == static_cast<std::int64_t>(q)) {
          c = trace_[k].clock;
          break;
        }
      }
    }
    for (std::uint32_t p = 0; after != 0 && p < 64; ++p, after >>= 1) {
      if ((after & 1) == 0) continue;
      const std::int64_t last = last_of(p);
      if (last >= 0) join_clock(c, trace_[static_cast<std::size_t>(last)].clock);
    }
  }

  // A summary's signatures grouped by thread and `after` set, made once
  // per summary and kept (summaries are interned, so many states share
  // one).
  struct SummaryGroup {
    std::uint32_t thread = 0;
    std::uint64_t after = 0;
    Footprint any;  // every access of the group's signatures
    std::vector<std::uint32_t> signatures;
  };

  const std::vector<SummaryGroup>& groups_of(std::uint32_t summary_id) {
    if (groups_.size() <= summary_id) groups_.resize(summary_id + 1);
    std::optional<std::vector<SummaryGroup>>& cached = groups_[summary_id];
    if (cached) return *cached;
    std::vector<SummaryGroup> groups;
    for (std::uint32_t id : summaries_[summary_id]) {
      const Signature& sig = signatures_[id];
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const SummaryGroup& x) { return x.thread == sig.thread && x.after == sig.after; });
      if (g == groups.end()) g = groups.insert(groups.end(), SummaryGroup{sig.thread, sig.after, {}, {}});
      for (const Access& a : sig.fp)
        if (std::find(g->any.begin(), g->any.end(), a) == g->any.end()) g->any.push_back(a);
      g->signatures.push_back(id);
    }
    cached = std::move(groups);
    return *cached;
  }

  // Records a step in the summary of the node the search is below: its
  // thread, its footprint, and the threads with an event between that
  // node and it that happens before it. Whatever path reaches the node,
  // every event of those threads on it happens before this step too.
  void note_in_summary(std::uint32_t t, const Footprint& fp, const Clock& clock) {
    if (owner_ < 0) return;
    const Clock& base = stack_[static_cast<std::size_t>(owner_)].base;
    std::uint64_t after = 0;
    for (std::uint32_t p = 0; p < clock.size() && p < 64; ++p)
      if (p != t && clock[p] > clock_at(base, p)) after |= std::uint64_t{1} << p;
    std::uint32_t& s = stack_[static_cast<std::size_t>(owner_)].summary;
    s = summaries_.with(s, signature_id(t, fp, after));
  }

  // Signatures are interned by a hash of their words; a collision moves
  // on to the next key, so equal ids always mean equal signatures.
  // (The signature is copied only when it is new.)
  std::uint32_t signature_id(std::uint32_t thread, const Footprint& fp, std::uint64_t after) {
    auto mix = [](std::uint64_t h, std::uint64_t w) {
      h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
      return h * 0xff51afd7ed558ccdull;
    };
    std::uint64_t key = mix(mix(0, thread), after);
    for (const Access& a : fp) {
      key = mix(key, static_cast<std::uint64_t>(a.obj) * 2 + (a.write ? 1 : 0));
      key = mix(key, static_cast<std::uint64_t>(a.lo));
      key = mix(key, static_cast<std::uint64_t>(a.hi));
    }
    for (;; ++key) {
      auto [it, fresh] = signature_ids_.try_emplace(key, static_cast<std::uint32_t>(signatures_.size()));
      if (fresh) signatures_.push_back(Signature{thread, fp, after});
      const Signature& have = signatures_[it->second];
      if (have.thread == thread && have.after == after && have.fp == fp) return it->second;
    }
  }

  bool stopped_by_steps(const Machine& m) const { return limits_.max_steps != 0 && m.steps >= limits_.max_steps; }

  // Takes a freshly reached state: records it when it is final, skips it
  // when an earlier visit covered it, runs the steps that need no choice
  // in place, and otherwise returns the node to branch from.
  std::optional<Node> expand(MachinePtr m, std::uint32_t previous, std::vector<SleepEntry> sleep,
                             std::uint64_t preemptions, bool use_cache, const Origin& origin) {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> chain;  // steps taken here: (thread, count)
    auto took = [&chain](std::uint32_t t, std::uint64_t count) {
      if (!chain.empty() && chain.back().first == t) {
        chain.back().second += count;
      } else {
        chain.emplace_back(t, count);
      }
    };
    bool predict = true;
    for (;;) {
      if (check_time()) return end_path(std::move(m));
      if (m->done() || stopped_by_steps(*m)) {
        if (!use_cache) return final_node(std::move(m), previous, std::move(sleep), preemptions);
        ++stats_.runs;
        record_final(*m);
        return end_path(std::move(m));
      }
      if (m->threads.size() == 1 && m->started) {
        std::uint64_t limit = limits_.max_steps == 0 ? UINT64_MAX : limits_.max_steps - m->steps;
        std::uint64_t ran = m->run_simple_alone(limit);
        stats_.steps += ran;
        if (ran > 0) took(0, ran);
        if (m->done() || stopped_by_steps(*m)) continue;
      }
      std::vector<std::uint32_t> runnable = runnable_of(*m);
      std::vector<std::uint32_t> awake;
      awake.reserve(runnable.size());
      for (std::uint32_t t : runnable)
        if (!is_asleep(sleep, t)) awake.push_back(t);
      if (awake.empty()) {
        ++stats_.runs;
        return end_path(std::move(m));
      }
      put_first(awake, previous);
      const std::uint32_t first = awake.front();
      const bool costs_preemption = first != previous && contains(runnable, previous);
      const bool sleepers = has_sleepers(*m);
      if (predict && !sleepers && !costs_preemption && predicted_local(*m, first)) {
        // The step surely needs no choice: take it in place, no copy.
        const std::size_t token_size = token_.size();
        if (runnable.size() >= 2) token_.record(m->steps, previous, runnable, first);
        Trial trial = step_thread(*m, first);
        if (trial.fp.empty() && !m->done()) {
          took(first, 1);
          previous = first;
          continue;
        }
        // It did more (it failed): rebuild the state before it and choose there.
        token_.truncate(token_size);
        recycle(std::move(m));
        m = rebuild(origin, chain);
        predict = false;
        continue;
      }
      predict = true;
      Node node(std::move(m), std::move(runnable), std::move(sleep), std::move(awake));
      node.previous = previous;
      node.preemptions = preemptions;
      node.sleepers = sleepers;
      node.token_size = token_.size();
      node.trace_size = trace_.size();
      // No choice to make (one thread to run, or the last one's step is
      // local): take the step without a node.
      std::optional<std::uint32_t> single;
      if (!costs_preemption || node.backtrack.size() == 1) single = local_step(node, true);
      if (!single) {
        // A branching state: cached, and then any other local step.
        if (use_cache && !visit(node)) return end_path(std::move(node));
        // (Not under DPOR, whose backtrack sets start with one thread:
        // trying the others would copy and step them for nothing.)
        if (!dpor_ || !use_cache) single = local_step(node, false);
      }
      if (single) {
        auto child = step_child(node, *single, -1);
        if (!child) return end_path(std::move(node));
        took(*single, 1);
        for (auto& s : node.stepped) recycle(std::move(s.second.first));
        recycle(std::move(node.m));
        m = std::move(child->m);
        sleep = std::move(child->sleep);
        preemptions = child->preemptions;
        previous = *single;
        continue;
      }
      // DPOR starts a new state's backtrack set with one thread (the one
      // that ran last); races add the others it needs. Where threads
      // sleep on logical time, every awake thread is explored.
      if (dpor_ && use_cache && node.fresh && !node.sleepers && node.backtrack.size() > 1) node.backtrack.resize(1);
      if (dpor_ && use_cache) {
        for (const Event& e : trace_) {
          if (node.base.size() <= e.thread) node.base.resize(e.thread + 1, 0);
          node.base[e.thread] = e.seq;
        }
      }
      if (!use_cache) {
        node.token = token_;
        node.trace = trace_;
      }
      return node;
    }
  }

  std::optional<Node> end_path(MachinePtr m) {
    recycle(std::move(m));
    return std::nullopt;
  }

  std::optional<Node> end_path(Node&& node) {
    for (auto& s : node.stepped) recycle(std::move(s.second.first));
    return end_path(std::move(node.m));
  }

  // The state after `chain` from `origin` (explore's steps are deterministic).
  MachinePtr rebuild(const Origin& origin, const std::vector<std::pair<std::uint32_t, std::uint64_t>>& chain) {
    MachinePtr m = copy_of(*origin.base);
    if (origin.first) step_thread(*m, *origin.first);
    for (const auto& [t, count] : chain)
      for (std::uint64_t i = 0; i < count; ++i) step_thread(*m, t);
    return m;
  }

  static void put_first(std::vector<std::uint32_t>& threads, std::uint32_t first) {
    auto it = std::find(threads.begin(), threads.end(), first);
    if (it != threads.end()) std::rotate(threads.begin(), it, it + 1);
  }

  // Looks the node's state up: a new state explores every awake thread; a
  // state seen before explores only the threads asleep then and awake now
  // (all awake ones when reached with fewer preemptions), and the steps
  // taken below it then are checked for races with the path that reached
  // it now. False when there is nothing left to explore.
  bool visit(Node& node) {
    auto [index, inserted] = visited_.find_or_add((*hasher_)(*node.m));
    node.visit = index;
    node.cached = true;
    Visit& v = visited_[index];
    if (inserted) {
      ++stats_.states;
      v.preemptions = node.preemptions;
      for (std::uint32_t t : node.runnable)
        if (is_asleep(node.sleep, t)) v.asleep.push_back(t);
      node.fresh = true;
      return true;
    }
    apply_summary(v.summary);
    if (owner_ >= 0) {
      std::uint32_t& s = stack_[static_cast<std::size_t>(owner_)].summary;
      s = summaries_.unite(s, v.summary);
    }
    bool fewer = node.preemptions < v.preemptions;
    std::vector<std::uint32_t> backtrack, keep;
    backtrack.reserve(node.backtrack.size());
    keep.reserve(v.asleep.size());
    for (std::uint32_t t : node.backtrack)
      if (contains(v.asleep, t) || fewer) backtrack.push_back(t);
    for (std::uint32_t t : v.asleep)
      if (is_asleep(node.sleep, t)) keep.push_back(t);
    v.asleep = std::move(keep);
    v.preemptions = std::min(v.preemptions, node.preemptions);
    node.backtrack = std::move(backtrack);
    node.fresh = false;
    if (node.backtrack.empty()) ++stats_.runs;
    return !node.backtrack.empty();
  }

  Node final_node(MachinePtr m, std::uint32_t previous, std::vector<SleepEntry> sleep, std::uint64_t preemptions) {
    Node node(std::move(m), {}, std::move(sleep), {});
    node.previous = previous;
    node.preemptions = preemptions;
    node.token = token_;
    node.trace = trace_;
    node.token_size = token_.size();
    node.trace_size = trace_.size();
    return node;
  }

  // The thread whose next step to take alone, if any. First pass: the only
  // thread to explore, or the first (the one that ran last) when its step
  // is local. Second pass, at a new state without sleepers: any other
  // thread whose step is local (none under a preemption bound, where it
  // would cost a preemption). Trial steps are kept as the node's children.
  std::optional<std::uint32_t> local_step(Node& node, bool first_pass) {
    if (node.backtrack.empty()) return std::nullopt;
    if (first_pass && node.backtrack.size() == 1) return node.backtrack.front();
    if (node.sleepers || (!first_pass && (!node.fresh || limits_.preemptions))) return std::nullopt;
    std::size_t from = first_pass ? 0 : 1, to = first_pass ? 1 : node.backtrack.size();
    node.stepped.reserve(node.backtrack.size());
    for (std::size_t i = from; i < to; ++i) {
      std::uint32_t t = node.backtrack[i];
      MachinePtr child = copy_of(*node.m);
      Trial trial = step_thread(*child, t);
      bool local = trial.fp.empty() && !child->done();
      node.stepped.emplace_back(t, std::make_pair(std::move(child), std::move(trial)));
      if (local) {
        node.backtrack = {t};
        return t;
      }
    }
    return std::nullopt;
  }

  void record_final(const Machine& m) {
    ++stats_.finals;
    MachineHash h = (*hasher_)(m);
    if (!finals_.insert(h).second) return;
    if (limits_.executions && report_.executions >= *limits_.executions) {
      stop(ExploreBound{"executions", *limits_.executions});
      return;
    }
    ++report_.executions;
    ExploreOutcome o = outcome_of(m, limits_.max_steps);
    auto [index, fresh] = report_.add(std::move(o));
    ExploreOutcome& have = report_.outcomes[index];
    if (fresh) {
      have.schedule = token_.token().text();
      have.found_in_part = part_;
      have.found_order = order_++;
    }
    have.final_states.insert({h.hi, h.lo});
    have.count = have.final_states.size();
  }

  bool check_time() {
    if (!limits_.seconds || stopped_) return stopped_;
    if ((++time_checks_ & 255) != 0) return false;
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed.count() > *limits_.seconds) stop(ExploreBound{"seconds", static_cast<std::uint64_t>(*limits_.seconds)});
    return stopped_;
  }

  void stop(ExploreBound bound) {
    stopped_ = true;
    if (!bound_) bound_ = std::move(bound);
  }

  // The top of the tree, breadth first and in full (every awake thread,
  // with sleep sets), until there are kFrontierParts entries: each is a
  // state with its sleep set, token and path, in depth-first order. Final
  // states reached on the way are entries too. Races found below an entry
  // never ask for more above it: everything there is explored.
  std::vector<Node> build_frontier(MachinePtr root) {
    std::vector<Node> level;
    token_ = TokenBuilder{};
    trace_.clear();
    owner_ = -1;
    const Machine base(*root);
    if (auto n = expand(std::move(root), 0, {}, 0, false, Origin{&base, {}})) level.push_back(std::move(*n));
    for (int depth = 0; depth < 64 && level.size() < kFrontierParts; ++depth) {
      std::vector<Node> next;
      bool grew = false;
      for (Node& n : level) {
        if (n.backtrack.empty()) {
          next.push_back(std::move(n));
          continue;
        }
        grew = true;
        for (std::size_t i = 0; i < n.backtrack.size(); ++i) {
          token_ = n.token;
          trace_ = n.trace;
          n.token_size = n.token.size();
          n.trace_size = n.trace.size();
          auto child = step_child(n, n.backtrack[i], -1);
          if (!child) continue;
          if (auto c = expand(std::move(child->m), n.backtrack[i], std::move(child->sleep), child->preemptions, false,
                              Origin{n.m.get(), n.backtrack[i]})) {
            next.push_back(std::move(*c));
          }
        }
      }
      level = std::move(next);
      if (!grew) break;
    }
    return level;
  }

  const SearchLimits& limits_;
  SearchStats& stats_;
  std::chrono::steady_clock::time_point start_;
  const bool dpor_;
  ExploreReport report_;
  std::optional<MachineHasher> hasher_;
  VisitedTable visited_;
  SummarySets summaries_;
  std::unordered_set<MachineHash, HashOf> finals_;
  std::deque<Node> stack_;  // the path being explored; a deque: nodes never move once pushed
  Path trace_;
  std::int64_t owner_ = -1;  // the stack node whose subtree the search is in
  std::unordered_map<std::uint64_t, std::uint32_t> signature_ids_;
  std::vector<Signature> signatures_;
  std::vector<std::optional<std::vector<SummaryGroup>>> groups_;  // by summary id, made when first applied
  std::vector<std::uint32_t> pending_scratch_;
  std::vector<std::size_t> want_from_scratch_;
  std::vector<MachinePtr> pool_;  // machines to overwrite instead of allocating anew
  std::vector<std::size_t> races_scratch_, open_scratch_, open_from_scratch_;
  std::vector<std::int64_t> last_index_;  // while a summary is applied: each thread's last event on the path
  Clock clock_scratch_;
  std::vector<std::size_t> v_scratch_;
  std::vector<std::uint32_t> seen_scratch_, initials_scratch_;
  TokenBuilder token_;
  StepEvent event_;
  std::uint64_t part_ = 0;
  std::uint64_t order_ = 0;
  std::uint64_t time_checks_ = 0;
  bool stopped_ = false;
  bool cut_by_preemptions_ = false;
  std::optional<ExploreBound> bound_;
};

}  // namespace

ExploreReport explore_exhaustive(const Machine& initial, const SearchLimits& limits, SearchStats& stats) {
  Search search(limits, stats);
  return search.run(initial);
}

}  // namespace dust::cli

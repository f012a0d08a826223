// explore_search.cpp — the exhaustive explorer (explore_search.hpp).
#include "explore_search.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
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

// What one step of thread `t` touched, from its event and the thread's
// state after it. Every access to shared state is a library, effect, Q or
// Φ event, so a step with none of them is local to its thread.
Footprint footprint_of(const StepEvent& ev, const Machine& after, std::uint32_t t) {
  Footprint fp;
  if (ev.has_effect) fp.push_back(Access{Obj::Effects, 0, 1, true});
  if (!ev.q.empty()) fp.push_back(Access{Obj::Q, 0, 1, true});
  if (!ev.phi.empty()) fp.push_back(Access{Obj::Phi, 0, 1, true});
  if (ev.error || ev.kind == StepKind::Failed) fp.push_back(Access{});
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
      case LibEventKind::MutexNew: fp.push_back(Access{Obj::MutexTable, 0, 1, true}); break;
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

// ---- the search ----

struct SleepEntry {
  std::uint32_t thread = 0;
  Footprint footprint;
};

struct HashOf {
  std::size_t operator()(const MachineHash& h) const { return static_cast<std::size_t>(h.lo ^ (h.hi * 31)); }
};

struct Visit {
  std::vector<std::uint32_t> asleep;  // threads not explored from this state, ascending
  std::uint64_t preemptions = 0;      // the fewest preemptions it was reached with
};

struct Node {
  Node(Machine machine, std::vector<std::uint32_t> run, std::vector<SleepEntry> asleep, std::vector<std::uint32_t> next_threads)
      : m(std::move(machine)), runnable(std::move(run)), sleep(std::move(asleep)), todo(std::move(next_threads)) {}

  Machine m;
  std::vector<std::uint32_t> runnable;
  std::vector<SleepEntry> sleep;
  std::vector<std::uint32_t> todo;
  std::size_t next = 0;
  std::vector<SleepEntry> done;
  std::uint32_t previous = 0;
  std::uint64_t preemptions = 0;
  std::size_t token_size = 0;
  bool sleepers = false;
  bool fresh = true;  // not a state seen before
  // Children already stepped while looking for a local step, by thread.
  std::vector<std::pair<std::uint32_t, std::pair<Machine, Footprint>>> stepped;
  TokenBuilder token;  // frontier entries only: the token of the path to here
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

bool is_asleep(const std::vector<SleepEntry>& sleep, std::uint32_t t) {
  return std::any_of(sleep.begin(), sleep.end(), [t](const SleepEntry& e) { return e.thread == t; });
}

class Search {
 public:
  Search(const SearchLimits& limits, SearchStats& stats)
      : limits_(limits), stats_(stats), start_(std::chrono::steady_clock::now()) {}

  ExploreReport run(const Machine& initial) {
    hasher_.emplace(initial.program());
    Machine root = initial;
    if (limits_.shards <= 1) {
      explore_part(std::move(root), 0, {}, 0, TokenBuilder{}, 0);
    } else {
      std::vector<Node> frontier = build_frontier(std::move(root));
      for (std::size_t i = limits_.shard; i < frontier.size() && !stopped_; i += limits_.shards) {
        Node& f = frontier[i];
        ++stats_.parts;
        explore_part(std::move(f.m), f.previous, std::move(f.sleep), f.preemptions, std::move(f.token), i);
      }
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
  // Explores everything below one state: the whole search, or one part of it.
  void explore_part(Machine m, std::uint32_t previous, std::vector<SleepEntry> sleep, std::uint64_t preemptions,
                    TokenBuilder token, std::uint64_t part) {
    part_ = part;
    token_ = std::move(token);
    std::deque<Node> stack;  // a deque: nodes never move once pushed
    const Machine base(m);
    if (auto node = expand(std::move(m), previous, std::move(sleep), preemptions, true, Origin{&base, {}})) {
      stack.push_back(std::move(*node));
    }
    while (!stack.empty() && !stopped_) {
      Node& n = stack.back();
      if (n.next == n.todo.size()) {
        stack.pop_back();
        continue;
      }
      std::uint32_t t = n.todo[n.next++];
      auto child = step_child(n, t);
      if (!child) continue;
      auto next = expand(std::move(child->m), t, std::move(child->sleep), child->preemptions, true, Origin{&n.m, t});
      if (next) stack.push_back(std::move(*next));
    }
  }

  struct Child {
    Machine m;
    std::vector<SleepEntry> sleep;
    std::uint64_t preemptions = 0;
  };

  // Runs thread t from node n: its child state, sleep set and preemptions,
  // or nothing when the preemption bound forbids it.
  std::optional<Child> step_child(Node& n, std::uint32_t t) {
    bool preempt = t != n.previous && contains(n.runnable, n.previous);
    std::uint64_t preemptions = n.preemptions + (preempt ? 1 : 0);
    if (limits_.preemptions && preemptions > *limits_.preemptions) {
      cut_by_preemptions_ = true;
      return std::nullopt;
    }
    auto it = std::find_if(n.stepped.begin(), n.stepped.end(), [t](const auto& s) { return s.first == t; });
    const bool stepped = it != n.stepped.end();
    Child child{stepped ? std::move(it->second.first) : Machine(n.m), {}, preemptions};
    Footprint fp = stepped ? std::move(it->second.second) : step_thread(child.m, t);
    bool sleepers = n.sleepers || has_sleepers(child.m);
    if (!sleepers) {
      for (const auto* list : {&n.sleep, &n.done})
        for (const SleepEntry& e : *list)
          if (e.thread != t && !conflict(e.footprint, fp)) child.sleep.push_back(e);
    }
    n.done.push_back(SleepEntry{t, std::move(fp)});
    token_.truncate(n.token_size);
    if (n.runnable.size() >= 2) token_.record(n.m.steps, n.previous, n.runnable, t);
    return child;
  }

  Footprint step_thread(Machine& m, std::uint32_t t) {
    m.current = t;
    m.step(event_, true);
    ++stats_.steps;
    return footprint_of(event_, m, t);
  }

  bool stopped_by_steps(const Machine& m) const { return limits_.max_steps != 0 && m.steps >= limits_.max_steps; }

  // Takes a freshly reached state: records it when it is final, skips it
  // when an earlier visit covered it, runs the steps that need no choice
  // in place, and otherwise returns the node to branch from.
  std::optional<Node> expand(Machine m, std::uint32_t previous, std::vector<SleepEntry> sleep,
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
      if (check_time()) return std::nullopt;
      if (m.done() || stopped_by_steps(m)) {
        if (!use_cache) return final_node(std::move(m), previous, std::move(sleep), preemptions);
        record_final(m);
        return std::nullopt;
      }
      if (m.threads.size() == 1 && m.started) {
        std::uint64_t limit = limits_.max_steps == 0 ? UINT64_MAX : limits_.max_steps - m.steps;
        std::uint64_t ran = m.run_simple_alone(limit);
        stats_.steps += ran;
        if (ran > 0) took(0, ran);
        if (m.done() || stopped_by_steps(m)) continue;
      }
      std::vector<std::uint32_t> runnable = runnable_of(m);
      std::vector<std::uint32_t> awake;
      for (std::uint32_t t : runnable)
        if (!is_asleep(sleep, t)) awake.push_back(t);
      if (awake.empty()) return std::nullopt;
      put_first(awake, previous);
      const std::uint32_t first = awake.front();
      const bool costs_preemption = first != previous && contains(runnable, previous);
      const bool sleepers = has_sleepers(m);
      if (predict && !sleepers && !costs_preemption && predicted_local(m, first)) {
        // The step surely needs no choice: take it in place, no copy.
        const std::size_t token_size = token_.size();
        if (runnable.size() >= 2) token_.record(m.steps, previous, runnable, first);
        Footprint fp = step_thread(m, first);
        if (fp.empty() && !m.done()) {
          took(first, 1);
          previous = first;
          continue;
        }
        // It did more (it failed): rebuild the state before it and choose there.
        token_.truncate(token_size);
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
      // No choice to make (one thread to run, or the last one's step is
      // local): take the step without a node.
      std::optional<std::uint32_t> single;
      if (!costs_preemption || node.todo.size() == 1) single = local_step(node, true);
      if (!single) {
        // A branching state: cached, and then any other local step.
        if (use_cache && !visit(node)) return std::nullopt;
        single = local_step(node, false);
      }
      if (single) {
        auto child = step_child(node, *single);
        if (!child) return std::nullopt;
        took(*single, 1);
        m = std::move(child->m);
        sleep = std::move(child->sleep);
        preemptions = child->preemptions;
        previous = *single;
        continue;
      }
      if (!use_cache) node.token = token_;
      return node;
    }
  }

  // The state after `chain` from `origin` (explore's steps are deterministic).
  Machine rebuild(const Origin& origin, const std::vector<std::pair<std::uint32_t, std::uint64_t>>& chain) {
    Machine m(*origin.base);
    if (origin.first) step_thread(m, *origin.first);
    for (const auto& [t, count] : chain)
      for (std::uint64_t i = 0; i < count; ++i) step_thread(m, t);
    return m;
  }

  static void put_first(std::vector<std::uint32_t>& threads, std::uint32_t first) {
    auto it = std::find(threads.begin(), threads.end(), first);
    if (it != threads.end()) std::rotate(threads.begin(), it, it + 1);
  }

  // Looks the node's state up: a new state explores every awake thread; a
  // state seen before explores only the threads asleep then and awake now
  // (all awake ones when reached with fewer preemptions). False when there
  // is nothing left to explore.
  bool visit(Node& node) {
    auto [it, inserted] = visited_.try_emplace((*hasher_)(node.m));
    Visit& v = it->second;
    if (inserted) {
      ++stats_.states;
      v.preemptions = node.preemptions;
      for (std::uint32_t t : node.runnable)
        if (is_asleep(node.sleep, t)) v.asleep.push_back(t);
      node.fresh = true;
      return true;
    }
    bool fewer = node.preemptions < v.preemptions;
    std::vector<std::uint32_t> todo, keep;
    for (std::uint32_t t : node.todo)
      if (contains(v.asleep, t) || fewer) todo.push_back(t);
    for (std::uint32_t t : v.asleep)
      if (is_asleep(node.sleep, t)) keep.push_back(t);
    v.asleep = std::move(keep);
    v.preemptions = std::min(v.preemptions, node.preemptions);
    node.todo = std::move(todo);
    node.fresh = false;
    return !node.todo.empty();
  }

  Node final_node(Machine m, std::uint32_t previous, std::vector<SleepEntry> sleep, std::uint64_t preemptions) {
    Node node(std::move(m), {}, std::move(sleep), {});
    node.previous = previous;
    node.preemptions = preemptions;
    node.token = token_;
    node.token_size = token_.size();
    return node;
  }

  // The thread whose next step to take alone, if any. First pass: the only
  // thread to explore, or the first (the one that ran last) when its step
  // is local. Second pass, at a new state without sleepers: any other
  // thread whose step is local (none under a preemption bound, where it
  // would cost a preemption). Trial steps are kept as the node's children.
  std::optional<std::uint32_t> local_step(Node& node, bool first_pass) {
    if (node.todo.empty()) return std::nullopt;
    if (first_pass && node.todo.size() == 1) return node.todo.front();
    if (node.sleepers || (!first_pass && (!node.fresh || limits_.preemptions))) return std::nullopt;
    std::size_t from = first_pass ? 0 : 1, to = first_pass ? 1 : node.todo.size();
    node.stepped.reserve(node.todo.size());
    for (std::size_t i = from; i < to; ++i) {
      std::uint32_t t = node.todo[i];
      Machine child(node.m);
      Footprint fp = step_thread(child, t);
      bool local = fp.empty() && !child.done();
      node.stepped.emplace_back(t, std::make_pair(std::move(child), std::move(fp)));
      if (local) {
        node.todo = {t};
        return t;
      }
    }
    return std::nullopt;
  }

  void record_final(const Machine& m) {
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

  // The top of the tree, breadth first, until there are enough parts for
  // the shards: each entry is a state with its sleep set and token, in
  // depth-first order. Final states reached on the way are entries too.
  std::vector<Node> build_frontier(Machine root) {
    std::vector<Node> level;
    token_ = TokenBuilder{};
    const Machine base(root);
    if (auto n = expand(std::move(root), 0, {}, 0, false, Origin{&base, {}})) level.push_back(std::move(*n));
    const std::size_t wanted = 8 * limits_.shards;
    for (int depth = 0; depth < 64 && level.size() < wanted; ++depth) {
      std::vector<Node> next;
      bool grew = false;
      for (Node& n : level) {
        if (n.todo.empty()) {
          next.push_back(std::move(n));
          continue;
        }
        grew = true;
        for (std::size_t i = 0; i < n.todo.size(); ++i) {
          token_ = n.token;
          n.token_size = n.token.size();
          auto child = step_child(n, n.todo[i]);
          if (!child) continue;
          if (auto c = expand(std::move(child->m), n.todo[i], std::move(child->sleep), child->preemptions, false,
                              Origin{&n.m, n.todo[i]})) {
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
  ExploreReport report_;
  std::optional<MachineHasher> hasher_;
  std::unordered_map<MachineHash, Visit, HashOf> visited_;
  std::unordered_set<MachineHash, HashOf> finals_;
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

// origin_graph.cpp — where a value came from, followed to the end.
//
// A value is produced by one step, and that step's inputs were produced by
// earlier ones: the bindings its expressions read (each found with the
// frame-exact last write), the Return of each callee it called, the store
// that last wrote the bytes a load read (by whichever thread), the Return
// of a thread it joined, and for a Q move the binding it moved from. The
// graph is walked breadth first from the value asked about; each step is
// one link, however many paths reach it. Limits (a depth, a number of
// links) cut the walk, and the answer then says it is incomplete and why.
#include <deque>
#include <memory>
#include <set>
#include <tuple>

#include "query_names.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

// Something whose origin is still to be found.
struct Pending {
  enum class Kind : std::uint8_t { Binding, Memory, Return, Join } kind = Kind::Binding;
  ReaderImpl::FrameRef frame;  // Binding: its frame; Return: the callee's frame; Join: the thread
  std::uint32_t slot = 0;      // Binding
  std::int64_t address = 0;    // Memory
  std::uint64_t step = 0;      // Binding, Memory, Join: look before it; Return: the Return step
  std::optional<std::size_t> from;
  std::uint32_t distance = 0;
  std::shared_ptr<const StepEvent> event;  // Return: its event
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

// Builds the graph; a class so that each kind of link is one small function.
class OriginWalk {
 public:
  OriginWalk(ReaderImpl& reader, const Program& program, OriginLimits limits, Origin& out)
      : r_(reader), p_(program), limits_(limits), out_(out) {}

  void run(Pending first) {
    queue_.push_back(first);
    while (!queue_.empty()) {
      Pending next = queue_.front();
      queue_.pop_front();
      if (limits_.depth && next.distance >= *limits_.depth) {
        cut("the depth limit of " + std::to_string(*limits_.depth) + " levels cut the chain");
        continue;
      }
      if (out_.chain.size() >= limits_.max_links) {
        cut("the limit of " + std::to_string(limits_.max_links) + " links cut the chain");
        break;
      }
      switch (next.kind) {
        case Pending::Kind::Binding: binding(next); break;
        case Pending::Kind::Memory: memory(next); break;
        case Pending::Kind::Return: returned(next); break;
        case Pending::Kind::Join: join(next); break;
      }
    }
  }

 private:
  void cut(const std::string& why) {
    out_.complete = false;
    if (out_.cut.empty()) out_.cut = why;
  }
  void unreadable() { cut("a block could not be read: " + r_.last_error()); }

  // Adds a link unless the same step already produced the same name; its index, or null.
  std::optional<std::size_t> add(OriginLink link, const Pending& why) {
    if (!linked_.emplace(link.step, link.thread, link.frame, link.name).second) return std::nullopt;
    link.from = why.from;
    link.distance = why.distance;
    out_.chain.push_back(std::move(link));
    return out_.chain.size() - 1;
  }

  void push(Pending p) {
    auto key = std::make_tuple(static_cast<int>(p.kind), p.frame.thread, p.frame.depth, p.slot, p.address, p.step);
    if (queued_.insert(key).second) queue_.push_back(p);
  }

  // The names a step's expressions read in `frame`, queued, and returned for the link's text.
  std::vector<std::string> queue_reads(const StepEvent& e, const ReaderImpl::FrameRef& frame, std::size_t link,
                                       std::uint32_t distance) {
    std::vector<std::string> names;
    for (std::uint32_t slot : statement_read_slots(p_, frame.proc, e.stmt)) {
      names.push_back(slot_name(p_, frame.proc, slot));
      push(Pending{Pending::Kind::Binding, frame, slot, 0, e.index, link, distance + 1, nullptr});
    }
    return names;
  }

  // The inputs of step `e` that are not its expressions' names: memory it
  // loaded, threads it joined and (unless it is a call's own step, whose
  // earlier callees fed other arguments) its callees' returns.
  void queue_sources(const StepEvent& e, const ReaderImpl::FrameRef& frame, std::size_t link, std::uint32_t distance,
                     bool callees) {
    for (const LibEvent& lib : e.lib) {
      if (lib.kind == LibEventKind::MemRead) {
        push(Pending{Pending::Kind::Memory, {}, 0, lib.a, e.index, link, distance + 1, nullptr});
      } else if (lib.kind == LibEventKind::ThreadJoin && lib.a >= 0) {
        push(Pending{Pending::Kind::Join, {static_cast<std::uint32_t>(lib.a), 0, 0}, 0, 0, e.index, link,
                     distance + 1, nullptr});
      }
    }
    if (!callees) return;
    bool readable = true;
    for (StepEvent& r : r_.callee_returns(e, frame.depth, readable)) {
      std::uint64_t step = r.index;
      push(Pending{Pending::Kind::Return, {frame.thread, frame.depth + 1, 0}, 0, 0, step, link, distance + 1,
                   std::make_shared<const StepEvent>(std::move(r))});
    }
    if (!readable) unreadable();
  }

  void binding(const Pending& at) {
    ReaderImpl::FoundWrite found = r_.find_binding_write(at.frame, at.slot, at.step);
    if (!found.readable) unreadable();
    if (!found.step) return;  // not written in its frame before: nothing produced it
    const StepEvent* e = &found.event;
    std::string name = slot_name(p_, at.frame.proc, at.slot);
    OriginLink link;
    link.step = e->index;
    link.thread = at.frame.thread;
    link.frame = at.frame.depth;
    link.name = name;
    link.statement = statement_place(p_, e->stmt);
    if (found.kind == WriteKind::Statement) {
      statement_write(*e, at, std::move(link));
    } else {
      parameter(*e, at, found, std::move(link));
    }
  }

  void statement_write(const StepEvent& e, const Pending& at, OriginLink link) {
    for (const BindingWrite& w : e.writes) {
      if (w.frame == at.frame.depth && w.slot == at.slot) link.value = value_text(w.new_value);
    }
    const QEvent* q = nullptr;
    for (const QEvent& ev : e.q) {
      if (ev.binding == link.name && (ev.op == QForm::Alloc || ev.op == QForm::Move)) q = &ev;
    }
    if (q != nullptr) link.kind = q->op == QForm::Alloc ? LinkKind::QAlloc : LinkKind::QMove;
    std::string head = link.name + " = " + link.value;
    std::string stmt = link.statement;
    std::optional<std::size_t> index = add(std::move(link), at);
    if (!index) return;
    OriginLink& added = out_.chain[*index];
    if (q != nullptr && q->op == QForm::Alloc) {
      added.what = "Q allocation of " + q->source + " as " + added.name + " (" + q->resource + ") at " + stmt;
      return;
    }
    if (q != nullptr) {
      if (auto source = slot_of(p_, at.frame.proc, q->source)) {
        push(Pending{Pending::Kind::Binding, at.frame, *source, 0, e.index, *index, at.distance + 1, nullptr});
      }
      added.reads = {q->source};
      added.what = "Q move of " + q->resource + " from " + q->source + " to " + added.name + " at " + stmt;
      return;
    }
    queue_sources(e, at.frame, *index, at.distance, true);
    std::vector<std::string> reads = queue_reads(e, at.frame, *index, at.distance);
    OriginLink& written = out_.chain[*index];
    written.what = head + " at " + stmt + (reads.empty() ? "" : ", reading " + joined(reads));
    written.reads = std::move(reads);
  }

  // A parameter, bound by the call one frame up or by the thread's spawn.
  void parameter(const StepEvent& e, const Pending& at, const ReaderImpl::FoundWrite& found, OriginLink link) {
    bool spawn = found.kind == WriteKind::SpawnBinding;
    link.kind = spawn ? LinkKind::SpawnArgument : LinkKind::Parameter;
    Machine after = r_.state_at(e.index + 1);
    if (at.frame.thread < after.threads.size() && at.frame.depth < after.threads[at.frame.thread].frames.size()) {
      link.value = value_text(after.threads[at.frame.thread].frames[at.frame.depth].slots[at.slot]);
    }
    std::string proc = p_.procs[at.frame.proc].name;
    std::string head = (spawn ? "spawn of " : "call of ") + proc + " binds " + link.name + " = " + link.value;
    std::optional<std::size_t> index = add(std::move(link), at);
    if (!index) return;
    ReaderImpl::FrameRef caller{found.writer_thread, found.writer_frame, found.writer_proc};
    queue_sources(e, caller, *index, at.distance, false);
    std::vector<std::string> reads = queue_reads(e, caller, *index, at.distance);
    OriginLink& added = out_.chain[*index];
    added.what = head + " at " + added.statement + " (thread " + std::to_string(caller.thread) + " frame " +
                 std::to_string(caller.depth) + ")" + (reads.empty() ? "" : ", reading " + joined(reads));
    added.reads = std::move(reads);
  }

  void memory(const Pending& at) {
    ReaderImpl::FoundWrite found = r_.find_store(at.address, at.step);
    if (!found.readable) unreadable();
    if (!found.step) return;  // never stored to: the allocation's zeroes
    const StepEvent* e = &found.event;
    OriginLink link;
    link.step = e->index;
    link.thread = e->thread;
    link.frame = e->depth;
    link.kind = LinkKind::Store;
    link.name = "mem:" + std::to_string(at.address);
    link.statement = statement_place(p_, e->stmt);
    std::int64_t bytes = 0;
    for (const LibEvent& lib : e->lib) {
      if (lib.kind == LibEventKind::MemWrite && covers(lib.a, lib.b, at.address)) {
        link.value = std::to_string(lib.c);
        bytes = lib.b;
      }
    }
    std::string head = "store of " + std::to_string(bytes) + " bytes at " + std::to_string(at.address) + " = " +
                       link.value + " by thread " + std::to_string(e->thread);
    std::optional<std::size_t> index = add(std::move(link), at);
    if (!index) return;
    ReaderImpl::FrameRef frame{e->thread, e->depth, e->proc};
    queue_sources(*e, frame, *index, at.distance, true);
    std::vector<std::string> reads = queue_reads(*e, frame, *index, at.distance);
    OriginLink& added = out_.chain[*index];
    added.what = head + " at " + added.statement + (reads.empty() ? "" : ", reading " + joined(reads));
    added.reads = std::move(reads);
  }

  // A callee's Return (or a joined thread's last one): the value it gave back.
  void returned_from(const StepEvent& e, const Pending& at, LinkKind kind) {
    OriginLink link;
    link.step = e.index;
    link.thread = e.thread;
    link.frame = e.depth;
    link.kind = kind;
    link.name = p_.procs[e.proc].name;
    link.statement = statement_place(p_, e.stmt);
    Machine after = r_.state_at(e.index + 1);
    if (e.thread < after.threads.size()) {
      const Thread& th = after.threads[e.thread];
      if (kind == LinkKind::Join && th.result) link.value = value_text(*th.result);
      if (kind == LinkKind::Return && e.depth > 0 && e.depth - 1 < th.frames.size() &&
          th.frames[e.depth - 1].has_returned) {
        link.value = value_text(th.frames[e.depth - 1].returned);
      }
    }
    std::string head = kind == LinkKind::Join
                           ? "thread " + std::to_string(e.thread) + " returned " + link.value + " to its join"
                           : link.name + " returned " + link.value;
    std::optional<std::size_t> index = add(std::move(link), at);
    if (!index) return;
    ReaderImpl::FrameRef frame{e.thread, e.depth, e.proc};
    queue_sources(e, frame, *index, at.distance, true);
    std::vector<std::string> reads = queue_reads(e, frame, *index, at.distance);
    OriginLink& added = out_.chain[*index];
    added.what = head + " at " + added.statement + (reads.empty() ? "" : ", reading " + joined(reads));
    added.reads = std::move(reads);
  }

  void returned(const Pending& at) {
    if (at.event) returned_from(*at.event, at, LinkKind::Return);
  }

  void join(const Pending& at) {
    bool readable = true;
    std::optional<StepEvent> exit = r_.thread_exit(at.frame.thread, at.step, readable);
    if (!readable) unreadable();
    if (exit) returned_from(*exit, at, LinkKind::Join);
  }

  ReaderImpl& r_;
  const Program& p_;
  OriginLimits limits_;
  Origin& out_;
  std::deque<Pending> queue_;
  std::set<std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t, std::int64_t, std::uint64_t>> queued_;
  std::set<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t, std::string>> linked_;
};

Origin ReaderImpl::origin(const std::string& name, std::uint64_t at, FrameSelector selector, OriginLimits limits) {
  Origin out;
  out.name = name;
  out.at = std::min(at, info_.steps);
  Pending first;
  first.step = out.at;
  std::int64_t address = 0;
  if (parse_memory_name(name, address)) {
    first.kind = Pending::Kind::Memory;
    first.address = address;
  } else {
    if (!resolve_frame(out.at, selector, first.frame, out.error)) {
      out.complete = false;
      return out;
    }
    std::optional<std::uint32_t> slot = slot_of(*program_, first.frame.proc, name);
    if (!slot) {
      out.error = "frame " + std::to_string(first.frame.depth) + " of thread " + std::to_string(first.frame.thread) +
                  " (" + program_->procs[first.frame.proc].name + ") has no binding named " + name;
      out.complete = false;
      return out;
    }
    first.slot = *slot;
    out.thread = first.frame.thread;
    out.frame = first.frame.depth;
  }
  OriginWalk(*this, *program_, limits, out).run(first);
  return out;
}

}  // namespace dust::rec

// cursor_snapshot.cpp — rendering the machine at the cursor for inspection.
#include "model/cursor_snapshot.hpp"

#include <cstdio>

namespace dust::dbg {

namespace {

constexpr std::size_t kMaxValueText = 240;

std::string value_text(const Value& v) {
  if (!v.is_bound()) return "unbound";
  std::string text = render_human(v);
  if (text.size() > kMaxValueText) {
    text.resize(kMaxValueText);
    text += "\u2026";
  }
  return text;
}

std::string hex_preview(const std::vector<std::uint8_t>& bytes, std::size_t limit) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    if (i > 0) out += ' ';
    out += buf;
  }
  if (bytes.size() > limit) out += " \u2026";
  return out;
}

std::string wait_text(const Thread& t) {
  if (t.state == ThreadState::Blocked || t.state == ThreadState::Sleeping) {
    std::string what = t.wait.text();
    if (what.empty() && t.wait.kind == WaitKind::Sleep) what = "tick " + std::to_string(t.wait.id);
    return std::string(thread_state_name(t.state)) + (what.empty() ? "" : ": " + what);
  }
  return thread_state_name(t.state);
}

// Marks of what a step changed, looked up while the rows are built.
struct ChangeSet {
  struct Slot {
    std::uint32_t thread, frame, slot;
  };
  std::vector<Slot> slots;
  std::vector<std::int64_t> addresses;
  std::vector<std::int64_t> mutexes;
  std::vector<std::int64_t> fds;

  void add(const StepEvent& e) {
    for (const BindingWrite& w : e.writes) slots.push_back(Slot{e.thread, w.frame, w.slot});
    for (const LibEvent& l : e.lib) {
      switch (l.kind) {
        case LibEventKind::MemAlloc:
        case LibEventKind::MemFree:
        case LibEventKind::MemWrite:
        case LibEventKind::Leak: addresses.push_back(l.a); break;
        case LibEventKind::MemRealloc:
          addresses.push_back(l.a);
          addresses.push_back(l.b);
          break;
        case LibEventKind::MutexNew:
        case LibEventKind::MutexLock:
        case LibEventKind::MutexWait:
        case LibEventKind::MutexUnlock:
        case LibEventKind::MutexTryFail: mutexes.push_back(l.a); break;
        case LibEventKind::IoOpen:
        case LibEventKind::IoRead:
        case LibEventKind::IoWrite:
        case LibEventKind::IoClose: fds.push_back(l.a); break;
        default: break;
      }
    }
  }
  bool slot(std::uint32_t thread, std::uint32_t frame, std::uint32_t s) const {
    for (const Slot& x : slots)
      if (x.thread == thread && x.frame == frame && x.slot == s) return true;
    return false;
  }
  bool in_block(std::int64_t address, std::int64_t size) const {
    for (std::int64_t a : addresses)
      if (a >= address && a < address + (size > 0 ? size : 1)) return true;
    return false;
  }
  static bool has(const std::vector<std::int64_t>& v, std::int64_t x) {
    for (std::int64_t y : v)
      if (y == x) return true;
    return false;
  }
};

std::string lib_event_text(const LibEvent& l) {
  std::string out = lib_event_kind_name(l.kind);
  switch (l.kind) {
    case LibEventKind::MemAlloc: return out + " " + std::to_string(l.a) + " (" + std::to_string(l.b) + " bytes)";
    case LibEventKind::MemFree: return out + " " + std::to_string(l.a);
    case LibEventKind::MemRealloc: return out + " " + std::to_string(l.a) + " \u2192 " + std::to_string(l.b);
    case LibEventKind::MemRead:
    case LibEventKind::MemWrite:
      return out + " " + std::to_string(l.a) + " = " + std::to_string(l.c);
    case LibEventKind::ThreadSpawn: return out + " T" + std::to_string(l.a) + " " + l.text;
    case LibEventKind::ThreadJoin:
    case LibEventKind::ThreadExit: return out + " T" + std::to_string(l.a);
    case LibEventKind::MutexWait:
      return out + " " + std::to_string(l.a) + " (held by T" + std::to_string(l.b) + ")";
    case LibEventKind::MutexNew:
    case LibEventKind::MutexLock:
    case LibEventKind::MutexUnlock:
    case LibEventKind::MutexTryFail: return out + " " + std::to_string(l.a);
    case LibEventKind::IoOpen: return out + " fd " + std::to_string(l.a) + " " + l.text;
    case LibEventKind::IoRead:
    case LibEventKind::IoWrite:
      return out + " fd " + std::to_string(l.a) + " " + std::to_string(l.b) + " bytes";
    case LibEventKind::IoClose: return out + " fd " + std::to_string(l.a);
    case LibEventKind::UnsafeBegin: return out + " " + l.text;
    default: return out;
  }
}

void describe_changes(const StepEvent& e, const Machine& m, std::vector<std::string>& out) {
  const Program& p = m.program();
  for (const BindingWrite& w : e.writes) {
    std::string name = e.proc < p.procs.size() && w.slot < p.procs[e.proc].slot_count()
                           ? std::string(p.procs[e.proc].slot_names.get(w.slot))
                           : "?";
    // A write in a frame the step returned into belongs to the caller's proc.
    const Thread* t = e.thread < m.threads.size() ? &m.threads[e.thread] : nullptr;
    if (t != nullptr && w.frame < t->frames.size()) {
      const Proc& proc = p.procs[t->frames[w.frame].proc];
      if (w.slot < proc.slot_count()) name = std::string(proc.slot_names.get(w.slot));
    }
    out.push_back("T" + std::to_string(e.thread) + " " + name + ": " + value_text(w.old_value) + " \u2192 " +
                  value_text(w.new_value));
  }
  // Every line names the thread whose step it was.
  std::string who = "T" + std::to_string(e.thread) + " ";
  if (e.has_effect) out.push_back(who + "effect " + e.effect.kind + " " + e.effect.payload);
  for (const QEvent& q : e.q) {
    out.push_back(who + q_form_name(q.op) + " " + q.source + " \u2192 " + q.binding +
                  (q.resource.empty() ? "" : " (" + q.resource + ")"));
  }
  for (const PhiEvent& ph : e.phi) out.push_back(who + "\u03a6 " + phi_event_kind_name(ph.kind) + " " + ph.detail);
  for (const LibEvent& l : e.lib) out.push_back(who + lib_event_text(l));
  if (e.error) out.push_back(who + "failed: " + e.error->display());
}

}  // namespace

std::uint32_t frame_statement(const Program& program, const Frame& frame) {
  if (frame.cursors.empty()) return kNoStmt;
  const BlockCursor& c = frame.cursors.back();
  if (c.for_checking) return c.loop_stmt;
  if (c.block >= program.blocks.size()) return kNoStmt;
  const Block& b = program.blocks[c.block];
  if (c.index < b.count) return b.first + c.index;
  return c.loop_stmt;
}

std::string describe_step(const StepEvent& e, const ProgramListing& listing) {
  std::string out = "T" + std::to_string(e.thread) + " ";
  if (e.stmt == kNoStmt) return out + step_kind_name(e.kind);
  out += listing.path(e.stmt) + "  " + listing.statement(e.stmt);
  if (e.kind == StepKind::CallEnter) out += "   (enters a call)";
  if (e.kind == StepKind::Blocked) out += "   (blocks)";
  if (e.kind == StepKind::Return) out += "   (returns)";
  if (e.kind == StepKind::Failed && e.error) out += "   \u2716 " + e.error->display();
  return out;
}

void build_snapshot(Machine machine, std::uint64_t step, const ProgramListing& listing, const StepEvent* last,
                    const StepEvent* focus_last, const StepEvent* next, CursorSnapshot& out) {
  const Program& p = machine.program();
  out = CursorSnapshot{};
  out.step = step;
  out.tick = machine.tick;

  ChangeSet changes;
  if (last != nullptr) changes.add(*last);
  if (focus_last != nullptr) changes.add(*focus_last);

  for (const Thread& t : machine.threads) {
    ThreadView tv;
    tv.id = t.id;
    tv.state = t.state;
    tv.runs_next = next != nullptr && next->thread == t.id;
    std::string proc = t.entry_proc < p.procs.size() ? p.procs[t.entry_proc].name : "?";
    tv.title = "T" + std::to_string(t.id) + " " + proc + " \u2014 " + wait_text(t);
    if (t.state == ThreadState::Finished && t.result) tv.title += ", returned " + value_text(*t.result);
    for (std::uint32_t d = 0; d < t.frames.size(); ++d) {
      const Frame& f = t.frames[d];
      FrameView fv;
      fv.depth = d;
      fv.proc = f.proc;
      fv.stmt = frame_statement(p, f);
      const Proc& pr = p.procs[f.proc];
      fv.title = pr.name;
      if (fv.stmt != kNoStmt) fv.title += "  (" + listing.path(fv.stmt) + ")";
      for (std::uint32_t s = 0; s < f.slots.size() && s < pr.slot_count(); ++s) {
        if (!f.slots[s].is_bound()) continue;
        fv.bindings.push_back(BindingView{s, std::string(pr.slot_names.get(s)), value_text(f.slots[s]),
                                          changes.slot(t.id, d, s)});
      }
      tv.frames.push_back(std::move(fv));
    }
    out.threads.push_back(std::move(tv));
  }

  // Before the first step the machine has no threads yet; show the entry
  // thread about to start, so step 0's statement is highlighted too.
  if (machine.threads.empty() && next != nullptr && next->proc < p.procs.size()) {
    ThreadView tv;
    tv.id = next->thread;
    tv.runs_next = true;
    tv.title = "T" + std::to_string(next->thread) + " " + p.procs[next->proc].name + " \u2014 about to start";
    FrameView fv;
    fv.proc = next->proc;
    fv.stmt = next->stmt;
    fv.title = p.procs[next->proc].name;
    if (fv.stmt != kNoStmt) fv.title += "  (" + listing.path(fv.stmt) + ")";
    tv.frames.push_back(std::move(fv));
    out.threads.push_back(std::move(tv));
  }

  for (const auto& [address, block] : machine.k.heap.blocks) {
    HeapView hv;
    hv.address = address;
    hv.size = block.size;
    hv.live = block.live;
    hv.owner = block.owner_thread;
    hv.alloc_step = block.alloc_step;
    hv.free_step = block.free_step;
    hv.preview = block.live ? hex_preview(block.bytes, 16) : "freed";
    hv.changed = changes.in_block(address, block.size);
    out.heap.push_back(std::move(hv));
  }

  for (const MutexState& mx : machine.k.mutexes) {
    MutexView mv;
    mv.id = mx.id;
    mv.owner = mx.owner;
    mv.text = mx.owner < 0 ? "free" : "held by T" + std::to_string(mx.owner);
    if (!mx.waiters.empty()) {
      mv.text += "; waiting:";
      for (std::uint32_t w : mx.waiters) mv.text += " T" + std::to_string(w);
    }
    mv.changed = ChangeSet::has(changes.mutexes, mx.id);
    out.mutexes.push_back(std::move(mv));
  }

  for (const auto& [fd, file] : machine.k.fds) {
    FileView fv;
    fv.fd = fd;
    fv.open = file.open;
    fv.text = "fd " + std::to_string(fd) + "  " + file.path + "  (" + file.mode + ")  at " +
              std::to_string(file.position) + (file.open ? "" : "  closed");
    fv.changed = ChangeSet::has(changes.fds, fd);
    out.files.push_back(std::move(fv));
  }

  for (std::uint32_t i = 0; i < machine.q.resources.size(); ++i) {
    const QResource& r = machine.q.resources[i];
    QView qv;
    qv.resource = r.id;
    qv.live = r.state == QResourceState::Live;
    qv.text = r.id + "  " + r.type + "  " + (qv.live ? "live" : "consumed");
    for (const QBinding& b : machine.q.bindings) {
      if (b.resource != i) continue;
      qv.text += ", " + b.name + (b.moved ? " (moved)" : "");
    }
    out.q.push_back(std::move(qv));
  }
  for (const PhiWitness& w : machine.witnesses) {
    out.witnesses.push_back(w.id + "  " + w.digest + "  (step " + std::to_string(w.step) + ")");
  }

  switch (machine.outcome.status) {
    case MachineStatus::Running: out.outcome = "running"; break;
    case MachineStatus::Finished:
      out.outcome = "finished, returned " + (machine.outcome.returned ? value_text(*machine.outcome.returned) : "<none>");
      break;
    case MachineStatus::Failed: out.outcome = "failed: " + machine.outcome.error.display(); break;
  }

  if (last != nullptr) {
    out.last = *last;
    out.last_text = describe_step(*last, listing);
    describe_changes(*last, machine, out.changes);
  }
  if (focus_last != nullptr) describe_changes(*focus_last, machine, out.changes);
  if (next != nullptr) {
    out.next = *next;
    out.next_text = describe_step(*next, listing);
  }
  out.machine = std::move(machine);
}

}  // namespace dust::dbg

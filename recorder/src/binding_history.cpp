// binding_history.cpp — the frame-exact reverse watchpoint: which step last
// wrote a binding of one frame of one thread, or a memory cell.
//
// A frame lives from the step that creates it to the step that pops it.
// Walking back from the step asked about, the writes that count are those
// of that thread to that frame depth, and the walk ends at the frame's
// creation: the call step one frame up (which binds the parameters), or
// for a thread's first frame the spawn (which binds its arguments). So a
// recursive proc's other activations, and other procs' bindings of the
// same name, are never taken for it. Block summaries say which blocks can
// hold a write of the slot or the frame's creation; only those are decoded.
#include <algorithm>

#include "block_summary.hpp"
#include "query_names.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

bool is_parameter(const Proc& proc, std::uint32_t slot) {
  return std::any_of(proc.params.begin(), proc.params.end(), [&](const Param& p) { return p.slot == slot; });
}

bool spawns(const StepEvent& e, std::uint32_t thread) {
  return std::any_of(e.lib.begin(), e.lib.end(), [&](const LibEvent& lib) {
    return lib.kind == LibEventKind::ThreadSpawn && lib.a == static_cast<std::int64_t>(thread);
  });
}

bool stores_to(const StepEvent& e, std::int64_t address) {
  return std::any_of(e.lib.begin(), e.lib.end(), [&](const LibEvent& lib) {
    return lib.kind == LibEventKind::MemWrite && covers(lib.a, lib.b, address);
  });
}

}  // namespace

bool ReaderImpl::resolve_frame(std::uint64_t at, FrameSelector selector, FrameRef& out, std::string& error) {
  at = std::min(at, info_.steps);
  Machine m = state_at(at);
  if (m.steps != at) {
    error = "the trace cannot be read up to step " + std::to_string(at) +
            (last_error_.empty() ? std::string() : ": " + last_error_);
    return false;
  }
  if (selector.thread >= m.threads.size()) {
    error = "no thread " + std::to_string(selector.thread) + " at step " + std::to_string(at) + " (there are " +
            std::to_string(m.threads.size()) + ")";
    return false;
  }
  if (m.threads[selector.thread].frames.empty()) {
    // A thread that has finished is asked about as it was before its last
    // step: its frames then hold the values it ended with.
    bool readable = true;
    std::optional<StepEvent> exit = thread_exit(selector.thread, at, readable);
    if (exit) m = state_at(exit->index);
    // A forged trace can name an exit step the trace cannot be read up to,
    // or one before the thread existed.
    if (exit && (m.steps != exit->index || selector.thread >= m.threads.size())) {
      error = "thread " + std::to_string(selector.thread) + " has no state before its last step " +
              std::to_string(exit->index) + (last_error_.empty() ? std::string() : ": " + last_error_);
      return false;
    }
  }
  const Thread& th = m.threads[selector.thread];
  if (th.frames.empty()) {
    error = "thread " + std::to_string(selector.thread) + " has no frames at step " + std::to_string(at);
    return false;
  }
  std::uint32_t depth = selector.depth.value_or(static_cast<std::uint32_t>(th.frames.size() - 1));
  if (depth >= th.frames.size()) {
    error = "thread " + std::to_string(selector.thread) + " has frames 0.." + std::to_string(th.frames.size() - 1) +
            " at step " + std::to_string(at) + ", not frame " + std::to_string(depth);
    return false;
  }
  out = FrameRef{selector.thread, depth, th.frames[depth].proc};
  return true;
}

bool ReaderImpl::for_each_step(std::size_t b, std::uint64_t before,
                               const std::function<void(const StepEvent&)>& visit) {
  if (b >= blocks_.size()) return true;
  for (const auto& [key, block] : decoded_cache_) {
    if (key != b) continue;
    for (const DecodedStep& st : block->steps) {
      if (st.event.index >= before) break;
      visit(st.event);
    }
    return true;
  }
  std::shared_ptr<const std::string> raw = block_deltas(b);
  if (!raw) return false;
  const BlockSummary& summary = blocks_[b].summary;
  StepDecoder decoder(*program_, codec_context());
  begin_decoding(decoder, summary);
  ByteReader in(*raw);
  DecodedStep step;
  std::string what;
  std::uint64_t end = std::min(before, summary.end_step());
  for (std::uint64_t k = summary.first_step; k < end; ++k) {
    if (!decoder.decode(in, step, what)) {
      last_error_ = where(what, blocks_[b].offset);
      return false;
    }
    visit(step.event);
  }
  return true;
}

ReaderImpl::FoundWrite ReaderImpl::find_binding_write(const FrameRef& f, std::uint32_t slot, std::uint64_t before) {
  const Proc& proc = program_->procs[f.proc];
  auto relevant = [&](const BlockSummary& sum) {
    const ThreadSpan* span = sum.thread(f.thread);
    if (span == nullptr) return false;
    // The call that made the frame: from depth D - 1 (a version 1 trace does not say, so any block it ran in).
    if (f.depth > 0 && span->running > 0 && span->least_call_depth < f.depth) return true;
    if (f.depth == 0 && !span->existed_at_start) return true;  // the thread's spawn is here
    return (sum.flags & kBlockWrites) != 0 && sum.may_write_slot(f.thread, f.proc, slot);
  };
  // The frame's creation ends the search: a call one frame up, or the
  // thread's spawn. Otherwise a write of the slot at the frame's depth.
  auto creates = [&](const StepEvent& e) {
    if (e.thread != f.thread) return f.depth == 0 && f.thread != 0 && spawns(e, f.thread);
    return f.depth > 0 && e.kind == StepKind::CallEnter && e.depth + 1 == f.depth;
  };
  auto match = [&](const StepEvent& e) {
    if (creates(e)) return true;
    if (e.thread != f.thread) return false;
    return std::any_of(e.writes.begin(), e.writes.end(),
                       [&](const BindingWrite& w) { return w.frame == f.depth && w.slot == slot; });
  };
  FoundWrite found;
  std::optional<StepEvent> e;
  found.readable = find_back(before, relevant, match, e);
  if (!e) return found;
  if (creates(*e)) {
    if (!is_parameter(proc, slot)) return found;  // a local its frame has not written yet
    found.kind = e->thread == f.thread ? WriteKind::CallBinding : WriteKind::SpawnBinding;
    const std::uint32_t caller = e->depth;
    found.written_by(std::move(*e), caller);
  } else {
    found.written_by(std::move(*e), f.depth);
  }
  return found;
}

ReaderImpl::FoundWrite ReaderImpl::find_watched_write(const std::string& name, std::uint32_t thread,
                                                      std::uint64_t before) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> keys;  // (proc, slot) named `name`
  for (std::uint32_t p = 0; p < program_->procs.size(); ++p) {
    if (auto slot = slot_of(*program_, p, name)) keys.emplace_back(p, *slot);
  }
  FoundWrite found;
  if (keys.empty()) return found;
  auto relevant = [&](const BlockSummary& sum) {
    if ((sum.flags & kBlockWrites) == 0) return false;
    return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return sum.may_write_slot(thread, k.first, k.second); });
  };
  auto match = [&](const StepEvent& e) {
    if (e.thread != thread) return false;
    return std::any_of(e.writes.begin(), e.writes.end(), [&](const BindingWrite& w) {
      return w.frame == e.depth && std::find(keys.begin(), keys.end(), std::make_pair(e.proc, w.slot)) != keys.end();
    });
  };
  std::optional<StepEvent> e;
  found.readable = find_back(before, relevant, match, e);
  if (!e) return found;
  const std::uint32_t depth = e->depth;
  found.written_by(std::move(*e), depth);
  return found;
}

ReaderImpl::FoundWrite ReaderImpl::find_store(std::int64_t address, std::uint64_t before) {
  auto relevant = [&](const BlockSummary& sum) {
    return (sum.flags & kBlockLib) != 0 && sum.may_write_memory(address);
  };
  FoundWrite found;
  found.kind = WriteKind::MemoryStore;
  std::optional<StepEvent> e;
  found.readable = find_back(before, relevant, [&](const StepEvent& ev) { return stores_to(ev, address); }, e);
  if (!e) return found;
  const std::uint32_t depth = e->depth;
  found.written_by(std::move(*e), depth);
  return found;
}

std::vector<StepEvent> ReaderImpl::callee_returns(const StepEvent& event, std::uint32_t depth, bool& readable) {
  // Going forward through a block, the Returns one frame deeper that come
  // after the last step that is not part of this statement: its own
  // earlier steps are the calls (or waits) it made, and any other step at
  // its depth or above belongs to the statement before. The blocks are
  // walked back from the statement, so the Returns are gathered latest
  // first and turned round once at the end: putting each block's in front
  // of those found so far would copy them all again for every block.
  std::vector<StepEvent> latest_first;
  readable = true;
  if (event.index == 0 || !statement_calls_a_proc(*program_, event.stmt)) return latest_first;
  for (std::size_t b = block_at(event.index - 1) + 1; b-- > 0;) {
    const ThreadSpan* span = b < blocks_.size() ? blocks_[b].summary.thread(event.thread) : nullptr;
    if (span == nullptr || span->running == 0) continue;
    std::vector<StepEvent> since;
    bool began = false;
    readable = for_each_step(b, event.index, [&](const StepEvent& e) {
      if (e.thread != event.thread || e.depth > depth + 1) return;
      if (e.depth == depth + 1) {
        if (e.kind == StepKind::Return) since.push_back(e);
        return;
      }
      bool same_statement = e.depth == depth && e.stmt == event.stmt &&
                            (e.kind == StepKind::CallEnter || e.kind == StepKind::Blocked);
      if (!same_statement) {
        since.clear();
        began = true;
      }
    });
    if (!readable) break;
    latest_first.insert(latest_first.end(), std::make_move_iterator(since.rbegin()),
                        std::make_move_iterator(since.rend()));
    if (began) break;
  }
  std::reverse(latest_first.begin(), latest_first.end());
  return latest_first;
}

std::optional<StepEvent> ReaderImpl::thread_exit(std::uint32_t thread, std::uint64_t before, bool& readable) {
  auto relevant = [&](const BlockSummary& sum) {
    return sum.thread(thread) != nullptr && (sum.flags & kBlockLib) != 0;
  };
  auto exits = [&](const StepEvent& e) {
    return e.thread == thread && std::any_of(e.lib.begin(), e.lib.end(), [](const LibEvent& lib) {
             return lib.kind == LibEventKind::ThreadExit;
           });
  };
  std::optional<StepEvent> e;
  readable = find_back(before, relevant, exits, e);
  return e;
}

LastWrite ReaderImpl::last_write(const std::string& name, std::uint64_t before, FrameSelector selector) {
  LastWrite out;
  out.name = name;
  before = std::min(before, info_.steps);
  out.before = before;
  std::int64_t address = 0;
  FoundWrite found;
  if (parse_memory_name(name, address)) {
    found = find_store(address, before);
  } else if (selector.every_frame) {
    found = find_watched_write(name, selector.thread, before);
    out.thread = selector.thread;
    if (found.step) {
      out.frame = found.writer_frame;
      out.proc = program_->procs[found.writer_proc].name;
      for (const BindingWrite& w : found.event.writes) {
        if (w.frame == found.event.depth && slot_name(*program_, found.writer_proc, w.slot) == name) {
          out.value = value_text(w.new_value);
        }
      }
    }
  } else {
    FrameRef frame;
    if (!resolve_frame(before, selector, frame, out.error)) return out;
    out.thread = frame.thread;
    out.frame = frame.depth;
    out.proc = program_->procs[frame.proc].name;
    std::optional<std::uint32_t> slot = slot_of(*program_, frame.proc, name);
    if (!slot) {
      out.error = "frame " + std::to_string(frame.depth) + " of thread " + std::to_string(frame.thread) + " (" +
                  out.proc + ") has no binding named " + name;
      return out;
    }
    found = find_binding_write(frame, *slot, before);
    if (found.step) {
      // The value written: a statement's write says it; a call or spawn
      // bound it, and the state after that step holds it.
      for (const BindingWrite& w : found.event.writes) {
        if (w.frame == frame.depth && w.slot == *slot && found.event.thread == frame.thread) {
          out.value = value_text(w.new_value);
        }
      }
      if (found.kind != WriteKind::Statement) {
        Machine m = state_at(*found.step + 1);
        if (frame.thread < m.threads.size() && frame.depth < m.threads[frame.thread].frames.size()) {
          out.value = value_text(m.threads[frame.thread].frames[frame.depth].slots[*slot]);
        }
      }
    }
  }
  if (!found.readable) out.error = last_error_;
  out.step = found.step;
  out.kind = found.kind;
  out.writer_thread = found.writer_thread;
  out.writer_frame = found.writer_frame;
  if (found.step) {
    out.statement = statement_place(*program_, found.event.stmt);
    if (found.kind == WriteKind::MemoryStore) {
      for (const LibEvent& lib : found.event.lib) {
        if (lib.kind == LibEventKind::MemWrite && covers(lib.a, lib.b, address)) {
          out.value = std::to_string(lib.c);
          out.thread = found.event.thread;
          out.frame = found.event.depth;
        }
      }
    }
  }
  return out;
}

}  // namespace dust::rec

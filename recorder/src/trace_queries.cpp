// trace_queries.cpp — whole-run questions answered from the recorded
// deltas: Q resource and memory lifetimes, Φ, effect and failure marks, and
// the reverse watchpoint ("which step last wrote x?") with its origin chain.
// Block summaries say which blocks can matter; only those are decoded.
#include <algorithm>
#include <cstdlib>
#include <deque>
#include <set>

#include "block_summary.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

constexpr std::size_t kMaxOriginLinks = 64;

bool parse_memory_name(const std::string& name, std::int64_t& address) {
  if (name.rfind("mem:", 0) != 0 || name.size() == 4) return false;
  const char* begin = name.c_str() + 4;
  char* end = nullptr;
  address = static_cast<std::int64_t>(std::strtoll(begin, &end, 0));
  return end != nullptr && *end == '\0';
}

// The names an expression reads, in the order it reads them.
void code_reads(const Program& p, const Proc& proc, const CodeRef& code, std::vector<std::string>& out) {
  for (std::uint32_t i = 0; i < code.length && code.offset + i < p.code.size(); ++i) {
    const Instr in = p.code[code.offset + i];
    bool reads_slot = in.op() == Op::Load || (is_fused(in.op()) && fused_form(in.op()) == FusedForm::Slot);
    if (!reads_slot || in.a() >= proc.slot_count()) continue;
    std::string name(proc.slot_names.get(in.a()));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
}

std::vector<std::string> statement_reads(const Program& p, std::uint32_t proc_index, std::uint32_t stmt) {
  std::vector<std::string> reads;
  if (stmt >= p.stmts.size() || proc_index >= p.procs.size()) return reads;
  const Stmt& s = p.stmts[stmt];
  const Proc& proc = p.procs[proc_index];
  if (s.has_expr) code_reads(p, proc, s.expr, reads);
  if (s.kind == StmtKind::For && s.else_body < p.for_ends.size()) code_reads(p, proc, p.for_ends[s.else_body], reads);
  return reads;
}

}  // namespace

std::vector<QLifetime> ReaderImpl::q_lifetimes() {
  if (q_lifetimes_) return *q_lifetimes_;
  std::vector<QLifetime> out;
  auto find = [&](const std::string& resource) -> QLifetime* {
    for (QLifetime& q : out)
      if (q.resource == resource) return &q;
    return nullptr;
  };
  std::optional<std::uint64_t> violation;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    std::uint32_t flags = blocks_[b].summary.flags;
    if ((flags & (kBlockQ | kBlockError)) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) break;
    for (const DecodedStep& st : block->steps) {
      const StepEvent& e = st.event;
      for (const QEvent& q : e.q) {
        if (q.op == QForm::Alloc) {
          out.push_back(QLifetime{q.resource, q.source, e.index, {}, {q.binding}, std::nullopt, std::nullopt});
        } else if (QLifetime* life = find(q.resource)) {
          if (q.op == QForm::Move) {
            life->move_steps.push_back(e.index);
            life->bindings.push_back(q.binding);
          } else if (q.op == QForm::Consume) {
            life->consume_step = e.index;
          }
        }
      }
      if (e.error && e.stmt < program_->stmts.size() && program_->stmts[e.stmt].q_form != QForm::None) {
        violation = e.index;
      }
    }
  }
  if (violation) {
    // The failed use names a binding; the table before that step says which resource it held.
    std::shared_ptr<const DecodedBlock> holder;
    const DecodedStep* st = decoded_step(*violation, holder);
    Machine before = state_at(*violation);
    if (st != nullptr) {
      const Stmt& s = program_->stmts[st->event.stmt];
      std::string subject(program_->texts.get(s.text));
      if (s.q_form == QForm::Alloc && st->event.proc < program_->procs.size()) {
        subject = std::string(program_->procs[st->event.proc].slot_names.get(s.slot));
      }
      if (const QBinding* binding = before.q.find(subject)) {
        if (QLifetime* life = find(before.q.resources[binding->resource].id)) life->violation_step = *violation;
      }
    }
  }
  q_lifetimes_ = out;
  return out;
}

std::vector<MemoryLifetime> ReaderImpl::memory_lifetimes() {
  if (memory_lifetimes_) return *memory_lifetimes_;
  std::vector<MemoryLifetime> out;
  auto free_block = [&](std::int64_t address, std::uint64_t step) {
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      if (it->address == address && !it->free_step) {
        it->free_step = step;
        return;
      }
    }
  };
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if ((blocks_[b].summary.flags & kBlockMemory) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) break;
    for (const DecodedStep& st : block->steps) {
      for (const LibEvent& lib : st.event.lib) {
        switch (lib.kind) {
          case LibEventKind::MemAlloc:
            out.push_back(MemoryLifetime{lib.a, lib.b, st.event.thread, st.event.index, std::nullopt});
            break;
          case LibEventKind::MemFree: free_block(lib.a, st.event.index); break;
          case LibEventKind::MemRealloc:
            free_block(lib.a, st.event.index);
            out.push_back(MemoryLifetime{lib.b, lib.c, st.event.thread, st.event.index, std::nullopt});
            break;
          default: break;
        }
      }
    }
  }
  memory_lifetimes_ = out;
  return out;
}

std::vector<PhiMark> ReaderImpl::phi_marks() {
  if (phi_marks_) return *phi_marks_;
  std::vector<PhiMark> out;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if ((blocks_[b].summary.flags & kBlockPhi) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) break;
    for (const DecodedStep& st : block->steps) {
      for (const PhiEvent& phi : st.event.phi) out.push_back(PhiMark{st.event.index, phi});
    }
  }
  phi_marks_ = out;
  return out;
}

std::vector<EffectMark> ReaderImpl::effect_marks(std::uint64_t first, std::uint64_t last) {
  std::vector<EffectMark> out;
  last = std::min(last, info_.steps);
  if (first >= last) return out;
  for (std::size_t b = block_at(first); b < blocks_.size() && blocks_[b].summary.first_step < last; ++b) {
    if ((blocks_[b].summary.flags & kBlockEffects) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) break;
    for (const DecodedStep& st : block->steps) {
      const StepEvent& e = st.event;
      if (e.index >= first && e.index < last && e.has_effect) out.push_back(EffectMark{e.index, e.thread, e.effect});
    }
  }
  return out;
}

std::optional<FailureMark> ReaderImpl::failure() {
  for (std::size_t b = blocks_.size(); b-- > 0;) {
    if ((blocks_[b].summary.flags & kBlockError) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) return std::nullopt;
    for (auto it = block->steps.rbegin(); it != block->steps.rend(); ++it) {
      if (it->event.error) return FailureMark{it->event.index, it->event.thread, *it->event.error};
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ReaderImpl::last_write(const std::string& name, std::uint64_t before,
                                                    std::optional<std::uint32_t> thread) {
  before = std::min(before, info_.steps);
  if (before == 0) return std::nullopt;
  std::int64_t address = 0;
  bool memory = parse_memory_name(name, address);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> keys;  // (proc, slot) named `name`
  if (!memory) {
    for (std::uint32_t p = 0; p < program_->procs.size(); ++p) {
      const Proc& proc = program_->procs[p];
      for (std::uint32_t s = 0; s < proc.slot_count(); ++s) {
        if (proc.slot_names.get(s) == name) keys.emplace_back(p, s);
      }
    }
    if (keys.empty()) return std::nullopt;
  }
  auto block_may_match = [&](const BlockSummary& sum) {
    if (memory) return (sum.flags & kBlockLib) != 0 && sum.may_write_memory(address);
    if ((sum.flags & kBlockWrites) == 0) return false;
    for (const auto& [p, s] : keys) {
      if (thread ? sum.may_write_slot(*thread, p, s) : sum.may_write_slot(p, s)) return true;
    }
    return false;
  };
  auto step_matches = [&](const StepEvent& e) {
    if (thread && e.thread != *thread) return false;
    if (memory) {
      for (const LibEvent& lib : e.lib) {
        if (lib.kind == LibEventKind::MemWrite && lib.a <= address && address < lib.a + std::max<std::int64_t>(lib.b, 1)) {
          return true;
        }
      }
      return false;
    }
    for (const BindingWrite& w : e.writes) {
      if (w.frame != e.depth) continue;
      for (const auto& [p, s] : keys) {
        if (p == e.proc && s == w.slot) return true;
      }
    }
    return false;
  };
  for (std::size_t b = block_at(before - 1) + 1; b-- > 0;) {
    if (b >= blocks_.size() || !block_may_match(blocks_[b].summary)) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) return std::nullopt;
    for (auto it = block->steps.rbegin(); it != block->steps.rend(); ++it) {
      if (it->event.index < before && step_matches(it->event)) return it->event.index;
    }
  }
  return std::nullopt;
}

std::vector<OriginLink> ReaderImpl::origin(const std::string& name, std::uint64_t at,
                                           std::optional<std::uint32_t> thread) {
  struct Pending {
    std::string name;
    std::uint64_t before;
    std::optional<std::uint32_t> thread;
  };
  std::vector<OriginLink> links;
  std::deque<Pending> queue{{name, at, thread}};
  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::int64_t address = 0;
  while (!queue.empty() && links.size() < kMaxOriginLinks) {
    Pending next = std::move(queue.front());
    queue.pop_front();
    std::optional<std::uint64_t> step = last_write(next.name, next.before, next.thread);
    if (!step || !seen.emplace(*step, next.name).second) continue;
    std::shared_ptr<const DecodedBlock> holder;
    const DecodedStep* st = decoded_step(*step, holder);
    if (st == nullptr) break;
    const StepEvent& e = st->event;
    OriginLink link{*step, e.thread, next.name, "", {}};
    if (parse_memory_name(next.name, address)) {
      for (const LibEvent& lib : e.lib) {
        if (lib.kind == LibEventKind::MemWrite) link.value = std::to_string(lib.c);
      }
    } else {
      for (const BindingWrite& w : e.writes) {
        if (w.frame == e.depth && e.proc < program_->procs.size() &&
            program_->procs[e.proc].slot_names.get(w.slot) == next.name) {
          link.value = render_human(w.new_value);
        }
      }
      link.reads = statement_reads(*program_, e.proc, e.stmt);
    }
    for (const std::string& read : link.reads) queue.push_back(Pending{read, *step, e.thread});
    links.push_back(std::move(link));
  }
  std::stable_sort(links.begin(), links.end(), [](const OriginLink& a, const OriginLink& b) { return a.step > b.step; });
  return links;
}

}  // namespace dust::rec

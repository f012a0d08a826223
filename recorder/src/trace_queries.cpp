// trace_queries.cpp — whole-run questions answered from the recorded
// deltas: Q resource and memory lifetimes, Φ, effect and failure marks.
// Block summaries say which blocks can matter; only those are decoded.
#include <algorithm>

#include "block_summary.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

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
          out.push_back(QLifetime{q.resource, q.source, e.index, {}, {q.binding}, std::nullopt, std::nullopt, {}});
        } else if (QLifetime* life = find(q.resource)) {
          if (q.op == QForm::Move) {
            life->move_steps.push_back(e.index);
            life->bindings.push_back(q.binding);
          } else if (q.op == QForm::Consume) {
            life->consume_step = e.index;
          } else if (q.op == QForm::Use) {
            life->use_steps.push_back(e.index);
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

}  // namespace dust::rec

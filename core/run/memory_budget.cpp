// memory_budget.cpp — counting what a program owns (memory_budget.hpp) and
// the step rule that fails a step once the count passes --max-memory.
#include "dust/memory_budget.hpp"

#include <unistd.h>

#include <algorithm>

#include "dust/machine.hpp"
#include "step_runner.hpp"

namespace dust {

const char* memory_kind_name(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::Heap: return "heap blocks";
    case MemoryKind::FreedBlocks: return "freed-block records";
    case MemoryKind::Effects: return "effects";
    case MemoryKind::Files: return "files";
    case MemoryKind::Threads: return "threads and frames";
    case MemoryKind::Mutexes: return "mutexes";
    case MemoryKind::QResources: return "Q resources";
    case MemoryKind::Other: return "witnesses and logs";
    case MemoryKind::Count: break;
  }
  return "memory";
}

std::uint64_t MemoryUse::total() const {
  std::uint64_t sum = 0;
  for (std::uint64_t b : bytes) sum += b;
  return sum;
}

std::uint64_t frame_cost(const Proc& proc) {
  return kFrameRecordBytes + static_cast<std::uint64_t>(proc.slot_count()) * sizeof(Value);
}

namespace {

std::uint64_t file_world_bytes(const KState& k) {
  std::uint64_t sum = 0;
  for (const auto& [path, contents] : k.files) sum += path.size() + contents.size();
  return sum;
}

}  // namespace

MemoryUse count_memory(Machine& m) {
  MemoryAccount& account = m.memory;
  for (; account.effects_counted < m.effects.size(); ++account.effects_counted) {
    const EffectEvent& e = m.effects[account.effects_counted];
    account.effect_bytes += kEffectRecordBytes + e.kind.size() + e.payload.size();
  }
  const KState& k = m.k;
  const std::uint64_t blocks = k.heap.blocks.size();
  MemoryUse use;
  const std::uint64_t live = std::min<std::uint64_t>(account.live_blocks, blocks);
  use[MemoryKind::Heap] = static_cast<std::uint64_t>(std::max<std::int64_t>(k.heap.live_bytes, 0)) +
                          live * kHeapBlockRecordBytes;
  use[MemoryKind::FreedBlocks] =
      (blocks - live) * kHeapBlockRecordBytes + k.heap.stray_bytes.size() * kStrayByteRecordBytes;
  use[MemoryKind::Effects] = account.effect_bytes;
  use[MemoryKind::Files] = account.file_bytes + (k.files.size() + k.fds.size() + k.consulted_paths.size()) * kFileRecordBytes;
  use[MemoryKind::Threads] = m.threads.size() * kThreadRecordBytes + account.frame_bytes;
  use[MemoryKind::Mutexes] = k.mutexes.size() * kMutexRecordBytes;
  use[MemoryKind::QResources] = (m.q.resources.size() + m.q.bindings.size()) * kQResourceRecordBytes;
  use[MemoryKind::Other] = (m.witnesses.size() + k.unsafe_log.size() + k.ports.size() + k.mmio.size()) * kSmallRecordBytes;
  return use;
}

void recount_memory(Machine& m) {
  MemoryAccount account;
  account.file_bytes = file_world_bytes(m.k);
  for (const auto& [address, block] : m.k.heap.blocks) account.live_blocks += block.live ? 1 : 0;
  const Program& program = m.program();
  for (const Thread& th : m.threads) {
    for (const Frame& f : th.frames) {
      if (f.proc < program.procs.size()) account.frame_bytes += frame_cost(program.procs[f.proc]);
    }
  }
  m.memory = account;
}

MemoryKind largest_kind(const MemoryUse& use) {
  MemoryKind largest = MemoryKind::Heap;
  for (std::size_t i = 0; i < use.bytes.size(); ++i) {
    if (use.bytes[i] > use[largest]) largest = static_cast<MemoryKind>(i);
  }
  return largest;
}

std::string memory_budget_message(const std::string& what, std::uint64_t limit) {
  return "memory budget exceeded: " + what + " (limit " + std::to_string(limit) + " bytes)";
}

std::uint64_t default_memory_limit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return kDefaultMaxMemory;
  const std::uint64_t half = static_cast<std::uint64_t>(pages) / 2 * static_cast<std::uint64_t>(page_size);
  return std::min(kDefaultMaxMemory, half);
}

// Runs after every step that did not already end the run: a step that took
// the count past the limit fails, and leaves the state as it made it so the
// recording shows what happened.
void StepRunner::check_memory_budget() {
  if (std::optional<DvmError> over = over_memory_budget(m_)) fail(std::move(*over), true);
}

// The failure carries the effects and time so far, as the trace of a run
// cut short should.
void StepRunner::fail_thread(std::uint32_t tid, DvmError error) {
  ev_.thread = tid;
  fail(std::move(error), true);
}

std::optional<DvmError> over_memory_budget(Machine& m) {
  const std::uint64_t limit = m.config.max_memory;
  if (limit == 0) return std::nullopt;
  const MemoryUse use = count_memory(m);
  if (use.total() <= limit) return std::nullopt;
  return DvmError{ErrorKind::Runtime, memory_budget_message(memory_kind_name(largest_kind(use)), limit)};
}

// A string an intrinsic made must fit in what the budget has left: it is
// about to be bound, emitted or written, and the host pays for it at once.
std::optional<DvmError> StepRunner::check_made_string(const Value& v) {
  const std::uint64_t limit = m_.config.max_memory;
  if (limit == 0 || !v.is_string()) return std::nullopt;
  const std::uint64_t used = count_memory(m_).total();
  const std::uint64_t size = v.as_string().size();
  if (used <= limit && size <= limit - used) return std::nullopt;
  return DvmError{ErrorKind::Runtime,
                  memory_budget_message("a string of " + std::to_string(size) + " bytes", limit)};
}

}  // namespace dust

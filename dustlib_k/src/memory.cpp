// memory.cpp — dustlib_k's memory module: a deterministic heap.
//
//   alloc(size) -> Int          a new zero-filled block; its address
//   free(addr)                  `Dealloc` lowers to this; free(0) does nothing, as in C
//   load(addr) / store(addr, v) 8 bytes, little-endian, signed
//   load8(addr) / store8(addr, v)  one byte: load8 gives 0..255, store8 keeps v's low byte
//   realloc(addr, size) -> Int  a new block holding the old contents (cut or
//                               zero-extended); the old block is freed;
//                               realloc(0, size) is alloc(size)
//   mem_write_str(addr, s) -> Int   the bytes of s (no terminator); their count
//   mem_read_str(addr, n) -> String n bytes
//
// The allocator is a bump pointer from 16777216 in steps of 16 bytes that
// never reuses an address. That makes every run's addresses identical
// whatever the interleaving before it, and it keeps a freed block
// recognisable forever, so use after free and double free are always
// caught rather than silently aliasing a newer block. Violations are
// ConstraintFailure: `double free: <addr>`, `use after free: <addr>`,
// `out of bounds: <addr>`, `invalid free: <addr>` (an address that is not
// the start of a block; realloc of one too). realloc of a freed block is a
// use after free: it reads the block before it frees it. Live memory is
// capped at 256 MiB so a runaway program fails with `out of memory: …`
// instead of exhausting the host. Blocks still live when the run ends are
// leaks, reported by exit_warnings, never failures.
//
// Every access is a library event (MemAlloc, MemFree, MemRealloc, MemRead,
// MemWrite) so the recorder and the debugger's memory lanes see it.
#include <algorithm>
#include <cstring>

#include "arguments.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "heap_access.hpp"
#include "lib_events.hpp"
#include "modules.hpp"

namespace dust::k {

namespace {

std::optional<DvmError> check_range(const HeapBlock* block, std::int64_t addr, std::int64_t n);

// Whether `addr` lies in `block` as block_at finds it: at its address (an
// empty block too) or within its size past it.
bool holds(const HeapBlock& block, std::int64_t addr) {
  return addr == block.address || (addr > block.address && addr - block.address < block.size);
}

// The block holding `addr` (block_at), asked first of the caller's cache
// of the last block found (IntrinsicContext::last_block). A cached block
// that holds `addr` is the block block_at finds: blocks are bump-allocated
// and never overlap, none is erased, and a freed one keeps its address and
// size, so no other block starts between its address and `addr`. The
// cache answers only which block; whether it is live and whether the
// access fits are checked on every access (check_range).
const HeapBlock* find_block(const Heap& heap, const HeapBlock** last, std::int64_t addr) {
  if (last != nullptr && *last != nullptr && holds(**last, addr)) return *last;
  const HeapBlock* block = block_at(heap, addr);
  if (last != nullptr && block != nullptr) *last = block;
  return block;
}

// The eight bytes at `addr` when the cached block (IntrinsicContext::
// last_block) is live and holds all of them, else null: exactly when
// find_block would give that block and check_range pass. Inline, as the
// first question of every load and store, quick ones above all.
inline std::uint8_t* cached_word(const HeapBlock* const* last, std::int64_t addr) {
  if (last == nullptr || *last == nullptr) return nullptr;
  HeapBlock& cached = const_cast<HeapBlock&>(**last);
  if (!cached.live || addr < cached.address || 8 > cached.size - (addr - cached.address)) return nullptr;
  return cached.bytes.data() + (addr - cached.address);
}

// The eight bytes at `addr` of a live block, for load and store: they are
// most calls of most programs that use the heap, so they reach the block's
// bytes directly, without the byte strings heap_read and heap_write take.
// The full entries and the quick ones (QuickCall) both ask here.
std::optional<DvmError> word_at(Heap& heap, const HeapBlock** last, std::int64_t addr, std::uint8_t*& out) {
  if (std::uint8_t* word = cached_word(last, addr)) [[likely]] {
    out = word;
    return std::nullopt;
  }
  const HeapBlock* block = find_block(heap, last, addr);
  if (auto error = check_range(block, addr, 8)) return error;
  out = const_cast<HeapBlock*>(block)->bytes.data() + (addr - block->address);
  return std::nullopt;
}

constexpr std::int64_t kAlignment = 16;
constexpr std::int64_t kMaxLiveBytes = std::int64_t{256} * 1024 * 1024;

IntrinsicResult violation(const char* what, std::int64_t addr) {
  return IntrinsicResult::fail(ErrorKind::ConstraintFailure, std::string(what) + ": " + std::to_string(addr));
}

// Carves a new zero-filled block; the caller has checked `size`.
std::optional<DvmError> allocate(IntrinsicContext& ctx, std::int64_t size, std::int64_t& address) {
  Heap& heap = ctx.machine.k.heap;
  if (size > kMaxLiveBytes - heap.live_bytes) {
    return DvmError{ErrorKind::ConstraintFailure,
                    "out of memory: " + std::string(ctx.name) + " of " + std::to_string(size) + " bytes with " +
                        std::to_string(heap.live_bytes) + " bytes live exceeds the heap limit of " +
                        std::to_string(kMaxLiveBytes) + " bytes"};
  }
  address = heap.next;
  HeapBlock block;
  block.address = address;
  block.size = size;
  block.owner_thread = ctx.thread;
  block.alloc_step = ctx.event.index;
  block.bytes.assign(static_cast<std::size_t>(size), 0);
  heap.blocks.emplace(address, std::move(block));
  heap.live_bytes += size;
  ++ctx.machine.memory.live_blocks;
  // Even an empty block takes one slot, so no two blocks share an address.
  std::int64_t span = std::max<std::int64_t>(size, 1);
  heap.next += (span + kAlignment - 1) / kAlignment * kAlignment;
  return std::nullopt;
}

void release(IntrinsicContext& ctx, HeapBlock& block) {
  block.live = false;
  block.free_step = ctx.event.index;
  ctx.machine.k.heap.live_bytes -= block.size;
  --ctx.machine.memory.live_blocks;
  std::vector<std::uint8_t>().swap(block.bytes);
}

// The live block that starts at `addr`, or the violation that explains why
// there is none.
std::optional<IntrinsicResult> block_starting_at(Heap& heap, std::int64_t addr, bool freed_means_double_free,
                                                 HeapBlock*& out) {
  auto it = heap.blocks.find(addr);
  if (it == heap.blocks.end()) return violation("invalid free", addr);
  if (!it->second.live) return violation(freed_means_double_free ? "double free" : "use after free", addr);
  out = &it->second;
  return std::nullopt;
}

IntrinsicResult mem_alloc(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t size = 0;
  if (auto bad = count_arg(ctx, args, 0, "a non-negative Int size", size)) return *bad;
  std::int64_t address = 0;
  if (auto error = allocate(ctx, size, address)) return IntrinsicResult::failure(std::move(*error));
  emit(ctx, LibEventKind::MemAlloc, address, size, 0);
  return IntrinsicResult::of(Value::integer(address));
}

IntrinsicResult mem_free(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (addr == 0) return IntrinsicResult::unit();
  HeapBlock* block = nullptr;
  if (auto bad = block_starting_at(ctx.machine.k.heap, addr, true, block)) return *bad;
  emit(ctx, LibEventKind::MemFree, addr, block->size, 0);
  release(ctx, *block);
  return IntrinsicResult::unit();
}

IntrinsicResult mem_realloc(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0, size = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (auto bad = count_arg(ctx, args, 1, "a non-negative Int size", size)) return *bad;
  Heap& heap = ctx.machine.k.heap;
  HeapBlock* old_block = nullptr;
  if (addr != 0) {
    if (auto bad = block_starting_at(heap, addr, false, old_block)) return *bad;
  }
  // The old block is still live while the new one is carved, so the limit
  // counts both, as a real realloc that cannot grow in place needs both.
  std::int64_t address = 0;
  if (auto error = allocate(ctx, size, address)) return IntrinsicResult::failure(std::move(*error));
  if (addr != 0) {
    HeapBlock& fresh = heap.blocks.at(address);
    std::size_t kept = static_cast<std::size_t>(std::min(old_block->size, size));
    std::copy_n(old_block->bytes.begin(), kept, fresh.bytes.begin());
    release(ctx, *old_block);
  }
  emit(ctx, LibEventKind::MemRealloc, addr, address, size);
  return IntrinsicResult::of(Value::integer(address));
}

IntrinsicResult mem_load(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  std::uint8_t* word = nullptr;
  if (auto error = word_at(ctx.machine.k.heap, ctx.last_block, addr, word)) {
    return IntrinsicResult::failure(std::move(*error));
  }
  const std::int64_t value = load_le64(word);
  emit(ctx, LibEventKind::MemRead, addr, 8, value);
  return IntrinsicResult::of(Value::integer(value));
}

// The quick entries ask the cached block inline, and word_at only when it
// does not answer (word_at then asks the cache again: a miss is rare, and
// one function gives every other answer).
QuickResult quick_load(QuickCall& call, const std::int64_t* args) {
  std::uint8_t* word = cached_word(call.last_block, args[0]);
  if (word == nullptr && word_at(call.machine.k.heap, call.last_block, args[0], word)) return QuickResult::refused();
  return QuickResult::integer(load_le64(word));
}

IntrinsicResult mem_store(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0, value = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int value", value)) return *bad;
  std::uint8_t* word = nullptr;
  if (auto error = word_at(ctx.machine.k.heap, ctx.last_block, addr, word)) {
    return IntrinsicResult::failure(std::move(*error));
  }
  store_le64(word, value);
  emit(ctx, LibEventKind::MemWrite, addr, 8, value);
  return IntrinsicResult::unit();
}

QuickResult quick_store(QuickCall& call, const std::int64_t* args) {
  std::uint8_t* word = cached_word(call.last_block, args[0]);
  if (word == nullptr && word_at(call.machine.k.heap, call.last_block, args[0], word)) return QuickResult::refused();
  store_le64(word, args[1]);
  return QuickResult::unit();
}

IntrinsicResult mem_load8(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  std::string bytes;
  if (auto error = heap_read(ctx.machine.k.heap, addr, 1, bytes)) return IntrinsicResult::failure(std::move(*error));
  std::int64_t value = static_cast<std::uint8_t>(bytes[0]);
  emit(ctx, LibEventKind::MemRead, addr, 1, value);
  return IntrinsicResult::of(Value::integer(value));
}

IntrinsicResult mem_store8(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0, value = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int value", value)) return *bad;
  std::int64_t byte = value & 0xff;
  if (auto error = heap_write(ctx.machine.k.heap, addr, std::string(1, static_cast<char>(byte)))) {
    return IntrinsicResult::failure(std::move(*error));
  }
  emit(ctx, LibEventKind::MemWrite, addr, 1, byte);
  return IntrinsicResult::unit();
}

IntrinsicResult mem_write_str(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0;
  std::string text;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (auto bad = string_arg(ctx, args, 1, "a String", text)) return *bad;
  if (auto error = heap_write(ctx.machine.k.heap, addr, text)) return IntrinsicResult::failure(std::move(*error));
  std::int64_t n = static_cast<std::int64_t>(text.size());
  emit(ctx, LibEventKind::MemWrite, addr, n, 0, std::move(text));
  return IntrinsicResult::of(Value::integer(n));
}

IntrinsicResult mem_read_str(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0, n = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return *bad;
  if (auto bad = count_arg(ctx, args, 1, "a non-negative Int byte count", n)) return *bad;
  std::string text;
  if (auto error = heap_read(ctx.machine.k.heap, addr, n, text)) return IntrinsicResult::failure(std::move(*error));
  emit(ctx, LibEventKind::MemRead, addr, n, 0, text);
  return IntrinsicResult::of(Value::string(std::move(text)));
}

}  // namespace

// ---- checked heap access (heap_access.hpp) ----

// The block with the greatest address not above `addr`. Most accesses name
// a block's own address (`load(p)`), which lower_bound finds without the
// step back that every other address takes.
const HeapBlock* block_at(const Heap& heap, std::int64_t addr) {
  auto it = heap.blocks.lower_bound(addr);
  if (it != heap.blocks.end() && it->first == addr) return &it->second;
  if (it == heap.blocks.begin()) return nullptr;
  --it;
  const HeapBlock& block = it->second;
  if (addr == block.address || addr - block.address < block.size) return &block;
  return nullptr;
}

HeapBlock* block_at(Heap& heap, std::int64_t addr) {
  return const_cast<HeapBlock*>(block_at(static_cast<const Heap&>(heap), addr));
}

namespace {

// Why `block`, the block block_at finds for `addr` (or null), is not a
// live block holding all of [addr, addr + n), n > 0; nothing when it is.
std::optional<DvmError> check_range(const HeapBlock* block, std::int64_t addr, std::int64_t n) {
  if (block == nullptr) return DvmError{ErrorKind::ConstraintFailure, "out of bounds: " + std::to_string(addr)};
  if (!block->live) return DvmError{ErrorKind::ConstraintFailure, "use after free: " + std::to_string(addr)};
  if (n > block->size - (addr - block->address)) {
    return DvmError{ErrorKind::ConstraintFailure, "out of bounds: " + std::to_string(addr)};
  }
  return std::nullopt;
}

// The live block holding all of [addr, addr + n), n > 0.
std::optional<DvmError> live_range(const Heap& heap, std::int64_t addr, std::int64_t n, const HeapBlock*& out) {
  const HeapBlock* block = block_at(heap, addr);
  if (auto error = check_range(block, addr, n)) return error;
  out = block;
  return std::nullopt;
}

}  // namespace

std::optional<DvmError> heap_read(const Heap& heap, std::int64_t addr, std::int64_t n, std::string& out) {
  out.clear();
  if (n == 0) return std::nullopt;
  const HeapBlock* block = nullptr;
  if (auto error = live_range(heap, addr, n, block)) return error;
  auto first = block->bytes.begin() + (addr - block->address);
  out.assign(first, first + n);
  return std::nullopt;
}

std::optional<DvmError> heap_write(Heap& heap, std::int64_t addr, std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  const HeapBlock* found = nullptr;
  if (auto error = live_range(heap, addr, static_cast<std::int64_t>(bytes.size()), found)) return error;
  HeapBlock& block = *const_cast<HeapBlock*>(found);
  std::memcpy(block.bytes.data() + (addr - block.address), bytes.data(), bytes.size());
  return std::nullopt;
}

std::optional<DvmError> heap_read_cstring(const Heap& heap, std::int64_t addr, std::string& out) {
  const HeapBlock* block = nullptr;
  if (auto error = live_range(heap, addr, 1, block)) return error;
  auto first = block->bytes.begin() + (addr - block->address);
  auto end = std::find(first, block->bytes.end(), std::uint8_t{0});
  out.assign(first, end);
  return std::nullopt;
}

std::int64_t decode_le64(std::string_view bytes) { return load_le64(reinterpret_cast<const std::uint8_t*>(bytes.data())); }

std::string encode_le64(std::int64_t value) {
  std::string out(8, '\0');
  store_le64(reinterpret_cast<std::uint8_t*>(out.data()), value);
  return out;
}

// The plain allocation and access calls may run in the simple-step lane:
// each decides its errors before it changes anything (see LaneUse).
void register_memory(IntrinsicTable& table) {
  table.add(in_lane({"memory", "alloc", mem_alloc, 1, 1}, LaneUse::Yes));
  table.add(in_lane({"memory", "free", mem_free, 1, 1}, LaneUse::Yes), {"dealloc"});
  table.add({"memory", "realloc", mem_realloc, 2, 2});
  table.add(with_quick(in_lane({"memory", "load", mem_load, 1, 1}, LaneUse::Yes), quick_load));
  table.add(with_quick(in_lane({"memory", "store", mem_store, 2, 2}, LaneUse::Yes), quick_store));
  table.add(in_lane({"memory", "load8", mem_load8, 1, 1}, LaneUse::Yes));
  table.add(in_lane({"memory", "store8", mem_store8, 2, 2}, LaneUse::Yes));
  table.add({"memory", "mem_write_str", mem_write_str, 2, 2});
  table.add({"memory", "mem_read_str", mem_read_str, 2, 2});
}

}  // namespace dust::k

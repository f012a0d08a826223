// unsafe.cpp — dustlib_k's unsafe module: audited raw memory access.
//
//   unsafe_begin(reason)    enters an unsafe block; reason is a non-empty String
//   unsafe_end()            leaves the innermost one
//   peek(addr) -> Int       8 bytes, little-endian, inside an unsafe block only
//   poke(addr, v)           8 bytes, little-endian, inside an unsafe block only
//
// Unsafe blocks nest per thread (KState::unsafe_depth). Every
// unsafe_begin is kept in KState::unsafe_log with its thread, step and
// reason: the audit log the debugger shows, because the question after a
// memory corruption is "who went around the checks, and why".
//
// peek and poke skip the live-block check that load and store make, so
// they can read a freed block or alignment padding (as a device driver or
// allocator would), but they stay inside the heap's range: from its base to
// the bump pointer, else `out of bounds: <addr>`. A freed block's bytes are
// gone (they read as 0); bytes poked where no live block is are kept in
// Heap::stray_bytes and read back by peek. Misuse is ConstraintFailure:
// `peek outside an unsafe block`, `unsafe_end without unsafe_begin`. A
// thread that ends inside an unsafe block is an exit warning.
#include "arguments.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "heap_access.hpp"
#include "modules.hpp"

namespace dust::k {

namespace {

constexpr std::int64_t kWord = 8;

std::uint32_t& depth_of(KState& k, std::uint32_t thread) {
  if (k.unsafe_depth.size() <= thread) k.unsafe_depth.resize(thread + 1, 0);
  return k.unsafe_depth[thread];
}

// Checks that the caller is inside an unsafe block and that the word at
// `addr` lies within the heap's range.
std::optional<IntrinsicResult> unsafe_word(IntrinsicContext& ctx, std::span<const Value> args, std::int64_t& addr) {
  if (auto bad = int_arg(ctx, args, 0, "an Int address", addr)) return bad;
  if (depth_of(ctx.machine.k, ctx.thread) == 0) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, std::string(ctx.name) + " outside an unsafe block");
  }
  const Heap& heap = ctx.machine.k.heap;
  if (addr < Heap::kBase || addr > heap.next - kWord) {
    return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "out of bounds: " + std::to_string(addr));
  }
  return std::nullopt;
}

std::uint8_t raw_byte(const Heap& heap, std::int64_t addr) {
  const HeapBlock* block = block_at(heap, addr);
  if (block != nullptr && block->live && addr - block->address < block->size) {
    return block->bytes[static_cast<std::size_t>(addr - block->address)];
  }
  auto stray = heap.stray_bytes.find(addr);
  return stray == heap.stray_bytes.end() ? 0 : stray->second;
}

void set_raw_byte(Heap& heap, std::int64_t addr, std::uint8_t value) {
  HeapBlock* block = block_at(heap, addr);
  if (block != nullptr && block->live && addr - block->address < block->size) {
    block->bytes[static_cast<std::size_t>(addr - block->address)] = value;
    return;
  }
  heap.stray_bytes[addr] = value;
}

IntrinsicResult unsafe_begin(IntrinsicContext& ctx, std::span<const Value> args) {
  std::string reason;
  if (auto bad = string_arg(ctx, args, 0, "a String reason", reason)) return *bad;
  if (reason.empty()) return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "unsafe_begin needs a reason");
  KState& k = ctx.machine.k;
  ++depth_of(k, ctx.thread);
  k.unsafe_log.push_back(UnsafeRecord{ctx.thread, ctx.event.index, reason});
  ctx.event.lib.push_back(LibEvent{LibEventKind::UnsafeBegin, ctx.thread, 0, 0, std::move(reason), {}});
  return IntrinsicResult::unit();
}

IntrinsicResult unsafe_end(IntrinsicContext& ctx, std::span<const Value>) {
  std::uint32_t& depth = depth_of(ctx.machine.k, ctx.thread);
  if (depth == 0) return IntrinsicResult::fail(ErrorKind::ConstraintFailure, "unsafe_end without unsafe_begin");
  --depth;
  ctx.event.lib.push_back(LibEvent{LibEventKind::UnsafeEnd, ctx.thread, 0, 0, {}, {}});
  return IntrinsicResult::unit();
}

IntrinsicResult unsafe_peek(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0;
  if (auto bad = unsafe_word(ctx, args, addr)) return *bad;
  std::string bytes(kWord, '\0');
  for (std::int64_t i = 0; i < kWord; ++i) bytes[i] = static_cast<char>(raw_byte(ctx.machine.k.heap, addr + i));
  std::int64_t value = decode_le64(bytes);
  ctx.event.lib.push_back(LibEvent{LibEventKind::MemRead, addr, kWord, value, "unsafe", {}});
  return IntrinsicResult::of(Value::integer(value));
}

IntrinsicResult unsafe_poke(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t addr = 0, value = 0;
  if (auto bad = unsafe_word(ctx, args, addr)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int value", value)) return *bad;
  std::string bytes = encode_le64(value);
  for (std::int64_t i = 0; i < kWord; ++i) {
    set_raw_byte(ctx.machine.k.heap, addr + i, static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]));
  }
  ctx.event.lib.push_back(LibEvent{LibEventKind::MemWrite, addr, kWord, value, "unsafe", {}});
  return IntrinsicResult::unit();
}

}  // namespace

void register_unsafe(IntrinsicTable& table) {
  table.add({"unsafe", "unsafe_begin", unsafe_begin, 1, 1});
  table.add({"unsafe", "unsafe_end", unsafe_end, 0, 0});
  table.add({"unsafe", "peek", unsafe_peek, 1, 1});
  table.add({"unsafe", "poke", unsafe_poke, 2, 2});
}

}  // namespace dust::k

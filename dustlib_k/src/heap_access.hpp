// heap_access.hpp — checked access to the simulated heap, shared by the
// modules that move bytes in and out of it (memory, io, unsafe).
//
// Every access names the first address it touches. Its errors are the
// memory violations of the semantics doc (§2.2), all ConstraintFailure:
// `out of bounds: <addr>` (no block there, or the access runs past its
// block's end) and `use after free: <addr>` (the block was freed). Because
// the allocator never reuses an address, a freed block stays recognisable
// forever and a stale pointer is always caught.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "dust/error.hpp"
#include "dust/k_state.hpp"

namespace dust::k {

// The block whose range holds `addr` (live or freed), or null. A block of
// size 0 holds only its own address, so that freeing it twice or using it
// after free is still told apart from a wild pointer.
const HeapBlock* block_at(const Heap& heap, std::int64_t addr);
HeapBlock* block_at(Heap& heap, std::int64_t addr);

// Reads `n` bytes from one live block. An access of 0 bytes touches nothing
// and always succeeds.
std::optional<DvmError> heap_read(const Heap& heap, std::int64_t addr, std::int64_t n, std::string& out);

// Writes `bytes` into one live block.
std::optional<DvmError> heap_write(Heap& heap, std::int64_t addr, std::string_view bytes);

// The bytes from `addr` up to the first NUL or the end of its live block.
std::optional<DvmError> heap_read_cstring(const Heap& heap, std::int64_t addr, std::string& out);

// The little-endian Int of the 8 bytes at `bytes`, and the reverse: the
// heap's byte order for load, store and the unsafe word accesses, on every
// host. On a little-endian one that is the word's own layout, copied whole:
// GCC does not see a 64-bit load in the byte loop, and builds it a byte at
// a time.
inline std::int64_t load_le64(const std::uint8_t* bytes) {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, bytes, sizeof v);
  } else {
    for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  }
  return static_cast<std::int64_t>(v);
}
inline void store_le64(std::uint8_t* out, std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, &v, sizeof v);
  } else {
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>((v >> (8 * i)) & 0xff);
  }
}
std::int64_t decode_le64(std::string_view bytes);
std::string encode_le64(std::int64_t value);

}  // namespace dust::k

// crc32.hpp — the checksum that guards every part of a trace file.
//
// CRC-32C (Castagnoli) with slicing-by-8 tables: fast enough to verify a
// whole trace on open, and a single flipped bit anywhere is always caught.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dust::rec {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace dust::rec

// huge_pages.hpp — asking the kernel for transparent huge pages.
//
// Loading a large DIR and running it touch a few hundred MiB of fresh
// memory: simdjson's structural index, the program's code and statements,
// the name table, a frame of a million slots. In 4 KiB pages that is a
// page fault per 4 KiB, each zeroing its page; in 2 MiB pages it is one
// fault per 2 MiB, and the zeroing runs at full speed. Systems commonly
// give huge pages only to memory that asks (THP mode "madvise"), so large
// allocations ask. Advice changes speed only, never what a run computes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dust {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Advises the whole huge pages inside [begin, begin + bytes); untouched
// memory still costs nothing.
void advise_huge_pages(void* begin, std::size_t bytes);

template <class T>
void advise_huge_pages(std::vector<T>& v) {
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// The process's anonymous read-write mappings, as read from
// /proc/self/maps (empty where it cannot be read). Comparing two lists
// finds the memory a library allocated in between, which it does not let
// us see.
struct MemoryRange {
  std::uintptr_t begin = 0, end = 0;
  bool operator==(const MemoryRange&) const = default;
};
std::vector<MemoryRange> anonymous_mappings();

// Advises huge pages in every anonymous mapping of at least `min_bytes`
// that `before` did not list.
void advise_huge_pages_in_new_mappings(const std::vector<MemoryRange>& before, std::size_t min_bytes);

}  // namespace dust

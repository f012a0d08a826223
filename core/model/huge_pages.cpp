// huge_pages.cpp — asking the kernel for transparent huge pages (see huge_pages.hpp).
#include "huge_pages.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace dust {

void advise_huge_pages(void* begin, std::size_t bytes) {
  auto first = reinterpret_cast<std::uintptr_t>(begin);
  std::uintptr_t last = first + bytes;
  first = (first + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  last &= ~(kHugePageBytes - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

std::vector<MemoryRange> anonymous_mappings() {
  std::vector<MemoryRange> out;
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return out;
  char line[1024];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long begin = 0, end = 0, inode = 0;
    char perms[8] = {};
    // "begin-end perms offset dev inode [path]": anonymous memory has
    // inode 0 and no path (heap and stack are named in brackets).
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %lu", &begin, &end, perms, &inode) != 4) continue;
    if (inode != 0 || perms[0] != 'r' || perms[1] != 'w' || std::strchr(line, '/') != nullptr ||
        std::strchr(line, '[') != nullptr) {
      continue;
    }
    out.push_back(MemoryRange{begin, end});
  }
  std::fclose(maps);
  return out;
}

void advise_huge_pages_in_new_mappings(const std::vector<MemoryRange>& before, std::size_t min_bytes) {
  for (const MemoryRange& r : anonymous_mappings()) {
    if (r.end - r.begin < min_bytes || std::find(before.begin(), before.end(), r) != before.end()) continue;
    advise_huge_pages(reinterpret_cast<void*>(r.begin), r.end - r.begin);
  }
}

}  // namespace dust

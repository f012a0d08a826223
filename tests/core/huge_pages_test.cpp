// huge_pages_test.cpp — the huge-page advice of huge_pages.hpp reaches the
// memory it is meant for, and only that: read back from the kernel's own
// account of each mapping (the "hg" flag of /proc/self/smaps).
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "model/huge_pages.hpp"

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Whether the mapping that holds `address` carries the huge-page advice;
// `found` says whether any mapping holds it.
bool advised(const void* address, bool& found) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  auto a = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  found = false;
  while (std::getline(smaps, line)) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(' ') != std::string::npos &&
        line.find('-') < line.find(' ')) {
      inside = a >= begin && a < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) {
      found = true;
      std::istringstream flags(line.substr(8));
      std::string flag;
      while (flags >> flag) {
        if (flag == "hg") return true;
      }
      return false;
    }
  }
  return false;
}

// Kernels built without transparent huge pages refuse the advice.
bool kernel_has_huge_pages() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  return mode.good();
}

// A private anonymous mapping, unmapped at the end of the test.
struct Mapping {
  explicit Mapping(std::size_t n) : bytes(n) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~Mapping() {
    if (data != nullptr) munmap(data, bytes);
  }
  char* data;
  std::size_t bytes;
};

TEST(HugePages, NewMappingsOfAtLeastTheSizeAreAdvised) {
  if (dust::anonymous_mappings().empty() || !kernel_has_huge_pages()) GTEST_SKIP() << "no /proc/self/maps or no THP";
  std::vector<dust::MemoryRange> before = dust::anonymous_mappings();
  Mapping big(16 * kMiB), small(2 * kMiB);
  ASSERT_NE(big.data, nullptr);
  ASSERT_NE(small.data, nullptr);
  bool listed = false;
  for (const dust::MemoryRange& r : dust::anonymous_mappings()) {
    listed = listed || (r.begin <= reinterpret_cast<std::uintptr_t>(big.data) &&
                        reinterpret_cast<std::uintptr_t>(big.data) < r.end);
  }
  EXPECT_TRUE(listed) << "a fresh anonymous mapping is listed";

  bool found = false;
  EXPECT_FALSE(advised(big.data + 8 * kMiB, found));
  ASSERT_TRUE(found);
  dust::advise_huge_pages_in_new_mappings(before, 8 * kMiB);
  EXPECT_TRUE(advised(big.data + 8 * kMiB, found)) << "the new 16 MiB mapping";
  EXPECT_TRUE(found);
  // The small mapping may share a mapping with the big one (the kernel
  // merges neighbours); advised or not, it must still be there.
  advised(small.data, found);
  EXPECT_TRUE(found);
}

TEST(HugePages, OnlyWholeHugePagesInsideARangeAreAdvised) {
  if (!kernel_has_huge_pages()) GTEST_SKIP() << "no THP";
  Mapping m(8 * kMiB);
  ASSERT_NE(m.data, nullptr);
  // From 1 MiB past the first huge-page boundary to 1 MiB before the last:
  // only the huge pages wholly inside are advised.
  auto base = reinterpret_cast<std::uintptr_t>(m.data);
  std::uintptr_t first_boundary = (base + dust::kHugePageBytes - 1) & ~(dust::kHugePageBytes - 1);
  char* start = reinterpret_cast<char*>(first_boundary) + kMiB;
  dust::advise_huge_pages(start, 4 * kMiB);
  bool found = false;
  EXPECT_FALSE(advised(start, found)) << "the partial huge page at the start";
  EXPECT_TRUE(advised(start + kMiB + 16, found)) << "the whole huge page inside";
  EXPECT_FALSE(advised(start + 3 * kMiB + 16, found)) << "the partial huge page at the end";
}

}  // namespace

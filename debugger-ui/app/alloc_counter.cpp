// alloc_counter.cpp — the counting global operator new and ImGui allocator.
#include "app/alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace dust::dbg {

namespace {
std::atomic<std::uint64_t> g_allocations{0};

void* counted_malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  return std::malloc(size);
}

void* counted_aligned(std::size_t size, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = align;
  std::size_t rounded = (size + align - 1) / align * align;
  return std::aligned_alloc(align, rounded);
}
}  // namespace

std::uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }

void* imgui_counting_alloc(std::size_t size, void*) { return counted_malloc(size); }
void imgui_counting_free(void* ptr, void*) { std::free(ptr); }

}  // namespace dust::dbg

void* operator new(std::size_t size) {
  if (void* p = dust::dbg::counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = dust::dbg::counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return dust::dbg::counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return dust::dbg::counted_malloc(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  if (void* p = dust::dbg::counted_aligned(size, static_cast<std::size_t>(align))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) {
  if (void* p = dust::dbg::counted_aligned(size, static_cast<std::size_t>(align))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// name_index.cpp — open-addressing name interning (see name_index.hpp).
#include "name_index.hpp"

namespace dust {

std::uint64_t NameIndex::hash(std::string_view s) {
  // FNV-1a: deterministic across runs and platforms, and plenty for names.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void NameIndex::rebuild(std::size_t capacity) {
  buckets_.assign(capacity, kNoSlot);
  std::size_t mask = capacity - 1;
  for (std::uint32_t i = 0; i < table_.size(); ++i) {
    std::size_t b = hash(table_.get(i)) & mask;
    while (buckets_[b] != kNoSlot) b = (b + 1) & mask;
    buckets_[b] = i;
  }
}

std::uint32_t NameIndex::find(std::string_view name) const {
  std::size_t mask = buckets_.size() - 1;
  std::size_t b = hash(name) & mask;
  while (buckets_[b] != kNoSlot) {
    if (table_.get(buckets_[b]) == name) return buckets_[b];
    b = (b + 1) & mask;
  }
  return kNoSlot;
}

std::uint32_t NameIndex::intern(std::string_view name) {
  std::size_t mask = buckets_.size() - 1;
  std::size_t b = hash(name) & mask;
  while (buckets_[b] != kNoSlot) {
    if (table_.get(buckets_[b]) == name) return buckets_[b];
    b = (b + 1) & mask;
  }
  std::uint32_t index = table_.add(name);
  buckets_[b] = index;
  if (static_cast<std::size_t>(table_.size()) * 2 > buckets_.size()) rebuild(buckets_.size() * 2);
  return index;
}

}  // namespace dust

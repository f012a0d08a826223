// name_index.cpp — open-addressing name interning (see name_index.hpp).
//
// Each bucket holds a slot number and the upper half of the name's hash, so
// a probe compares strings only when the hashes agree: with a million names
// the table is far larger than the cache, and every avoided string compare
// is an avoided cache miss.
#include "name_index.hpp"

namespace dust {

namespace {

constexpr std::uint64_t kEmpty = ~0ull;

std::uint64_t pack(std::uint32_t index, std::uint64_t hash) { return (hash & 0xffffffff00000000ull) | index; }
std::uint32_t index_of(std::uint64_t bucket) { return static_cast<std::uint32_t>(bucket); }
bool same_tag(std::uint64_t bucket, std::uint64_t hash) { return (bucket >> 32) == (hash >> 32); }

}  // namespace

std::uint64_t NameIndex::hash(std::string_view s) {
  // FNV-1a with a final mix: deterministic across runs and platforms.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

void NameIndex::rebuild(std::size_t capacity) {
  buckets_.assign(capacity, kEmpty);
  std::size_t mask = capacity - 1;
  for (std::uint32_t i = 0; i < table_.size(); ++i) {
    std::uint64_t h = hash(table_.get(i));
    std::size_t b = h & mask;
    while (buckets_[b] != kEmpty) b = (b + 1) & mask;
    buckets_[b] = pack(i, h);
  }
}

std::uint32_t NameIndex::find(std::string_view name) const {
  std::uint64_t h = hash(name);
  std::size_t mask = buckets_.size() - 1;
  for (std::size_t b = h & mask; buckets_[b] != kEmpty; b = (b + 1) & mask) {
    if (same_tag(buckets_[b], h) && table_.get(index_of(buckets_[b])) == name) return index_of(buckets_[b]);
  }
  return kNoSlot;
}

std::uint32_t NameIndex::intern(std::string_view name) {
  std::uint64_t h = hash(name);
  Recent& recent = recent_[(h >> 20) & (kRecent - 1)];
  if (recent.hash == h && recent.index != kNoSlot && table_.get(recent.index) == name) return recent.index;
  std::size_t mask = buckets_.size() - 1;
  std::size_t b = h & mask;
  for (; buckets_[b] != kEmpty; b = (b + 1) & mask) {
    if (same_tag(buckets_[b], h) && table_.get(index_of(buckets_[b])) == name) {
      recent = Recent{h, index_of(buckets_[b])};
      return recent.index;
    }
  }
  std::uint32_t index = table_.add(name);
  buckets_[b] = pack(index, h);
  recent = Recent{h, index};
  if (static_cast<std::size_t>(table_.size()) * 2 > buckets_.size()) rebuild(buckets_.size() * 2);
  return index;
}

}  // namespace dust

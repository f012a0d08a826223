// name_index.cpp — open-addressing name interning (see name_index.hpp).
//
// Each bucket holds the name's key word, its tag (hash bits and length)
// and its slot number, so a probe decides a short name without reading the
// table's characters: with a million names the table is far larger than
// the cache, and every avoided read is an avoided cache miss.
#include "name_index.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "model/huge_pages.hpp"

namespace dust {

namespace {

std::uint64_t read64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
std::uint32_t read32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  unsigned __int128 m = static_cast<unsigned __int128>(a ^ 0x9e3779b97f4a7c15ull) * (b ^ 0xbf58476d1ce4e5b9ull);
  return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

}  // namespace

NameIndex::Buckets::Buckets(std::size_t n) : size_(n) {
  std::size_t bytes = n * sizeof(Bucket);
  if (bytes >= (std::size_t{2} << 20)) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      advise_huge_pages(p, bytes);
      data_ = static_cast<Bucket*>(p);
      mapped_ = true;
      return;
    }
  }
  data_ = new Bucket[n]();
}

NameIndex::Buckets& NameIndex::Buckets::operator=(Buckets&& o) noexcept {
  if (this != &o) {
    this->~Buckets();
    data_ = o.data_;
    size_ = o.size_;
    mapped_ = o.mapped_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

NameIndex::Buckets::~Buckets() {
  if (data_ == nullptr) return;
  if (mapped_) {
    munmap(data_, size_ * sizeof(Bucket));
  } else {
    delete[] data_;
  }
  data_ = nullptr;
}

NameIndex::NameIndex(StringTable& table) : table_(table) {
  grow(6);
  // The table may already hold names: index them (the first of equal names wins).
  reserve(0);
  std::size_t mask = buckets_.size() - 1;
  for (std::uint32_t i = 0; i < table_.size(); ++i) {
    std::string_view name = table_.get(i);
    Key k = key_of(name);
    std::size_t b = home(k.tag);
    bool present = false;
    for (; buckets_[b].slot != 0; b = (b + 1) & mask) {
      if (matches(k, name, buckets_[b])) present = true;
    }
    if (!present) buckets_[b] = Bucket{k.word, k.tag, i + 1};
  }
}

[[gnu::always_inline]] inline NameIndex::Key key_of_inline(std::string_view name);

NameIndex::Key NameIndex::key_of(std::string_view name) { return key_of_inline(name); }

inline NameIndex::Key key_of_inline(std::string_view name) {
  const char* p = name.data();
  std::size_t n = name.size();
  std::uint64_t word;
  // The words below determine a name of at most eight bytes exactly, given
  // its length: overlapping reads cover every byte.
  if (n >= 4) {
    if (n <= 8) {
      word = read32(p) | static_cast<std::uint64_t>(read32(p + n - 4)) << 32;
    } else {
      // Long names: the word is only a filter; the table's text decides.
      word = read64(p + n - 8);
      for (std::size_t i = 0; i + 8 < n; i += 8) word = mix(word, read64(p + i));
    }
  } else if (n > 0) {
    word = static_cast<unsigned char>(p[0]) | static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
           static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  } else {
    word = 0;
  }
  std::uint64_t h = mix(word, n);
  std::uint32_t size = n < 255 ? static_cast<std::uint32_t>(n) : 255u;
  return NameIndex::Key{word, (static_cast<std::uint32_t>(h >> 32) & 0xffffff00u) | size, static_cast<std::uint32_t>(h)};
}

void NameIndex::grow(unsigned bits) {
  Buckets old = std::move(buckets_);
  bits_ = bits;
  buckets_ = Buckets(std::size_t{1} << bits);
  std::size_t mask = buckets_.size() - 1;
  for (std::size_t i = 0; i < old.size(); ++i) {
    const Bucket& e = old[i];
    if (e.slot == 0) continue;
    std::size_t b = home(e.tag);
    while (buckets_[b].slot != 0) b = (b + 1) & mask;
    buckets_[b] = e;
  }
}

void NameIndex::reserve(std::size_t more) {
  // Generated names are short ("v123456"); more room is only address space.
  table_.reserve(more, 16);
  // At most half full: linear probes stay short.
  std::size_t want = (static_cast<std::size_t>(table_.size()) + more) * 2;
  unsigned bits = bits_;
  while ((std::size_t{1} << bits) < want) ++bits;
  if (bits != bits_) grow(bits);
}

std::uint32_t NameIndex::find(std::string_view name) const {
  Key k = key_of(name);
  std::size_t mask = buckets_.size() - 1;
  for (std::size_t b = home(k.tag); buckets_[b].slot != 0; b = (b + 1) & mask) {
    const Bucket& e = buckets_[b];
    if (matches(k, name, e)) return e.slot - 1;
  }
  return kNoSlot;
}

std::uint32_t NameIndex::intern(std::string_view name) {
  Key k = key_of_inline(name);
  Bucket& recent = recent_[k.recent & (kRecent - 1)];
  if (recent.slot != 0 && matches(k, name, recent)) return recent.slot - 1;
  std::size_t mask = buckets_.size() - 1;
  std::size_t b = home(k.tag);
  for (; buckets_[b].slot != 0; b = (b + 1) & mask) {
    const Bucket& e = buckets_[b];
    if (matches(k, name, e)) {
      recent = e;
      return e.slot - 1;
    }
  }
  std::uint32_t index = table_.add(name);
  buckets_[b] = Bucket{k.word, k.tag, index + 1};
  recent = buckets_[b];
  if (static_cast<std::size_t>(table_.size()) * 2 > buckets_.size()) grow(bits_ + 1);
  return index;
}

}  // namespace dust

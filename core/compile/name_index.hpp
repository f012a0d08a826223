// name_index.hpp — interning names into a StringTable.
//
// The loader resolves every identifier of a proc to a frame slot. A million
// distinct names must not cost a million heap strings, so the index is an
// open-addressing table of slot numbers over the proc's StringTable.
//
// With a million names the table is far larger than the CPU cache, and a
// profile of loading is dominated by its cache misses. So: names of up to
// eight bytes (nearly all names) are compared as one machine word, never
// against the table's characters; a bucket's position comes from the bits
// stored in it, so growing never re-reads or re-hashes the names; callers
// may reserve room up front and prefetch the bucket of a name they will
// intern soon.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dust/program.hpp"

namespace dust {

class NameIndex {
 public:
  explicit NameIndex(StringTable& table);

  // The index of `name` in the table, adding it when new.
  std::uint32_t intern(std::string_view name);
  // The index of `name`, or kNoSlot.
  std::uint32_t find(std::string_view name) const;
  // Makes room for `more` names beyond those present, so that no growth
  // happens while they are added.
  void reserve(std::size_t more);
  // A hint: a name with this key will be interned soon; starts loading
  // its bucket.
  void prefetch(std::uint32_t tag) const { __builtin_prefetch(&buckets_[home(tag)]); }

  // A name's hash and, for names of at most eight bytes, its exact key.
  // A name's hash, and a word that for names of at most eight bytes is
  // the name itself (losslessly folded), so such names compare as integers.
  struct Key {
    std::uint64_t word;
    std::uint32_t tag;  // upper hash bits, with the low byte the name's length (capped)
    std::uint32_t recent;  // other hash bits: the slot in the recent cache
  };
  static Key key_of(std::string_view name);

 private:
  struct Bucket {
    std::uint64_t word = 0;
    std::uint32_t tag = 0;
    std::uint32_t slot = 0;  // index + 1; 0 = empty, so fresh zeroed memory is an empty table
  };

  // The buckets: a large table lives in huge pages where the system allows,
  // since its random probes otherwise miss the TLB as well as the cache.
  class Buckets {
   public:
    Buckets() = default;
    explicit Buckets(std::size_t n);
    Buckets(Buckets&& o) noexcept : data_(o.data_), size_(o.size_), mapped_(o.mapped_) { o.data_ = nullptr; o.size_ = 0; }
    Buckets& operator=(Buckets&& o) noexcept;
    ~Buckets();
    Bucket& operator[](std::size_t i) { return data_[i]; }
    const Bucket& operator[](std::size_t i) const { return data_[i]; }
    std::size_t size() const { return size_; }

   private:
    Bucket* data_ = nullptr;
    std::size_t size_ = 0;
    bool mapped_ = false;
  };

  bool matches(const Key& k, std::string_view name, const Bucket& e) const {
    return e.word == k.word && e.tag == k.tag && (name.size() <= 8 || table_.get(e.slot - 1) == name);
  }
  // A bucket's home is given by its tag alone, so growing never touches names.
  std::size_t home(std::uint32_t tag) const { return ((static_cast<std::uint64_t>(tag) >> 8) << bits_) >> 24; }
  void grow(unsigned bits);

  // Names used again soon after their last use (the common case in
  // generated code) are answered from this small direct-mapped cache,
  // small enough to stay in the L1 cache.
  static constexpr std::size_t kRecent = 1024;
  std::vector<Bucket> recent_ = std::vector<Bucket>(kRecent);

  StringTable& table_;
  Buckets buckets_;
  unsigned bits_ = 0;  // buckets_.size() == 1 << bits_
};

}  // namespace dust

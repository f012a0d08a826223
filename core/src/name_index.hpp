// name_index.hpp — interning names into a StringTable.
//
// The loader resolves every identifier of a proc to a frame slot. A million
// distinct names must not cost a million heap strings, so the index is an
// open-addressing table of slot numbers over the proc's StringTable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dust/program.hpp"

namespace dust {

class NameIndex {
 public:
  explicit NameIndex(StringTable& table) : table_(table) { rebuild(64); }

  // The index of `name` in the table, adding it when new.
  std::uint32_t intern(std::string_view name);
  // The index of `name`, or kNoSlot.
  std::uint32_t find(std::string_view name) const;

 private:
  static std::uint64_t hash(std::string_view s);
  void rebuild(std::size_t capacity);

  // Names used again soon after their last use (the common case in
  // generated code) are answered from this small direct-mapped cache,
  // whose strings are still in the CPU cache.
  struct Recent {
    std::uint64_t hash = 0;
    std::uint32_t index = kNoSlot;
  };
  static constexpr std::size_t kRecent = 4096;
  std::vector<Recent> recent_ = std::vector<Recent>(kRecent);

  StringTable& table_;
  std::vector<std::uint64_t> buckets_;  // hash tag << 32 | index; all ones = empty
};

}  // namespace dust

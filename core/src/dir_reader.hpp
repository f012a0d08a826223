// dir_reader.hpp — the two compiled copies of the DIR walk (dir_reader.inl).
#pragma once

#include <cstddef>

#include "dust/dir_loader.hpp"

namespace dust {

class MappedInput;

namespace haswell {
LoadResult parse_dir_json(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped);
}
namespace generic {
LoadResult parse_dir_json(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped);
}

}  // namespace dust

// dir_reader.hpp — the two compiled copies of the DIR walk (dir_reader.inl).
#pragma once

#include <cstddef>

#include "dust/dir_loader.hpp"

namespace dust {

class MappedInput;

// A proc body of at least this many statements is built on a second thread
// while the walk goes on (dir_reader.inl); the result is the same either
// way. Tests lower it to run the two-thread path on small programs.
std::size_t pipeline_threshold();
void set_pipeline_threshold(std::size_t statements);

namespace haswell {
LoadResult parse_dir_json(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped);
}
namespace generic {
LoadResult parse_dir_json(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped);
}

}  // namespace dust

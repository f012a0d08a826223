// dir_loader.cpp — DIR JSON (v0.1 and v0.2) to Program (see dir_loader.hpp).
//
// simdjson's On-Demand front end is chosen when the program is compiled, so
// the walk is compiled twice, for AVX2 machines and for any x86-64, and the
// faster one is picked at run time.
#include "dust/dir_loader.hpp"

#include <atomic>
#include <cstdint>
#include <thread>

#include "dir_reader.hpp"
#include "mapped_input.hpp"

namespace dust {

namespace {

// Below this a body is built faster than a thread starts; with one core
// there is nothing to gain at all.
std::atomic<std::size_t> threshold{std::thread::hardware_concurrency() > 1 ? 20000 : SIZE_MAX};

LoadResult parse(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped) {
  static const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
                               __builtin_cpu_supports("pclmul");
  return has_avx2 ? haswell::parse_dir_json(base, size, capacity, mapped)
                  : generic::parse_dir_json(base, size, capacity, mapped);
}

}  // namespace

std::size_t pipeline_threshold() { return threshold.load(std::memory_order_relaxed); }
void set_pipeline_threshold(std::size_t statements) { threshold.store(statements, std::memory_order_relaxed); }

LoadResult load_dir_file(const std::string& path) {
  MappedInput input;
  std::string os_error = input.open(path);
  if (!os_error.empty()) {
    LoadResult result;
    result.unreadable = true;
    result.error = DvmError{ErrorKind::DirLoad, "failed to read DIR file '" + path + "': " + os_error};
    return result;
  }
  return parse(input.data(), input.size(), input.capacity(), &input);
}

LoadResult load_dir_text(std::string_view json) {
  std::string padded(json);
  padded.append(kJsonPadding, '\0');
  return parse(padded.data(), json.size(), padded.size(), nullptr);
}

}  // namespace dust

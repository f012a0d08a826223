// trace_fuzzer.cpp — libFuzzer's entry point for the trace reader (run by
// scripts/fuzz.sh trace).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dust_fuzz::fuzz_trace_reader(data, size);
}

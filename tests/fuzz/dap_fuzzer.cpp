// dap_fuzzer.cpp — libFuzzer's entry point for the debug adapter (run by
// scripts/fuzz.sh dap).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dust_fuzz::fuzz_dap_session(data, size);
}

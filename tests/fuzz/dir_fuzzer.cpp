// dir_fuzzer.cpp — libFuzzer's entry point for the DIR loader (run by
// scripts/fuzz.sh dir).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dust_fuzz::fuzz_dir_loader(data, size);
}
